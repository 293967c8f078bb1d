"""Case notes: short texts the case team writes, encrypted at rest.

A note marked confidential is read only by the organisation that wrote it (for example
what she told her counsellor); everyone else on the case does not learn it exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from engine.audit import Actor, record
from engine.case.access import visible_case
from engine.db.context import Services
from engine.db.unit_of_work import in_transaction
from engine.errors import InvalidData
from engine.models import Note, Organisation, User

MAX_NOTE_LENGTH = 5000


@dataclass(frozen=True)
class CaseNote:
    id: int
    body: str
    confidential: bool
    author: str
    organisation: str
    created_at: datetime


def _context(case_id: str, organisation_id: int | None, confidential: bool) -> str:
    # Bound to the writer and the flag: a row whose flag is flipped no longer decrypts.
    return f"note:{case_id}:{organisation_id}:{int(confidential)}"


def add_note(
    session: Session,
    services: Services,
    actor: Actor,
    case_id: str,
    body: str,
    confidential: bool = False,
) -> Note:
    text = (body or "").strip()
    if not text:
        raise InvalidData("The note is empty.", {"body": "Write the note"})
    if len(text) > MAX_NOTE_LENGTH:
        raise InvalidData(
            "The note is too long.", {"body": f"Use at most {MAX_NOTE_LENGTH} characters"}
        )

    def work() -> Note:
        case = visible_case(session, actor, case_id)
        now = services.now()
        note = Note(
            case_id=case.id,
            organisation_id=actor.organisation_id,
            user_id=actor.user_id,
            confidential=bool(confidential),
            body=services.cipher.encrypt(
                text.encode(), _context(case.id, actor.organisation_id, bool(confidential))
            ),
            created_at=now,
        )
        session.add(note)
        record(session, actor, "note.added", now, case.id, confidential=bool(confidential))
        return note

    return in_transaction(session, work)


def list_notes(session: Session, services: Services, actor: Actor, case_id: str) -> list[CaseNote]:
    """The notes the actor's organisation may read, newest first."""
    return notes_of(session, services, actor, visible_case(session, actor, case_id).id)


def notes_of(session: Session, services: Services, actor: Actor, case_id: str) -> list[CaseNote]:
    """`list_notes` for a caller that has checked need to know already."""
    rows = session.execute(
        select(Note, User.username, Organisation.name)
        .join(User, User.id == Note.user_id)
        .join(Organisation, Organisation.id == Note.organisation_id)
        .where(
            Note.case_id == case_id,
            or_(Note.confidential.is_(False), Note.organisation_id == actor.organisation_id),
        )
        .order_by(Note.created_at.desc(), Note.id.desc())
    ).all()
    return [
        CaseNote(
            id=note.id,
            body=services.cipher.decrypt(
                note.body, _context(case_id, note.organisation_id, note.confidential)
            ).decode(),
            confidential=note.confidential,
            author=username,
            organisation=organisation,
            created_at=note.created_at,
        )
        for note, username, organisation in rows
    ]
