"""`advisor observe` counts a test double of a function that queries as the view's DB work.

Real suites replace the querying call with a mock (`mock.patch("app.views.auth.authenticate")`,
a patched helper that calls `get_object_or_404`), so the run issues no SQL although the view
queries in production — as a double of an HTTP call stands in for the request. A double of a
helper that does not query counts nothing. `scan --observed` then does not call the
prediction a phantom.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from advisor.cli import main

SETTINGS = """
SECRET_KEY = "x"
ROOT_URLCONF = "urls"
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "shop"]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
"""

VIEWS = """
from django.contrib import auth
from django.contrib.auth.models import User
from django.http import HttpResponse
from django.shortcuts import get_object_or_404


def load_user(pk):
    return get_object_or_404(User, pk=pk)


def shout(text):
    return text.upper()


def profile(request):
    return HttpResponse(load_user(request.GET["u"]).username)


def sign_in(request):
    user = auth.authenticate(request, username="a", password="b")
    return HttpResponse("yes" if user else "no")


def greet(request):
    return HttpResponse(shout("hello"))
"""

URLS = """
from django.urls import path

from shop import views

urlpatterns = [
    path("profile/", views.profile),
    path("sign-in/", views.sign_in),
    path("greet/", views.greet),
]
"""

TESTS = """
from unittest import mock

from django.test import SimpleTestCase


class DoubleTests(SimpleTestCase):
    def test_profile_with_a_patched_helper(self):
        with mock.patch("shop.views.load_user") as load_user:
            load_user.return_value.username = "ann"
            self.assertEqual(self.client.get("/profile/?u=1").content, b"ann")

    @mock.patch("shop.views.auth.authenticate", return_value=None)
    def test_sign_in_with_a_patched_authenticate(self, authenticate):
        self.assertEqual(self.client.get("/sign-in/").content, b"no")

    def test_greet_with_a_patched_helper_that_does_not_query(self):
        with mock.patch("shop.views.shout", return_value="HI"):
            self.assertEqual(self.client.get("/greet/").content, b"HI")
"""


def make_project(root: Path) -> Path:
    files = {
        "manage.py": "import os, sys\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'settings')\n"
        "from django.core.management import execute_from_command_line\n"
        "execute_from_command_line(sys.argv)\n",
        "settings.py": SETTINGS,
        "urls.py": URLS,
        "shop/__init__.py": "",
        "shop/views.py": VIEWS,
        "shop/tests.py": TESTS,
    }
    for relative, text in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text, encoding="utf-8")
    return root


def test_doubles_of_querying_functions_count_as_the_views_db_work(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    completed = subprocess.run(
        [sys.executable, "-m", "advisor", "observe", "--",
         sys.executable, "manage.py", "test", "shop"],
        cwd=root, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    assert completed.returncode == 0, completed.stderr
    views = json.loads((root / ".advisor" / "observed.json").read_text())["views"]
    profile, sign_in, greet = (views[f"shop.views.{n}"] for n in ("profile", "sign_in", "greet"))
    assert profile["sql"] == 0 and profile["db_doubles"] == 1
    assert profile["db_calls"] == ["test double of call:load_user x1"]
    assert sign_in["sql"] == 0 and sign_in["db_doubles"] == 1
    assert greet["sql"] == 0 and greet["db_doubles"] == 0

    result = CliRunner().invoke(main, ["scan", str(root), "--format", "json", "--no-cache"])
    assert result.exit_code == 0, result.output
    scanned = {v["id"]: v for v in json.loads(result.output)["views"]}
    # The scan predicts DB for profile (get_object_or_404): the double backs it up.
    disagreements = scanned["shop.views.profile"]["observed"]["disagreements"]
    assert not [d for d in disagreements if d.startswith("predicted db")], disagreements
