"""Retention pages of a case: when her data will be erased, the legal hold, and her own
copy (a readable page, or JSON to download) for a subject-access request. Only her
coordinator uses them; each is one engine call."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine.case.access import is_coordinator, visible_case
from engine.db.unit_of_work import in_transaction
from engine.errors import Conflict, Forbidden, InvalidData
from engine.retention.her_copy import her_copy
from engine.retention.holds import active_hold, place_hold, release_hold
from engine.retention.rules import erase_after, rule_for
from web.retention.labels import field_title, readable
from web.state import db_session, state

retention = Blueprint("retention", __name__, url_prefix="/cases")


def _coordinated(case_id: str) -> Any:
    case = visible_case(db_session(), g.actor, case_id)  # 404: not hers to know about
    if not is_coordinator(case, g.actor):
        raise Forbidden(_("Only her case coordinator manages retention and makes her copy."))
    return case


def _page(case_id: str, status: int = 200, **extra: Any) -> ResponseReturnValue:
    db = db_session()
    case = _coordinated(case_id)
    rule = rule_for(db, case.host_country)
    context = {"hold_error": None, "reason": "", **extra}
    return (
        render_template(
            "retention/case.html",
            case=case,
            rule=rule,
            erase_at=erase_after(rule, case.closed_at),
            hold=active_hold(db, case.id),
            **context,
        ),
        status,
    )


@retention.get("/<case_id>/retention")
def case_retention(case_id: str) -> ResponseReturnValue:
    return _page(case_id)


@retention.post("/<case_id>/retention/hold")
def hold(case_id: str) -> ResponseReturnValue:
    reason = request.form.get("reason", "")
    try:
        place_hold(db_session(), state().services, g.actor, case_id, reason)
    except InvalidData as error:
        db_session().rollback()
        message = next(iter(error.fields.values()), error.message)
        return _page(case_id, 422, hold_error=message, reason=reason)
    except Conflict as error:
        flash(error.message, "error")
    else:
        flash(
            _("The case is on legal hold: it will not be erased until you release it."), "success"
        )
    return redirect(url_for("retention.case_retention", case_id=case_id))


@retention.post("/<case_id>/retention/release")
def release(case_id: str) -> ResponseReturnValue:
    try:
        release_hold(db_session(), state().services, g.actor, case_id)
    except Conflict as error:
        flash(error.message, "error")
    else:
        flash(_("The legal hold is released: the retention period applies again."), "success")
    return redirect(url_for("retention.case_retention", case_id=case_id))


def _copy(case_id: str) -> dict[str, Any]:
    db, services = db_session(), state().services
    return in_transaction(db, lambda: her_copy(db, services, g.actor, case_id, services.now()))


@retention.get("/<case_id>/her-copy")
def her_copy_page(case_id: str) -> ResponseReturnValue:
    copy = _copy(case_id)
    return render_template(
        "retention/her_copy.html",
        copy=copy,
        case_id=case_id,
        field_title=field_title,
        readable=readable,
    )


@retention.get("/<case_id>/her-copy.json")
def her_copy_download(case_id: str) -> ResponseReturnValue:
    copy = _copy(case_id)
    response = jsonify(copy)
    name = f"her-copy-{copy['case']['reference']}.json"
    response.headers.set("Content-Disposition", "attachment", filename=name)
    response.headers["Cache-Control"] = "no-store"
    return response
