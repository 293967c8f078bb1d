"""The committed front-end files are the ones `make vendor` copies, at the pinned versions."""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENDOR_SRC = ROOT / "web" / "vendor-src"
BANNER = re.compile(r"^/\*!?\s*(?:bpmn-js - [\w-]+ v|axe v)(\d+\.\d+\.\d+)")


def manifest() -> list[tuple[str, str, Path]]:
    rows = []
    for line in (VENDOR_SRC / "vendor-files.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            package, file, destination = line.split()
            rows.append((package, file, ROOT / destination))
    return rows


def locked_versions() -> dict[str, str]:
    lock = json.loads((VENDOR_SRC / "package-lock.json").read_text())
    return {
        path.removeprefix("node_modules/"): entry["version"]
        for path, entry in lock["packages"].items()
        if path.startswith("node_modules/")
    }


def test_every_listed_file_is_committed() -> None:
    missing = [str(dest) for _package, _file, dest in manifest() if not dest.is_file()]
    assert missing == [], "run `make vendor`"


def test_the_package_json_pins_exact_versions_that_the_lockfile_resolves() -> None:
    package = json.loads((VENDOR_SRC / "package.json").read_text())
    locked = locked_versions()
    pinned = {**package.get("dependencies", {}), **package.get("devDependencies", {})}
    assert pinned == {name: locked[name] for name in pinned}


def test_the_copied_scripts_are_the_locked_versions() -> None:
    locked = locked_versions()
    for package, _file, dest in manifest():
        if dest.suffix != ".js":
            continue
        match = BANNER.match(dest.read_text(encoding="utf-8")[:300])
        assert match, f"{dest} has no version banner"
        assert match.group(1) == locked[package], f"{dest} is not {package} {locked[package]}"


def test_the_copies_match_node_modules_when_it_is_installed() -> None:
    for package, file, dest in manifest():
        source = VENDOR_SRC / "node_modules" / package / file
        if source.is_file():
            assert source.read_bytes() == dest.read_bytes(), f"{dest} differs: run `make vendor`"


def test_node_modules_is_not_committed() -> None:
    assert "node_modules/" in (ROOT / ".gitignore").read_text().splitlines()
