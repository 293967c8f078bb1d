"""Drafts: a person's unfinished answers to an open task, kept without completing it.

The task page's only button used to complete the task, so an interrupted answer was lost
or sent half done. A draft is encrypted to the task and the person, read back only by
that person, and dropped when the task is completed (by anyone) or saved again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from engine.audit import Actor, record
from engine.case.access import own_task
from engine.db.context import Services
from engine.db.unit_of_work import in_transaction
from engine.errors import Conflict, EngineError
from engine.models import TaskDraft


@dataclass(frozen=True)
class Draft:
    data: dict[str, Any]
    saved_at: datetime


def _context(task_id: str, user_id: int) -> str:
    return f"{task_id}:draft:{user_id}"


def save_draft(
    session: Session, services: Services, actor: Actor, task_id: str, data: dict[str, Any]
) -> Draft:
    """Keep `data` (not validated: a draft may be incomplete) as the actor's draft."""

    def work() -> Draft:
        task = own_task(session, actor, task_id)
        if task.state != "open":
            raise Conflict(f"this task is already {task.state}")
        if actor.user_id is None:
            raise Conflict("only a signed-in person keeps a draft")
        now = services.now()
        blob = services.cipher.encrypt_json(data, _context(task.id, actor.user_id))
        draft = session.get(TaskDraft, (task.id, actor.user_id))
        if draft is None:
            session.add(TaskDraft(task_id=task.id, user_id=actor.user_id, data=blob, saved_at=now))
        else:
            draft.data, draft.saved_at = blob, now
        record(session, actor, "task.draft_saved", now, task.case_id, task=task.name)
        return Draft(data, now)

    return in_transaction(session, work)


def draft_of(session: Session, services: Services, actor: Actor, task_id: str) -> Draft | None:
    """The actor's own draft of the task, if any (the caller checked the task is theirs)."""
    if actor.user_id is None:
        return None
    draft = session.get(TaskDraft, (task_id, actor.user_id))
    if draft is None:
        return None
    try:
        data = services.cipher.decrypt_json(draft.data, _context(task_id, actor.user_id))
    except EngineError:
        return None
    return Draft(dict(data) if isinstance(data, dict) else {}, draft.saved_at)


def drop_drafts(session: Session, task_id: str) -> None:
    """Once a task is done, nobody's draft of it can be sent any more."""
    session.execute(delete(TaskDraft).where(TaskDraft.task_id == task_id))
