"""Every cell, fact and issue of the five hand-verified seed reports, by value."""
from __future__ import annotations

import pytest

from conftest import seed_cases
from pipeline.parse.template import APPLICANTS

SEEDS = [path.name for path, _ in seed_cases()]
REGION_CODES = {"region_unresolved", "region_ambiguous"}


def test_five_seeds_are_bundled():
    assert len(SEEDS) == 5


@pytest.mark.parametrize("name", SEEDS)
def test_identity(parsed_seeds, name):
    parsed, expected = parsed_seeds[name]
    exp = expected["report"]
    assert parsed.report["title"] == exp["title"]
    assert parsed.report["org"] == exp["org"]
    assert parsed.report["year"] == exp["year"]
    assert parsed.report["template_version"] == exp["template_version"]


@pytest.mark.parametrize("name", SEEDS)
def test_region(parsed_seeds, name):
    parsed, expected = parsed_seeds[name]
    got = {k: parsed.report[k] for k in ("province", "prefecture", "county", "township")}
    assert got == expected["report"]["region"]
    assert parsed.report["admin_level"] == "township"
    assert len(parsed.report["township_code"]) == 9 and parsed.report["township_code"].startswith(
        parsed.report["county_code"])


def test_region_codes_of_two_seeds(parsed_seeds):
    # GB/T 2260: 360983 高安市 (宜春市 3609, 江西省 36); 411224 卢氏县 (三门峡市 4112, 河南省 41).
    gaoan, _ = parsed_seeds["000_8ae22ee27fc68654.txt"]
    assert (gaoan.report["province_code"], gaoan.report["prefecture_code"], gaoan.report["county_code"]) == (
        "360000", "360900", "360983")
    lushi, _ = parsed_seeds["001_ba2450cc1c30b59a.txt"]
    assert lushi.report["county_code"] == "411224"
    assert lushi.to_json()["report"]["region"]["code"] == lushi.report["township_code"]


@pytest.mark.parametrize("name", SEEDS)
def test_table2_every_cell(parsed_seeds, name):
    parsed, expected = parsed_seeds[name]
    got = {(r["item"], r["measure"]): (r["value"], r["unit"]) for r in parsed.records["active_disclosure"]}
    want = {(r["item"], r["measure"]): (r["value"], r["unit"]) for r in expected["active_disclosure"]}
    assert got == want


@pytest.mark.parametrize("name", SEEDS)
def test_table3_every_cell(parsed_seeds, name):
    parsed, expected = parsed_seeds[name]
    rows = parsed.records["applications"]
    if expected["applications"] is None:
        assert rows == []  # missing, not zeros
        return
    got: dict[str, list] = {}
    for r in rows:
        got.setdefault(r["outcome"], [None] * 7)[APPLICANTS.index(r["applicant"])] = r["value"]
    assert got == expected["applications"]


@pytest.mark.parametrize("name", SEEDS)
def test_table4_fifteen_numbers(parsed_seeds, name):
    parsed, expected = parsed_seeds[name]
    assert [r["value"] for r in parsed.records["reviews_litigation"]] == expected["reviews_litigation"]


@pytest.mark.parametrize("name", SEEDS)
def test_narrative_facts(parsed_seeds, name):
    parsed, expected = parsed_seeds[name]
    # The fixtures hold section 一's facts; section 六's fees are asserted in test_fees_stated below.
    got = [f for f in parsed.records["narrative_facts"] if f["fact"] != "fees_charged"]
    assert sorted((f["fact"], f["value"], f["qualifier"]) for f in got) == sorted(
        (f["fact"], f["value"], f["qualifier"]) for f in expected["narrative_facts"])
    for want in expected["narrative_facts"]:
        if want["category"] is None:
            continue
        # The category is kept as printed; it may carry a little more context than the fixture.
        assert any(f["fact"] == want["fact"] and f["value"] == want["value"] and want["category"] in f["category"]
                   for f in got), want
    for f in got:
        # The sentence is kept as evidence; "未收到…申请" is the one way to state 0 without a digit.
        assert str(int(f["value"])) in f["evidence"] or (f["value"] == 0 and "未收到" in f["evidence"])


