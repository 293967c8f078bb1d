"""Validate submitted form data against the form's JSON Schema, with plain-English messages.

`validate` is used for every submission, from the API and from the web pages alike; the web
pages first turn posted strings into typed values with `coerce_form_post`. Messages are meant
for social workers, shelter staff and police officers, many of them not native English
speakers: one short sentence per field, saying what to do.
"""

from __future__ import annotations

import copy
import datetime
import re
from collections.abc import Callable, Iterator
from functools import cache
from typing import Any, Protocol

from jsonschema import Draft202012Validator, FormatChecker, ValidationError, validators

from engine.errors import InvalidData
from forms.registry import load_form

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_INTEGER = re.compile(r"^[+-]?\d+$")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_TRUE = {"true", "on", "yes", "1"}
_FALSE = {"false", "off", "no", "0"}

DATE_MESSAGE = "Enter a date like 2026-12-31"
NOT_IN_FORM = "This field is not part of the form"
NOT_AN_OBJECT = "Send the answers as named fields (a JSON object)"

FORMAT_CHECKER = FormatChecker(formats=())


@FORMAT_CHECKER.checks("date", raises=ValueError)
def is_date(value: object) -> bool:
    """A real calendar date written YYYY-MM-DD (fromisoformat alone accepts 20261231)."""
    if not isinstance(value, str):
        return True  # a type error is reported by `type`, not by `format`
    if not _DATE.match(value):
        return False
    datetime.date.fromisoformat(value)
    return True


def _not_before(
    validator: Any, pairs: dict[str, str], instance: Any, schema: dict[str, Any]
) -> Iterator[ValidationError]:
    """Custom keyword `x-not-before: {later: earlier}` on an object: a date after another."""
    if not isinstance(instance, dict):
        return
    for later, earlier in pairs.items():
        later_value, earlier_value = instance.get(later), instance.get(earlier)
        both_dates = _is_valid_date(later_value) and _is_valid_date(earlier_value)
        # ISO dates compare correctly as strings.
        if both_dates and str(later_value) < str(earlier_value):
            title = schema.get("properties", {}).get(earlier, {}).get("title", earlier)
            yield ValidationError(f"Must be on or after “{title}”", path=[later])


def _is_valid_date(value: object) -> bool:
    try:
        return isinstance(value, str) and is_date(value)
    except ValueError:
        return False


FormValidator = validators.extend(Draft202012Validator, {"x-not-before": _not_before})


@cache
def _validator(form_name: str) -> Any:
    return FormValidator(load_form(form_name).schema, format_checker=FORMAT_CHECKER)


def validate(form_name: str, data: object) -> dict[str, Any]:
    """The cleaned data (strings trimmed, empty answers dropped, defaults filled in).

    Raises `InvalidData` with one plain message per field path (`services.2`), `NotFound` for
    an unknown form.
    """
    schema = load_form(form_name).schema
    if not isinstance(data, dict):
        raise InvalidData("The form could not be read.", {"": NOT_AN_OBJECT})
    cleaned = _clean(data)
    for name, prop in schema.get("properties", {}).items():
        if name not in cleaned and "default" in prop:
            cleaned[name] = copy.deepcopy(prop["default"])
    fields = _field_messages(
        _validator(form_name).iter_errors(cleaned), list(schema["properties"]), schema
    )
    if fields:
        count = len(fields)
        noun = "answer needs" if count == 1 else "answers need"
        raise InvalidData(f"Please check the form: {count} {noun} attention.", fields)
    return cleaned


