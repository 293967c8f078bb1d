"""The translation catalogues as the administrators' review page reads them.

Each `web/translations/<lang>/LC_MESSAGES/messages.po` states in its header comment
whether a native speaker from a member organisation has reviewed it; single strings are
marked reviewed on the page and the mark is kept in the database
(engine/catalogue_reviews.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from engine.catalogue_reviews import message_key
from web.i18n import TRANSLATIONS

_STATUS = re.compile(r"reviewed by a native speaker from a member organisation:\s*(\w+)", re.I)


# Where a message comes from, by the comment the extractors give it (web/extractors.py).
PARTS = ("pages", "forms", "diagrams")


@dataclass(frozen=True)
class Entry:
    key: str
    # What gettext looks up: the English, after its context when it has one ("case
    # status" + "Open" is not the button "Open"), so the two are reviewed apart.
    lookup: str
    msgid: str
    msgstr: str  # every plural form, one per line; "" when not translated yet
    context: str | None = None
    where: str = ""  # the extractor's note: "form inform_rights, field topics: title"

    @property
    def part(self) -> str:
        if self.where.startswith("form "):
            return "forms"
        if self.where.startswith("diagram"):
            return "diagrams"
        return "pages"


@dataclass(frozen=True)
class CatalogueFile:
    locale: str
    reviewed_status: str  # "yes", "no", or "unknown" when the header says nothing
    entries: tuple[Entry, ...]

    @property
    def translated(self) -> list[Entry]:
        return [e for e in self.entries if e.msgstr]


def po_path(locale: str) -> Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"


@cache
def _read(locale: str, mtime: float) -> CatalogueFile:
    with po_path(locale).open("rb") as handle:
        catalog: Catalog = read_po(handle, locale=locale)
    match = _STATUS.search(catalog.header_comment or "")
    entries = []
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        raw = message.string
        forms = [raw] if isinstance(raw, str) else list(raw or ())
        msgstr = "\n".join(forms) if all(forms) else ""
        lookup = f"{message.context}\x04{msgid}" if message.context else msgid
        where = (message.auto_comments or [""])[0]
        entries.append(Entry(message_key(lookup), lookup, msgid, msgstr, message.context, where))
    return CatalogueFile(locale, match.group(1).lower() if match else "unknown", tuple(entries))


def catalogue(locale: str) -> CatalogueFile:
    return _read(locale, po_path(locale).stat().st_mtime)
