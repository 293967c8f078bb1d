"""Recorded answers in human words: a form's question for the field, and the value as the
form offered it ("Nigeria", "Yes", "Safe housing"), never the stored code.

The words come from the same form schema that asked the question, so a page reads back
what the person saw when answering.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask import Flask
from flask_babel import format_date
from flask_babel import gettext as _

from engine.bpmn.placeholders import fill
from engine.case.recorded_fields import field_parts
from engine.errors import NotFound
from forms.registry import Form, load_form
from web.i18n import field_title, translated
from web.labels import country_name, language_label
from web.task_titles import service_label, titled

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _form(name: str | None) -> Form | None:
    if not name:
        return None
    try:
        return load_form(name)
    except NotFound:
        return None


def field_label(form_name: str | None, name: str) -> str:
    """The question the form asked for `name`, without its "(optional)"."""
    form = _form(form_name) or _form(field_parts().get(name, ("", ""))[0])
    prop = form.schema.get("properties", {}).get(name, {}) if form else {}
    return field_title(str(prop.get("title") or name.replace("_", " ").capitalize()))


def value_words(form_name: str | None, name: str, value: Any, organisations: dict[str, str]) -> str:
    """`value` of field `name` as the form's choices word it."""
    form = _form(form_name) or _form(field_parts().get(name, ("", ""))[0])
    field_ui: dict[str, Any] = form.ui_schema.get("fields", {}).get(name, {}) if form else {}
    prop: dict[str, Any] = form.schema.get("properties", {}).get(name, {}) if form else {}
    return _words(value, field_ui, prop, organisations)


def _words(value: Any, field_ui: dict[str, Any], prop: dict[str, Any], orgs: dict[str, str]) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list):
        items = prop.get("items", {}) if isinstance(prop.get("items"), dict) else {}
        return ", ".join(_words(v, field_ui, items, orgs) for v in value)
    if isinstance(value, dict):
        nested = prop.get("properties", {})
        return "; ".join(
            f"{field_title(str(nested.get(k, {}).get('title') or k))}: "
            f"{_words(v, {}, nested.get(k, {}), orgs)}"
            for k, v in value.items()
        )
    text = str(value)
    widget = field_ui.get("widget")
    labels: dict[str, Any] = field_ui.get("labels") or {}
    if widget == "country" or prop.get("$ref") == "#/$defs/country":
        return country_name(text)
    if text in labels:
        return translated(str(labels[text]))
    if widget in ("language", "languages") or prop.get("$ref") == "#/$defs/language":
        return language_label(text)
    if widget == "organisation" or text in orgs:
        return orgs.get(text, text)
    if _ISO_DATE.match(text):
        return str(format_date(date.fromisoformat(text), "medium"))
    return text


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|])")


def fill_instructions(text: str, values: dict[str, Any], organisations: dict[str, str]) -> str:
    """A diagram's instructions with each `{name}` as the case's value in words; a value
    not recorded yet (or not shown to this reader) says so instead of its name."""

    def words(name: str) -> str:
        value = values.get(name)
        if value is None or value == "":
            return _("(not recorded yet)")
        shown = (
            service_label(str(value))
            if name == "service"
            else value_words(None, name, value, organisations)
        )
        return "**" + _MARKDOWN_SPECIAL.sub(r"\\\1", shown) + "**"

    return fill(text, words)


def answer_order(form_name: str | None) -> list[str]:
    """The form's fields in the order it asks them."""
    form = _form(form_name)
    return [str(name) for name in form.ui_schema.get("order", [])] if form else []


def init_record_words(app: Flask) -> None:
    app.jinja_env.globals.update(
        field_label=field_label,
        value_words=value_words,
        load_order=answer_order,
        service_label=service_label,
        step_title=lambda step: titled(step.title, step.data.get("service")),
    )
