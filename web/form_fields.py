"""Task forms as pages: the JSON Schema + UI schema of a form turned into fields to render,
and a posted HTML form turned back into typed data.

The renderer needs no JavaScript: every widget is a plain input, select, textarea or a
fieldset of radios/checkboxes, with HTML5 constraints from the schema, the help text and
the error bound to its input (`aria-describedby`). Nested groups (objects) are fieldsets
whose inputs are named `group.field`; a list of objects is numbered `list.0.field` with
one empty item to fill; a list of free text is a textarea, one entry per line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _

from forms.reference import COMMON_LANGUAGES
from forms.registry import Form, allowed_values, default_widget, load_form
from forms.validation import MultiValueForm, _coerce, coerce_form_post
from web.i18n import field_title, translated
from web.labels import country_name, language_label

LANGUAGE_WIDGETS = {"language", "languages"}
CHOICE_WIDGETS = {"radio", "select", "checkboxes", "country", "language", "languages", "yesno"}
_INDEX = re.compile(r"^\d+$")


@dataclass
class Option:
    value: str
    label: str
    selected: bool = False
    group: str | None = None


@dataclass
class Field:
    name: str
    label: str
    widget: str
    help: str = ""
    required: bool = False
    value: Any = None
    error: str | None = None
    options: list[Option] = field(default_factory=list)
    attrs: dict[str, Any] = field(default_factory=dict)
    children: list[Field] = field(default_factory=list)
    items: list[list[Field]] = field(default_factory=list)

    @property
    def id(self) -> str:
        return "f-" + self.name.replace(".", "-")

    @property
    def described_by(self) -> str:
        ids = [f"{self.id}-help"] if self.help else []
        if self.error:
            ids.append(f"{self.id}-error")
        return " ".join(ids)

    @property
    def is_group(self) -> bool:
        return self.widget in ("group", "objects")


def build_fields(
    form: Form,
    values: dict[str, Any] | None,
    errors: dict[str, str] | None,
    organisations: list[Any] | None = None,
) -> list[Field]:
    """The fields of a form, in the UI schema's order, with values and errors filled in."""
    return _fields(
        form.schema,
        form.schema,
        form.ui_schema,
        values or {},
        errors or {},
        "",
        organisations or [],
    )


def _fields(
    root: dict[str, Any],
    schema: dict[str, Any],
    ui: dict[str, Any],
    values: dict[str, Any],
    errors: dict[str, str],
    prefix: str,
    organisations: list[Any],
) -> list[Field]:
    properties: dict[str, Any] = schema.get("properties", {})
    required = set(schema.get("required", []))
    order = ui.get("order") or list(properties)
    ui_fields = ui.get("fields", {})
    result = []
    for name in order:
        prop = properties.get(name)
        if prop is None:
            continue
        field_ui = ui_fields.get(name, {})
        path = f"{prefix}{name}"
        result.append(
            _field(
                root,
                prop,
                field_ui,
                values.get(name),
                errors,
                path,
                name in required,
                organisations,
            )
        )
    return result


def _widget(prop: dict[str, Any], field_ui: dict[str, Any]) -> str:
    if prop.get("type") == "object":
        return "group"
    items = prop.get("items", {})
    if prop.get("type") == "array" and items.get("type") == "object":
        return "objects"
    if prop.get("type") == "array" and "enum" not in items and "$ref" not in items:
        return "lines"
    return str(field_ui.get("widget") or default_widget(prop))


def _field(
    root: dict[str, Any],
    prop: dict[str, Any],
    field_ui: dict[str, Any],
    value: Any,
    errors: dict[str, str],
    path: str,
    required: bool,
    organisations: list[Any],
) -> Field:
    widget = _widget(prop, field_ui)
    field_ = Field(
        name=path,
        label=field_title(
            prop.get("title") or path.rsplit(".", 1)[-1].replace("_", " ").capitalize()
        ),
        widget=widget,
        help=translated(field_ui.get("help") or prop.get("description") or ""),
        required=required,
        error=_error_for(errors, path, nested=widget not in ("group", "objects")),
    )
    if widget == "group":
        field_.children = _fields(
            root,
            prop,
            field_ui,
            value if isinstance(value, dict) else {},
            errors,
            f"{path}.",
            organisations,
        )
        return field_
    if widget == "objects":
        items = value if isinstance(value, list) else []
        item_schema = prop.get("items", {})
        for index, item in enumerate([*items, {}]):
            field_.items.append(
                _fields(
                    root,
                    item_schema,
                    field_ui,
                    item if isinstance(item, dict) else {},
                    errors,
                    f"{path}.{index}.",
                    organisations,
                )
            )
        return field_
    field_.value = _display_value(value, widget)
    field_.attrs = _constraints(prop, field_ui, widget, required)
    if widget in CHOICE_WIDGETS:
        field_.options = _options(root, prop, field_ui, widget, field_.value)
    elif widget == "organisation":
        field_.options = [
            Option(o.slug, o.name, o.slug == field_.value, group=o.country) for o in organisations
        ]
    return field_


