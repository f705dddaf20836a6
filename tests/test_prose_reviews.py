"""Review and litigation counts stated in the prose (pipeline/parse/prose_cases.py, cues in
pipeline/parse/labels/prose_cases.toml) and the rule that checks them against table 4.

The expected counts and lines were read by a person from the corpus documents; the constructed
sentences and reports carry figures set by hand.
"""
from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from pipeline.parse import parse_report
from pipeline.parse.narrative import extract_case_facts
from pipeline.parse.prose_cases import case_facts
from pipeline.store.check_engine import RULES_PATH, load_rules

from conftest import SHARED, ogi_run_on
from test_check_engine import report

CORPUS = SHARED / "corpus" / "raw"
KEYS = ("review_cases", "litigation_cases", "review_litigation_cases")
RULE = "prose_reviews_litigation"


def _case_rows(name: str) -> list[tuple]:
    path = CORPUS / name
    parsed = parse_report(path.read_bytes(), str(path))
    return [(r["fact"], r["value"], r["qualifier"], r["line"]) for r in parsed.records["narrative_facts"]
            if r["fact"] in KEYS]


# --- the parser, on the corpus ------------------------------------------------------------------

@pytest.mark.parametrize("name,want", [
    # (二)依申请公开情况: 政府信息公开行政复议 351 / 件 (lines 28-29); …行政诉讼 46 件 (line 30)
    ("001_huaian-2024.pdf", [("review_cases", 351.0, "exact", 28), ("litigation_cases", 46.0, "exact", 30)]),
    # 一、总体情况: 有 1 件涉及政府信息公开工作的行政复议 (line 19); 涉及的行政诉讼数为 / 0 件 (line 21)
    ("005_shanghai-stcsm-2024-extract.md", [("review_cases", 1.0, "exact", 19),
                                            ("litigation_cases", 0.0, "exact", 21)]),
    # the 依申请公开 paragraph: 做好相关行政复议、行政诉讼案件的应诉工作，全县共办理相关案件 74 件
    ("007_shuyang-2025-extract.txt", [("review_litigation_cases", 74.0, "exact", 26)]),
    # 全年未发生因依申请公开被行政复议纠错或行政诉讼败诉情形: none corrected or lost, no count of cases
    ("006_shanghai-govoffice-2025-extract.md", []),
    # section 一 names neither
    ("003_hongze-2023.pdf", []),
])
def test_corpus_case_counts(name, want):
    assert _case_rows(name) == want


def test_evidence_is_the_part_of_the_sentence():
    path = CORPUS / "001_huaian-2024.pdf"
    facts = {r["fact"]: r for r in parse_report(path.read_bytes(), str(path)).records["narrative_facts"]}
    assert facts["review_cases"]["evidence"].startswith("政府信息公开行政复议 351件,其中结果维持 72件")
    assert facts["review_cases"]["evidence"].endswith("尚未审结 37 件")  # up to the ；
    assert facts["litigation_cases"]["evidence"].startswith("政府信息公开行政诉讼 46 件")


# --- the parser, on constructed sentences -------------------------------------------------------

@pytest.mark.parametrize("text,want", [
    ("全年未发生政府信息公开行政复议、行政诉讼案件。",
     [("review_cases", 0.0, "stated_none"), ("litigation_cases", 0.0, "stated_none")]),
    ("本年度未发生因政府信息公开申请引起的行政复议和行政诉讼。",
     [("review_cases", 0.0, "stated_none"), ("litigation_cases", 0.0, "stated_none")]),
    ("本年度未因政府信息公开被申请行政复议，也未被提起行政诉讼。",
     [("review_cases", 0.0, "stated_none"), ("litigation_cases", 0.0, "stated_none")]),
    ("因政府信息公开被申请行政复议2件、被提起行政诉讼1件。",
     [("review_cases", 2.0, "exact"), ("litigation_cases", 1.0, "exact")]),
    ("政府信息公开行政复议、行政诉讼案件均为0件。",
     [("review_cases", 0.0, "exact"), ("litigation_cases", 0.0, "exact")]),
    # both together: one combined count, not 5 lawsuits
    ("涉及政府信息公开的行政复议、行政诉讼案件5件。", [("review_litigation_cases", 5.0, "exact")]),
    ("政府信息公开行政复议案件10余件。", [("review_cases", 10.0, "at_least")]),
    # refers back (相关) to a sentence about disclosure
    ("全年受理政府信息公开申请5件。相关行政复议案件3件。", [("review_cases", 3.0, "exact")]),
    # not about disclosure: a body's other work
    ("全年共办理行政复议案件120件，行政诉讼案件35件。", []),
    ("全年受理政府信息公开申请5件。全年办理行政复议案件120件。", []),
    # outcomes, not cases
    ("全年未发生因依申请公开被行政复议纠错或行政诉讼败诉情形。", []),
    ("政府信息公开工作被行政复议纠错2件。", []),
    ("政府信息公开被纠错的行政复议2件。", []),
    # the count of the next clause is of applications, not of the cases named before
    ("做好政府信息公开行政复议、行政诉讼案件应诉工作，全年共办理依申请公开案件35件。", []),
])
def test_constructed_sentences(text, want):
    assert [(f.fact, f.value, f.qualifier) for f in case_facts(text)] == want


def test_first_statement_of_each_key_wins():
    text = "政府信息公开行政复议3件。其中涉及信息公开的行政复议2件维持。"
    assert [(f.fact, f.value) for f in case_facts(text)] == [("review_cases", 3.0)]


