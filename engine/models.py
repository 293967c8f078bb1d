"""SQLAlchemy 2 typed models: the whole persistent shape of nbassist.

A case is its current workflow state (encrypted, without the spec) plus an
append-only history (`audit_event`) and small indexes (`task`, `reminder`,
`next_timer_at`) that every list and the scheduler query instead of loading cases.
All times are stored as naive UTC and returned timezone-aware (SQLite drops zones).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UTCDateTime(TypeDecorator[datetime]):
    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored: give a UTC time")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}


class Organisation(Base):
    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2), index=True)
    roles: Mapped[list[Any]] = mapped_column(default=list)
    default_for: Mapped[list[Any]] = mapped_column(default=list)
    contacts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    placeholder: Mapped[bool] = mapped_column(Boolean, default=False)


class User(Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The interface language this person chose; None until they choose, and then the
    # browser's Accept-Language, else the language of their organisation's country.
    locale: Mapped[str | None] = mapped_column(String(10))
    # The language whose translations she reviews (a native speaker), if any.
    reviews_locale: Mapped[str | None] = mapped_column(String(10))
    # Where reminders and escalations are e-mailed (never with personal data of a case).
    email: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]
    # The TOTP second factor (see engine/accounts/second_factor.py): the secret, encrypted with
    # the data key bound to "totp:<id>", and the last time step accepted, so that a
    # code is never accepted twice. Both None: no second factor.
    totp_secret: Mapped[bytes | None] = mapped_column(LargeBinary)
    totp_last_step: Mapped[int | None] = mapped_column(Integer)

    organisation: Mapped[Organisation] = relationship(lazy="joined")


class LoginAttempt(Base):
    """Failed sign-ins, for rate limiting across all web workers."""

    __tablename__ = "login_attempt"
    __table_args__ = (Index("ix_login_attempt_key_at", "key", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # "pair:"/"code:" + a keyed hash of the username (and address), or "addr:" + address.
    key: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime]


class ApiToken(Base):
    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    # SHA-256 of the token: tokens are long random values, so a fast hash is safe here.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    # None only for tokens issued before expiry existed (migration 0008 gives them one).
    expires_at: Mapped[datetime | None]
    # Written at most once a minute, so that API calls do not each write.
    last_used_at: Mapped[datetime | None]


class UserSession(Base):
    """A signed-in browser: the cookie carries a random id, the table its SHA-256, so
    that a copied cookie stops working once the session has ended here."""

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    id_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]


class ProcessVersion(Base):
    __tablename__ = "process_version"
    __table_args__ = (
        UniqueConstraint("process_id", "version"),
        UniqueConstraint("process_id", "content_hash"),
        Index("ix_process_version_model", "process_id", "model_hash"),
        Index(
            "uq_process_version_current",
            "process_id",
            unique=True,
            sqlite_where=text("is_current"),
            postgresql_where=text("is_current"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[str] = mapped_column(String(120), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    content_hash: Mapped[str] = mapped_column(String(64))
    # Large, and needed only when a version is first used or shown: loaded on access.
    sources: Mapped[dict[str, Any]] = mapped_column(deferred=True)
    spec_json: Mapped[str] = mapped_column(Text, deferred=True)
    start_form: Mapped[str | None] = mapped_column(String(120))
    deployed_at: Mapped[datetime]
    deployed_by: Mapped[str | None] = mapped_column(String(80))
    # The version new cases start on: one per process (a partial unique index), moved
    # by deploying a changed model or by `nbassist processes activate` (rollback).
    is_current: Mapped[bool] = mapped_column(Boolean, default=False)
    # SHA-256 of the canonical model (engine/versions.py `model_hash`): a diagram whose
    # layout, whitespace or attribute order changed is not a new version.
    model_hash: Mapped[str | None] = mapped_column(String(64))
    # Four eyes (engine/review.py): `proposed` until an administrator of another
    # organisation approves it (`approved`: it may be current) or rejects it.
    review_state: Mapped[str] = mapped_column(String(12), default="approved")
    proposed_by_org: Mapped[str | None] = mapped_column(String(80))  # the proposer's org slug
    # The version that was current when this one was proposed, and the diff shown then.
    proposed_over: Mapped[int | None] = mapped_column(Integer)
    review_diff: Mapped[list[Any] | None] = mapped_column()
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(80))


class ReviewEntry(Base):
    """What was said and decided about a proposed version: kept with it for good."""

    __tablename__ = "process_review_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    process_version_id: Mapped[int] = mapped_column(ForeignKey("process_version.id"), index=True)
    at: Mapped[datetime]
    username: Mapped[str] = mapped_column(String(80))
    organisation: Mapped[str | None] = mapped_column(String(80))  # slug; None: the system
    kind: Mapped[str] = mapped_column(String(20))  # proposed, comment, approved, rejected
    body: Mapped[str] = mapped_column(Text, default="")


class ImportedForm(Base):
    """A form that came beside an uploaded diagram (spiff-arena's formJsonSchemaFilename),
    under a name that includes its content's hash: never changed once imported."""

    __tablename__ = "imported_form"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    source_file: Mapped[str] = mapped_column(String(200))
    schema: Mapped[dict[str, Any]] = mapped_column()
    ui_schema: Mapped[dict[str, Any]] = mapped_column()
    imported_at: Mapped[datetime]
    imported_by: Mapped[str] = mapped_column(String(80))


class Case(Base):
    __tablename__ = "case_file"
    # The scheduler's timer query (open cases whose next timer is due): without the
    # status in front, a planner may pick the status index and scan every open case.
    __table_args__ = (
        # Quarantined cases (quarantined_at set) stay out of the scheduler's range.
        Index("ix_case_timer_due", "status", "quarantined_at", "next_timer_at"),
        # The case list's order and its cursor.
        Index("ix_case_created", "created_at", "id"),
        # The scheduler's sweep of test cases older than a day.
        Index("ix_case_test_created", "is_test", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    process_version_id: Mapped[int] = mapped_column(ForeignKey("process_version.id"))
    status: Mapped[str] = mapped_column(String(20), index=True)  # open, closed, withdrawn
    stage: Mapped[str | None] = mapped_column(String(120))
    host_country: Mapped[str] = mapped_column(String(2), index=True)
    # The workflow state without its spec, encrypted with the case id as context.
    state: Mapped[bytes] = mapped_column(LargeBinary)
    # The few values shown without the workflow (engine/case/profile.py), encrypted too.
    profile: Mapped[bytes | None] = mapped_column(LargeBinary)
    # A keyed hash of her alias (Cipher.lookup_hash), so that she can be found by name
    # without the name being stored readable or every profile decrypted per search.
    alias_key: Mapped[str | None] = mapped_column(String(64), index=True)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    next_timer_at: Mapped[datetime | None] = mapped_column(index=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    opened_by_org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    # Set when the scheduler could not run the case (a failing or too costly step), so
    # that later ticks skip it until an administrator releases it.
    quarantined_at: Mapped[datetime | None]
    quarantine_reason: Mapped[str | None] = mapped_column(Text)
    # Set when retention erased her personal data (engine/retention/erasure.py): the row,
    # its tasks' names and dates and its audit trail stay as anonymised history.
    erased_at: Mapped[datetime | None]
    # A test case an administrator started to try a process version (engine/case/test_cases.py):
    # its team is the test organisation only, it counts nowhere, and it is erased after a day.
    is_test: Mapped[bool] = mapped_column(Boolean, default=False)
    # Before a migration to another version (engine/case/migration.py): the state and
    # version to go back to, kept until the case next moves on (cleared by every save).
    previous_state: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    previous_version_id: Mapped[int | None] = mapped_column(ForeignKey("process_version.id"))
    # Just before she withdrew or the case was closed (engine/case/reopen.py): the state a
    # reopened case continues from. Erased with her data.
    state_before_closing: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)

    process_version: Mapped[ProcessVersion] = relationship(
        lazy="joined", foreign_keys=[process_version_id]
    )
    team: Mapped[list[CaseTeamMember]] = relationship(
        back_populates="case", lazy="selectin", cascade="all, delete-orphan"
    )
    # Read-only: the case page loads them with the case (engine/case/overview.py).
    deadlines: Mapped[list[Deadline]] = relationship(
        order_by="Deadline.due_at", viewonly=True, lazy="select"
    )
    # Read by the access policy (engine/case/visibility.py) with the case: what she
    # consented to share, and access on a legal basis.
    consents: Mapped[list[Consent]] = relationship(viewonly=True, lazy="select")
    access_grants: Mapped[list[AccessGrant]] = relationship(viewonly=True, lazy="select")


class CaseTeamMember(Base):
    __tablename__ = "case_team"
    # The cases an organisation sees start here (engine/case/access.py).
    __table_args__ = (Index("ix_case_team_org_case", "organisation_id", "case_id"),)

    case_id: Mapped[str] = mapped_column(ForeignKey("case_file.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(40), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))

    case: Mapped[Case] = relationship(back_populates="team")
    organisation: Mapped[Organisation] = relationship(lazy="joined")


class Task(Base):
    """The index of human tasks; the workflow state stays the source of truth."""

    __tablename__ = "task"
    __table_args__ = (
        # An organisation's task lists: the home list by due time and its counts, the
        # API list in its order, the task filter, a person's own tasks, and the cases
        # its tasks show it (need to know).
        Index("ix_task_org_state_due", "organisation_id", "state", "due_at", "created_at", "id"),
        Index("ix_task_org_state_name", "organisation_id", "state", "name"),
        Index("ix_task_org_state_created", "organisation_id", "state", "created_at", "id"),
        Index("ix_task_claimed", "claimed_by_id", "state", "created_at"),
        Index("ix_task_org_case", "organisation_id", "case_id", "role"),
        Index("ix_task_case_state", "case_id", "state"),
        Index("ix_task_state_due", "state", "due_at"),
        # The scheduler's escalation query: open, not yet escalated, due before a time.
        Index("ix_task_escalation", "state", "escalated_at", "due_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("case_file.id"))
    name: Mapped[str] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(String(200))
    process_id: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(40))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    form: Mapped[str] = mapped_column(String(120))
    state: Mapped[str] = mapped_column(String(20))  # open, completed, cancelled
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime]
    due_at: Mapped[datetime | None]
    reminders: Mapped[list[Any]] = mapped_column(default=list)
    completed_at: Mapped[datetime | None]
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # What was submitted, encrypted with the task id as context.
    data: Mapped[bytes | None] = mapped_column(LargeBinary)
    escalated_at: Mapped[datetime | None]
    # The case fields this task declares it needs (its `needs` property): what an agency
    # holding it may read of her (engine/case/visibility.py). Names only.
    needs: Mapped[list[Any]] = mapped_column(default=list)
    # Set when the organisation holding it left the case (her move to another country):
    # its past work then no longer shows it the case (engine/case/visibility.py).
    access_ended_at: Mapped[datetime | None]

    organisation: Mapped[Organisation] = relationship(lazy="joined")
    case_file: Mapped[Case] = relationship()
    claimed_by: Mapped[User | None] = relationship(foreign_keys=[claimed_by_id], lazy="joined")


class Deadline(Base):
    """A legal date of a case (reflection period end, permit expiry)."""

    __tablename__ = "deadline"
    __table_args__ = (UniqueConstraint("case_id", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("case_file.id"), index=True)
    subject: Mapped[str] = mapped_column(String(80))
    due_at: Mapped[datetime]
    reminders: Mapped[list[Any]] = mapped_column(default=list)
    set_by_task_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime]


class Reminder(Base):
    """One reminder to send; the unique key makes each one go out exactly once."""

    __tablename__ = "reminder"
    # The scheduler's query: neither sent nor cancelled, due before a time. Cancelled
    # reminders stay unsent forever, so they must not sit in the scanned range.
    __table_args__ = (Index("ix_reminder_pending", "sent_at", "cancelled_at", "remind_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # case id, then the task id (a task's due time) or the deadline subject, then the lead.
    key: Mapped[str] = mapped_column(String(250), unique=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("case_file.id"))
    task_id: Mapped[str | None] = mapped_column(String(36))
    subject: Mapped[str] = mapped_column(String(120))  # a task id or a deadline subject
    lead: Mapped[str] = mapped_column(String(20))  # ISO duration before due_at
    due_at: Mapped[datetime]
    remind_at: Mapped[datetime]
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    sent_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]


class Consent(Base):
    """Her consent to share data with one organisation: to whom, which fields (names
    only), for what purpose, until when, in which language it was explained. Withdrawing
    it, or its end passing, takes that organisation off the case (see engine/case/consents.py).
    No personal data here: field names, dates and codes only."""

    __tablename__ = "consent"
    __table_args__ = (
        Index("ix_consent_case_org", "case_id", "organisation_id"),
        # The scheduler's expiry query: not withdrawn, valid until before a time.
        Index("ix_consent_expiry", "withdrawn_at", "valid_until"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("case_file.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    role: Mapped[str] = mapped_column(String(40))  # the team role it gave the organisation
    fields: Mapped[list[Any]] = mapped_column(default=list)
    purpose: Mapped[str] = mapped_column(Text)
    # The day she named (midnight UTC): the consent holds through that whole day.
    valid_until: Mapped[datetime | None]
    explained_in_language: Mapped[str] = mapped_column(String(10))
    interpreter_used: Mapped[bool] = mapped_column(Boolean, default=False)
    given_at: Mapped[datetime]
    given_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    withdrawn_at: Mapped[datetime | None]
    withdrawn_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    organisation: Mapped[Organisation] = relationship(lazy="joined")
    given_by: Mapped[User | None] = relationship(foreign_keys=[given_by_user_id], lazy="joined")


class AccessGrant(Base):
    """Access without her consent, on a recorded legal basis (risk to life, a statutory
    duty): requested with a reason by one person of the coordinating organisation,
    in force only once a second person confirms it, and only until `valid_until`.
    Names only, like a consent: no personal data here."""

    __tablename__ = "access_grant"
    __table_args__ = (Index("ix_access_grant_case_org", "case_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("case_file.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    basis: Mapped[str] = mapped_column(String(40))  # risk_to_life, statutory_duty
    reason: Mapped[str] = mapped_column(Text)
    fields: Mapped[list[Any]] = mapped_column(default=list)
    requested_at: Mapped[datetime]
    requested_by_user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    confirmed_at: Mapped[datetime | None]
    confirmed_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    valid_until: Mapped[datetime]
    ended_at: Mapped[datetime | None]

    organisation: Mapped[Organisation] = relationship(lazy="joined")
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_user_id], lazy="joined")
    confirmed_by: Mapped[User | None] = relationship(
        foreign_keys=[confirmed_by_user_id], lazy="joined"
    )


class Notification(Base):
    __tablename__ = "notification"
    __table_args__ = (
        Index("ix_notification_org", "organisation_id", "read_at"),
        Index("ix_notification_user", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    kind: Mapped[str] = mapped_column(String(20))  # reminder, escalation, assignment
    case_id: Mapped[str] = mapped_column(ForeignKey("case_file.id"))
    task_id: Mapped[str | None] = mapped_column(String(36))
    subject: Mapped[str] = mapped_column(String(120))
    due_at: Mapped[datetime | None]
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]


class OutboxMail(Base):
    """E-mail written in the same transaction as its cause, sent after commit."""

    __tablename__ = "outbox_mail"
    __table_args__ = (Index("ix_outbox_pending", "sent_at", "gave_up_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None]
    # Set when delivery failed too often: the mail is kept for the record, never retried.
    gave_up_at: Mapped[datetime | None]


class Note(Base):
    __tablename__ = "case_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("case_file.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    confidential: Mapped[bool] = mapped_column(Boolean, default=False)
    # Who reads it: "organisation" (the writer only, the default), "team" (everyone who
    # sees the case's notes) or "confidential" (the writer only, leaving no trace).
    visibility: Mapped[str] = mapped_column(String(20), default="organisation")
    body: Mapped[bytes] = mapped_column(LargeBinary)  # encrypted
    created_at: Mapped[datetime]


class TaskDraft(Base):
    """A person's unfinished answers to an open task: saved without completing it, and
    read back only by that person."""

    __tablename__ = "task_draft"

    task_id: Mapped[str] = mapped_column(ForeignKey("task.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)  # encrypted
    saved_at: Mapped[datetime]


class CaseCorrection(Base):
    """A recorded value the coordinator corrected: old and new value and the reason, so
    that the history keeps what was recorded first."""

    __tablename__ = "case_correction"
    __table_args__ = (Index("ix_case_correction_case", "case_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("case_file.id"))
    field: Mapped[str] = mapped_column(String(120))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    # Old value, new value and reason, encrypted together.
    change: Mapped[bytes] = mapped_column(LargeBinary)
    at: Mapped[datetime]


class AuditEvent(Base):
    """Append-only history; each event's hash covers its content and its predecessor's."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_case", "case_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    case_id: Mapped[str | None] = mapped_column(String(36))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    action: Mapped[str] = mapped_column(String(60))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The newest event of each audit chain (a case, or "*" for events without a case):
    its hash, how many events the chain holds, and a keyed MAC over both, written in
    the transaction that adds the event, so that removing the newest events shows."""

    __tablename__ = "audit_head"

    chain: Mapped[str] = mapped_column(String(36), primary_key=True)
    hash: Mapped[str] = mapped_column(String(64))
    count: Mapped[int] = mapped_column(Integer)
    # None while the chain holds only events from before keyed chaining (migration 0008).
    mac: Mapped[str | None] = mapped_column(String(64))
    # Events of this chain with a smaller id were hashed with plain SHA-256.
    keyed_from: Mapped[int] = mapped_column(Integer, default=0)


class ReviewedMessage(Base):
    """A catalogue translation a native speaker from a member organisation checked.

    Keyed by a hash of the English text; the reviewed translation is kept, so that a
    string whose translation changed afterwards counts as not reviewed again."""

    __tablename__ = "reviewed_message"
    __table_args__ = (UniqueConstraint("locale", "msgid_hash", name="uq_reviewed_message"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    locale: Mapped[str] = mapped_column(String(10))
    msgid_hash: Mapped[str] = mapped_column(String(64))
    msgid: Mapped[str] = mapped_column(Text)
    msgstr: Mapped[str] = mapped_column(Text)
    reviewed_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    reviewed_at: Mapped[datetime]


class LeafletText(Base):
    """The rights leaflet in a language an administrator added (the shipped languages are
    files in processes/leaflets/). One row per language and edition of the text."""

    __tablename__ = "leaflet_text"
    __table_args__ = (UniqueConstraint("language", "edition", name="uq_leaflet_text"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    language: Mapped[str] = mapped_column(String(16))
    edition: Mapped[str] = mapped_column(String(20))
    # {"title": ..., "intro": ..., "sections": {key: {"heading": ..., "text": ...}}}
    text: Mapped[dict[str, Any]] = mapped_column()
    draft: Mapped[bool] = mapped_column(Boolean, default=True)
    added_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime]


class RetentionRule(Base):
    """How long a country's closed cases keep her personal data, with where that comes
    from and how sure we are: administrators edit it (engine/retention/rules.py)."""

    __tablename__ = "retention_rule"

    country: Mapped[str] = mapped_column(String(2), primary_key=True)
    # Days after the case closed (or she withdrew) until her personal data is erased.
    period_days: Mapped[int] = mapped_column(Integer)
    citation: Mapped[str] = mapped_column(Text)
    confidence: Mapped[str] = mapped_column(String(10))  # high, medium, low
    note: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime]
    updated_by: Mapped[str | None] = mapped_column(String(80))


class LegalHold(Base):
    """A case that must not be erased while the hold stands (a trial, a claim, an appeal)."""

    __tablename__ = "legal_hold"
    __table_args__ = (Index("ix_legal_hold_case", "case_id", "released_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("case_file.id"))
    reason: Mapped[str] = mapped_column(Text)
    placed_at: Mapped[datetime]
    placed_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    released_at: Mapped[datetime | None]
    released_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    placed_by: Mapped[User | None] = relationship(foreign_keys=[placed_by_user_id], lazy="joined")


class CaseMatch(Base):
    """A keyed hash of her normalised details, so that a second organisation opening a
    case for her learns whom to contact (engine/retention/matching.py), and nothing else."""

    __tablename__ = "case_match"

    case_id: Mapped[str] = mapped_column(ForeignKey("case_file.id"), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), index=True)
