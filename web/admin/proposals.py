"""Administration: four eyes on process changes. Administrators see every proposed
version with its diff and the discussion, comment, and approve or reject a change that
another organisation proposed (engine/review.py refuses the rest: a 403 page).

Nested in the `admin` blueprint, so its administrators-only check applies here too.
"""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine import review, versions
from engine.db.unit_of_work import in_transaction
from engine.errors import InvalidData
from web.state import db_session, state

proposal_pages = Blueprint("proposals", __name__)


@proposal_pages.get("/proposals")
def proposal_list(status: int = 200, error: str | None = None) -> ResponseReturnValue:
    db = db_session()
    decided = review.proposals(db, versions.APPROVED) + review.proposals(db, versions.REJECTED)
    decided = [p for p in decided if p.entries]  # versions that went through review
    decided.sort(key=lambda p: p.version.decided_at or p.version.deployed_at, reverse=True)
    return (
        render_template(
            "admin/proposals.html",
            waiting=review.proposals(db),
            decided=decided[:20],
            own_organisation=g.user.organisation.slug,
            four_eyes=state().settings.four_eyes,
            error=error,
        ),
        status,
    )


def _act(process_id: str, number: int, action: str) -> ResponseReturnValue:
    db = db_session()
    now = state().clock.now()
    body = request.form.get("comment", "")
    try:
        if action == "comment":
            in_transaction(db, lambda: review.comment(db, process_id, number, body, now, g.actor))
            flash(_("Your comment is kept with the proposal."), "success")
        elif action == "approve":
            in_transaction(db, lambda: review.approve(db, process_id, number, now, g.actor, body))
            flash(
                _(
                    "%(process)s version %(number)s is approved.",
                    process=process_id,
                    number=number,
                ),
                "success",
            )
        else:
            in_transaction(db, lambda: review.reject(db, process_id, number, body, now, g.actor))
            flash(
                _(
                    "%(process)s version %(number)s is rejected; it never becomes current.",
                    process=process_id,
                    number=number,
                ),
                "success",
            )
    except InvalidData as invalid:
        return proposal_list(422, error=invalid.message)
    return redirect(url_for("admin.proposals.proposal_list"))


@proposal_pages.post("/proposals/<process_id>/<int:number>/comment")
def comment(process_id: str, number: int) -> ResponseReturnValue:
    return _act(process_id, number, "comment")


@proposal_pages.post("/proposals/<process_id>/<int:number>/approve")
def approve(process_id: str, number: int) -> ResponseReturnValue:
    return _act(process_id, number, "approve")


@proposal_pages.post("/proposals/<process_id>/<int:number>/reject")
def reject(process_id: str, number: int) -> ResponseReturnValue:
    return _act(process_id, number, "reject")
