"""An administrator's first sign-in in a real browser: the set-up page (its QR code
allowed by the Content-Security-Policy, no serious accessibility problems), a code
from the secret it shows, then the code page at the next sign-in."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from engine.accounts import totp
from engine.db import make_sessionmaker
from tests.factories.browser import PASSWORD, screenshot, sign_out, violations
from tests.factories.people import make_user


def password_step(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/sign-in")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("form button[type=submit]")


def test_an_administrator_sets_up_the_second_factor_then_signs_in_with_a_code(
    page: Any, live_server: str, db_engine: Engine
) -> None:
    base = live_server
    with make_sessionmaker(db_engine)() as session:
        make_user(session, "ada", "no-police", admin=True)
    password_step(page, base, "ada")
    page.wait_for_url(f"{base}/sign-in/set-up")
    assert page.evaluate("() => document.querySelector('img.totp-qr').naturalWidth") > 0
    assert violations(page) == []
    screenshot(page, "second-factor-set-up")
    shown = page.inner_text("[data-testid=totp-secret]").replace(" ", "")
    secret = base64.b32decode(shown + "=" * (-len(shown) % 8))
    page.goto(f"{base}/admin/processes")  # nothing else opens yet
    page.wait_for_url(f"{base}/sign-in/set-up")
    page.fill("#code", totp.code_at(secret, datetime.now(UTC)))
    page.click("form button[type=submit]:text('Confirm and sign in')")
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/admin/processes")
    assert page.locator("h1").first.is_visible()
    assert page.url == f"{base}/admin/processes"
    sign_out(page)

    password_step(page, base, "ada")
    page.wait_for_url(f"{base}/sign-in/code")
    assert violations(page) == []
    screenshot(page, "second-factor-code")
    # The code of the next step: the one used to set up may not be used again.
    page.fill("#code", totp.code_at(secret, datetime.now(UTC) + timedelta(seconds=30)))
    page.click("form button[type=submit]:text('Sign in')")
    page.wait_for_url(f"{base}/")
    assert page.page_errors == []
