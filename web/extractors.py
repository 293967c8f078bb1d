"""Babel extraction methods for the strings that live outside Python and templates.

Form titles, help texts and choice labels are in `forms/*.schema.json` and `*.ui.json`;
task names and their instructions are in `processes/*.bpmn`; the process editor's
properties panel has its own words in `web/vendor-src/panel`. `make messages` runs
`pybabel extract` with these methods (named in `web/babel.cfg`), so translators find
every string a person reads in the one catalogue, and the pages look each one up with
`gettext` when they render it (`web/form_fields.py`, the `translated` filter).

Each message carries an extracted comment saying where it comes from ("form
inform_rights, field language: title"), because a label alone is often ambiguous.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import IO, Any, cast

from babel.messages.extract import extract_javascript
from lxml import etree

# (line number, function name, message, comments), as Babel expects from an extractor.
Message = tuple[int, str | None, str, list[str]]

_SCHEMA_TEXTS = ("title", "description")
_UI_TEXTS = ("help", "placeholder")
_BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
# Elements whose names people read: tasks in lists, stages on the case page.
_NAMED = {"userTask", "manualTask", "task", "callActivity", "subProcess", "process"}
# The comment that marks the editor panel's messages in the catalogue; the editor page
# sends the panel the translations of the messages that carry it (web/admin/editor.py).
PANEL_COMMENT = "process editor's properties panel"


def _line_of(text: str, message: str) -> int:
    """The line where the message first appears (JSON parsers give no positions)."""
    index = text.find(json.dumps(message, ensure_ascii=False)[1:-1])
    return text.count("\n", 0, index) + 1 if index >= 0 else 1


def _schema_messages(node: Any, where: str) -> Iterator[tuple[str, str]]:
    if not isinstance(node, dict):
        return
    for key in _SCHEMA_TEXTS:
        if isinstance(node.get(key), str) and node[key].strip():
            yield node[key], f"{where}: {key}"
    for keyword, message in (node.get("x-messages") or {}).items():
        if isinstance(message, str):
            yield message, f"{where}: error message ({keyword})"
    for name, child in (node.get("properties") or {}).items():
        yield from _schema_messages(child, f"{where}, field {name}")
    if isinstance(node.get("items"), dict):
        yield from _schema_messages(node["items"], f"{where}, each item")
    for part in node.get("allOf") or []:
        if isinstance(part, dict):
            for branch in ("if", "then", "else"):
                yield from _schema_messages(part.get(branch), where)


def _ui_messages(ui: dict[str, Any], where: str) -> Iterator[tuple[str, str]]:
    for key in ("instructions", "submit_label"):
        if isinstance(ui.get(key), str) and ui[key].strip():
            yield ui[key], f"{where}: {key}"
    for name, field in (ui.get("fields") or {}).items():
        if not isinstance(field, dict):
            continue
        for key in _UI_TEXTS:
            if isinstance(field.get(key), str) and field[key].strip():
                yield field[key], f"{where}, field {name}: {key}"
        for code, label in (field.get("labels") or {}).items():
            if isinstance(label, str):
                yield label, f"{where}, field {name}: choice {code}"


def extract_form(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: dict[str, Any]
) -> Iterator[Message]:
    """Messages of a form's JSON Schema or UI schema (`<name>.schema.json`, `.ui.json`)."""
    text = fileobj.read().decode("utf-8")
    document = json.loads(text)
    name = str(getattr(fileobj, "name", "form")).rsplit("/", 1)[-1]
    form, _, kind = name.partition(".")
    where = f"form {form}"
    ui = kind == "ui.json"
    found = _ui_messages(document, where) if ui else _schema_messages(document, where)
    for message, comment in found:
        yield _line_of(text, message), None, message, [comment]


def extract_bpmn(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: dict[str, Any]
) -> Iterator[Message]:
    """Task and stage names and the tasks' instructions (`documentation`) of a diagram."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    root = etree.parse(fileobj, parser).getroot()
    for element in root.iter():
        if not isinstance(element.tag, str) or not element.tag.startswith(_BPMN):
            continue
        kind = element.tag.removeprefix(_BPMN)
        if kind not in _NAMED:
            continue
        where = f"diagram, {kind} {element.get('id')}"
        name = (element.get("name") or "").strip()
        if name:
            yield element.sourceline or 1, None, name, [f"{where}: name"]
        for documentation in element.findall(f"{_BPMN}documentation"):
            text = (documentation.text or "").strip()
            if text:
                line = documentation.sourceline or 1
                yield line, None, text, [f"{where}: instructions (Markdown)"]


def extract_panel(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any
) -> Iterator[Message]:
    """The editor panel's words: its `translate('…')` calls (bpmn-js's translate service)
    in `web/vendor-src/panel/*.js` and `.jsx`, found by Babel's JavaScript extractor (which
    reads JSX), each marked as the panel's."""
    for found in extract_javascript(fileobj, keywords, comment_tags, options):
        # What every extraction method yields (Babel annotates it as extract()'s result).
        line, funcname, message, comments = cast(tuple[int, str, Any, list[str]], found)
        if isinstance(message, str):  # `translate` takes one message, no plural forms
            yield line, funcname, message, [*comments, PANEL_COMMENT]
