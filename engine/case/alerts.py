"""Warnings create work: an answer that signals danger (she is not safe now, detention or
removal ongoing, she did not arrive, she is at risk, a high risk level, an expired
permit) opens `respond_to_alert` in the diagram; this module makes sure the coordinator
also hears of it at once, in the app and by e-mail, instead of finding it in a list.

The message names only the task's title and the case reference: e-mail leaves out every
personal detail (DESIGN.md), the case page shows what was reported and by whom.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from engine.models import Case, Task
from engine.schedule.mail import MailSettings
from engine.schedule.notifications import Recipients, notify

ALERT_TASK = "respond_to_alert"


def announce_alert(session: Session, case: Case, task: Task, now: datetime) -> None:
    """A notification and an e-mail to the organisation that must respond (the
    coordinator), in the transaction that opened the alert."""
    notify(
        session,
        Recipients(),
        MailSettings.from_environment().base_url,
        organisation_id=task.organisation_id,
        kind="alert",
        case_id=case.id,
        reference=case.reference,
        subject=ALERT_TASK,
        message=f"Alert: '{task.title}', respond within a day ({case.reference})",
        due_at=task.due_at,
        now=now,
        task_id=task.id,
    )
