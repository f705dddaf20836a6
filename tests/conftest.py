from __future__ import annotations

import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "data" / "samples"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED = REPO.parent / "shared"


def seed_cases() -> list[tuple[Path, dict]]:
    cases = []
    for expected in sorted((FIXTURES / "seeds").glob("*.json")):
        data = json.loads(expected.read_text(encoding="utf-8"))
        cases.append((SAMPLES / data["file"], data))
    return cases


@pytest.fixture(scope="session")
def parsed_seeds():
    from pipeline import parse_report

    return {path.name: (parse_report(path.read_bytes(), str(path)), expected) for path, expected in seed_cases()}
