"""End-to-end rewrites of the sample projects: the diff of rewriting every candidate (strong,
needs work, async but blocking) at the detected Django version is compared with
`tests/snapshots/<project>.patch` (regenerate with `pytest --update-snapshots` and review the
patch like code). Applying it must give files that compile, a rescan with the real scan must
see every Changed view as `already async` with nothing blocking, and a second rewrite must
change nothing."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from advisor.cli import main

SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"
CANDIDATES = ("strong candidate", "candidate (needs work)", "async but blocking")
PROJECTS = ("bookshop", "opsdesk")


def _rewrite(project: Path, *extra: str) -> tuple[int, str, str]:
    args = ["rewrite", str(project)]
    for category in CANDIDATES:
        args += ["--category", category]
    result = CliRunner().invoke(main, [*args, *extra])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def _copy(sample_projects: Path, name: str, tmp_path: Path) -> Path:
    target = tmp_path / name
    shutil.copytree(
        sample_projects / name,
        target,
        ignore=shutil.ignore_patterns("__pycache__", ".advisor_cache", "*.sqlite3"),
    )
    return target


@pytest.mark.parametrize("name", PROJECTS)
def test_candidates_patch_matches_the_snapshot(
    name: str, sample_projects: Path, update_snapshots: bool, tmp_path: Path
) -> None:
    # On a copy outside any git repository, so the paths are the project's own (inside
    # this repository they would start with sample_projects/NAME/, see test_codemod_cli).
    code, diff, summary = _rewrite(_copy(sample_projects, name, tmp_path))
    assert code == 0, summary
    assert diff.startswith("--- a/"), summary
    snapshot = SNAPSHOTS / f"{name}.patch"
    if update_snapshots:
        SNAPSHOTS.mkdir(exist_ok=True)
        snapshot.write_text(diff, encoding="utf-8")
    assert snapshot.exists(), f"run pytest --update-snapshots to create {snapshot}"
    assert diff == snapshot.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", PROJECTS)
def test_rewritten_project_rescans_async_and_clean_and_rewrites_to_nothing(
    name: str, sample_projects: Path, tmp_path: Path
) -> None:
    project = _copy(sample_projects, name, tmp_path)
    code, out, summary = _rewrite(project, "--write", "--format", "json")
    assert code == 0, summary
    outcomes = json.loads(out)["outcomes"]
    changed = [o["view"] for o in outcomes if o["outcome"] == "changed"]
    assert len(changed) >= 0.8 * len(outcomes), summary
    for outcome in outcomes:
        assert outcome["outcome"] != "failed", outcome
        assert outcome["outcome"] == "changed" or outcome["reason"], outcome
    for path in json.loads(out)["written"]:
        if path.endswith(".py"):
            compile((project / path).read_bytes(), path, "exec")

    rescan = CliRunner().invoke(main, ["scan", str(project), "--format", "json", "--no-cache"])
    views = {view["id"]: view for view in json.loads(rescan.stdout)["views"]}
    for view_id in changed:
        view = views[view_id]
        assert view["is_async"], view_id
        assert view["score"]["category"] == "already async", (view_id, view["score"])
        blocking = [e["call"] for e in view["effects"] if e["blocking"] and not e["awaited"]]
        assert blocking == [], (view_id, blocking)

    code, again, summary = _rewrite(project)
    assert code == 0 and again == "", summary
    for view_id in changed:
        code, again, summary = _rewrite(project, "--view", view_id)
        assert again == "", (view_id, again)
