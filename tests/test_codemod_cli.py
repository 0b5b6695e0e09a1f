"""The `advisor rewrite` command: selection, exit codes, the summary, --format json, --write."""

from __future__ import annotations

import json
import os
import stat
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

import codemods.sleep
from advisor.cli import main

VIEWS = """\
import time

import requests
from django.http import JsonResponse


def slow(request):
    time.sleep(1)
    return JsonResponse({"ok": True})


def status(request):
    return JsonResponse(requests.get("https://s.example/", timeout=5).json())
"""
URLS = """\
from django.urls import path

from shop import views

urlpatterns = [path("slow/", views.slow), path("status/", views.status)]
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "shop").mkdir(parents=True)
    (root / "manage.py").write_text(
        'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")\n'
    )
    (root / "requirements.txt").write_text("Django>=5.2,<5.3\nrequests\n")
    (root / "shop" / "__init__.py").write_text("")
    (root / "shop" / "settings.py").write_text('ROOT_URLCONF = "shop.urls"\n')
    (root / "shop" / "urls.py").write_text(URLS)
    (root / "shop" / "views.py").write_text(VIEWS)
    return root


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["rewrite", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def test_diff_is_the_default_and_touches_no_file(project: Path) -> None:
    before = (project / "shop" / "views.py").read_text()
    code, out, err = run(str(project), "--view", "shop.views.slow")
    assert code == 0, err
    assert out.startswith("--- a/shop/views.py\n+++ b/shop/views.py\n")
    assert "+async def slow(request):" in out and "+    await asyncio.sleep(1)" in out
    assert "def status" not in out.split("@@")[-1] or "-def status" not in out
    assert (project / "shop" / "views.py").read_text() == before
    assert "changed  shop.views.slow" in err
    assert "1 changed, 0 skipped, 0 failed" in err


def test_write_applies_atomically_and_keeps_the_file_mode(project: Path) -> None:
    views = project / "shop" / "views.py"
    os.chmod(views, 0o640)
    code, out, err = run(str(project), "--category", "strong candidate", "--write")
    assert code == 0, err
    assert out == ""
    text = views.read_text()
    assert "async def status(request):" in text and "async with httpx.AsyncClient(" in text
    assert stat.S_IMODE(views.stat().st_mode) == 0o640
    assert (project / "requirements.txt").read_text().endswith("requests\nhttpx\n")
    assert not [p for p in (project / "shop").iterdir() if p.name.endswith(".tmp")]
    compile(text, "views.py", "exec")


def test_json_format_lists_every_outcome(project: Path) -> None:
    code, out, err = run(
        str(project),
        "--view",
        "shop.views.slow",
        "--view",
        "shop.views.status",
        "--django-version",
        "4.0",
        "--format",
        "json",
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["django_version"] == "4.0"
    assert [(o["view"], o["outcome"]) for o in data["outcomes"]] == [
        ("shop.views.slow", "changed"),
        ("shop.views.status", "changed"),
    ]
    assert data["diff"].startswith("--- a/")


def test_min_score_and_category_select_together(project: Path) -> None:
    code, out, err = run(str(project), "--min-score", "101")
    assert code == 2 and "--min-score" in err
    code, out, err = run(str(project), "--category", "already async")
    assert code == 0 and out == "" and "0 changed, 0 skipped, 0 failed" in err


def test_unknown_view_is_a_one_line_usage_error(project: Path) -> None:
    code, _, err = run(str(project), "--view", "shop.views.nope")
    assert code == 2
    assert err.count("\n") == 1 and "no view 'shop.views.nope'" in err
    assert "Traceback" not in err


def test_no_selection_is_a_usage_error(project: Path) -> None:
    code, _, err = run(str(project))
    assert code == 2 and "--view, --category or --min-score" in err


def test_a_codemod_crash_is_a_failed_view_and_exit_1(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(*args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(codemods.sleep.Sleep, "prepare", crash)
    code, out, err = run(str(project), "--view", "shop.views.slow", "--view", "shop.views.status")
    assert code == 1
    assert "failed   shop.views.slow" in err and "RuntimeError: boom" in err
    assert "changed  shop.views.status" in err
    assert "Traceback" not in err
    assert "+async def status" in out and "+async def slow" not in out


def test_skipped_view_says_why_and_exits_0(project: Path) -> None:
    (project / "shop" / "views.py").write_text(
        VIEWS
        + textwrap.dedent("""\


        from django.views.generic import TemplateView


        class Home(TemplateView):
            template_name = "home.html"
        """)
    )
    code, out, err = run(str(project), "--view", "shop.views.Home")
    assert code == 0 and out == ""
    assert "skipped  shop.views.Home  it is a TemplateView" in err
