"""Tiny Django projects written to a temp dir, for detector tests: `flagged` and
`not_flagged` scan a view body and look at the effects the scan reports."""

from __future__ import annotations

import textwrap
from pathlib import Path

from advisor.config import build_settings
from advisor.model import ScanResult, View
from advisor.pipeline import scan

SETTINGS = """
ROOT_URLCONF = "urls"
INSTALLED_APPS = ["django.contrib.auth", "django.contrib.contenttypes", "shop"]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "db.sqlite3"}}
"""
MANAGE = """
import os, sys
def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")
    from django.core.management import execute_from_command_line
    execute_from_command_line(sys.argv)
"""
MODELS = """
from django.db import models

class Author(models.Model):
    name = models.CharField(max_length=50)

class Book(models.Model):
    title = models.CharField(max_length=50)
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="books")
"""
URLS = """
from django.urls import path
from shop import views

urlpatterns = [path("v/", views.view, name="v")]
"""


def make_project(root: Path, files: dict[str, str]) -> Path:
    defaults = {
        "manage.py": MANAGE,
        "settings.py": SETTINGS,
        "urls.py": URLS,
        "shop/__init__.py": "",
        "shop/models.py": MODELS,
        "requirements.txt": "Django>=5.2,<5.3\n",
    }
    for name, text in {**defaults, **files}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def scan_project(root: Path, **flags: object) -> ScanResult:
    return scan(root, build_settings(root, **flags))


def view_of(root: Path, body: str, view_id: str = "shop.views.view",
            files: dict[str, str] | None = None) -> View:
    make_project(root, {"shop/views.py": body, **(files or {})})
    result = scan_project(root)
    view = result.view(view_id)
    assert view is not None, [v.id for v in result.views]
    return view


def calls(view: View, kind: str | None = None) -> list[str]:
    return [e.call for e in view.effects if kind is None or e.kind.value == kind]
