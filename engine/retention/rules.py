"""Retention periods per country: how long a closed case keeps her personal data.

The periods are data with a citation and a confidence, seeded from
`processes/retention_periods.json` and edited by administrators, because the law (or
the organisation's own decision under GDPR Art. 5(1)(e)) changes without the code.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit import Actor, record
from engine.errors import InvalidData, NotFound
from engine.models import RetentionRule
from engine.settings import PROCESSES_DIR

SEED_FILE = PROCESSES_DIR / "retention_periods.json"
CONFIDENCE = ("high", "medium", "low")
# A day short of a month would erase a case before anyone could react; a century is
# longer than any law asks.
MIN_DAYS, MAX_DAYS = 30, 36_500
MAX_TEXT = 2000


def seed_retention_rules(session: Session, now: datetime, path: Path = SEED_FILE) -> int:
    """Add the countries that have no rule yet; an administrator's edit is never
    overwritten by a re-run of `init`. Returns how many were added."""
    entries = json.loads(path.read_text(encoding="utf-8"))["rules"]
    known = set(session.scalars(select(RetentionRule.country)))
    added = 0
    for entry in entries:
        if entry["country"] in known:
            continue
        session.add(
            RetentionRule(
                country=entry["country"],
                period_days=int(entry["period_days"]),
                citation=entry["citation"],
                confidence=entry["confidence"],
                note=entry.get("note", ""),
                updated_at=now,
                updated_by=None,
            )
        )
        added += 1
    session.flush()
    return added


def list_rules(session: Session) -> list[RetentionRule]:
    return list(session.scalars(select(RetentionRule).order_by(RetentionRule.country)))


def rule_for(session: Session, country: str) -> RetentionRule | None:
    return session.get(RetentionRule, country) if isinstance(country, str) else None


def erase_after(rule: RetentionRule | None, closed_at: datetime | None) -> datetime | None:
    """When a case closed at `closed_at` is due for erasure (None: open, or no rule)."""
    if rule is None or closed_at is None:
        return None
    return closed_at + timedelta(days=rule.period_days)


def _period(value: Any) -> int:
    text = str(value if value is not None else "").strip()
    if not text.isdigit() or len(text) > 6:
        raise InvalidData(
            "bad period", {"period_days": "Give the period as a whole number of days"}
        )
    days = int(text)
    if not MIN_DAYS <= days <= MAX_DAYS:
        raise InvalidData(
            "bad period", {"period_days": f"Give a number of days from {MIN_DAYS} to {MAX_DAYS}"}
        )
    return days


def update_rule(
    session: Session,
    actor: Actor,
    country: str,
    now: datetime,
    period_days: Any,
    citation: Any,
    confidence: Any,
    note: Any = "",
) -> RetentionRule:
    """An administrator's correction of a country's rule, audited with the old and new
    period (the caller's unit of work commits)."""
    rule = rule_for(session, country)
    if rule is None:
        raise NotFound("no retention rule for that country")
    fields: dict[str, str] = {}
    try:
        days = _period(period_days)
    except InvalidData as error:
        fields.update(error.fields)
    cited = str(citation or "").strip()
    if not cited:
        fields["citation"] = (
            "Say where the period comes from (a law, or your organisation's decision)"
        )
    elif len(cited) > MAX_TEXT:
        fields["citation"] = f"Use at most {MAX_TEXT} characters"
    if confidence not in CONFIDENCE:
        fields["confidence"] = "Choose high, medium or low"
    remark = str(note or "").strip()
    if len(remark) > MAX_TEXT:
        fields["note"] = f"Use at most {MAX_TEXT} characters"
    if fields:
        raise InvalidData("Please check the retention rule.", fields)
    before = rule.period_days
    rule.period_days, rule.citation, rule.confidence, rule.note = days, cited, confidence, remark
    rule.updated_at, rule.updated_by = now, actor.username
    record(
        session,
        actor,
        "retention.rule_changed",
        now,
        country=rule.country,
        period_days=days,
        previous_days=before,
        confidence=confidence,
    )
    return rule
