"""Outgoing e-mail through the outbox: written with its cause, sent after commit.

A reminder or escalation adds an `OutboxMail` row in the transaction that records it,
so a mail exists if and only if its cause was committed. `send_pending` delivers the
rows later with `smtplib` to `NBASSIST_SMTP_URL`; when that is unset, mail stays in
the outbox and nothing fails.

Delivery is *at least once*. Each mail is claimed in its own short transaction
(attempts + 1, next attempt pushed back by the retry delay; `FOR UPDATE SKIP LOCKED`
on PostgreSQL so two schedulers never claim the same row), then sent with no
transaction open, then marked sent. A crash before the claim leaves the mail due for
the next pass; a crash after it delays the mail by one retry delay. The only window in
which a mail can go out twice is between the SMTP server accepting it and `sent_at`
being committed — milliseconds, and a duplicate reminder is harmless, a lost one is not.
A mail that fails `MAX_ATTEMPTS` times is given up with an error in the log.

Mails never carry a name, an address or a shelter's location: `compose` builds them
from a case reference, a link and text made from non-personal fields only.
"""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import parse_qs, unquote, urlsplit

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from engine.db.unit_of_work import in_transaction
from engine.errors import ServerFault
from engine.models import OutboxMail
from engine.phrases import N_, catalogue, in_language

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
RETRY_BASE = timedelta(minutes=1)
RETRY_MAX = timedelta(hours=2)
SMTP_TIMEOUT_SECONDS = 20
DEFAULT_SENDER = "nbassist@localhost"
DEFAULT_BASE_URL = "http://127.0.0.1:5000"


class MailConfigError(ServerFault):
    """NBASSIST_SMTP_URL cannot be understood."""

    code = "config"


@dataclass(frozen=True)
class SmtpServer:
    """Where to deliver: parsed from smtp://[user:pass@]host[:port][?from=addr]
    (plain), smtp+starttls://… (upgraded with STARTTLS) or smtps://… (TLS from the start)."""

    host: str
    port: int
    security: str  # "none", "starttls" or "tls"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    sender: str = DEFAULT_SENDER


_SCHEMES = {"smtp": ("none", 25), "smtp+starttls": ("starttls", 587), "smtps": ("tls", 465)}


def parse_smtp_url(url: str) -> SmtpServer:
    parts = urlsplit(url.strip())
    if parts.scheme not in _SCHEMES or not parts.hostname:
        raise MailConfigError(
            "NBASSIST_SMTP_URL must look like smtp://host:port, smtp+starttls://… or smtps://…"
        )
    security, default_port = _SCHEMES[parts.scheme]
    try:
        port = parts.port or default_port
    except ValueError as exc:
        raise MailConfigError("NBASSIST_SMTP_URL has a bad port") from exc
    sender = parse_qs(parts.query).get("from", [DEFAULT_SENDER])[0]
    return SmtpServer(
        host=parts.hostname,
        port=port,
        security=security,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        sender=sender,
    )


@dataclass(frozen=True)
class MailSettings:
    """What the scheduler needs to write and send mail."""

    smtp_url: str | None = None
    base_url: str = DEFAULT_BASE_URL

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> MailSettings:
        env = os.environ if environ is None else environ
        return cls(
            smtp_url=env.get("NBASSIST_SMTP_URL") or None,
            base_url=(env.get("NBASSIST_BASE_URL") or DEFAULT_BASE_URL).rstrip("/"),
        )

    @property
    def server(self) -> SmtpServer | None:
        return parse_smtp_url(self.smtp_url) if self.smtp_url else None


# --- writing ----------------------------------------------------------------------------


def case_link(base_url: str, case_id: str) -> str:
    return f"{base_url.rstrip('/')}/cases/{case_id}"


def compose(
    base_url: str,
    heading: str,
    message: str,
    reference: str,
    case_id: str,
    due_at: datetime | None,
    locale: str | None = None,
) -> tuple[str, str]:
    """Subject and body of a notification mail in the recipient's language. Every
    argument is a non-personal field: a label, a message built from diagram names and
    dates, the case reference and id."""
    words = catalogue(locale).gettext
    subject = f"[Nordic Baltic Assist] {words(heading)}: {reference}"
    lines = [in_language(message, locale), ""]
    if due_at is not None:
        lines.append(words("Due: {when}").format(when=due_at.strftime("%Y-%m-%d %H:%M UTC")))
    lines += [
        words("Case: {reference}").format(reference=reference),
        words("Open the case: {link}").format(link=case_link(base_url, case_id)),
        "",
        words("This message leaves out every personal detail on purpose. Sign in to see the case."),
    ]
    return subject, "\n".join(lines) + "\n"


# The mail's fixed lines, for the catalogue.
MAIL_LINES = (
    N_("Due: {when}"),
    N_("Case: {reference}"),
    N_("Open the case: {link}"),
    N_("This message leaves out every personal detail on purpose. Sign in to see the case."),
)


def enqueue(session: Session, recipient: str, subject: str, body: str, now: datetime) -> None:
    """Add a mail to the outbox; it is sent only if the caller's transaction commits."""
    session.add(
        OutboxMail(
            recipient=recipient,
            subject=subject,
            body=body,
            created_at=now,
            next_attempt_at=now,
            attempts=0,
        )
    )


