"""Valid form data for tests: the required fields of a form filled with plausible values,
so a test states only the fields it is about."""

from __future__ import annotations

from typing import Any

from forms.registry import load_form

SAMPLE_DATE = "2026-02-01"


def _value(schema: dict[str, Any]) -> Any:
    if "const" in schema:
        return schema["const"]
    if "default" in schema:
        return schema["default"]
    if "enum" in schema:
        return schema["enum"][0]
    if "oneOf" in schema:
        return _value(schema["oneOf"][0])
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next(k for k in kind if k != "null")
    if kind == "boolean":
        return False
    if kind == "integer":
        return max(int(schema.get("minimum", 1)), 1)
    if kind == "number":
        return float(schema.get("minimum", 0))
    if kind == "array":
        count = int(schema.get("minItems", 0))
        items = schema.get("items", {})
        if "enum" in items:
            return list(items["enum"][:count])
        if "oneOf" in items:
            return [_value(option) for option in items["oneOf"][:count]]
        return [_value(items) for _ in range(count)]
    if kind == "object":
        return _fill(schema)
    if schema.get("format") == "date":
        return SAMPLE_DATE
    return "x" * max(int(schema.get("minLength", 1)), 1)


def _fill(schema: dict[str, Any]) -> dict[str, Any]:
    properties = schema.get("properties", {})
    return {name: _value(properties[name]) for name in schema.get("required", [])}


def valid_data(form_name: str, **overrides: Any) -> dict[str, Any]:
    return {**_fill(load_form(form_name).schema), **overrides}
