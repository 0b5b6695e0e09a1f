"""Reports are shared: they name files from the repository root, never by a path of the
machine that scanned (HTML, JSON, SARIF and Markdown alike), SARIF annotations land on the
right files when the Django project is a subfolder of its repository, and the HTML report
and the Markdown summary give the same totals as the JSON for the same scan."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_projects"
FORMATS = ("json", "html", "sarif", "markdown")


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "advisor", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
    )


def scan(project: Path, output_format: str, *extra: str) -> str:
    outcome = run_cli("scan", str(project), "--format", output_format, "--no-cache", *extra)
    assert outcome.returncode == 0, outcome.stderr
    return outcome.stdout


def copy_sample(name: str, target: Path) -> Path:
    shutil.copytree(
        SAMPLES / name, target, ignore=shutil.ignore_patterns(".advisor_cache", "__pycache__")
    )
    return target


def git_init(folder: Path) -> None:
    subprocess.run(["git", "init", "-q", str(folder)], check=True, capture_output=True)


def data_block(html: str) -> Any:
    match = re.search(
        r'<script type="application/json" id="advisor-data">(.*?)</script>', html, re.S
    )
    assert match is not None
    return json.loads(match.group(1))


# ---- no machine paths ---------------------------------------------------------------------


@pytest.mark.parametrize("in_repository", [False, True], ids=["plain-folder", "git-subfolder"])
def test_no_report_embeds_the_machine_path(tmp_path: Path, in_repository: bool) -> None:
    checkout = tmp_path / "checkout of the machine"
    checkout.mkdir()
    if in_repository:
        git_init(checkout)
    project = copy_sample("bookshop", checkout / "web" / "bookshop")
    # An `advisor observe` record where the scan looks for it by default: its finding names
    # the record too.
    record = project / ".advisor" / "observed.json"
    record.parent.mkdir()
    record.write_text(json.dumps({"schema_version": "1.0", "views": {"gone.view": {}}}))
    assert "observed evidence from .advisor/observed.json" in scan(project, "json")
    for output_format in FORMATS:
        text = scan(project.resolve(), output_format)
        for machine_path in {str(tmp_path), str(tmp_path.resolve())}:
            assert machine_path not in text, f"{output_format} embeds {machine_path}"
        # Nor in its URL-escaped form (SARIF URIs, links).
        assert "checkout%20of%20the%20machine" not in text, output_format
    record.write_text("not a record")
    assert ".advisor/observed.json: cannot read the observed record" in scan(project, "json")
    assert str(tmp_path) not in scan(project, "json")
    data = json.loads(scan(project, "json"))
    assert data["project"]["name"] == "bookshop"
    assert data["project"]["in_repository"] is in_repository
    assert data["project"]["root"] == ("web/bookshop" if in_repository else ".")


def test_commands_in_the_reports_run_from_the_repository_root(tmp_path: Path) -> None:
    git_init(tmp_path)
    project = copy_sample("bookshop", tmp_path / "src" / "bookshop")
    markdown = scan(project, "markdown")
    command = "advisor rewrite src/bookshop --view shipping.views.shipping_quotes"
    assert command in markdown
    # The command works as printed, from the repository root.
    outcome = run_cli(*command.split()[1:], cwd=tmp_path)
    assert outcome.returncode == 0, outcome.stderr
    # The diff names files from the repository root too, so `git apply` works there.
    assert "+++ b/src/bookshop/shipping/views.py" in outcome.stdout


# ---- SARIF in a subfolder -----------------------------------------------------------------


def test_sarif_annotations_name_files_from_the_repository_root(tmp_path: Path) -> None:
    git_init(tmp_path)
    project = copy_sample("opsdesk", tmp_path / "services" / "opsdesk")
    log = json.loads(scan(project, "sarif"))
    run = log["runs"][0]
    assert run["originalUriBaseIds"]["PROJECTROOT"] == {
        "uri": "services/opsdesk/",
        "uriBaseId": "%SRCROOT%",
        "description": {"text": "The scanned Django project, in the repository."},
    }
    assert "uri" not in run["originalUriBaseIds"]["%SRCROOT%"]
    uris = [
        location["physicalLocation"]["artifactLocation"]["uri"]
        for result in run["results"]
        for location in result["locations"] + result.get("relatedLocations", [])
    ]
    assert len(uris) > 5
    for uri in uris:
        # Resolved the way code scanning resolves it: against the checkout's root.
        assert uri.startswith("services/opsdesk/"), uri
        assert (tmp_path / uri).is_file(), uri


def test_sarif_without_a_repository_is_relative_to_the_scanned_folder(tmp_path: Path) -> None:
    project = copy_sample("bookshop", tmp_path / "bookshop")
    run = json.loads(scan(project, "sarif"))["runs"][0]
    assert list(run["originalUriBaseIds"]) == ["%SRCROOT%"]
    assert "no git work tree" in run["originalUriBaseIds"]["%SRCROOT%"]["description"]["text"]
    uris = [
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]
    ]
    assert "pages/views.py" in uris
    for uri in uris:
        assert (project / uri).is_file()


# ---- the same totals in every report ------------------------------------------------------


class _Text(HTMLParser):
    """The text of the elements with a given id or class, for reading a report's numbers."""

    def __init__(self) -> None:
        super().__init__()
        self.chips: list[str] = []
        self.headline = ""
        self.released = ""
        self._in: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        classes = (values.get("class") or "").split()
        if "chip" in classes:
            self._in.append("chip")
            self.chips.append("")
        elif values.get("id") == "headline":
            self._in.append("headline")
        elif "count" in classes and not self.released:
            self._in.append("released")
        else:
            self._in.append("")

    def handle_endtag(self, tag: str) -> None:
        if self._in:
            self._in.pop()

    def handle_data(self, data: str) -> None:
        if "chip" in self._in:
            self.chips[-1] += data + " "
        elif "headline" in self._in:
            self.headline += data
        elif "released" in self._in:
            self.released += data


