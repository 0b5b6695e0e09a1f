"""The lines of source around each piece of evidence (a view's definition, its effects and
the hops that reach them, its blockers), read once at scan time so a report can show the
code with the evidence lines marked without reading the project again: the report shows the
bytes the line numbers were computed from, and stays one self-contained file."""

from __future__ import annotations

import io
import os
import stat
import tokenize
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from advisor.model import Location, SourceExcerpt, View

CONTEXT_LINES = 2  # shown above and below each evidence line
LONGEST_LINE = 240  # characters kept of a line; minified or generated code is cut
LARGEST_FILE = 4_000_000  # bytes; a bigger "source" file is generated and not shown


def evidence_locations(view: View) -> Iterable[Location]:
    yield view.location
    for effect in view.effects:
        yield effect.location
        for link in effect.chain:
            yield link.location
    if view.score is not None:
        for blocker in view.score.blockers:
            if blocker.location is not None:
                yield blocker.location


def _windows(lines: set[int]) -> list[tuple[int, int]]:
    """Merged, inclusive line ranges around the evidence lines."""
    merged: list[tuple[int, int]] = []
    for line in sorted(lines):
        start, end = max(1, line - CONTEXT_LINES), line + CONTEXT_LINES
        if merged and start <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _read_lines(path: Path) -> list[str] | None:
    """The file's lines decoded as Python decodes it (PEP 263), or None when it is not a
    readable regular file of a sensible size (a FIFO would block, a device never ends)."""
    try:
        with open(path, "rb", opener=lambda p, f: os.open(p, f | os.O_NONBLOCK)) as stream:
            info = os.fstat(stream.fileno())
            if not stat.S_ISREG(info.st_mode) or info.st_size > LARGEST_FILE:
                return None
            data = stream.read()
    except OSError:
        return None
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        text = data.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError):
        text = data.decode("utf-8", errors="replace")
    return text.removeprefix("\ufeff").splitlines()


def collect_excerpts(root: Path, views: Iterable[View]) -> tuple[SourceExcerpt, ...]:
    wanted: dict[str, set[int]] = defaultdict(set)
    for view in views:
        for location in evidence_locations(view):
            if location.line >= 1 and not (os.path.isabs(location.path) or location.installed):
                wanted[location.path].add(location.line)
    excerpts: list[SourceExcerpt] = []
    for path in sorted(wanted):
        lines = _read_lines(root / path)
        if lines is None:
            continue
        for start, end in _windows(wanted[path]):
            shown = lines[start - 1 : end]
            if shown:
                cut = tuple(line[:LONGEST_LINE].rstrip() for line in shown)
                excerpts.append(SourceExcerpt(path, start, cut))
    return tuple(excerpts)
