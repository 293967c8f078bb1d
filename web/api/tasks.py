"""Tasks: list, read, claim, release, complete."""

from __future__ import annotations

from flask import jsonify, request
from flask.typing import ResponseReturnValue

from engine.case import read_models, transactions
from engine.case.list_facts import case_facts
from engine.db.unit_of_work import in_transaction
from web.api import actor, api, json_body, services
from web.state import db_session


@api.get("/tasks")
def list_tasks() -> ResponseReturnValue:
    args = request.args
    page = read_models.list_tasks(
        db_session(),
        actor(),
        services().now(),
        scope=args.get("scope"),
        state=args.get("state", "open"),
        due=args.get("due"),
        case_id=args.get("case"),
        limit=args.get("limit"),
        cursor=args.get("cursor"),
    )
    facts = case_facts(
        db_session(), services(), actor(), (t["case_id"] for t in page.items), services().now()
    )
    # Her alias where the caller may see it, so that tasks of different women differ.
    items = [
        {**t, "alias": facts[t["case_id"]].alias if t["case_id"] in facts else None}
        for t in page.items
    ]
    return jsonify({"items": items, "next": page.next})


@api.get("/tasks/<task_id>")
def get_task(task_id: str) -> ResponseReturnValue:
    svc, session = services(), db_session()
    detail = in_transaction(
        session, lambda: read_models.task_detail(session, svc.cipher, actor(), task_id, svc.now())
    )
    return jsonify(detail)


@api.post("/tasks/<task_id>/claim")
def claim(task_id: str) -> ResponseReturnValue:
    task = transactions.claim_task(db_session(), services(), actor(), task_id)
    return jsonify(read_models.task_summary(task))


@api.post("/tasks/<task_id>/unclaim")
def unclaim(task_id: str) -> ResponseReturnValue:
    task = transactions.unclaim_task(db_session(), services(), actor(), task_id)
    return jsonify(read_models.task_summary(task))


@api.post("/tasks/<task_id>/complete")
def complete(task_id: str) -> ResponseReturnValue:
    body = json_body("data", required=("data",))
    session = db_session()
    case = transactions.complete_task(session, services(), actor(), task_id, body["data"])
    return jsonify(read_models.case_summary_for(session, actor(), case, services().now()))
