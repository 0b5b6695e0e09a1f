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


@reporter("json")
def render_json(result: ScanResult) -> str:
    return json_text(result)
