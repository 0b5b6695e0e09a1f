"""The one module that knows the order of the stages:
files → facts → index → settings/readiness → views → effects → scores → ScanResult."""

from __future__ import annotations

import gc
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from advisor import __version__, django_api
from advisor.catalog import load_catalog
from advisor.collect import (
    Collected,
    FactsCache,
    ResultCache,
    ResultKey,
    Stats,
    collect,
    fingerprint,
)
from advisor.config import Settings
from advisor.discovery.settings import DjangoSettings, find_settings, settings_lookup
from advisor.discovery.test_urlconfs import find_test_urlconfs
from advisor.discovery.unrouted import find_unrouted
from advisor.discovery.urlconf import RouteEntry, UrlconfEvaluator
from advisor.discovery.views import build_views
from advisor.effects import EffectAnalyzer, Summary
from advisor.facts import ModuleFacts
from advisor.files import SourceFile, discover, module_name
from advisor.index import ProjectIndex
from advisor.model import (
    CATEGORY_ORDER,
    ChainLink,
    Confidence,
    Effect,
    EffectKind,
    Finding,
    FrameworkRoute,
    Location,
    ParseError,
    ScanResult,
    ScanStats,
    UnknownCall,
    View,
    ViewKind,
)
from advisor.readiness import dependency_paths, project_facts
from advisor.runtime.evidence import (
    DEFAULT_OBSERVED,
    EvidenceError,
    load_observed,
    summary_finding,
)
from advisor.runtime.evidence import attach as attach_observed
from advisor.runtime.merge import merge_resolved
from advisor.runtime.resolve import ResolveError, json_settings, project_python, resolve_routes
from advisor.scoring import score_view


class ScanError(Exception):
    """Bad input for the whole scan (no such directory): the CLI prints it and exits 2."""


def _import_root(root: Path, files: list[SourceFile]) -> str:
    """The folder the project's imports are relative to: where manage.py lives (shallowest
    one), else the scan root."""
    candidates = sorted(
        (f.relative for f in files if f.relative.endswith("manage.py")),
        key=lambda r: (r.count("/"), r),
    )
    if candidates and "/" in candidates[0]:
        return candidates[0].rsplit("/", 1)[0]
    return ""


def _relocate(file: SourceFile, import_root: str) -> tuple[str, bool]:
    if import_root and file.relative.startswith(import_root + "/"):
        return module_name(file.relative[len(import_root) + 1 :])
    return file.module, file.is_package


def _implicit_effects(view: View, index: ProjectIndex) -> list[Effect]:
    """What framework code does on the view's behalf: a generic ListView evaluates its
    queryset, a DRF viewset serialises model instances."""
    if view.kind not in (ViewKind.GENERIC_CLASS, ViewKind.DRF_API, ViewKind.DRF_VIEWSET):
        return []
    family = next(
        (
            b
            for b in index.mro(view.id)
            if b.startswith(
                ("django.views.generic.", "rest_framework.", "django.contrib.auth.views")
            )
        ),
        None,
    )
    generic = family is not None and family not in (django_api.VIEW, django_api.DRF_API_VIEW)
    if not generic and view.kind != ViewKind.DRF_VIEWSET:
        return []
    base = (family or "framework").rsplit(".", 1)[-1]
    location = view.location
    return [
        Effect(
            kind=EffectKind.DB,
            call=f"{family or 'framework'}.get_queryset",
            location=location,
            chain=(ChainLink(view.id, location),),
            detail=f"{base} queries the database in framework code (get_queryset/get_object, "
            "pagination, serialisers)",
            latency_class="db_query",
            estimated_ms=0.0,
            confidence=Confidence.GUESSED,
            async_alternative=None,
            rewrite=None,
        )
    ]


def view_effects(
    view: View, analyzer: EffectAnalyzer, settings: Settings
) -> tuple[tuple[Effect, ...], tuple[UnknownCall, ...]]:
    summaries: list[Summary] = []
    if view.kind == ViewKind.FUNCTION:
        summaries.append(analyzer.view_summary(view.id))
    else:
        for handler in view.handlers:
            handler_id = f"{handler.defined_in}.{handler.name}"
            summaries.append(analyzer.view_summary(handler_id, view.id))
        summaries.extend(analyzer.hook_summaries(view.id))
    effects = [e for s in summaries for e in s.effects]
    implicit = _implicit_effects(view, analyzer.index)
    for effect in implicit:
        effects.append(replace(effect, estimated_ms=2 * settings.latency("db_query")))
    unknown = tuple(dict.fromkeys(u for s in summaries for u in s.unknown_calls))
    return tuple(effects), unknown


