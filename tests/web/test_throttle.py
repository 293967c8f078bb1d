"""Sign-in throttling slows guessing but cannot be used to lock anyone out: delays grow
per (username, address) and per address, never per username alone; what was typed
is kept only as a keyed hash and forgotten after a day; proxies are trusted only
when configured."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from engine.bpmn.clock import FixedClock
from engine.models import LoginAttempt
from engine.settings import ConfigError, Settings
from tests.factories.pages import csrf_token, text
from tests.factories.people import PASSWORD, make_user
from web import create_app
from web.auth.throttle import MAX_DELAY, delay_after

HER_ADDRESS = "192.0.2.10"


def attempt(
    client: FlaskClient,
    username: str,
    password: str = PASSWORD,
    address: str = HER_ADDRESS,
    forwarded_for: str | None = None,
) -> TestResponse:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return client.post(
        "/sign-in",
        data={"username": username, "password": password, "csrf_token": csrf_token(client)},
        environ_base={"REMOTE_ADDR": address},
        headers=headers,
    )


def test_five_failures_from_five_addresses_do_not_lock_her_out_at_her_own_address(
    client: FlaskClient, session: Session
) -> None:
    make_user(session, "anna", "se-roks")
    for index in range(5):
        assert attempt(client, "anna", "guess", address=f"203.0.113.{index}").status_code == 401
    assert attempt(client, "anna").status_code == 302


def test_a_correct_password_from_a_new_address_is_never_refused_for_failures_elsewhere(
    client: FlaskClient, session: Session
) -> None:
    make_user(session, "anna", "se-roks")
    for _ in range(12):
        attempt(client, "anna", "guess", address="203.0.113.7")
    assert attempt(client, "anna", address="203.0.113.7").status_code == 429
    assert attempt(client, "anna").status_code == 302


def test_repeated_failures_from_one_address_make_each_next_attempt_wait_longer(
    client: FlaskClient, session: Session, clock: FixedClock
) -> None:
    make_user(session, "anna", "se-roks")
    for _ in range(5):
        assert attempt(client, "anna", "guess").status_code == 401
    waiting = attempt(client, "anna")  # even the right password waits its turn
    assert waiting.status_code == 429
    assert "Too many failed sign-ins from here. Wait 1 second and" in text(waiting)
    clock.advance(timedelta(seconds=1))
    assert attempt(client, "anna", "guess").status_code == 401
    assert attempt(client, "anna").status_code == 429
    clock.advance(timedelta(seconds=1))
    assert attempt(client, "anna").status_code == 429  # the sixth failure: two seconds
    clock.advance(timedelta(seconds=1))
    assert attempt(client, "anna").status_code == 302


def test_delays_double_and_stop_at_fifteen_minutes() -> None:
    assert [delay_after("pair", n).total_seconds() for n in range(4, 9)] == [0, 1, 2, 4, 8]
    assert delay_after("pair", 14) == timedelta(seconds=512)
    assert delay_after("pair", 15) == MAX_DELAY  # not 1,024 s
    assert delay_after("pair", 30) == MAX_DELAY == timedelta(minutes=15)
    assert delay_after("addr", 19) == timedelta(0)


def test_many_failures_from_one_address_slow_every_username_there_but_nowhere_else(
    client: FlaskClient, session: Session
) -> None:
    make_user(session, "anna", "se-roks")
    for index in range(20):
        assert attempt(client, f"nobody{index}", "guess", address="198.51.100.1").status_code == 401
    assert attempt(client, "anna", address="198.51.100.1").status_code == 429
    assert attempt(client, "anna").status_code == 302


def test_what_was_typed_as_a_username_is_kept_only_as_a_keyed_hash(
    client: FlaskClient, session: Session
) -> None:
    typed = "my-password-typed-in-the-wrong-box"
    attempt(client, typed, "guess")
    session.rollback()
    keys = list(session.scalars(select(LoginAttempt.key)))
    assert keys and all(typed not in key and HER_ADDRESS not in key for key in keys)
    assert {key.split(":")[0] for key in keys} == {"pair", "addr"}


def test_failures_are_forgotten_after_a_day(
    client: FlaskClient, session: Session, clock: FixedClock
) -> None:
    make_user(session, "anna", "se-roks")
    for _ in range(8):
        attempt(client, "someone", "guess")
    clock.advance(timedelta(days=1, seconds=1))
    attempt(client, "someone-else", "guess", address="203.0.113.99")
    session.rollback()
    remaining = session.scalars(select(LoginAttempt.at)).all()
    assert remaining == [clock.now(), clock.now()]  # only the newest failure's two keys


def test_a_right_sign_in_clears_her_own_count_but_not_the_address(
    client: FlaskClient, session: Session
) -> None:
    make_user(session, "anna", "se-roks")
    for _ in range(4):
        attempt(client, "anna", "guess")
    assert attempt(client, "anna").status_code == 302
    session.rollback()
    prefixes = sorted(key.split(":")[0] for key in session.scalars(select(LoginAttempt.key)))
    assert prefixes == ["addr"] * 4


def proxied_app(db: Engine, settings: Settings, clock: FixedClock, proxies: object) -> Flask:
    return create_app(
        {
            "settings": settings,
            "engine": db,
            "clock": clock,
            "TESTING": True,
            "TRUSTED_PROXIES": proxies,
        }
    )


def test_forwarded_addresses_are_ignored_unless_proxies_are_trusted(
    client: FlaskClient, session: Session
) -> None:
    make_user(session, "anna", "se-roks")
    for index in range(5):  # claiming a new address each time does not dodge the delay
        attempt(client, "anna", "guess", forwarded_for=f"203.0.113.{index}")
    assert attempt(client, "anna", forwarded_for="203.0.113.200").status_code == 429


def test_behind_a_trusted_proxy_each_client_is_throttled_by_its_own_address(
    db: Engine, settings: Settings, clock: FixedClock, session: Session
) -> None:
    make_user(session, "anna", "se-roks")
    client = proxied_app(db, settings, clock, 1).test_client()
    proxy = "10.0.0.2"  # every request arrives from the proxy
    for _ in range(5):
        attempt(client, "anna", "guess", address=proxy, forwarded_for="203.0.113.66")
    assert attempt(client, "anna", address=proxy, forwarded_for="203.0.113.66").status_code == 429
    assert attempt(client, "anna", address=proxy, forwarded_for=HER_ADDRESS).status_code == 302


def test_a_malformed_trusted_proxy_count_stops_the_start(
    db: Engine, settings: Settings, clock: FixedClock
) -> None:
    with pytest.raises(ConfigError, match="NBASSIST_TRUSTED_PROXIES"):
        proxied_app(db, settings, clock, "all of them")


def test_a_sign_in_also_forgets_failures_older_than_a_day(
    client: FlaskClient, session: Session, clock: FixedClock
) -> None:
    make_user(session, "anna", "se-roks")
    attempt(client, "someone", "guess", address="203.0.113.5")
    clock.advance(timedelta(days=1, seconds=1))
    assert attempt(client, "anna").status_code == 302
    session.rollback()
    assert session.scalars(select(LoginAttempt)).all() == []
