"""The directory seed: valid, eight countries, and a default organisation for every role."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from engine.directory import ROLES

PROCESSES = Path(__file__).resolve().parents[2] / "processes"
COUNTRIES = ["DK", "EE", "FI", "IS", "LV", "LT", "NO", "SE"]
CASE_ROLES = [role for role in ROLES if role != "return_partner"]
SLUG = re.compile(r"^[a-z]{2}-[a-z0-9]+(-[a-z0-9]+)*$")


def load(name):
    return json.loads((PROCESSES / name).read_text(encoding="utf-8"))


def organisations():
    return load("directory.json")["organisations"]


def test_directory_validates_against_its_schema():
    schema = load("directory.schema.json")
    Draft202012Validator.check_schema(schema)
    errors = list(Draft202012Validator(schema).iter_errors(load("directory.json")))
    assert errors == []


def test_directory_covers_the_eight_countries():
    assert sorted({org["country"] for org in organisations()}) == sorted(COUNTRIES)


def test_slugs_are_unique_well_formed_and_start_with_the_country():
    slugs = [org["slug"] for org in organisations()]
    assert len(slugs) == len(set(slugs))
    for org in organisations():
        assert SLUG.match(org["slug"]), org["slug"]
        assert org["slug"].startswith(org["country"].lower() + "-")


@pytest.mark.parametrize("country", COUNTRIES)
def test_every_country_has_exactly_one_default_per_role(country):
    defaults = Counter(
        role
        for org in organisations()
        if org["country"] == country
        for role in org.get("default_for", [])
    )
    assert {role: defaults[role] for role in CASE_ROLES} == dict.fromkeys(CASE_ROLES, 1)
    assert "return_partner" not in defaults


@pytest.mark.parametrize("country", COUNTRIES)
def test_the_default_coordinator_is_a_brochure_organisation_with_coordinator_first(country):
    (coordinator,) = [
        org
        for org in organisations()
        if org["country"] == country and "coordinator" in org.get("default_for", [])
    ]
    assert coordinator["roles"][0] == "coordinator"
    assert coordinator["source"] == "brochure"
    assert coordinator["contacts"]["phone"] and coordinator["contacts"]["email"]


def test_an_organisation_is_default_only_for_roles_it_fills():
    for org in organisations():
        assert set(org.get("default_for", [])) <= set(org["roles"]), org["slug"]


def test_government_roles_are_placeholders_named_by_country():
    police = {org["slug"]: org for org in organisations() if org["roles"] == ["police"]}
    assert police["se-police"]["name"] == "Police — Sweden"
    assert all(org["placeholder"] is True for org in police.values())
    assert len(police) == 8


def test_brochure_contacts_are_kept_as_published():
    by_slug = {org["slug"]: org for org in organisations()}
    assert by_slug["dk-anti-trafficking-centre"]["contacts"]["phone"] == "+45 7020 2550"
    assert by_slug["lv-marta"]["contacts"]["email"] == "centrs@marta.lv"
    assert by_slug["is-stigamot"]["contacts"]["web"] == "http://www.stigamot.is"
    assert {
        "is-stigamot",
        "is-kvennaathvarfid",
        "se-roks",
        "se-skr",
        "lt-klaipeda-support-centre",
        "fi-monika",
        "no-rosa",
        "ee-womens-shelters-union",
    } <= set(by_slug)