# Section 六 as read by a person: 001 "不存在收取信息处理费的情况", 002 "本年度没有产生信息公开处理费";
# 000, 003 and 004 say nothing of fees.
FEES = {"000": [], "001": [("fees_charged", 0, "stated_none")], "002": [("fees_charged", 0, "stated_none")],
        "003": [], "004": []}


@pytest.mark.parametrize("name", SEEDS)
def test_fees_stated(parsed_seeds, name):
    parsed, _ = parsed_seeds[name]
    got = [f for f in parsed.records["narrative_facts"] if f["fact"] == "fees_charged"]
    assert [(f["fact"], f["value"], f["qualifier"]) for f in got] == FEES[name[:3]]
    assert all("收取信息处理费" in f["evidence"] or "没有产生信息公开处理费" in f["evidence"] for f in got)


@pytest.mark.parametrize("name", SEEDS)
def test_issue_codes(parsed_seeds, name):
    parsed, expected = parsed_seeds[name]
    codes = set(parsed.issue_codes()) - REGION_CODES
    assert codes == set(expected["issues"])


@pytest.mark.parametrize("name", SEEDS)
def test_every_value_stands_on_its_line(parsed_seeds, name):
    parsed, _ = parsed_seeds[name]
    lines = open(parsed.source["path"], encoding="utf-8").read().split("\n")
    for table in ("active_disclosure", "applications", "reviews_litigation"):
        for r in parsed.records[table]:
            if r["value"] is None:
                continue
            assert r["raw"] in lines[r["line"] - 1], (table, r)


def test_seed000_lines_and_missing_total(parsed_seeds):
    parsed, _ = parsed_seeds["000_8ae22ee27fc68654.txt"]
    ad = {(r["item"], r["measure"]): r for r in parsed.records["active_disclosure"]}
    # Line 32 holds the label 行政规范性文件, line 33 its first cell "6" (read in an editor).
    assert ad[("normative_documents", "issued")]["line"] == 33
    total = [r for r in parsed.records["applications"] if r["outcome"] == "total_processed"]
    assert [r["value"] for r in total] == [1, 0, 0, 0, 0, 0, None]
    missing = [i for i in parsed.records["issues"] if i["code"] == "cell_missing"]
    assert missing[0]["field"] == "total_processed/total" and missing[0]["line"] == 337
    balance = [i for i in parsed.records["issues"] if i["code"] == "balance_mismatch"]
    assert [i["field"] for i in balance] == ["natural_person"]
    facts = {f["fact"]: f for f in parsed.records["narrative_facts"]}
    assert facts["proactive_total"]["line"] == 9


def test_seed003_procurement_in_yuan_at_its_line(parsed_seeds):
    parsed, _ = parsed_seeds["003_d0913d7d57e43191.txt"]
    row = next(r for r in parsed.records["active_disclosure"] if r["measure"] == "procurement_amount")
    assert (row["value"], row["unit"], row["line"], row["raw"]) == (63365, "元", 87, "63365元")


def test_seed002_section3_is_table_missing_not_zeros(parsed_seeds):
    parsed, _ = parsed_seeds["002_976608e17cd77bd0.txt"]
    issue = next(i for i in parsed.records["issues"] if i["code"] == "table_missing")
    assert issue["table"] == "applications" and "table 2" in issue["detail"]
    assert parsed.applications.empty
    # The web-page junk after section 六 is not part of the report's text.
    assert "账号" not in (parsed.report["other_matters_text"] or "")
    assert "处理费" in parsed.report["other_matters_text"]


def test_frames_carry_schema_columns_and_report_id(parsed_seeds):
    from pipeline.parse.schema import FRAMES

    parsed, _ = parsed_seeds["000_8ae22ee27fc68654.txt"]
    for name, columns in FRAMES.items():
        frame = parsed.frames[name]
        assert list(frame.columns) == list(columns)
        assert set(frame["report_id"]) <= {parsed.report_id}
    assert parsed.report_id == parsed.source["sha256"][:16]
