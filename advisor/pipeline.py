"""The one module that knows the order of the stages:
files → facts → index → settings/readiness → views → effects → scores → ScanResult."""

from __future__ import annotations

import gc
import time
from dataclasses import replace
from pathlib import Path

from advisor import __version__, django_api
from advisor.catalog import load_catalog
from advisor.collect import Collected, FactsCache, ResultCache, ResultKey, collect, fingerprint
from advisor.config import Settings
from advisor.discovery.unrouted import find_unrouted
from advisor.discovery.urlconf import UrlconfEvaluator
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
    Location,
    ParseError,
    ScanResult,
    ScanStats,
    UnknownCall,
    View,
    ViewKind,
)
from advisor.readiness import (
    dependency_paths,
    find_settings_module,
    project_facts,
    read_settings,
)
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
    for found in discover(root, settings.excludes):
        if isinstance(found, SourceFile):
            files.append(found)
        else:
            findings.append(Finding("file", found[1], Location(found[0], 1)))
    timings["discover"] = time.perf_counter() - started

    mark = time.perf_counter()
    cache: FactsCache | None = None
    results: ResultCache | None = None
    result_key: ResultKey | None = None
    if settings.use_cache:
        tool = fingerprint()
        cache = FactsCache(root / settings.cache_dir, tool)
        results = ResultCache(root / settings.cache_dir, tool)
        # Discovery and a stat of every file still run: they are what proves nothing changed.
        result_key = results.key(
            root, settings, [(f.relative, f.path) for f in files], findings, dependency_paths(root)
        )
        hit = results.load(result_key) if result_key is not None else None
        if hit is not None:
            timings["result_cache"] = time.perf_counter() - mark
            timings["total"] = time.perf_counter() - started
            return replace(hit, timings={k: round(v, 4) for k, v in timings.items()})
    collected = collect(((f.relative, f.path) for f in files), settings.jobs, cache)
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
    settings_module = find_settings_module(index, settings.settings_module)
    if settings.settings_module and settings.settings_module not in index.modules:
        raise ScanError(f"settings module {settings.settings_module!r} is not in {root}")
    django_settings = read_settings(index, settings_module)
    project, readiness_findings = project_facts(
        root, index, django_settings, settings.django_version
    )
    findings.extend(readiness_findings)
    if settings_module is None:
        findings.append(
            Finding(
                "readiness",
                "no Django settings module found (looked in "
                "manage.py, asgi.py, wsgi.py); pass --settings",
            )
        )
    routes = []
    framework_routes = []
    if project.root_urlconf:
        evaluated = UrlconfEvaluator(index).evaluate(project.root_urlconf)
        routes = evaluated.routes
        framework_routes = evaluated.framework
        findings.extend(evaluated.findings)
    elif settings_module is not None:
        findings.append(Finding("urlconf", f"ROOT_URLCONF not found in {settings_module}"))
    routed = {entry.view for entry in routes}
    unrouted = find_unrouted(index, routed)
    views = build_views(index, routes, unrouted)
    timings["views"] = time.perf_counter() - mark

    mark = time.perf_counter()
    analyzer = EffectAnalyzer(
        index, load_catalog(settings), settings, django_settings.values, django_settings.module
    )
    scored: list[View] = []
    for view in views:
        effects, unknown = view_effects(view, analyzer, settings)
        view = replace(view, effects=effects, unknown_calls=unknown)
        mro = index.mro(view.id) if view.kind != ViewKind.FUNCTION else ()
        scored.append(replace(view, score=score_view(view, project, settings, mro)))
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
