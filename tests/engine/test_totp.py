"""TOTP (RFC 6238) with the RFC's own test vectors, clock drift and replay."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from engine.accounts import totp

SEED = b"12345678901234567890"  # RFC 4226 Appendix D and RFC 6238 Appendix B (SHA1)


def at(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


@pytest.mark.parametrize(
    ("counter", "code"),
    list(
        enumerate(
            [
                "755224",
                "287082",
                "359152",
                "969429",
                "338314",
                "254676",
                "287922",
                "162583",
                "399871",
                "520489",
            ]
        )
    ),
)
def test_hotp_matches_rfc_4226_appendix_d(counter: int, code: str) -> None:
    assert totp.hotp(SEED, counter) == code


@pytest.mark.parametrize(
    ("seconds", "step", "code"),
    [
        (59, 0x1, "94287082"),
        (1111111109, 0x23523EC, "07081804"),
        (1111111111, 0x23523ED, "14050471"),
        (1234567890, 0x273EF07, "89005924"),
        (2000000000, 0x3F940AA, "69279037"),
        (20000000000, 0x27BC86AA, "65353130"),
    ],
)
def test_totp_matches_rfc_6238_appendix_b_sha1(seconds: int, step: int, code: str) -> None:
    assert totp.step_at(at(seconds)) == step
    assert totp.code_at(SEED, at(seconds), digits=8) == code
    assert totp.code_at(SEED, at(seconds)) == code[-6:]  # six digits: the same, truncated


def test_a_code_is_accepted_one_step_either_side_and_no_further() -> None:
    now = at(1234567890)
    step = totp.step_at(now)
    for offset in (-1, 0, 1):
        code = totp.hotp(SEED, step + offset)
        assert totp.verify(SEED, code, now) == step + offset
    for offset in (-2, 2):
        assert totp.verify(SEED, totp.hotp(SEED, step + offset), now) is None


def test_a_code_at_or_before_the_last_accepted_step_is_refused() -> None:
    now = at(1234567890)
    step = totp.step_at(now)
    code = totp.code_at(SEED, now)
    assert totp.verify(SEED, code, now, last_step=step - 1) == step
    assert totp.verify(SEED, code, now, last_step=step) is None  # replay
    assert totp.verify(SEED, totp.hotp(SEED, step - 1), now, last_step=step) is None
    later = now + timedelta(seconds=30)
    assert totp.verify(SEED, totp.code_at(SEED, later), later, last_step=step) == step + 1


@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef", "１２３４５６", "12 34 5x"])
def test_malformed_codes_are_refused(code: str) -> None:
    assert totp.verify(SEED, code, at(59)) is None


def test_spaces_and_a_dash_that_people_type_are_ignored() -> None:
    now = at(1111111111)
    code = totp.code_at(SEED, now)
    assert totp.verify(SEED, f" {code[:3]} {code[3:]} ", now) is not None
    assert totp.verify(SEED, f"{code[:3]}-{code[3:]}", now) is not None


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError):
        totp.step_at(datetime(2026, 1, 5, 9, 0))  # noqa: DTZ001


def test_the_secret_is_shown_in_base32_groups_and_in_an_otpauth_uri() -> None:
    secret = totp.new_secret()
    assert len(secret) == 20 and totp.new_secret() != secret
    text = totp.to_base32(secret)
    assert len(text) == 32 and "=" not in text
    assert base64.b32decode(text) == secret
    assert totp.grouped(secret).replace(" ", "") == text
    assert all(len(group) == 4 for group in totp.grouped(secret).split())
    uri = totp.provisioning_uri(secret, "ada")
    assert uri == (
        f"otpauth://totp/Nordic%20Baltic%20Assist:ada?secret={text}&issuer=Nordic%20Baltic%20Assist"
    )
    assert parse_qs(urlsplit(uri).query)["secret"] == [text]
