"""E-mail through the outbox, delivered to a real SMTP server running in the test."""

from __future__ import annotations

import logging
import re
import socket
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes
from email.header import decode_header, make_header
from email.message import Message

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from engine.db import make_sessionmaker
from engine.models import OutboxMail, Reminder
from engine.schedule import mail, scheduler
from engine.schedule.mail import MailSettings, SmtpServer, parse_smtp_url, retry_delay, send_pending
from tests.factories.database import START
from tests.factories.scheduler import (
    ALIAS,
    BASE_URL,
    count,
    open_case,
    outbox,
    run_tick,
    staff,
)

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)


class Inbox:
    """An aiosmtpd handler that keeps what it receives."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # type: ignore[no-untyped-def]
        self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted"


class SmtpServerInTest:
    def __init__(self, port: int) -> None:
        self.port = port
        self.inbox = Inbox()
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}?from=reminders@nbassist.example"

    def start(self) -> None:
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[SmtpServerInTest]:
    """A server on a free port, not yet started (a test may first want it refused)."""
    server = SmtpServerInTest(free_port())
    yield server
    server.stop()


@pytest.fixture
def sessions(db: Engine) -> sessionmaker[Session]:
    return make_sessionmaker(db)


def settings_for(server: SmtpServerInTest) -> MailSettings:
    return MailSettings(smtp_url=server.url, base_url=BASE_URL)


def queue_one(session: Session) -> OutboxMail:
    mail.enqueue(session, "officer@police.example", "Reminder: SE-TEST01", "body\n", START)
    session.commit()
    return outbox(session)[-1]


# --- configuration -------------------------------------------------------------------------------


def test_an_smtp_url_gives_host_port_security_login_and_sender():
    assert parse_smtp_url("smtp://mail.example:2525") == SmtpServer("mail.example", 2525, "none")
    server = parse_smtp_url("smtps://relay%40ngo:s3cr%2Ft@mail.example?from=no-reply@ngo.example")
    assert (server.host, server.port, server.security) == ("mail.example", 465, "tls")
    assert (server.username, server.password) == ("relay@ngo", "s3cr/t")
    assert server.sender == "no-reply@ngo.example"
    assert parse_smtp_url("smtp+starttls://mail.example").port == 587
    assert "s3cr" not in repr(server)
    with pytest.raises(mail.MailConfigError):
        parse_smtp_url("http://mail.example")


def test_without_an_smtp_url_mail_stays_in_the_outbox(session, sessions):
    queued = queue_one(session)

    report = send_pending(sessions, MailSettings(smtp_url=None, base_url=BASE_URL), START)

    assert (report.sent, report.failed) == (0, 0)
    (row,) = outbox(session)
    assert (row.id, row.sent_at, row.attempts) == (queued.id, None, 0)


# --- what a mail says ----------------------------------------------------------------------------


def test_a_reminder_mail_has_the_reference_and_a_link_but_nothing_personal(
    session, sessions, services, smtp
):
    smtp.start()
    coordinator = staff(session, "coordinator", "se-roks")
    staff(session, "officer", "se-police", email="officer@police.example", locale="en")
    staff(session, "no-address", "se-police")
    case = open_case(session, services, coordinator)

    report = run_tick(sessions, services, START + DAY, settings_for(smtp))

    assert report.mails_sent == 1
    (message,) = smtp.inbox.messages
    body = message.get_payload(decode=True).decode()
    assert message["To"] == "officer@police.example"
    assert message["From"] == "reminders@nbassist.example"
    assert case.reference in message["Subject"] and case.reference in body
    assert f"{BASE_URL}/cases/{case.id}" in body
    assert "'Confirm non-punishment' is due in 1 day" in body
    everything = str(message["Subject"]) + body
    assert ALIAS not in everything
    for personal in ("UA", "uk", "ru", "Ukrain", "outreach", "debt", "shelter"):
        assert not re.search(rf"\b{personal}\b", everything, re.IGNORECASE), personal


def test_each_recipient_reads_the_mail_in_her_language(session, sessions, services, smtp):
    """Her own choice, else her country's language: the same reminder in two languages."""
    smtp.start()
    coordinator = staff(session, "coordinator", "se-roks")
    staff(session, "sven", "se-police", email="sven@police.example")  # Swedish, by country
    staff(session, "liga", "se-police", email="liga@police.example", locale="lv")
    case = open_case(session, services, coordinator)

    run_tick(sessions, services, START + DAY, settings_for(smtp))

    bodies = {
        str(m["To"]): (
            str(make_header(decode_header(m["Subject"]))),
            m.get_payload(decode=True).decode(),
        )
        for m in smtp.inbox.messages
    }
    subject, body = bodies["sven@police.example"]
    assert subject == f"[Nordic Baltic Assist] Påminnelse: {case.reference}"
    assert "”Bekräfta icke-bestraffning” förfaller om 1 dag" in body
    assert f"Ärende: {case.reference}" in body and "is due" not in body
    subject, body = bodies["liga@police.example"]
    assert "Atgādinājums" in subject and "1 dienas" in body and "is due" not in body
    assert f"{BASE_URL}/cases/{case.id}" in body  # the link is the same in every language