def _rank(view: View) -> tuple[int, int, int, float, str]:
    """Routed first; then by category, score, and time released net of CPU (so among views
    to keep sync the most CPU-bound comes last)."""
    score = view.score
    if score is None:
        return (0 if view.routed else 1, len(CATEGORY_ORDER), 0, 0.0, view.id)
    return (
        0 if view.routed else 1,
        CATEGORY_ORDER.index(score.category),
        -score.value,
        score.estimated_cpu_ms - score.overlap_ms,
        view.id,
    )


def _resolve(
    root: Path,
    import_root: str,
    index: ProjectIndex,
    django_settings: DjangoSettings,
    settings: Settings,
    routes: list[RouteEntry],
    framework_routes: list[FrameworkRoute],
    findings: list[Finding],
) -> tuple[list[RouteEntry], list[FrameworkRoute]]:
    """Django's own route table in place of the static one; on failure, one finding and the
    static routes."""
    configured: dict[str, Any] | None = None
    if django_settings.module is None and django_settings.configured is not None:
        configured, dropped = json_settings(django_settings.configured)
        if dropped:
            findings.append(
                Finding(
                    "resolve",
                    "--resolve: settings.configure() values not replayed (not plain data): "
                    + ", ".join(sorted(dropped)),
                )
            )
    python = project_python(root, settings.python)
    try:
        resolved = resolve_routes(
            root / import_root,
            django_settings.module,
            python,
            extra_paths=(root,) if import_root else (),
            configured=configured,
        )
    except ResolveError as error:
        findings.append(Finding("resolve", f"{error} (static routes used)"))
        return routes, framework_routes
    merged, framework, merge_findings = merge_resolved(
        resolved, root, index, routes, framework_routes
    )
    findings.extend(merge_findings)
    return merged, framework


def _observed_path(root: Path, settings: Settings) -> Path | None:
    """The `advisor observe` record to merge: the one given, else the default one if present."""
    if settings.observed:
        return Path(settings.observed)
    default = root / DEFAULT_OBSERVED
    return default if default.is_file() else None


def _load_observed(path: Path | None, findings: list[Finding]) -> dict[str, dict[str, Any]]:
    if path is None:
        return {}
    try:
        return load_observed(path)
    except EvidenceError as error:
        findings.append(Finding("observed", str(error)))
        return {}


def scan(root: Path, settings: Settings) -> ScanResult:
    frozen_before = gc.get_freeze_count()
    try:
        return _scan(root, settings)
    finally:
        # collect() freezes the facts it built so the collector skips them during the scan;
        # unfreeze so a long-running caller (a server, a watch loop) does not keep every
        # later object it froze exempt from collection forever.
        if gc.get_freeze_count() > frozen_before:
            gc.unfreeze()


