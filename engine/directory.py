"""The organisation directory: seeding from `processes/directory.json` and look-ups."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import InvalidData, NotFound
from engine.models import Organisation
from engine.settings import PROCESSES_DIR

ROLES = (
    "coordinator",
    "ngo_support",
    "social_services",
    "health",
    "legal_aid",
    "police",
    "prosecutor",
    "migration",
    "employment",
    "return_partner",
    "compensation_authority",
)
# A role in plain English for messages the engine writes (notifications, e-mails,
# errors); pages use web/labels.py's translated words.
ROLE_WORDS = {
    "coordinator": "case coordinator",
    "ngo_support": "shelter and support",
    "social_services": "social services",
    "health": "health services",
    "legal_aid": "legal aid",
    "police": "police",
    "prosecutor": "prosecutor",
    "migration": "immigration authority",
    "employment": "employment services",
    "return_partner": "partner in the country of return",
    "compensation_authority": "crime victims' fund",
}


def seed_directory(session: Session, path: Path = PROCESSES_DIR / "directory.json") -> int:
    """Insert organisations that are missing (by slug); existing rows are never overwritten,
    so an administrator's corrections survive a re-run of `init`. Returns how many were added."""
    entries = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(entries, dict):
        entries = entries.get("organisations", [])
    known = set(session.scalars(select(Organisation.slug)))
    added = 0
    for entry in entries:
        if entry["slug"] in known:
            continue
        session.add(
            Organisation(
                slug=entry["slug"],
                name=entry["name"],
                country=entry["country"],
                roles=list(entry.get("roles", [])),
                default_for=list(entry.get("default_for", [])),
                contacts=dict(entry.get("contacts", {})),
                placeholder=bool(entry.get("placeholder", False)),
            )
        )
        added += 1
    session.flush()
    return added


def list_organisations(
    session: Session, country: str | None = None, role: str | None = None
) -> list[Organisation]:
    query = select(Organisation).order_by(Organisation.country, Organisation.name)
    if country:
        query = query.where(Organisation.country == country.upper())
    organisations = list(session.scalars(query))
    if role:
        organisations = [o for o in organisations if role in o.roles]
    return organisations


def organisation_by_slug(session: Session, slug: str) -> Organisation:
    organisation = session.scalar(select(Organisation).where(Organisation.slug == slug))
    if organisation is None:
        raise NotFound(f"no organisation '{slug}'")
    return organisation


def default_team(session: Session, country: str) -> dict[str, Organisation]:
    """Role → organisation pre-filled from the directory for a host country."""
    team: dict[str, Organisation] = {}
    organisations = list_organisations(session, country=country)
    for organisation in organisations:
        for role in organisation.default_for:
            team.setdefault(role, organisation)
    for organisation in organisations:  # roles nobody is the default for
        for role in organisation.roles:
            if role != "return_partner":
                team.setdefault(role, organisation)
    if "coordinator" not in team:
        raise InvalidData(
            f"the directory has no coordinating organisation in {country}",
            {"host_country": "No organisation coordinates cases in this country yet"},
        )
    return team


def as_dict(organisation: Organisation) -> dict[str, object]:
    return {
        "slug": organisation.slug,
        "name": organisation.name,
        "country": organisation.country,
        "roles": list(organisation.roles),
    }
