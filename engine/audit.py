"""The audit trail: every read and write of a case, append-only and hash-chained.

Each event stores the hash of the previous event *of the same case* (or of the
previous case-less event) and a hash over its own content and that link, so editing
or deleting an event breaks the chain where it stood. Chaining per case keeps
writers of different cases from contending on one global row.

The hash is an HMAC-SHA-256 with a key derived from the data key, so that someone
who can write to the database but does not hold the key cannot edit an event and
recompute the chain. Each chain's head (`audit_head`: newest hash, number of events,
a MAC over both) is locked and updated at commit, in the transaction that adds the
events, so removing the newest events shows too, and two transactions never link to
the same predecessor. `verify_trail` checks the whole trail (`nbassist audit verify`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from engine.models import AuditEvent, AuditHead
from engine.settings import load_settings

# The chain of events without a case (sign-ins, accounts, deployments).
CASELESS_CHAIN = "*"
# The session.info key of the events recorded in this transaction, chained at commit.
UNCHAINED = "audit_unchained"
_chain_key: bytes | None = None


def use_data_key(data_key: bytes) -> None:
    """Derive the chain key from the data key. The web application, the CLI and the
    tests call this at start-up with the data key they were given."""
    global _chain_key
    _chain_key = hmac.new(data_key, b"nbassist audit chain v1", "sha256").digest()


def chain_key() -> bytes:
    """The key set at start-up, or else the one derived from the configured data key."""
    if _chain_key is None:
        use_data_key(load_settings().data_key)
    assert _chain_key is not None
    return _chain_key


def chain_of(case_id: str | None) -> str:
    return case_id or CASELESS_CHAIN


@dataclass(frozen=True)
class Actor:
    """Who is acting: a signed-in person or an API token's user, or the system."""

    user_id: int | None
    organisation_id: int | None
    username: str
    is_admin: bool = False

    @classmethod
    def system(cls) -> Actor:
        return cls(user_id=None, organisation_id=None, username="system")


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _forget_unchained(session: Session, *_: Any) -> None:
    session.info.pop(UNCHAINED, None)


@event.listens_for(Session, "before_commit")
def _chain_at_commit(session: Session) -> None:
    """Link the transaction's events to their chains' heads, last thing before commit.

    The heads are locked only now, all in one statement in a fixed order, after every
    other change of the transaction is flushed: a transaction holding a head then waits
    for nothing but other heads, taken in the same order, so two schedulers (or a
    reader and a writer) can never deadlock over them."""
    events: list[AuditEvent] = session.info.pop(UNCHAINED, [])
    if not events:
        return
    session.flush()
    key = chain_key()
    chains = sorted({chain_of(entry.case_id) for entry in events})
    heads: dict[str, AuditHead] = {head.chain: head for head in _locked_heads(session, chains)}
    for entry in events:
        chain = chain_of(entry.case_id)
        head = heads.get(chain)
        entry.prev_hash = (head.hash or None) if head else None  # "": an empty chain (0008)
        entry.hash = keyed_digest(key, entry)
        if head is None:
            head = heads[chain] = AuditHead(chain=chain, hash=entry.hash, count=1, keyed_from=0)
            session.add(head)
        else:
            head.hash, head.count = entry.hash, head.count + 1
        head.mac = head_mac(key, head)
    session.add_all(events)


def _content(entry: AuditEvent) -> bytes:
    content = {
        "at": entry.at.isoformat(),
        "case_id": entry.case_id,
        "user_id": entry.user_id,
        "organisation_id": entry.organisation_id,
        "action": entry.action,
        "detail": entry.detail,
        "prev": entry.prev_hash,
    }
    return json.dumps(content, sort_keys=True, default=str).encode()


def legacy_digest(entry: AuditEvent) -> str:
    """The plain SHA-256 of events recorded before keyed chaining (migration 0008)."""
    return hashlib.sha256(_content(entry)).hexdigest()


def keyed_digest(key: bytes, entry: AuditEvent) -> str:
    return hmac.new(key, _content(entry), "sha256").hexdigest()


def head_mac(key: bytes, head: AuditHead) -> str:
    message = f"{head.chain}|{head.hash}|{head.count}|{head.keyed_from}".encode()
    return hmac.new(key, b"head|" + message, "sha256").hexdigest()


