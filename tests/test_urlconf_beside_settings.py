"""A URLconf named relative to the folder a test runner puts on sys.path.

`pkg/tests/settings.py` with `ROOT_URLCONF = "urls"` (and tests overriding it with
`"tests.urls"`) works because the runner adds `pkg/tests` (or `pkg`) to sys.path. Seen in a
real package's test setup; the scan resolves such a name beside the settings module, then
in each ancestor package, and only when the name is not a module from the import root.
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from advisor.cli import main

FILES = {
    "pytest.ini": "[pytest]\nDJANGO_SETTINGS_MODULE = pkg.tests.settings\n",
    "pkg/__init__.py": "",
    "pkg/views.py": "from django.http import HttpResponse\n\n"
    "def home(request):\n    return HttpResponse('home')\n\n"
    "def other(request):\n    return HttpResponse('other')\n",
    "pkg/tests/__init__.py": "",
    "pkg/tests/settings.py": "SECRET_KEY = 'x'\nROOT_URLCONF = 'urls'\nINSTALLED_APPS = ['pkg']\n",
    "pkg/tests/urls.py": "from django.urls import path\nfrom pkg import views\n\n"
    "urlpatterns = [path('home/', views.home)]\n",
    "pkg/tests/other_urls.py": "from django.urls import path\nfrom pkg import views\n\n"
    "urlpatterns = [path('other/', views.other)]\n",
    "pkg/tests/test_views.py": "from django.test import TestCase, override_settings\n\n"
    "@override_settings(ROOT_URLCONF='tests.other_urls')\n"
    "class T(TestCase):\n    def test_other(self):\n        self.client.get('/other/')\n",
}


def scan(root: Path) -> dict:
    result = CliRunner().invoke(main, ["scan", str(root), "--format", "json", "--no-cache"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def write(root: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_a_urlconf_beside_the_settings_module_is_found(tmp_path: Path) -> None:
    data = scan(write(tmp_path, FILES))
    assert data["project"]["root_urlconf"] == "pkg.tests.urls"
    routes = {v["id"]: [r["pattern"] for r in v["routes"]] for v in data["views"]}
    assert routes["pkg.views.home"] == ["home/"]
    # `tests.other_urls` is found from the ancestor package `pkg`.
    assert routes["pkg.views.other"] == ["other/"]
    assert not [f for f in data["findings"] if "is not a module" in f["message"]]


def test_a_module_of_that_name_from_the_import_root_wins(tmp_path: Path) -> None:
    files = dict(FILES)
    files["urls.py"] = (
        "from django.urls import path\nfrom pkg import views\n\n"
        "urlpatterns = [path('top/', views.home)]\n"
    )
    data = scan(write(tmp_path, files))
    assert data["project"]["root_urlconf"] == "urls"
    home = next(v for v in data["views"] if v["id"] == "pkg.views.home")
    assert [r["pattern"] for r in home["routes"]] == ["top/"]
