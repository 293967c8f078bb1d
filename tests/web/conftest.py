from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine

from engine.bpmn.clock import FixedClock
from engine.settings import Settings
from web import create_app


@pytest.fixture
def app(db: Engine, settings: Settings, clock: FixedClock) -> Flask:
    return create_app(
        {
            "settings": settings,
            "engine": db,
            "clock": clock,
            "TESTING": True,
            "CASE_PROCESS": "demo_case",
        }
    )


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()