def _error_for(errors: dict[str, str], path: str, nested: bool) -> str | None:
    if path in errors:
        return translated(errors[path])
    if nested:  # "services.2" belongs to the checkboxes "services"
        for key, message in errors.items():
            if key.startswith(f"{path}."):
                return translated(message)
    return None


def _display_value(value: Any, widget: str) -> Any:
    if widget in ("checkboxes", "languages"):
        return [str(v) for v in value] if isinstance(value, list) else []
    if widget == "lines":
        return "\n".join(str(v) for v in value) if isinstance(value, list) else (value or "")
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    return str(value)


def _constraints(
    prop: dict[str, Any], field_ui: dict[str, Any], widget: str, required: bool
) -> dict[str, Any]:
    attrs: dict[str, Any] = {}
    if required and widget not in ("checkboxes", "languages", "lines"):
        attrs["required"] = True
    if field_ui.get("placeholder"):
        attrs["placeholder"] = translated(field_ui["placeholder"])
    if widget in ("text", "textarea"):
        if "maxLength" in prop:
            attrs["maxlength"] = prop["maxLength"]
        if "minLength" in prop:
            attrs["minlength"] = prop["minLength"]
        if "pattern" in prop and widget == "text":
            attrs["pattern"] = prop["pattern"]
    if widget == "number":
        if "minimum" in prop:
            attrs["min"] = prop["minimum"]
        if "maximum" in prop:
            attrs["max"] = prop["maximum"]
        attrs["step"] = "1" if prop.get("type") == "integer" else "any"
        attrs["inputmode"] = "numeric" if prop.get("type") == "integer" else "decimal"
    return attrs


def _options(
    root: dict[str, Any], prop: dict[str, Any], field_ui: dict[str, Any], widget: str, value: Any
) -> list[Option]:
    if widget == "yesno":
        return [
            Option("true", _("Yes"), value == "true"),
            Option("false", _("No"), value == "false"),
        ]
    if widget in LANGUAGE_WIDGETS:
        return _language_options(allowed_values(prop, root) or [], value)
    if widget == "country":  # named by Babel in the reader's language, not the form's English
        named = [(country_name(v), str(v)) for v in allowed_values(prop, root) or []]
        return [
            Option(code, name, code == value)
            for name, code in sorted(named, key=lambda pair: pair[0].casefold())
        ]
    labels: dict[str, str] = field_ui.get("labels") or {}
    # Booleans among the choices (yes, no, not known, prefers not to say) are "true"/"false".
    allowed = [
        _display_value(v, widget) if isinstance(v, bool) else v
        for v in (allowed_values(prop, root) or list(labels))
    ]
    ordered = [v for v in labels if v in allowed] + [v for v in allowed if v not in labels]
    chosen = set(value) if isinstance(value, list) else {value}
    return [
        Option(
            str(v),
            translated(labels.get(v) or str(v).replace("_", " ").capitalize()),
            str(v) in chosen,
        )
        for v in ordered
    ]


def with_known_values(
    form: Form, values: dict[str, Any], languages: list[str], country: str | None = None
) -> dict[str, Any]:
    """`values` with what is known filled into the questions still unanswered: the form's
    defaults, her languages (a 180-entry list is no place to search for Tigrinya again),
    and the country where she is now from the user's organisation."""
    known = dict(values)
    allowed_languages = allowed_values({"$ref": "#/$defs/language"}, form.schema) or []
    for name, prop in form.schema.get("properties", {}).items():
        if name in known:
            continue
        items = prop.get("items", {}) if isinstance(prop.get("items"), dict) else {}
        if "default" in prop:
            known[name] = prop["default"]
        elif prop.get("$ref") == "#/$defs/language" and languages:
            spoken = [code for code in languages if code in allowed_languages]
            if spoken:
                known[name] = spoken[0]
        elif items.get("$ref") == "#/$defs/language" and languages:
            known[name] = [code for code in languages if code in allowed_languages]
        elif name == "host_country" and country in (allowed_values(prop, form.schema) or []):
            known[name] = country
    return known


