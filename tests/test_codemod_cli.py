"""The `advisor rewrite` command: selection, exit codes, the summary, --format json, --write."""

from __future__ import annotations

import json
import os
import stat
import subprocess
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
    return make_project(tmp_path / "project")


def make_project(root: Path) -> Path:
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
    assert code == 0 and out == ""
    assert err.strip() == (
        "advisor rewrite: no view matches --category 'already async' (2 views scanned): "
        "nothing to rewrite"
    )
    code, out, err = run(str(project), "--category", "already async", "--format", "json")
    assert code == 0 and json.loads(out)["outcomes"] == []


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


# --- conventions a ruff / django-upgrade user expects (issue 19) ---------------------------


def test_diff_and_write_together_print_the_diff_and_write(project: Path) -> None:
    code, out, err = run(str(project), "--view", "shop.views.slow", "--diff", "--write")
    assert code == 0, err
    assert "+async def slow(request):" in out
    assert "async def slow(request):" in (project / "shop" / "views.py").read_text()


def test_check_exits_1_when_it_would_change_something_and_writes_nothing(project: Path) -> None:
    before = (project / "shop" / "views.py").read_text()
    code, out, err = run(str(project), "--view", "shop.views.slow", "--check")
    assert code == 1
    assert out == "" and "1 file would change (--check)" in err
    assert (project / "shop" / "views.py").read_text() == before
    run(str(project), "--view", "shop.views.slow", "--write")
    code, _, err = run(str(project), "--view", "shop.views.slow", "--check")
    assert code == 0, err
    assert run(str(project), "--view", "shop.views.slow", "--check", "--write")[0] == 2


def test_an_unknown_view_suggests_the_ids_with_that_name(project: Path) -> None:
    code, _, err = run(str(project), "--view", "slow")
    assert code == 2
    assert "no view 'slow'" in err and "did you mean shop.views.slow?" in err
    code, _, err = run(str(project), "--view", "shop.view.status")
    assert "did you mean shop.views.status" in err


def test_diff_paths_are_relative_to_the_git_root_so_git_apply_works(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    app = make_project(repo / "services" / "web")
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    code, out, err = run(str(app), "--view", "shop.views.slow")
    assert code == 0, err
    assert out.startswith("--- a/services/web/shop/views.py\n+++ b/services/web/shop/views.py\n")
    assert "\x1b[" not in out  # not a terminal: no colour
    patch = tmp_path / "change.patch"
    patch.write_text(out)
    applied = subprocess.run(
        ["git", "apply", "--check", str(patch)], cwd=repo, capture_output=True, text=True
    )
    assert applied.returncode == 0, applied.stderr


def test_colour_follows_force_color_and_no_color(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    _, out, _ = run(str(project), "--view", "shop.views.slow")
    assert "\x1b[32m+async def slow(request):" in out
    monkeypatch.setenv("NO_COLOR", "1")
    _, out, _ = run(str(project), "--view", "shop.views.slow")
    assert "\x1b[" not in out


def test_converting_a_cpu_bound_keep_sync_view_warns(project: Path) -> None:
    (project / "shop" / "views.py").write_text(
        "import hashlib\n\nfrom django.http import JsonResponse\n\n\n"
        "def digest(request):\n"
        '    value = hashlib.pbkdf2_hmac("sha256", b"pw", b"salt", 200_000).hex()\n'
        '    return JsonResponse({"digest": value})\n'
    )
    (project / "shop" / "urls.py").write_text(
        "from django.urls import path\n\nfrom shop import views\n\n"
        'urlpatterns = [path("digest/", views.digest)]\n'
    )
    code, _, err = run(str(project), "--category", "keep sync")
    assert code == 0, err
    assert "changed  shop.views.digest" in err  # the hash moves into sync_to_async
    assert "advisor: warning: shop.views.digest is CPU-bound (keep sync)" in err
    code, _, err = run(str(project), "--view", "shop.views.digest")
    assert "warning: shop.views.digest is CPU-bound" in err
