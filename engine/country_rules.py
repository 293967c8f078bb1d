"""The country rules of a process version, read from its `country_rules` decision table
without running it: which rows an administrator must still confirm (confidence low).

The case page warns when the rule valid for her host country today is unconfirmed, and
the administrators' library lists every such row, so a guess never passes for law.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from engine.bpmn.library import parse_xml

DMN_NS = "https://www.omg.org/spec/DMN/20191111/MODEL/"
DECISION = "country_rules"


@dataclass(frozen=True)
class CountryRule:
    countries: str  # the host-country cell, e.g. '"LT"'
    valid_from: str
    valid_until: str
    confidence: str
    citation: str
    description: str

    @property
    def country(self) -> str:
        return self.countries.strip().strip('"') if self.countries.startswith('"') else "*"

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day.isoformat() < self.valid_until


def country_rules(sources: dict[str, str]) -> list[CountryRule]:
    """Every row of the `country_rules` table among a version's files."""
    for filename, text in sorted(sources.items()):
        if not filename.endswith(".dmn") or f'id="{DECISION}"' not in text:
            continue
        tree = parse_xml(text.encode("utf-8"), filename)
        table = tree.find(f".//{{{DMN_NS}}}decision[@id='{DECISION}']/{{{DMN_NS}}}decisionTable")
        if table is None:
            return []
        outputs = [o.get("name") for o in table.iterfind(f"{{{DMN_NS}}}output")]
        rows = []
        for rule in table.iterfind(f"{{{DMN_NS}}}rule"):
            cells = [
                (e.findtext(f"{{{DMN_NS}}}text") or "").strip()
                for e in rule.iterfind(f"{{{DMN_NS}}}inputEntry")
            ]
            values = dict(
                zip(
                    outputs,
                    [
                        (e.findtext(f"{{{DMN_NS}}}text") or "").strip().strip('"')
                        for e in rule.iterfind(f"{{{DMN_NS}}}outputEntry")
                    ],
                    strict=False,
                )
            )
            rows.append(
                CountryRule(
                    countries=cells[0] if cells else "",
                    valid_from=values.get("rule_valid_from", ""),
                    valid_until=values.get("rule_valid_until", "9999-12-31"),
                    confidence=values.get("rule_confidence", ""),
                    citation=values.get("rule_citation", ""),
                    description=(rule.findtext(f"{{{DMN_NS}}}description") or "").strip(),
                )
            )
        return rows
    return []


def unconfirmed(rules: list[CountryRule]) -> list[CountryRule]:
    """The rows of low confidence: an administrator must confirm them."""
    return [r for r in rules if r.confidence == "low"]


_PARSED: dict[str, list[CountryRule]] = {}  # versions are immutable: parse each once


def rules_of_version(key: str, sources: Callable[[], dict[str, str]]) -> list[CountryRule]:
    """The rows of a version (`key`: process and content hash), its sources read only once
    per process: a case page must not load every diagram to warn about one row."""
    if key not in _PARSED:
        _PARSED[key] = country_rules(sources())
    return _PARSED[key]


def unconfirmed_rule_for(rules: list[CountryRule], country: str, day: date) -> CountryRule | None:
    """The low-confidence row valid for `country` on `day`, if that is what applies."""
    for rule in rules:
        if rule.country == country and rule.valid_on(day):
            return rule if rule.confidence == "low" else None
    return None
