"""The terminal report of a project with long dotted view ids (as real projects have:
`dj_rest_auth.jwt_auth.get_refresh_view.RefreshViewWithCookieSupport`) at fixed COLUMNS:
an id too long for its column breaks after a dot, never inside a name, in the narrow and
the wide layout; findings wrap with their continuation lines indented under them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from snippets import make_project

from advisor.cli import main

PACKAGE = "shop/token_refresh_endpoints/cookie_based_authentication"
VIEW_ID = (
    "shop.token_refresh_endpoints.cookie_based_authentication.views."
    "RefreshTokenViewWithCookieSupport"
)
VIEWS = """
import requests
from django.http import JsonResponse
from django.views import View


class RefreshTokenViewWithCookieSupport(View):
    def get(self, request):
        data = requests.get("https://auth.example/refresh", timeout=5).json()
        return JsonResponse(data)


def short(request):
    return JsonResponse({})
"""
URLS = """
from django.urls import path
from shop.token_refresh_endpoints.cookie_based_authentication import views

urlpatterns = [
    path("token/refresh/", views.RefreshTokenViewWithCookieSupport.as_view()),
    path("s/", views.short),
]
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(
        tmp_path,
        {
            "urls.py": URLS,
            f"{PACKAGE.rsplit('/', 1)[0]}/__init__.py": "",
            f"{PACKAGE}/__init__.py": "",
            f"{PACKAGE}/views.py": VIEWS,
            # No version pin: the scan adds a long finding that has to wrap.
            "requirements.txt": "Django\nrequests\n",
        },
    )


def scan(project: Path, columns: int) -> str:
    result = CliRunner(env={"COLUMNS": str(columns)}).invoke(
        main, ["scan", str(project), "--no-cache"]
    )
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize("columns", [80, 120, 140, 200])
def test_a_long_view_id_breaks_only_after_a_dot(project: Path, columns: int) -> None:
    out = scan(project, columns)
    assert max(len(line) for line in out.splitlines()) <= columns
    # The id, possibly broken after some of its dots (the rest of that line belongs to the
    # route column; the next line goes on at the id's column).
    for view_id in (VIEW_ID, VIEW_ID.rsplit(".", 1)[0] + ".short"):
        broken = r"\.(?:[^\n]*\n[^\n]*?[ ]+)?".join(re.escape(p) for p in view_id.split("."))
        assert re.search(broken, out), out
        for name in view_id.split("."):  # every name whole on one line
            assert any(name in line for line in out.splitlines()), name


def test_findings_wrap_with_a_hanging_indent_at_80_columns(project: Path) -> None:
    out = scan(project, 80)
    after = out[out.index("Findings:") :].splitlines()[1:]
    block = after[: next(i for i, line in enumerate(after) if not line.startswith("  "))]
    assert block[0].startswith("  Django version not found")
    firsts = [line for line in block if re.match(r"  \S", line)]
    continuations = [line for line in block if line.startswith("    ")]
    assert len(firsts) + len(continuations) == len(block) and continuations, block
    assert max(len(line) for line in out.splitlines()) <= 80


def test_an_async_view_that_blocks_shows_how_long_it_holds_the_loop_not_zero_released() -> None:
    root = Path(__file__).resolve().parent.parent / "sample_projects" / "bookshop"
    result = CliRunner().invoke(main, ["scan", str(root), "--no-cache"], env={"COLUMNS": "100"})
    lines = result.output.splitlines()
    at = next(i for i, line in enumerate(lines) if "pages.views.upstream_status" in line)
    block = "\n".join(lines[at : at + 3])
    assert "blocks the loop 150 ms" in block
    assert "released 0 ms" not in block
