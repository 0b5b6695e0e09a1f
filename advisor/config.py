"""One frozen `Settings` for a run, built from `[tool.advisor]` plus command-line flags (flags
win). The table is read from the nearest pyproject.toml that has one, from the scanned folder
upward to the repository root (as ruff finds its configuration), so a repository-root
pyproject.toml applies when scanning `src/`. Passed down explicitly; no globals."""

from __future__ import annotations

import dataclasses
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from advisor.files import DEFAULT_EXCLUDES

# Milliseconds a single call of each latency class costs, by default. External HTTP is
# the slow, awaitable kind; a DB query on a nearby server is a few ms; a cache hit less.
# The `advisor observe` record a scan merges when present and none is given.
DEFAULT_OBSERVED = Path(".advisor") / "observed.json"
DEFAULT_LATENCIES_MS: dict[str, float] = {
    "external_http": 150.0,
    "network": 20.0,
    "sleep": 100.0,  # used when the sleep's duration is not a literal
    "email": 120.0,
    "subprocess": 50.0,
    "db_query": 4.0,
    "db_write": 6.0,
    "cache": 1.0,
    "filesystem": 1.0,
    "template": 4.0,
    "cpu": 60.0,
    "streaming": 250.0,  # a streamed response holds its worker for the whole stream
    "thread_hop": 0.1,  # one sync_to_async/async_to_sync switch
    # CPU Django itself spends on one request (handler, middleware, URL resolving, the
    # response), in either mode; calibrated with benchmarks/async_benefit.py.
    "request_cpu": 2.0,
    "asgi_request_cpu": 3.0,  # what a request costs on top under ASGI (uvicorn, asgiref)
    "http_call_cpu": 1.0,  # CPU of one outbound HTTP call: building it, parsing the answer
    "none": 0.0,
}


class ConfigError(ValueError):
    """A `[tool.advisor]` value or flag that cannot be used; the message says which."""


_EXTRA_NOTE = "declared in [tool.advisor.effects]"


@dataclass(frozen=True, slots=True)
class ExtraEffect:
    """A user's own catalog row: `[[tool.advisor.effects]] call = "acme.http.post"`."""

    call: str
    kind: str
    latency: str | None = None
    async_alternative: str | None = None
    note: str = _EXTRA_NOTE


@dataclass(frozen=True, slots=True)
class Settings:
    excludes: tuple[str, ...] = ()
    # The default excludes (advisor.files.DEFAULT_EXCLUDES) unless `[tool.advisor] exclude`
    # replaces them or `--no-default-excludes` empties them.
    default_excludes: tuple[str, ...] = DEFAULT_EXCLUDES
    settings_module: str | None = None
    project: str | None = None  # --project: the manage.py of the project to scan
    # Scan on when the URLconf cannot be read (a library, a project without settings)
    # instead of exiting 2 or failing the --fail-on gate.
    allow_no_urlconf: bool = False
    django_version: str | None = None
    # Where django_version came from, for the report: "--django-version" or the pyproject.
    django_version_source: str | None = None
    latencies_ms: tuple[tuple[str, float], ...] = tuple(DEFAULT_LATENCIES_MS.items())
    loop_iterations: int = 5
    max_call_depth: int = 8
    strong_score: int = 60
    candidate_score: int = 25
    min_overlap_ms: float = 20.0
    # The worker the capacity estimate compares against: a sync worker with this many
    # threads (gunicorn gthread, uWSGI threads), and this many requests in flight.
    worker_threads: int = 4
    concurrency: int = 16
    extra_effects: tuple[ExtraEffect, ...] = ()
    jobs: int = 1
    use_cache: bool = False
    cache_dir: str = ".advisor_cache"
    resolve: bool = False  # take the routes from the project's own Django (a child process)
    python: str | None = None  # the project's interpreter for --resolve
    observed: str | None = None  # advisor observe's record (default: .advisor/observed.json)

    def latency(self, latency_class: str) -> float:
        for name, value in self.latencies_ms:
            if name == latency_class:
                return value
        return 0.0


_INT_KEYS = (
    "loop_iterations",
    "max_call_depth",
    "strong_score",
    "candidate_score",
    "jobs",
    "worker_threads",
    "concurrency",
)


_PYPROJECT = "pyproject.toml"


def find_pyproject(root: Path) -> Path | None:
    """The nearest pyproject.toml with a `[tool.advisor]` table, from `root` up to the
    repository root (the first folder holding `.git`), or None."""
    folder = root.resolve()
    while True:
        path = folder / "pyproject.toml"
        if path.is_file():
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as error:
                raise ConfigError(f"{path}: cannot read [tool.advisor]: {error}") from error
            if "advisor" in text:  # cheap test before parsing
                try:
                    data = tomllib.loads(text)
                except tomllib.TOMLDecodeError as error:
                    raise ConfigError(f"{path}: cannot read [tool.advisor]: {error}") from error
                tool = data.get("tool", {})
                if isinstance(tool, dict) and "advisor" in tool:
                    return path
        if (folder / ".git").exists() or folder.parent == folder:
            return None
        folder = folder.parent


def read_pyproject_table(root: Path) -> dict[str, Any]:
    path = find_pyproject(root)
    if path is None:
        return {}
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    table = data.get("tool", {}).get("advisor", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.advisor] must be a table")
    return _rebased(table, root.resolve(), path.parent)


