"""Locations in installed packages the scan followed calls into are shown relative to their
site-packages (`site-packages/payclient/api.py`), never as the scanning machine's path, in
every report; SARIF annotates the project's call that leads there and names the installed
hop without an artifact URI; HTML marks the location and does not link it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from snippets import make_project
from test_installed_code import make_venv
from test_report_html import browser_test, chromium, needs_chromium, open_report

from advisor.cli import main

__all__ = ["chromium", "open_report"]  # fixtures the browser test uses

SYNC_VIEW = """
import payclient
def view(request):
    payclient.charge(5)
"""
ASYNC_VIEW = """
import payclient
async def view(request):
    payclient.charge(5)
"""
INSTALLED = "site-packages/payclient/api.py"
LINK = "vscode://file/{path}:{line}"


def _project(tmp_path: Path, body: str) -> tuple[Path, str]:
    """A project and an interpreter outside it, as a real virtualenv would be."""
    root = make_project(tmp_path / "project", {"shop/views.py": body})
    venv = make_venv(tmp_path / "machine" / "home")
    return root, str(venv / "bin" / "python")


def _run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code in (0, 1), (result.exit_code, result.output)
    return result.stdout


def _machine_paths(text: str, tmp_path: Path) -> list[str]:
    """Absolute paths into the environment's site-packages found in `text`."""
    site = str(tmp_path / "machine" / "home" / ".venv" / "lib")
    return [line for line in text.splitlines() if site in line]


def test_json_locations_are_relative_to_site_packages(tmp_path: Path) -> None:
    root, python = _project(tmp_path, SYNC_VIEW)
    out = _run("scan", str(root), "--python", python, "--format", "json", "--no-cache")
    assert not _machine_paths(out, tmp_path)
    (view,) = json.loads(out)["views"]
    (effect,) = view["effects"]
    assert effect["location"]["path"] == INSTALLED
    assert [link["location"]["path"] for link in effect["chain"]] == ["shop/views.py", INSTALLED]


def test_markdown_and_explain_show_the_site_packages_path(tmp_path: Path) -> None:
    root, python = _project(tmp_path, SYNC_VIEW)
    markdown = _run("scan", str(root), "--python", python, "--format", "markdown", "--no-cache")
    assert not _machine_paths(markdown, tmp_path)
    explained = _run("explain", str(root), "shop.views.view", "--python", python)
    assert f"requests.post at {INSTALLED}:5" in explained
    assert f"payclient.api.charge ({INSTALLED}:5)" in explained
    assert not _machine_paths(explained, tmp_path)


def test_sarif_annotates_the_project_call_and_names_the_installed_hop(tmp_path: Path) -> None:
    root, python = _project(tmp_path, ASYNC_VIEW)
    out = _run("scan", str(root), "--python", python, "--format", "sarif", "--no-cache")
    assert not _machine_paths(out, tmp_path)
    (result,) = [r for r in json.loads(out)["runs"][0]["results"] if r["level"] == "error"]
    (primary,) = result["locations"]
    artifact = primary["physicalLocation"]["artifactLocation"]
    assert artifact["uri"] == "shop/views.py"
    assert primary["physicalLocation"]["region"]["startLine"] == 4  # payclient.charge(5)
    project_hop, installed_hop = result["relatedLocations"]
    assert project_hop["physicalLocation"]["artifactLocation"]["uri"] == "shop/views.py"
    assert "physicalLocation" not in installed_hop
    assert installed_hop["message"]["text"] == (
        f"step 2: payclient.api.charge at {INSTALLED}:5 (installed package)"
    )
    assert installed_hop["logicalLocations"] == [
        {"fullyQualifiedName": "payclient.api.charge", "kind": "function"}
    ]
    uris = [
        location["physicalLocation"]["artifactLocation"]["uri"]
        for r in json.loads(out)["runs"][0]["results"]
        for location in [*r["locations"], *r.get("relatedLocations", [])]
        if "physicalLocation" in location
    ]
    assert uris and not [uri for uri in uris if "site-packages" in uri]


@browser_test
@needs_chromium
def test_html_marks_installed_locations_and_links_only_project_files(
    tmp_path: Path, open_report: Any
) -> None:
    root, python = _project(tmp_path, SYNC_VIEW)
    report = tmp_path / "report.html"
    _run(
        "scan", str(root), "--python", python, "--html", str(report), "--link-template", LINK,
        "--no-cache",
    )  # fmt: skip
    assert not _machine_paths(report.read_text(), tmp_path)
    watched = open_report(report)
    page = watched.page
    watched.wait_rows(1)
    page.click("#view-table tr[data-view-id='shop.views.view']")
    page.wait_for_selector("#detail[open]")
    installed = page.eval_on_selector_all(
        "#detail mark.src.installed", "marks => marks.map(m => m.textContent)"
    )
    assert f"{INSTALLED}:5" in installed
    links = page.eval_on_selector_all("#detail a.src", "links => links.map(a => a.href)")
    assert "vscode://file/shop/views.py:4" in links
    assert not [link for link in links if "site-packages" in link]
    watched.assert_clean()


def test_without_an_environment_the_terminal_says_what_to_pass(
    tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    root, python = _project(tmp_path, SYNC_VIEW)
    out = CliRunner(env={"COLUMNS": "80"}).invoke(main, ["scan", str(root), "--no-cache"]).stdout
    text = " ".join(out.split())
    assert (
        "Not followed: calls from 1 view into installed libraries (payclient); pass "
        "--python PATH/bin/python (the project's interpreter), or activate its virtualenv"
    ) in text
    followed = CliRunner(env={"COLUMNS": "80"}).invoke(
        main, ["scan", str(root), "--no-cache", "--python", python]
    )
    assert "Not followed" not in followed.stdout
    assert "Followed into installed packages (--python): payclient 1.2" in followed.stdout
