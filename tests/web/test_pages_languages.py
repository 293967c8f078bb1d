"""The network's languages on the pages: each person's choice, the switch on every page,
forms translated, her languages with their own names, rights leaflets she can read, and
the administrators' review of the translations."""

from __future__ import annotations

import re
from typing import Any

import pytest
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import ReviewedMessage, User
from forms.registry import load_form
from tests.factories.form_data import valid_data
from tests.factories.pages import (
    open_case_through_the_page,
    post,
    sign_in,
    sign_in_as_administrator,
    switch_user,
    task_id,
    text,
)
from tests.factories.people import make_user
from web.case_rows import stage_names
from web.form_fields import build_fields
from web.i18n import NETWORK_LOCALES, TRANSLATIONS

SWEDISH = {"Accept-Language": "sv-SE,sv;q=0.9"}


def _texts(html: str) -> set[str]:
    """The page's pieces of text, without the language switch (each language is named
    in itself there)."""
    html = re.sub(r'<form class="language-switch".*?</form>', " ", html, flags=re.S)
    return {" ".join(piece.split()) for piece in re.split(r"<[^>]+>", html)} - {""}


def test_a_swedish_browser_gets_swedish_sign_in_and_home(
    client: FlaskClient, session: Session
) -> None:
    assert "Logga in" in text(client.get("/sign-in", headers=SWEDISH))
    make_user(session, "anna", "se-roks")
    sign_in(client, "anna")
    home = text(client.get("/", headers=SWEDISH))
    assert '<html lang="sv">' in home
    assert "Dina uppgifter" in home and "Ärenden" in home
    assert "Your tasks" not in home


@pytest.mark.parametrize("locale", [code for code in NETWORK_LOCALES if code != "en"])
def test_sign_in_and_an_empty_home_page_have_no_english_left_in_any_language(
    client: FlaskClient, session: Session, locale: str
) -> None:
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalogue = {m.id: m.string for m in read_po(handle) if isinstance(m.id, str) and m.id}
    make_user(session, "anna", "se-roks")
    for path, signed_in in (("/sign-in", False), ("/", True)):
        if signed_in:
            sign_in(client, "anna")
        english = _texts(text(client.get(path)))
        on_the_page = [m for m in catalogue if m in english and re.search("[A-Za-z]{2}", m)]
        assert len(on_the_page) > 5, f"{path} shows hardly any catalogue string"
        page = _texts(text(client.get(path, headers={"Accept-Language": locale})))
        for msgid in on_the_page:
            assert catalogue[msgid], f"{locale} {path}: {msgid!r} is not translated"
            if catalogue[msgid] != msgid:
                assert msgid not in page, f"{locale} {path}: {msgid!r} still in English"


@pytest.mark.parametrize("locale", [code for code in NETWORK_LOCALES if code != "en"])
def test_a_case_its_task_and_the_lists_have_no_english_left_in_any_language(
    client: FlaskClient, session: Session, locale: str
) -> None:
    """The pages a coordinator works in all day, with a real case: no catalogue string
    is left in English (a name, a reference or a value she typed may be)."""
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalogue = {
            m.id: m.string
            for m in read_po(handle)
            if isinstance(m.id, str) and m.id and m.string != m.id and not m.context
        }
    make_user(session, "anna", "se-roks")
    sign_in(client, "anna")
    case_id = open_case_through_the_page(client)
    task = task_id(session, case_id, "non_punishment_check")
    for path in ("/", "/cases", f"/cases/{case_id}", f"/tasks/{task}"):
        page = _texts(text(client.get(path, headers={"Accept-Language": locale})))
        english = _texts(text(client.get(path)))
        # Long enough to be a phrase, not a word that reads the same in both languages.
        left = [
            m for m in catalogue if m in english and m in page and re.search(r"[a-z]{3} [a-z]", m)
        ]
        assert left == [], f"{locale} {path}: still in English: {left}"


@pytest.mark.parametrize("locale", NETWORK_LOCALES)
def test_an_optional_field_says_so_once_in_every_language(
    client: FlaskClient, session: Session, locale: str
) -> None:
    make_user(session, "anna", "se-roks")
    sign_in(client, "anna")
    page = text(client.get("/cases/new", headers={"Accept-Language": locale}))
    labels = [" ".join(m.split()) for m in re.findall(r"<label[^>]*>(.*?)</label>", page, re.S)]
    marked = [label for label in labels if 'class="optional"' in label]
    assert marked, "no optional field on the opening form"
    for label in marked:
        words = re.sub(r"<[^>]+>", "", label)
        assert not re.search(r"\([^()]+\)\s*\([^()]+\)\s*$", words), words


