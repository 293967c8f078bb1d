"""Rights leaflets: what she is entitled to in her host country, in a language she reads.

A leaflet is the plain-language text of one language (`processes/leaflets/text.<lang>.json`,
or a language an administrator added: `LeafletText`) filled in with one host country's
facts (`processes/leaflets/countries.json`: the reflection or recovery period, who decides)
and the contacts the directory holds for that country. Its version, e.g. `SE-2026.1`, is
the country and the edition of the text: a change of text or of a country's facts is a new
edition, so the record of what she received (`inform_rights.leaflet_version`) stays true.

Texts are drafts until a native speaker has checked them against the country's official
terms (see docs/languages.md); a draft leaflet says so when printed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from babel.units import format_unit
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.directory import list_organisations
from engine.errors import InvalidData, NotFound
from engine.models import LeafletText, Organisation
from engine.settings import PROCESSES_DIR
from forms.reference import LANGUAGES

# Beside the diagrams and the directory (NBASSIST_PROCESSES_DIR in a container).
LEAFLETS_DIR = PROCESSES_DIR / "leaflets"
# The order of a leaflet; each text has a heading and a paragraph for every one.
SECTIONS = ("reflection", "assistance", "return_and_residence", "compensation", "complaints")
_TEXT_KEYS = ("title", "intro", "contacts_heading", "draft_notice")


@dataclass(frozen=True)
class Leaflet:
    country: str
    language: str
    version: str
    draft: bool
    title: str
    intro: str
    sections: list[tuple[str, str]]  # (heading, text) in the order of SECTIONS
    contacts_heading: str
    draft_notice: str
    contacts: list[Organisation] = field(default_factory=list)


@cache
def _countries() -> dict[str, Any]:
    return dict(json.loads((LEAFLETS_DIR / "countries.json").read_text(encoding="utf-8")))


def edition() -> str:
    return str(_countries()["edition"])


def leaflet_version(country: str) -> str:
    """The current version of the leaflet of `country`, as recorded on her case."""
    return f"{country.upper()}-{edition()}"


@cache
def shipped_texts() -> dict[str, dict[str, Any]]:
    """Language → text of the languages that come with the system."""
    texts = {}
    for path in sorted(LEAFLETS_DIR.glob("text.*.json")):
        text = json.loads(path.read_text(encoding="utf-8"))
        texts[str(text["language"])] = text
    return texts


def _added_texts(session: Session) -> dict[str, LeafletText]:
    rows = session.scalars(select(LeafletText).where(LeafletText.edition == edition()))
    return {row.language: row for row in rows}


def available_languages(session: Session) -> list[str]:
    """Languages the current edition of the leaflet is written in, shipped or added."""
    return sorted({*shipped_texts(), *_added_texts(session)})


def leaflet(session: Session, country: str, language: str) -> Leaflet:
    """The leaflet of `country` in `language`; NotFound when it is not written in it."""
    country = country.upper()
    facts = _countries()["countries"].get(country)
    if facts is None:
        raise NotFound(f"There is no rights leaflet for {country!r}.")
    added = _added_texts(session).get(language)
    if added is not None:
        text, draft = dict(added.text), added.draft
    elif language in shipped_texts():
        text = shipped_texts()[language]
        draft = bool(text.get("draft", True))
    else:
        raise NotFound(f"The rights leaflet is not written in {language!r}.")
    values = _facts_in(facts, language)
    sections = [
        (
            str(text["sections"][key]["heading"]),
            str(text["sections"][key]["text"]).format(**values),
        )
        for key in SECTIONS
    ]
    return Leaflet(
        country=country,
        language=language,
        version=leaflet_version(country),
        draft=draft,
        title=str(text["title"]).format(**values),
        intro=str(text["intro"]).format(**values),
        sections=sections,
        contacts_heading=str(text["contacts_heading"]),
        draft_notice=str(text["draft_notice"]),
        contacts=[
            o for o in list_organisations(session, country) if o.contacts and not o.placeholder
        ],
    )


def _facts_in(facts: dict[str, Any], language: str) -> dict[str, str]:
    """A country's facts as the text's placeholders: `{period}`, `{authority}`, `{recovery}`."""

    def days(n: int) -> str:
        try:
            return str(format_unit(n, "duration-day", locale=language, length="long"))
        except (ValueError, LookupError):  # a language CLDR does not know: digits only
            return str(n)

    low, high = int(facts["period_days"][0]), int(facts["period_days"][1])
    period = days(low) if low == high else f"{days(low)} – {days(high)}"
    return {"period": period, "authority": str(facts["authority"]), "recovery": days(90)}


def add_language(
    session: Session, language: str, text: dict[str, Any], added_by: int, at: datetime
) -> LeafletText:
    """An administrator adds (or replaces) the current edition's text in `language`."""
    errors: dict[str, str] = {}
    if language not in LANGUAGES:
        errors["language"] = "Choose a language from the list"
    for key in _TEXT_KEYS:
        if not str(text.get(key) or "").strip():
            errors[key] = "Required"
    for key in SECTIONS:
        section = (text.get("sections") or {}).get(key) or {}
        for part in ("heading", "text"):
            if not str(section.get(part) or "").strip():
                errors[f"{key}.{part}"] = "Required"
            else:
                try:
                    str(section[part]).format(period="", authority="", recovery="")
                except (KeyError, IndexError, ValueError):
                    errors[f"{key}.{part}"] = (
                        "Use only {period}, {authority} and {recovery} in curly brackets"
                    )
    if errors:
        raise InvalidData("The leaflet text is not complete.", errors)
    row = session.scalar(
        select(LeafletText).where(
            LeafletText.language == language, LeafletText.edition == edition()
        )
    )
    if row is None:
        row = LeafletText(language=language, edition=edition())
        session.add(row)
    row.text, row.draft, row.added_by_id, row.created_at = text, True, added_by, at
    session.flush()
    return row
