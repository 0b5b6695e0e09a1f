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
    collect,
    fingerprint,
)
from advisor.config import Settings
from advisor.discovery.layout import Layout
from advisor.discovery.readable import urlconf_unread
from advisor.discovery.settings import (
    DjangoSettings,
    find_settings,
    module_in_tree,
    settings_lookup,
)
from advisor.discovery.test_urlconfs import find_test_urlconfs
from advisor.discovery.unrouted import find_unrouted
from advisor.discovery.urlconf import RouteEntry, UrlconfEvaluator
from advisor.discovery.views import build_views
from advisor.effects import EffectAnalyzer, Summary
from advisor.excerpts import collect_excerpts
from advisor.facts import ModuleFacts
from advisor.index import ProjectIndex
from advisor.installed import follow
from advisor.installed import report as installed_report
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
from advisor.readiness import project_facts
from advisor.repository import project_location
from advisor.runtime.evidence import (
    EvidenceError,
    load_observed,
    summary_finding,
)
from advisor.runtime.evidence import attach as attach_observed
from advisor.runtime.merge import merge_resolved
from advisor.runtime.resolve import ResolveError, json_settings, project_python, resolve_routes
from advisor.scoring import score_view
from advisor.warm import Prepared, prepare
from advisor.warm import ScanError as ScanError  # re-exported: the CLI's name for it


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
                (
                    "django.views.generic.",
                    "rest_framework.",
                    "django.contrib.auth.views",
                    "django_filters.views",
                )
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


