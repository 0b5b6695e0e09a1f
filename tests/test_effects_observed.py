"""Issue 4, "done when": the scan's effects match what the sample projects' views really do.

The scan is static, so its own tests can only check it against what we *believe* the code
does. Here each sample project's own test suite (Django's test client against a stub
upstream HTTP server on 127.0.0.1) runs under `advisor observe`, which records per request
which view ran, how many SQL queries it issued and how many outbound HTTP requests it sent,
without mocking anything. `tests/observe/compare.py` holds the
rules; the per-view table is printed so a failure shows the whole picture, not one line.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from observe.compare import Comparison, compare, table

ROOT = Path(__file__).resolve().parent.parent
PROJECTS = ("bookshop", "opsdesk")
_TIMEOUT_S = 600


def advisor_command() -> list[str]:
    """The installed `advisor` console script next to this interpreter, as a user runs it."""
    script = Path(sys.executable).with_name("advisor")
    return [str(script)] if script.exists() else [sys.executable, "-m", "advisor"]


def scan(project: Path) -> dict[str, Any]:
    completed = subprocess.run(
        [*advisor_command(), "scan", str(project), "--format", "json", "--no-cache"],
        capture_output=True,
        text=True,
        timeout=_TIMEOUT_S,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    data: dict[str, Any] = json.loads(completed.stdout)
    return data


def observe(project: Path, output: Path) -> tuple[dict[str, Any], str]:
    """Run the project's own tests under `advisor observe`; returns the record and the log.

    The subprocess runs from the project root, as `manage.py test` expects; bytecode writing
    is off so the sample project's tree stays as committed.
    """
    env = dict(os.environ)
    env.pop("DJANGO_SETTINGS_MODULE", None)  # manage.py only setdefault()s its own
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    completed = subprocess.run(
        [*advisor_command(), "observe", "-o", str(output), "--",
         sys.executable, "manage.py", "test", "--noinput"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=_TIMEOUT_S,
        check=False,
    )
    log = completed.stdout + completed.stderr
    assert completed.returncode == 0, f"{project.name}'s own tests failed:\n{log[-4000:]}"
    assert output.exists(), f"advisor observe wrote nothing:\n{log[-4000:]}"
    data: dict[str, Any] = json.loads(output.read_text(encoding="utf-8"))
    outcomes = [str(t.get("outcome")) for t in data["tests"].values()]
    data["summary"] = {
        "tests_run": len(outcomes),
        "failures": outcomes.count("failed"),
        "errors": outcomes.count("error"),
    }
    return data, log


def report(name: str, result: Comparison, summary: dict[str, int]) -> str:
    lines = [
        f"== {name}: observed (own test suite: {summary.get('tests_run', 0)} tests, "
        f"{summary.get('failures', 0)} failures, {summary.get('errors', 0)} errors) "
        "vs predicted (advisor scan)",
        "   sql = queries run while the view (and its deferred rendering) ran, savepoints "
        "excluded; auth = of those, the lazy session/user loads behind request.user",
        table(result),
    ]
    if result.mismatches:
        lines.append(f"-- {len(result.mismatches)} mismatch(es):")
        lines.extend(f"   {mismatch}" for mismatch in result.mismatches)
    if result.notes:
        lines.append(f"-- {len(result.notes)} note(s) (loose count comparisons, not failures):")
        lines.extend(f"   {note}" for note in result.notes)
    return "\n".join(lines)


@pytest.mark.slow
@pytest.mark.parametrize("name", PROJECTS)
def test_scan_predicts_what_the_views_really_do(
    name: str, sample_projects: Path, tmp_path: Path
) -> None:
    project = sample_projects / name
    predicted = scan(project)
    observed, _ = observe(project, tmp_path / "observed.json")

    result = compare(observed, predicted)
    print("\n" + report(name, result, observed["summary"]))

    # Guard against a vacuous pass: the instrumentation must have seen real work.
    assert observed["summary"]["tests_run"] > 0
    assert result.observed, "no request reached a project view: is the runner hooked in?"
    assert any(seen.sql for seen in result.observed.values()), "no SQL observed at all"
    assert any(seen.http for seen in result.observed.values()), "no HTTP observed at all"
    if result.mismatches:
        pytest.fail(
            "scan and observation disagree:\n"
            + "\n".join(str(mismatch) for mismatch in result.mismatches),
            pytrace=False,
        )


# The checker itself, on small hand-made inputs: it must be able to fail.


def _request(view: str, *, sql: int = 0, http: int = 0, framework: bool = False) -> dict[str, Any]:
    return {
        "view": view,
        "framework": framework,
        "sql": sql,
        "auth_sql": 0,
        "tx": 0,
        "http": http,
        "sleeps": 0,
        "statements": ["SELECT 1"] * sql,
        "http_calls": ["requests GET http://127.0.0.1/x"] * http,
        "test": "t",
    }


def _view(view: str, *kinds: str, in_loop: bool = False, routed: bool = True) -> dict[str, Any]:
    effects = [
        {
            "kind": kind,
            "call": f"{kind}.call",
            "multiplier": 3 if in_loop else 1,
            "in_loop": in_loop,
            "location": {"path": "app/views.py", "line": 1},
        }
        for kind in kinds
    ]
    return {"id": view, "routed": routed, "effects": effects}


def _rules(observed: list[dict[str, Any]], views: list[dict[str, Any]]) -> list[str]:
    result = compare({"requests": observed}, {"views": views})
    return [f"{m.view}:{m.rule}" for m in result.mismatches]


def test_checker_accepts_matching_predictions() -> None:
    observed = [
        _request("a.v", sql=2, http=1),
        _request("a.w"),
        _request("django.contrib.admin.sites.AdminSite.index", sql=3, framework=True),
    ]
    assert _rules(observed, [_view("a.v", "db", "http"), _view("a.w")]) == []


def test_checker_flags_each_kind_of_mismatch() -> None:
    observed = [
        _request("a.db", sql=1),
        _request("a.http", http=1),
        _request("a.phantom"),
        _request("a.count", http=3),
        _request("a.new", sql=1),
        _request("a.hidden"),
    ]
    views = [
        _view("a.db"),
        _view("a.http", "db"),
        _view("a.phantom", "http"),
        _view("a.count", "http", "http"),
        _view("a.hidden", routed=False),
        _view("a.never", "http"),
    ]
    assert sorted(_rules(observed, views)) == [
        "a.count:http count",
        "a.db:unpredicted db",
        "a.hidden:routed view marked unrouted",
        "a.http:unpredicted http",
        "a.never:phantom http",
        "a.new:missing view",
        "a.phantom:phantom http",
    ]


def test_checker_only_notes_counts_when_the_prediction_is_a_loop_estimate() -> None:
    result = compare(
        {"requests": [_request("a.poll", sql=9, http=7)]},
        {"views": [_view("a.poll", "db", "http", in_loop=True)]},
    )
    assert result.mismatches == []
    assert sorted(note.rule for note in result.notes) == ["db count", "http count"]
