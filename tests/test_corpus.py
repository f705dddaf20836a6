"""The development corpus in ../shared/corpus: every report whose format the parser reads.

PDFs (001, 003, 004) and the saved web page (008) wait for the issues that add those formats.
The truth files were transcribed by hand; the parser must never contradict them. Where a
converter scrambled a table beyond what label anchoring can place (005, 006), the cells stay
null with an issue, and the test pins which rows are read exactly.
"""
from __future__ import annotations

import json

import pytest

from conftest import SHARED
from pipeline.parse import parse_report
from pipeline.parse.template import APPLICANTS

CORPUS = SHARED / "corpus"
TEXT_FORMATS = {
    "002_huaian-2024-section3-extract": ".txt",
    "005_shanghai-stcsm-2024-extract": ".md",
    "006_shanghai-govoffice-2025-extract": ".md",
    "007_shuyang-2025-extract": ".txt",
}


def load(name: str):
    raw = (CORPUS / "raw" / f"{name}{TEXT_FORMATS[name]}").read_bytes()
    truth = json.loads((CORPUS / "truth" / f"{name}.json").read_text(encoding="utf-8"))
    return parse_report(raw, name), truth


def table3(parsed) -> dict[str, list]:
    got: dict[str, list] = {}
    for r in parsed.records["applications"]:
        got.setdefault(r["outcome"], [None] * 7)[APPLICANTS.index(r["applicant"])] = r["value"]
    return got


@pytest.mark.parametrize("name", sorted(TEXT_FORMATS))
def test_never_contradicts_the_truth(name):
    parsed, truth = load(name)
    want_ad = {(a["item"], a["measure"]): a["value"] for a in truth["active_disclosure"]}
    for r in parsed.records["active_disclosure"]:
        if r["value"] is not None:
            assert r["value"] == want_ad[(r["item"], r["measure"])], r
    for outcome, values in table3(parsed).items():
        for got, want in zip(values, truth["applications"][outcome] or [None] * 7):
            if got is not None:
                assert got == want, (outcome, values)
    for got, want in zip([r["value"] for r in parsed.records["reviews_litigation"]], truth["reviews_litigation"]):
        if got is not None:
            assert got == want
    # Whatever is null was said to be null: one cell_missing/blank issue per empty template row at least.
    codes = parsed.issue_codes()
    nulls = [r for t in ("active_disclosure", "applications") for r in parsed.records[t] if r["value"] is None]
    assert not nulls or {"cell_missing", "cell_blank"} & set(codes)


def test_007_markdown_like_text_is_read_completely():
    parsed, truth = load("007_shuyang-2025-extract")
    assert (parsed.report["org"], parsed.report["year"]) == ("沐阳县人民政府", 2025)
    assert {(a["item"], a["measure"]): a["value"] for a in truth["active_disclosure"]} == {
        (r["item"], r["measure"]): r["value"] for r in parsed.records["active_disclosure"]}
    assert table3(parsed) == truth["applications"]
    assert [r["value"] for r in parsed.records["reviews_litigation"]] == truth["reviews_litigation"]
    # The prose's 749 counts the 36 carried over (713 + 36): not a contradiction.
    assert "narrative_table_mismatch" not in parsed.issue_codes()
    fee = next(r for r in parsed.records["active_disclosure"] if r["item"] == "fees")
    assert (fee["value"], fee["unit"]) == (4068.208, "万元")


def test_002_partial_extract_keeps_what_is_there():
    parsed, truth = load("002_huaian-2024-section3-extract")
    ad = {(r["item"], r["measure"]): r["value"] for r in parsed.records["active_disclosure"]}
    assert ad[("penalty", "decisions")] == 3985758
    assert ad[("coercion", "decisions")] == 88283
    assert ad[("fees", "fee_amount")] == 96171.6
    assert ad[("rules", "issued")] is None  # the 20(1) rows are not in this extract
    got = table3(parsed)
    for outcome, values in truth["applications"].items():
        if values is not None:
            assert got[outcome] == values, outcome
    assert got["total_processed"] == [None] * 7
    codes = set(parsed.issue_codes())
    assert {"year_unresolved", "cell_missing", "table_missing"} <= codes
    assert parsed.report["year"] is None and parsed.report["org"] is None


def test_005_scrambled_markdown_rows_that_keep_their_labels():
    parsed, truth = load("005_shanghai-stcsm-2024-extract")
    assert (parsed.report["org"], parsed.report["year"]) == ("上海市科委", 2024)
    got = table3(parsed)
    for outcome in ("new_received", "carried_over", "granted", "denied_state_secret", "denied_three_safeties",
                    "denied_third_party", "denied_process_info", "denied_enforcement_file", "denied_query_matter",
                    "rejected_petition", "rejected_duplicate", "rejected_publication", "other_other",
                    "total_processed", "carried_forward"):
        assert got[outcome] == truth["applications"][outcome], outcome
    # The empty 总计 cell of 结转下年度 is printed as a blank cell: null, and said so.
    assert got["carried_forward"][6] is None
    assert any(i["code"] == "cell_blank" and i["field"] == "carried_forward/total" for i in parsed.records["issues"])
    assert [r["value"] for r in parsed.records["reviews_litigation"]] == truth["reviews_litigation"]
    assert {(a["item"], a["measure"]): a["value"] for a in truth["active_disclosure"]} == {
        (r["item"], r["measure"]): r["value"] for r in parsed.records["active_disclosure"]}


def test_006_short_row_is_not_guessed_into_columns():
    parsed, truth = load("006_shanghai-govoffice-2025-extract")
    ad = {(r["item"], r["measure"]): r for r in parsed.records["active_disclosure"]}
    # '| 规章 | 22 | 235 |' has two cells for three columns: 235 is in_force, not repealed, so
    # placing by position would be wrong; the row stays null with cell_missing.
    assert ad[("rules", "repealed")]["value"] is None
    assert ad[("licensing", "decisions")]["value"] == 0
    got = table3(parsed)
    for outcome in ("new_received", "carried_over", "granted", "partially_granted", "denied_state_secret",
                    "denied_third_party", "denied_internal_affairs", "unable_not_held", "unable_needs_creation",
                    "rejected_petition", "rejected_duplicate", "other_other", "total_processed", "carried_forward"):
        assert got[outcome] == truth["applications"][outcome], outcome
    assert [r["value"] for r in parsed.records["reviews_litigation"]] == truth["reviews_litigation"]