def _generic_hooks(view_class: str, index: ProjectIndex) -> list[str]:
    """The project's overrides of the methods the generic views `view_class` derives from
    call on it (django_api.GENERIC_VIEW_HOOKS), each the nearest along its MRO."""
    hooks = django_api.GENERIC_VIEW_HOOKS
    names = dict.fromkeys(name for base in index.mro(view_class) for name in hooks.get(base, ()))
    found = (index.find_method(view_class, name) for name in names)
    return list(dict.fromkeys(m for m in found if m is not None and m in index.functions))


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
        # A project `dispatch` runs on every request before (or instead of) the handler: a
        # View subclass's override, or the entry point of a class a factory closure serves.
        dispatch = analyzer.index.find_method(view.id, "dispatch")
        if dispatch is not None and dispatch in analyzer.index.functions:
            summaries.append(analyzer.view_summary(dispatch, view.id))
        # The generic view's own handler calls these on the view: the project's overrides
        # (`get_queryset`, `form_valid`, …) are part of the request, unless a project
        # handler already called them.
        reached = {callee for summary in summaries for callee in summary.callees}
        for hook in _generic_hooks(view.id, analyzer.index):
            if hook not in reached:
                summaries.append(analyzer.view_summary(hook, view.id))
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
    layout: Layout,
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
    import_root = layout.primary_root
    extra_paths = [root / other for other in layout.import_roots if other != import_root]
    if import_root:
        extra_paths.append(root)
    raw = django_settings.values.get("ROOT_URLCONF")
    if isinstance(raw, str) and raw:
        # A ROOT_URLCONF the scan found beside the settings: the folder the project's own
        # runner puts on sys.path for it (`pkg/` for 'tests.urls' in pkg/tests/urls.py).
        near = index.module_near(raw, django_settings.module)
        if near != raw and near in index.modules:
            info = index.modules[near]
            depth = len(raw.split(".")) - (0 if info.is_package else 1)
            extra_paths.append((root / info.path).parents[depth])
    try:
        resolved = resolve_routes(
            root / import_root,
            django_settings.module,
            python,
            extra_paths=tuple(extra_paths),
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


def _shown(path: Path, root: Path) -> str:
    """A path as findings name it: relative to the scanned folder when inside it, so that
    no report carries the machine's own path for the default record."""
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _load_observed(
    path: Path | None, findings: list[Finding], root: Path
) -> dict[str, dict[str, Any]]:
    if path is None:
        return {}
    try:
        return load_observed(path)
    except EvidenceError as error:
        message = str(error).replace(str(path), _shown(path, root), 1)
        findings.append(Finding("observed", message))
        return {}


def _by_scan_name(
    observed: dict[str, dict[str, Any]], index: ProjectIndex, root: Path
) -> dict[str, dict[str, Any]]:
    """The record keyed by the scan's view ids: the test run may have imported a module
    under another sys.path entry's name (`tests.urls` for `pkg/tests/urls.py`)."""
    keyed: dict[str, dict[str, Any]] = {}
    for runtime, raw in observed.items():
        file = raw.get("file")
        relative = None
        if isinstance(file, str):
            try:
                relative = Path(file).resolve().relative_to(root.resolve()).as_posix()
            except (ValueError, OSError):
                relative = None
        name = index.runtime_name(runtime, relative) or runtime
        known = keyed.get(name)
        if known is None or int(raw.get("requests", 0)) > int(known.get("requests", 0)):
            keyed[name] = raw
    return keyed


def scan(root: Path, settings: Settings) -> ScanResult:
    # collect() freezes the facts it built so the collector skips them during the scan;
    # scan_prepared unfreezes so a long-running caller (a server, a watch loop) does not keep
    # every later object it froze exempt from collection forever.
    return scan_prepared(prepare(root, settings), settings)[0]


def scan_prepared(prepared: Prepared, settings: Settings) -> tuple[ScanResult, bool]:
    """The scan after `warm.prepare`: the result, and whether it is the one stored under
    `prepared.key` (replayed from there, or just stored), so a report of it may be cached."""
    frozen_before = gc.get_freeze_count()
    try:
        return _scan(prepared, settings)
    finally:
        if gc.get_freeze_count() > frozen_before:
            gc.unfreeze()


def _scan(prepared: Prepared, settings: Settings) -> tuple[ScanResult, bool]:
    started = prepared.started
    timings = dict(prepared.timings)
    root = prepared.root
    files = prepared.files
    layout = prepared.layout
    known_stats = prepared.stats
    environment = prepared.environment
    findings = [
        Finding(kind, message, None if path is None else Location(path, 1))
        for kind, message, path in prepared.findings
    ]
    cache = prepared.facts_cache
    results = prepared.results
    result_key = prepared.key
    observed_path = prepared.observed_path
    mark = time.perf_counter()
    hit = results.load(result_key) if results is not None and result_key is not None else None
    if hit is not None:
        timings["result_cache"] = time.perf_counter() - mark
        timings["total"] = time.perf_counter() - started
        return replace(hit, timings={k: round(v, 4) for k, v in timings.items()}), True
    collected = collect(
        ((f.relative, f.path) for f in files), settings.jobs, cache, known_stats=known_stats
    )
    timings["parse"] = time.perf_counter() - mark

    mark = time.perf_counter()
    import_root = layout.primary_root
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
        name, is_package = layout.module(by_relative[item.relative])
        if name in modules and not is_package:
            continue
        modules[name] = (item.relative, is_package, item.facts)
    index = ProjectIndex(modules)
    timings["index"] = time.perf_counter() - mark

    mark = time.perf_counter()
    if settings.settings_module and module_in_tree(index, settings.settings_module) is None:
        raise ScanError(f"settings module {settings.settings_module!r} is not in {root}")
    django_settings = find_settings(index, root, settings.settings_module, import_root)
    project, readiness_findings = project_facts(
        root, index, django_settings, settings.django_version, settings.django_version_source
    )
    findings.extend(readiness_findings)
    shown_root, in_repository = project_location(root)
    project = replace(project, root=shown_root, name=root.name, in_repository=in_repository)
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
        if not test_urlconf.is_class:
            near = index.module_near(test_urlconf.target, django_settings.module)
            test_urlconf = replace(test_urlconf, target=near)
        urlconfs.evaluate_extra(test_urlconf)
    evaluated = urlconfs.result
    routes = evaluated.routes
    # No route from any URLconf (the root one or one the tests route through): say why.
    unread = None if routes else urlconf_unread(index, django_settings, project.root_urlconf)
    if unread is not None:
        findings.append(Finding(*unread))
    elif not django_settings.found:
        findings.append(
            Finding(
                "readiness",
                f"no Django settings found (tried {django_settings.tried}); pass --settings",
            )
        )
    framework_routes = evaluated.framework
    findings.extend(evaluated.findings)
    if settings.resolve:
        # Django serves the ROOT_URLCONF; URLconfs only the tests route through are compared
        # apart from it.
        test_only = len(routes) - len(root_routes)
        resolved_routes, framework_routes = _resolve(
            root,
            layout,
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
    timings["views"] = time.perf_counter() - mark

    mark = time.perf_counter()
    catalog = load_catalog(settings)
    followed = None
    if environment is not None:
        # Calls into installed packages are followed from here on (views are already found,
        # from the project's own files only).
        catalogued = frozenset(row.pattern.partition(".")[0] for row in catalog.rows)
        facts_cache = cache
        if facts_cache is None and settings.use_cache:
            facts_cache = FactsCache(root / settings.cache_dir, fingerprint())
        followed = follow(index, environment, catalogued, facts_cache)
    # After following: a project view subclassing an installed one (simplejwt's
    # TokenRefreshView) is a DRF view with the handlers it inherits.
    views = build_views(index, routes, unrouted)
    analyzer = EffectAnalyzer(
        index, catalog, settings, django_settings.values, django_settings.module
    )
    for view in views:
        analyzer.bind_route_attributes(view.id, (b for r in view.routes for b in r.bindings))
    observed = _by_scan_name(_load_observed(observed_path, findings, root), index, root)
    scored: list[View] = []
    for view in views:
        try:
            effects, unknown = view_effects(view, analyzer, settings)
        except RecursionError:
            # A bound the analysis missed: this view's evidence is incomplete, not the scan.
            findings.append(
                Finding("limit", f"{view.id}: the analysis nested too deep; effects unknown")
            )
            effects = ()
            unknown = (UnknownCall(view.id, view.location, "the analysis nested too deep"),)
        view = replace(view, effects=effects, unknown_calls=unknown)
        if view.id in observed:
            view = attach_observed(view, observed[view.id], settings)
        mro = index.mro(view.id) if view.kind != ViewKind.FUNCTION else ()
        scored.append(replace(view, score=score_view(view, project, settings, mro)))
    if observed_path is not None and observed:
        matched = sum(1 for v in scored if v.observed is not None)
        findings.append(summary_finding(Path(_shown(observed_path, root)), observed, matched))
    scored.sort(key=_rank)
    findings.extend(Finding("limit", message) for message in index.limits.values())
    timings["analysis"] = time.perf_counter() - mark
    mark = time.perf_counter()
    excerpts = collect_excerpts(root, scored)
    timings["excerpts"] = time.perf_counter() - mark
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
            functions=sum(1 for _ in index.iter_functions()),
            classes=len(index.project_classes()),
            cached_files=cached_files,
        ),
        framework_routes=tuple(framework_routes),
        timings={k: round(v, 4) for k, v in timings.items()},
        excerpts=excerpts,
        installed=installed_report(environment, followed) if environment is not None else None,
    )
    return result, _store_result(results, result_key, result, collected)


def _store_result(
    results: ResultCache | None,
    key: ResultKey | None,
    result: ScanResult,
    collected: list[Collected],
) -> bool:
    # A file that could not be read may be a passing I/O error: don't replay that answer.
    if results is None or key is None or any(c.facts is None for c in collected):
        return False
    return results.store(key, result)
