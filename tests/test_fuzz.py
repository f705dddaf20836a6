"""Property-based fuzzing of the parser with mutated reports and random bytes.

Whatever the input, the parser either returns a report or raises ReportError with a reason; it
never raises anything else, and every value it returns stands in the text at the line it gives.
More inputs: FUZZ_EXAMPLES=5000 .venv/bin/python -m pytest tests/test_fuzz.py
"""
from __future__ import annotations

import os
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import SAMPLES
from pipeline.errors import ReportError
from pipeline.parse import parse_report
from pipeline.parse.lines import DocLines
from pipeline.read import read_document

SEEDS = [p.read_bytes() for p in sorted(SAMPLES.glob("*.txt"))]
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "300"))
# Not a speed target: a parse takes milliseconds, and a hang (catastrophic regex backtracking,
# a loop that never ends) would blow through this by orders of magnitude.
HANG = timedelta(seconds=20)
FUZZ = settings(max_examples=EXAMPLES, deadline=HANG, suppress_health_check=[HealthCheck.too_slow],
                derandomize=True)

CJK = "一二三四五六七八九十（）()|/—年月日条件政府信息公开申请总计自然人其他结果维持纠正本年新收规章\t \u00a0\u3000０１２３"


def check(raw: bytes) -> None:
    try:
        parsed = parse_report(raw, "fuzz.txt")
    except ReportError as err:
        assert str(err) and "\n" not in str(err)
        return
    lines = DocLines.of(read_document(raw)).text
    for table in ("active_disclosure", "applications", "reviews_litigation"):
        for r in parsed.records[table]:
            if r["value"] is None:
                continue
            assert 1 <= r["line"] <= len(lines)
            assert r["raw"] in lines[r["line"] - 1], (table, r)
    parsed.frames  # the frames build for whatever the parser returned
    for f in parsed.records["narrative_facts"]:
        assert f["evidence"]


@st.composite
def mutated_report(draw) -> bytes:
    text = draw(st.sampled_from(SEEDS)).decode("utf-8")
    lines = text.split("\n")
    for _ in range(draw(st.integers(1, 8))):
        op = draw(st.sampled_from(["delete", "duplicate", "swap", "insert", "truncate", "edit", "join"]))
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        if op == "delete":
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "insert":
            lines.insert(i, draw(st.text(alphabet=CJK + "0123456789", max_size=40)))
        elif op == "truncate":
            lines = lines[:i]
        elif op == "edit":
            line = lines[i]
            k = draw(st.integers(0, len(line)))
            lines[i] = line[:k] + draw(st.text(alphabet=CJK + "0123456789", max_size=6)) + line[k + 1:]
        elif op == "join" and i + 1 < len(lines):
            lines[i:i + 2] = [lines[i] + draw(st.sampled_from(["", "\t", " | ", " "])) + lines[i + 1]]
    encoding = draw(st.sampled_from(["utf-8", "gb18030", "utf-16", "utf-8-sig"]))
    return "\n".join(lines).encode(encoding, errors="replace")


@FUZZ
@given(mutated_report())
def test_mutated_reports(raw):
    check(raw)


@FUZZ
@given(st.binary(max_size=4096))
def test_random_bytes(raw):
    check(raw)


@FUZZ
@given(st.sampled_from(SEEDS), st.integers(0, 7000), st.binary(min_size=1, max_size=64))
def test_byte_level_corruption(seed, at, junk):
    at = min(at, len(seed))
    check(seed[:at] + junk + seed[at:])