def _locked_heads(session: Session, chains: list[str]) -> list[AuditHead]:
    # populate_existing: sessions keep objects across commits (expire_on_commit=False),
    # and a head cached from an earlier transaction is stale.
    with session.no_autoflush:
        return list(
            session.scalars(
                select(AuditHead)
                .where(AuditHead.chain.in_(chains))
                .order_by(AuditHead.chain)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        )


def record(
    session: Session,
    actor: Actor,
    action: str,
    at: datetime,
    case_id: str | None = None,
    **detail: Any,
) -> AuditEvent:
    """Add an audit event to the transaction; it is chained and written at commit, with
    the change it describes (so it is not among query results before then)."""
    chain_key()  # a missing key fails here, where the event is recorded
    entry = AuditEvent(
        at=at,
        case_id=case_id,
        user_id=actor.user_id,
        organisation_id=actor.organisation_id,
        action=action,
        detail=detail,
    )
    session.info.setdefault(UNCHAINED, []).append(entry)
    return entry


def load_heads(session: Session, case_ids: Iterable[str]) -> None:
    """Kept for batch callers: every head a transaction needs is now read at commit in
    one statement, so there is nothing to read ahead."""


@dataclass(frozen=True)
class Problem:
    """Where the trail does not hold: the event (None when a whole chain is gone)."""

    event_id: int | None
    chain: str
    message: str

    def line(self) -> str:
        where = "case-less events" if self.chain == CASELESS_CHAIN else f"case {self.chain}"
        event = f"event #{self.event_id}" if self.event_id is not None else "a chain"
        return f"{event} ({where}) {self.message}"


@dataclass
class TrailReport:
    events: int = 0
    chains: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def first(self) -> Problem | None:
        """The earliest problem: what broke first, when an edit broke several links."""
        found = sorted(self.problems, key=lambda p: (p.event_id is None, p.event_id or 0))
        return found[0] if found else None


@dataclass
class _ChainWalk:
    """One chain as it is read in id order."""

    keyed_from: int = 0
    count: int = 0
    last_hash: str | None = None
    last_id: int | None = None
    legacy_hashes: set[str] = field(default_factory=set)

    def step(self, key: bytes, entry: AuditEvent) -> str | None:
        if entry.id < self.keyed_from:
            # Before keyed chaining, two readers could link to the same predecessor.
            sound = entry.hash == legacy_digest(entry)
            if self.legacy_hashes:
                linked = entry.prev_hash in self.legacy_hashes
            else:
                linked = entry.prev_hash is None
            self.legacy_hashes.add(entry.hash)
        else:
            sound = entry.hash == keyed_digest(key, entry)
            linked = entry.prev_hash == self.last_hash
        self.count, self.last_hash, self.last_id = self.count + 1, entry.hash, entry.id
        if not sound:
            return "was altered: its content does not match its keyed hash"
        if not linked:
            return (
                "does not follow the event before it: an earlier event was removed "
                "or events were reordered"
            )
        return None


def _head_problem(key: bytes, head: AuditHead | None, walk: _ChainWalk) -> str | None:
    if head is None:
        return "has no head: the chain's record of its newest event was removed"
    if head.mac is None:
        if walk.last_id is not None and walk.last_id >= head.keyed_from:
            return "has keyed events but an unsealed head: the head was altered"
    elif head.mac != head_mac(key, head):
        return "has an altered head"
    if head.count != walk.count or (head.hash or None) != walk.last_hash:
        return (
            f"ends early: its head records {head.count} events, {walk.count} remain; "
            "the newest events were removed"
        )
    return None


def _finish(
    key: bytes, heads: dict[str, AuditHead], walks: dict[str, _ChainWalk], report: TrailReport
) -> None:
    # Migration 0008 gave every older chain the same boundary; a sealed head vouches for it.
    sealed = {
        head.keyed_from
        for head in heads.values()
        if head.mac is not None and head.keyed_from and head.mac == head_mac(key, head)
    }
    for chain in sorted(heads.keys() | walks.keys()):
        walk = walks.get(chain, _ChainWalk())
        head = heads.get(chain)
        message = _head_problem(key, head, walk)
        moved = head is not None and head.mac is None and sealed and head.keyed_from not in sealed
        if message is None and moved:
            message = "has a head whose start of keyed chaining was moved"
        if message:
            report.problems.append(Problem(walk.last_id, chain, message))
    report.chains = len(walks)


def verify_trail(session: Session) -> TrailReport:
    """Check every event and chain head, streaming the events in id order."""
    key = chain_key()
    heads = {head.chain: head for head in session.scalars(select(AuditHead))}
    walks: dict[str, _ChainWalk] = {}
    report = TrailReport()
    events = session.scalars(
        select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=1000)
    )
    for entry in events:
        chain = chain_of(entry.case_id)
        walk = walks.get(chain)
        if walk is None:
            head = heads.get(chain)
            walk = walks[chain] = _ChainWalk(keyed_from=head.keyed_from if head else 0)
        message = walk.step(key, entry)
        if message:
            report.problems.append(Problem(entry.id, chain, message))
        report.events += 1
    _finish(key, heads, walks, report)
    return report


def verify_chain(session: Session, case_id: str) -> list[int]:
    """Ids of the case's events whose hash or link does not hold (empty: intact)."""
    key = chain_key()
    head = session.get(AuditHead, case_id)
    walk = _ChainWalk(keyed_from=head.keyed_from if head else 0)
    broken: list[int] = []
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.case_id == case_id).order_by(AuditEvent.id)
    )
    for entry in events:
        if walk.step(key, entry):
            broken.append(entry.id)
    if walk.count and _head_problem(key, head, walk) and walk.last_id is not None:
        broken.append(walk.last_id)
    return broken