def _rebased(table: dict[str, Any], root: Path, config_folder: Path) -> dict[str, Any]:
    """Exclude patterns written relative to a pyproject.toml above the scanned folder, made
    relative to the scanned folder: `src/legacy/` is `legacy/` when scanning `src/`."""
    if root == config_folder:
        return table
    try:
        prefix = root.relative_to(config_folder).as_posix() + "/"
    except ValueError:
        return table
    rebased = dict(table)
    for key in ("exclude", "excludes", "extend-exclude", "extend_exclude"):
        if isinstance(table.get(key), list):
            rebased[key] = [
                item[len(prefix) :] if isinstance(item, str) and item.startswith(prefix) else item
                for item in table[key]
            ]
    return rebased


def build_settings(root: Path, **overrides: Any) -> Settings:
    """Settings for scanning `root`: defaults, then `[tool.advisor]`, then non-None flags."""
    table = read_pyproject_table(root)
    values: dict[str, Any] = {}
    latencies = dict(DEFAULT_LATENCIES_MS)
    for key, raw in table.items():
        name = key.replace("-", "_")
        if name == "latencies_ms" or name == "latencies":
            if not isinstance(raw, dict):
                raise ConfigError("[tool.advisor.latencies] must map latency classes to ms")
            for latency_class, ms in raw.items():
                if latency_class not in latencies:
                    known = ", ".join(sorted(latencies))
                    raise ConfigError(f"unknown latency class {latency_class!r} (known: {known})")
                if not isinstance(ms, int | float) or ms < 0:
                    raise ConfigError(f"latency {latency_class!r} must be a number of ms >= 0")
                latencies[latency_class] = float(ms)
        elif name == "effects":
            if not isinstance(raw, list):
                raise ConfigError("[[tool.advisor.effects]] must be an array of tables")
            rows = []
            for row in raw:
                if not isinstance(row, dict) or "call" not in row or "kind" not in row:
                    raise ConfigError("each [[tool.advisor.effects]] needs `call` and `kind`")
                rows.append(
                    ExtraEffect(
                        call=str(row["call"]),
                        kind=str(row["kind"]),
                        latency=row.get("latency"),
                        async_alternative=row.get("async_alternative"),
                        note=str(row.get("note", _EXTRA_NOTE)),
                    )
                )
            values["extra_effects"] = tuple(rows)
        elif name in ("exclude", "excludes", "extend_exclude"):
            if not isinstance(raw, list):
                raise ConfigError(f"[tool.advisor] {key} must be a list of patterns")
            patterns = tuple(str(item) for item in raw)
            if name == "extend_exclude":
                values["excludes"] = tuple(values.get("excludes", ())) + patterns
            else:  # ruff's `exclude`: replaces the default excludes
                values["default_excludes"] = patterns
        elif name in _INT_KEYS:
            if not isinstance(raw, int) or isinstance(raw, bool):
                raise ConfigError(f"[tool.advisor] {key} must be an integer")
            if name in ("worker_threads", "concurrency") and raw < 1:
                raise ConfigError(f"[tool.advisor] {key} must be at least 1")
            values[name] = raw
        elif name in ("min_overlap_ms",):
            values[name] = float(raw)
        elif name in ("settings_module", "django_version", "cache_dir"):
            values[name] = str(raw)
            if name == "django_version":
                if not re.fullmatch(r"\d+\.\d+", str(raw)):
                    raise ConfigError(
                        f"[tool.advisor] django_version = {raw!r}: expected MAJOR.MINOR, "
                        'such as "5.2"'
                    )
                values["django_version_source"] = f"[tool.advisor] in {_PYPROJECT}"
        else:
            raise ConfigError(f"unknown [tool.advisor] key {key!r}")
    for name, value in overrides.items():
        if value is None:
            continue
        if name == "excludes":
            values["excludes"] = tuple(values.get("excludes", ())) + tuple(value)
        elif name == "latencies_ms":
            for latency_class, ms in value.items():
                if latency_class not in latencies:
                    known = ", ".join(sorted(latencies))
                    raise ConfigError(f"unknown latency class {latency_class!r} (known: {known})")
                if not ms >= 0:  # also refuses nan
                    raise ConfigError(
                        f"--latency {latency_class}={ms:g}: a latency is a number of ms >= 0"
                    )
                latencies[latency_class] = float(ms)
        elif name == "django_version":
            values[name] = value
            values["django_version_source"] = "--django-version"
        else:
            values[name] = value
    values["latencies_ms"] = tuple(latencies.items())
    settings = dataclasses.replace(Settings(), **values)
    if settings.strong_score < settings.candidate_score:
        raise ConfigError(
            f"[tool.advisor] strong_score ({settings.strong_score}) is below candidate_score "
            f"({settings.candidate_score}): a strong candidate must score at least a candidate"
        )
    for key in ("strong_score", "candidate_score"):
        if not 0 <= getattr(settings, key) <= 100:
            raise ConfigError(f"[tool.advisor] {key} must be between 0 and 100")
    if settings.min_overlap_ms < 0:
        raise ConfigError("[tool.advisor] min_overlap_ms must be >= 0")
    return settings
