"""The command line as a user meets it: the ranked report, JSON that validates against the
shipped schema, exit codes, and bad input reported in one line while the scan goes on."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from advisor.cli import main
from advisor.json_schema import scan_result_schema
from snippets import make_project

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "advisor" / "schema" / "scan-result.schema.json"


def run(*args: str, columns: int | None = None) -> tuple[int, str, str]:
    env = {"COLUMNS": str(columns)} if columns else {}
    result = CliRunner(env=env).invoke(main, [*args])
    return result.exit_code, result.stdout, result.stderr


def scan_json(project: Path, *flags: str) -> dict[str, object]:
    code, out, err = run("scan", str(project), "--format", "json", "--no-cache", *flags)
    assert code == 0, err
    data: dict[str, object] = json.loads(out)
    return data


def test_terminal_report_lists_every_routed_view_with_score_category_reason(
        sample_projects: Path) -> None:
    code, out, _ = run("scan", str(sample_projects / "bookshop"), "--no-cache", columns=160)
    assert code == 0
    expected = json.loads((ROOT / "tests/expectations/bookshop.json").read_text())["views"]
    lines = out.splitlines()
    for view_id, expectation in expected.items():
        (line,) = [i for i, text in enumerate(lines) if f" {view_id} " in text]
        assert expectation["category"] in lines[line]
        assert lines[line].split()[0].isdigit()  # the score
        assert lines[line + 1].strip(), f"no reason under {view_id}"
    assert "Not routed" in out and "catalog.views.legacy_export" in out


def test_ranking_puts_external_api_first_and_cpu_bound_last(sample_projects: Path) -> None:
    data = scan_json(sample_projects / "bookshop")
    views = data["views"]
    assert isinstance(views, list)
    order = [v["id"] for v in views if v["routed"]]
    orm_only = ["catalog.views.book_list", "catalog.views.book_detail",
                "catalog.views.BookSearchView", "orders.views.order_history"]
    assert all(order.index("shipping.views.shipping_quotes") < order.index(v) for v in orm_only)
    assert order[-1] == "orders.views.receipt_csv"


def test_json_output_validates_against_the_shipped_schema(sample_projects: Path) -> None:
    schema = json.loads(SCHEMA.read_text())
    assert schema == scan_result_schema(), "run: python -m advisor.json_schema > " + str(SCHEMA)
    for name in ("bookshop", "opsdesk"):
        data = scan_json(sample_projects / name)
        jsonschema.validate(data, schema)
        assert data["schema_version"] == "1.0"
    broken = scan_json(sample_projects / "bookshop")
    broken["views"][0]["score"]["category"] = "maybe"  # type: ignore[index]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


def test_output_file_is_written(tmp_path: Path, sample_projects: Path) -> None:
    target = tmp_path / "scan.json"
    code, _, err = run("scan", str(sample_projects / "bookshop"), "--format", "json",
                       "--output", str(target), "--no-cache")
    assert code == 0 and "wrote json report" in err
    assert json.loads(target.read_text())["project"]["settings_module"] == "bookshop.settings"
    assert [p.name for p in tmp_path.iterdir()] == ["scan.json"]  # no temp file left


@pytest.mark.parametrize(("args", "message"), [
    (["scan", "/no/such/dir"], "no such directory"),
    (["scan", "{project}", "--settings", "nope.settings"], "settings module 'nope.settings'"),
    (["scan", "{project}", "--latency", "warp=3"], "unknown latency class 'warp'"),
    (["explain", "{project}", "shop.views.nothing"], "no view 'shop.views.nothing'"),
])
def test_usage_errors_exit_2_with_one_line(tmp_path: Path, args: list[str],
                                           message: str) -> None:
    make_project(tmp_path, {"shop/views.py": "def view(request):\n    return 1\n"})
    code, out, err = run(*[a.replace("{project}", str(tmp_path)) for a in args])
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err + out


def test_bad_pyproject_key_is_a_usage_error(tmp_path: Path) -> None:
    make_project(tmp_path, {"shop/views.py": "def view(request):\n    return 1\n",
                            "pyproject.toml": "[tool.advisor]\nlatnecies = 3\n"})
    code, _, err = run("scan", str(tmp_path))
    assert code == 2 and "unknown [tool.advisor] key 'latnecies'" in err


def test_fail_on_sets_exit_code_1(sample_projects: Path) -> None:
    code, _, err = run("scan", str(sample_projects / "bookshop"), "--no-cache",
                       "--fail-on", "async but blocking")
    assert code == 1 and "pages.views.upstream_status" in err
    code, _, _ = run("scan", str(sample_projects / "bookshop"), "--no-cache",
                     "--fail-on", "async but blocking", "--exclude", "pages/")
    assert code == 0


def test_scan_never_imports_or_runs_the_project(tmp_path: Path) -> None:
    marker = tmp_path / "IMPORTED"
    trap = f"open({str(marker)!r}, 'w').write('imported')\n"
    make_project(tmp_path, {
        "shop/views.py": trap + "def view(request):\n    return 1\n",
        "settings.py": trap + 'ROOT_URLCONF = "urls"\n',
        "urls.py": trap + "from django.urls import path\nfrom shop import views\n"
                          "urlpatterns = [path('v/', views.view)]\n",
        "shop/__init__.py": trap,
    })
    code, out, _ = run("scan", str(tmp_path), "--no-cache", "--jobs", "1")
    assert code == 0 and "shop.views.view" in out
    assert not marker.exists()
    assert "shop.views" not in sys.modules and "urls" not in sys.modules


def test_parse_errors_are_listed_and_the_scan_goes_on(tmp_path: Path) -> None:
    make_project(tmp_path, {
        "shop/views.py": "import requests\ndef view(request):\n    return requests.get('x')\n",
        "shop/broken.py": "def oops(:\n    pass\n",
    })
    (tmp_path / "shop" / "latin.py").write_bytes(
        b"# -*- coding: latin-1 -*-\nNAME = '\xe9t\xe9'\n")
    (tmp_path / "shop" / "binary.py").write_bytes(b"x = '\xff\xfe'\n")
    data = scan_json(tmp_path)
    errors = {(e["path"], e["line"]) for e in data["parse_errors"]}  # type: ignore[union-attr]
    assert ("shop/broken.py", 1) in errors
    assert any(path == "shop/binary.py" for path, _ in errors)
    assert all(path != "shop/latin.py" for path, _ in errors)
    views = {v["id"]: v for v in data["views"]}  # type: ignore[union-attr]
    assert views["shop.views.view"]["score"]["category"] == "strong candidate"


def test_latency_setting_changes_the_numbers(tmp_path: Path, sample_projects: Path) -> None:
    def predicted(data: dict[str, object]) -> float:
        views = {v["id"]: v for v in data["views"]}  # type: ignore[union-attr]
        return float(views["shipping.views.shipping_quotes"]["score"]["predicted_sync_ms"])

    baseline = predicted(scan_json(sample_projects / "bookshop"))
    slower = predicted(scan_json(sample_projects / "bookshop", "--latency",
                                 "external_http=300"))
    assert slower == pytest.approx(baseline + 3 * 150)


def test_pyproject_latencies_are_read(tmp_path: Path) -> None:
    body = "import requests\ndef view(request):\n    return requests.get('x')\n"
    make_project(tmp_path, {"shop/views.py": body})
    before = scan_json(tmp_path)["views"][0]["score"]["predicted_sync_ms"]  # type: ignore[index]
    (tmp_path / "pyproject.toml").write_text("[tool.advisor.latencies]\nexternal_http = 40\n")
    after = scan_json(tmp_path)["views"][0]["score"]["predicted_sync_ms"]  # type: ignore[index]
    assert (before, after) == (150.0, 40.0)


def test_explain_shows_the_chain(sample_projects: Path) -> None:
    code, out, _ = run("explain", str(sample_projects / "bookshop"),
                       "catalog.views.recommendations", "--no-cache")
    assert code == 0
    assert ("chain: catalog.views.recommendations (catalog/views.py:" in out
            and "catalog.services.recommend_for" in out and "catalog.clients.fetch_json" in out)
    assert "requests.get" in out


def test_views_command_prints_the_route_table(sample_projects: Path) -> None:
    code, out, _ = run("views", str(sample_projects / "opsdesk"), "--no-cache")
    assert code == 0
    assert "dashboard:widgets:panels:sla-budget" in out
    assert "incidents.api.IncidentViewSet" in out and "framework:admin" in out


def test_python_dash_m_runs_the_cli() -> None:
    completed = subprocess.run([sys.executable, "-m", "advisor", "--version"],
                               capture_output=True, text=True, check=True)
    assert "advisor" in completed.stdout
