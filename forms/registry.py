"""The form registry: each form is `<name>.schema.json` + `<name>.ui.json` beside this module.

`load_form` returns the form ready for the validator and the renderer: the country and
language code lists from `forms.reference` are injected as `$defs` (schemas refer to them as
`#/$defs/country` and `#/$defs/language`), and the UI schema is normalised so that every
property has an entry with a widget, a help text (the schema's `description` unless the UI
schema says otherwise) and, for choice widgets, the label of every allowed value.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from engine.errors import NotFound
from forms.reference import COUNTRIES, LANGUAGES, labels_by_name

FORMS_DIR = Path(__file__).parent
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_SCHEMA_SUFFIX = ".schema.json"

# The shared code lists, as schema definitions; `x-messages` gives the validator plain words.
REFERENCE_DEFS: dict[str, dict[str, Any]] = {
    "country": {
        "type": "string",
        "enum": list(COUNTRIES),
        "x-messages": {"enum": "Choose a country from the list"},
    },
    "language": {
        "type": "string",
        "enum": list(LANGUAGES),
        "x-messages": {"enum": "Choose a language from the list"},
    },
}
_REFERENCE_NAMES = {"country": COUNTRIES, "language": LANGUAGES, "languages": LANGUAGES}


@dataclass(frozen=True)
class Form:
    """A form as served to the renderer and the API. Treat the dicts as read-only."""

    name: str
    schema: dict[str, Any]
    ui_schema: dict[str, Any]

    @property
    def title(self) -> str:
        return str(self.schema.get("title", self.name))


def form_names() -> list[str]:
    """Every form in the library, sorted."""
    return sorted(
        path.name.removesuffix(_SCHEMA_SUFFIX) for path in FORMS_DIR.glob("*.schema.json")
    )


# Forms imported beside uploaded diagrams live in the database (engine/form_library.py);
# the application and the command line install the look-up. An imported form's name
# includes its content's hash, so caching what it returns is safe in every process.
ImportedLookup = Callable[[str], tuple[dict[str, Any], dict[str, Any]] | None]
_imported: ImportedLookup | None = None


def use_imported_forms(lookup: ImportedLookup | None) -> None:
    global _imported
    _imported = lookup
    load_form.cache_clear()


@cache
def recorded_fields() -> frozenset[str]:
    """Every top-level field name some form of the library records."""
    return frozenset(
        str(name) for form in form_names() for name in load_form(form).schema.get("properties", {})
    )


@cache
def load_form(name: str) -> Form:
    """The form `name`; raises `NotFound` for a name that is not in the library."""
    if not _NAME.match(name):
        raise NotFound(f"There is no form called {name!r}.")
    schema_path = FORMS_DIR / f"{name}{_SCHEMA_SUFFIX}"
    if schema_path.is_file():
        schema = json.loads(schema_path.read_text(encoding="utf-8"))
        ui_path = FORMS_DIR / f"{name}.ui.json"
        ui_schema = json.loads(ui_path.read_text(encoding="utf-8")) if ui_path.is_file() else {}
    else:
        found = _imported(name) if _imported is not None else None
        if found is None:
            raise NotFound(f"There is no form called {name!r}.")
        schema, ui_schema = copy.deepcopy(found[0]), copy.deepcopy(found[1])
    _inject_reference_defs(schema)
    return Form(name=name, schema=schema, ui_schema=_normalise_ui(schema, ui_schema))


def _inject_reference_defs(schema: dict[str, Any]) -> None:
    text = json.dumps(schema)
    used = {key: value for key, value in REFERENCE_DEFS.items() if f'"#/$defs/{key}"' in text}
    if used:
        schema.setdefault("$defs", {}).update(copy.deepcopy(used))


def _normalise_ui(schema: dict[str, Any], ui_schema: dict[str, Any]) -> dict[str, Any]:
    properties: dict[str, Any] = schema.get("properties", {})
    ui = copy.deepcopy(ui_schema)
    ui.setdefault("order", list(properties))
    ui.setdefault("instructions", "")
    ui.setdefault("submit_label", "Save")
    fields = ui.setdefault("fields", {})
    for name, prop in properties.items():
        field = fields.setdefault(name, {})
        field.setdefault("widget", default_widget(prop))
        if "help" not in field and prop.get("description"):
            field["help"] = prop["description"]
        names = _REFERENCE_NAMES.get(field["widget"])
        if names is not None and "labels" not in field:
            field["labels"] = labels_by_name(names, allowed_values(prop, schema))
    return ui


def allowed_values(prop: dict[str, Any], schema: dict[str, Any]) -> list[Any] | None:
    """The values a property (or, for an array, each item) may take, or None if not a choice."""
    target = prop.get("items", prop) if prop.get("type") == "array" else prop
    if "enum" in target:
        return list(target["enum"])
    ref = target.get("$ref", "")
    if ref.startswith("#/$defs/"):
        definition = schema.get("$defs", {}).get(ref.removeprefix("#/$defs/"), {})
        if "enum" in definition:
            return list(definition["enum"])
    return None


def default_widget(prop: dict[str, Any]) -> str:
    """The widget a property gets when its UI schema names none."""
    kind = prop.get("type")
    if kind == "boolean":
        return "yesno"
    if kind in ("integer", "number"):
        return "number"
    if kind == "array":
        return "checkboxes"
    if prop.get("format") == "date":
        return "date"
    if "enum" in prop:
        return "radio" if len(prop["enum"]) <= 6 else "select"
    return "text"
