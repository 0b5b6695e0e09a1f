"""The Markdown summary (for a PR comment): the top candidate is listed first with its
reason, counts per category match the scan, blockers and the readiness problems are named,
and scanned text cannot inject markup."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_projects"
XSS_PROJECT = Path(__file__).resolve().parent / "fixtures" / "xss_project"


def run_cli(*args: str) -> str:
    outcome = subprocess.run(
        [sys.executable, "-m", "advisor", *args], capture_output=True, text=True, check=False
    )
    assert outcome.returncode == 0, outcome.stderr
    return outcome.stdout


def markdown(project: Path) -> str:
    return run_cli("scan", str(project), "--format", "markdown", "--no-cache")


def scan_json(project: Path) -> Any:
    return json.loads(run_cli("scan", str(project), "--format", "json", "--no-cache"))


def table_rows(text: str, header: str) -> list[list[str]]:
    """The cells of the Markdown table that starts with `header`."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        cells = re.split(r"(?<!\\)\|", line.strip().strip("|"))
        rows.append([cell.strip() for cell in cells])
    return rows


def test_bookshop_summary_lists_the_top_candidates_first() -> None:
    text = markdown(SAMPLES / "bookshop")
    assert text.startswith("### django-async-advisor: bookshop")
    assert "3 views worth converting to async" in text
    rows = table_rows(text, "| # | View |")
    # Strong candidates by score, then by time released; then the one that needs work.
    assert [row[1] for row in rows] == [
        "`shipping.views.shipping_quotes`",
        "`shipping.views.track_parcel`",
        "`catalog.views.recommendations`",
        "`orders.views.checkout`",
    ]
    top = rows[0]
    assert top[3] == "strong candidate"
    assert top[4] == "100"
    assert top[5] == "450 ms"  # released per request
    assert top[6] == "8.8→35 x4.0"  # req/s per worker, sync → async, and the gain
    assert "awaitable wait" in top[7]
    assert rows[3][3] == "candidate (needs work)"
    assert "blocker: transaction.atomic" in rows[3][7]
    # Commands name the project from the repository root, never by this machine's path.
    assert "advisor rewrite sample_projects/bookshop --view shipping.views.shipping_quotes" in text
    assert "(run from the repository root)" in text
    assert '--category "strong candidate"' in text


def test_bookshop_fix_first_and_readiness() -> None:
    text = markdown(SAMPLES / "bookshop")
    assert "Fix first: 1 async view blocks the event loop" in text
    assert "- `pages.views.upstream_status`:" in text
    # The rewrite fixes async views that block: the summary gives its command.
    assert 'advisor rewrite sample_projects/bookshop --category "async but blocking"' in text
    readiness = next(line for line in text.splitlines() if line.startswith("**Readiness:**"))
    assert "✅ Django: 5.2" in readiness
    assert "✅ ASGI entry point: bookshop/asgi.py" in readiness
    assert "⚠️ ASGI server: none in the dependencies" in readiness
    assert "all async-capable" in readiness


def test_counts_per_category_match_the_scan() -> None:
    for name in ("bookshop", "opsdesk"):
        data = scan_json(SAMPLES / name)
        text = markdown(SAMPLES / name)
        expected = Counter(v["score"]["category"] for v in data["views"] if v["routed"])
        rows = table_rows(text, "| Category | Routed views |")
        counts = {row[0]: int(row[1]) for row in rows}
        unrouted = sum(1 for v in data["views"] if not v["routed"])
        assert counts.pop("_not routed_", 0) == unrouted
        assert counts == dict(expected)


def test_opsdesk_names_its_blockers_and_readiness_problems() -> None:
    text = markdown(SAMPLES / "opsdesk")
    assert "❌ Middleware: 1 of 9 sync-only: core.middleware.RequestTimingMiddleware" in text
    assert "⚠️ Django REST framework: used, without adrf" in text
    blockers = text.split("#### Blockers", 1)[1]
    assert "**drf** (3 views:" in blockers
    assert "`deploys.views.trigger_deploy`" in blockers
    assert "_Fix:_" in blockers
    rows = table_rows(text, "| # | View |")
    assert rows[0][1] == "`services.views.health_overview`"
    # A route with a regex keeps its pipes and brackets inside the code span.
    assert "`/services/<slug:slug>/status/`" in text


def test_scanned_text_cannot_inject_markup() -> None:
    text = markdown(XSS_PROJECT)
    # Outside code spans, nothing that GitHub would read as an HTML tag.
    outside = re.sub(r"(`+).*?\1", "", text)
    outside = outside.replace("<sub>", "").replace("</sub>", "")
    assert "<" not in outside, outside
    # Inside code spans the text is kept as is, for the reader.
    assert "`/<script>alert\\(1\\)</script>/`" in text
    # Table rows keep their column count whatever the text contains.
    for row in table_rows(text, "| # | View |"):
        assert len(row) == 8
