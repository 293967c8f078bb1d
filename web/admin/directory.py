"""Administration: the organisation directory. Administrators add organisations and
edit their names, roles, default roles and published contacts; the engine validates
each entry against the directory's schema and audits the change
(engine/directory_edits.py). Nested in the `admin` blueprint (administrators only).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine.db.unit_of_work import in_transaction
from engine.directory import ROLES, list_organisations, organisation_by_slug
from engine.directory_edits import save_organisation
from engine.errors import Conflict, InvalidData
from web.state import db_session, state

directory_pages = Blueprint("directory", __name__)

COUNTRIES = ("DK", "EE", "FI", "IS", "LV", "LT", "NO", "SE")
CONTACT_FIELDS = ("phone", "phone_label", "email", "web")


def _posted_entry(slug: str, kept_contacts: dict[str, Any]) -> dict[str, Any]:
    """The organisation as posted; contacts the page does not show (`other`) are kept."""
    form = request.form
    contacts = {k: v for k, v in kept_contacts.items() if k not in CONTACT_FIELDS}
    for name in CONTACT_FIELDS:
        value = form.get(name, "").strip()
        if value:
            contacts[name] = value
    return {
        "slug": slug.strip(),
        "name": form.get("name", "").strip(),
        "country": form.get("country", ""),
        "roles": form.getlist("roles"),
        "default_for": form.getlist("default_for"),
        "contacts": contacts,
        "placeholder": form.get("placeholder") == "on",
    }


def _render(
    entry: dict[str, Any] | None,
    create: bool,
    status: int = 200,
    errors: dict[str, str] | None = None,
) -> ResponseReturnValue:
    return (
        render_template(
            "admin/directory.html",
            organisations=list_organisations(db_session()),
            entry=entry,
            create=create,
            errors=errors or {},
            roles=ROLES,
            countries=COUNTRIES,
            contact_fields=CONTACT_FIELDS,
        ),
        status,
    )


@directory_pages.get("/directory")
def organisation_list() -> ResponseReturnValue:
    return _render(None, create=True)


@directory_pages.get("/directory/<slug>")
def edit_organisation(slug: str) -> ResponseReturnValue:
    o = organisation_by_slug(db_session(), slug)  # NotFound: a 404
    entry = {
        "slug": o.slug,
        "name": o.name,
        "country": o.country,
        "roles": o.roles,
        "default_for": o.default_for,
        "contacts": o.contacts,
        "placeholder": o.placeholder,
    }
    return _render(entry, create=False)


def _save(entry: dict[str, Any], create: bool) -> ResponseReturnValue:
    db = db_session()
    now = state().clock.now()
    try:
        in_transaction(db, lambda: save_organisation(db, entry, now, g.actor, create=create))
    except InvalidData as invalid:
        return _render(entry, create, 422, invalid.fields)
    except Conflict as conflict:
        return _render(entry, create, 409, {"slug": conflict.message})
    flash(_("%(name)s is saved in the directory.", name=entry["name"]), "success")
    return redirect(url_for("admin.directory.organisation_list"))


@directory_pages.post("/directory")
def create_organisation() -> ResponseReturnValue:
    return _save(_posted_entry(request.form.get("slug", ""), {}), create=True)


@directory_pages.post("/directory/<slug>")
def update_organisation(slug: str) -> ResponseReturnValue:
    kept = organisation_by_slug(db_session(), slug).contacts
    return _save(_posted_entry(slug, dict(kept)), create=False)
