"""The administrators' process library in tests: the demo diagram, hostile variants of it
with what the refusal says, an administrator signed in, and the versions deployed."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.models import ProcessVersion
from tests.factories.database import DATA
from tests.factories.pages import sign_in_as_administrator
from tests.factories.people import make_user

DEMO = (DATA / "demo_case.bpmn").read_bytes()

DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'

LAST_FLOW = b'<bpmn:sequenceFlow id="f_end" sourceRef="inform_rights" targetRef="end"/>'


def demo_with(old: bytes, new: bytes) -> bytes:
    assert old in DEMO
    return DEMO.replace(old, new, 1)


def with_doctype(doctype: bytes, reference: bytes) -> bytes:
    body = DEMO.removeprefix(DECLARATION)
    return DECLARATION + doctype + b"\n" + body.replace(b"emergency accommodation", reference, 1)


LAUGHS = b"".join(
    b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"lol") * 10)
    for i in range(1, 10)
)

HOSTILE = {
    "xxe": with_doctype(
        b'<!DOCTYPE bpmn:definitions [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>', b"&xxe;"
    ),
    "billion laughs": with_doctype(b"<!DOCTYPE lolz [" + LAUGHS + b"]>", b"&lol9;"),
    "not utf-8": demo_with(b"Arrange immediate safety", "Arrangér sikkerhed".encode("latin-1")),
    "python in a condition": demo_with(
        LAST_FLOW,
        b'<bpmn:sequenceFlow id="f_end" sourceRef="inform_rights" targetRef="end">'
        b"<bpmn:conditionExpression>__import__('os').system('id') == 0"
        b"</bpmn:conditionExpression></bpmn:sequenceFlow>",
    ),
    "script task": demo_with(
        LAST_FLOW,
        b'<bpmn:sequenceFlow id="f_end" sourceRef="inform_rights" targetRef="evil"/>'
        b'<bpmn:scriptTask id="evil"><bpmn:incoming>f_end</bpmn:incoming>'
        b"<bpmn:outgoing>f_evil</bpmn:outgoing><bpmn:script>import os</bpmn:script>"
        b'</bpmn:scriptTask><bpmn:sequenceFlow id="f_evil" sourceRef="evil" targetRef="end"/>',
    ).replace(b'"end"><bpmn:incoming>f_end<', b'"end"><bpmn:incoming>f_evil<'),
    "not xml": b"<bpmn:definitions",
}

WHAT_IT_SAYS = {
    "xxe": "DOCTYPE and ENTITY declarations are not allowed",
    "billion laughs": "DOCTYPE and ENTITY declarations are not allowed",
    "not utf-8": "not valid UTF-8",
    "python in a condition": "condition of sequenceFlow",
    "script task": "script tasks are not allowed",
    "not xml": "malformed XML",
}


def administrator(client: FlaskClient, session: Session) -> None:
    make_user(session, "ada", "no-police", admin=True)
    sign_in_as_administrator(client, "ada")


def version_count(session: Session, process_id: str = "demo_case") -> int:
    session.commit()
    return (
        session.scalar(
            select(func.count())
            .select_from(ProcessVersion)
            .where(ProcessVersion.process_id == process_id)
        )
        or 0
    )


def latest(session: Session, process_id: str = "demo_case") -> ProcessVersion:
    session.commit()
    return session.scalars(
        select(ProcessVersion)
        .where(ProcessVersion.process_id == process_id)
        .order_by(ProcessVersion.version.desc())
    ).first()
