"""Demo data for `nbassist init --demo` (what `make run` shows a newcomer): one person per
kind of user, with printed logins, a few Swedish cases at different stages, and a case on
each path a reviewer asked for (a girl, an EU national, an alert, a declined referral, a
transfer to Norway, a permit due for renewal).

Idempotent: existing users are left alone and cases are added only once. Never in
production: demo passwords are printed on purpose.

The demo administrator is created without a second factor, so its first sign-in shows
the set-up page every administrator goes through (scan the QR code with an
authenticator app, enter a code). The other demo users sign in with the password alone.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.accounts import users
from engine.accounts.users import actor_for
from engine.bpmn.clock import SystemClock
from engine.case.transactions import CASE_PROCESS, complete_task, deliver_message, open_case
from engine.crypto import Cipher
from engine.db import make_engine, make_sessionmaker
from engine.db.context import Services
from engine.db.unit_of_work import in_transaction
from engine.directory import organisation_by_slug
from engine.errors import EngineError, NotFound
from engine.models import Case, Organisation, ProcessVersion, Task, User
from engine.settings import Settings
from forms.registry import allowed_values, load_form

DEMO_PASSWORD = "nordic-baltic-demo"  # noqa: S105 - printed for the demo on purpose


@dataclass(frozen=True)
class DemoUser:
    username: str
    organisation: str
    description: str
    admin: bool = False


DEMO_USERS = (
    DemoUser("coordinator", "se-roks", "case coordinator at a shelter (ROKS, Sweden)"),
    DemoUser("police", "se-police", "police officer (Police, Sweden)"),
    DemoUser("social", "se-social-services", "social worker (Social services, Sweden)"),
    DemoUser("admin", "se-roks", "administrator (manages users and processes)", admin=True),
    # Another organisation's administrator: process changes need one to approve them.
    DemoUser(
        "reviewer", "lv-marta", "administrator at Marta, Latvia (approves changes)", admin=True
    ),
    # The coordinator in Norway, where a demo case moved with her (the Swedish team no
    # longer sees it).
    DemoUser("coordinator.no", "no-rosa", "case coordinator at ROSA, Norway (a case moved in)"),
)

FIRST_CONTACTS: list[dict[str, Any]] = [
    {
        "host_country": "SE",
        "contact_method": "outreach",
        "alias": "Joy",
        "year_of_birth": 1999,
        "origin_country": "NG",
        "languages": ["en"],
        "has_residence_right": False,
        "cooperates_with_authorities": False,
        "indicators": ["debt", "documents_held", "movement_controlled"],
        "immediate_needs": ["shelter", "medical"],
        "notes": "Met during outreach. Wants to talk again tomorrow.",
    },
    {
        "host_country": "SE",
        "contact_method": "hotline",
        "alias": "Maria",
        "year_of_birth": 1994,
        "origin_country": "RO",
        "languages": ["ro", "en"],
        "has_residence_right": True,
        "cooperates_with_authorities": True,
        "indicators": ["deceived_about_work", "no_control_of_money"],
        "immediate_needs": ["shelter", "legal"],
    },
    {
        "host_country": "SE",
        "contact_method": "police",
        "origin_country": "UA",
        "languages": ["uk", "ru"],
        "has_residence_right": False,
        "cooperates_with_authorities": False,
        "indicators": ["threats_or_violence"],
        "immediate_needs": ["safety", "interpreter"],
    },
]
# How many rounds of open tasks (of the demo users' organisations) each case gets done.
ROUNDS = (0, 1, 3)

_OUTREACH = {"host_country": "SE", "contact_method": "outreach", "immediate_needs": ["shelter"]}
_SEEN = {
    "faces_charges": "no",
    "detention_or_removal": "none",
    "police_basis": "her_consent",
    "explained_in_language": "en",
    "interpreter_used": False,
}
_NO_RISK = {
    "contact_with_traffickers": False,
    "threats_received": False,
    "debts_to_traffickers": False,
    "family_at_risk": False,
    "previously_trafficked": False,
}
_TO_HER_DECISION: list[tuple[str, dict[str, Any]]] = [
    ("assess_needs", {"services": ["safe_housing", "health"]}),
    ("inform_rights", {}),
    ("non_punishment_check", _SEEN),
    ("police_risk_input", _NO_RISK),
    ("risk_assessment", _NO_RISK),
]
# A case on each path the review asked for, walked step by step (task name and the
# answers that differ from the plausible ones), so a newcomer sees them in the demo.
# A step whose `days` is set has a date that many days from today.
JOURNEYS: list[tuple[str, dict[str, Any], list[tuple[str, dict[str, Any]]]]] = [
    (
        "a girl: child protection without consent",
        {
            **_OUTREACH,
            "alias": "Amina",
            "origin_country": "SO",
            "languages": ["so"],
            "has_residence_right": False,
            "cooperates_with_authorities": "prefers_not_to_say",
            "possibly_under_18": True,
            "indicators": ["possibly_under_18"],
        },
        [],
    ),
    (
        "an EU national: a recovery period on the network standard",
        {
            **_OUTREACH,
            "alias": "Ieva",
            "origin_country": "LV",
            "languages": ["lv"],
            "has_residence_right": True,
            "cooperates_with_authorities": "unknown",
            "indicators": ["debt"],
        },
        [("plan_recovery_period", {"start_date": 0, "end_date": 90})],
    ),
    (
        "an alert: she is not safe now",
        {
            **_OUTREACH,
            "alias": "Grace",
            "origin_country": "NG",
            "languages": ["en"],
            "has_residence_right": False,
            "cooperates_with_authorities": False,
            "indicators": ["threats_or_violence"],
        },
        [("immediate_safety", {"safe_now": False, "accommodation": "emergency_housing"})],
    ),
    (
        "a declined referral: choose another partner",
        {
            **_OUTREACH,
            "alias": "Elena",
            "origin_country": "LV",
            "languages": ["lv", "ru"],
            "has_residence_right": True,
            "cooperates_with_authorities": True,
            "indicators": ["deceived_about_work"],
        },
        [
            *_TO_HER_DECISION,
            ("her_decision", {"future": "return"}),
            ("select_return_partner", {"return_partner": "lv-marta", "return_country": "LV"}),
            (
                "referral_consent",
                {"consent_given": True, "shared_fields": ["languages"], "valid_until": 180},
            ),
            ("accept_referral", {"accepted": False, "reason": "No place in the shelter now"}),
        ],
    ),
    (
        "a transfer: she moved from Sweden to Norway",
        {
            **_OUTREACH,
            "alias": "Olena",
            "origin_country": "UA",
            "languages": ["uk", "ru"],
            "has_residence_right": False,
            "cooperates_with_authorities": "unknown",
            "indicators": ["deceived_about_work"],
        },
        [
            ("assess_needs", {"services": ["safe_housing"]}),
            ("message:transfer", {"note": "She moves to her sister in Oslo"}),
            (
                "transfer_case",
                {"host_country": "NO", "consent_given": True, "explained_in_language": "uk"},
            ),
        ],
    ),
    (
        "a residence permit due for renewal",
        {
            **_OUTREACH,
            "alias": "Blessing",
            "origin_country": "NG",
            "languages": ["en"],
            "has_residence_right": False,
            "cooperates_with_authorities": True,
            "indicators": ["documents_held"],
        },
        [
            ("request_reflection_period", {}),
            ("grant_reflection_period", {"granted": True, "start_date": -30, "end_date": 0}),
            *_TO_HER_DECISION,
            ("her_decision", {"future": "stay"}),
            ("apply_residence_permit", {}),
            (
                "residence_decision",
                {"granted": True, "permit_type": "temporary_victim", "valid_until": 50},
            ),
        ],
    ),
]

TASK_ANSWERS: dict[str, dict[str, Any]] = {
    "non_punishment_check": _SEEN,
    "immediate_safety": {
        "safe_now": True,
        "accommodation": "shelter",
        "medical_care": "arranged",
    },
    "non_punishment_notice": {
        "no_charges_confirmed": True,
        "detention_or_removal": "none",
    },
}


def seed_demo(settings: Settings, out: Callable[[str], None] = print) -> None:
    if settings.env == "production":
        out("demo data is never added in production (NBASSIST_ENV=production)")
        return
    engine = make_engine(settings.database_url)
    services = Services(cipher=Cipher(settings.data_key), clock=SystemClock())
    with make_sessionmaker(engine)() as session:
        _seed_users(session, services, out)
        _seed_cases(session, services, out)
        enrolled = set(
            session.scalars(
                select(User.username).where(
                    User.username.in_([d.username for d in DEMO_USERS]),
                    User.totp_secret.is_not(None),
                )
            )
        )
    engine.dispose()
    _print_logins(out, enrolled)


def _seed_users(session: Session, services: Services, out: Callable[[str], None]) -> None:
    def work() -> None:
        for demo in DEMO_USERS:
            if session.scalar(select(User.id).where(User.username == demo.username)) is not None:
                continue
            users.create_user(
                session, demo.username, demo.organisation, DEMO_PASSWORD, services.now(), demo.admin
            )

    in_transaction(session, work)


def _seed_cases(session: Session, services: Services, out: Callable[[str], None]) -> None:
    if (
        session.scalar(select(ProcessVersion.id).where(ProcessVersion.process_id == CASE_PROCESS))
        is None
    ):
        out(f"demo cases skipped: the case process '{CASE_PROCESS}' is not deployed")
        return
    opener = organisation_by_slug(session, "se-roks")
    if session.scalar(select(Case.id).where(Case.opened_by_org_id == opener.id).limit(1)):
        out("demo cases already present")
        return
    actors = {
        user.organisation_id: actor_for(user)
        for user in session.scalars(
            select(User).where(User.username.in_([d.username for d in DEMO_USERS if not d.admin]))
        )
    }
    coordinator = actors[opener.id]
    for data, rounds in zip(FIRST_CONTACTS, ROUNDS, strict=True):
        try:
            case = open_case(session, services, coordinator, data)
            for _ in range(rounds):
                _complete_open_tasks(session, services, actors, case.id)
        except EngineError as error:
            out(f"demo case stopped early: {error.message}")
            continue
        session.refresh(case)
        out(f"demo case {case.reference}: {case.status}, stage {case.stage or '-'}")
    for title, data, steps in JOURNEYS:
        name = "record_first_contact"
        try:
            case = open_case(session, services, coordinator, data)
            for name, answers in steps:
                _complete_step(session, services, case.id, name, answers)
        except EngineError as error:
            fields = getattr(error, "fields", None) or {}
            out(f"demo case ({title}) stopped early at {name}: {error.message} {fields}")
            continue
        session.refresh(case)
        out(f"demo case {case.reference}: {title}")


def _complete_open_tasks(
    session: Session, services: Services, actors: dict[int, Any], case_id: str
) -> None:
    tasks = session.scalars(
        select(Task).where(Task.case_id == case_id, Task.state == "open").order_by(Task.created_at)
    ).all()
    for task in tasks:
        actor = actors.get(task.organisation_id)
        if actor is None:
            continue  # no demo user there: the task stays open, as in real life
        complete_task(session, services, actor, task.id, plausible_answers(task.form))


def _complete_step(
    session: Session, services: Services, case_id: str, name: str, answers: dict[str, Any]
) -> None:
    """Complete the open task `name` as a staff member of the organisation holding it, or
    (`message:<name>`) send the case a message as its coordinator."""
    if name.startswith("message:"):
        case = session.get(Case, case_id)
        assert case is not None
        coordinator = next(m.organisation for m in case.team if m.role == "coordinator")
        actor = actor_for(_demo_staff(session, services, coordinator.slug))
        message = name.partition(":")[2]
        deliver_message(
            session, services, actor, case_id, message, {**plausible_answers(message), **answers}
        )
        return
    task = session.scalars(
        select(Task).where(Task.case_id == case_id, Task.state == "open", Task.name == name)
    ).first()
    if task is None:
        raise EngineError(f"{name} is not open")
    today = services.now().date()
    dated = {
        k: (today + timedelta(days=v)).isoformat()
        if k in _DATE_FIELDS and isinstance(v, int)
        else v
        for k, v in answers.items()
    }
    actor = actor_for(_demo_staff(session, services, task.organisation.slug))
    complete_task(session, services, actor, task.id, {**plausible_answers(task.form), **dated})


_DATE_FIELDS = ("start_date", "end_date", "valid_until", "travel_date")


def _demo_staff(session: Session, services: Services, slug: str) -> User:
    """A staff member of an organisation without a demo login (no password: cannot sign in)."""
    user = session.scalar(
        select(User).join(User.organisation).where(Organisation.slug == slug).order_by(User.id)
    )
    if user is None:
        user = users.create_user(session, f"demo.{slug}", slug, None, services.now())
        session.commit()
    return user


def plausible_answers(form_name: str) -> dict[str, Any]:
    """The required answers of a form, filled with the first sensible value."""
    try:
        schema = load_form(form_name).schema
    except NotFound:
        return {}
    answers: dict[str, Any] = {}
    for name in schema.get("required", []):
        answers[name] = _value(schema["properties"][name], schema)
    answers.update(TASK_ANSWERS.get(form_name, {}))
    return answers


def _value(prop: dict[str, Any], schema: dict[str, Any]) -> Any:
    if "default" in prop:
        return prop["default"]
    choices = allowed_values(prop, schema)
    kind = prop.get("type")
    if kind == "array":
        return list((choices or [])[: max(int(prop.get("minItems", 1)), 1)])
    if choices:
        return choices[0]
    if kind == "boolean":
        return True
    if kind in ("integer", "number"):
        return max(int(prop.get("minimum", 30)), 30) if "maximum" not in prop else prop["maximum"]
    if prop.get("format") == "date":
        return date.today().isoformat()
    return "Demo answer"


def _print_logins(out: Callable[[str], None], enrolled: Collection[str] = ()) -> None:
    out("")
    out("=" * 72)
    out("Demo logins — open http://127.0.0.1:5000 and sign in with one of these:")
    for demo in DEMO_USERS:
        out(f"  {demo.username:<12} password: {DEMO_PASSWORD:<20} {demo.description}")
    admins = [d.username for d in DEMO_USERS if d.admin]
    for name in admins:
        out("")
        if name in enrolled:
            out(f"  {name} asks for a code from the authenticator app it was set up with.")
            out(f"  Lost it? `nbassist users reset-2fa {name}`, then sign in to set up anew.")
        else:
            out(f"  {name} needs a second factor: have an authenticator app ready (e.g. FreeOTP,")
            out("  Aegis, Google or Microsoft Authenticator). The first sign-in shows a QR")
            out("  code to scan and asks for a code; later sign-ins ask for a code.")
    out("=" * 72)
