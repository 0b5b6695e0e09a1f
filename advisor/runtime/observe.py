"""`advisor observe -- CMD ...`: run the project's own test command with the observer loaded
into its interpreter, and write what each view really did (one schema-versioned JSON file).

The observer comes in through a `sitecustomize` on a temporary folder put first on
PYTHONPATH (the project's files are never edited; a `sitecustomize` of the project's own
still runs after it). Every process of the run writes its own file (forked Django
`--parallel` workers after every test, since they never run atexit; pytest-xdist workers
at exit); they are merged here.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from advisor.runtime.inject import PACKAGE, write_sitecustomize

OBSERVED_SCHEMA_VERSION = "1.0"
DEFAULT_OUTPUT = Path(".advisor") / "observed.json"
_OBSERVER = f"{PACKAGE}.observer"


@dataclass(frozen=True, slots=True)
class ObserveOutcome:
    returncode: int
    seconds: float
    requests: int
    views: int
    views_with_sql: int
    views_with_http: int
    processes: int


def observed_environment(
    folder: Path, root: Path, base: Mapping[str, str]
) -> tuple[dict[str, str], Path]:
    """The environment that runs a command under the observer (its sitecustomize first on
    PYTHONPATH, set up in `folder`, and the observer as a pytest plugin), and the folder every
    process of the run writes its record to."""
    site, records = folder / "site", folder / "records"
    site.mkdir()
    records.mkdir()
    write_sitecustomize(site)
    environ = dict(base)
    environ["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(site), environ.get("PYTHONPATH", "")) if p
    )
    environ["ADVISOR_OBSERVE_OUT"] = str(records / "observed-{pid}.json")
    environ["ADVISOR_OBSERVE_ROOT"] = str(root.resolve())
    # pytest reads test outcomes through the observer's plugin hooks.
    environ["PYTEST_ADDOPTS"] = f"{environ.get('PYTEST_ADDOPTS', '')} -p {_OBSERVER}".strip()
    return environ, records


def observe(
    command: Sequence[str], root: Path, output: Path, env: dict[str, str] | None = None
) -> ObserveOutcome:
    """Run `command` observed, merge every process's record and write `output`."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="advisor-observe-") as folder:
        environ, records = observed_environment(
            Path(folder), root, os.environ if env is None else env
        )
        try:
            completed = subprocess.run(list(command), env=environ, check=False)
            returncode = completed.returncode
        except OSError as error:
            raise ObserveError(f"cannot run {command[0]}: {error.strerror}") from error
        parts = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(records.glob("*.json"))]
    merged = merge_records(parts)
    merged.update(
        {
            "schema_version": OBSERVED_SCHEMA_VERSION,
            "command": list(command),
            "returncode": returncode,
            "root": str(root.resolve()),
        }
    )
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(f".{output.name}.partial")
    partial.write_text(json.dumps(merged, indent=1, sort_keys=True), encoding="utf-8")
    partial.replace(output)
    views = merged["views"]
    return ObserveOutcome(
        returncode=returncode,
        seconds=time.perf_counter() - started,
        requests=len(merged["requests"]),
        views=len(views),
        views_with_sql=sum(1 for v in views.values() if v["sql"]),
        views_with_http=sum(1 for v in views.values() if v["http"]),
        processes=len(parts),
    )


class ObserveError(Exception):
    """The test command could not be started; the message is one line."""


def merge_records(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """One record from every process's: requests and tests together, routes once, and per
    view and per route the totals and the call sites with their chains."""
    requests: list[dict[str, Any]] = []
    tests: dict[str, Any] = {}
    routes: dict[tuple[str, str, str], dict[str, Any]] = {}
    urlconfs: list[str] = []
    django_version = ""
    root_urlconf = None
    for part in parts:
        django_version = part.get("django_version") or django_version
        root_urlconf = part.get("root_urlconf") if root_urlconf is None else root_urlconf
        requests.extend(part.get("requests", []))
        tests.update(part.get("tests", {}))
        for urlconf in part.get("urlconfs", []):
            if urlconf not in urlconfs:
                urlconfs.append(urlconf)
        for row in part.get("routes", []):
            key = (str(row.get("urlconf")), str(row.get("pattern")), str(row.get("view")))
            routes.setdefault(key, row)
    return {
        "django_version": django_version,
        "root_urlconf": root_urlconf,
        "urlconfs": urlconfs,
        "routes": list(routes.values()),
        "requests": requests,
        "tests": tests,
        "views": _per_view(requests),
    }


def _per_view(requests: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    views: dict[str, dict[str, Any]] = {}
    for record in requests:
        view = record.get("view")
        if not view:
            continue
        entry = views.setdefault(
            view,
            {
                "file": record.get("file"),
                "requests": 0,
                "direct_calls": 0,
                "sql": 0,
                "sql_ms": 0.0,
                "http": 0,
                "http_ms": 0.0,
                "routes": [],
                "http_calls": [],
                "db_doubles": 0,
                "db_calls": [],
                "sites": {},
            },
        )
        entry["requests"] += 1
        entry["direct_calls"] += record.get("kind") == "direct"
        entry["sql"] += int(record.get("sql", 0))
        entry["sql_ms"] = round(entry["sql_ms"] + float(record.get("sql_ms", 0.0)), 3)
        entry["http"] += int(record.get("http", 0))
        entry["http_ms"] = round(entry["http_ms"] + float(record.get("http_ms", 0.0)), 3)
        route = record.get("route")
        if route is not None:
            if route not in entry["routes"]:
                entry["routes"].append(route)
            through = entry.setdefault("by_route", {}).setdefault(
                route, {"requests": 0, "sql": 0, "http": 0}
            )
            through["requests"] += 1
            through["sql"] += int(record.get("sql", 0))
            through["http"] += int(record.get("http", 0))
        for call in record.get("http_calls", []):
            if call not in entry["http_calls"] and len(entry["http_calls"]) < 8:
                entry["http_calls"].append(call)
        entry["db_doubles"] += int(record.get("db_doubles", 0))
        for call in record.get("db_calls", []):
            if call not in entry["db_calls"] and len(entry["db_calls"]) < 8:
                entry["db_calls"].append(call)
        for key, site in record.get("sites", {}).items():
            known = entry["sites"].setdefault(key, {**site, "count": 0})
            known["count"] += site["count"]
    return views