# --- sending ----------------------------------------------------------------------------


@dataclass
class MailReport:
    sent: int = 0
    failed: int = 0
    gave_up: int = 0


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed attempt: 1, 2, 4 … minutes, at most 2 h."""
    return min(RETRY_BASE * (2 ** max(attempts - 1, 0)), RETRY_MAX)


class SmtpConnection:
    """One SMTP session for a pass over the outbox, opened on first use."""

    def __init__(self, server: SmtpServer) -> None:
        self.server = server
        self._smtp: smtplib.SMTP | None = None

    def send(self, mail: OutboxMail) -> None:
        message = EmailMessage()
        message["From"] = self.server.sender
        message["To"] = mail.recipient
        message["Subject"] = mail.subject
        message["Date"] = formatdate(usegmt=True)
        message["Message-ID"] = make_msgid(idstring=f"outbox-{mail.id}", domain=self.server.host)
        message.set_content(mail.body)
        self._open().send_message(message)

    def _open(self) -> smtplib.SMTP:
        if self._smtp is not None:
            return self._smtp
        server = self.server
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if server.security == "tls":
            smtp = smtplib.SMTP_SSL(
                server.host, server.port, timeout=SMTP_TIMEOUT_SECONDS, context=context
            )
        else:
            smtp = smtplib.SMTP(server.host, server.port, timeout=SMTP_TIMEOUT_SECONDS)
            if server.security == "starttls":
                smtp.starttls(context=context)
        if server.username:
            smtp.login(server.username, server.password or "")
        self._smtp = smtp
        return smtp

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()


def _next_due(session: Session, now: datetime, raced: set[int]) -> OutboxMail | None:
    query = select(OutboxMail).where(
        OutboxMail.sent_at.is_(None),
        OutboxMail.gave_up_at.is_(None),
        OutboxMail.next_attempt_at <= now,
    )
    if raced:
        query = query.where(OutboxMail.id.not_in(raced))
    query = query.order_by(OutboxMail.next_attempt_at, OutboxMail.id).limit(1)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return session.scalar(query)


def _claim(sessions: sessionmaker[Session], now: datetime) -> OutboxMail | None:
    """Take the next due mail: count the attempt and push its next attempt back, so a
    crash while sending retries it later instead of losing it."""
    raced: set[int] = set()
    while True:
        with sessions() as session:

            def claim() -> tuple[OutboxMail | None, bool]:
                mail = _next_due(session, now, raced)
                if mail is None:
                    return None, False
                claimed = session.execute(
                    update(OutboxMail)
                    .where(OutboxMail.id == mail.id, OutboxMail.attempts == mail.attempts)
                    .values(
                        attempts=mail.attempts + 1,
                        next_attempt_at=now + retry_delay(mail.attempts + 1),
                    )
                    .execution_options(synchronize_session=False)
                )
                return mail, claimed.rowcount == 1  # type: ignore[attr-defined]

            mail, claimed = in_transaction(session, claim)
        if mail is None:
            return None
        if claimed:
            mail.attempts += 1
            return mail
        raced.add(mail.id)  # another scheduler took it between our read and our write


def _record(sessions: sessionmaker[Session], mail_id: int, **values: object) -> None:
    with sessions() as session:
        in_transaction(
            session,
            lambda: session.execute(
                update(OutboxMail)
                .where(OutboxMail.id == mail_id)
                .values(**values)
                .execution_options(synchronize_session=False)
            ),
        )


def send_pending(
    sessions: sessionmaker[Session], settings: MailSettings, now: datetime, limit: int = 1000
) -> MailReport:
    """Deliver due mail from the outbox (at most `limit` per pass). Off without a server.

    A connection that cannot be opened ends the pass: the next pass tries again, and
    only the mail in hand counts the failure.
    """
    report = MailReport()
    server = settings.server
    if server is None:
        return report
    connection = SmtpConnection(server)
    try:
        for _ in range(limit):
            mail = _claim(sessions, now)
            if mail is None:
                break
            try:
                connection.send(mail)
            except (smtplib.SMTPException, OSError) as exc:
                connection.close()
                _failed(sessions, mail, exc, now, report)
                if not isinstance(exc, smtplib.SMTPRecipientsRefused | smtplib.SMTPDataError):
                    break  # the server is unreachable or broken: wait for the next pass
                continue
            _record(sessions, mail.id, sent_at=now, last_error=None)
            report.sent += 1
    finally:
        connection.close()
    return report


def _failed(
    sessions: sessionmaker[Session],
    mail: OutboxMail,
    exc: BaseException,
    now: datetime,
    report: MailReport,
) -> None:
    error = f"{type(exc).__name__}: {exc}"[:1000]
    if mail.attempts >= MAX_ATTEMPTS:
        _record(sessions, mail.id, last_error=error, gave_up_at=now)
        report.gave_up += 1
        log.error(
            "gave up on outbox mail %s after %s attempts; last error: %s",
            mail.id,
            mail.attempts,
            error,
        )
        return
    report.failed += 1
    log.warning(
        "outbox mail %s not delivered (attempt %s of %s, retrying at %s): %s",
        mail.id,
        mail.attempts,
        MAX_ATTEMPTS,
        (now + retry_delay(mail.attempts)).isoformat(),
        error,
    )
    _record(sessions, mail.id, last_error=error)
