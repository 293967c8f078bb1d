"""What every test database holds in common: the instant the test clock starts at, the
data key, the folder of test diagrams, and the tables emptied between tests."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from pathlib import Path

from engine.models import (
    AccessGrant,
    ApiToken,
    AuditEvent,
    AuditHead,
    Case,
    CaseCorrection,
    CaseMatch,
    CaseTeamMember,
    Consent,
    Deadline,
    LeafletText,
    LegalHold,
    LoginAttempt,
    Note,
    Notification,
    OutboxMail,
    Reminder,
    RetentionRule,
    ReviewedMessage,
    ReviewEntry,
    Task,
    TaskDraft,
    User,
    UserSession,
)

DATA = Path(__file__).resolve().parents[1] / "data"
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
TEST_KEY = base64.urlsafe_b64encode(b"k" * 32).decode()
# Case data first, so foreign keys never block the clean-up.
CASE_TABLES = (
    ReviewEntry,
    Notification,
    OutboxMail,
    Reminder,
    Deadline,
    LegalHold,
    LoginAttempt,
    TaskDraft,
    CaseCorrection,
    Note,
    LegalHold,
    CaseMatch,
    RetentionRule,
    Task,
    Consent,
    AccessGrant,
    CaseTeamMember,
    Case,
    AuditEvent,
    AuditHead,
    ApiToken,
    UserSession,
    ReviewedMessage,
    LeafletText,
    User,
)
