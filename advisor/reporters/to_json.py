"""JSON: the whole result model, versioned by `schema_version` (schema in
advisor/schema/scan-result.schema.json).

Compact by default, which lets `json` use its C encoder (any `indent` forces the pure-Python
one: on a 1M-line scan that was most of a warm run); `pretty=True` indents by two, which the
CLI asks for when the report goes to a terminal.
"""

from __future__ import annotations

import json

from advisor.model import ScanResult, to_dict
from advisor.reporters import reporter


def json_text(result: ScanResult, pretty: bool = False) -> str:
    if pretty:
        return json.dumps(to_dict(result), indent=2, ensure_ascii=False) + "\n"
    return json.dumps(to_dict(result), ensure_ascii=False, separators=(",", ":")) + "\n"


# Stand in for the stats and the timings when a report is split around them (`json_parts`):
# a JSON string never holds a bare NUL or quote, so each encoding marks one place only.
_STATS_MARK = "\0advisor-stats\0"
_TIMINGS_MARK = "\0advisor-timings\0"


def json_parts(result: ScanResult) -> tuple[str, str, str]:
    """The compact report cut where its `stats` and its `timings` go, so a cached copy of it
    can carry each run's own: first + stats + middle + timings + last, each value as compact
    JSON, is `json_text` of the result with those values (`advisor.warm.CachedReport.text`
    joins them)."""
    data = to_dict(result)
    data["stats"] = _STATS_MARK
    data["timings"] = _TIMINGS_MARK
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n"
    first, _, rest = text.partition(json.dumps(_STATS_MARK))
    middle, _, last = rest.partition(json.dumps(_TIMINGS_MARK))
    return first, middle, last


@reporter("json")
def render_json(result: ScanResult) -> str:
    return json_text(result)
