"""A tiny API client for tests: bearer token in, (status, json) out."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from tests.factories.form_data import valid_data

START_DATA: dict[str, Any] = valid_data(
    "record_first_contact",
    host_country="SE",
    origin_country="NG",
    languages=["en"],
    has_residence_right=False,
    cooperates_with_authorities=False,
    contact_method="outreach",
    indicators=["debt"],
    immediate_needs=["shelter"],
)


class Api:
    def __init__(self, client: FlaskClient, token: str) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, path: str, **params: Any) -> tuple[int, Any]:
        response = self.client.get(f"/api/v1{path}", headers=self.headers, query_string=params)
        return response.status_code, response.get_json()

    def post(self, path: str, body: Any = None, raw: str | None = None) -> tuple[int, Any]:
        if raw is not None:
            response = self.client.post(
                f"/api/v1{path}", headers=self.headers, data=raw, content_type="application/json"
            )
        else:
            response = self.client.post(f"/api/v1{path}", headers=self.headers, json=body)
        return response.status_code, response.get_json()

    def open_case(self, **overrides: Any) -> dict[str, Any]:
        status, body = self.post("/cases", {"data": {**START_DATA, **overrides}})
        assert status == 201, body
        return body

    def task(self, case: dict[str, Any], name: str) -> dict[str, Any]:
        return next(t for t in case["open_tasks"] if t["name"] == name)
