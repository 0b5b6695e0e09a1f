"""`advisor rewrite --verify CMD`: the project's own tests decide which conversions stay.

The fixture project (tests/fixtures/verify_shop) has a view whose test patches
`shop.views.requests.get`: converted to an async client, the double no longer applies and
the test fails, which no static check can know. --verify must drop that view, name the
test, keep the others, and flag the view no test requests.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from advisor.cli import main
from advisor.verify import SuiteRun, parse_counts, worse

FIXTURE = Path(__file__).parent / "fixtures" / "verify_shop"
SAMPLES = Path(__file__).resolve().parent.parent / "sample_projects"
DJANGO_TESTS = f"{sys.executable} manage.py test"


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    return Path(shutil.copytree(FIXTURE, tmp_path / "verify_shop"))


def rewrite(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["rewrite", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def summary_line(stderr: str, view: str) -> str:
    return next(line for line in stderr.splitlines() if f" {view} " in f"{line} ")


def test_a_view_that_breaks_a_test_is_dropped_and_the_test_named(shop: Path) -> None:
    code, out, err = rewrite(str(shop), "--min-score", "0", "--verify", DJANGO_TESTS)
    assert code == 0, err
    quote = summary_line(err, "shop.views.quote")
    assert quote.split()[0] == "dropped"
    assert "shop.tests.QuoteTests.test_quote_uses_the_upstream_price" in quote
    assert summary_line(err, "shop.views.wait").split()[0] == "changed"
    assert "not exercised" not in summary_line(err, "shop.views.wait")
    assert "not exercised by the tests" in summary_line(err, "shop.views.idle")
    assert "1 dropped by verify" in err
    assert "baseline 2 passed, 0 failed" in err
    # The diff is of the verified set only, and the tree is untouched.
    assert "+async def wait(request):" in out
    assert "async def quote" not in out
    assert (shop / "shop" / "views.py").read_text() == (FIXTURE / "shop" / "views.py").read_text()


def test_write_applies_only_the_verified_views(shop: Path) -> None:
    code, _, err = rewrite(
        str(shop), "--min-score", "0", "--write", "--format", "json", "--verify", DJANGO_TESTS
    )
    assert code == 0, err
    views = (shop / "shop" / "views.py").read_text()
    assert "async def wait(request):" in views
    assert "async def idle(request):" in views
    assert "def quote(request):" in views and "async def quote" not in views
    assert "httpx" not in (shop / "requirements.txt").read_text()


def test_json_reports_the_verification(shop: Path) -> None:
    code, out, _ = rewrite(
        str(shop), "--min-score", "0", "--format", "json", "--verify", DJANGO_TESTS
    )
    assert code == 0
    data = json.loads(out)
    outcomes = {o["view"]: o["outcome"] for o in data["outcomes"]}
    assert outcomes == {
        "shop.views.quote": "dropped",
        "shop.views.wait": "changed",
        "shop.views.idle": "changed",
    }
    verify = data["verify"]
    assert verify["dropped"] == {
        "shop.views.quote": ["shop.tests.QuoteTests.test_quote_uses_the_upstream_price"]
    }
    assert verify["baseline"]["passed"] == verify["final"]["passed"] == 2
    assert "shop.views.idle" not in verify["requested_views"]


def test_a_command_that_reports_no_counts_is_judged_by_its_exit_code(shop: Path) -> None:
    # Not Python, no test output: fails once `idle` is async.
    script = "grep -q 'async def idle' shop/views.py && exit 1; exit 0"
    code, _, err = rewrite(
        str(shop), "--min-score", "0", "--verify", f"sh -c \"{script}\"", "--view",
        "shop.views.idle", "--view", "shop.views.wait",
    )  # fmt: skip
    assert code == 0, err
    idle = summary_line(err, "shop.views.idle")
    assert idle.split()[0] == "dropped" and "exit code 1" in idle
    assert summary_line(err, "shop.views.wait").split()[0] == "changed"
    assert "counted from the exit code" in err


def test_a_command_that_cannot_start_is_one_line_and_exit_2(shop: Path) -> None:
    code, out, err = rewrite(
        str(shop), "--min-score", "0", "--verify", "/nonexistent/python manage.py test"
    )
    assert code == 2
    assert err.strip().count("\n") == 0 and "cannot run /nonexistent/python: not found" in err
    assert out == ""


def test_a_run_past_its_timeout_counts_as_worse(shop: Path) -> None:
    script = "grep -q 'async def idle' shop/views.py && sleep 30; exit 0"
    code, _, err = rewrite(
        str(shop), "--view", "shop.views.idle", "--verify-timeout", "2",
        "--verify", f"sh -c \"{script}\"",
    )  # fmt: skip
    assert code == 0, err
    assert "timed out after" in summary_line(err, "shop.views.idle")


PYTEST_OUTPUT = """\
tests/test_a.py .F.s                                                     [100%]
FAILED tests/test_a.py::test_two - assert 1 == 2
=================== 1 failed, 2 passed, 1 skipped in 0.12s ===================
"""
PYTEST_QUIET = "..E.\nERROR tests/test_b.py::test_x\n3 passed, 1 error in 0.30s\n"
UNITTEST_OUTPUT = """\
FAIL: test_two (app.tests.T.test_two)
----------------------------------------------------------------------
Ran 5 tests in 0.101s