def validate_field(form_name: str, name: str, value: object) -> Any:
    """One answer of a form checked on its own (a correction of a recorded value): the
    cleaned value, or `InvalidData` with the message for `name`."""
    schema = load_form(form_name).schema
    prop = schema.get("properties", {}).get(name)
    if prop is None:
        raise InvalidData("unknown field", {name: NOT_IN_FORM})
    single = {
        "type": "object",
        "properties": {name: prop},
        "required": [name],
        "$defs": schema.get("$defs", {}),
    }
    cleaned = _clean({name: value})
    errors = FormValidator(single, format_checker=FORMAT_CHECKER).iter_errors(cleaned)
    fields = _field_messages(errors, [name], single)
    if fields:
        raise InvalidData("Please check the new value.", fields)
    return cleaned[name]


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, str):
            value = value.strip()
            if not value:
                continue
        elif isinstance(value, list):
            value = [
                item.strip() if isinstance(item, str) else copy.deepcopy(item) for item in value
            ]
        else:
            value = copy.deepcopy(value)
        cleaned[key] = value
    return cleaned


# Lower comes first when one field has several problems: say the most basic one.
_PRIORITY = {
    "type": 0,
    "required": 1,
    "additionalProperties": 1,
    "enum": 2,
    "const": 2,
    "format": 3,
}


def _field_messages(
    errors: Iterator[ValidationError], order: list[str], root: dict[str, Any] | None = None
) -> dict[str, str]:
    """One message per field path, the fields in the order of the form."""
    found: list[tuple[int, str, str]] = []
    for error in errors:
        rank = _PRIORITY.get(str(error.validator), 5)
        for path, message in _describe(error, root or {}):
            found.append((rank, path, message))
    messages: dict[str, str] = {}
    for _rank, path, message in sorted(found, key=lambda item: item[0]):
        messages.setdefault(path, message)
    position = {name: index for index, name in enumerate(order)}

    def form_order(path: str) -> tuple[int, str]:
        return position.get(path.split(".")[0], len(order)), path

    return {path: messages[path] for path in sorted(messages, key=form_order)}


def _describe(error: ValidationError, root: dict[str, Any]) -> list[tuple[str, str]]:
    """(field path, message) pairs for one error; `required` and extra fields name the child."""
    here = [str(part) for part in error.absolute_path]
    instance = error.instance
    keyword = str(error.validator)
    if keyword == "required" and isinstance(instance, dict):
        missing = [name for name in error.validator_value if name not in instance]
        why = _required_because(error, root)
        return [(_join(here, name), why or "Required") for name in missing]
    if keyword == "additionalProperties" and isinstance(instance, dict):
        known = error.schema.get("properties", {})
        return [(_join(here, name), NOT_IN_FORM) for name in instance if name not in known]
    return [(_join(here), _message(error))]


def _required_because(error: ValidationError, root: dict[str, Any]) -> str | None:
    """For a field required by an `if`/`then` (marked optional on the form), the answer
    that made it required: "Required because you answered Yes to “Granted?”"."""
    path = list(error.absolute_schema_path)
    if "then" not in path:
        return None
    node: Any = root
    for part in path[: len(path) - 1 - path[::-1].index("then")]:
        node = node[part] if isinstance(node, dict | list) else None
    condition = node.get("if", {}) if isinstance(node, dict) else {}
    properties = root.get("properties", {})
    for name, rule in condition.get("properties", {}).items():
        if not isinstance(rule, dict) or "const" not in rule:
            continue
        value = rule["const"]
        answer = ("Yes" if value else "No") if isinstance(value, bool) else str(value)
        title = str(properties.get(name, {}).get("title") or name)
        return f"Required because you answered {answer} to “{title}”"
    return None


def _join(parts: list[str], child: str | None = None) -> str:
    return ".".join([*parts, child] if child is not None else parts)


def _message(error: ValidationError) -> str:
    keyword = str(error.validator)
    schema = error.schema if isinstance(error.schema, dict) else {}
    custom = schema.get("x-messages", {}).get(keyword)
    if custom:
        return str(custom)
    value = error.validator_value
    simple = _SIMPLE_MESSAGES.get(keyword)
    if simple is not None:
        return simple(value, schema)
    return error.message if keyword.startswith("x-") else "Check this answer"


