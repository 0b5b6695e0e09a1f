"""Issue 7: a rewrite is proven by the sample project's own, unchanged test suite passing
on the rewritten code, on every Django the matrix targets.

For each (sample project, matrix row): copy the project, `advisor rewrite --write` the
candidate views, check the outcome summary, check no test file moved, run
`manage.py test` on the target Django (same test count as the unrewritten baseline, no
`SynchronousOnlyOperation`), then rescan and expect every Changed view to be `already async`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from proof_env import (
    REQUIRE_ALL_ROWS,
    CommandRun,
    EnvCreationFailed,
    EnvUnavailable,
    MatrixRow,
    ProofEnv,
    SampleProject,
    SuiteRun,
    category,
    changed_files,
    copy_project,
    hash_test_files,
    prepare_env,
    run_advisor,
    run_django_tests,
    scan_views,
    tree_hashes,
)

pytestmark = pytest.mark.slow

PROJECTS = (
    SampleProject(
        "bookshop",
        test_support=("bookshop/testing.py", "bookshop/stub_upstream.py", "catalog/fixtures"),
    ),
    SampleProject("opsdesk", test_support=("core/stub_testcase.py", "opsdesk/stub_upstream.py")),
)

MATRIX = (
    # The project venv; advisor reads the target (5.2) from the samples' requirements.txt.
    MatrixRow("django5.2-py3.11", python=(3, 11), django_series="5.2", rewrite_django_version=None),
    # Newest Django: the rewrite may use every async API up to 6.1.
    MatrixRow(
        "django6.1-py3.12", python=(3, 12), django_series="6.1", rewrite_django_version="6.1"
    ),
    # No async ORM (4.1+) or auser() (5.0+) at 4.0: the sync_to_async-only path, run on
    # the oldest supported LTS.
    MatrixRow(
        "django4.2-py3.11-target4.0",
        python=(3, 11),
        django_series="4.2",
        rewrite_django_version="4.0",
    ),
)

SELECTED_CATEGORIES = ("strong candidate", "candidate (needs work)", "async but blocking")
MIN_CHANGED_SHARE = 0.8
CHANGED, SKIPPED, FAILED = "changed", "skipped", "failed"

CASES = [
    pytest.param(project, row, id=f"{project.name}-{row.id}")
    for project in PROJECTS
    for row in MATRIX
]


@dataclass(frozen=True)
class Outcome:
    view_id: str
    status: str  # CHANGED / SKIPPED / FAILED
    reason: str


# --- fixtures: one env per row, one baseline per (project, row), both shared -------------


@pytest.fixture(scope="session")
def envs() -> dict[str, ProofEnv | Exception]:
    return {}


@pytest.fixture(scope="session")
def baselines() -> dict[tuple[str, str], SuiteRun]:
    return {}


def _env(envs: dict[str, ProofEnv | Exception], row: MatrixRow) -> ProofEnv:
    """The row's interpreter, built once per session; a missing interpreter skips the row
    (unless ADVISOR_PROOF_REQUIRE_ALL is set, as in CI), a broken build fails it."""
    if row.id not in envs:
        try:
            envs[row.id] = prepare_env(row)
        except (EnvUnavailable, EnvCreationFailed) as error:
            envs[row.id] = error
    found = envs[row.id]
    if isinstance(found, EnvUnavailable) and not REQUIRE_ALL_ROWS:
        pytest.skip(f"{row.id}: {found}")
    if isinstance(found, Exception):
        pytest.fail(f"{row.id}: environment not available: {found}")
    return found


def _baseline(
    baselines: dict[tuple[str, str], SuiteRun], env: ProofEnv, project: SampleProject, workdir: Path
) -> SuiteRun:
    """The unrewritten project's suite on this env: proves the env works, gives the count."""
    key = (project.name, env.row.id)
    if key not in baselines:
        copy = copy_project(project, workdir / "baseline")
        baselines[key] = run_django_tests(env.python, copy)
    return baselines[key]


