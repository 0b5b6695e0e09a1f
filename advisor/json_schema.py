"""The JSON Schema of `advisor scan --format json`, derived from the result dataclasses so
it cannot drift from them. `python -m advisor.json_schema` prints it; the shipped copy is
advisor/schema/scan-result.schema.json (a test checks that they match)."""

from __future__ import annotations

import dataclasses
import enum
import json
import types
import typing
from typing import Any

from advisor import model


def _schema_for(annotation: Any, definitions: dict[str, Any]) -> dict[str, Any]:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return {"anyOf": [_schema_for(arg, definitions) for arg in typing.get_args(annotation)]}
    if origin is tuple:
        args = typing.get_args(annotation)
        item = args[0] if args else Any
        return {"type": "array", "items": _schema_for(item, definitions)}
    if origin is dict:
        _, value = typing.get_args(annotation)
        return {"type": "object", "additionalProperties": _schema_for(value, definitions)}
    if annotation is type(None):
        return {"type": "null"}
    if annotation is str:
        return {"type": "string"}
    if annotation is bool:
        return {"type": "boolean"}
    if annotation is int:
        return {"type": "integer"}
    if annotation is float:
        return {"type": "number"}
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return {"enum": [member.value for member in annotation]}
    if dataclasses.is_dataclass(annotation) and isinstance(annotation, type):
        name = annotation.__name__
        if name not in definitions:
            definitions[name] = {}
            hints = typing.get_type_hints(annotation, vars(model))
            fields = dataclasses.fields(annotation)
            definitions[name] = {
                "type": "object",
                "properties": {f.name: _schema_for(hints[f.name], definitions) for f in fields},
                "required": [f.name for f in fields],
                "additionalProperties": False,
            }
        return {"$ref": f"#/$defs/{name}"}
    return {}


def scan_result_schema() -> dict[str, Any]:
    definitions: dict[str, Any] = {}
    root = _schema_for(model.ScanResult, definitions)
    schema: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "django-async-advisor scan result",
        "description": f"advisor scan --format json, schema_version {model.SCHEMA_VERSION}",
        **root,
        "$defs": definitions,
    }
    schema["$defs"]["ScanResult"]["properties"]["schema_version"] = {"const": model.SCHEMA_VERSION}
    return schema


if __name__ == "__main__":
    print(json.dumps(scan_result_schema(), indent=2))
