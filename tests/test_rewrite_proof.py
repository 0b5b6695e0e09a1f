"""Issue 7: a rewrite is proven by the sample project's own, unchanged test suite passing
on the rewritten code, on every Django the matrix targets.

For each (sample project, matrix row): copy the project, `advisor rewrite --write` the
candidate views, check the outcome summary (>= 80% Changed, every other view explained;
skips the target Django forces are not counted), check no test file moved and no async
API newer than the target was used, run `manage.py test` on the target Django (same test
count and verdict as the unrewritten baseline, no `SynchronousOnlyOperation`), then rescan
and expect every Changed view to be `already async`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

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
    added_lines,
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
# The newest Django any row targets; a view it can convert is convertible in principle.
NEWEST_TARGET = max(
    (row.rewrite_django_version or row.django_series for row in MATRIX),
    key=lambda version: tuple(int(part) for part in version.split(".")),
)
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


@dataclass(frozen=True)
class RewriteRun:
    command: CommandRun
    django_version: str  # the target the rewrite used (given, or detected from the project)
    outcomes: dict[str, Outcome]


def _rewrite(project_dir: Path, django_version: str | None, *, write: bool) -> RewriteRun:
    """`advisor rewrite` of the selected categories; its `--format json` outcomes by view."""
    args = ["rewrite", str(project_dir), "--format", "json", "--write" if write else "--diff"]
    for name in SELECTED_CATEGORIES:
        args += ["--category", name]
    if django_version:
        args += ["--django-version", django_version]
    run = run_advisor(*args)
    assert "No such command" not in run.stderr, (
        f"`advisor rewrite` does not exist yet\n{run.describe()}"
    )
    # Exit 1 means some view Failed: the outcomes say which, and the checks below count it.
    assert run.returncode in (0, 1), f"advisor rewrite failed\n{run.describe()}"
    try:
        data = json.loads(run.stdout)
        outcomes = {
            str(row["view"]): Outcome(
                str(row["view"]), str(row["outcome"]), row.get("reason") or ""
            )
            for row in data["outcomes"]
        }
        target = str(data["django_version"])
    except (ValueError, KeyError, TypeError) as error:
        raise AssertionError(f"unreadable outcome JSON ({error})\n{run.describe()}") from error
    return RewriteRun(run, target, outcomes)


_DJANGO_VERSION = re.compile(r"Django (\d+\.\d+)")


def _version(text: str) -> tuple[int, int]:
    major, minor = text.split(".")[:2]
    return int(major), int(minor)


def _version_bound(
    project_dir: Path, rewrite: RewriteRun, selected: list[str]
) -> dict[str, Outcome]:
    """Selected views Skipped because the target Django lacks what they need.

    Some refusals are forced by the target (async class handlers need 4.1, async-aware
    `@csrf_exempt`/`@require_POST` 5.0, async streaming 4.2): no correct rewrite exists
    there, so they leave the 80% denominator. A skip counts as one only if its reason
    names a Django newer than the target AND the newest Django does not refuse the view
    with that same reason, so a made-up version cannot excuse a skip.
    """
    target = _version(rewrite.django_version)
    claimed = {
        view_id: outcome
        for view_id, outcome in rewrite.outcomes.items()
        if view_id in selected
        and outcome.status == SKIPPED
        and any(_version(v) > target for v in _DJANGO_VERSION.findall(outcome.reason))
    }
    if not claimed or target >= _version(NEWEST_TARGET):
        return {}
    newest = _rewrite(project_dir, NEWEST_TARGET, write=False).outcomes
    return {
        view_id: outcome
        for view_id, outcome in claimed.items()
        if view_id in newest and newest[view_id].reason != outcome.reason
    }


# Django async APIs with the release that added them (django-async-api.md §1). The row
# that targets 4.0 runs its suite on 4.2, which has the 4.1/4.2 ones, so the suite alone
# would not catch a rewrite that uses them anyway; this static check does. Only names
# that mean nothing else are listed (not aget/aset/adelete, which the 4.0 cache has too).
_ASYNC_API_ROWS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("4.1", ("acreate", "aget_or_create", "aupdate_or_create", "abulk_create", "abulk_update",
             "acount", "aexists", "acontains", "afirst", "alast", "aearliest", "alatest",
             "aaggregate", "ain_bulk", "aiterator", "aexplain")),
    ("4.2", ("asave", "arefresh_from_db", "aremove")),
    ("5.0", ("aget_object_or_404", "aget_list_or_404", "auser", "alogin", "alogout",
             "aauthenticate", "aprefetch_related_objects", "acheck_password", "asend",
             "asend_robust")),
)  # fmt: skip
ASYNC_API_SINCE = {name: since for since, names in _ASYNC_API_ROWS for name in names}
_CALLED_NAME = re.compile(r"\b(a\w+)\s*\(")
# `async for` straight over a queryset is 4.1+ as well.
_ASYNC_FOR_QUERYSET = re.compile(r"async for .* in .*\.(objects|filter|exclude|all|order_by)\b")


def _too_new_apis(original: Path, rewritten: Path, files: list[str], target: str) -> list[str]:
    """Lines the rewrite added that call a Django async API newer than the target."""
    found = []
    for path, line in added_lines(original, rewritten, files):
        names = [n for n in _CALLED_NAME.findall(line) if n in ASYNC_API_SINCE]
        too_new = [n for n in names if _version(ASYNC_API_SINCE[n]) > _version(target)]
        if _ASYNC_FOR_QUERYSET.search(line) and _version(target) < (4, 1):
            too_new.append("async for over a QuerySet (4.1)")
        if too_new:
            found.append(f"{path}: {line.strip()}  <- {', '.join(too_new)}")
    return found


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

    rewrite = _rewrite(copy, row.rewrite_django_version, write=True)
    by_view = rewrite.outcomes

    # 3. the outcome summary: the selection, >= 80% Changed, every other one explained
    unexpected = sorted(set(by_view) - set(selected))
    assert not unexpected, (
        f"rewrite reported views outside the selection: {unexpected}\n{rewrite.command.describe()}"
    )
    changed = [v for v in selected if v in by_view and by_view[v].status == CHANGED]
    not_changed = {v: by_view.get(v) for v in selected if v not in changed}
    unexplained = [
        v for v, outcome in not_changed.items() if outcome is None or not outcome.reason.strip()
    ]
    assert not unexplained, (
        f"selected views without an outcome or a reason: {unexplained}\n"
        f"{rewrite.command.describe()}"
    )
    version_bound = _version_bound(copy, rewrite, selected)
    convertible = [v for v in selected if v not in version_bound]
    share = len(changed) / len(convertible) if convertible else 1.0
    assert share >= MIN_CHANGED_SHARE, (
        f"only {len(changed)}/{len(convertible)} selected views Changed on target "
        f"{rewrite.django_version} (skips the target forces, not counted: "
        f"{sorted(version_bound)}); others: "
        + "; ".join(
            f"{v}: {o.status if o else 'none'} ({o.reason if o else ''})"
            for v, o in not_changed.items()
            if v not in version_bound
        )
    )

    # 4. the test modules and test helpers are untouched
    assert changed_files(tests_before, hash_test_files(copy, project)) == [], (
        "the rewrite changed test files"
    )
    touched = changed_files(tree_before, tree_hashes(copy))
    assert touched, "the rewrite reported Changed views but wrote no file"
    too_new = _too_new_apis(project.source, copy, touched, rewrite.django_version)
    assert not too_new, (
        f"the rewrite for Django {rewrite.django_version} uses newer async APIs:\n"
        + "\n".join(too_new)
    )

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
    bound = f" ({len(version_bound)} of them need a newer Django)" if version_bound else ""
    failed = sorted(v for v, o in not_changed.items() if o and o.status == FAILED)
    print(
        f"[proof] {project.name} {row.id}: target {rewrite.django_version} on Django "
        f"{env.django_version}; selected "
        f"{len(selected)}, Changed {len(changed)}, Skipped {len(skipped)}{bound} {skipped}, "
        f"Failed {len(failed)} {failed}; files touched {touched}; rewrite "
        f"{rewrite.command.seconds:.1f}s; suite ran {run.tests_run} tests in {run.seconds:.1f}s "
        f"(baseline {baseline.tests_run} in {baseline.seconds:.1f}s)"
    )