@pytest.mark.parametrize("locale", [code for code in NETWORK_LOCALES if code != "en"])
def test_the_lists_name_her_stage_in_the_readers_language(
    app: Flask, session: Session, locale: str
) -> None:
    """The stage column of the task and case lists (one-word names that the phrase
    checks above pass over)."""
    names = {}
    for language in ("en", locale):
        with app.test_request_context("/", headers={"Accept-Language": language}):
            names[language] = stage_names(session)
    assert names["en"]["reflection_period"] == "Reflection period"
    assert names[locale]["reflection_period"] != "Reflection period"
    assert names[locale]["identification"] != "Identification"


@pytest.mark.parametrize("locale", [code for code in NETWORK_LOCALES if code != "en"])
def test_an_error_page_is_in_the_readers_language(
    client: FlaskClient, session: Session, locale: str
) -> None:
    make_user(session, "anna", "se-roks")
    sign_in(client, "anna")
    missing = "/cases/00000000-0000-0000-0000-000000000000"
    english = client.get(missing)
    page = client.get(missing, headers={"Accept-Language": locale})
    assert english.status_code == page.status_code == 404
    assert "We could not find that page" in text(english)
    assert "We could not find that page" not in text(page)


def test_every_event_of_a_case_timeline_has_words() -> None:
    """The timeline names each event in words, never as the audit code ("case.transferred"):
    every case event the engine records has a label."""
    from engine.settings import PROJECT_ROOT
    from web.labels import EVENTS

    source = "\n".join(p.read_text() for p in (PROJECT_ROOT / "engine").rglob("*.py"))
    prefixes = "case|task|access|consent|referral|note|team|reminder"
    recorded = set(re.findall(rf'"((?:{prefixes})\.[a-z_]+)"', source))
    shown = {a for a in recorded if not a.endswith("viewed") and a != "task.id"}
    assert shown and sorted(shown - set(EVENTS)) == []