def expected_totals(data: Any) -> dict[str, Any]:
    routed = [v for v in data["views"] if v["routed"]]
    released = [v["score"]["overlap_ms"] for v in routed if v["score"]["overlap_ms"] > 0]
    strong = sorted(
        (v for v in routed if v["score"]["category"] == "strong candidate"),
        key=lambda v: (-v["score"]["value"], -v["score"]["overlap_ms"], v["id"]),
    )
    held = sum(v["score"]["capacity"]["sync_held_ms"] for v in routed)
    top = strong[:3]
    percent = 100 * sum(v["score"]["overlap_ms"] for v in top) / held
    return {
        "counts": dict(Counter(v["score"]["category"] for v in routed)),
        "unrouted": len(data["views"]) - len(routed),
        "released": f"{sum(released):,.0f} ms released across {len(released)} routed views",
        "headline": (
            f"Converting the top {len(top)} views frees {percent:.0f} % of worker time"
            + (
                f" (all {len(strong)} strong candidates: "
                f"{100 * sum(v['score']['overlap_ms'] for v in strong) / held:.0f} %)"
                if len(strong) > len(top)
                else ""
            )
            + f", counting one request to each of the {len(routed)} routed views."
        ),
    }


@pytest.mark.parametrize("name", ["bookshop", "opsdesk"])
def test_markdown_and_html_give_the_json_totals(name: str) -> None:
    project = SAMPLES / name
    data = json.loads(scan(project, "json"))
    expected = expected_totals(data)
    assert expected["headline"].startswith("Converting the top 3 views frees")

    page = _Text()
    page.feed(scan(project, "html"))
    html_counts = {}
    for chip in page.chips:
        number, label = chip.split(maxsplit=1)
        html_counts[label.strip()] = int(number)
    assert html_counts.pop("not routed", 0) == expected["unrouted"]
    assert html_counts == expected["counts"]
    assert " ".join(page.released.split()) == expected["released"]
    assert page.headline.strip() == expected["headline"]

    markdown = scan(project, "markdown")
    assert f"**{expected['headline']}**" in markdown
    assert f"{expected['released']} in all." in markdown
    rows = re.findall(r"^\| ([^|#]+?) \| (\d+) \|$", markdown, re.M)
    markdown_counts = {label: int(count) for label, count in rows}
    assert markdown_counts.pop("_not routed_", 0) == expected["unrouted"]
    assert markdown_counts == expected["counts"]


# ---- links --------------------------------------------------------------------------------


def test_link_template_makes_links_from_the_repository_root() -> None:
    template = "https://github.com/o/r/blob/main/{path}#L{line}"
    html = scan(SAMPLES / "opsdesk", "html", "--link-template", template)
    assert data_block(html)["link"] == template
    # Server-rendered locations (the not-routed list, framework routes, middleware) link too.
    links = re.findall(r'<a class="src" href="([^"]+)">([^<]+)</a>', html)
    assert links
    for href, text in links:
        path, line = text.rsplit(":", 1)
        assert href == f"https://github.com/o/r/blob/main/sample_projects/opsdesk/{path}#L{line}"
    assert '<a class="src"' not in scan(SAMPLES / "opsdesk", "html")


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("https://example.com/blob/main/", "needs {path}"),
        ("https://example.com/{path}#L{lineno}", "not {lineno}"),
        ("javascript:alert(1)//{path}", "not a script or data URL"),
    ],
)
def test_a_bad_link_template_is_one_line_and_exit_2(template: str, message: str) -> None:
    outcome = run_cli("scan", str(SAMPLES / "bookshop"), "--link-template", template)
    assert outcome.returncode == 2
    assert outcome.stdout == ""
    assert outcome.stderr.count("\n") == 1 and message in outcome.stderr


# ---- the Rewrite-it advice is the rewrite's own answer ------------------------------------


def test_rewrite_advice_matches_what_the_rewrite_does() -> None:
    project = SAMPLES / "opsdesk"
    advice = {
        view["id"]: view["rewrite"]
        for view in data_block(scan(project, "html"))["views"]
        if "command" in view
    }
    categories = {"strong candidate", "candidate (needs work)", "async but blocking"}
    data = json.loads(scan(project, "json"))
    offered = {
        v["id"] for v in data["views"] if v["routed"] and v["score"]["category"] in categories
    }
    # Async views that block get a command too: the rewrite fixes them.
    assert any(
        v["score"]["category"] == "async but blocking" for v in data["views"] if v["id"] in advice
    )
    assert set(advice) == offered
    outcome = run_cli(
        "rewrite",
        str(project),
        *[a for c in sorted(categories) for a in ("--category", c)],
        "--format",
        "json",
    )
    assert outcome.returncode == 0, outcome.stderr
    actual = {o["view"]: o for o in json.loads(outcome.stdout)["outcomes"]}
    assert set(actual) == offered
    for view_id, said in advice.items():
        assert said["status"] == actual[view_id]["outcome"], view_id
        assert said.get("reason", "") == actual[view_id]["reason"], view_id
    # Both kinds occur in this project, so the comparison covers both.
    assert {a["status"] for a in advice.values()} == {"changed", "skipped"}
