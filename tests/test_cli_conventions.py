"""The CLI as ruff/flake8 users expect it: a terminal report that fits 80 and 160 columns
without breaking words, colour by NO_COLOR/FORCE_COLOR, a route table with a header and
readable routes, rule ids, suppression comments, baselines, PATH defaulting to `.`, and
consistent names and validation across commands."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from advisor.cli import main
from advisor.model import Category
from advisor.rules import RULES, lookup
from snippets import make_project

ROOT = Path(__file__).resolve().parent.parent
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner(env=env or {}).invoke(main, [*args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def opsdesk(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy, so that a cache or a suppression comment never touches the sample."""
    target = tmp_path_factory.mktemp("opsdesk") / "opsdesk"
    shutil.copytree(ROOT / "sample_projects" / "opsdesk", target)
    return target


@pytest.fixture
def bookshop(tmp_path: Path) -> Path:
    target = tmp_path / "bookshop"
    shutil.copytree(ROOT / "sample_projects" / "bookshop", target)
    return target


def tokens(text: str) -> set[str]:
    text = re.sub(r"in \d+\.\d+ s\.", "", ANSI.sub("", text))  # the scan's own duration
    return {t for t in re.split(r"\s+", text) if t and set(t) != {"─"}}


# --- The terminal report ---------------------------------------------------------------


@pytest.mark.parametrize("columns", [80, 160])
def test_the_report_fits_the_terminal_and_breaks_no_word(opsdesk: Path, columns: int) -> None:
    code, out, _ = run("scan", str(opsdesk), "--no-cache", env={"COLUMNS": str(columns)})
    assert code == 0
    assert max(len(line) for line in out.splitlines()) <= columns
    # Every word on screen is a whole word of the unwrapped report: nothing cut mid-word.
    _, unwrapped, _ = run("scan", str(opsdesk), "--no-cache", env={"COLUMNS": "2000"})
    assert tokens(out) <= tokens(unwrapped), tokens(out) - tokens(unwrapped)
    data = json.loads(run("scan", str(opsdesk), "--format", "json", "--no-cache")[1])
    for view in data["views"]:
        assert any(view["id"] in line.split() for line in out.splitlines()), view["id"]
    assert "\x1b[" not in out  # not a terminal: no colour codes


def test_rows_are_sorted_by_the_score_column(opsdesk: Path) -> None:
    _, out, _ = run("scan", str(opsdesk), "--no-cache", env={"COLUMNS": "160"})
    table = out.split("Not routed")[0]
    scores = [int(m.group(1)) for m in re.finditer(r"^\s*(\d+)\s{2,}\S", table, re.M)]
    assert len(scores) >= 20 and scores == sorted(scores, reverse=True)


def test_headers_say_what_is_released_and_what_the_rates_are(opsdesk: Path) -> None:
    _, out, _ = run("scan", str(opsdesk), "--no-cache", env={"COLUMNS": "160"})
    assert "released" in out and "per request" in out
    assert "req/s per worker" in out and "sync→async" in out
    assert "one sync worker with 4 threads → one event loop" in out  # the legend


