"""form.is_valid() / full_clean() on a project form run its clean_<field>() and clean()
methods: their queries and requests are the view's."""

from __future__ import annotations

from pathlib import Path

import pytest

from snippets import calls, view_of

FORMS = """
import requests
from django import forms
from shop.models import Author

class SignupForm(forms.Form):
    name = forms.CharField()
    def clean_name(self):
        if Author.objects.filter(name=self.cleaned_data["name"]).exists():
            raise forms.ValidationError("taken")
        return self.cleaned_data["name"]

class CaptchaForm(forms.Form):
    token = forms.CharField()
    def clean(self):
        requests.post("http://127.0.0.1", timeout=1)
        return super().clean()

class PlainForm(forms.Form):
    name = forms.CharField()
    def clean_name(self):
        return self.cleaned_data["name"].strip()

class LocalSignupForm(SignupForm):
    def clean_name(self):
        return self.cleaned_data["name"]

class ChildCaptchaForm(CaptchaForm):
    pass

class Checklist:
    def is_valid(self):
        return True
    def clean_name(self):
        return Author.objects.filter(name="x").exists()
"""


def body(form: str, call: str = "is_valid") -> str:
    return f"""
        from shop.forms import {form}
        def view(request):
            form = {form}(request.POST)
            if form.{call}():
                return form.cleaned_data
    """


FLAGGED = [
    ("db", "django.db.models.QuerySet.exists", body("SignupForm")),
    ("http", "requests.post", body("CaptchaForm")),
    ("http", "requests.post", body("ChildCaptchaForm")),
    ("db", "django.db.models.QuerySet.exists", body("SignupForm", "full_clean")),
]

NOT_FLAGGED = [
    ("db", body("PlainForm")),
    ("db", body("LocalSignupForm")),  # the subclass's own clean_name wins
    ("db", body("Checklist")),  # not a form: is_valid is its own method
    ("db", body("SignupForm", "has_changed")),  # no validation
    ("http", body("PlainForm")),
]


@pytest.mark.parametrize(("kind", "call", "source"), FLAGGED,
                         ids=[f"{i}-{c}" for i, (_, c, _) in enumerate(FLAGGED)])
def test_flagged(tmp_path: Path, kind: str, call: str, source: str) -> None:
    view = view_of(tmp_path, source, files={"shop/forms.py": FORMS})
    assert call in calls(view, kind), view.effects


@pytest.mark.parametrize(("kind", "source"), NOT_FLAGGED,
                         ids=[f"{k}-{i}" for i, (k, _) in enumerate(NOT_FLAGGED)])
def test_not_flagged(tmp_path: Path, kind: str, source: str) -> None:
    view = view_of(tmp_path, source, files={"shop/forms.py": FORMS})
    assert calls(view, kind) == [], view.effects


# _post_clean: full_clean() runs it after clean() (ModelForm builds the instance there) --

POST_CLEAN = """
import requests
from django import forms
from shop.models import Book

class RemoteCheckedForm(forms.ModelForm):
    class Meta:
        model = Book
        fields = ["title"]
    def _post_clean(self):
        requests.post("http://127.0.0.1/check", timeout=1)
        super()._post_clean()

class LocalCheckedForm(RemoteCheckedForm):
    def _post_clean(self):
        forms.ModelForm._post_clean(self)

class Importer:
    def is_valid(self):
        return True
    def _post_clean(self):
        requests.post("http://127.0.0.1/check", timeout=1)
"""


def test_is_valid_runs_the_forms_own_post_clean(tmp_path: Path) -> None:
    view = view_of(tmp_path, body("RemoteCheckedForm"), files={"shop/forms.py": POST_CLEAN})
    assert calls(view, "http") == ["requests.post"]


@pytest.mark.parametrize(
    "source",
    [body("LocalCheckedForm"), body("Importer"), body("RemoteCheckedForm", "has_changed")],
    ids=["subclass-override-without-io", "not-a-form", "no-validation-call"],
)
def test_a_post_clean_that_does_not_run_is_not_the_views(tmp_path: Path, source: str) -> None:
    view = view_of(tmp_path, source, files={"shop/forms.py": POST_CLEAN})
    assert calls(view, "http") == []
