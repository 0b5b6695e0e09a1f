"""`--resolve`: the route table from the project's own Django, in a child process only."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from advisor.cli import main
from advisor.runtime.resolve import normalise_pattern, project_python


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def make_project(root: Path, files: dict[str, str]) -> None:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


SETTINGS = (
    "SECRET_KEY = 'x'\nROOT_URLCONF = 'urls'\nINSTALLED_APPS = ['shop']\n"
    "DATABASES = {'default': {'ENGINE': 'django.db.backends.sqlite3', 'NAME': ':memory:'}}\n"
)
MANAGE = "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'settings')\n"


def test_resolve_routes_agree_with_the_static_table_on_the_samples(sample_projects: Path) -> None:
    for name in ("bookshop", "opsdesk"):
        code, out = run("views", str(sample_projects / name), "--resolve", "--format", "json",
                        "--no-cache", "--jobs", "1", "--python", sys.executable)
        assert code == 0, out
        data = json.loads(out)
        summary = [f["message"] for f in data["findings"] if f["kind"] == "resolve"]
        assert len(summary) == 1, summary
        assert "missed 0 and invented 0" in summary[0], summary


def test_resolve_runs_the_project_only_in_the_child(tmp_path: Path) -> None:
    """The project's modules are imported by the probe (a marker file with the child's pid),
    never in advisor's own process."""
    marker = tmp_path / "IMPORTED"
    trap = f"import os\nopen({str(marker)!r}, 'a').write(str(os.getpid()) + '\\n')\n"
    make_project(tmp_path, {
        "manage.py": MANAGE,
        "settings.py": SETTINGS,
        "shop/__init__.py": "",
        "shop/views.py": trap + "def view(request):\n    return 1\n",
        # A route only Django knows: the pattern is computed at run time.
        "urls.py": "from django.urls import path\nfrom shop import views\n"
                   "PREFIX = ''.join(reversed(['op', 'sh']))\n"
                   "urlpatterns = [path('v/', views.view), path(PREFIX + '/x/', views.view)]\n",
    })
    code, out = run("views", str(tmp_path), "--resolve", "--format", "json", "--no-cache",
                    "--jobs", "1", "--python", sys.executable)
    assert code == 0, out
    pids = marker.read_text().split()
    assert pids and str(os.getpid()) not in pids
    assert "shop.views" not in sys.modules and "urls" not in sys.modules
    data = json.loads(out)
    patterns = {r["pattern"] for r in data["routes"] if r["view"] == "shop.views.view"}
    assert patterns == {"v/", "shop/x/"}
    messages = [f["message"] for f in data["findings"] if f["kind"] == "resolve"]
    assert any("static discovery missed shop/x/ → shop.views.view" in m for m in messages)


def test_a_failing_child_gives_one_line_and_the_static_routes(tmp_path: Path) -> None:
    make_project(tmp_path, {
        "manage.py": MANAGE,
        "settings.py": SETTINGS + "import no_such_module_here\n",
        "shop/__init__.py": "",
        "shop/views.py": "def view(request):\n    return 1\n",
        "urls.py": "from django.urls import path\nfrom shop import views\n"
                   "urlpatterns = [path('v/', views.view)]\n",
    })
    code, out = run("views", str(tmp_path), "--resolve", "--no-cache", "--jobs", "1",
                    "--python", sys.executable)
    assert code == 0, out
    assert "v/" in out and "shop.views.view" in out
    failure = [line for line in out.splitlines() if line.startswith("--resolve:")]
    assert len(failure) == 1
    assert "ModuleNotFoundError" in failure[0] and "static routes used" in failure[0]


def test_the_project_interpreter_is_found_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    assert project_python(tmp_path, None) == sys.executable
    local = tmp_path / ".venv" / "bin" / "python"
    local.parent.mkdir(parents=True)
    local.write_text("")
    assert project_python(tmp_path, None) == str(local)
    active = tmp_path / "active"
    (active / "bin").mkdir(parents=True)
    (active / "bin" / "python").write_text("")
    monkeypatch.setenv("VIRTUAL_ENV", str(active))
    assert project_python(tmp_path, None) == str(active / "bin" / "python")
    assert project_python(tmp_path, "/opt/py") == "/opt/py"


