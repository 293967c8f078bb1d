"""Valid form data for tests: the required fields of a form filled with plausible values,
so a test states only the fields it is about."""

from __future__ import annotations

from typing import Any

from engine.errors import InvalidData
from forms.registry import load_form
from forms.validation import validate

SAMPLE_DATE = "2026-02-01"


def _value(schema: dict[str, Any], root: dict[str, Any]) -> Any:
    if "$ref" in schema:
        schema = {**root["$defs"][schema["$ref"].rsplit("/", 1)[1]], **schema}
        schema.pop("$ref")
    if "const" in schema:
        return schema["const"]
    if "default" in schema:
        return schema["default"]
    if "enum" in schema:
        return schema["enum"][0]
    if "oneOf" in schema:
        return _value(schema["oneOf"][0], root)
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
        if "$ref" in items:
            items = root["$defs"][items["$ref"].rsplit("/", 1)[1]]
        if "enum" in items:
            return list(items["enum"][:count])
        if "oneOf" in items:
            return [_value(option, root) for option in items["oneOf"][:count]]
        return [_value(items, root) for _ in range(count)]
    if kind == "object":
        return _fill(schema, root)
    if schema.get("format") == "date":
        return SAMPLE_DATE
    return "x" * max(int(schema.get("minLength", 1)), 1)


def _fill(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    properties = schema.get("properties", {})
    return {name: _value(properties[name], root) for name in schema.get("required", [])}


def valid_data(form_name: str, **overrides: Any) -> dict[str, Any]:
    """Required fields filled; fields that become required through if/then (e.g. an
    explanation when the answer is no) are filled in as the validator asks for them."""
    schema = load_form(form_name).schema
    data = {**_fill(schema, schema), **overrides}
    for _ in range(3):
        try:
            validate(form_name, data)
            break
        except InvalidData as error:
            missing = [
                f
                for f, why in error.fields.items()
                if why.startswith("Required") and f in schema["properties"]
            ]
            if not missing:
                break
            data.update({f: _value(schema["properties"][f], schema) for f in missing})
    return data