def test_force_color_and_no_color(opsdesk: Path) -> None:
    _, coloured, _ = run("scan", str(opsdesk), env={"FORCE_COLOR": "1", "COLUMNS": "100"})
    assert "\x1b[" in coloured
    assert max(len(ANSI.sub("", line)) for line in coloured.splitlines()) <= 100
    _, plain, _ = run("scan", str(opsdesk), env={"FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert "\x1b[" not in plain


def _on_a_pty(args: list[str], columns: int, env: dict[str, str]) -> str:
    import fcntl
    import termios

    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    clean = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "NO_COLOR", "FORCE_COLOR")}
    process = subprocess.Popen([sys.executable, "-m", "advisor", *args], stdin=follower,
                               stdout=follower, stderr=follower, env={**clean, **env})
    os.close(follower)
    chunks: list[bytes] = []
    while True:
        ready, _, _ = select.select([leader], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the child closed the pty
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=60)
    os.close(leader)
    return b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n")


def test_a_real_terminal_gets_its_width_and_colour(opsdesk: Path) -> None:
    out = _on_a_pty(["scan", str(opsdesk)], 80, {"TERM": "xterm-256color"})
    assert "\x1b[" in out and "services.views.health_overview" in out
    assert max(len(ANSI.sub("", line)) for line in out.splitlines()) <= 80
    plain = _on_a_pty(["scan", str(opsdesk)], 80, {"TERM": "xterm", "NO_COLOR": "1"})
    assert "\x1b[" not in plain and "services.views.health_overview" in plain


def test_cached_runs_say_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from advisor import collect

    # Trust the stat of files written a moment ago (the cache waits 3 s by default).
    monkeypatch.setattr(collect, "STAT_TRUST_MARGIN_NS", -(10**15))
    project = make_project(tmp_path, {"shop/views.py": "def view(request):\n    return 1\n"})
    run("scan", str(project))
    _, out, _ = run("scan", str(project))
    assert "(cached" in out and "0.00 s" not in out
    _, fresh, _ = run("scan", str(project), "--no-cache")
    assert "(cached" not in fresh and re.search(r"in \d+\.\d\d s", fresh)


def test_plurals(tmp_path: Path) -> None:
    project = make_project(tmp_path, {
        "shop/views.py": "import requests\n\ndef view(request):\n"
                         "    return requests.get('http://127.0.0.1:9/x')\n",
        "urls.py": "from django.contrib import admin\nfrom django.urls import path\n"
                   "from shop import views\n"
                   "urlpatterns = [path('', views.view), path('admin/', admin.site.urls)]\n",
    })
    _, out, _ = run("scan", str(project), "--no-cache", env={"COLUMNS": "200"})
    assert "1 routed view:" in out and "1 framework route " in out
    assert "1 awaitable wait (http)" in out
    assert "(s)" not in out


def test_terminal_and_json_describe_middleware_alike(opsdesk: Path) -> None:
    _, out, _ = run("scan", str(opsdesk), "--no-cache", env={"COLUMNS": "300"})
    data = json.loads(run("scan", str(opsdesk), "--format", "json")[1])
    statuses = [m["status"] for m in data["project"]["middleware"]]
    line = next(line for line in out.splitlines() if line.startswith("Middleware:"))
    for status in set(statuses):
        assert f"{statuses.count(status)} {status}" in line
    assert "all async-capable" not in out


# --- The route table ---------------------------------------------------------------------


URLS_WITH_ROOT_AND_REGEX = """
from django.urls import include, path, re_path
from shop import views
api = [re_path(r"^incidents/$", views.listing, name="incidents"),
       re_path(r"^incidents/(?P<pk>[0-9]+)/$", views.detail, name="incident")]
urlpatterns = [path("", views.home, name="home"), path("api/", include(api))]
"""
VIEWS_FOR_ROUTES = """
def home(request):
    return 1

def listing(request):
    return 1

def detail(request, pk):
    return 1
"""


def test_views_has_a_header_a_root_and_readable_regex_routes(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"shop/views.py": VIEWS_FOR_ROUTES,
                                      "urls.py": URLS_WITH_ROOT_AND_REGEX})
    code, out, _ = run("views", str(project), "--no-cache", env={"COLUMNS": "160"})
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:2] == ["route", "name"]
    rows = {line.split()[0]: line for line in lines[2:] if line.strip()}
    assert "shop.views.home" in rows["/"]
    assert "shop.views.listing" in rows["/api/incidents/"]
    assert "shop.views.detail" in rows["/api/incidents/<pk>/"]
    assert "^" not in out and "$" not in out
    narrow = run("views", str(project), "--no-cache", env={"COLUMNS": "80"})[1]
    assert narrow.splitlines()[0].split()[0] == "route"
    assert max(len(line) for line in narrow.splitlines()) <= 80


def test_views_json_has_handlers_as_a_list_like_scan_json(opsdesk: Path) -> None:
    data = json.loads(run("views", str(opsdesk), "--format", "json")[1])
    scan = json.loads(run("scan", str(opsdesk), "--format", "json")[1])
    handlers = {v["id"]: [h["name"] for h in v["handlers"]] for v in scan["views"]}
    for row in data["routes"]:
        assert isinstance(row["handlers"], list)
        assert row["route"] is None or row["route"].startswith("/")
    status = next(r for r in data["routes"] if r["view"] == "services.views.ServiceStatusView")
    assert status["handlers"] == handlers["services.views.ServiceStatusView"] != []


