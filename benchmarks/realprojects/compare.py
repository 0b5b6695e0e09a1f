"""Compare ground truth from a real project's test run with what the static scan says.

Pure functions over plain JSON data (the observe hook's output, `advisor views`/`advisor
scan --format json`), so the matching rules are unit-tested on small fixtures:

* Routes are matched on a normalised pattern (regex and path syntax alike: `^a/(?P<pk>\\d+)/$`
  and `a/<int:pk>/` are both `a/<pk>/`) and the view's dotted id. Framework routes (admin,
  Django's and DRF's own views: any view whose source is not in the project tree) are left
  out of the served set, as the scan lists them apart.
* Effects are compared per view the tests exercised (through the client or called
  directly): observed > 0 against "the scan predicts at least one effect of that kind".
  Recall = predicted and observed / observed; precision = predicted and observed / predicted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from advisor.runtime.resolve import normalise_pattern


@dataclass(frozen=True)
class RouteKey:
    pattern: str
    view: str


def scan_names(truth: Mapping[str, Any], scan_json: Mapping[str, Any], tree: str) -> dict[str, Any]:
    """The truth with view ids as the scan names them. A test runner that puts a subfolder
    on sys.path imports `pkg/tests/urls.py` as `tests.urls`: the same file, and one dotted
    name a suffix of the other, is the same view."""
    paths = {v["id"]: (v.get("location") or {}).get("path") for v in scan_json.get("views", [])}

    def named(runtime: str, file: str | None) -> str:
        if runtime in paths or not file or not file.startswith(tree):
            return runtime
        relative = file[len(tree) :].lstrip("/")
        matches = [
            static
            for static, path in paths.items()
            if path == relative
            and (static.endswith(f".{runtime}") or runtime.endswith(f".{static}"))
        ]
        return matches[0] if len(matches) == 1 else runtime

    renamed = dict(truth)
    renamed["views"] = {
        named(view, seen.get("file")): seen for view, seen in truth.get("views", {}).items()
    }
    renamed["routes"] = [
        {**row, "view": named(row["view"], row.get("file"))} if row.get("view") else row
        for row in truth.get("routes", [])
    ]
    return renamed


def served_routes(truth: Mapping[str, Any], project_files: Iterable[str]) -> set[RouteKey]:
    """Routes Django served in the test run whose view lives in the project tree."""
    roots = tuple(project_files)
    keys: set[RouteKey] = set()
    for row in truth.get("routes", []):
        if "error" in row or not row.get("view"):
            continue
        if not is_project_file(row.get("file"), roots):
            continue
        keys.add(RouteKey(normalise_pattern(row["pattern"]), row["view"]))
    return keys


def is_project_file(path: str | None, roots: tuple[str, ...]) -> bool:
    if not path:
        return False
    if "site-packages" in path or "dist-packages" in path:
        return False
    return any(path.startswith(root) for root in roots)


def static_routes(scan_json: Mapping[str, Any]) -> set[RouteKey]:
    """Routes the static scan found for project views (its `framework_routes` left out)."""
    keys: set[RouteKey] = set()
    for view in scan_json.get("views", []):
        for route in view.get("routes", []):
            if route.get("pattern") is not None:
                keys.add(RouteKey(normalise_pattern(route["pattern"]), view["id"]))
    return keys


@dataclass
class RouteFigures:
    served: int
    found: int
    invented: int
    missed: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float | None:
        return self.found / self.served if self.served else None


def compare_routes(served: set[RouteKey], static: set[RouteKey]) -> RouteFigures:
    found = served & static
    return RouteFigures(
        served=len(served),
        found=len(found),
        invented=len(static - served),
        missed=sorted(f"{k.pattern} -> {k.view}" for k in served - static),
        extra=sorted(f"{k.pattern} -> {k.view}" for k in static - served),
    )


@dataclass
class ViewTruth:
    view: str
    requests: int = 0
    sql: int = 0
    http: int = 0
    http_calls: list[str] = field(default_factory=list)
    db_doubles: int = 0  # calls to test doubles of functions that query


def exercised_views(truth: Mapping[str, Any], project_files: Iterable[str]) -> dict[str, ViewTruth]:
    """The project views the tests ran, from `advisor observe`'s per-view table."""
    roots = tuple(project_files)
    return {
        view: ViewTruth(
            view,
            requests=int(seen.get("requests", 0)),
            sql=int(seen.get("sql", 0)),
            http=int(seen.get("http", 0)),
            http_calls=list(seen.get("http_calls", [])),
            db_doubles=int(seen.get("db_doubles", 0)),
        )
        for view, seen in truth.get("views", {}).items()
        if is_project_file(seen.get("file"), roots)
    }


