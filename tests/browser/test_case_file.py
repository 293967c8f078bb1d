"""Her case file in a real browser: the alias tells her case apart everywhere, a
completed step's answers read back, a correction shows old and new value, a draft
survives signing out, times carry their zone, and the new pages pass axe-core."""

from __future__ import annotations

import re
from typing import Any

from tests.factories.api_client import START_DATA
from tests.factories.browser import fill_form, screenshot, sign_in, sign_out, violations

ZONED_TIME = re.compile(r"\d{1,2}:\d{2}(\s?[AP]M)? (CET|CEST)")


def test_her_case_file_is_read_back_corrected_and_drafted(page: Any, live_server: str) -> None:
    base = live_server
    problems: dict[str, list[str]] = {}
    sign_in(page, base, "coordinator")
    page.goto(f"{base}/cases/new")
    fill_form(page, {**START_DATA, "alias": "Joy Browser", "year_of_birth": 1998})
    page.click("form.task-form button[type=submit]")
    page.wait_for_url(re.compile(r"/cases/[0-9a-f-]{36}$"))
    case_url = page.url

    # The alias on the case page, with the first-contact answers in words and zoned times.
    assert page.inner_text('#case-file [data-field="alias"]') == "Joy Browser"
    assert "Nigeria" in page.inner_text("#case-file")
    assert ZONED_TIME.search(page.inner_text("main")), "times carry the zone"
    page.wait_for_selector("#diagram[data-state=ready]")
    problems["case with her file"] = violations(page)

    # ... on the task list and the case list.
    page.goto(f"{base}/")
    assert "Joy Browser" in page.inner_text("table.worklist")
    page.goto(f"{base}/cases")
    assert "Joy Browser" in page.inner_text("table.worklist")
    page.fill("#case-search", "joy browser")
    page.click("form.search-form button[type=submit]")
    assert page.locator("table.worklist tbody tr").count() == 1
    problems["case list search"] = violations(page)

    # A draft survives signing out and back in, and the task stays open.
    page.goto(case_url)
    page.locator('tr[data-task="immediate_safety"] a.task-link').click()
    page.wait_for_selector("form.task-form")
    page.fill('textarea[name="notes"]', "Shelter room from tonight, draft.")
    page.click("button[value=draft]")
    page.wait_for_selector(".flashes")
    task_url = page.url
    sign_out(page)
    sign_in(page, base, "coordinator")
    page.goto(task_url)
    assert page.input_value('textarea[name="notes"]') == "Shelter room from tonight, draft."
    assert page.is_visible('[data-testid="draft-notice"]')
    problems["task with a draft"] = violations(page)

    # Completing it: its answers are readable on the case file.
    page.select_option('select[name="accommodation"]', "shelter")
    page.check('input[name="medical_care"][value="arranged"]')
    page.check('input[name="safe_now"][value="true"]')
    page.click("button[value=complete]")
    page.goto(case_url)
    step = page.locator('#case-file [data-step="immediate_safety"]').first
    assert "Shelter room from tonight, draft." in step.inner_text()
    assert "coordinator" in step.inner_text()

    # A correction shows the old and the new value.
    page.goto(f"{case_url}/correct?field=alias")
    problems["correction"] = violations(page)
    page.fill('[name="alias"]', "Blessing")
    page.fill("#reason", "She told us her real name")
    page.click("form.task-form button[type=submit]")
    page.wait_for_url(re.compile(r"/cases/[0-9a-f-]{36}#corrections$"))
    assert page.inner_text('[data-testid="old-value"]') == "Joy Browser"
    assert page.inner_text('[data-testid="new-value"]') == "Blessing"
    screenshot(page, "case-file-corrected")
    assert {name: found for name, found in problems.items() if found} == {}


def test_opening_for_another_country_confirms_and_passes_axe(page: Any, live_server: str) -> None:
    base = live_server
    sign_in(page, base, "coordinator")
    page.goto(f"{base}/cases/new")
    fill_form(page, {**START_DATA, "host_country": "EE", "alias": "Kati"})
    page.click("form.task-form button[type=submit]")
    page.wait_for_url(re.compile(r"/cases/[0-9a-f-]{36}/opened$"))
    assert re.search(r"Case EE-\w{6} is open", page.inner_text("h1"))
    assert "Kati" in page.inner_text("main")
    assert violations(page) == []


def test_the_header_keeps_sign_out_on_a_phone(browser: Any, live_server: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        sign_in(page, live_server, "coordinator")
        box = page.locator("header form button[type=submit]").bounding_box()
        assert box is not None and box["x"] + box["width"] <= 390
    finally:
        context.close()
