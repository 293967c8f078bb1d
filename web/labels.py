"""Words for codes the engine uses: roles, deadline subjects, timeline events, countries.

Kept in one place so that every page says the same thing and translators find them.
"""

from __future__ import annotations

from typing import Any

from babel import Locale
from flask import Flask
from flask_babel import get_locale, lazy_pgettext
from flask_babel import lazy_gettext as _l

from engine.errors import NotFound
from forms.reference import COUNTRIES, LANGUAGES, autonym, language_name
from forms.registry import load_form

ROLES = {
    "coordinator": _l("Case coordinator"),
    "ngo_support": _l("Shelter and support"),
    "social_services": _l("Social services"),
    "health": _l("Health services"),
    "legal_aid": _l("Legal aid"),
    "police": _l("Police"),
    "prosecutor": _l("Prosecutor"),
    "migration": _l("Immigration authority"),
    "employment": _l("Employment services"),
    "return_partner": _l("Partner in the country of return"),
    "compensation_authority": _l("Crime victims' fund"),
}

DEADLINES = {
    "reflection_period_end": _l("End of the reflection period"),
    "residence_permit_expiry": _l("Residence permit expires"),
    "recovery_period_end": _l("End of the recovery period"),
    "residence_appeal_deadline": _l("Last day to appeal the permit refusal"),
    "fund_appeal_deadline": _l("Last day to appeal the fund's refusal"),
}

# "Open" is also a button ("open the task"): the status has its own context.
STATUSES = {
    "open": lazy_pgettext("case status", "Open"),
    "closed": _l("Closed"),
    "withdrawn": _l("She withdrew"),
}

EVENTS = {
    "case.opened": _l("opened the case"),
    "task.completed": _l("completed"),
    "task.claimed": _l("started working on"),
    "task.released": _l("released"),
    "task.assigned": _l("gave a task"),
    "task.draft_saved": _l("saved a draft of"),
    "case.corrected": _l("corrected"),
    "case.message": _l("recorded"),
    "note.added": _l("added a note"),
    "case.closed": _l("closed the case"),
    "team.changed": _l("changed the case team"),
    "consent.given": _l("recorded her consent to share"),
    "consent.withdrawn": _l("recorded that she withdrew her consent"),
    "consent.expired": _l("ended a consent whose last day had passed"),
    "access.requested": _l("recorded a legal basis for access, awaiting a second person"),
    "access.confirmed": _l("confirmed access on a legal basis"),
    "access.ended": _l("ended access on a legal basis"),
    "case.exported": _l("exported her copy of the case"),
    "case.hold_placed": _l("placed a legal hold"),
    "case.hold_released": _l("released the legal hold"),
    "case.quarantined": _l("set the case aside: its timers could not run"),
    "case.released": _l("let the scheduler run the case again"),
    "case.reopened": _l("reopened the case"),
    "case.timers_fired": _l("ran the case's due timers"),
    "case.transferred": _l("handed the case to another country"),
    "case.migrated": _l("moved the case to another process version"),
    "case.migration_reverted": _l("moved the case back to its earlier process version"),
    "case.withdrawn": _l("recorded her withdrawal"),
    "case.erased": _l("erased her personal data under the retention rules"),
    "referral.declined": _l("recorded that the partner declined the referral"),
    "referral.ended_by_her_change": _l("ended the referral: she changed her decision"),
    "reminder.sent": _l("sent a reminder"),
    "task.escalated": _l("told the coordinator of an overdue task"),
}

# What she may agree to share (the referral consent form's choices), in plain words.
SHARED_FIELDS = {
    "alias": _l("Name or nickname"),
    "year_of_birth": _l("Year of birth"),
    "languages": _l("Languages"),
    "origin_country": _l("Country of origin"),
    "immediate_needs": _l("Immediate needs"),
    "services": _l("Services in her care plan"),
    "health_needs": _l("Health needs"),
    "housing_needs": _l("Housing needs"),
    "risk_level": _l("Risk level"),
    "travel_date": _l("Travel date"),
    "contact_person": _l("Contact person"),
    # Parts of her case file she may agree to share (engine/case/visibility.py).
    "about": _l("About her (every recorded answer)"),
    "legal": _l("Legal status: reflection period, permits"),
    "care_plan": _l("Care plan"),
    "safety": _l("Safety and risk"),
    "return": _l("Return or residence"),
    "compensation": _l("Compensation"),
    "alerts": _l("Alerts"),
    "deadlines": _l("Deadlines"),
    "team": _l("Case team"),
    "notes": _l("Notes shared with the team"),
    "timeline": _l("Timeline"),
    "diagram": _l("Where the case is (diagram)"),
}

