"""A generic view's own handler calls hooks on the view (`get_queryset`, `get_object`,
`get_context_data`, `get_paginate_by`, `form_valid`, django-filter's FilterView too): the
project's overrides are part of the request, as a handler of its own would be."""

from __future__ import annotations

from pathlib import Path

import pytest

from snippets import calls, view_of

URLS = """
from django.urls import path
from shop.views import V
urlpatterns = [path("v/", V.as_view())]
"""

HEADER = """
import requests
from django import forms
from django.views import View
from django.views.generic import DetailView, FormView, ListView, TemplateView
from django_filters.views import FilterView
from shop.models import Book

class NameForm(forms.Form):
    name = forms.CharField()
"""


def scanned(tmp_path: Path, body: str) -> list[str]:
    view = view_of(tmp_path, HEADER + body, view_id="shop.views.V", files={"urls.py": URLS})
    return [e.call for e in view.effects if e.kind.value == "http"]


def hook_chain(tmp_path: Path, body: str) -> list[str]:
    view = view_of(tmp_path, HEADER + body, view_id="shop.views.V", files={"urls.py": URLS})
    return [e.chain[0].function for e in view.effects if e.kind.value == "http"]


# (hook the generic handler runs, view body)
FLAGGED = [
    (
        "get_queryset",
        """
class V(ListView):
    model = Book
    def get_queryset(self):
        requests.get("http://127.0.0.1", timeout=1)
        return Book.objects.all()
""",
    ),
    (
        "get_context_data",
        """
class V(DetailView):
    model = Book
    def get_context_data(self, **kwargs):
        requests.get("http://127.0.0.1", timeout=1)
        return super().get_context_data(**kwargs)
""",
    ),
    (
        "get_paginate_by",
        """
class V(ListView):
    model = Book
    def get_paginate_by(self, queryset):
        return requests.get("http://127.0.0.1", timeout=1).json()["size"]
""",
    ),
    (
        "form_valid",
        """
class V(FormView):
    form_class = NameForm
    def form_valid(self, form):
        requests.post("http://127.0.0.1", timeout=1)
        return super().form_valid(form)
""",
    ),
    (
        "get_object",
        """
class V(DetailView):
    model = Book
    def get_object(self, queryset=None):
        requests.get("http://127.0.0.1", timeout=1)
        return super().get_object(queryset)
""",
    ),
    (
        "get_queryset",
        """
class V(FilterView):
    model = Book
    filterset_fields = ["title"]
    def get_queryset(self):
        requests.get("http://127.0.0.1", timeout=1)
        return Book.objects.all()
""",
    ),
]


@pytest.mark.parametrize(
    ("hook", "body"),
    FLAGGED,
    ids=[
        "listview-get_queryset",
        "detailview-get_context_data",
        "listview-get_paginate_by",
        "formview-form_valid",
        "detailview-get_object",
        "filterview-get_queryset",
    ],
)
def test_an_overridden_generic_hook_is_part_of_the_view(
    tmp_path: Path, hook: str, body: str
) -> None:
    assert hook_chain(tmp_path, body) == [f"shop.views.V.{hook}"]


NOT_FLAGGED = {
    # A plain View's dispatch calls no get_queryset.
    "plain-view-never-calls-get_queryset": """
class V(View):
    def get(self, request):
        return None
    def get_queryset(self):
        return requests.get("http://127.0.0.1", timeout=1)
""",
    # The hook is defined, but on a class that is not one of the view's bases.
    "hook-on-an-unrelated-class": """
class Other:
    def get_queryset(self):
        return requests.get("http://127.0.0.1", timeout=1)
class V(ListView):
    model = Book
""",
    # A helper of the view that no handler and no hook calls.
    "a-helper-nobody-calls": """
class V(ListView):
    model = Book
    def refresh_remote(self):
        return requests.get("http://127.0.0.1", timeout=1)
""",
    # ListView never calls form_valid; TemplateView never calls get_object.
    "listview-never-calls-form_valid": """
class V(ListView):
    model = Book
    def form_valid(self, form):
        return requests.post("http://127.0.0.1", timeout=1)
""",
    "templateview-never-calls-get_object": """
class V(TemplateView):
    template_name = "x.html"
    def get_object(self):
        return requests.get("http://127.0.0.1", timeout=1)
""",
    # The view's own override (no I/O) wins over its project base's.
    "the-nearest-override-wins": """
class RemoteListMixin:
    def get_queryset(self):
        requests.get("http://127.0.0.1", timeout=1)
        return Book.objects.all()
class V(RemoteListMixin, ListView):
    model = Book
    def get_queryset(self):
        return Book.objects.all()
""",
    # A FilterView whose hook does no I/O.
    "filterview-hook-without-io": """
class V(FilterView):
    model = Book
    filterset_fields = ["title"]
    def get_queryset(self):
        return Book.objects.filter(title="x")
""",
}


@pytest.mark.parametrize("body", NOT_FLAGGED.values(), ids=NOT_FLAGGED.keys())
def test_a_hook_the_generic_handler_does_not_run_is_not_the_views(
    tmp_path: Path, body: str
) -> None:
    assert scanned(tmp_path, body) == []


def test_a_hook_the_projects_handler_calls_counts_once(tmp_path: Path) -> None:
    body = """
class V(TemplateView):
    template_name = "x.html"
    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data())
    def get_context_data(self, **kwargs):
        requests.get("http://127.0.0.1", timeout=1)
        return {}
"""
    assert hook_chain(tmp_path, body) == ["shop.views.V.get"]
