"""Measure the advice on real projects nobody here wrote.

For each pinned PyPI project (benchmarks/realprojects/projects.py): download its sdist,
build its virtualenv, run its own test suite once, observed (routes Django's resolver
serves, per view the SQL and outbound HTTP its tests make, per test the outcome), then run
the static `advisor scan` on the pristine tree and compare; then copy the tree, run
`advisor rewrite COPY --min-score 0 --write`, and rerun the suite on the copy.

    python benchmarks/accuracy.py                 # all projects, a Markdown table on stdout
    python benchmarks/accuracy.py --only django-mama-cas --json out.json
    python benchmarks/accuracy.py --record        # raise the recorded figures (the ratchet)
    python benchmarks/accuracy.py --check         # exit 1 when a figure fell below the record

Progress goes to stderr. Everything downloaded or built is cached (see
realprojects/environment.py), so a second run costs only the suites and the scans.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from realprojects import compare, environment  # noqa: E402
from realprojects.projects import PROJECTS, RealProject, by_name  # noqa: E402

RECORDED = HERE / "accuracy_recorded.json"
# The Django the project venvs run: the rewrite targets it, as a user would say.
TARGET_DJANGO = "5.2"
_print_lock = threading.Lock()


def progress(message: str) -> None:
    with _print_lock:
        print(f"[accuracy {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@dataclass
class ProjectResult:
    name: str
    version: str
    error: str | None = None
    routes: compare.RouteFigures | None = None
    db: compare.EffectFigures | None = None
    http: compare.EffectFigures | None = None
    baseline: compare.SuiteFigures | None = None
    after: compare.SuiteFigures | None = None
    newly_failing: list[str] = field(default_factory=list)
    rewrite: dict[str, int] = field(default_factory=dict)
    rewrite_outcomes: list[dict[str, Any]] = field(default_factory=list)
    sync_only_errors: int = 0
    unawaited: int = 0
    resolve: dict[str, Any] = field(default_factory=dict)
    ranking: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    exercised: dict[str, Any] = field(default_factory=dict)

    def figures(self) -> dict[str, Any]:
        """The figures the README table and the ratchet are made from."""
        return {
            "version": self.version,
            "routes_served": self.routes.served if self.routes else 0,
            "routes_found": self.routes.found if self.routes else 0,
            "resolve_served": self.resolve.get("served"),
            "resolve_found": self.resolve.get("resolved"),
            "db_observed": self.db.observed if self.db else 0,
            "db_predicted": self.db.predicted if self.db else 0,
            "db_both": self.db.both if self.db else 0,
            "db_recall": _round(self.db.recall if self.db else None),
            "db_precision": _round(self.db.precision if self.db else None),
            "http_observed": self.http.observed if self.http else 0,
            "http_predicted": self.http.predicted if self.http else 0,
            "http_both": self.http.both if self.http else 0,
            "http_recall": _round(self.http.recall if self.http else None),
            "http_precision": _round(self.http.precision if self.http else None),
            "rewrite_run": self.after is not None,
            "rewrite_changed": self.rewrite.get("changed", 0),
            "rewrite_skipped": self.rewrite.get("skipped", 0),
            "rewrite_failed": self.rewrite.get("failed", 0),
            "baseline_total": self.baseline.total if self.baseline else 0,
            "baseline_passed": self.baseline.passed if self.baseline else 0,
            "after_passed": self.after.passed if self.after else 0,
            "newly_failing": len(self.newly_failing),
            "sync_only_errors": self.sync_only_errors,
            "unawaited": self.unawaited,
            "http_views": self.ranking.get("http_views", 0),
            "http_views_candidates": self.ranking.get("http_views_candidates", 0),
            "db_only_views": self.ranking.get("db_only_views", 0),
            "db_only_strong": self.ranking.get("db_only_strong", 0),
        }


# What only the rewrite proof measures (left out of the check under --no-rewrite).
REWRITE_FIGURES = {"newly_failing", "sync_only_errors", "unawaited", "rewrite_failed"}
# Figures where a lower value is better, and those that describe the project, not the tool.
LOWER_IS_BETTER = {
    "newly_failing",
    "sync_only_errors",
    "unawaited",
    "rewrite_failed",
    "db_only_strong",
}
NOT_RATCHETED = {
    "rewrite_run",
    "version",
    "routes_served",
    "resolve_served",
    "baseline_total",
    "baseline_passed",
    "db_observed",
    "http_observed",
    "db_predicted",
    "http_predicted",
    "db_both",
    "http_both",
    # A safer rewrite may convert fewer views: its correctness is what is ratcheted.
    "rewrite_changed",
    "rewrite_skipped",
    "after_passed",
    "http_views",
    "db_only_views",
}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def advisor(*args: str, venv: environment.Venv | None = None) -> subprocess.CompletedProcess[str]:
    # `rewrite` has no --python: the project's venv reaches it as the active virtualenv.
    env = {**os.environ, "VIRTUAL_ENV": str(venv.root)} if venv is not None else None
    return subprocess.run(
        [sys.executable, "-m", "advisor", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        stdin=subprocess.DEVNULL,
        env=env,
    )


def _scan_flags(project: RealProject) -> list[str]:
    return ["--settings", project.settings] if project.settings else []


def static_scan(
    project: RealProject, env: environment.Venv, tree: Path, out: Path
) -> dict[str, Any]:
    # The project's venv, as a user scanning their own checkout has it: calls into its
    # installed libraries (social_core's backends) are followed.
    completed = advisor(
        "scan",
        str(tree / project.scan_path),
        "--format",
        "json",
        "-o",
        str(out),
        "--no-cache",
        "--python",
        str(env.python),
        "--django-version",
        TARGET_DJANGO,
        *_scan_flags(project),
    )
    if completed.returncode not in (0, 1) or not out.exists():
        raise RuntimeError(
            f"advisor scan failed (rc {completed.returncode}): {completed.stderr[-800:]}"
        )
    return json.loads(out.read_text(encoding="utf-8"))


def rewrite_copy(
    project: RealProject, env: environment.Venv, pristine: Path, copy: Path
) -> dict[str, Any]:
    if copy.exists():
        shutil.rmtree(copy)
    shutil.copytree(pristine, copy, symlinks=True)
    completed = advisor(
        "rewrite",
        str(copy / project.scan_path),
        "--min-score",
        "0",
        "--write",
        "--format",
        "json",
        "--django-version",
        TARGET_DJANGO,
        *_scan_flags(project),
        venv=env,
    )
    try:
        return json.loads(completed.stdout)
    except json.JSONDecodeError:
        return {
            "error": f"rc {completed.returncode}: {completed.stderr.strip()[-500:]}",
            "outcomes": [],
        }


def resolve_check(
    project: RealProject, env: environment.Venv, tree: Path, truth: dict[str, Any], roots: list[str]
) -> dict[str, Any]:
    """`advisor views --resolve` with the project's own interpreter against the routes Django
    served under the project's settings (its ROOT_URLCONF; override_settings URLconfs apart)."""
    completed = advisor(
        "views",
        str(tree / project.scan_path),
        "--resolve",
        "--python",
        str(env.python),
        "--format",
        "json",
        "--no-cache",
        *_scan_flags(project),
    )
    if completed.returncode != 0:
        return {"error": completed.stderr.strip()[-300:]}
    data = json.loads(completed.stdout)
    notes = [f["message"] for f in data["findings"] if f["message"].startswith("--resolve:")]
    resolved = {
        compare.RouteKey(compare.normalise_pattern(r["pattern"]), r["view"])
        for r in data["routes"]
        if r["routed"] and not str(r["kind"]).startswith("framework")
    }
    root_urlconf = truth.get("root_urlconf")
    served = compare.served_routes(
        {"routes": [r for r in truth["routes"] if r.get("urlconf") == root_urlconf]}, roots
    )
    return {
        "served": len(served),
        "resolved": len(resolved & served),
        "invented": sorted(f"{k.pattern} -> {k.view}" for k in resolved - served),
        "notes": notes,
    }


