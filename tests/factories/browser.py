"""Helpers for the browser tests: sign in and out as a person would, answer a rendered
form whatever its widgets, keep screenshots on request, and ask axe-core for problems."""

from __future__ import annotations

import base64
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from engine.accounts import totp
from tests.factories.people import PASSWORD

VENDOR = Path(__file__).resolve().parents[1] / "browser" / "vendor"


def screenshot(page: Any, name: str) -> None:
    folder = os.environ.get("NBASSIST_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def sign_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/sign-in")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{base}/")


def sign_in_as_administrator(page: Any, base: str, username: str) -> None:
    """An administrator's first sign-in: password, then the second factor set up from
    the secret the page shows."""
    page.goto(f"{base}/sign-in")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{base}/sign-in/set-up")
    shown = page.inner_text("[data-testid=totp-secret]").replace(" ", "")
    secret = base64.b32decode(shown + "=" * (-len(shown) % 8))
    page.fill("#code", totp.code_at(secret, datetime.now(UTC)))
    page.click("form button[type=submit]:text('Confirm and sign in')")
    page.wait_for_url(f"{base}/")


def sign_out(page: Any) -> None:
    page.click("header form button[type=submit]")
    page.wait_for_selector("#username")


def fill_form(page: Any, data: dict[str, Any]) -> None:
    """Answer a rendered task form the way a person would, whatever each widget is."""
    for name, value in data.items():
        values = value if isinstance(value, list) else [value]
        for item in values:
            text = ("true" if item else "false") if isinstance(item, bool) else str(item)
            field = page.locator(f'[name="{name}"]').first
            tag = field.evaluate("e => e.tagName.toLowerCase()")
            kind = field.get_attribute("type") or ""
            if tag == "select":
                page.select_option(f'select[name="{name}"]', text)
            elif kind in ("radio", "checkbox"):
                page.check(f'input[name="{name}"][value="{text}"]')
            else:
                field.fill(text)


SEVERE = ("serious", "critical")


def violations(page: Any) -> list[str]:
    page.add_script_tag(path=str(VENDOR / "axe.min.js"))
    result = page.evaluate("async () => await axe.run(document)")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(node["target"][0] for node in v["nodes"][:3])
        for v in result["violations"]
        if v["impact"] in SEVERE
    ]