def _language_options(allowed: list[Any], value: Any) -> list[Option]:
    """Her languages named in the reader's language and in their own ("Russian — русский"),
    the common ones first, then the rest by name."""
    chosen = set(value) if isinstance(value, list) else {value}
    codes = {str(code) for code in allowed}
    common = [code for code in COMMON_LANGUAGES if code in codes]
    rest = sorted(
        (code for code in codes if code not in common), key=lambda code: language_label(code)
    )
    return [
        Option(code, language_label(code, with_autonym=True), code in chosen)
        for code in [*common, *rest]
    ]


# --- posted forms ----------------------------------------------------------------------


def posted_data(form_name: str, posted: MultiValueForm) -> dict[str, Any]:
    """Typed data from a posted form: the flat fields as `coerce_form_post` reads them,
    nested groups, lists of groups and free-text lists added here."""
    schema = load_form(form_name).schema
    data = coerce_form_post(form_name, posted)
    keys = list(getattr(posted, "keys", list)())
    for name, prop in schema.get("properties", {}).items():
        widget = _widget(prop, {})
        if widget == "group":
            value = _posted_object(prop, posted, keys, f"{name}.")
            if value:
                data[name] = value
            else:
                data.pop(name, None)
        elif widget == "objects":
            data[name] = _posted_objects(prop, posted, keys, f"{name}.")
        elif widget == "lines":
            text = "\n".join(v for v in posted.getlist(name) if isinstance(v, str))
            data[name] = [line.strip() for line in text.splitlines() if line.strip()]
    return data


def _posted_object(
    schema: dict[str, Any], posted: MultiValueForm, keys: list[str], prefix: str
) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, prop in schema.get("properties", {}).items():
        path = f"{prefix}{name}"
        widget = _widget(prop, {})
        if widget == "group":
            value = _posted_object(prop, posted, keys, f"{path}.")
            if value:
                result[name] = value
        elif widget == "objects":
            items = _posted_objects(prop, posted, keys, f"{path}.")
            if items:
                result[name] = items
        elif prop.get("type") == "array":
            raw = [v.strip() for v in posted.getlist(path) if isinstance(v, str) and v.strip()]
            if widget == "lines":
                raw = [line.strip() for v in raw for line in v.splitlines() if line.strip()]
            item_type = prop.get("items", {}).get("type", "string")
            if raw:
                result[name] = [_coerce(v, item_type) for v in raw]
        else:
            raw = [v.strip() for v in posted.getlist(path) if isinstance(v, str) and v.strip()]
            if raw:
                result[name] = _coerce(raw[-1], prop.get("type", "string"))
    return result


def _posted_objects(
    prop: dict[str, Any], posted: MultiValueForm, keys: list[str], prefix: str
) -> list[dict[str, Any]]:
    indexes = sorted(
        {
            int(part)
            for key in keys
            if key.startswith(prefix)
            for part in [key[len(prefix) :].split(".", 1)[0]]
            if _INDEX.match(part)
        }
    )
    items = []
    for index in indexes:
        item = _posted_object(prop.get("items", {}), posted, keys, f"{prefix}{index}.")
        if item:  # an item left empty is not an answer
            items.append(item)
    return items


def error_links(fields: list[Field], errors: dict[str, str]) -> list[tuple[str, str, str]]:
    """(anchor id, field label, message) for the error summary, in the form's order."""
    flat: dict[str, Field] = {}

    def walk(items: list[Field]) -> None:
        for item in items:
            flat[item.name] = item
            walk(item.children)
            for entry in item.items:
                walk(entry)

    walk(fields)
    links = []
    for path, message in errors.items():
        target = flat.get(path)
        probe = path
        while target is None and "." in probe:
            probe = probe.rsplit(".", 1)[0]
            target = flat.get(probe)
        if target is None:
            links.append(("form-top", _("The form"), message))
        else:
            links.append((target.id, target.label, message))
    return links
