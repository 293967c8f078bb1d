"""The catalogues translators work in: forms and diagrams are extracted into the one
template, each language's catalogue is honest about its review, consistent with the
English, and compiled."""

from __future__ import annotations

import io
import re

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from engine.settings import PROJECT_ROOT
from forms.registry import FORMS_DIR, form_names
from web.admin.editor import panel_msgids
from web.extractors import PANEL_COMMENT, extract_bpmn, extract_form, extract_panel
from web.i18n import NETWORK_LOCALES, TRANSLATIONS

LOCALES = [code for code in NETWORK_LOCALES if code != "en"]
_PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}")
_MARKUP = re.compile(r"</?\w+")


def _extracted(path, method):
    with path.open("rb") as handle:
        return list(method(handle, [], [], {}))


def _ids(catalog) -> set[str]:
    return {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}


def test_form_labels_help_and_choices_are_extracted_with_where_they_come_from():
    found = {
        msg: comments
        for _, _, msg, comments in _extracted(FORMS_DIR / "inform_rights.ui.json", extract_form)
    }
    assert found["Reflection period"] == [
        "form inform_rights, field topics: choice reflection_period"
    ]
    assert "Record the session" in found
    schema = {
        msg for _, _, msg, _ in _extracted(FORMS_DIR / "inform_rights.schema.json", extract_form)
    }
    assert {"Language used", "Choose at least one topic", "Inform her of her rights"} <= schema


def test_diagram_task_names_and_instructions_are_extracted():
    found = {
        msg
        for _, _, msg, _ in _extracted(
            PROJECT_ROOT / "processes" / "identification.bpmn", extract_bpmn
        )
    }
    assert "Inform her of her rights" in found
    assert "coordinator" not in found  # lane names are role codes, not words to translate
    assert any(len(msg) > 80 for msg in found)  # a task's documentation


def test_the_committed_template_holds_every_form_and_diagram_string():
    """`make messages` was run after the last change to a form or a diagram."""
    with (TRANSLATIONS / "messages.pot").open("rb") as handle:
        template = _ids(read_po(handle))
    wanted = set()
    for name in form_names():
        for suffix in (".schema.json", ".ui.json"):
            path = FORMS_DIR / f"{name}{suffix}"
            if path.exists():
                wanted |= {msg for _, _, msg, _ in _extracted(path, extract_form)}
    for path in (PROJECT_ROOT / "processes").glob("*.bpmn"):
        wanted |= {msg for _, _, msg, _ in _extracted(path, extract_bpmn)}
    assert sorted(wanted - template) == []


def test_the_committed_template_holds_every_word_of_the_editor_panel():
    """`make messages` was run after the last change to the panel's sources, so the editor
    page hands the panel the translations of all its words (web/admin/editor.py)."""
    panel = PROJECT_ROOT / "web" / "vendor-src" / "panel"
    sources = sorted([*panel.glob("*.js"), *panel.glob("*.jsx")])
    assert any(path.suffix == ".jsx" for path in sources)
    found = set()
    for path in sources:
        with path.open("rb") as handle:
            found |= {
                msg
                for _, _, msg, comments in extract_panel(handle, ["translate"], [], {})
                if PANEL_COMMENT in comments
            }
    assert {"Task for an organisation", "Case values it may use", "Due after"} <= found
    assert "Write an ISO 8601 duration such as P7D (7 days) or PT24H (24 hours)." in found
    assert sorted(found ^ set(panel_msgids())) == []


@pytest.mark.parametrize("locale", LOCALES)
def test_each_catalogue_states_its_review_and_matches_its_english(locale: str):
    path = TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    assert re.search(
        r"Reviewed by a native speaker from a member organisation: (yes|no)",
        catalog.header_comment,
    )
    for message in catalog:
        if not message.id:
            continue
        assert not message.fuzzy, message.id
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        # Complete: every message, every plural form of it (a draft is still a translation).
        assert strings and all(strings), f"{locale}: {ids[0]!r} is not translated"
        for string in strings:
            # Same placeholders (a missing %(name)s would crash or mislead) and markup.
            assert set(_PLACEHOLDER.findall(string)) == set(_PLACEHOLDER.findall(ids[-1])), string
            assert sorted(_MARKUP.findall(string)) == sorted(_MARKUP.findall(ids[0])), string


@pytest.mark.parametrize("locale", LOCALES)
def test_the_compiled_catalogue_is_the_current_one(locale: str):
    folder = TRANSLATIONS / locale / "LC_MESSAGES"
    with (folder / "messages.po").open("rb") as handle:
        source = _pairs(read_po(handle, locale=locale))
    compiled = _pairs(read_mo(io.BytesIO((folder / "messages.mo").read_bytes())))
    assert compiled == source


def _pairs(catalog) -> dict[object, object]:
    """Translated messages, plural ones as tuples (the .mo reader gives lists)."""

    def key(value):
        return value if isinstance(value, str) else tuple(value)

    return {
        (m.context, key(m.id)): key(m.string)
        for m in catalog
        if m.id and any(key(m.string)) and not set(key(m.string)) <= set(key(m.id))
    }