def _type_message(expected: Any, schema: dict[str, Any]) -> str:
    kinds = expected if isinstance(expected, list) else [expected]
    if "boolean" in kinds:
        return "Choose yes or no"
    if "integer" in kinds:
        return "Enter a whole number"
    if "number" in kinds:
        return "Enter a number"
    if "array" in kinds:
        return "Choose from the list"
    if "string" in kinds:
        return "Enter text"
    return "Check this answer"


def _range_message(_value: Any, schema: dict[str, Any]) -> str:
    low, high = schema.get("minimum"), schema.get("maximum")
    if low is not None and high is not None:
        return f"Enter a number from {low} to {high}"
    if low is not None:
        return f"Enter {low} or more"
    return f"Enter {high} or less"


def _min_items(count: int, _schema: dict[str, Any]) -> str:
    return "Choose at least one option" if count == 1 else f"Choose at least {count} options"


_SIMPLE_MESSAGES: dict[str, Callable[[Any, dict[str, Any]], str]] = {
    "type": _type_message,
    "enum": lambda _v, _s: "Choose one of the options",
    "const": lambda _v, _s: "Choose one of the options",
    "format": lambda fmt, _s: DATE_MESSAGE if fmt == "date" else "Check the format",
    "minItems": _min_items,
    "maxItems": lambda count, _s: f"Choose at most {count}",
    "uniqueItems": lambda _v, _s: "Choose each option only once",
    "minimum": _range_message,
    "maximum": _range_message,
    "exclusiveMinimum": lambda low, _s: f"Enter more than {low}",
    "exclusiveMaximum": lambda high, _s: f"Enter less than {high}",
    "minLength": lambda _v, _s: "Required",
    "maxLength": lambda count, _s: f"Use at most {count} characters",
    "pattern": lambda _v, _s: "Use the format shown",
}


class MultiValueForm(Protocol):
    """What `coerce_form_post` needs of a posted form: werkzeug's MultiDict fits."""

    def getlist(self, key: str) -> list[Any]: ...


def coerce_form_post(form_name: str, posted: MultiValueForm) -> dict[str, Any]:
    """Typed values from an HTML form post, by the form's schema, ready for `validate`.

    Only the form's own fields are read (a CSRF token or a submit button is ignored). Empty
    answers are left out; an array field that was not posted is an empty list, because a
    browser sends nothing for checkboxes that are not ticked. A value that cannot be
    converted is passed on unchanged so that `validate` explains what is wrong with it.
    """
    schema = load_form(form_name).schema
    data: dict[str, Any] = {}
    for name, prop in schema.get("properties", {}).items():
        raw = [value.strip() for value in posted.getlist(name) if isinstance(value, str)]
        raw = [value for value in raw if value]
        if prop.get("type") == "array":
            item_type = prop.get("items", {}).get("type", "string")
            data[name] = [_coerce(value, item_type) for value in raw]
        elif raw:
            # A checkbox after a hidden "false" posts both: the last one wins.
            data[name] = _coerce_any(raw[-1], prop.get("type", "string"))
    return data


def _coerce_any(value: str, kind: str | list[str]) -> Any:
    # A yes/no question that also takes "unknown" or "prefers_not_to_say" has the types
    # boolean and string: "true"/"false" are the booleans, anything else stays a string.
    if isinstance(kind, list):
        return _coerce(value, "boolean") if "boolean" in kind else value
    return _coerce(value, kind)


def _coerce(value: str, kind: str) -> Any:
    if kind == "boolean":
        lowered = value.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
    elif kind == "integer":
        compact = value.replace(" ", "")
        if _INTEGER.match(compact):
            return int(compact)
    elif kind == "number":
        return _coerce_number(value)
    return value


def _coerce_number(value: str) -> Any:
    # People write 1 200,50 as often as 1200.50; a lone comma is a decimal comma.
    compact = value.replace(" ", "").replace("\u00a0", "")
    if "," in compact and "." not in compact and compact.count(",") == 1:
        compact = compact.replace(",", ".")
    if _INTEGER.match(compact):
        return int(compact)
    if _NUMBER.match(compact):
        return float(compact)
    return value
