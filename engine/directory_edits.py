"""Administrators edit the organisation directory: organisations, the roles each can
fill, which it fills by default in its country, and its published contacts. Every
entry is validated against `processes/directory.schema.json` (the seed file's own
schema), so the directory never holds what the seed could not, and every change is
audited with what changed. A slug never changes: cases and accounts refer to it.
"""

from __future__ import annotations

import json
from datetime import datetime
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit import Actor, record
from engine.errors import Conflict, Forbidden, InvalidData, NotFound
from engine.models import Organisation
from engine.settings import PROCESSES_DIR


@cache
def _validator() -> Draft202012Validator:
    schema = json.loads((PROCESSES_DIR / "directory.schema.json").read_text(encoding="utf-8"))
    return Draft202012Validator({"$ref": "#/$defs/organisation", "$defs": schema["$defs"]})


def validate_entry(entry: dict[str, Any]) -> None:
    """InvalidData with a message per field unless `entry` is a valid directory entry."""
    fields: dict[str, str] = {}
    for error in _validator().iter_errors(entry):
        path = [str(p) for p in error.absolute_path]
        name = ".".join(path[:2]) if path[:1] == ["contacts"] else (path[0] if path else "")
        if not name and error.validator == "required":
            name = str(error.message).split("'")[1]
        fields.setdefault(name or "entry", _plain(error.validator, error.message))
    if not fields and not set(entry.get("default_for", [])) <= set(entry.get("roles", [])):
        fields["default_for"] = "An organisation can be the default only for roles it fills"
    if fields:
        raise InvalidData("the directory entry is not valid", fields)


def _plain(validator: Any, message: str) -> str:
    return {
        "pattern": "Use the expected format",
        "minLength": "This cannot be empty",
        "minItems": "Choose at least one",
        "enum": "Choose one of the listed values",
        "required": "This is required",
    }.get(str(validator), message)


def _as_entry(organisation: Organisation) -> dict[str, Any]:
    return {
        "slug": organisation.slug,
        "name": organisation.name,
        "country": organisation.country,
        "roles": list(organisation.roles),
        "default_for": list(organisation.default_for),
        "contacts": dict(organisation.contacts),
        "placeholder": organisation.placeholder,
    }


def _refuse_second_default(session: Session, entry: dict[str, Any]) -> None:
    """One organisation per role and country is the default (the schema's rule)."""
    others = session.scalars(
        select(Organisation).where(
            Organisation.country == entry["country"], Organisation.slug != entry["slug"]
        )
    )
    for other in others:
        taken = sorted(set(other.default_for) & set(entry["default_for"]))
        if taken:
            raise InvalidData(
                "another organisation is already the default",
                {
                    "default_for": f"{other.name} is already the default for "
                    f"{', '.join(taken)} in {entry['country']}: change that one first"
                },
            )


def save_organisation(
    session: Session,
    entry: dict[str, Any],
    at: datetime,
    actor: Actor,
    *,
    create: bool,
) -> Organisation:
    """Create (`create`) or update the organisation `entry['slug']`; audited."""
    if not actor.is_admin:
        raise Forbidden("only administrators edit the directory")
    validate_entry({**entry, "source": "administrator"})
    existing = session.scalar(select(Organisation).where(Organisation.slug == entry["slug"]))
    if create and existing is not None:
        raise Conflict(f"an organisation '{entry['slug']}' already exists")
    if not create and existing is None:
        raise NotFound(f"no organisation '{entry['slug']}'")
    _refuse_second_default(session, entry)
    before = _as_entry(existing) if existing is not None else {}
    organisation = existing or Organisation(slug=entry["slug"])
    organisation.name = entry["name"]
    organisation.country = entry["country"]
    organisation.roles = list(entry["roles"])
    organisation.default_for = list(entry.get("default_for", []))
    organisation.contacts = dict(entry.get("contacts", {}))
    organisation.placeholder = bool(entry.get("placeholder", False))
    session.add(organisation)
    session.flush()
    after = _as_entry(organisation)
    changed = {k: {"from": before.get(k), "to": v} for k, v in after.items() if before.get(k) != v}
    record(
        session,
        actor,
        "directory.organisation_created" if create else "directory.organisation_updated",
        at,
        slug=organisation.slug,
        changed=changed,
    )
    return organisation