def _truth(run: environment.SuiteRun, label: str) -> dict[str, Any]:
    if not run.truth_file.exists():
        tail = run.log_file.read_text(encoding="utf-8", errors="replace").splitlines()[-12:]
        raise RuntimeError(
            f"{label} suite wrote no observations (rc {run.returncode}):\n" + "\n".join(tail)
        )
    return json.loads(run.truth_file.read_text(encoding="utf-8"))


def measure(project: RealProject, rewrite: bool) -> ProjectResult:
    result = ProjectResult(project.name, project.version)
    work = environment.work_root() / project.name
    work.mkdir(parents=True, exist_ok=True)
    try:
        started = time.perf_counter()
        archive = environment.sdist(project, progress)
        pristine = environment.unpack(project, archive, work / "pristine")
        env = environment.venv(project, pristine, progress)
        result.seconds["setup"] = round(time.perf_counter() - started, 1)

        progress(f"{project.name}: running its suite (baseline)")
        baseline_run = environment.run_suite(
            project, env, pristine, work / "baseline.json", "baseline"
        )
        result.seconds["baseline_suite"] = round(baseline_run.seconds, 1)
        truth = _truth(baseline_run, "baseline")
        result.baseline = compare.suite_figures(truth["tests"])

        progress(f"{project.name}: static scan")
        started = time.perf_counter()
        scan = static_scan(project, env, pristine, work / "scan.json")
        result.seconds["scan"] = round(time.perf_counter() - started, 1)
        roots = [str(pristine.resolve())]
        truth = compare.scan_names(truth, scan, roots[0])
        result.routes = compare.compare_routes(
            compare.served_routes(truth, roots), compare.static_routes(scan)
        )
        exercised = compare.exercised_views(truth, roots)
        predicted = compare.predicted_kinds(scan)
        result.ranking = compare.ranking(exercised, compare.categories(scan))
        result.resolve = resolve_check(project, env, pristine, truth, roots)
        result.db = compare.compare_effects(exercised, predicted, "db")
        result.http = compare.compare_effects(exercised, predicted, "http")
        result.exercised = {
            view: {
                "requests": t.requests,
                "sql": t.sql,
                "http": t.http,
                "http_calls": t.http_calls,
                "predicted": sorted(predicted.get(view, set())),
            }
            for view, t in sorted(exercised.items())
        }
        if rewrite:
            progress(f"{project.name}: rewrite --min-score 0 --write, then its suite again")
            copy = work / "rewritten"
            outcome = rewrite_copy(project, env, pristine, copy)
            result.rewrite_outcomes = outcome.get("outcomes", [])
            if "error" in outcome:
                result.rewrite["error"] = 1
                result.error = f"rewrite: {outcome['error']}"
            for row in result.rewrite_outcomes:
                result.rewrite[row["outcome"]] = result.rewrite.get(row["outcome"], 0) + 1
            after_run = environment.run_suite(
                project, env, copy, work / "after.json", "after rewrite"
            )
            result.seconds["after_suite"] = round(after_run.seconds, 1)
            after = _truth(after_run, "after-rewrite")
            result.after = compare.suite_figures(after["tests"])
            result.newly_failing = compare.newly_failing(truth["tests"], after["tests"])
            log = after_run.log_file.read_text(encoding="utf-8", errors="replace")
            raised = sum(
                "SynchronousOnlyOperation" in e
                for entry in after["tests"].values()
                for e in entry.get("exceptions", [])
            )
            result.sync_only_errors = max(raised, log.count("SynchronousOnlyOperation: "))
            result.unawaited = log.count("was never awaited")
    except Exception as error:  # one project's failure must not hide the others' figures
        result.error = f"{type(error).__name__}: {error}"
        progress(f"{project.name}: {result.error}")
    progress(f"{project.name}: done")
    return result


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _effect_cell(f: dict[str, Any], kind: str) -> str:
    recall, precision = f[f"{kind}_recall"], f[f"{kind}_precision"]
    return f"{_ratio(recall)} / {_ratio(precision)} ({f[f'{kind}_observed']} views)"