def test_normalised_patterns_ignore_syntax_not_structure() -> None:
    assert normalise_pattern(r"^api/^items/(?P<pk>[0-9]+)/$") == "api/items/<pk>/"
    assert normalise_pattern("api/items/<int:pk>/") == "api/items/<pk>/"
    assert normalise_pattern("api/items/<int:pk>/") != normalise_pattern("api/item/<int:pk>/")


def test_settings_configure_projects_are_resolved_by_replaying_the_keywords(
    tmp_path: Path,
) -> None:
    """A reusable app configures Django in runtests.py; the probe replays those keywords."""
    make_project(tmp_path, {
        "runtests.py": "from django.conf import settings\n"
                       "settings.configure(SECRET_KEY='x', ROOT_URLCONF='urls',\n"
                       "    INSTALLED_APPS=['shop'],\n"
                       "    DATABASES={'default': {'ENGINE': 'django.db.backends.sqlite3'}})\n",
        "shop/__init__.py": "",
        "shop/views.py": "def view(request):\n    return 1\n",
        "urls.py": "from django.urls import path\nfrom shop import views\n"
                   "urlpatterns = [path('v/', views.view, name='v')]\n",
    })
    code, out = run("views", str(tmp_path), "--resolve", "--format", "json", "--no-cache",
                    "--jobs", "1", "--python", sys.executable)
    assert code == 0, out
    data = json.loads(out)
    messages = [f["message"] for f in data["findings"] if f["kind"] == "resolve"]
    assert any("1 project routes; static discovery missed 0 and invented 0" in m
               for m in messages), messages
    assert [(r["pattern"], r["view"]) for r in data["routes"] if r["routed"]] == [
        ("v/", "shop.views.view")]


def test_a_decorator_made_class_is_traced_to_the_function_it_wraps(tmp_path: Path) -> None:
    """DRF's @api_view turns a function into a class created at import time: the probe
    names the function's own file and line, so the route counts as the project's."""
    from advisor.runtime.resolve import resolve_routes

    make_project(tmp_path, {
        "manage.py": MANAGE,
        "settings.py": SETTINGS.replace("['shop']", "['rest_framework', 'shop']"),
        "shop/__init__.py": "",
        "shop/views.py": "from rest_framework.decorators import api_view\n"
                         "from rest_framework.response import Response\n\n\n"
                         "@api_view(['GET'])\ndef ping(request):\n    return Response({})\n",
        "urls.py": "from django.urls import path\nfrom shop import views\n"
                   "urlpatterns = [path('ping/', views.ping)]\n",
    })
    resolved = resolve_routes(tmp_path, "settings", sys.executable)
    (route,) = resolved.routes
    assert route.view == "shop.views.ping"
    assert route.file is not None and Path(route.file).resolve() == (tmp_path / "shop/views.py").resolve()
    assert route.line == 5


def test_a_view_class_a_function_defines_and_returns_is_routed_alike(tmp_path: Path) -> None:
    """`path("refresh/", get_refresh_view().as_view())`, the class defined in the function
    (to avoid a circular import): static discovery and Django's table name it the same way."""
    make_project(tmp_path, {
        "manage.py": MANAGE,
        "settings.py": SETTINGS,
        "shop/__init__.py": "",
        "shop/views.py": "from django.http import HttpResponse\n\n\n"
                         "def get_refresh_view():\n"
                         "    from django.views import View\n\n"
                         "    class RefreshView(View):\n"
                         "        def post(self, request):\n"
                         "            return HttpResponse('ok')\n\n"
                         "    return RefreshView\n",
        "urls.py": "from django.urls import path\nfrom shop.views import get_refresh_view\n"
                   "urlpatterns = [path('refresh/', get_refresh_view().as_view())]\n",
    })
    code, out = run("views", str(tmp_path), "--format", "json", "--no-cache", "--jobs", "1")
    assert code == 0, out
    static = {(r["pattern"], r["view"]) for r in json.loads(out)["routes"]}
    assert static == {("refresh/", "shop.views.get_refresh_view.RefreshView")}
    code, out = run("views", str(tmp_path), "--resolve", "--format", "json", "--no-cache",
                    "--jobs", "1", "--python", sys.executable)
    assert code == 0, out
    data = json.loads(out)
    assert {(r["pattern"], r["view"]) for r in data["routes"]} == static
    summary = [f["message"] for f in data["findings"] if f["kind"] == "resolve"]
    assert any("missed 0 and invented 0" in m for m in summary), summary