def predicted_kinds(scan_json: Mapping[str, Any]) -> dict[str, set[str]]:
    """The effect kinds the scan predicts for each view id."""
    return {
        view["id"]: {str(effect["kind"]) for effect in view.get("effects", [])}
        for view in scan_json.get("views", [])
    }


def categories(scan_json: Mapping[str, Any]) -> dict[str, str]:
    """The category the scan gives each view id."""
    return {
        view["id"]: str((view.get("score") or {}).get("category", ""))
        for view in scan_json.get("views", [])
    }


CANDIDATES = ("strong candidate", "candidate (needs work)")


def ranking(exercised: Mapping[str, ViewTruth], category: Mapping[str, str]) -> dict[str, int]:
    """Do views the tests saw making outbound HTTP rank as candidates, and do DB-only views
    stay out of "strong candidate"?"""
    http = [v for v, t in exercised.items() if t.http > 0]
    db_only = [v for v, t in exercised.items() if t.sql > 0 and t.http == 0]
    return {
        "http_views": len(http),
        "http_views_candidates": sum(category.get(v) in CANDIDATES for v in http),
        "db_only_views": len(db_only),
        "db_only_strong": sum(category.get(v) == "strong candidate" for v in db_only),
    }


@dataclass
class EffectFigures:
    kind: str
    observed: int = 0
    predicted: int = 0
    both: int = 0
    missed: list[str] = field(default_factory=list)
    phantom: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float | None:
        return self.both / self.observed if self.observed else None

    @property
    def precision(self) -> float | None:
        return self.both / self.predicted if self.predicted else None


def compare_effects(
    exercised: Mapping[str, ViewTruth], predicted: Mapping[str, set[str]], kind: str
) -> EffectFigures:
    """Recall and precision of one effect kind over the views the tests exercised."""
    figures = EffectFigures(kind)
    for view, truth in sorted(exercised.items()):
        observed = (truth.sql + truth.db_doubles if kind == "db" else truth.http) > 0
        says = kind in predicted.get(view, set())
        figures.observed += observed
        figures.predicted += says
        figures.both += observed and says
        if observed and not says:
            figures.missed.append(view)
        if says and not observed:
            figures.phantom.append(view)
    return figures


@dataclass
class SuiteFigures:
    total: int
    passed: int
    failed: int
    errors: int
    skipped: int


def suite_figures(tests: Mapping[str, Mapping[str, Any]]) -> SuiteFigures:
    outcomes = [str(entry.get("outcome")) for entry in tests.values()]
    return SuiteFigures(
        total=len(outcomes),
        passed=outcomes.count("passed") + outcomes.count("xfailed"),
        failed=outcomes.count("failed"),
        errors=outcomes.count("error"),
        skipped=outcomes.count("skipped"),
    )


def newly_failing(
    baseline: Mapping[str, Mapping[str, Any]], after: Mapping[str, Mapping[str, Any]]
) -> list[str]:
    """Tests that passed in the baseline and do not pass after the rewrite (or vanished)."""
    good = {"passed", "xfailed"}
    return sorted(
        test
        for test, entry in baseline.items()
        if entry.get("outcome") in good and after.get(test, {}).get("outcome") not in good
    )


def as_plain(value: Any) -> Any:
    """Dataclasses → dicts, with the computed ratios included, for the --json output."""
    if isinstance(value, RouteFigures | EffectFigures):
        data = asdict(value)
        data["recall"] = value.recall
        if isinstance(value, EffectFigures):
            data["precision"] = value.precision
        return data
    if hasattr(value, "__dataclass_fields__"):
        return asdict(value)
    return value
