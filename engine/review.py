"""Four eyes across the network: every process and decision table is shared by all the
network's organisations, so a change proposed by one becomes current only when an
administrator of *another* organisation approves it. The proposal, its diff (against
the version current when it was proposed), the comments and the decision stay with the
version for good, and each step is audited.

A proposal made from the command line without `--by` is the system's (no organisation):
any administrator may decide it. Development installs with one organisation may turn
four eyes off (NBASSIST_FOUR_EYES=off, refused in production): deploys are then current
at once, as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit import Actor, record
from engine.errors import Conflict, Forbidden, InvalidData
from engine.models import ProcessVersion, ReviewEntry
from engine.versions import (
    APPROVED,
    PROPOSED,
    REJECTED,
    current_version,
    find_version,
    make_current,
    organisation_slug,
    review_entry,
)

MAX_COMMENT = 4000


@dataclass(frozen=True)
class Proposal:
    version: ProcessVersion
    entries: list[ReviewEntry]


def proposals(session: Session, state: str = PROPOSED) -> list[Proposal]:
    """Versions in `state` (proposed, by default), oldest first, with what was said."""
    versions = list(
        session.scalars(
            select(ProcessVersion)
            .where(ProcessVersion.review_state == state)
            .order_by(ProcessVersion.deployed_at, ProcessVersion.id)
        )
    )
    return [Proposal(v, entries(session, v)) for v in versions]


def entries(session: Session, version: ProcessVersion) -> list[ReviewEntry]:
    return list(
        session.scalars(
            select(ReviewEntry)
            .where(ReviewEntry.process_version_id == version.id)
            .order_by(ReviewEntry.at, ReviewEntry.id)
        )
    )


def _text(body: str, required: str | None) -> str:
    body = (body or "").strip()
    if required and not body:
        raise InvalidData(required, {"comment": required})
    if len(body) > MAX_COMMENT:
        raise InvalidData(
            "comment too long", {"comment": f"Write at most {MAX_COMMENT} characters"}
        )
    return body


def _require_administrator(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden("only administrators review process changes")


def comment(
    session: Session, process_id: str, number: int, body: str, at: datetime, actor: Actor
) -> ReviewEntry:
    """Any administrator, the proposer included, may discuss a proposal."""
    _require_administrator(actor)
    version = find_version(session, process_id, number)
    entry = review_entry(session, version, "comment", _text(body, "Write a comment"), at, actor)
    session.add(entry)
    record(session, actor, "process.commented", at, process_id=process_id, version=number)
    return entry


def _decidable(session: Session, process_id: str, number: int, actor: Actor) -> ProcessVersion:
    _require_administrator(actor)
    version = find_version(session, process_id, number)
    if version.review_state != PROPOSED:
        raise Conflict(f"{process_id} version {number} is already {version.review_state}")
    own = organisation_slug(session, actor)
    if actor.username == version.deployed_by or (
        version.proposed_by_org is not None and own == version.proposed_by_org
    ):
        raise Forbidden(
            "a change is approved or rejected by an administrator of another organisation "
            "than the one that proposed it"
        )
    return version


def approve(
    session: Session,
    process_id: str,
    number: int,
    at: datetime,
    actor: Actor,
    body: str = "",
) -> ProcessVersion:
    """Approve a proposal. It becomes current unless a newer version already is (then it
    can still be activated)."""
    version = _decidable(session, process_id, number, actor)
    version.review_state = APPROVED
    version.decided_at, version.decided_by = at, actor.username
    session.add(review_entry(session, version, APPROVED, _text(body, None), at, actor))
    current = current_version(session, process_id)
    previous = make_current(session, version) if current.version < number else None
    record(
        session,
        actor,
        "process.approved",
        at,
        process_id=process_id,
        version=number,
        previous_version=previous,
        made_current=previous is not None,
    )
    return version


def reject(
    session: Session, process_id: str, number: int, body: str, at: datetime, actor: Actor
) -> ProcessVersion:
    """Reject a proposal, saying why; it can never become current."""
    version = _decidable(session, process_id, number, actor)
    reason = _text(body, "Say why the change is rejected")
    version.review_state = REJECTED
    version.decided_at, version.decided_by = at, actor.username
    session.add(review_entry(session, version, REJECTED, reason, at, actor))
    record(session, actor, "process.rejected", at, process_id=process_id, version=number)
    return version
