"""Due dates and reminder times: ISO 8601 durations and dates turned into instants.

A task is due a duration after its creation (`due`) or on a date computed from the
case's data (`due_date`); reminders go out at lead times before that instant.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

from engine.errors import InvalidData

DEFAULT_TASK_REMINDERS = ("P3D", "P1D")
# Lead times for legal deadlines whose diagram gives none (`deadline:<subject>:reminders`),
# by subject. These dates are set by law: missing one can mean a deportation.
DEFAULT_DEADLINE_REMINDERS: dict[str, tuple[str, ...]] = {
    "reflection_period_end": ("P30D", "P14D", "P7D"),
    "residence_permit_expiry": ("P60D", "P30D"),
    "recovery_period_end": ("P30D", "P14D", "P7D"),
    "residence_appeal_deadline": ("P7D", "P3D", "P1D"),
    "fund_appeal_deadline": ("P7D", "P3D", "P1D"),
}
# An overdue task escalates to the case coordinator once, after this grace period.
ESCALATION_GRACE = timedelta(days=1)

_DURATION = re.compile(
    r"^P(?!$)(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?$"
)


def parse_duration(text: str) -> timedelta:
    """An ISO 8601 duration as a timedelta; years and months count as 365 and 30 days,
    which is what a reminder lead time or a 'due in' needs."""
    match = _DURATION.match(text.strip())
    if not match:
        raise InvalidData(f"'{text}' is not an ISO 8601 duration such as P7D or PT24H")
    parts = {k: int(v) for k, v in match.groupdict().items() if v}
    days = parts.get("years", 0) * 365 + parts.get("months", 0) * 30 + parts.get("weeks", 0) * 7
    return timedelta(
        days=days + parts.get("days", 0),
        hours=parts.get("hours", 0),
        minutes=parts.get("minutes", 0),
        seconds=parts.get("seconds", 0),
    )


def parse_instant(value: str) -> datetime:
    """An ISO date (end of that day is not assumed: the start of it, UTC) or datetime."""
    text = value.strip()
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time(), tzinfo=UTC)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidData(f"'{value}' is not an ISO date or date-time") from exc
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes for `DateTime(timezone=True)`: they are UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def task_due_at(created_at: datetime, due: str | None, due_date: str | None) -> datetime | None:
    if due_date:
        return parse_instant(due_date)
    if due:
        return created_at + parse_duration(due)
    return None


def reminder_times(
    due_at: datetime, leads: list[str] | tuple[str, ...]
) -> list[tuple[str, datetime]]:
    return [(lead, due_at - parse_duration(lead)) for lead in leads]


def deadline_leads(subject: str, from_diagram: str | None) -> list[str]:
    """The lead times of a deadline: the diagram's, else the defaults for its subject,
    else those of a task (a date nobody is reminded of is a date that gets missed)."""
    leads = split_leads(from_diagram or "")
    return leads or list(DEFAULT_DEADLINE_REMINDERS.get(subject, DEFAULT_TASK_REMINDERS))


def split_leads(text: str) -> list[str]:
    """`"P30D, P14D"` → `["P30D", "P14D"]`."""
    return [part.strip() for part in text.split(",") if part.strip()]