def _resolve_cell(f: dict[str, Any]) -> str:
    if f.get("resolve_served") is None:
        return "failed"
    return f"{f['resolve_found']} / {f['resolve_served']}"


def _rewrite_cell(f: dict[str, Any]) -> str:
    if not f.get("rewrite_run", True):
        return "not run (--no-rewrite)"
    flags = []
    if f["sync_only_errors"]:
        flags.append(f"{f['sync_only_errors']} SynchronousOnlyOperation")
    if f["unawaited"]:
        flags.append(f"{f['unawaited']} unawaited")
    tail = f"; {', '.join(flags)}" if flags else ""
    return (
        f"{f['rewrite_changed']} changed, {f['rewrite_skipped']} skipped, "
        f"{f['rewrite_failed']} failed → {f['after_passed']}/{f['baseline_total']} pass "
        f"(baseline {f['baseline_passed']}){tail}"
    )


def table(rows: dict[str, dict[str, Any]], errors: dict[str, str] | None = None) -> str:
    """The Markdown table: one row per project, then the summary line."""
    lines = [
        "| project | routes found / served | `--resolve` | DB recall / precision "
        "| HTTP recall / precision | rewrite `--min-score 0` → the project's suite |",
        "|---|---|---|---|---|---|",
    ]
    for name, f in rows.items():
        lines.append(
            f"| {name} {f['version']} | {f['routes_found']} / {f['routes_served']} "
            f"| {_resolve_cell(f)} | {_effect_cell(f, 'db')} | {_effect_cell(f, 'http')} "
            f"| {_rewrite_cell(f)} |"
        )
    for name, error in (errors or {}).items():
        lines.append(f"| {name} | error: {error.splitlines()[0][:100]} | | | | |")
    lines.append("")
    lines.append(summary(rows))
    return "\n".join(lines)