def _assert_suite_clean(run: SuiteRun, what: str) -> None:
    assert run.returncode == 0, f"{what}: manage.py test exited {run.returncode}\n{run.tail()}"
    assert "SynchronousOnlyOperation" not in run.output, (
        f"{what}: SynchronousOnlyOperation in the output\n{_context(run.output)}"
    )
    assert run.tests_run, f"{what}: no 'Ran N tests' line\n{run.tail()}"
    assert run.verdict and run.verdict.startswith("OK"), f"{what}: verdict {run.verdict!r}"


def _context(output: str, needle: str = "SynchronousOnlyOperation", lines: int = 25) -> str:
    text = output.splitlines()
    hits = [i for i, line in enumerate(text) if needle in line]
    if not hits:
        return "\n".join(text[-lines:])
    first = hits[0]
    return "\n".join(text[max(0, first - lines) : first + 5])


# --- the rewrite's outcome summary --------------------------------------------------------


def _status(value: Any) -> str:
    text = str(value).strip().lower()
    for status in (CHANGED, SKIPPED, FAILED):
        if text.startswith(status[:-1]) or text.startswith(status):
            return status
    return text


def _outcomes_from_json(data: Any) -> list[Outcome] | None:
    """Outcome rows from `advisor rewrite --format json` (a list, or a dict holding one)."""
    rows: Any = data
    if isinstance(data, dict):
        rows = next((data[key] for key in ("outcomes", "views", "results") if key in data), None)
    if not isinstance(rows, list):
        return None
    found = []
    for row in rows:
        if not isinstance(row, dict):
            return None
        view_id = row.get("view") or row.get("view_id") or row.get("id")
        status = row.get("outcome") or row.get("status") or row.get("result")
        if not view_id or not status:
            return None
        found.append(Outcome(str(view_id), _status(status), str(row.get("reason") or "")))
    return found


def _rewrite(project_dir: Path, row: MatrixRow) -> tuple[CommandRun, list[Outcome]]:
    args = ["rewrite", str(project_dir), "--write"]
    for name in SELECTED_CATEGORIES:
        args += ["--category", name]
    if row.rewrite_django_version:
        args += ["--django-version", row.rewrite_django_version]
    run = run_advisor(*args, "--format", "json")
    if run.returncode == 2 and "--format" in run.stderr:  # no JSON outcome output offered
        run = run_advisor(*args)
    assert "No such command" not in run.stderr, (
        f"`advisor rewrite` does not exist yet\n{run.describe()}"
    )
    # Exit 1 may mean "some views skipped"; only a usage/crash exit is fatal here.
    assert run.returncode in (0, 1), f"advisor rewrite failed\n{run.describe()}"
    outcomes = _outcomes_from_json(_json_or_none(run.stdout))
    assert outcomes is not None, f"could not read the rewrite's outcome summary\n{run.describe()}"
    return run, outcomes