GRANT_BASES = {"risk_to_life": _l("Risk to her life"), "statutory_duty": _l("A statutory duty")}
GRANT_STATUSES = {
    "awaiting_confirmation": _l("Awaiting a second person's confirmation"),
    "in_force": _l("In force"),
    "ended": _l("Ended"),
    "expired": _l("Expired"),
}

CONSENT_PURPOSES = {"referral for safe return": _l("Referral for her safe return")}

CONSENT_STATUSES = {
    "active": _l("Active"),
    "withdrawn": _l("Withdrawn"),
    "expired": _l("Expired"),
}

MESSAGES = {
    "new_information": _l("new information"),
    "protection_needed": _l("a need for protection"),
    "withdraw": _l("her withdrawal"),
    "close_case": _l("the closing of the case"),
    "change_decision": _l("her change of mind"),
    "transfer": _l("her move to another country"),
}

AGE_BANDS = {
    "under_18": _l("under 18"),
    "18_24": _l("18–24"),
    "25_34": _l("25–34"),
    "35_plus": _l("35 or older"),
}

FLAGS = {"alert": _l("Alert"), "under_18": _l("Under 18"), "overdue": _l("Overdue")}

# The fixed messages of form validation (forms/validation.py), so that the catalogue has
# them; a page shows a field's error through `translated`.
VALIDATION_MESSAGES = (
    _l("Required"),
    _l("Choose yes or no"),
    _l("Enter a whole number"),
    _l("Enter a number"),
    _l("Choose from the list"),
    _l("Enter text"),
    _l("Check this answer"),
    _l("Choose one of the options"),
    _l("Enter a date like 2026-12-31"),
    _l("Check the format"),
    _l("Choose each option only once"),
    _l("Use the format shown"),
    _l("Choose at least one option"),
    _l("This field is not part of the form"),
    _l("Choose a country from the list"),
    _l("Choose a language from the list"),
)


NOTIFICATION_KINDS = {
    "reminder": _l("Reminder"),
    "escalation": _l("Overdue"),
    "assignment": _l("New task"),
}


def _lookup(table: dict[str, Any], code: str | None) -> str:
    if not code:
        return ""
    return str(table.get(code) or code.replace("_", " ").capitalize())


def country_name(code: str | None) -> str:
    if not code:
        return ""
    try:
        name = Locale.parse(str(get_locale() or "en")).territories.get(code)
    except (ValueError, TypeError):
        name = None
    return str(name or COUNTRIES.get(code, code))


def language_label(code: str, with_autonym: bool = False) -> str:
    """Her language in the reader's language ("ryska"), and with `with_autonym` also in its
    own ("ryska — русский"), so that she can point at it herself."""
    if not code:
        return ""
    locale = str(get_locale() or "en")
    try:
        name = language_name(code, locale)
    except (ValueError, TypeError, LookupError):
        name = LANGUAGES.get(code, code)
    own = autonym(code) if with_autonym else ""
    return f"{name} — {own}" if own and own.lower() != name.lower() else name


def init_labels(app: Flask) -> None:
    app.jinja_env.globals.update(
        role_label=lambda code: _lookup(ROLES, code),
        deadline_label=lambda code: _lookup(DEADLINES, code),
        status_label=lambda code: _lookup(STATUSES, code),
        event_label=lambda code: _lookup(EVENTS, code),
        message_label=lambda code: _lookup(MESSAGES, code),
        notification_kind=lambda code: _lookup(NOTIFICATION_KINDS, code),
        shared_field_label=lambda code: _lookup(SHARED_FIELDS, code),
        consent_purpose=lambda text: str(CONSENT_PURPOSES.get(text) or text),
        consent_status=lambda code: _lookup(CONSENT_STATUSES, code),
        grant_basis=lambda code: _lookup(GRANT_BASES, code),
        grant_status=lambda code: _lookup(GRANT_STATUSES, code),
        country_name=country_name,
        language_label=language_label,
        age_band_label=lambda code: _lookup(AGE_BANDS, code),
        flag_label=lambda code: _lookup(FLAGS, code),
        deadline_or_task_label=deadline_or_task_label,
    )


def deadline_or_task_label(subject: str | None) -> str:
    """A next deadline's subject: a legal deadline's words, else the task's form title."""
    if not subject:
        return ""
    if subject in DEADLINES:
        return str(DEADLINES[subject])
    try:
        return load_form(subject).title
    except NotFound:
        return _lookup({}, subject)