# --- failures, retries, crashes ------------------------------------------------------------------


def test_a_refused_connection_is_retried_with_back_off_and_then_delivered(session, sessions, smtp):
    queue_one(session)
    settings = settings_for(smtp)  # nobody listens on the port yet

    first = send_pending(sessions, settings, START)
    (row,) = outbox(session)
    assert (first.sent, first.failed, row.attempts) == (0, 1, 1)
    assert "refused" in (row.last_error or "").lower()
    assert row.next_attempt_at == START + retry_delay(1) == START + timedelta(minutes=1)

    assert send_pending(sessions, settings, START + timedelta(seconds=59)).failed == 0
    assert send_pending(sessions, settings, START + timedelta(minutes=1)).failed == 1
    (row,) = outbox(session)
    assert row.next_attempt_at == START + timedelta(minutes=3)  # then 2 minutes

    smtp.start()
    assert send_pending(sessions, settings, START + timedelta(minutes=2)).sent == 0
    assert send_pending(sessions, settings, START + timedelta(minutes=3)).sent == 1
    assert send_pending(sessions, settings, START + timedelta(minutes=30)).sent == 0
    (row,) = outbox(session)
    assert (row.sent_at, row.attempts) == (START + timedelta(minutes=3), 3)
    assert len(smtp.inbox.messages) == 1


def test_delivery_is_given_up_after_the_last_attempt_with_a_clear_log_line(
    session, sessions, smtp, caplog
):
    queue_one(session)
    settings = settings_for(smtp)
    at = START
    with caplog.at_level(logging.WARNING, logger="engine.schedule.mail"):
        for attempt in range(1, mail.MAX_ATTEMPTS + 1):
            send_pending(sessions, settings, at)
            at += retry_delay(attempt)
        smtp.start()
        assert send_pending(sessions, settings, at + DAY).sent == 0

    (row,) = outbox(session)
    assert (row.attempts, row.sent_at) == (mail.MAX_ATTEMPTS, None)
    assert row.gave_up_at is not None
    assert smtp.inbox.messages == []
    (gave_up,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert f"gave up on outbox mail {row.id} after {mail.MAX_ATTEMPTS} attempts" in (
        gave_up.getMessage()
    )


@pytest.fixture
def reminder_due(session, services) -> None:
    """A case whose police reminder falls due at START + 1 day, and a police officer."""
    coordinator = staff(session, "coordinator", "se-roks")
    staff(session, "officer", "se-police", email="officer@police.example")
    open_case(session, services, coordinator)


def test_a_crash_between_commit_and_delivery_sends_the_mail_on_the_next_tick_once(
    session, sessions, services, smtp, reminder_due, monkeypatch
):
    smtp.start()
    at = START + DAY

    def crash(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the scheduler process was killed")

    with monkeypatch.context() as patch:
        patch.setattr(scheduler, "send_pending", crash)
        with pytest.raises(RuntimeError):
            run_tick(sessions, services, at, settings_for(smtp))
    police_reminder = (Reminder.subject == "non_punishment_notice", Reminder.sent_at.is_not(None))
    assert count(session, Reminder, *police_reminder) == 1
    (row,) = outbox(session)
    assert (row.sent_at, row.attempts) == (None, 0)

    assert run_tick(sessions, services, at + timedelta(seconds=30), settings_for(smtp)).mails_sent
    assert (
        run_tick(sessions, services, at + timedelta(seconds=60), settings_for(smtp)).lines() == []
    )
    assert len(smtp.inbox.messages) == 1
    assert outbox(session)[0].sent_at == at + timedelta(seconds=30)


def test_a_crash_while_sending_retries_the_mail_after_one_retry_delay_once(
    session, sessions, services, smtp, reminder_due, monkeypatch
):
    smtp.start()
    at = START + DAY

    def crash(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the scheduler process was killed mid-send")

    with monkeypatch.context() as patch:
        patch.setattr(mail.SmtpConnection, "send", crash)
        with pytest.raises(RuntimeError):
            run_tick(sessions, services, at, settings_for(smtp))

    assert (
        run_tick(sessions, services, at + timedelta(seconds=30), settings_for(smtp)).mails_sent == 0
    )
    later = at + retry_delay(1)
    assert run_tick(sessions, services, later, settings_for(smtp)).mails_sent == 1
    assert run_tick(sessions, services, later + HOUR, settings_for(smtp)).mails_sent == 0
    assert len(smtp.inbox.messages) == 1