def _json_or_none(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


# --- the tests ----------------------------------------------------------------------------


@pytest.mark.parametrize(("project", "row"), CASES)
def test_unrewritten_suite_passes(
    project: SampleProject,
    row: MatrixRow,
    envs: dict[str, ProofEnv | Exception],
    baselines: dict[tuple[str, str], SuiteRun],
    tmp_path: Path,
) -> None:
    """The baseline: the env works and the project's own suite passes there, unrewritten."""
    env = _env(envs, row)
    assert env.django_version.startswith(row.django_series), env
    run = _baseline(baselines, env, project, tmp_path)
    _assert_suite_clean(run, f"{project.name} unrewritten on Django {env.django_version}")
    # Nothing prints mid-test in the unrewritten suites, so every test's line must parse;
    # this keeps the per-test comparison of the proof honest.
    assert len(run.outcomes) == run.tests_run, (
        f"parsed {len(run.outcomes)} test outcomes, Django ran {run.tests_run}"
    )
    print(
        f"[proof] {project.name} {row.id}: env {env.python} (Django {env.django_version}, "
        f"{'built' if env.created else 'reused'} in {env.seconds:.1f}s); "
        f"baseline ran {run.tests_run} tests in {run.seconds:.1f}s"
    )


@pytest.mark.parametrize(("project", "row"), CASES)
def test_rewritten_project_passes_its_own_suite(
    project: SampleProject,
    row: MatrixRow,
    envs: dict[str, ProofEnv | Exception],
    baselines: dict[tuple[str, str], SuiteRun],
    tmp_path: Path,
) -> None:
    """The proof: rewrite the candidates, then the unchanged suite still passes, on the
    target Django, with no view left blocking."""
    env = _env(envs, row)
    baseline = _baseline(baselines, env, project, tmp_path)
    _assert_suite_clean(baseline, f"{project.name} unrewritten (baseline)")

    copy = copy_project(project, tmp_path / "rewritten")
    before_scan = scan_views(copy, row.rewrite_django_version)
    selected = sorted(
        view_id for view_id, view in before_scan.items() if category(view) in SELECTED_CATEGORIES
    )
    assert selected, f"{project.name}: nothing selected in {SELECTED_CATEGORIES}"
    tests_before = hash_test_files(copy, project)
    tree_before = tree_hashes(copy)

    rewrite, outcomes = _rewrite(copy, row)
    by_view = {outcome.view_id: outcome for outcome in outcomes}

    # 3. the outcome summary: the selection, >= 80% Changed, every other one explained
    unexpected = sorted(set(by_view) - set(selected))
    assert not unexpected, (
        f"rewrite reported views outside the selection: {unexpected}\n{rewrite.describe()}"
    )
    changed = [v for v in selected if v in by_view and by_view[v].status == CHANGED]
    not_changed = {v: by_view.get(v) for v in selected if v not in changed}
    unexplained = [
        v for v, outcome in not_changed.items() if outcome is None or not outcome.reason.strip()
    ]
    assert not unexplained, (
        f"selected views without an outcome or a reason: {unexplained}\n{rewrite.describe()}"
    )
    share = len(changed) / len(selected)
    assert share >= MIN_CHANGED_SHARE, (
        f"only {len(changed)}/{len(selected)} selected views Changed; others: "
        + "; ".join(
            f"{v}: {o.status if o else 'none'} ({o.reason if o else ''})"
            for v, o in not_changed.items()
        )
    )

    # 4. the test modules and test helpers are untouched
    assert changed_files(tests_before, hash_test_files(copy, project)) == [], (
        "the rewrite changed test files"
    )
    touched = changed_files(tree_before, tree_hashes(copy))
    assert touched, "the rewrite reported Changed views but wrote no file"

    # 5. the project's own suite, on the target Django
    run = run_django_tests(env.python, copy)
    what = f"{project.name} rewritten ({row.id}, Django {env.django_version})"
    _assert_suite_clean(run, what)
    assert run.tests_run == baseline.tests_run, (
        f"{what}: ran {run.tests_run} tests, the unrewritten project ran {baseline.tests_run}"
    )
    assert run.verdict == baseline.verdict, (
        f"{what}: verdict {run.verdict!r}, unrewritten {baseline.verdict!r} (a test skipped?)"
    )
    regressed = {
        test: status
        for test, status in run.outcomes.items()
        if baseline.outcomes.get(test) == "ok" and status != "ok"
    }
    assert not regressed, f"{what}: tests that passed before but not now: {regressed}"

    # 6. a rescan sees every Changed view as async and clean
    after_scan = scan_views(copy, row.rewrite_django_version)
    not_async = {
        v: category(after_scan[v]) if v in after_scan else "missing"
        for v in changed
        if category(after_scan.get(v, {})) != "already async"
    }
    assert not not_async, f"Changed views that are not `already async` on rescan: {not_async}"

    skipped = sorted(v for v, o in not_changed.items() if o and o.status == SKIPPED)
    failed = sorted(v for v, o in not_changed.items() if o and o.status == FAILED)
    print(
        f"[proof] {project.name} {row.id}: Django {env.django_version}; selected "
        f"{len(selected)}, Changed {len(changed)}, Skipped {len(skipped)} {skipped}, "
        f"Failed {len(failed)} {failed}; files touched {touched}; rewrite "
        f"{rewrite.seconds:.1f}s; suite ran {run.tests_run} tests in {run.seconds:.1f}s "
        f"(baseline {baseline.tests_run} in {baseline.seconds:.1f}s)"
    )
