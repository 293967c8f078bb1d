"""Case notes: short texts the organisations on a case write, encrypted at rest.

A note is private to the writing organisation unless it is shared with the team
(`visibility` "team"): then everyone whose view of the case shows its notes reads it
(engine/case/visibility.py). A confidential note is private too and leaves no trace
for others: not even the coordinator's timeline shows that it was written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import false, or_, select
from sqlalchemy.orm import Session

from engine.audit import Actor, record
from engine.case.access import case_and_view
from engine.case.visibility import NOTES, CaseView
from engine.db.context import Services
from engine.db.unit_of_work import in_transaction
from engine.errors import InvalidData
from engine.models import Note, Organisation, User

MAX_NOTE_LENGTH = 5000
PRIVATE, TEAM, CONFIDENTIAL = "organisation", "team", "confidential"
VISIBILITIES = (PRIVATE, TEAM, CONFIDENTIAL)


@dataclass(frozen=True)
class CaseNote:
    id: int
    body: str
    confidential: bool
    visibility: str
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
    visibility: str | None = None,
) -> Note:
    """Add a note, private to the actor's organisation unless `visibility` is "team"."""
    visibility = CONFIDENTIAL if confidential else (visibility or PRIVATE)
    confidential = visibility == CONFIDENTIAL
    text = (body or "").strip()

    def work() -> Note:
        now = services.now()
        case, _, _ = case_and_view(session, actor, case_id, now)  # 404 before any 422
        _check(text, visibility)
        note = Note(
            case_id=case.id,
            organisation_id=actor.organisation_id,
            user_id=actor.user_id,
            confidential=bool(confidential),
            visibility=visibility,
            body=services.cipher.encrypt(
                text.encode(), _context(case.id, actor.organisation_id, bool(confidential))
            ),
            created_at=now,
        )
        session.add(note)
        record(session, actor, "note.added", now, case.id, visibility=visibility)
        return note

    return in_transaction(session, work)


def _check(text: str, visibility: str) -> None:
    if visibility not in VISIBILITIES:
        raise InvalidData(
            "unknown visibility", {"visibility": "Use organisation, team or confidential"}
        )
    if not text:
        raise InvalidData("The note is empty.", {"body": "Write the note"})
    if len(text) > MAX_NOTE_LENGTH:
        raise InvalidData(
            "The note is too long.", {"body": f"Use at most {MAX_NOTE_LENGTH} characters"}
        )


def list_notes(session: Session, services: Services, actor: Actor, case_id: str) -> list[CaseNote]:
    """The notes the actor's organisation may read, newest first; the read is audited
    (in the caller's unit of work)."""
    now = services.now()
    case, _, view = case_and_view(session, actor, case_id, now)
    record(session, actor, "case.viewed", now, case.id, part="notes")
    return notes_of(session, services, actor, case.id, view)


def notes_of(
    session: Session, services: Services, actor: Actor, case_id: str, view: CaseView
) -> list[CaseNote]:
    """`list_notes` for a caller that has decided the view already."""
    shared = Note.visibility == TEAM if view.shows(NOTES) else false()
    rows = session.execute(
        select(Note, User.username, Organisation.name)
        .join(User, User.id == Note.user_id)
        .join(Organisation, Organisation.id == Note.organisation_id)
        .where(
            Note.case_id == case_id,
            or_(shared, Note.organisation_id == actor.organisation_id),
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
            visibility=note.visibility,
            author=username,
            organisation=organisation,
            created_at=note.created_at,
        )
        for note, username, organisation in rows
    ]