def summary(rows: dict[str, dict[str, Any]]) -> str:
    figures = list(rows.values())
    served = sum(f["routes_served"] for f in figures)
    found = sum(f["routes_found"] for f in figures)

    def pooled(kind: str) -> str:
        observed = sum(f[f"{kind}_observed"] for f in figures)
        predicted = sum(f[f"{kind}_predicted"] for f in figures)
        both = sum(f[f"{kind}_both"] for f in figures)
        recall = _ratio(both / observed if observed else None)
        precision = _ratio(both / predicted if predicted else None)
        return f"{kind.upper()} recall {recall} precision {precision}"

    http_views = sum(f.get("http_views", 0) for f in figures)
    http_candidates = sum(f.get("http_views_candidates", 0) for f in figures)
    db_only = sum(f.get("db_only_views", 0) for f in figures)
    db_strong = sum(f.get("db_only_strong", 0) for f in figures)
    proven = [f for f in figures if f.get("rewrite_run", True)]
    at_baseline = sum(1 for f in proven if f["newly_failing"] == 0)
    return (
        f"{len(figures)} projects: routes {found}/{served}"
        f" ({_ratio(found / served if served else None)}), {pooled('db')}, {pooled('http')},"
        f" suite at its baseline after the rewrite in {at_baseline}/{len(proven)}."
        f" Views observed making outbound HTTP ranked as candidates: {http_candidates}/"
        f"{http_views}; DB-only views ranked strong: {db_strong}/{db_only}."
    )


README = REPO / "README.md"
README_START = "<!-- accuracy-table:start -->"
README_END = "<!-- accuracy-table:end -->"


def update_readme(recorded: dict[str, dict[str, Any]]) -> None:
    """Replace the README's table (between its markers) with the recorded figures."""
    text = README.read_text(encoding="utf-8")
    if README_START not in text or README_END not in text:
        raise SystemExit(f"README.md has no {README_START} … {README_END} markers")
    head, rest = text.split(README_START, 1)
    _, tail = rest.split(README_END, 1)
    ordered = {p.name: recorded[p.name] for p in PROJECTS if p.name in recorded}
    README.write_text(
        f"{head}{README_START}\n{table(ordered)}\n{README_END}{tail}", encoding="utf-8"
    )


def check_against_record(results: list[ProjectResult]) -> list[str]:
    """Figures that fell below the recorded ones (the ratchet); an empty list passes."""
    recorded = json.loads(RECORDED.read_text(encoding="utf-8")) if RECORDED.exists() else {}
    worse: list[str] = []
    for result in results:
        before = recorded.get(result.name)
        if before is None:
            continue
        if result.error:
            worse.append(f"{result.name}: {result.error.splitlines()[0]}")
            continue
        now = result.figures()
        for key, old in before.items():
            if old is None or key in NOT_RATCHETED:
                continue
            if not now["rewrite_run"] and key in REWRITE_FIGURES:
                continue
            new = now.get(key)
            if new is None or (new > old if key in LOWER_IS_BETTER else new < old):
                worse.append(f"{result.name}: {key} {old} → {new}")
    return worse


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--only", action="append", metavar="NAME", help="measure only this project (repeatable)"
    )
    parser.add_argument(
        "--json", type=Path, metavar="FILE", help="write every figure and list here"
    )
    parser.add_argument("--no-rewrite", action="store_true", help="skip the rewrite proof")
    parser.add_argument(
        "--record", action="store_true", help=f"store the figures in {RECORDED.name}"
    )
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if a figure is below the record"
    )
    parser.add_argument("--jobs", type=int, default=2, help="projects measured at once (default 2)")
    args = parser.parse_args(argv)
    projects = [by_name(n) for n in args.only] if args.only else list(PROJECTS)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        results = list(pool.map(lambda p: measure(p, not args.no_rewrite), projects))
    progress(f"all done in {time.perf_counter() - started:.0f} s")
    measured = {r.name: r.figures() for r in results if r.error is None}
    print(table(measured, {r.name: r.error for r in results if r.error is not None}))

    if args.json:
        payload = {
            r.name: {
                "version": r.version,
                "error": r.error,
                "figures": r.figures(),
                "seconds": r.seconds,
                "routes": compare.as_plain(r.routes),
                "db": compare.as_plain(r.db),
                "http": compare.as_plain(r.http),
                "baseline": compare.as_plain(r.baseline),
                "after": compare.as_plain(r.after),
                "newly_failing": r.newly_failing,
                "rewrite": r.rewrite,
                "rewrite_outcomes": r.rewrite_outcomes,
                "unawaited": r.unawaited,
                "exercised": r.exercised,
                "resolve": r.resolve,
            }
            for r in results
        }
        args.json.write_text(json.dumps(payload, indent=2), encoding="utf-8")
    if args.record:
        recorded = json.loads(RECORDED.read_text(encoding="utf-8")) if RECORDED.exists() else {}
        for r in results:
            if r.error is None:
                recorded[r.name] = r.figures()
        RECORDED.write_text(json.dumps(recorded, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        update_readme(recorded)
    if args.check:
        worse = check_against_record(results)
        for line in worse:
            print(f"below the record: {line}", file=sys.stderr)
        return 1 if worse else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