def _scan(root: Path, settings: Settings) -> ScanResult:
    started = time.perf_counter()
    timings: dict[str, float] = {}
    if not root.is_dir():
        raise ScanError(f"{root}: not a directory")
    root = root.resolve()
    findings: list[Finding] = []
    files: list[SourceFile] = []
    discovered_ns = time.time_ns()  # before discovery's stats, which the caches reuse
    for found in discover(root, settings.excludes):
        if isinstance(found, SourceFile):
            files.append(found)
        else:
            findings.append(Finding("file", found[1], Location(found[0], 1)))
    timings["discover"] = time.perf_counter() - started
    known_stats = Stats(
        {f.relative: f.signature for f in files if f.signature is not None}, discovered_ns
    )

    mark = time.perf_counter()
    cache: FactsCache | None = None
    results: ResultCache | None = None
    result_key: ResultKey | None = None
    observed_path = _observed_path(root, settings)
    # Runtime truth can change with no file changing (installed packages, the environment).
    if settings.use_cache and not settings.resolve and observed_path is None:
        tool = fingerprint()
        cache = FactsCache(root / settings.cache_dir, tool)
        results = ResultCache(root / settings.cache_dir, tool)
        # Discovery and a stat of every file still run: they are what proves nothing changed.
        result_key = results.key(
            root,
            settings,
            [(f.relative, f.path) for f in files],
            findings,
            dependency_paths(root),
            known_stats,
        )
        hit = results.load(result_key) if result_key is not None else None
        if hit is not None:
            timings["result_cache"] = time.perf_counter() - mark
            timings["total"] = time.perf_counter() - started
            return replace(hit, timings={k: round(v, 4) for k, v in timings.items()})
    collected = collect(
        ((f.relative, f.path) for f in files), settings.jobs, cache, known_stats=known_stats
    )
    timings["parse"] = time.perf_counter() - mark

    mark = time.perf_counter()
    import_root = _import_root(root, files)
    by_relative = {f.relative: f for f in files}
    modules: dict[str, tuple[str, bool, ModuleFacts]] = {}
    parse_errors: list[ParseError] = []
    lines = 0
    cached_files = 0
    for item in collected:
        cached_files += item.cached
        if item.facts is None:
            parse_errors.append(ParseError(item.relative, 1, item.error or "unreadable"))
            continue
        lines += item.facts.lines
        if item.facts.error is not None:
            line, message = item.facts.error
            parse_errors.append(ParseError(item.relative, line, message))
        name, is_package = _relocate(by_relative[item.relative], import_root)
        if name in modules and not is_package:
            continue
        modules[name] = (item.relative, is_package, item.facts)
    index = ProjectIndex(modules)
    timings["index"] = time.perf_counter() - mark

    mark = time.perf_counter()
    if settings.settings_module and settings.settings_module not in index.modules:
        raise ScanError(f"settings module {settings.settings_module!r} is not in {root}")
    django_settings = find_settings(index, root, settings.settings_module)
    project, readiness_findings = project_facts(
        root, index, django_settings, settings.django_version
    )
    findings.extend(readiness_findings)
    if not django_settings.found:
        findings.append(
            Finding(
                "readiness",
                f"no Django settings found (tried {django_settings.tried}); pass --settings",
            )
        )
    urlconfs = UrlconfEvaluator(index, settings_lookup(index, django_settings))
    root_routes: list[RouteEntry] = []
    if project.root_urlconf:
        urlconfs.evaluate(project.root_urlconf)
        root_routes = list(urlconfs.result.routes)
    elif django_settings.found:
        missing = "is empty" if django_settings.values.get("ROOT_URLCONF") == "" else "not found"
        findings.append(
            Finding("urlconf", f"ROOT_URLCONF {missing} in the settings ({django_settings.source})")
        )
    for test_urlconf in find_test_urlconfs(index):
        urlconfs.evaluate_extra(test_urlconf)
    evaluated = urlconfs.result
    routes = evaluated.routes
    framework_routes = evaluated.framework
    findings.extend(evaluated.findings)
    if settings.resolve:
        # Django serves the ROOT_URLCONF; URLconfs only the tests route through are compared
        # apart from it.
        test_only = len(routes) - len(root_routes)
        resolved_routes, framework_routes = _resolve(
            root,
            import_root,
            index,
            django_settings,
            settings,
            root_routes,
            framework_routes,
            findings,
        )
        if resolved_routes is not root_routes:
            routes = resolved_routes
            if test_only:
                findings.append(
                    Finding(
                        "resolve",
                        f"--resolve: {test_only} routes of URLconfs only the tests route "
                        "through (override_settings) are not served under these settings",
                    )
                )
    routed = {entry.view for entry in routes}
    unrouted = find_unrouted(index, routed)
    views = build_views(index, routes, unrouted)
    timings["views"] = time.perf_counter() - mark

    mark = time.perf_counter()
    analyzer = EffectAnalyzer(
        index, load_catalog(settings), settings, django_settings.values, django_settings.module
    )
    observed = _load_observed(observed_path, findings)
    scored: list[View] = []
    for view in views:
        effects, unknown = view_effects(view, analyzer, settings)
        view = replace(view, effects=effects, unknown_calls=unknown)
        if view.id in observed:
            view = attach_observed(view, observed[view.id], settings)
        mro = index.mro(view.id) if view.kind != ViewKind.FUNCTION else ()
        scored.append(replace(view, score=score_view(view, project, settings, mro)))
    if observed_path is not None and observed:
        matched = sum(1 for v in scored if v.observed is not None)
        findings.append(summary_finding(observed_path, observed, matched))
    scored.sort(key=_rank)
    timings["analysis"] = time.perf_counter() - mark
    timings["total"] = time.perf_counter() - started
    result = ScanResult(
        tool_version=__version__,
        project=project,
        views=tuple(scored),
        findings=tuple(findings),
        parse_errors=tuple(sorted(parse_errors, key=lambda e: (e.path, e.line))),
        stats=ScanStats(
            files=len(files),
            lines=lines,
            functions=len(index.functions),
            classes=len(index.classes),
            cached_files=cached_files,
        ),
        framework_routes=tuple(framework_routes),
        timings={k: round(v, 4) for k, v in timings.items()},
    )
    _store_result(results, result_key, result, collected)
    return result


def _store_result(
    results: ResultCache | None,
    key: ResultKey | None,
    result: ScanResult,
    collected: list[Collected],
) -> None:
    # A file that could not be read may be a passing I/O error: don't replay that answer.
    if results is not None and key is not None and all(c.facts is not None for c in collected):
        results.store(key, result)
