"""What project code sets on the request before the view reads it: a decorator's wrapper
(social-auth's `@psa` sets `request.backend = load_backend(...)`) or a middleware hook
(`request.account = ...`). The view's `request.backend.complete()` runs that class's method."""

from __future__ import annotations

from pathlib import Path

import pytest

from snippets import SETTINGS, calls, view_of

BACKENDS = """
import requests

class Remote:
    def complete(self):
        return requests.post("http://127.0.0.1/token", timeout=1).json()

class Quiet:
    def complete(self):
        return {}
"""

DECORATOR = """
from functools import wraps
from shop.backends import Quiet, Remote

def with_backend(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        request.backend = {value}
        return view(request, *args, **kwargs)
    return wrapper
"""

MIDDLEWARE = """
from shop.backends import Quiet, Remote

class BackendMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.backend = {value}
        return self.get_response(request)
"""

VIEW = """
from django.http import JsonResponse
from shop.decorators import with_backend

{decorator}
def view(request):
    return JsonResponse(request.{attribute}.complete())
"""


def project(
    decorator: str, middleware: str, attribute: str = "backend", use: bool = True
) -> dict[str, str]:
    return {
        "shop/backends.py": BACKENDS,
        "shop/decorators.py": DECORATOR.format(value=decorator),
        "shop/middleware.py": MIDDLEWARE.format(value=middleware),
        "shop/views.py": VIEW.format(decorator="@with_backend" if use else "", attribute=attribute),
        "settings.py": SETTINGS,
    }


FLAGGED = [
    project(decorator="Remote()", middleware="Quiet()"),  # set by the view's decorator
    project(decorator="Quiet()", middleware="Remote()"),  # set by a middleware
    project(decorator="Remote()", middleware="Quiet()", use=False),  # set anywhere: a union
]

NOT_FLAGGED = [
    project(decorator="Quiet()", middleware="Quiet()"),
    project(decorator="Remote()", middleware="Remote()", attribute="account"),  # other name
    # an attribute Django itself gives the request is never taken from project code
    {
        **project("Quiet()", "Quiet()", attribute="method"),
        "shop/decorators.py": DECORATOR.format(value="Quiet()").replace(
            "request.backend = Quiet()", "request.method = Remote()"
        ),
    },
    # set on another object a helper takes, not on the request
    {
        **project("Quiet()", "Quiet()"),
        "shop/decorators.py": DECORATOR.format(value="Quiet()")
        + "\n\ndef configure(client):\n    client.backend = Remote()\n",
    },
    # set on something that is not the request
    {
        **project("Quiet()", "Quiet()"),
        "shop/middleware.py": MIDDLEWARE.format(value="Quiet()").replace(
            "request.backend = Quiet()", "self.backend = Remote()"
        ),
    },
]


@pytest.mark.parametrize("files", FLAGGED, ids=[str(i) for i in range(len(FLAGGED))])
def test_what_project_code_sets_on_the_request_is_typed(
    tmp_path: Path, files: dict[str, str]
) -> None:
    view = view_of(tmp_path, files.pop("shop/views.py"), files=files)
    assert "requests.post" in calls(view, "http"), view.effects


@pytest.mark.parametrize("files", NOT_FLAGGED, ids=[str(i) for i in range(len(NOT_FLAGGED))])
def test_other_request_attributes_are_not_typed_from_it(
    tmp_path: Path, files: dict[str, str]
) -> None:
    view = view_of(tmp_path, files.pop("shop/views.py"), files=files)
    assert calls(view, "http") == [], view.effects
