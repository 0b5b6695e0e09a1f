"""`advisor observe` counts a test double that a test *assigns* in place of an HTTP client's
own sending method as the view's outbound HTTP.

Some suites fake HTTP without `mock.patch`: django-allauth's `mocked_response` sets
`requests.Session.get = Mock(side_effect=...)` by hand and puts the original back on exit.
Each call made on such a double while a view runs is one attempt; a fake that falls back to
the real method counts once, not twice; a Mock on something that does not send (a client
method like `Session.mount`, a project helper) counts nothing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

SETTINGS = """
SECRET_KEY = "x"
ROOT_URLCONF = "urls"
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "shop"]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
"""

VIEWS = """
import os

import requests
from django.http import JsonResponse

PROVIDER = os.environ["SHOP_UPSTREAM"]


class Clock:
    def now(self):
        return 0


def profile(request):
    session = requests.Session()
    return JsonResponse(session.get(PROVIDER + "/me", timeout=5).json())


def token(request):
    # requests.post builds a Session and calls its request(): one attempt.
    return JsonResponse(requests.post(PROVIDER + "/token", timeout=5).json())


def forward(request):
    return JsonResponse({"s": requests.get(PROVIDER + "/forward", timeout=5).status_code})


def mounted(request):
    session = requests.Session()
    session.mount("special://", requests.adapters.HTTPAdapter())
    return JsonResponse({"t": Clock().now()})
"""

URLS = """
from django.urls import path

from shop import views

urlpatterns = [
    path("profile/", views.profile),
    path("token/", views.token),
    path("forward/", views.forward),
    path("mounted/", views.mounted),
]
"""

TESTS = """
import json
import os
from unittest.mock import Mock

import requests
from django.test import SimpleTestCase

from shop import views


class Answer:
    status_code = 200

    def __init__(self, data):
        self.data = data

    def json(self):
        return self.data


def record(name, value):
    with open(os.environ["SHOP_COUNTS"], "a") as handle:
        handle.write(json.dumps({name: value}) + "\\n")


class AssignedDoubleTests(SimpleTestCase):
    def test_profile_with_a_mock_assigned_onto_session_get(self):
        original = requests.Session.get
        requests.Session.get = Mock(side_effect=lambda url, **kw: Answer({"id": 7}))
        try:
            self.assertEqual(self.client.get("/profile/").json(), {"id": 7})
            record("profile_double_calls", requests.Session.get.call_count)
        finally:
            requests.Session.get = original

    def test_token_with_a_mock_assigned_onto_session_request(self):
        original = requests.Session.request
        requests.Session.request = Mock(return_value=Answer({"access_token": "t"}))
        try:
            self.assertEqual(self.client.get("/token/").json(), {"access_token": "t"})
            record("token_double_calls", requests.Session.request.call_count)
        finally:
            requests.Session.request = original

    def test_forward_with_a_fake_that_calls_the_real_method(self):
        original = requests.Session.request

        def passing_through(session, method, url, **kwargs):
            return original(session, method, url, **kwargs)

        requests.Session.request = passing_through
        try:
            self.assertEqual(self.client.get("/forward/").json(), {"s": 200})
        finally:
            requests.Session.request = original

    def test_mounted_with_mocks_on_methods_that_do_not_send(self):
        original_mount, original_now = requests.Session.mount, views.Clock.now
        requests.Session.mount = Mock()
        views.Clock.now = Mock(return_value=5)
        try:
            self.assertEqual(self.client.get("/mounted/").json(), {"t": 5})
            record("mount_calls", requests.Session.mount.call_count)
        finally:
            requests.Session.mount, views.Clock.now = original_mount, original_now
"""


class _Upstream(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:
        _Upstream.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:  # keep the test output clean
        pass


@pytest.fixture
def upstream() -> Iterator[str]:
    _Upstream.hits = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Upstream)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


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


def test_doubles_assigned_onto_client_methods_count_as_the_views_http(
    tmp_path: Path, upstream: str
) -> None:
    root = make_project(tmp_path)
    counts = root / "counts.jsonl"
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(
        {"PYTHONDONTWRITEBYTECODE": "1", "SHOP_UPSTREAM": upstream, "SHOP_COUNTS": str(counts)}
    )
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "advisor",
            "observe",
            "--",
            sys.executable,
            "manage.py",
            "test",
            "shop",
        ],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    # The tests pass: each double is back in place (with its calls) when the test reads it.
    assert completed.returncode == 0, completed.stderr
    data = json.loads((root / ".advisor" / "observed.json").read_text())
    assert {t["outcome"] for t in data["tests"].values()} == {"passed"}
    independent: dict[str, int] = {}
    for line in counts.read_text().splitlines():
        independent.update(json.loads(line))
    views = data["views"]
    profile, token, forward, mounted = (
        views[f"shop.views.{name}"] for name in ("profile", "token", "forward", "mounted")
    )
    assert profile["http"] == independent["profile_double_calls"] == 1
    assert profile["http_calls"] == ["test double assigned to Session.get"]
    assert token["http"] == independent["token_double_calls"] == 1
    assert token["http_calls"] == ["test double assigned to Session.request"]
    # A fake that sends for real is one attempt, not one for the fake and one for the send.
    assert _Upstream.hits == ["/forward"]
    assert forward["http"] == 1
    assert forward["http_calls"] == ["test double assigned to Session.request"]
    # Session.mount is a client method that does not send; Clock.now is the project's own.
    assert independent["mount_calls"] == 3  # Session() mounts its two adapters itself
    assert mounted["http"] == 0 and mounted["http_calls"] == []
