"""Words for her copy: a recorded field's name as the forms title it, a value as text."""

from __future__ import annotations

from functools import cache
from typing import Any

from flask_babel import gettext as _

from forms.registry import form_names, load_form


@cache
def _titles() -> dict[str, str]:
    titles: dict[str, str] = {}
    for name in form_names():
        for field, prop in load_form(name).schema.get("properties", {}).items():
            if isinstance(prop, dict) and prop.get("title"):
                titles.setdefault(field, str(prop["title"]))
    return titles


def field_title(name: str) -> str:
    return _titles().get(name) or name.replace("_", " ").capitalize()


def readable(value: Any) -> str:
    if value is True:
        return _("Yes")
    if value is False:
        return _("No")
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, list):
        return ", ".join(readable(item) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{field_title(k)}: {readable(v)}" for k, v in value.items())
    return str(value)
