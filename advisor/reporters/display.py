"""Text every reporter shows the same way: a URL pattern as a user reads it (rooted, regex
routes without anchors and with `<name>` for their groups), and the middleware chain in the
words the JSON uses."""

from __future__ import annotations

import re
from collections import Counter

from advisor.model import MiddlewareInfo

_ANCHORS = re.compile(r"\^|\$|\\A|\\Z")
_ESCAPED = re.compile(r"\\([./\-_~])")


def _group_end(pattern: str, start: int) -> int:
    """The index just past the group opening at `start`, skipping escapes and [classes]."""
    depth = 0
    index = start
    in_class = False
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return index + 1
        index += 1
    return len(pattern)


def route_display(pattern: str) -> str:
    """`^api/^incidents/(?P<pk>[0-9]+)/$` → `/api/incidents/<pk>/`; `""` → `/`.

    A regex route keeps its meaning for a reader: each named group becomes `<name>`, an
    unnamed one `<…>`, and the anchors that `include()` leaves between segments go."""
    out: list[str] = []
    index = 0
    while index < len(pattern):
        if pattern.startswith("(?P<", index):
            end = _group_end(pattern, index)
            name = pattern[index + 4 : pattern.index(">", index)]
            out.append(f"<{name}>")
            index = end
            if index < len(pattern) and pattern[index] in "?*+":
                index += 1
            continue
        if pattern[index] == "(" and not pattern.startswith("(?:", index):
            end = _group_end(pattern, index)
            out.append("<…>")
            index = end
            continue
        if pattern[index] == "\\" and index + 1 < len(pattern):
            out.append(pattern[index : index + 2])
            index += 2
            continue
        out.append(pattern[index])
        index += 1
    text = _ESCAPED.sub(r"\1", _ANCHORS.sub("", "".join(out))).replace("/?", "/")
    return "/" + text.lstrip("/")


def middleware_display(middleware: tuple[MiddlewareInfo, ...]) -> str:
    """`9 middleware: 1 sync-only (core.middleware.Timing), 8 hybrid (7 of them
    MiddlewareMixin: hooks run in a thread hop)`: the statuses and notes of the JSON's
    `project.middleware`, counted."""
    if not middleware:
        return "no MIDDLEWARE found"
    counts = Counter(m.status for m in middleware)
    parts = []
    for status in ("sync-only", "hybrid", "async", "unknown"):
        if not counts.get(status):
            continue
        members = [m for m in middleware if m.status == status]
        if status in ("sync-only", "unknown"):
            detail = ", ".join(m.path for m in members)
        else:
            notes = Counter(m.note for m in members if m.note)
            detail = ""
            if notes:
                note, count = notes.most_common(1)[0]
                detail = note if count == len(members) else f"{count} of them {note}"
        parts.append(f"{counts[status]} {status}" + (f" ({detail})" if detail else ""))
    return f"{len(middleware)} middleware: " + ", ".join(parts)
