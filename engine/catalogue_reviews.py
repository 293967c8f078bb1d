"""Which translations of the interface a native speaker has reviewed, per language.

The catalogues (web/translations/) are drafts until a native speaker from a member
organisation checks them; a reviewer marks each string on the administrators' page and
the mark is kept here with the translation she saw. A translation changed afterwards
no longer matches, so it shows as not reviewed again.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import ReviewedMessage


def message_key(msgid: str) -> str:
    return hashlib.sha256(msgid.encode("utf-8")).hexdigest()


def reviewed_translations(session: Session, locale: str) -> dict[str, str]:
    """Key of the English text → the translation that was reviewed."""
    rows = session.scalars(select(ReviewedMessage).where(ReviewedMessage.locale == locale))
    return {row.msgid_hash: row.msgstr for row in rows}


def mark_reviewed(
    session: Session, locale: str, msgid: str, msgstr: str, reviewer_id: int, at: datetime
) -> None:
    """Record that `msgstr` is a right translation of `msgid` (again, if it changed)."""
    key = message_key(msgid)
    row = session.scalar(
        select(ReviewedMessage).where(
            ReviewedMessage.locale == locale, ReviewedMessage.msgid_hash == key
        )
    )
    if row is None:
        row = ReviewedMessage(locale=locale, msgid_hash=key, msgid=msgid)
        session.add(row)
    row.msgstr = msgstr
    row.reviewed_by_id = reviewer_id
    row.reviewed_at = at