FAILED (failures=1, errors=1, skipped=1)
"""


def test_counts_are_read_from_pytest_and_unittest_summaries() -> None:
    assert parse_counts(PYTEST_OUTPUT) == (2, 1, "pytest output")
    assert parse_counts(PYTEST_QUIET) == (3, 1, "pytest output")
    assert parse_counts(UNITTEST_OUTPUT) == (2, 2, "unittest output")
    assert parse_counts("Ran 4 tests in 1.0s\n\nOK (skipped=1)\n") == (3, 0, "unittest output")
    assert parse_counts("make: *** [test] Error 1\n") is None


def test_a_new_failure_is_worse_even_when_the_counts_match() -> None:
    baseline = SuiteRun(1, 1.0, passed=9, failed=1, failing_tests=frozenset({"a"}))
    swapped = SuiteRun(1, 1.0, passed=9, failed=1, failing_tests=frozenset({"b"}))
    same = SuiteRun(1, 1.0, passed=9, failed=1, failing_tests=frozenset({"a"}))
    assert worse(baseline, swapped)
    assert not worse(baseline, same)


@pytest.mark.slow
def test_opsdesk_keeps_its_suite_and_drops_a_view_a_patched_test_relies_on(
    tmp_path: Path,
) -> None:
    """The real sample project, with one test added that patches the sync client of
    services.views.health_overview by name (as many projects' tests do)."""
    project = Path(shutil.copytree(SAMPLES / "opsdesk", tmp_path / "opsdesk"))
    (project / "services" / "test_patched_client.py").write_text(
        "from unittest import mock\n\n"
        "from django.test import SimpleTestCase\n\n\n"
        "class PatchedHealthTests(SimpleTestCase):\n"
        '    @mock.patch("services.views.requests.get")\n'
        "    def test_health_with_a_patched_client(self, get):\n"
        "        get.return_value.status_code = 200\n"
        '        get.return_value.json.return_value = {"status": "ok"}\n'
        '        self.assertEqual(self.client.get("/services/health/").status_code, 200)\n'
    )
    code, _, err = rewrite(
        str(project), "--view", "services.views.health_overview", "--view", "core.views.ping",
        "--view", "services.views.service_list", "--write", "--verify", DJANGO_TESTS,
    )  # fmt: skip
    assert code == 0, err
    health = summary_line(err, "services.views.health_overview")
    assert health.split()[0] == "dropped"
    assert "test_health_with_a_patched_client" in health
    for view in ("core.views.ping", "services.views.service_list"):
        assert summary_line(err, view).split()[0] == "changed"
    views = (project / "services" / "views.py").read_text()
    assert "async def service_list(" in views and "async def health_overview(" not in views
    assert "async def ping(" in (project / "core" / "views.py").read_text()
    baseline = next(line for line in err.splitlines() if line.startswith("verified with"))
    passed = baseline.split("baseline ")[1].split(" passed")[0]
    assert f"with the rewrite {passed} passed, 0 failed" in baseline


def test_the_copy_links_virtualenvs_and_leaves_out_vcs_and_caches(tmp_path: Path) -> None:
    from advisor.verify import copy_project

    root = tmp_path / "proj"
    (root / ".venv" / "bin").mkdir(parents=True)
    (root / ".venv" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    (root / ".git").mkdir()
    (root / "app" / "__pycache__").mkdir(parents=True)
    (root / "app" / "views.py").write_text("x = 1\n")
    copy = copy_project(root, tmp_path / "copies")
    assert (copy / "app" / "views.py").read_text() == "x = 1\n"
    assert (copy / ".venv").is_symlink() and (copy / ".venv").resolve() == (root / ".venv")
    assert not (copy / ".git").exists() and not (copy / "app" / "__pycache__").exists()
