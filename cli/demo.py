"""Demo data for `nbassist init --demo` (what `make run` shows a newcomer): one person per
kind of user, with printed logins, and a few Swedish cases at different stages.

Idempotent: existing users are left alone and cases are added only once. Never in
production: demo passwords are printed on purpose.

The demo administrator is created without a second factor, so its first sign-in shows
the set-up page every administrator goes through (scan the QR code with an
authenticator app, enter a code). The other demo users sign in with the password alone.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.accounts import users
from engine.accounts.users import actor_for
from engine.bpmn.clock import SystemClock
from engine.case.transactions import CASE_PROCESS, complete_task, open_case
from engine.crypto import Cipher
from engine.db import make_engine, make_sessionmaker
from engine.db.context import Services
from engine.db.unit_of_work import in_transaction
from engine.directory import organisation_by_slug
from engine.errors import EngineError, NotFound
from engine.models import Case, ProcessVersion, Task, User
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

TASK_ANSWERS: dict[str, dict[str, Any]] = {
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
