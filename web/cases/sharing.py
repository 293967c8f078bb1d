"""What she agreed to share and what a legal basis allows, recorded on the case page by
the coordinator: the consent ledger (any organisation, withdrawable) and access on a
legal basis (requested with a reason, confirmed by a second person, time-limited)."""

from __future__ import annotations

from flask import flash, g, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine.case.consents import give_consent
from engine.case.grants import confirm_grant, end_grant, request_grant
from engine.errors import Conflict, InvalidData
from web.cases import cases, render_case_page
from web.state import db_session, state


@cases.post("/<case_id>/consents")
def record_case_consent(case_id: str) -> ResponseReturnValue:
    form = request.form
    try:
        consent = give_consent(
            db_session(),
            state().services,
            g.actor,
            case_id,
            form.get("organisation", "").strip(),
            form.getlist("fields"),
            form.get("purpose", ""),
            form.get("valid_until", ""),
            form.get("explained_in_language", ""),
            form.get("interpreter_used") in ("on", "true", "yes"),
        )
    except InvalidData as error:
        db_session().rollback()
        return render_case_page(case_id, 422, consent_errors=error.fields, consent_form=form)
    except Conflict as error:
        flash(error.message, "error")
    else:
        flash(
            _(
                "Her consent is recorded. %(organisation)s now sees what she agreed to share, "
                "until the end of %(day)s.",
                organisation=consent.organisation.name,
                day=form.get("valid_until", ""),
            ),
            "success",
        )
    return redirect(url_for("cases.case_page", case_id=case_id, _anchor="consents"))


@cases.post("/<case_id>/access")
def request_access(case_id: str) -> ResponseReturnValue:
    form = request.form
    try:
        request_grant(
            db_session(),
            state().services,
            g.actor,
            case_id,
            form.get("organisation", "").strip(),
            form.get("basis", ""),
            form.get("reason", ""),
            form.getlist("fields"),
            form.get("days", ""),
        )
    except InvalidData as error:
        db_session().rollback()
        return render_case_page(case_id, 422, grant_errors=error.fields, grant_form=form)
    except Conflict as error:
        flash(error.message, "error")
    else:
        flash(
            _(
                "The legal basis is recorded. It is in force once a second person of your "
                "organisation confirms it."
            ),
            "success",
        )
    return redirect(url_for("cases.case_page", case_id=case_id, _anchor="access"))


@cases.post("/<case_id>/access/<grant_id>/confirm")
def confirm_access(case_id: str, grant_id: str) -> ResponseReturnValue:
    try:
        grant = confirm_grant(db_session(), state().services, g.actor, case_id, grant_id)
    except Conflict as error:
        flash(error.message, "error")
    else:
        flash(
            _("Confirmed: %(organisation)s has access.", organisation=grant.organisation.name),
            "success",
        )
    return redirect(url_for("cases.case_page", case_id=case_id, _anchor="access"))


@cases.post("/<case_id>/access/<grant_id>/end")
def end_access(case_id: str, grant_id: str) -> ResponseReturnValue:
    try:
        grant = end_grant(db_session(), state().services, g.actor, case_id, grant_id)
    except Conflict as error:
        flash(error.message, "error")
    else:
        flash(
            _("%(organisation)s no longer has access.", organisation=grant.organisation.name),
            "success",
        )
    return redirect(url_for("cases.case_page", case_id=case_id, _anchor="access"))
