"""Static view discovery agrees with Django's own resolver: every route each sample project
really serves appears in `advisor views` with the same view and name (issue 3)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from advisor.cli import main

HERE = Path(__file__).resolve().parent


def django_routes(project: Path) -> list[dict[str, str]]:
    completed = subprocess.run(
        [sys.executable, str(HERE / "resolver_walk.py")], cwd=project,
        capture_output=True, text=True, check=True)
    rows: list[dict[str, str]] = json.loads(completed.stdout)
    return rows


def static_routes(project: Path) -> dict[str, object]:
    result = CliRunner().invoke(main, ["views", str(project), "--format", "json",
                                       "--no-cache", "--jobs", "1"])
    assert result.exit_code == 0, result.output
    data: dict[str, object] = json.loads(result.output)
    return data


def is_project_view(project: Path, view: str) -> bool:
    parts = view.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        base = project.joinpath(*parts[:cut])
        if base.with_suffix(".py").is_file() or (base / "__init__.py").is_file():
            return True
    return False


@pytest.mark.parametrize("name", ["bookshop", "opsdesk"])
def test_every_served_route_is_discovered(sample_projects: Path, name: str) -> None:
    project = sample_projects / name
    served = django_routes(project)
    static = static_routes(project)
    rows = static["routes"]
    assert isinstance(rows, list)
    discovered = {(r["pattern"], r["view"], r["name"]) for r in rows
                  if r["routed"] and not str(r["kind"]).startswith("framework")}
    framework = [r for r in rows if str(r["kind"]).startswith("framework")]
    project_routes = [r for r in served if is_project_view(project, r["view"])]
    missing = [r for r in project_routes
               if (r["pattern"], r["view"], r["name"]) not in discovered]
    assert project_routes, "the resolver walk found no project routes"
    assert missing == [], f"{len(missing)}/{len(project_routes)} routes not discovered"
    # Nothing invented: every statically discovered project route is really served.
    served_keys = {(r["pattern"], r["view"], r["name"]) for r in project_routes}
    assert discovered <= served_keys, discovered - served_keys
    # Framework routes (admin, DRF's API root) are grouped, not scanned as project views.
    outside = [r for r in served if not is_project_view(project, r["view"])]
    for route in outside:
        assert any(route["pattern"].startswith(f["pattern"].rstrip("…"))
                   or f["pattern"] == route["pattern"] for f in framework), route
    assert static["findings"] == []
