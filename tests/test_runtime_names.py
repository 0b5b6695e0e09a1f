"""Runtime truth about views whose module the test run imports under another name.

A real package's test runner puts `pkg/` on sys.path, so Django imports
`pkg/tests/urls.py` as `tests.urls` while the scan (reading from the repository root) names
it `pkg.tests.urls`. The same file and one dotted name a suffix of the other is the same
view: `--resolve` routes it as a project view (not a framework route) and `scan --observed`
attaches what the tests saw.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from advisor.cli import main

FILES = {
    "manage.py": "import os, sys\nsys.path.insert(0, os.path.join(os.path.dirname(__file__), 'pkg'))\n"
    "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'tests.settings')\n"
    "from django.core.management import execute_from_command_line\n"
    "execute_from_command_line(sys.argv)\n",
    "pkg/__init__.py": "",
    "pkg/tests/__init__.py": "",
    "pkg/tests/settings.py": "SECRET_KEY = 'x'\nROOT_URLCONF = 'tests.urls'\n"
    "INSTALLED_APPS = ['django.contrib.contenttypes', 'django.contrib.auth']\n"
    "DATABASES = {'default': {'ENGINE': 'django.db.backends.sqlite3', 'NAME': ':memory:'}}\n",
    "pkg/tests/urls.py": "from django.contrib.auth.models import User\n"
    "from django.http import HttpResponse\nfrom django.urls import path\n\n"
    "def local(request):\n    return HttpResponse(str(User.objects.count()))\n\n"
    "urlpatterns = [path('local/', local)]\n",
    "pkg/tests/test_local.py": "from django.test import TestCase\n\n"
    "class LocalTests(TestCase):\n    def test_local(self):\n"
    "        self.assertEqual(self.client.get('/local/').status_code, 200)\n",
}


def write(root: Path) -> Path:
    for relative, text in FILES.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def scan(root: Path, *flags: str) -> dict:
    result = CliRunner().invoke(
        main,
        ["scan", str(root), "--settings", "pkg.tests.settings", "--format", "json",
         "--no-cache", "--jobs", "1", *flags],
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_resolve_and_observe_name_the_view_as_the_scan_does(tmp_path: Path) -> None:
    root = write(tmp_path)
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    completed = subprocess.run(
        [sys.executable, "-m", "advisor", "observe", "--",
         sys.executable, "manage.py", "test", "tests"],
        cwd=root, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    assert completed.returncode == 0, completed.stderr
    record = json.loads((root / ".advisor" / "observed.json").read_text())
    assert "tests.urls.local" in record["views"]  # the run's own name for it

    data = scan(root, "--resolve", "--python", sys.executable)
    view = next(v for v in data["views"] if v["id"] == "pkg.tests.urls.local")
    assert [r["pattern"] for r in view["routes"]] == ["local/"]
    assert not [r for r in data["framework_routes"] if r["target"].endswith("local")]
    assert view["observed"]["requests"] == 1 and view["observed"]["sql_per_request"] == 1
    messages = [f["message"] for f in data["findings"] if f["kind"] == "resolve"]
    assert any("missed 0 and invented 0" in m for m in messages), messages
