"""Configuration from the environment (NBASSIST_*), shared by the CLI, web and scheduler.

In development, missing secrets are generated once into `instance/` with a warning;
in production a missing or malformed secret is a clear start-up error, never a silent
fixed default.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from engine.errors import ServerFault

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = Path(os.environ.get("NBASSIST_INSTANCE_DIR", PROJECT_ROOT / "instance"))
PROCESSES_DIR = Path(os.environ.get("NBASSIST_PROCESSES_DIR", PROJECT_ROOT / "processes"))


class ConfigError(ServerFault):
    """The environment's configuration is missing or malformed."""

    code = "config"


@dataclass(frozen=True)
class Settings:
    env: str
    database_url: str
    secret_key: str
    data_key: bytes
    smtp_url: str | None
    base_url: str
    # A changed shared process needs another organisation's approval (engine/review.py);
    # off only for a development install with a single organisation.
    four_eyes: bool = True


def _instance_secret(name: str, make: Callable[[], str]) -> str:
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    path = INSTANCE_DIR / name
    if not path.exists():
        path.write_text(make())
        path.chmod(0o600)
        print(f"warning: generated a development secret in {path}", file=sys.stderr)
    return path.read_text().strip()


def generate_data_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def decode_data_key(text: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(text.strip().encode())
    except (binascii.Error, ValueError) as exc:
        raise ConfigError("NBASSIST_DATA_KEY is not URL-safe base64") from exc
    if len(key) != 32:
        raise ConfigError("NBASSIST_DATA_KEY must encode exactly 32 bytes (nbassist keys generate)")
    return key


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if environ is None else environ)
    mode = env.get("NBASSIST_ENV", "development")
    if mode not in ("development", "production"):
        raise ConfigError("NBASSIST_ENV must be 'development' or 'production'")
    production = mode == "production"

    def secret(var: str, filename: str, make: Callable[[], str]) -> str:
        value = env.get(var, "").strip()
        if value:
            return value
        if production:
            raise ConfigError(f"{var} must be set in production")
        return _instance_secret(filename, make)

    database_url = env.get("NBASSIST_DATABASE_URL") or f"sqlite:///{INSTANCE_DIR / 'nbassist.db'}"
    secret_key = secret("NBASSIST_SECRET_KEY", "secret_key", lambda: secrets.token_urlsafe(48))
    if production and len(secret_key) < 32:
        raise ConfigError("NBASSIST_SECRET_KEY must be at least 32 characters")
    data_key = decode_data_key(secret("NBASSIST_DATA_KEY", "data_key", generate_data_key))
    four_eyes = env.get("NBASSIST_FOUR_EYES", "on").strip().lower()
    if four_eyes not in ("on", "off"):
        raise ConfigError("NBASSIST_FOUR_EYES must be 'on' or 'off'")
    if production and four_eyes == "off":
        raise ConfigError(
            "NBASSIST_FOUR_EYES=off is for a development install with one organisation; "
            "in production a process change needs another organisation's approval"
        )
    return Settings(
        env=mode,
        database_url=database_url,
        secret_key=secret_key,
        data_key=data_key,
        smtp_url=env.get("NBASSIST_SMTP_URL") or None,
        base_url=env.get("NBASSIST_BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
        four_eyes=four_eyes == "on",
    )
