"""`advisor scan --traffic FILE` (issue 17, item 5): a CSV of requests per minute or a real
access log weighs each view by how often it is hit; the report shows the worker time each
view would free per minute and ranks "Convert first" by it."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from advisor.cli import main
from advisor.traffic import route_regex


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, [*args])
    return result.exit_code, result.stdout, result.stderr


def scan_views(project: Path, traffic: Path) -> dict[str, dict[str, object]]:
    code, out, err = run(
        "scan", str(project), "--format", "json", "--no-cache", "--traffic", str(traffic)
    )
    assert code == 0, err
    return {view["id"]: view for view in json.loads(out)["views"]}


def test_a_csv_of_routes_names_and_views_weighs_each_view(
    sample_projects: Path, tmp_path: Path
) -> None:
    traffic = tmp_path / "traffic.csv"
    traffic.write_text(
        "route,requests_per_minute\n"
        "/shipping/quotes/,120\n"  # a route as written in the URLconf
        "catalog.views.recommendations,600\n"  # a view id
        "catalog:book-list,900\n"  # a URL name
        "/shipping/track/AB-123/,20\n"  # a request path, through <str:tracking_number>
        "shipping/track/<str:tracking_number>/,10\n",
        encoding="utf-8",
    )
    views = scan_views(sample_projects / "bookshop", traffic)
    quotes = views["shipping.views.shipping_quotes"]["traffic"]
    assert quotes == {
        "requests_per_minute": 120.0,
        "freed_ms_per_minute": 120 * 450.0,  # 450 ms released per request
        "source": "csv",
    }
    assert views["shipping.views.track_parcel"]["traffic"]["requests_per_minute"] == 30.0
    assert views["catalog.views.book_list"]["traffic"]["freed_ms_per_minute"] == 0.0
    assert views["orders.views.checkout"]["traffic"] is None


def test_convert_first_is_ordered_by_worker_time_freed(
    sample_projects: Path, tmp_path: Path
) -> None:
    traffic = tmp_path / "traffic.csv"
    # recommendations releases a third of what shipping_quotes does, but is hit 20 times as
    # often: it frees more worker time and comes first.
    traffic.write_text(
        "shipping.views.shipping_quotes,30\ncatalog.views.recommendations,600\n",
        encoding="utf-8",
    )
    code, out, _ = run("scan", str(sample_projects / "bookshop"), "--no-cache",
                       "--traffic", str(traffic))  # fmt: skip
    assert code == 0
    section = out[out.index("Convert first, by worker time freed per minute") :]
    first = section.index("catalog.views.recommendations")
    second = section.index("shipping.views.shipping_quotes")
    assert first < second
    # Each view's figures follow its id, before the next view.
    assert "90.0 s/min" in section[first:second]
    assert "600.0 req/min x 150 ms" in section[first:second]
    html = tmp_path / "report.html"
    code, _, _ = run("scan", str(sample_projects / "bookshop"), "--no-cache", "--traffic",
                     str(traffic), "--html", str(html), "--format", "json")  # fmt: skip
    assert code == 0
    picks = html.read_text(encoding="utf-8").split('id="convert-first"', 1)[1]
    first = picks.index('data-pick="catalog.views.recommendations"')
    assert first < picks.index('data-pick="shipping.views.shipping_quotes"')
    assert "90.0 s of worker time freed per minute at 600.0 requests/min" in picks


NGINX_LOG = """\
10.0.0.7 - - [01/Dec/2026:10:00:00 +0000] "GET /services/health/ HTTP/1.1" 200 512 "-" "curl/8.5"
10.0.0.7 - - [01/Dec/2026:10:00:10 +0000] "GET /services/health/?verbose=1 HTTP/1.1" 200 1024 "-" "curl/8.5"
10.0.0.8 - - [01/Dec/2026:10:00:20 +0000] "GET /services/checkout/status/ HTTP/1.1" 200 88 "https://ops.example/" "Mozilla/5.0"
10.0.0.8 - alice [01/Dec/2026:10:00:30 +0000] "GET /dashboard/widgets/deploys/12/ HTTP/1.1" 200 301 "-" "Mozilla/5.0"
10.0.0.9 - - [01/Dec/2026:10:00:40 +0000] "POST /oncall/payments-team/page/ HTTP/1.1" 302 0 "-" "Mozilla/5.0"
10.0.0.9 - - [01/Dec/2026:10:00:50 +0000] "GET /incidents/42/events/poll/ HTTP/1.1" 200 77 "-" "Mozilla/5.0"
10.0.0.9 - - [01/Dec/2026:10:01:00 +0000] "GET /static/app.css HTTP/1.1" 200 9001 "-" "Mozilla/5.0"
this line is not a request
10.0.0.7 - - [01/Dec/2026:10:02:00 +0000] "GET /services/health/ HTTP/1.1" 200 512 "-" "curl/8.5"
"""


def test_a_combined_access_log_is_matched_to_routes(sample_projects: Path, tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    log.write_text(NGINX_LOG, encoding="utf-8")
    code, out, err = run("scan", str(sample_projects / "opsdesk"), "--format", "json",
                         "--no-cache", "--traffic", str(log))  # fmt: skip
    assert code == 0, err
    data = json.loads(out)
    views = {view["id"]: view for view in data["views"]}

    def rpm(view_id: str) -> float:
        return float(views[view_id]["traffic"]["requests_per_minute"])

    # The log spans two minutes: three requests to the literal route (the query string
    # dropped), not to the <slug:slug> route that also fits.
    assert rpm("services.views.health_overview") == 1.5
    assert views["services.views.service_detail"]["traffic"] is None
    assert rpm("services.views.ServiceStatusView") == 0.5  # <slug:slug>/status/
    assert rpm("dashboard.widgets.views.recent_deploys") == 0.5  # a re_path regex route
    assert rpm("oncall.views.page_oncall") == 0.5
    assert rpm("incidents.views.poll_incident_events") == 0.5  # <int:pk>
    assert views["services.views.health_overview"]["traffic"]["source"] == "access log"
    messages = [f["message"] for f in data["findings"] if f["kind"] == "traffic"]
    assert any("/static/app.css" in m and "match no routed view" in m for m in messages)
    assert any("1 line(s) not in the access log format" in m for m in messages)


def test_route_regex_follows_django_converters_and_regex_routes() -> None:
    assert route_regex("catalog/books/<int:pk>/").fullmatch("catalog/books/12/")
    assert not route_regex("catalog/books/<int:pk>/").fullmatch("catalog/books/twelve/")
    assert route_regex("files/<path:name>").fullmatch("files/a/b/c.txt")
    assert route_regex("t/<custom:code>/").fullmatch("t/x9/")  # a project's own converter
    assert not route_regex("incidents/<int:pk>/log.csv").fullmatch("incidents/1/logXcsv")
    regex = route_regex("dashboard/widgets/^deploys/(?P<limit>[0-9]{1,2})/$")
    assert regex.fullmatch("dashboard/widgets/deploys/7/")
    assert not regex.fullmatch("dashboard/widgets/deploys/700/")
    assert route_regex("^legacy/").fullmatch("legacy/anything/below")  # no $: a prefix


def test_a_traffic_file_that_cannot_be_used_is_one_line_and_exit_2(
    sample_projects: Path, tmp_path: Path
) -> None:
    missing = tmp_path / "nope.csv"
    code, out, err = run("scan", str(sample_projects / "bookshop"), "--traffic", str(missing))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "--traffic" in err and "nope.csv" in err
    junk = tmp_path / "junk.csv"
    junk.write_text("just some words\nand more\n", encoding="utf-8")
    code, _, err = run("scan", str(sample_projects / "bookshop"), "--traffic", str(junk))
    assert code == 2 and "no rows of" in err and err.count("\n") == 1
