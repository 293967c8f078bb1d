"""Forms that arrive beside a diagram, the way spiff-arena models name them: a task's
`formJsonSchemaFilename` (a JSON Schema) and optional `formUiSchemaFilename` (a
react-jsonschema-form UI schema). `convert` checks one and turns it into a form of this
library under a safe name: the file's stem in lower-case snake case plus the first
hex digits of the content's hash, so the name never collides with a library form, and
a changed file is a new form, not a changed one (a running case keeps what it had).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

MAX_FORM_BYTES = 256 * 1024
MAX_DEPTH = 20
# react-jsonschema-form widget → ours; other ui: keys (autofocus, readonly…) are dropped.
_WIDGETS = {
    "textarea": "textarea",
    "radio": "radio",
    "select": "select",
    "checkboxes": "checkboxes",
    "date": "date",
    "updown": "number",
}


@dataclass(frozen=True)
class ConvertedForm:
    name: str
    source_file: str
    schema: dict[str, Any]
    ui_schema: dict[str, Any]


class FormFileError(ValueError):
    """A form file that cannot be used; the message says why, for the administrator."""


def safe_name(schema_file: str, schema_text: str, ui_text: str | None) -> str:
    stem = re.sub(r"\.json$", "", schema_file, flags=re.IGNORECASE).lower()
    stem = re.sub(r"[^a-z0-9]+", "_", stem).strip("_")[:60] or "form"
    if not stem[0].isalpha():
        stem = f"form_{stem}"
    digest = hashlib.sha256(f"{schema_text}\0{ui_text or ''}".encode()).hexdigest()[:10]
    return f"{stem}_{digest}"


def _load(filename: str, text: str) -> dict[str, Any]:
    if len(text.encode("utf-8")) > MAX_FORM_BYTES:
        raise FormFileError(f"{filename} is larger than {MAX_FORM_BYTES // 1024} KiB")
    try:
        value = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise FormFileError(f"{filename} is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise FormFileError(f"{filename} must hold a JSON object")
    if _depth(value) > MAX_DEPTH:
        raise FormFileError(f"{filename} is nested more than {MAX_DEPTH} levels deep")
    return value


def _depth(value: Any, level: int = 0) -> int:
    if level > MAX_DEPTH:
        return level
    children = value.values() if isinstance(value, dict) else value
    if isinstance(value, dict | list):
        return max((_depth(child, level + 1) for child in children), default=level + 1)
    return level


def _refs(value: Any) -> list[str]:
    if isinstance(value, dict):
        own = [value["$ref"]] if isinstance(value.get("$ref"), str) else []
        return own + [ref for child in value.values() for ref in _refs(child)]
    if isinstance(value, list):
        return [ref for child in value for ref in _refs(child)]
    return []


def _check_schema(filename: str, schema: dict[str, Any]) -> None:
    # spiff-arena's forms often leave the object type implicit.
    if schema.setdefault("type", "object") != "object" or not isinstance(
        schema.get("properties"), dict
    ):
        raise FormFileError(f"{filename} must describe an object with properties")
    outside = [ref for ref in _refs(schema) if not ref.startswith("#")]
    if outside:
        # A reference to another document would be fetched when validating.
        raise FormFileError(f"{filename} refers to another document ({outside[0]}); inline it")
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        raise FormFileError(f"{filename} is not a valid JSON Schema: {exc.message}") from None


def _ui_schema(schema: dict[str, Any], rjsf: dict[str, Any]) -> dict[str, Any]:
    properties = list(schema["properties"])
    fields: dict[str, dict[str, Any]] = {}
    for name in properties:
        given = rjsf.get(name)
        if not isinstance(given, dict):
            continue
        field: dict[str, Any] = {}
        widget = _WIDGETS.get(str(given.get("ui:widget", "")))
        if widget:
            field["widget"] = widget
        for theirs, ours in (("ui:help", "help"), ("ui:placeholder", "placeholder")):
            if isinstance(given.get(theirs), str):
                field[ours] = given[theirs]
        if field:
            fields[name] = field
    order = rjsf.get("ui:order")
    chosen = [n for n in order if n in properties] if isinstance(order, list) else []
    ui: dict[str, Any] = {
        "order": chosen + [n for n in properties if n not in chosen],
        "fields": fields,
    }
    if isinstance(schema.get("description"), str):
        ui["instructions"] = schema["description"]
    return ui


def convert(
    schema_file: str, schema_text: str, ui_file: str | None, ui_text: str | None
) -> ConvertedForm:
    """The form for a task's form files; FormFileError naming the file otherwise."""
    schema = _load(schema_file, schema_text)
    _check_schema(schema_file, schema)
    rjsf = _load(ui_file, ui_text) if ui_file and ui_text is not None else {}
    schema.setdefault("title", re.sub(r"\.json$", "", schema_file))
    return ConvertedForm(
        name=safe_name(schema_file, schema_text, ui_text),
        source_file=schema_file,
        schema=schema,
        ui_schema=_ui_schema(schema, rjsf),
    )
