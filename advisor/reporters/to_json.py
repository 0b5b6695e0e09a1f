"""JSON: the whole result model, versioned by `schema_version` (schema in
advisor/schema/scan-result.schema.json)."""

from __future__ import annotations

import json

from advisor.model import ScanResult, to_dict
from advisor.reporters import reporter


@reporter("json")
def render_json(result: ScanResult) -> str:
    return json.dumps(to_dict(result), indent=2, ensure_ascii=False) + "\n"