def test_the_timeline_names_tasks_in_the_readers_language(
    client: FlaskClient, session: Session, services: Any
) -> None:
    from tests.factories.case_walker import Walker

    walker = Walker(session, services)
    walker.complete("assess_needs", services=["safe_housing"])
    make_user(session, "anna", "se-roks")
    sign_in(client, "anna")
    with (TRANSLATIONS / "sv" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        swedish = read_po(handle).get("Assess her needs").string
    page = text(client.get(f"/cases/{walker.case.id}", headers=SWEDISH))
    timeline = page[page.index('id="timeline-title"') :]
    assert "Assess her needs" not in timeline and f"“{swedish}”" in timeline


def test_switching_to_latvian_is_kept_on_her_account(client: FlaskClient, session: Session) -> None:
    make_user(session, "anna", "se-roks")
    sign_in(client, "anna")
    response = post(client, "/language", {"locale": "lv", "next": "/"}, headers=SWEDISH)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    home = text(client.get("/", headers=SWEDISH))  # her choice wins over the browser's
    assert "Tavi uzdevumi" in home and '<html lang="lv">' in home
    session.expire_all()
    assert session.scalar(select(User.locale).where(User.username == "anna")) == "lv"


def test_the_language_chosen_before_signing_in_becomes_hers(
    client: FlaskClient, session: Session
) -> None:
    make_user(session, "anna", "se-roks")
    post(client, "/language", {"locale": "fi", "next": "/sign-in"})
    assert "Kirjaudu sisään" in text(client.get("/sign-in"))
    sign_in(client, "anna")
    assert "Tehtäväsi" in text(client.get("/"))
    session.expire_all()
    assert session.scalar(select(User.locale).where(User.username == "anna")) == "fi"


def test_without_a_choice_or_a_browser_language_her_organisations_country_decides(
    client: FlaskClient, session: Session
) -> None:
    make_user(session, "liga", "lv-marta")
    sign_in(client, "liga")
    assert "Tavi uzdevumi" in text(client.get("/", headers={"Accept-Language": ""}))


def test_a_norwegian_browser_asking_for_no_gets_bokmal(client: FlaskClient) -> None:
    page = text(client.get("/sign-in", headers={"Accept-Language": "no-NO,no;q=0.9"}))
    assert '<html lang="nb">' in page and "Logg inn" in page


def test_an_unknown_language_changes_nothing(client: FlaskClient, session: Session) -> None:
    make_user(session, "anna", "se-roks")
    sign_in(client, "anna")
    post(client, "/language", {"locale": "xx", "next": "/"})
    assert "Your tasks" in text(client.get("/"))


def test_form_labels_choices_and_errors_are_translated(app: Flask) -> None:
    form = load_form("inform_rights")
    with app.test_request_context("/", headers=SWEDISH):
        fields = {
            f.name: f for f in build_fields(form, {}, {"topics": "Choose at least one topic"})
        }
    assert fields["language"].label == "Språk som användes"
    assert fields["topics"].error == "Välj minst ett ämne"
    assert "Betänketid" in [o.label for o in fields["topics"].options]
    assert [o.label for o in fields["interpreter_used"].options] == ["Ja", "Nej"]


@pytest.mark.parametrize("locale", [code for code in NETWORK_LOCALES if code != "en"])
def test_messages_with_numbers_and_notifications_are_translated_in_every_language(
    app: Flask, locale: str
) -> None:
    from web.i18n import notification_text, translated

    english = {
        "Use at most 80 characters": "80",
        "Enter a number from 1 to 30": "30",
        "Please check the form: 2 answers need attention.": "2",
        "'Confirm non-punishment' is due in 3 days (SE-ABC123)": "SE-ABC123",
        "Reflection period ended 2 hours ago (SE-ABC123)": "SE-ABC123",
    }
    with app.test_request_context("/", headers={"Accept-Language": locale}):
        shown = {
            message: (notification_text if "SE-" in message else translated)(message)
            for message in english
        }
    for message, value in english.items():
        assert shown[message] != message and value in shown[message], (locale, shown[message])
    # The task's own name is translated inside the sentence.
    assert (
        "Confirm non-punishment"
        not in shown["'Confirm non-punishment' is due in 3 days (SE-ABC123)"]
    )


def test_countries_are_named_in_the_readers_language(app: Flask) -> None:
    from web.record_words import value_words

    form = load_form("record_first_contact")
    with app.test_request_context("/", headers={"Accept-Language": "nb"}):
        fields = {f.name: f for f in build_fields(form, {}, {})}
        answer = value_words("record_first_contact", "origin_country", "UA", {})
    assert "Norge" in [o.label for o in fields["host_country"].options]
    assert "Norway" not in [o.label for o in fields["host_country"].options]
    assert "Ukraina" in [o.label for o in fields["origin_country"].options]
    assert answer == "Ukraina"  # and read back so on the case page


def test_her_languages_come_first_with_their_own_names_and_edo_is_there(app: Flask) -> None:
    form = load_form("inform_rights")
    with app.test_request_context("/", headers=SWEDISH):
        options = {f.name: f for f in build_fields(form, {}, {})}["language"].options
    assert options[0].value == "ru" and options[0].label == "ryska — русский"
    labels = {o.value: o.label for o in options}
    assert labels["bin"] == "Edo"
    assert labels["ti"] == "tigrinja — ትግርኛ"
    assert "pcm" in labels and "so" in labels


def test_a_leaflet_prints_in_her_language_with_the_host_countrys_facts(
    client: FlaskClient, session: Session
) -> None:
    make_user(session, "anna", "se-roks")
    sign_in(client, "anna")
    page = text(client.get("/leaflets/SE/ro"))
    assert "Drepturile tale" in page and "30 de zile" in page and "Migrationsverket" in page
    assert "SE-2026.1" in page
    assert 'data-testid="leaflet-draft"' in page  # an unreviewed translation says so
    assert "data-print" in page
    english = text(client.get("/leaflets/SE/en"))
    assert 'data-testid="leaflet-draft"' not in english


def test_a_leaflet_not_written_in_her_language_asks_for_an_interpreter(
    client: FlaskClient, session: Session
) -> None:
    make_user(session, "anna", "se-roks")
    sign_in(client, "anna")
    missing = client.get("/leaflets/SE/bin")
    assert missing.status_code == 404 and "interpreter" in text(missing)
    listing = text(client.get("/leaflets?country=SE&for=bin&for=ro"))
    assert "The leaflet is not written in Edo" in listing
    assert 'href="/leaflets/SE/ro"' in listing


def test_inform_rights_records_the_leaflet_and_the_case_shows_it(
    client: FlaskClient, session: Session
) -> None:
    make_user(session, "anna", "se-roks")
    make_user(session, "sven", "se-police")
    sign_in(client, "anna")
    case_id = open_case_through_the_page(
        client, languages=["ro", "bin"], languages_note="Edo from Benin City"
    )
    # In the test diagram she is informed once her safety and non-punishment are settled.
    safety = task_id(session, case_id, "immediate_safety")
    assert post(client, f"/tasks/{safety}", valid_data("immediate_safety")).status_code == 302
    switch_user(client, "sven")
    notice = task_id(session, case_id, "non_punishment_notice")
    assert post(client, f"/tasks/{notice}", valid_data("non_punishment_notice")).status_code == 302
    switch_user(client, "anna")
    rights = task_id(session, case_id, "inform_rights")
    assert rights, "no open inform_rights task"
    page = text(client.get(f"/tasks/{rights}"))
    assert 'value="SE-2026.1"' in page  # the current version, filled in
    assert "The leaflet is not written in Edo" in page
    data = valid_data(
        "inform_rights",
        language="ro",
        interpreter_used=True,
        topics=["reflection_period", "assistance"],
        leaflet_version="SE-2026.1",
        leaflet_language="ro",
    )
    done = post(client, f"/tasks/{rights}", data)
    assert done.status_code == 302, text(done)
    case_page = text(client.get(f"/cases/{case_id}"))
    record = case_page.split('data-testid="rights-sessions"', 1)[1].split("</section>", 1)[0]
    assert (
        "Leaflet SE-2026.1" in record and "Romanian" in record and "with an interpreter" in record
    )
    assert "Edo from Benin City" in case_page


def test_administrators_add_a_leaflet_language(client: FlaskClient, session: Session) -> None:
    make_user(session, "root", "se-roks", admin=True)
    sign_in_as_administrator(client, "root")
    text_of = {
        "language": "so",
        "title": "Xuquuqdaada",
        "intro": "Warqaddan waxay kuu sheegaysaa caawimaadda aad heli karto.",
        "contacts_heading": "Cidda aad la xiriiri karto",
        "draft_notice": "Turjumaad qabyo ah.",
    }
    for key in ("reflection", "assistance", "return_and_residence", "compensation", "complaints"):
        text_of[f"{key}.heading"] = key
        text_of[f"{key}.text"] = "Muddo {period} ah." if key == "reflection" else "Qoraal."
    added = post(client, "/leaflets/languages/new", text_of)
    assert added.status_code == 302, text(added)
    page = text(client.get("/leaflets/NO/so"))
    assert "Xuquuqdaada" in page and "Muddo" in page and 'data-testid="leaflet-draft"' in page
    text_of["reflection.text"] = "Muddo {days} ah."  # a placeholder the leaflet cannot fill
    refused = post(client, "/leaflets/languages/new", text_of)
    assert refused.status_code == 422


def test_reviewers_see_and_mark_the_strings_nobody_has_reviewed(
    client: FlaskClient, session: Session
) -> None:
    make_user(session, "root", "se-roks", admin=True)
    sign_in_as_administrator(client, "root")
    overview = text(client.get("/admin/translations"))
    assert "Svenska" in overview and "Latviešu" in overview
    first = text(client.get("/admin/translations/sv"))
    assert first.count('name="key"') == 100  # a page at a time, not 1,600 check boxes
    assert "Next page" in first
    forms = text(client.get("/admin/translations/sv?part=forms"))
    assert "form accept_referral" in forms and "diagram" not in forms.split("unreviewed")[-1]
    # The case status "Open" and the button "Open" are reviewed apart.
    both = text(client.get("/admin/translations/sv?q=open"))
    assert "case status" in both and ">Öppet<" in both and ">Öppna<" in both
    page = text(client.get("/admin/translations/sv?q=Sign+in"))
    match = re.search(
        r'name="key" value="([0-9a-f]{64})"[^>]*>\s*</td>\s*<td lang="en"><label[^>]*>Sign in<',
        page,
    )
    assert match, "'Sign in' is not listed as unreviewed"
    post(client, "/admin/translations/sv", {"key": [match.group(1)], "q": "Sign in"})
    assert ">Sign in<" not in text(client.get("/admin/translations/sv?q=Sign+in"))
    session.expire_all()
    reviewed = session.scalar(select(ReviewedMessage).where(ReviewedMessage.locale == "sv"))
    assert reviewed is not None and (reviewed.msgid, reviewed.msgstr) == ("Sign in", "Logga in")


def test_only_administrators_and_named_reviewers_review_translations(
    client: FlaskClient, session: Session
) -> None:
    make_user(session, "anna", "se-roks")
    sign_in(client, "anna")
    assert client.get("/admin/translations").status_code == 403
    assert client.get("/leaflets/languages/new").status_code == 403
    # An administrator names Anna, a native speaker, to review the Latvian strings.
    post(client, "/sign-out")
    make_user(session, "root", "se-roks", admin=True)
    sign_in_as_administrator(client, "root")
    assert post(client, "/admin/users/anna/reviewer", {"locale": "lv"}).status_code == 302
    switch_user(client, "anna")
    home = text(client.get("/"))
    assert 'href="/admin/translations/lv"' in home  # her way to the review, in the header
    page = client.get("/admin/translations/lv")
    assert page.status_code == 200 and 'name="key"' in text(page)
    overview = re.search(
        r'data-testid="translations".*?</table>', text(client.get("/admin/translations")), re.S
    )
    assert overview and "Latviešu" in overview.group(0) and "Svenska" not in overview.group(0)
    assert client.get("/admin/translations/sv").status_code == 403  # another language
    assert client.get("/admin/users").status_code == 403  # and nothing else of the admin
    assert client.get("/admin").status_code == 403