def test_views_takes_no_latency_and_format_names_are_shared(bookshop: Path) -> None:
    code, _, err = run("views", str(bookshop), "--latency", "db_query=3")
    assert code == 2 and "No such option" in err and len(err.strip().splitlines()) <= 2
    for command in ("scan", "views", "explain"):
        extra = ["shipping.views.shipping_quotes"] if command == "explain" else []
        for name in ("terminal", "table", "text"):
            code, out, err = run(command, str(bookshop), *extra,
                                 "--format", name)
            assert code == 0, (command, name, err)


def test_path_defaults_to_the_current_folder(bookshop: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(bookshop)
    assert "shipping.views.shipping_quotes" in run("scan")[1]
    assert "shipping.views.shipping_quotes" in run("views")[1]
    assert "shipping_quotes" in run("explain", "shipping.views.shipping_quotes")[1]
    code, _, err = run("rewrite", "--view", "shipping.views.shipping_quotes")
    assert code == 0 and "shipping.views.shipping_quotes" in err


def test_explain_takes_a_url_path_or_a_route_name(bookshop: Path) -> None:
    project = str(bookshop)
    by_id = run("explain", project, "shipping.views.shipping_quotes")[1]
    data = json.loads(run("views", project, "--format", "json")[1])
    row = next(r for r in data["routes"] if r["view"] == "shipping.views.shipping_quotes")
    assert run("explain", project, row["route"])[1] == by_id
    assert row["name"] and run("explain", project, row["name"])[1] == by_id
    detail = next(r for r in data["routes"] if "<int:" in (r["route"] or ""))
    concrete = re.sub(r"<int:[^>]+>", "42", detail["route"])
    assert run("explain", project, concrete)[1].startswith(detail["view"])
    code, _, err = run("explain", project, "/no/such/page/")
    assert code == 2 and len(err.strip().splitlines()) == 1


# --- Usage errors, help, validation --------------------------------------------------------


@pytest.mark.parametrize("args", [
    ["scan", "--bogus"],
    ["scan", ".", "--format", "pdf"],
    ["bogus-command"],
    ["scan", ".", "--fail-on", "nonsense"],
])
def test_usage_errors_take_at_most_two_lines(args: list[str]) -> None:
    code, out, err = run(*args)
    assert code == 2
    assert 1 <= len(err.strip().splitlines()) <= 2 and "Usage:" not in err, err


def test_help_summaries_are_whole_sentences() -> None:
    _, out, _ = run("--help")
    assert "…" not in out and "..." not in out.split("Commands:")[1]
    assert "and rank its views" in " ".join(out.split())


@pytest.mark.parametrize(("args", "pyproject", "message"), [
    (["--latency", "external_http=-5"], "", "external_http=-5"),
    ([], "[tool.advisor]\nstrong_score = 20\ncandidate_score = 40\n", "strong_score (20)"),
    (["--django-version", "abc"], "", "--django-version abc"),
    ([], '[tool.advisor]\ndjango_version = "five"\n', "django_version = 'five'"),
])
def test_impossible_settings_are_refused_in_one_line(
    tmp_path: Path, args: list[str], pyproject: str, message: str
) -> None:
    files = {"shop/views.py": "def view(request):\n    return 1\n"}
    if pyproject:
        files["pyproject.toml"] = pyproject
    project = make_project(tmp_path, files)
    code, _, err = run("scan", str(project), *args)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1, err


# --- Versions ------------------------------------------------------------------------------


def test_version_source_names_the_file_it_came_from(bookshop: Path) -> None:
    data = json.loads(run("scan", str(bookshop), "--format", "json", "--no-cache")[1])
    assert data["project"]["django_version_source"] == "requirements.txt"
    (bookshop / "pyproject.toml").write_text('[tool.advisor]\ndjango_version = "4.2"\n')
    data = json.loads(run("scan", str(bookshop), "--format", "json", "--no-cache")[1])
    assert data["project"]["django_version"] == "4.2"
    assert data["project"]["django_version_source"] == "[tool.advisor] in pyproject.toml"
    data = json.loads(run("scan", str(bookshop), "--format", "json", "--no-cache",
                          "--django-version", "5.0")[1])
    assert data["project"]["django_version_source"] == "--django-version"


def test_django_3_0_has_no_strong_candidates_and_rewrite_converts_nothing(
    bookshop: Path,
) -> None:
    data = json.loads(run("scan", str(bookshop), "--format", "json", "--no-cache",
                          "--django-version", "3.0")[1])
    categories = {v["score"]["category"] for v in data["views"] if v["score"]}
    assert Category.STRONG.value not in categories
    quotes = next(v for v in data["views"] if v["id"] == "shipping.views.shipping_quotes")
    assert "ADV209" in [b["rule"] for b in quotes["score"]["blockers"]]
    before = {p: p.read_bytes() for p in bookshop.rglob("*.py")}
    code, out, err = run("rewrite", str(bookshop), "--category", "candidate-needs-work",
                         "--django-version", "3.0", "--write")
    assert code == 2 and "no async views" in err and out == ""
    assert before == {p: p.read_bytes() for p in bookshop.rglob("*.py")}


def test_an_unknown_version_is_said_loudly_and_the_rewrite_uses_no_gated_api(
    bookshop: Path,
) -> None:
    (bookshop / "requirements.txt").unlink()
    _, out, _ = run("scan", str(bookshop), "--no-cache", env={"COLUMNS": "160"})
    assert "Django version UNKNOWN (pass --django-version X.Y)" in out.splitlines()[2]
    code, diff, err = run("rewrite", str(bookshop), "--view", "catalog.views.recommendations")
    assert code == 0 and "no version-gated API" in err
    # No async ORM method (4.1+): the ORM calls go through sync_to_async.
    assert "sync_to_async" in diff and not re.search(r"\.a(get|count|first|exists)\(", diff)


# --- Rule ids, --select/--ignore, suppressions, baselines -----------------------------------


def test_rule_ids_are_stable_and_unique() -> None:
    codes = [rule.code for rule in RULES]
    slugs = [rule.slug for rule in RULES]
    assert len(set(codes)) == len(codes) and len(set(slugs)) == len(slugs)
    assert all(re.fullmatch(r"ADV[1-3]\d\d", code) for code in codes)
    assert {r.category for r in RULES if r.category} == {c.value for c in Category}
    assert lookup("ADV101") == lookup("async-but-blocking") == lookup("async but blocking")
    readme = (ROOT / "README.md").read_text()
    for rule in RULES:
        assert f"`{rule.code}`" in readme and f"`{rule.slug}`" in readme, rule.code


def test_advisor_rules_lists_every_code() -> None:
    code, out, _ = run("rules")
    assert code == 0
    assert [line.split()[:2] for line in out.splitlines()] == [[r.code, r.slug] for r in RULES]
    listed = json.loads(run("rules", "--format", "json")[1])
    assert [r["code"] for r in listed] == [r.code for r in RULES]


def test_ids_are_in_the_json_and_fail_on_takes_slugs_codes_and_old_names(
    bookshop: Path, opsdesk: Path,
) -> None:
    project = str(bookshop)
    data = json.loads(run("scan", project, "--format", "json")[1])
    upstream = next(v for v in data["views"] if v["id"] == "pages.views.upstream_status")
    assert upstream["score"]["rule"] == "ADV101"
    sarif = json.loads(run("scan", project, "--format", "sarif")[1])
    rule_ids = {r["id"] for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert rule_ids == {"ADV101", "ADV102", "ADV103"}
    for name in ("async-but-blocking", "ADV101", "adv101", "async but blocking"):
        code, _, err = run("scan", project, "--fail-on", name)
        assert code == 1 and "ADV101 async-but-blocking" in err and "upstream_status" in err
    # A blocker can gate too.
    code, _, err = run("scan", str(opsdesk), "--fail-on", "transaction")
    assert code == 1 and "deploys.views.trigger_deploy" in err


def test_select_and_ignore_choose_the_rules_reported(bookshop: Path) -> None:
    project = str(bookshop)
    data = json.loads(run("scan", project, "--format", "json", "--select", "ADV1",
                          "--ignore", "little-benefit,keep-sync")[1])
    categories = {v["score"]["category"] for v in data["views"] if v["score"]}
    assert categories and not categories & {"little benefit", "keep sync"}
    code, _, _ = run("scan", project, "--ignore", "ADV101", "--fail-on", "ADV101")
    assert code == 0
    code, _, err = run("scan", project, "--select", "ADV999")
    assert code == 2 and "unknown rule 'ADV999'" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("comment_at", ["above", "def line"])
def test_a_suppression_comment_silences_the_view(bookshop: Path, comment_at: str) -> None:
    views = bookshop / "pages" / "views.py"
    text = views.read_text()
    if comment_at == "above":
        text = text.replace("async def upstream_status(request):",
                            "# advisor: ignore[async-but-blocking]\n"
                            "async def upstream_status(request):")
    else:
        text = text.replace("async def upstream_status(request):",
                            "async def upstream_status(request):  # advisor: ignore[ADV101]")
    views.write_text(text)
    code, _, err = run("scan", str(bookshop), "--fail-on", "async-but-blocking")
    assert code == 0, err
    data = json.loads(run("scan", str(bookshop), "--format", "json")[1])
    upstream = next(v for v in data["views"] if v["id"] == "pages.views.upstream_status")
    assert upstream["suppressed"] == ["ADV101"]
    _, out, _ = run("scan", str(bookshop), env={"COLUMNS": "160"})
    assert "suppressed: ADV101" in out
    sarif = json.loads(run("scan", str(bookshop), "--format", "sarif")[1])
    results = sarif["runs"][0]["results"]
    assert results and all(r["properties"]["viewId"] != "pages.views.upstream_status"
                           for r in results)


def test_a_suppression_names_its_rule(bookshop: Path) -> None:
    views = bookshop / "pages" / "views.py"
    views.write_text(views.read_text().replace(
        "async def upstream_status(request):",
        "# advisor: ignore[strong-candidate]\nasync def upstream_status(request):"))
    code, _, _ = run("scan", str(bookshop), "--fail-on", "async-but-blocking")
    assert code == 1  # another rule is suppressed, not this one


def test_a_baseline_fails_only_on_new_findings(bookshop: Path, tmp_path: Path) -> None:
    baseline = tmp_path / "advisor-baseline.json"
    code, _, err = run("scan", str(bookshop), "--write-baseline", str(baseline),
                       "--fail-on", "async-but-blocking", "--baseline", str(tmp_path / "none"))
    assert code == 2 and "no such baseline file" in err
    code, _, _ = run("scan", str(bookshop), "--write-baseline", str(baseline))
    assert code == 0
    entries = json.loads(baseline.read_text())["findings"]
    assert {"view": "pages.views.upstream_status", "rule": "ADV101",
            "slug": "async-but-blocking"} in entries
    code, _, err = run("scan", str(bookshop), "--baseline", str(baseline),
                       "--fail-on", "async-but-blocking")
    assert code == 0 and "1 finding already in" in err
    # A new async view that blocks is new: it fails.
    views = bookshop / "pages" / "views.py"
    views.write_text(views.read_text() + "\n\nasync def also_blocking(request):\n"
                     "    import time\n    time.sleep(1)\n    return JsonResponse({})\n")
    urls = bookshop / "pages" / "urls.py"
    urls.write_text(urls.read_text().replace(
        "urlpatterns = [", "urlpatterns = [\n    path('also/', views.also_blocking),", 1))
    code, _, err = run("scan", str(bookshop), "--baseline", str(baseline),
                       "--fail-on", "async-but-blocking")
    assert code == 1 and "pages.views.also_blocking" in err
    assert "upstream_status" not in err.split("report")[-1]


# --- Repository fit ------------------------------------------------------------------------


def test_the_cache_folder_ignores_itself_in_git(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"shop/views.py": "def view(request):\n    return 1\n"})
    run("scan", str(project))
    assert (project / ".advisor_cache" / ".gitignore").read_text().splitlines()[-1] == "*"
    if shutil.which("git"):
        subprocess.run(["git", "init", "-q", str(project)], check=True)
        status = subprocess.run(["git", "-C", str(project), "status", "--porcelain",
                                 "--untracked-files=all"], capture_output=True, text=True,
                                check=True).stdout
        assert ".advisor_cache" not in status and "shop/views.py" in status


def test_the_pre_commit_hook_runs_a_gated_scan() -> None:
    import yaml

    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    (hook,) = [h for h in hooks if h["id"] == "advisor"]
    assert hook["entry"].split()[:2] == ["advisor", "scan"] and "--fail-on" in hook["args"]
    assert hook["pass_filenames"] is False and hook["language"] == "python"
    fail_on = hook["args"][hook["args"].index("--fail-on") + 1]
    assert lookup(fail_on) is not None
