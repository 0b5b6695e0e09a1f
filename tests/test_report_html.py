"""The HTML report end to end: generated through the real CLI for both sample projects and
opened from disk in Debian's Chromium (Playwright). Checks what a reader does with it (sort,
filter, search, page, open a view's evidence), that it stays offline and quiet, that scanned
text never runs as script, and that 2,000 views stay usable. Screenshots land in
test-artifacts/ for a human to look at."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from advisor.model import (
    CATEGORY_ORDER,
    Blocker,
    Capacity,
    Category,
    ChainLink,
    Confidence,
    Effect,
    EffectKind,
    Location,
    MiddlewareInfo,
    ProjectFacts,
    Route,
    ScanResult,
    ScanStats,
    Score,
    UnknownCall,
    View,
    ViewKind,
)
from advisor.reporters import reporters

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_projects"
XSS_PROJECT = Path(__file__).resolve().parent / "fixtures" / "xss_project"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SIZE_BUDGET = 500_000  # bytes for a sample project: "a few hundred KB at most"

browser_test = pytest.mark.browser
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian chromium is not installed at /usr/bin/chromium"
)


def run_cli(*args: str) -> str:
    """The real `advisor` command in its own process, as a user runs it."""
    outcome = subprocess.run(
        [sys.executable, "-m", "advisor", *args], capture_output=True, text=True, check=False
    )
    assert outcome.returncode == 0, outcome.stderr
    return outcome.stdout


def generate_report(project: Path, target: Path) -> Path:
    run_cli("scan", str(project), "--format", "html", "--output", str(target), "--no-cache")
    return target


def scan_json(project: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        run_cli("scan", str(project), "--format", "json", "--no-cache")
    )
    return data


def strong_first(data: dict[str, Any]) -> list[str]:
    """The order the Convert first panel must show: strong candidates by score, then by
    time released."""
    strong = [
        v
        for v in data["views"]
        if v["routed"] and v["score"] and v["score"]["category"] == "strong candidate"
    ]
    strong.sort(key=lambda v: (-v["score"]["value"], -v["score"]["overlap_ms"], v["id"]))
    return [v["id"] for v in strong]


# ---- a page under watch -------------------------------------------------------------------


@dataclass
class Watched:
    """A page with everything that must not happen recorded: console errors, uncaught
    exceptions, dialogs (alert), and any request other than the report file itself."""

    page: Any
    url: str
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)

    def assert_clean(self) -> None:
        assert self.errors == []
        assert self.dialogs == []
        assert self.blocked == []
        assert set(self.requests) <= {self.url}

    def rows(self) -> list[dict[str, str]]:
        rows: list[dict[str, str]] = self.page.eval_on_selector_all(
            "#view-table tbody tr[data-view-id]",
            """rows => rows.map(r => ({
                id: r.getAttribute('data-view-id'),
                category: r.cells[3].innerText.trim(),
                score: r.cells[4].innerText.trim(),
                route: r.cells[2].innerText.trim(),
            }))""",
        )
        return rows

    def wait_rows(self, count: int) -> None:
        self.page.wait_for_function(
            "n => document.querySelectorAll('#view-table tbody tr[data-view-id]').length === n",
            arg=count,
        )


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def open_report(chromium: Any) -> Iterator[Any]:
    contexts: list[Any] = []

    def opener(path: Path, width: int = 1400, height: int = 900) -> Watched:
        context = chromium.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        page = context.new_page()
        url = path.resolve().as_uri()
        watched = Watched(page, url)

        def guard(route: Any) -> None:
            if route.request.url.split("#", 1)[0] == url:
                route.continue_()
            else:
                watched.blocked.append(route.request.url)
                route.abort()

        context.route("**/*", guard)
        page.on("request", lambda request: watched.requests.append(request.url.split("#")[0]))
        page.on(
            "console",
            lambda message: (
                watched.errors.append(message.text)
                if message.type in ("error", "warning")
                else None
            ),
        )
        page.on("pageerror", lambda error: watched.errors.append(str(error)))

        def on_dialog(dialog: Any) -> None:
            watched.dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)
        page.goto(url)
        page.wait_for_selector("html[data-ready='true']", state="attached")
        return watched

    yield opener
    for context in contexts:
        context.close()


# ---- sample projects ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["bookshop", "opsdesk"])
def test_report_is_small_and_self_contained(name: str, tmp_path: Path) -> None:
    report = generate_report(SAMPLES / name, tmp_path / f"{name}.html")
    html = report.read_text(encoding="utf-8")
    size = len(html.encode("utf-8"))
    print(f"HTML report for {name}: {size:,} bytes")
    assert size < SIZE_BUDGET
    assert html.count("<script") == 2  # the JSON data block and the page's own script
    # Nothing the page itself loads from elsewhere (the data block is text, not a resource).
    data_start = html.index('<script type="application/json"')
    page = html[:data_start].replace('xmlns="http://www.w3.org/2000/svg"', "")
    page += html[html.index("</script>", data_start) :]
    for external in ("http://", "https://", "//cdn", "@import", "url(", "src=", "<link"):
        assert external not in page
    assert "Content-Security-Policy" in html


@browser_test
@needs_chromium
@pytest.mark.parametrize(
    ("name", "view_id", "evidence"),
    [
        ("bookshop", "shipping.views.shipping_quotes", ["requests.get", "shipping/views.py:"]),
        ("opsdesk", "services.views.health_overview", ["services/views.py:"]),
    ],
)
def test_report_in_the_browser(
    name: str, view_id: str, evidence: list[str], tmp_path: Path, open_report: Any
) -> None:
    data = scan_json(SAMPLES / name)
    report = generate_report(SAMPLES / name, tmp_path / f"{name}.html")
    watched = open_report(report)
    page = watched.page
    views = data["views"]

    # The three views to convert first are at the top, in order, inside the first screen.
    expected_picks = strong_first(data)[:3]
    picks = page.eval_on_selector_all("#convert-first li.pick", "e => e.map(x => x.dataset.pick)")
    assert picks == expected_picks
    box = page.locator("#convert-first").bounding_box()
    assert box is not None and box["y"] + box["height"] < 900
    for pick in expected_picks:
        assert f"--view {pick}" in page.locator(f"li.pick[data-pick='{pick}']").inner_text()
    assert "advisor rewrite" in page.locator("#convert-first").inner_text()
    assert '--category "strong candidate"' in page.locator("#convert-first").inner_text()

    # Every view is in the table (one page), not-routed ones included.
    watched.wait_rows(len(views))
    assert {row["id"] for row in watched.rows()} == {v["id"] for v in views}
    page.screenshot(path=str(ARTIFACTS / f"report-{name}.png"), full_page=True)
    page.screenshot(path=str(ARTIFACTS / f"report-{name}-first-screen.png"))

    # Sort by score: high to low on the first click, low to high on the second.
    page.click("#view-table th[data-sort='score'] button")
    scores = [int(row["score"]) for row in watched.rows()]
    assert scores == sorted(scores, reverse=True)
    assert page.get_attribute("#view-table th[data-sort='score']", "aria-sort") == "descending"
    page.click("#view-table th[data-sort='score'] button")
    scores = [int(row["score"]) for row in watched.rows()]
    assert scores == sorted(scores)

    # Sort by a text column: the view id, A to Z then Z to A.
    page.click("#view-table th[data-sort='id'] button")
    ids = [row["id"] for row in watched.rows()]
    assert ids == sorted(ids, key=str.casefold)
    page.click("#view-table th[data-sort='id'] button")
    assert [row["id"] for row in watched.rows()] == sorted(ids, key=str.casefold, reverse=True)

    # Filter by category.
    strong = [v["id"] for v in views if v["score"]["category"] == "strong candidate"]
    page.select_option("#filter-category", "strong candidate")
    watched.wait_rows(len(strong))
    assert {row["id"] for row in watched.rows()} == set(strong)
    assert {row["category"] for row in watched.rows()} == {"strong candidate"}
    page.select_option("#filter-category", "")

    # Filter by app.
    app = view_id.split(".")[0]
    in_app = [v["id"] for v in views if v["id"].split(".")[0] == app]
    page.select_option("#filter-app", app)
    watched.wait_rows(len(in_app))
    assert {row["id"] for row in watched.rows()} == set(in_app)
    page.select_option("#filter-app", "")
    watched.wait_rows(len(views))

    # Search by text: a part of the view name, then something nothing matches.
    page.fill("#filter-text", view_id.rsplit(".", 1)[-1])
    watched.wait_rows(1)
    assert watched.rows()[0]["id"] == view_id
    page.fill("#filter-text", "no-such-view-anywhere")
    watched.wait_rows(0)
    assert "No view matches" in page.locator("#view-table tbody").inner_text()
    page.click("#filter-clear")
    watched.wait_rows(len(views))

    # Category chips filter too.
    page.click("button.chip[data-filter-category='strong candidate']")
    watched.wait_rows(len(strong))
    page.click("#filter-clear")
    watched.wait_rows(len(views))

    # Clicking a row opens the view's evidence.
    page.click(f"#view-table tr[data-view-id='{view_id}']")
    page.wait_for_selector("#detail[open]")
    detail = page.locator("#detail").inner_text()
    assert view_id in detail
    for text in evidence:
        assert text in detail
    view = next(v for v in views if v["id"] == view_id)
    assert len(view["effects"]) > 0
    assert page.locator("#detail tr.effect").count() == len(view["effects"])
    for effect in view["effects"]:
        assert effect["call"] in detail
        assert f"{effect['location']['path']}:{effect['location']['line']}" in detail
    assert f"advisor rewrite {data['project']['root']} --view {view_id}" in detail
    # The open view is in the URL, with the sort still applied (Z to A by id, from above).
    assert page.evaluate("location.hash") == f"#sort=id&dir=-1&view={view_id}"
    page.screenshot(path=str(ARTIFACTS / f"report-{name}-detail.png"))
    page.keyboard.press("Escape")
    page.wait_for_selector("#detail:not([open])", state="attached")

    # A "Convert first" pick opens its view too.
    page.click(f"li.pick[data-pick='{expected_picks[0]}'] button.view-id")
    page.wait_for_selector("#detail[open]")
    assert expected_picks[0] in page.locator("#detail-title").inner_text()
    page.click("#detail-close")

    # Lists that must be shown, never hidden.
    assert page.locator("#framework-routes").is_visible()
    for route in data["framework_routes"]:
        assert route["target"] in page.locator("#framework-routes").inner_text()
    unrouted = [v["id"] for v in views if not v["routed"]]
    for unrouted_id in unrouted:
        assert unrouted_id in page.locator("#not-routed").inner_text()
    for section in ("#findings", "#parse-errors", "#unknown-calls", "#readiness"):
        assert page.locator(section).is_visible()

    watched.assert_clean()


@browser_test
@needs_chromium
def test_sync_only_middleware_is_highlighted(tmp_path: Path, open_report: Any) -> None:
    report = generate_report(SAMPLES / "opsdesk", tmp_path / "opsdesk.html")
    watched = open_report(report)
    flagged = watched.page.locator("#readiness li.sync-only")
    assert flagged.count() == 1
    assert "core.middleware.RequestTimingMiddleware" in flagged.inner_text()
    assert flagged.is_visible()
    readiness = watched.page.locator("#readiness").inner_text()
    assert "without adrf" in readiness
    assert "opsdesk/asgi.py" in readiness
    watched.assert_clean()


# ---- hostile input ------------------------------------------------------------------------


PAYLOAD = "<script>alert(1)</script>"


@browser_test
@needs_chromium
def test_scanned_text_never_runs_as_script(tmp_path: Path, open_report: Any) -> None:
    report = generate_report(XSS_PROJECT, tmp_path / "xss.html")
    html = report.read_text(encoding="utf-8")
    # Statically: the only script elements are the report's own two.
    assert html.count("<script") == 2
    assert PAYLOAD not in html
    assert "<img src=x" not in html
    assert "<svg onload" not in html

    watched = open_report(report)
    page = watched.page
    assert page.evaluate("document.querySelectorAll('script').length") == 2
    assert page.evaluate("document.querySelectorAll('img, iframe, object, embed').length") == 0

    # The hostile text is there, as text: routes, middleware, settings, findings.
    body = page.locator("body").inner_text()
    assert "evil.middleware.<script>alert(1)</script>Middleware" in body
    assert "</script><script>window.__xss=1</script>" in body  # CONN_MAX_AGE, engine, include
    table = page.locator("#view-table").inner_text()
    assert "/<script>alert\\(1\\)</script>/" in table
    assert "/poll/</script><svg onload=window.__xss=1>/" in table

    # Open every view's detail so all of its data is rendered into the page.
    for view_id in page.eval_on_selector_all(
        "#view-table tbody tr[data-view-id]", "rows => rows.map(r => r.dataset.viewId)"
    ):
        page.click(f"#view-table tr[data-view-id='{view_id}']")
        page.wait_for_selector("#detail[open]")
        page.click("#detail-close")
    page.click("#view-table tr[data-view-id='evil.views.script_alert']")
    detail = page.locator("#detail").inner_text()
    assert "name=<script>alert(1)</script>" in detail
    page.click("#detail-close")
    page.click("#view-table tr[data-view-id='evil.views.quotes']")
    assert (
        "name=\"'></script><script>window.__xss=1</script>" in page.locator("#detail").inner_text()
    )

    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.evaluate("document.querySelectorAll('script').length") == 2
    page.screenshot(path=str(ARTIFACTS / "report-xss.png"), full_page=True)
    watched.assert_clean()


# ---- 2,000 views --------------------------------------------------------------------------


def _synthetic_result(view_count: int = 2000) -> ScanResult:
    """A large project built straight from the model: 40 apps, every category, effects with
    call chains, blockers and unknown calls."""
    categories = [c for c in CATEGORY_ORDER]
    views = []
    for number in range(view_count):
        app = f"app{number % 40:02d}"
        category = categories[number % len(categories)]
        module = f"{app}.views"
        path = f"{app}/views.py"
        line = 10 + (number // 40) * 12
        effects = tuple(
            Effect(
                kind=EffectKind.HTTP if hop % 2 == 0 else EffectKind.DB,
                call="requests.get" if hop % 2 == 0 else "django.db.models.QuerySet.get",
                location=Location(f"{app}/services.py", 20 + hop, 8, 20 + hop, 40),
                chain=(
                    ChainLink(f"{module}.view_{number:04d}", Location(path, line + 2, 4)),
                    ChainLink(
                        f"{app}.services.fetch_{hop}", Location(f"{app}/services.py", 20 + hop, 8)
                    ),
                ),
                detail="requests.get blocks the worker"
                if hop % 2 == 0
                else "QuerySet.get() runs a query",
                latency_class="external_http" if hop % 2 == 0 else "db_query",
                estimated_ms=150.0 if hop % 2 == 0 else 4.0,
                confidence=Confidence.EXACT,
                async_alternative="httpx.AsyncClient.get" if hop % 2 == 0 else "QuerySet.aget",
                alternative_since=None if hop % 2 == 0 else "4.1",
            )
            for hop in range(3)
        )
        blockers = (
            (
                Blocker(
                    "transaction",
                    "transaction.atomic cannot be entered from async code",
                    "move the block into a sync function",
                    location=Location(path, line + 3, 8),
                ),
            )
            if category is Category.NEEDS_WORK
            else ()
        )
        overlap = 0.0 if category in (Category.LITTLE, Category.KEEP_SYNC) else 50.0 + number % 900
        views.append(
            View(
                id=f"{module}.view_{number:04d}",
                location=Location(path, line),
                kind=ViewKind.FUNCTION,
                routes=(
                    Route(
                        f"{app}/items/<int:pk>/v{number}/",
                        f"{app}:v{number}",
                        Location(f"{app}/urls.py", 5 + number % 40, 4),
                    ),
                ),
                is_async=category in (Category.ALREADY_ASYNC, Category.ASYNC_BLOCKING),
                routed=number % 97 != 0,
                effects=effects,
                unknown_calls=(
                    UnknownCall("getattr(…)", Location(path, line + 5, 4), "getattr() dispatch"),
                )
                if number % 10 == 0
                else (),
                score=Score(
                    value=(number * 7) % 101,
                    category=category,
                    estimated_io_ms=308.0,
                    estimated_cpu_ms=1.0,
                    overlap_ms=overlap,
                    thread_ms=8.0,
                    blocking_ms=308.0,
                    predicted_sync_ms=309.0,
                    predicted_async_ms=309.0,
                    predicted_gathered_ms=309.0,
                    blockers=blockers,
                    reasons=(
                        f"{number % 5 + 1} awaitable wait(s) (http) ≈ {overlap:.0f} ms released",
                        "4 DB queries stay in a thread even when async",
                    ),
                    capacity=Capacity(
                        4,
                        16,
                        150.0,
                        311.0,
                        7.0,
                        8.0,
                        11.0,
                        14.0,
                        12.9,
                        51.4,
                        51.4,
                        4.0,
                        4.0,
                        "threads",
                        "concurrency",
                    ),
                ),
            )
        )
    project = ProjectFacts(
        root="/srv/big project",
        settings_module="big.settings",
        root_urlconf="big.urls",
        django_version="5.2",
        django_version_source="requirements.txt",
        asgi_application="big.asgi.application",
        asgi_entry_points=("big/asgi.py",),
        asgi_servers=("uvicorn",),
        middleware=(MiddlewareInfo("django.middleware.common.CommonMiddleware", "hybrid", ""),),
        database_engines=("django.db.backends.postgresql",),
        conn_max_age="60",
        atomic_requests=False,
        uses_drf=False,
        uses_adrf=False,
    )
    return ScanResult(
        tool_version="0.1.0",
        project=project,
        views=tuple(views),
        findings=(),
        parse_errors=(),
        stats=ScanStats(files=4000, lines=400_000, functions=20_000, classes=5000),
        timings={"total": 12.0},
    )


def render_html_text(result: ScanResult) -> str:
    # Through the registry, as the CLI finds it.
    return reporters()["html"](result)


def test_large_report_renders_within_budget() -> None:
    started = time.perf_counter()
    html = render_html_text(_synthetic_result())
    elapsed = time.perf_counter() - started
    size = len(html.encode("utf-8"))
    print(f"HTML report for 2,000 synthetic views: {size:,} bytes, rendered in {elapsed:.2f} s")
    assert elapsed < 10
    assert size < 6_000_000


@browser_test
@needs_chromium
def test_large_report_stays_usable(tmp_path: Path, open_report: Any) -> None:
    result = _synthetic_result()
    report = tmp_path / "big.html"
    report.write_text(render_html_text(result), encoding="utf-8")
    started = time.perf_counter()
    watched = open_report(report)
    load_seconds = time.perf_counter() - started
    page = watched.page
    print(f"2,000-view report ready in the browser in {load_seconds:.2f} s")
    assert load_seconds < 10

    # One page of rows, not 2,000 DOM rows.
    watched.wait_rows(50)
    status = page.locator("#page-status").inner_text()
    assert "1\u201350 of 2,000 views" in status
    first_page = [row["id"] for row in watched.rows()]

    page.click("#page-next")
    assert "51\u2013100 of 2,000" in page.locator("#page-status").inner_text()
    assert set(row["id"] for row in watched.rows()).isdisjoint(first_page)
    page.click("#page-last")
    assert "1,951\u20132,000 of 2,000" in page.locator("#page-status").inner_text()
    assert page.is_disabled("#page-next")

    page.select_option("#page-size", "250")
    watched.wait_rows(250)

    # Filtering and search answer quickly and reset to the first page.
    started = time.perf_counter()
    page.select_option("#filter-category", "candidate (needs work)")
    expected = sum(1 for v in result.views if v.score and v.score.category is Category.NEEDS_WORK)
    watched.wait_rows(min(250, expected))
    assert f"of {expected:,} views" in page.locator("#page-status").inner_text()
    page.select_option("#filter-app", "app07")
    in_both = sum(
        1
        for v in result.views
        if v.app == "app07" and v.score and v.score.category is Category.NEEDS_WORK
    )
    watched.wait_rows(in_both)
    page.click("#filter-clear")
    page.fill("#filter-text", "view_1234")
    watched.wait_rows(1)
    filter_seconds = time.perf_counter() - started
    print(f"filter, app filter and search on 2,000 views: {filter_seconds:.2f} s")
    assert filter_seconds < 5

    page.click("#view-table tr[data-view-id='app34.views.view_1234']")
    page.wait_for_selector("#detail[open]")
    assert page.locator("#detail tr.effect").count() == 3
    page.click("#detail-close")

    page.click("#filter-clear")
    page.click("#view-table th[data-sort='released'] button")
    released = [v.score.overlap_ms for v in result.views if v.score]
    assert watched.rows()[0]["id"] in {
        v.id for v in result.views if v.score and v.score.overlap_ms == max(released)
    }
    page.screenshot(path=str(ARTIFACTS / "report-2000-views.png"))
    watched.assert_clean()


# ---- any screen: 1400 px and a 390 px phone -----------------------------------------------

LINK_TEMPLATE = "https://github.com/o/r/blob/main/{path}#L{line}"


def _no_sideways_scroll(page: Any, selector: str = "html") -> None:
    widths = page.eval_on_selector(selector, "e => [e.scrollWidth, e.clientWidth]")
    assert widths[0] <= widths[1], f"{selector} scrolls sideways: {widths}"


def _linked(location: str) -> str:
    path, line = location.rsplit(":", 1)
    return LINK_TEMPLATE.format(path=f"sample_projects/opsdesk/{path}", line=line)


@browser_test
@needs_chromium
@pytest.mark.parametrize(("width", "height"), [(1400, 900), (390, 844)])
def test_report_on_any_screen(width: int, height: int, tmp_path: Path, open_report: Any) -> None:
    project = SAMPLES / "opsdesk"
    data = scan_json(project)
    report = tmp_path / "opsdesk.html"
    run_cli(
        "scan",
        str(project),
        "--format",
        "html",
        "-o",
        str(report),
        "--no-cache",
        "--link-template",
        LINK_TEMPLATE,
    )
    watched = open_report(report, width=width, height=height)
    page = watched.page
    views = data["views"]
    watched.wait_rows(len(views))
    _no_sideways_scroll(page)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    # The sentence on top, the chart's legend and axis.
    assert page.locator("#headline").inner_text().startswith("Converting the top 3 views frees")
    assert page.locator("#headline").is_visible()
    legend = page.locator(".chart .legend").inner_text()
    assert "strong candidate" in legend
    ticks = page.eval_on_selector_all(".chart .axis .tick", "ts => ts.map(t => t.textContent)")
    assert len(ticks) == 5 and ticks[0] == "0 ms" and ticks[-1].endswith(" ms")
    assert "time released per request" in page.locator(".chart .axis-title").inner_text()
    page.screenshot(path=str(ARTIFACTS / f"report-opsdesk-{width}.png"), full_page=True)

    # Filters, search and sort go into the URL; a reload shows the same view of the table.
    app = "services"
    page.select_option("#filter-category", "strong candidate")
    page.select_option("#filter-app", app)
    expected = {
        v["id"]
        for v in views
        if v["score"]["category"] == "strong candidate" and v["id"].split(".")[0] == app
    }
    watched.wait_rows(len(expected))
    if width > 640:
        page.click("#view-table th[data-sort='score'] button")
    else:
        # The column headers are hidden on a phone; the Sort by control stands in for them.
        assert not page.locator("#view-table thead").is_visible()
        page.select_option("#sort-by", "score:-1")
    assert page.input_value("#sort-by") == "score:-1"
    assert "sort=score&dir=-1" in page.evaluate("location.hash")
    hash_text = page.evaluate("location.hash")
    assert "category=strong+candidate" in hash_text and f"app={app}" in hash_text
    shown = [row["id"] for row in watched.rows()]
    assert set(shown) == expected
    page.reload()
    page.wait_for_selector("html[data-ready='true']", state="attached")
    watched.wait_rows(len(expected))
    assert [row["id"] for row in watched.rows()] == shown
    assert page.input_value("#filter-category") == "strong candidate"
    assert page.input_value("#filter-app") == app
    page.fill("#filter-text", "health")
    watched.wait_rows(1)
    assert "q=health" in page.evaluate("location.hash")
    # An in-page jump (the "not routed" chip) keeps the table as it is.
    page.click("a.chip[href='#not-routed']")
    page.wait_for_function("location.hash === '#not-routed'")
    watched.wait_rows(1)
    assert page.input_value("#filter-app") == app
    page.go_back()
    page.wait_for_function("location.hash.indexOf('q=health') >= 0")
    page.reload()
    page.wait_for_selector("html[data-ready='true']", state="attached")
    watched.wait_rows(1)
    assert page.input_value("#filter-text") == "health"

    # The detail dialog fits the screen, and shows the code with the evidence marked.
    view_id = "services.views.health_overview"
    page.click(f"#view-table tr[data-view-id='{view_id}']")
    page.wait_for_selector("#detail[open]")
    box = page.locator("#detail").bounding_box()
    assert box is not None
    assert box["x"] >= 0 and box["y"] >= 0
    assert box["x"] + box["width"] <= width and box["y"] + box["height"] <= height
    _no_sideways_scroll(page, "#detail")
    _no_sideways_scroll(page)
    view = next(v for v in views if v["id"] == view_id)
    hits = page.eval_on_selector_all(
        "#detail .excerpt .line.hit",
        "ls => ls.map(l => [l.closest('figure').querySelector('figcaption').textContent,"
        " Number(l.dataset.line), l.textContent])",
    )
    for effect in view["effects"]:
        where = effect["location"]
        line_text = [
            text
            for caption, line, text in hits
            if caption.startswith(where["path"] + ":") and line == where["line"]
        ]
        assert line_text, f"no highlighted line for {effect['call']} at {where}"
        assert effect["call"].rsplit(".", 1)[-1] in line_text[0]
    assert any(line == view["location"]["line"] for _, line, _ in hits)
    if width < 640:
        for pre in page.locator("#detail .excerpt pre").all():
            widths = pre.evaluate("e => [e.scrollWidth, e.clientWidth]")
            assert widths[0] <= widths[1]  # code wraps on a phone instead of scrolling
    # Every file:line is a link made from the template, from the repository root.
    links = page.eval_on_selector_all(
        "#detail a.src", "as => as.map(a => [a.textContent, a.getAttribute('href')])"
    )
    assert len(links) >= len(view["effects"]) + 1
    for text, href in links:
        assert href == _linked(text)
    # The rewrite's own answer, and its command.
    rewrite = page.locator("#detail").inner_text()
    assert "advisor rewrite converts this view" in rewrite
    assert f"advisor rewrite sample_projects/opsdesk --view {view_id}" in rewrite
    page.screenshot(path=str(ARTIFACTS / f"report-opsdesk-{width}-detail.png"))

    # The open view is part of the URL too: a reload opens it again, over the same filters.
    page.reload()
    page.wait_for_selector("#detail[open]")
    assert view_id in page.locator("#detail-title").inner_text()
    assert page.input_value("#filter-text") == "health"
    page.keyboard.press("Escape")
    page.wait_for_selector("#detail:not([open])", state="attached")
    assert "view=" not in page.evaluate("location.hash")

    # A view the rewrite skips says so, with the rewrite's reason.
    page.click("#filter-clear")
    skipped = "incidents.views.export_incident_log"
    page.click(f"#view-table tr[data-view-id='{skipped}']")
    page.wait_for_selector("#detail[open]")
    detail = page.locator("#detail").inner_text()
    assert "advisor rewrite skips this view today:" in detail
    assert "reads response.streaming_content synchronously" in detail
    watched.assert_clean()
