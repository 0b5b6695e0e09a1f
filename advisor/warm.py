"""The first steps of every scan — discovery (one stat per file), the layout, the project's
environment and the result cache's key — with nothing of the analysis imported, and the JSON
report cached under that key. So an unchanged re-scan costs start-up, one stat pass and
writing the report it wrote last time; `pipeline` runs the same steps through `prepare`.

The report cache is one file, `.advisor_cache/report.cache`: a line naming the result key
and the request (format, selected rules), a JSON line with what the command line needs
besides the text (the URLconf warning, each routed view's active rule codes for
`--fail-on`), then the report's bytes around its stats and timings, which each run fills in anew.
It is read as data only, like the other cache files.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from advisor.collect import FactsCache, ResultCache, ResultKey, Stats, fingerprint
from advisor.config import DEFAULT_OBSERVED, Settings
from advisor.discovery.inputs import dependency_paths, settings_paths
from advisor.discovery.layout import Layout, LayoutError, find_layout
from advisor.environment import Environment, EnvironmentError_, environment_key, project_environment
from advisor.files import SourceFile, discover

REPORT_FILE = "report.cache"
_REPORT_MAGIC = b"advisor-report-1 "

# (kind, message, relative path or None): what discovery, the layout and the environment
# report, as plain data so the key needs no model class.
RawFinding = tuple[str, str, str | None]


class ScanError(Exception):
    """Bad input for the whole scan (no such directory): the CLI prints it and exits 2."""


@dataclass(frozen=True)
class Prepared:
    root: Path  # resolved
    files: list[SourceFile]
    layout: Layout
    findings: tuple[RawFinding, ...]
    stats: Stats
    environment: Environment | None
    observed_path: Path | None
    facts_cache: FactsCache | None
    results: ResultCache | None
    key: ResultKey | None  # None: the answer cannot be cached (see ResultCache.key)
    started: float  # perf_counter() when the scan began
    timings: dict[str, float] = field(default_factory=dict)


def observed_path(root: Path, settings: Settings) -> Path | None:
    """The `advisor observe` record to merge: the one given, else the default one if present."""
    if settings.observed:
        return Path(settings.observed)
    default = root / DEFAULT_OBSERVED
    return default if default.is_file() else None


def prepare(root: Path, settings: Settings) -> Prepared:
    started = time.perf_counter()
    timings: dict[str, float] = {}
    if not root.is_dir():
        raise ScanError(f"{root}: not a directory")
    root = root.resolve()
    findings: list[RawFinding] = []
    files: list[SourceFile] = []
    discovered_ns = time.time_ns()  # before discovery's stats, which the caches reuse
    for found in discover(root, settings.excludes, settings.default_excludes):
        if isinstance(found, SourceFile):
            files.append(found)
        else:
            findings.append(("file", found[1], found[0]))
    try:
        layout = find_layout(root, files, settings.project)
    except LayoutError as error:
        raise ScanError(str(error)) from error
    note = layout.note()
    if note is not None:
        findings.append(("layout", note, None))
    files = [f for f in files if not layout.skips(f.relative)]
    timings["discover"] = time.perf_counter() - started
    stats = Stats(
        {f.relative: f.signature for f in files if f.signature is not None}, discovered_ns
    )

    environment = None
    try:
        environment = project_environment(root, settings.python)
    except EnvironmentError_ as error:
        findings.append(("environment", f"{error}; installed packages are not followed", None))
    observed = observed_path(root, settings)
    cache: FactsCache | None = None
    results: ResultCache | None = None
    key: ResultKey | None = None
    # Runtime truth can change with no file changing (installed packages, the environment).
    if settings.use_cache and not settings.resolve and observed is None:
        tool = fingerprint()
        cache = FactsCache(root / settings.cache_dir, tool)
        results = ResultCache(root / settings.cache_dir, tool)
        # Discovery and a stat of every file still run: they are what proves nothing changed.
        key = results.key(
            root,
            settings,
            [(f.relative, f.path) for f in files],
            findings,
            [*dependency_paths(root), *settings_paths(root, layout.primary_root)],
            environment_key(environment),
            stats,
        )
    return Prepared(
        root,
        files,
        layout,
        tuple(findings),
        stats,
        environment,
        observed,
        cache,
        results,
        key,
        started,
        timings,
    )


# --- The rendered report ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CachedReport:
    """A report as the command line last wrote it for this key and request, cut around its
    stats and timings (`reporters.to_json.json_parts`)."""

    parts: tuple[bytes | memoryview, bytes | memoryview, bytes | memoryview]
    # The stats a replay reports: the stored result's, every file served from the cache.
    stats: dict[str, int]
    # The line saying no URLconf was read, and whether it is an error (settings found but
    # broken) rather than a warning; None when the URLconf was read.
    unread: tuple[str, bool] | None
    routed: tuple[tuple[str, tuple[str, ...]], ...]  # routed view id, its active rule codes

    def encoded(self, stats: dict[str, int], timings: dict[str, float]) -> bytes:
        """The report's UTF-8 bytes with these stats and timings (joined as bytes: decoding
        and joining the text of a 20 MB report cost ~0.3 s)."""
        first, middle, last = self.parts
        return b"".join((first, _compact(stats), middle, _compact(timings), last))


def _compact(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _header(prepared: Prepared, request: str) -> bytes | None:
    if prepared.key is None:
        return None
    digest = hashlib.sha256(f"{prepared.key.digest}\0{request}".encode()).hexdigest()
    return _REPORT_MAGIC + digest.encode() + b"\n"


def _report_path(prepared: Prepared) -> Path | None:
    if prepared.results is None:
        return None
    return prepared.results.path.with_name(REPORT_FILE)


def load_report(prepared: Prepared, request: str) -> CachedReport | None:
    """The report stored for this key and request, or None (any damage means "not cached")."""
    header = _header(prepared, request)
    path = _report_path(prepared)
    if header is None or path is None:
        return None
    try:
        blob = path.read_bytes()
    except OSError:
        return None
    if not blob.startswith(header):
        return None
    whole = memoryview(blob)  # the parts are views of it, not copies
    try:
        meta_end = blob.index(b"\n", len(header))
        meta = json.loads(blob[len(header) : meta_end])
        first_end = meta_end + 1 + int(meta["parts"][0])
        middle_end = first_end + int(meta["parts"][1])
        if len(blob) < middle_end:
            return None
        unread = meta["unread"]
        report = CachedReport(
            (whole[meta_end + 1 : first_end], whole[first_end:middle_end], whole[middle_end:]),
            {str(name): int(count) for name, count in meta["stats"].items()},
            None if unread is None else (str(unread[0]), bool(unread[1])),
            tuple((str(view), tuple(str(c) for c in codes)) for view, codes in meta["routed"]),
        )
    except (ValueError, KeyError, TypeError, IndexError, AttributeError):
        return None
    return report


def store_report(prepared: Prepared, request: str, report: CachedReport) -> None:
    from advisor.collect import write_cache_file

    header = _header(prepared, request)
    path = _report_path(prepared)
    if header is None or path is None:
        return
    meta = {
        "parts": [len(report.parts[0]), len(report.parts[1])],
        "stats": report.stats,
        "unread": None if report.unread is None else list(report.unread),
        "routed": [[view, list(codes)] for view, codes in report.routed],
    }
    line = json.dumps(meta, ensure_ascii=True, separators=(",", ":")).encode()
    write_cache_file(path, b"".join((header, line, b"\n", *report.parts)))