def test_section_four_prose_needs_no_context():
    lines = ["", "本年度未发生行政复议、行政诉讼案件。", "注：行政复议、行政诉讼数量含上年度结转数量。"]
    facts = extract_case_facts(lines, 40)
    assert [(f.fact, f.value, f.qualifier, f.line) for f in facts] == [
        ("review_cases", 0.0, "stated_none", 41), ("litigation_cases", 0.0, "stated_none", 41)]
    # in section 一 the same sentence says nothing about disclosure
    assert case_facts("本年度未发生行政复议、行政诉讼案件。") == []


# --- the rule against table 4 ---------------------------------------------------------------------

def _t4(review: int, direct: int, after: int) -> list[int]:
    """Table 4 with every case upheld: each proceeding's four results and total."""
    return [review, 0, 0, 0, review, direct, 0, 0, 0, direct, after, 0, 0, 0, after]


APPLIED = "全年共收到政府信息公开申请0件。"
REPORTS = {
    # 2 reviews, 1 lawsuit; table 4 agrees
    "石门镇 2023.txt": report("靖安县石门镇", 2023, prose=APPLIED + "因政府信息公开被申请行政复议2件、被提起行政诉讼1件。",
                             t4=_t4(2, 1, 0)),
    # 3 reviews and 2 lawsuits in the prose, table 4 has 2 and 1 + 0
    "石门镇 2024.txt": report("靖安县石门镇", 2024, prose=APPLIED + "政府信息公开行政复议3件，政府信息公开行政诉讼2件。",
                             t4=_t4(2, 1, 0)),
    # none stated, table 4 has one review
    "中源乡 2023.txt": report("靖安县中源乡", 2023, prose=APPLIED + "全年未发生政府信息公开行政复议、行政诉讼案件。",
                             t4=_t4(1, 0, 0)),
    # both together: 6 against 2 + 1 + 1; then 10余 (approximate) against 4 + 3 + 3
    "中源乡 2024.txt": report("靖安县中源乡", 2024, prose=APPLIED + "涉及政府信息公开的行政复议、行政诉讼案件6件。",
                             t4=_t4(2, 1, 1)),
    "罗湾乡 2024.txt": report("靖安县罗湾乡", 2024, prose=APPLIED + "涉及政府信息公开的行政复议、行政诉讼案件10余件。",
                             t4=_t4(4, 3, 3)),
}


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    """A warehouse `ogi run` builds from the reports above and corpus 001, 005 and 007, with
    check_results made by the engine from pipeline/store/rules.toml."""
    assert RULE in {r.id for r in load_rules(RULES_PATH).rules}
    corpus = ("001_huaian-2024.pdf", "005_shanghai-stcsm-2024-extract.md", "007_shuyang-2025-extract.txt")
    return ogi_run_on(tmp_path_factory.mktemp("prose_reviews"), [CORPUS / name for name in corpus], REPORTS)


def _results(db: Path, org: str, year: int) -> dict[str, tuple]:
    """subject -> (status, lhs, rhs, cell keys) of the rule on the current report of a body and year."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        got = con.execute("""
            SELECT c.subject, c.status, c.lhs, c.rhs, c.cells
            FROM check_results AS c JOIN stg_reports AS r USING (report_id)
            WHERE c.rule_id = ? AND r.org = ? AND r.year = ? AND r.is_current
            ORDER BY c.subject""", [RULE, org, year]).fetchall()
    finally:
        con.close()
    # a pass lists its cells as table:key, the other statuses as objects with their key
    return {g[0]: (g[1], g[2], g[3], [c.split(":")[-1].split("@")[0] if isinstance(c, str) else c["key"]
                                      for c in json.loads(g[4])]) for g in got}


def test_rule_passes_and_fails(db):
    assert _results(db, "靖安县石门镇", 2023) == {
        "litigation_cases": ("pass", 1, 1, ["litigation_cases", "litigation_direct/total",
                                            "litigation_after_review/total"]),
        "review_cases": ("pass", 2, 2, ["review_cases", "review/total"]),
    }
    got = _results(db, "靖安县石门镇", 2024)
    assert got["review_cases"][:3] == ("fail", 3, 2)
    assert got["litigation_cases"][:3] == ("fail", 2, 1)
    # 未发生…: 0 stated against the one review of table 4
    got = _results(db, "靖安县中源乡", 2023)
    assert got["review_cases"][:3] == ("fail", 0, 1)
    assert got["litigation_cases"][:3] == ("pass", 0, 0)
    got = _results(db, "靖安县中源乡", 2024)["review_litigation_cases"]
    assert got == ("fail", 6, 4, ["review_litigation_cases", "review/total", "litigation_direct/total",
                                  "litigation_after_review/total"])
    # 10余件: approximate, so uncertain and not a failure
    assert _results(db, "靖安县罗湾乡", 2024)["review_litigation_cases"][0] == "uncertain"


@pytest.mark.parametrize("org,year,want", [
    ("淮安市人民政府", 2024, {"review_cases": ("pass", 351, 351), "litigation_cases": ("pass", 46, 46)}),
    ("上海市科委", 2024, {"review_cases": ("pass", 1, 1), "litigation_cases": ("pass", 0, 0)}),
    ("沐阳县人民政府", 2025, {"review_litigation_cases": ("pass", 74, 74)}),  # 61 + 3 + 10; 沐 (sic)
])
def test_rule_on_the_corpus(db, org, year, want):
    assert {k: v[:3] for k, v in _results(db, org, year).items()} == want
