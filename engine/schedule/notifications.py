"""Notifications: in-app messages to an organisation (or one person), and their e-mail.

`notify` writes a `Notification` and one outbox mail per member of the organisation
with an e-mail address, in the caller's transaction. An organisation's notification
is shared by its members (one of them marking it read marks it read for all); one
addressed to a person (`user_id`) is theirs alone. Messages are built from
non-personal fields only (diagram names, dates, the case reference), because they
travel by e-mail.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.orm import Session

from engine.audit import Actor
from engine.case.access import visible_case_ids
from engine.errors import BadRequest, InvalidData, NotFound
from engine.models import Notification, Organisation, User
from engine.pagination import page_size as _limit
from engine.phrases import COUNTRY_LOCALES, N_
from engine.row_ids import parse_row_id
from engine.schedule.mail import compose, enqueue

KIND_HEADINGS = {
    "reminder": N_("Reminder"),
    "overdue": N_("Overdue task"),
    "escalation": N_("Escalation"),
    "alert": N_("Alert"),
}


class Recipients:
    """E-mail addresses of each organisation's active members, each with the language
    the mail is written in (their own choice, else their country's), looked up once per
    tick."""

    def __init__(self) -> None:
        self._by_org: dict[int, list[tuple[str, str | None]]] = {}

    def of(self, session: Session, organisation_id: int) -> list[tuple[str, str | None]]:
        if organisation_id not in self._by_org:
            self._by_org[organisation_id] = mail_addresses(
                session, User.organisation_id == organisation_id
            )
        return self._by_org[organisation_id]


def mail_addresses(session: Session, *where: ColumnElement[bool]) -> list[tuple[str, str | None]]:
    """The e-mail address of each active person matching `where`, once each, with the
    language to write to her in."""
    rows = session.execute(
        select(User.email, User.locale, Organisation.country)
        .join(Organisation, Organisation.id == User.organisation_id)
        .where(User.active.is_(True), User.email.is_not(None), *where)
        .order_by(User.id)
    )
    found: dict[str, str | None] = {}
    for email, locale, country in rows:
        if email and email not in found:
            found[email] = mail_locale(locale, country)
    return list(found.items())


def mail_locale(chosen: str | None, country: str | None) -> str | None:
    return chosen or COUNTRY_LOCALES.get(country or "")


def notify(
    session: Session,
    recipients: Recipients,
    base_url: str,
    *,
    organisation_id: int,
    kind: str,
    case_id: str,
    reference: str,
    subject: str,
    message: str,
    due_at: datetime | None,
    now: datetime,
    task_id: str | None = None,
) -> None:
    """An in-app notification for the organisation and an e-mail to each member."""
    session.add(
        Notification(
            organisation_id=organisation_id,
            kind=kind,
            case_id=case_id,
            task_id=task_id,
            subject=subject,
            due_at=due_at,
            message=message,
            created_at=now,
        )
    )
    heading = KIND_HEADINGS.get(kind, kind.capitalize())
    for address, locale in recipients.of(session, organisation_id):
        mail_subject, body = compose(base_url, heading, message, reference, case_id, due_at, locale)
        enqueue(session, address, mail_subject, body, now)


def in_words(delta: timedelta) -> str:
    """A span of time as a person would say it: '14 days', '5 hours'."""
    hours = abs(delta.total_seconds()) / 3600
    if hours >= 23.5:
        count, unit = round(hours / 24), "day"
    elif hours >= 1:
        count, unit = round(hours), "hour"
    else:
        count, unit = max(round(hours * 60), 1), "minute"
    return f"{count} {unit}{'' if count == 1 else 's'}"


# --- reading and marking read ---------------------------------------------------------------


def _addressed_to(actor: Actor) -> ColumnElement[bool]:
    """The actor's notifications, of cases it may still see: once her consent ends or
    the case closes, what was sent about it goes from the list too."""
    return and_(
        or_(
            and_(
                Notification.organisation_id == actor.organisation_id,
                Notification.user_id.is_(None),
            ),
            and_(Notification.user_id.is_not(None), Notification.user_id == actor.user_id),
        ),
        Notification.case_id.in_(visible_case_ids(actor)),
    )


@dataclass(frozen=True)
class NotificationView:
    """A notification as its reader sees it; pages and the API shape it each their way."""

    id: int
    kind: str
    case_id: str
    task_id: str | None
    subject: str
    due_at: datetime | None
    message: str
    created_at: datetime
    read_at: datetime | None


@dataclass(frozen=True)
class NotificationPage:
    items: list[NotificationView]
    next: str | None


def view_of(notification: Notification) -> NotificationView:
    return NotificationView(
        id=notification.id,
        kind=notification.kind,
        case_id=notification.case_id,
        task_id=notification.task_id,
        subject=notification.subject,
        due_at=notification.due_at,
        message=notification.message,
        created_at=notification.created_at,
        read_at=notification.read_at,
    )


def _encode_cursor(notification_id: int) -> str:
    return base64.urlsafe_b64encode(json.dumps([notification_id]).encode()).decode()


def _decode_cursor(cursor: str) -> int:
    try:
        (notification_id,) = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, TypeError):
        notification_id = None
    wanted = parse_row_id(notification_id) if isinstance(notification_id, int) else None
    if wanted is None:
        raise BadRequest("bad cursor", {"cursor": "Use the 'next' value of a previous page"})
    return wanted


def _unread_filter(unread: Any) -> bool | None:
    if unread in (None, ""):
        return None
    if isinstance(unread, bool):
        return unread
    text = str(unread).lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no"):
        return False
    raise InvalidData("bad unread filter", {"unread": "Use true or false"})


def unread_count(session: Session, actor: Actor) -> int:
    """How many of the caller's notifications are unread: one indexed count."""
    query = (
        select(func.count())
        .select_from(Notification)
        .where(_addressed_to(actor), Notification.read_at.is_(None))
    )
    return int(session.scalar(query) or 0)


def list_notifications(
    session: Session,
    actor: Actor,
    unread: bool | str | None = None,
    limit: Any = None,
    cursor: str | None = None,
) -> NotificationPage:
    """The caller's notifications (their organisation's and their own), newest first."""
    size = _limit(limit)
    query = select(Notification).where(_addressed_to(actor))
    only_unread = _unread_filter(unread)
    if only_unread is True:
        query = query.where(Notification.read_at.is_(None))
    elif only_unread is False:
        query = query.where(Notification.read_at.is_not(None))
    if cursor:
        query = query.where(Notification.id < _decode_cursor(cursor))
    rows = list(session.scalars(query.order_by(Notification.id.desc()).limit(size + 1)))
    more = len(rows) > size
    rows = rows[:size]
    return NotificationPage(
        [view_of(n) for n in rows], _encode_cursor(rows[-1].id) if more else None
    )


def mark_read(
    session: Session, actor: Actor, notification_id: Any, now: datetime
) -> NotificationView:
    """Mark one of the caller's notifications read (idempotent); others' are not found.
    The caller's unit of work commits it."""
    wanted = parse_row_id(notification_id)
    if wanted is None:
        raise NotFound("no such notification")
    notification = session.scalar(
        select(Notification).where(Notification.id == wanted, _addressed_to(actor))
    )
    if notification is None:
        raise NotFound("no such notification")
    if notification.read_at is None:
        notification.read_at = now
    return view_of(notification)


def mark_all_read(session: Session, actor: Actor, now: datetime) -> int:
    """Mark every unread notification of the caller read, in one statement; how many."""
    result = session.execute(
        update(Notification)
        .where(_addressed_to(actor), Notification.read_at.is_(None))
        .values(read_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
