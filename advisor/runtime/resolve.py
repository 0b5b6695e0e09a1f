"""`--resolve`: the route table from the project's own Django, in a child process.

The probe runs with the project's interpreter (`--python`, else an active virtualenv's,
else `PATH/.venv/bin/python`, else advisor's own), from the project's import root, with a
timeout. advisor never imports the project itself. A child that fails (ImportError,
ImproperlyConfigured, a timeout) gives one line, and the scan keeps its static routes.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from advisor.runtime.inject import PACKAGE, write_runtime_package
from advisor.runtime.probe import CONFIGURE_ENV

PROBE_TIMEOUT_S = 60.0


class ResolveError(Exception):
    """The probe could not give the route table; the message is one line for the user."""


@dataclass(frozen=True, slots=True)
class ResolvedRoute:
    pattern: str
    name: str | None
    view: str  # dotted id, as the scan names views
    kind: str  # "function", "class" or "callable"
    file: str | None
    line: int | None
    actions: tuple[tuple[str, str], ...] = ()
    # (attribute, qualified value, kind) of `as_view(**initkwargs)` values.
    initkwargs: tuple[tuple[str, str, str], ...] = ()
    # A factory-made closure view: the closure function and its cells (name, value, kind).
    closure_function: str | None = None
    closure_cells: tuple[tuple[str, str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Resolved:
    python: str
    django_version: str
    routes: tuple[ResolvedRoute, ...]
    errors: tuple[str, ...]  # includes that failed to import inside the child


def project_python(root: Path, given: str | None) -> str:
    """The interpreter that has the project's dependencies."""
    if given:
        return given
    active = os.environ.get("VIRTUAL_ENV")
    if active and (Path(active) / "bin" / "python").exists():
        return str(Path(active) / "bin" / "python")
    local = root / ".venv" / "bin" / "python"
    if local.exists():
        return str(local)
    return sys.executable


def resolve_routes(
    import_root: Path,
    settings_module: str | None,
    python: str,
    timeout: float = PROBE_TIMEOUT_S,
    extra_paths: tuple[Path, ...] = (),
    configured: dict[str, Any] | None = None,
) -> Resolved:
    """Run the probe and read its route table; raise ResolveError with one line on failure.

    `extra_paths` go on sys.path after the import root (the scanned folder, when manage.py
    sits in a subfolder of it and the settings module does not)."""
    with tempfile.TemporaryDirectory(prefix="advisor-probe-") as folder:
        write_runtime_package(Path(folder))
        out = Path(folder) / "routes.json"
        env = {k: v for k, v in os.environ.items() if not k.startswith("ADVISOR_OBSERVE")}
        env.pop("DJANGO_SETTINGS_MODULE", None)
        if settings_module is not None:
            env["DJANGO_SETTINGS_MODULE"] = settings_module
        elif configured is not None:
            keywords = Path(folder) / "configure.json"
            keywords.write_text(json.dumps(configured), encoding="utf-8")
            env[CONFIGURE_ENV] = str(keywords)
        else:
            raise ResolveError("--resolve: no settings module to run Django with")
        env["PYTHONPATH"] = os.pathsep.join(
            p
            for p in (folder, str(import_root), *map(str, extra_paths), env.get("PYTHONPATH", ""))
            if p
        )
        try:
            completed = subprocess.run(
                [python, "-m", f"{PACKAGE}.probe", str(out)],
                cwd=import_root,
                env=env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as error:
            raise ResolveError(f"--resolve: the probe timed out after {timeout:.0f} s") from error
        except OSError as error:
            raise ResolveError(f"--resolve: cannot run {python}: {error.strerror}") from error
        if completed.returncode != 0 or not out.exists():
            raise ResolveError(f"--resolve: {python}: {_last_error_line(completed.stderr)}")
        data: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    routes: list[ResolvedRoute] = []
    errors: list[str] = []
    for row in data.get("routes", []):
        if "error" in row:
            errors.append(str(row["error"]))
            continue
        actions = row.get("actions") or {}
        closure = row.get("closure") or {}
        routes.append(
            ResolvedRoute(
                pattern=str(row["pattern"]),
                name=row.get("name"),
                view=str(row["view"]),
                kind=str(row.get("kind", "function")),
                file=row.get("file"),
                line=row.get("line"),
                actions=tuple(sorted((str(k), str(v)) for k, v in actions.items())),
                initkwargs=tuple(_triple(item) for item in row.get("initkwargs") or ()),
                closure_function=closure.get("function"),
                closure_cells=tuple(
                    (str(name), str(value), str(kind))
                    for name, (value, kind) in sorted((closure.get("cells") or {}).items())
                ),
            )
        )
    return Resolved(python, str(data.get("django_version", "")), tuple(routes), tuple(errors))


def _triple(item: list[Any]) -> tuple[str, str, str]:
    attribute, value, kind = (str(part) for part in item)
    return attribute, value, kind


def json_settings(configured: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The settings.configure() keywords that can be replayed in the child (plain data), and
    the names of those that cannot."""
    replayable: dict[str, Any] = {}
    dropped: list[str] = []
    for name, value in configured.items():
        try:
            replayable[name] = json.loads(json.dumps(value))
        except (TypeError, ValueError):
            dropped.append(name)
    return replayable, dropped


def _last_error_line(stderr: str) -> str:
    lines = [line.strip() for line in stderr.strip().splitlines() if line.strip()]
    return lines[-1][:300] if lines else "the probe exited without a route table"


_GROUP_START = re.compile(r"\(\?P<(\w+)>")
_CONVERTER = re.compile(r"<(?:\w+:)?(\w+)>")


def normalise_pattern(pattern: str | None) -> str:
    """One spelling for a route whatever syntax and nesting produced it: `^a/(?P<pk>\\d+)/$`
    and `a/<int:pk>/` are both `a/<pk>/`; unnamed groups are `<>`."""
    if not pattern:
        return ""
    text = _replace_groups(_CONVERTER.sub(r"<\1>", pattern))
    for anchor in ("^", "$", "\\Z", "\\A"):
        text = text.replace(anchor, "")
    text = re.sub(r"\\(.)", r"\1", text)  # \. \- \/ → the literal
    text = text.replace("/?", "/")
    text = re.sub(r"/+", "/", text)
    return text.lstrip("/")


def _replace_groups(pattern: str) -> str:
    out: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern):
            out.append(pattern[index : index + 2])
            index += 2
            continue
        if char != "(":
            out.append(char)
            index += 1
            continue
        end = _group_end(pattern, index)
        named = _GROUP_START.match(pattern, index)
        if named:
            out.append(f"<{named.group(1)}>")
        elif pattern.startswith("(?:", index):
            out.append(_replace_groups(pattern[index + 3 : end - 1]))
        elif not pattern.startswith("(?", index):
            out.append("<>")
        index = end
    return "".join(out)


def _group_end(pattern: str, start: int) -> int:
    depth = 0
    index = start
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            index += 2
            continue
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return index + 1
        index += 1
    return len(pattern)
