"""SARIF output: valid against the OASIS SARIF 2.1.0 schema (shipped in tests/schemas, never
downloaded) for both sample projects, with the shape GitHub code scanning needs: rules with
help, one result per candidate view, one error per blocking call in an async view, relative
URIs and 1-based columns."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from advisor.model import (
    Capacity,
    Category,
    ChainLink,
    Effect,
    EffectKind,
    Location,
    ProjectFacts,
    ScanResult,
    ScanStats,
    Score,
    View,
    ViewKind,
)
from advisor.reporters import reporters

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_PATH = Path(__file__).resolve().parent / "schemas" / "sarif-schema-2.1.0.json"
PROJECTS = ["bookshop", "opsdesk"]
LEVELS = {
    "strong candidate": ("ADV102", "note"),
    "candidate (needs work)": ("ADV103", "warning"),
}


def run_cli(*args: str) -> str:
    outcome = subprocess.run(
        [sys.executable, "-m", "advisor", *args], capture_output=True, text=True, check=False
    )
    assert outcome.returncode == 0, outcome.stderr
    return outcome.stdout


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(
        schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
    )


def scan(name: str, output_format: str) -> Any:
    project = ROOT / "sample_projects" / name
    return json.loads(run_cli("scan", str(project), "--format", output_format, "--no-cache"))


def assert_valid(validator: jsonschema.protocols.Validator, log: Any) -> None:
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])


@pytest.mark.parametrize("name", PROJECTS)
def test_sample_project_sarif_is_valid(name: str, validator: Any) -> None:
    assert_valid(validator, scan(name, "sarif"))


@pytest.mark.parametrize("name", PROJECTS)
def test_one_result_per_candidate_and_per_blocking_call(name: str) -> None:
    log = scan(name, "sarif")
    data = scan(name, "json")
    assert log["version"] == "2.1.0"
    assert len(log["runs"]) == 1
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "django-async-advisor"
    rules = driver["rules"]
    assert [rule["id"] for rule in rules] == [
        "ADV102",
        "ADV103",
        "ADV101",
    ]
    for rule in rules:
        assert rule["shortDescription"]["text"]
        assert rule["fullDescription"]["text"]
        assert rule["help"]["text"] and rule["help"]["markdown"]
    levels = {rule["id"]: rule["defaultConfiguration"]["level"] for rule in rules}
    assert levels == {
        "ADV102": "note",
        "ADV103": "warning",
        "ADV101": "error",
    }

    results = run["results"]
    by_view: dict[str, list[dict[str, Any]]] = {}
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["message"]["text"]
        by_view.setdefault(result["properties"]["viewId"], []).append(result)

    expected_count = 0
    for view in data["views"]:
        category = view["score"]["category"]
        found = by_view.get(view["id"], [])
        if not view["routed"]:
            assert found == [], f"not-routed view {view['id']} reported"
        elif category in LEVELS:
            expected_count += 1
            assert len(found) == 1
            rule_id, level = LEVELS[category]
            assert (found[0]["ruleId"], found[0]["level"]) == (rule_id, level)
            region = found[0]["locations"][0]["physicalLocation"]["region"]
            assert region["startLine"] == view["location"]["line"]
            assert region["startColumn"] == view["location"]["column"] + 1
            assert (
                f"advisor rewrite {data['project']['root']} --view {view['id']}"
                in (found[0]["message"]["text"])
            )
        elif category == "async but blocking":
            blocking = [e for e in view["effects"] if e["blocking"] and not e["awaited"]]
            expected_count += len(blocking)
            assert len(found) == len(blocking) >= 1
            for effect, result in zip(blocking, found, strict=True):
                assert (result["ruleId"], result["level"]) == ("ADV101", "error")
                assert effect["call"] in result["message"]["text"]
                location = result["locations"][0]["physicalLocation"]
                # Relative to the repository root: the sample sits in sample_projects/NAME.
                assert location["artifactLocation"]["uri"] == (
                    f"{data['project']['root']}/{effect['location']['path']}"
                )
                assert location["region"]["startLine"] == effect["location"]["line"]
                # SARIF columns are 1-based; the model's are 0-based.
                assert location["region"]["startColumn"] == effect["location"]["column"] + 1
        else:
            assert found == [], f"{category} view {view['id']} reported"
    assert len(results) == expected_count

    # GitHub matches alerts across runs by fingerprint: no two results may share one.
    fingerprints = [json.dumps(r["partialFingerprints"], sort_keys=True) for r in results]
    assert len(fingerprints) == len(set(fingerprints))
    for result in results:
        for location in result["locations"] + result.get("relatedLocations", []):
            artifact = location["physicalLocation"]["artifactLocation"]
            assert not artifact["uri"].startswith("/") and "://" not in artifact["uri"]
            assert artifact["uriBaseId"] == "%SRCROOT%"
            # Every annotation names a file of this repository, from its root.
            assert (ROOT / artifact["uri"]).is_file()
    bases = run["originalUriBaseIds"]
    # The repository root is described, never given as this machine's path.
    assert set(bases["%SRCROOT%"]) == {"description"}
    assert bases["PROJECTROOT"]["uri"] == f"sample_projects/{name}/"
    assert bases["PROJECTROOT"]["uriBaseId"] == "%SRCROOT%"


def test_bookshop_blocking_call_is_an_error_at_the_call() -> None:
    results = scan("bookshop", "sarif")["runs"][0]["results"]
    errors = [r for r in results if r["level"] == "error"]
    assert len(errors) == 1
    assert "requests.get" in errors[0]["message"]["text"]
    assert "pages.views.upstream_status" in errors[0]["message"]["text"]
    assert errors[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == (
        "sample_projects/bookshop/pages/views.py"
    )


def _result(views: tuple[View, ...], root: str = "my project") -> ScanResult:
    project = ProjectFacts(
        root=root,
        settings_module=None,
        root_urlconf=None,
        django_version=None,
        django_version_source=None,
        asgi_application=None,
        asgi_entry_points=(),
        asgi_servers=(),
        middleware=(),
        database_engines=(),
        conn_max_age=None,
        atomic_requests=False,
        uses_drf=False,
        uses_adrf=False,
        in_repository=True,
    )
    return ScanResult(
        tool_version="0.1.0",
        project=project,
        views=views,
        findings=(),
        parse_errors=(),
        stats=ScanStats(files=1, lines=1, functions=1, classes=0),
    )


def _score(category: Category, reasons: tuple[str, ...] = ("a reason",)) -> Score:
    capacity = Capacity(4, 16, 150.0, 152.0, 6.0, 0.0, 3.0, 6.0, 26.3, 105.3, 105.3, 4.0, 4.0, "threads", "concurrency")
    return Score(
        100, category, 150.0, 0.0, 150.0, 0.0, 150.0, 150.0, 150.0, 150.0, (), reasons, capacity
    )


def test_paths_with_spaces_chains_and_views_without_calls(validator: Any) -> None:
    helper = Location("my app/services/http client.py", 12, 8, 12, 40)
    blocking = View(
        id="my_app.views.dashboard",
        location=Location("my app/views.py", 3),
        kind=ViewKind.FUNCTION,
        is_async=True,
        effects=(
            Effect(
                kind=EffectKind.HTTP,
                call="requests.get",
                location=helper,
                chain=(
                    ChainLink("my_app.views.dashboard", Location("my app/views.py", 5, 4)),
                    ChainLink("my_app.services.fetch", helper),
                ),
                detail="requests.get blocks the worker",
                latency_class="external_http",
                estimated_ms=150.0,
                async_alternative="httpx.AsyncClient.get",
            ),
        ),
        score=_score(Category.ASYNC_BLOCKING),
    )
    # The category says it blocks, but no single call carries the blame.
    vague = View(
        id="my_app.views.other",
        location=Location("my app/views.py", 30, 0),
        kind=ViewKind.CLASS,
        is_async=True,
        score=_score(Category.ASYNC_BLOCKING, ()),
    )
    log = json.loads(reporters()["sarif"](_result((blocking, vague))))
    assert_valid(validator, log)
    first, second = log["runs"][0]["results"]
    location = first["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "my%20project/my%20app/services/http%20client.py"
    assert location["region"] == {"startLine": 12, "startColumn": 9, "endLine": 12, "endColumn": 41}
    assert [r["message"]["text"] for r in first["relatedLocations"]] == [
        "step 1: my_app.views.dashboard",
        "step 2: my_app.services.fetch",
    ]
    assert "via my_app.views.dashboard → my_app.services.fetch" in first["message"]["text"]
    assert second["locations"][0]["physicalLocation"]["region"]["startLine"] == 30
    assert second["level"] == "error"
    assert log["runs"][0]["originalUriBaseIds"]["PROJECTROOT"]["uri"] == "my%20project/"


def test_project_at_the_repository_root_has_no_project_base(validator: Any) -> None:
    view = View(
        id="shop.views.quote",
        location=Location("shop/views.py", 1),
        kind=ViewKind.FUNCTION,
        score=_score(Category.STRONG),
    )
    log = json.loads(reporters()["sarif"](_result((view,), root=".")))
    assert_valid(validator, log)
    run = log["runs"][0]
    assert list(run["originalUriBaseIds"]) == ["%SRCROOT%"]
    uri = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "shop/views.py"
    assert run["results"][0]["ruleId"] == "ADV102"
