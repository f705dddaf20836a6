"""One report must never stop a run: values no count can be, and line ends nobody expected.

- A cell printing a number no count or amount can be (over 10^12, or negative where the
  template has no negatives) keeps its text (`raw`), is NULL as a number, and says so with
  `value_implausible`. Before, a 20-digit cell reached the lake as 1.2e19 and quality_issues'
  CAST(... AS BIGINT) failed on it in every later run, until the lake was deleted.
- Whatever the lake holds (a lake written before the parser screened values, or a hand-made
  one), every SQL model builds: no cast or arithmetic there fails on one report's numbers.
- A text file with old Mac line ends (a lone \\r) is read line by line like any other.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import docs
from _fake_parser import doc, set_measure, write_doc
from _fake_parser import parse as fake_parse
from conftest import SAMPLES, one, rows
from pipeline.parse import parse_report
from pipeline.store import lake, warehouse

TWENTY_DIGITS = "12345678901234567890"


def _models_built(result: warehouse.BuildResult) -> None:
    models = warehouse.load_models()
    assert result.models == warehouse.model_order(models)
    assert set(result.rows) >= set(models)


# --- the warehouse, on a lake holding extreme values --------------------------------------------

def _poison_parse(raw: bytes, source: str):
    """The fake parser, plus, in 2021, an open table-2 row whose readings are not all numbers:
    stg_active_disclosure casts their text and tests them against the 2022 report."""
    parsed = fake_parse(raw, source)
    if parsed.records["reports"][0]["year"] == 2021:
        for rec in parsed.records["active_disclosure"]:
            if rec["item"] == "rules" and rec["measure"] == "repealed":
                rec["value"] = None
                rec["readings"] = "x|y|z;|2|;1e400|0|1e400;99999999999999999999999|0|7"
    return parsed


@pytest.fixture(scope="module")
def poisoned(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """高安市八景镇 2021 and 2022 (one body, consecutive years, so the cross-year checks compare
    them) with 1e30, 1e19, 1e15, -5 and 0 in tables 2, 3 and 4 and in the prose. Tables 3 and 4 and
    the prose count (int64 in the lake): their largest is 9e18, which int64 holds; a value past it is
    refused by the lake (test_a_count_past_int64_is_refused_with_its_column)."""
    tmp = tmp_path_factory.mktemp("poisoned")
    raw = tmp / "raw"

    d2021 = doc("000", issues=[])
    d2021["report"] = {**d2021["report"], "year": 2021, "title": "高安市八景镇2021年政府信息公开工作年度报告"}
    d2021["applications"]["carried_forward"] = [9e18, -5, 0, 0, 0, 0, 9e18]  # counts are int64: 9e18 fits
    set_measure(d2021, "normative_documents", "in_force", 1e30)
    set_measure(d2021, "rules", "in_force", 1e19)
    d2021["reviews_litigation"] = [1e15, 0, 0, 0, 1e15] + [0] * 10
    write_doc(raw, "2021.json", d2021)

    d2022 = doc("000")
    apps = d2022["applications"]
    apps["carried_over"] = [1e15, 0, 0, 0, 0, 0, 1e15]
    apps["new_received"] = [-5, 0, 0, 0, 0, 0, -5]
    apps["granted"] = [9e18, 0, 0, 0, 0, 0, 9e18]
    apps["total_processed"] = [0, 0, 0, 0, 0, 0, 0]  # shares divide by it
    set_measure(d2022, "normative_documents", "issued", -5)
    set_measure(d2022, "normative_documents", "in_force", 1e15)
    set_measure(d2022, "rules", "issued", 1e19)
    set_measure(d2022, "fees", "fee_amount", 1e30, "万元")  # x 10000 in stg_active_disclosure
    d2022["reviews_litigation"] = [9e18, -5, 0, 0, None] + [0] * 5 + [1e15, 0, 0, 0, None]  # totals derived
    d2022["narrative_facts"] = [{"fact": "proactive_total", "value": 9e18, "qualifier": "exact", "category": None},
                                {"fact": "applications_received", "value": -5, "qualifier": "exact",
                                 "category": None}]
    write_doc(raw, "2022.json", d2022)

    lk, wh = tmp / "lake", tmp / "warehouse.duckdb"
    lake.ingest(lk, [raw], parse=_poison_parse)
    _models_built(warehouse.build_warehouse(lk, wh))
    # corrections at the bounds (the parser's: 10^12 is the most a cell may hold) and past them
    rid = one(wh, "SELECT report_id FROM reports WHERE year = 2022")
    (tmp / "corrections.csv").write_text(
        "report_id,org,year,table,key,value,parsed_value,reason,evidence,author,created_at\n"
        f"{rid},高安市八景镇,2022,applications,new_received/commercial,1e12,0,at the bound,p.1,test,\n"
        f"{rid},高安市八景镇,2022,reviews_litigation,review/corrected,1e30,-5,past the bound,p.1,test,\n"
        f"{rid},高安市八景镇,2022,active_disclosure,fees/fee_amount,-1e12,1e30,negative money,p.1,test,\n",
        encoding="utf-8")
    result = warehouse.build_warehouse(lk, wh)
    assert result.mode == warehouse.INCREMENTAL
    _models_built(result)
    return wh, lk


def test_a_correction_is_held_to_the_parsers_bounds(poisoned: tuple[Path, Path]) -> None:
    wh, _ = poisoned
    assert rows(wh, "SELECT key, status FROM correction_status ORDER BY line") == [
        ("new_received/commercial", "applied"), ("review/corrected", "invalid"), ("fees/fee_amount", "invalid")]
    assert one(wh, "SELECT value_std FROM stg_applications WHERE year = 2022 AND outcome = 'new_received' "
                   "AND applicant = 'commercial'") == 1e12


def test_every_model_builds_on_extreme_values(poisoned: tuple[Path, Path]) -> None:
    wh, lk = poisoned
    models = warehouse.load_models()
    # The fake parser writes no section 五 statements: the models built on them are empty, not broken.
    no_input = {"problem_statements", "statement_terms", "statement_themes", "statement_idf"}
    for name in warehouse.model_order(models):
        if set(models[name].deps) & no_input:
            no_input.add(name)
            assert one(wh, f"SELECT count(*) FROM {name}") == 0, name
        else:
            assert one(wh, f"SELECT count(*) FROM {name}") > 0, name
    assert one(wh, "SELECT count(*) FROM report_indicators WHERE org = '高安市八景镇'") == 2
    # the checks a run ends with read the same tables
    assert {o.name for o in warehouse.run_checks(wh, lk)} >= {"balance_rule", "lake_rows_match"}


def test_the_values_are_there_as_the_lake_holds_them(poisoned: tuple[Path, Path]) -> None:
    wh, _ = poisoned
    got = one(wh, """SELECT applications_carried_over, applications_new, granted, applications_processed,
                            share_granted, normative_documents_issued, normative_documents_in_force,
                            rules_issued, fees_yuan, proactive_items_prose, review_cases, review_corrected,
                            share_review_corrected
                     FROM report_indicators WHERE org = '高安市八景镇' AND year = 2022""")
    # the review total is derived from its parts, in whole numbers: 9e18 - 5 exactly
    cases = 9 * 10**18 - 5
    assert got[:8] + got[9:] == (1e15, -5, 9e18, 0, None, -5, 1e15, 1e19, 9e18, cases, -5, -5 / cases)
    assert got[8] == pytest.approx(1e34)  # 1e30 万元 in yuan
    # a share of nothing processed is NULL, not a division error or inf
    assert one(wh, """SELECT count(*) FROM report_indicators
                      WHERE isinf(share_granted) OR isnan(share_granted)""") == 0
    change = one(wh, """SELECT previous_value, value, change FROM yearly_comparison WHERE scope = 'body'
                        AND indicator = 'normative_documents_in_force' AND year = 2022""")
    assert change == (1e30, 1e15, 1e15 - 1e30)
    county = one(wh, """SELECT value FROM region_year_indicators WHERE level = 'county' AND year = 2022
                        AND indicator = 'granted'""")
    assert county == 9e18


def test_cross_year_findings_print_any_number(poisoned: tuple[Path, Path]) -> None:
    wh, _ = poisoned
    details = dict(rows(wh, """SELECT field, detail FROM quality_issues WHERE org = '高安市八景镇' AND year = 2022
                               AND origin = 'cross_document'"""))
    assert details["carried_over/natural_person"] == \
        "1e+15 carried over from 2021, but the 2021 report carried forward 9e+18 (natural_person)"
    assert details["carried_over/commercial"] == \
        "0 carried over from 2021, but the 2021 report carried forward -5 (commercial)"
    assert details["normative_documents/in_force"].startswith("1e+30 in force at the end of 2021 + -5 issued")
    assert details["rules/in_force"] == ("1e+19 in force at the end of 2021 + 1e+19 issued - 0 repealed = 2e+19, "
                                         "but the report says 0 in force")


def test_readings_that_are_no_numbers_choose_nothing(poisoned: tuple[Path, Path]) -> None:
    wh, _ = poisoned
    got = one(wh, """SELECT value, value_std, value_source FROM stg_active_disclosure
                     WHERE item = 'rules' AND measure = 'repealed' AND year = 2021""")
    assert got == (None, None, None)


# --- the parser: a 20-digit cell and a negative count -------------------------------------------

def _poisoned_report(year: int = 2023) -> str:
    table3 = list(docs.TABLE3_2021)
    assert table3[1][0].startswith("二、上年结转")
    table3[1] = (table3[1][0], [TWENTY_DIGITS, "0", "0", "0", "0", "0", TWENTY_DIGITS])
    table4 = list(docs.TABLE4)
    table4[1] = "-5"  # review, corrected
    return docs.report("tab", title=[f"某某镇人民政府{year}年政府信息公开工作年度报告"], table3=table3, table4=table4)


def _issue(parsed, field: str) -> dict:
    found = [i for i in parsed.records["issues"] if i["field"] == field]
    assert len(found) == 1, found
    return found[0]


def test_a_twenty_digit_cell_and_a_negative_count_are_null_with_value_implausible() -> None:
    text = _poisoned_report()
    parsed = parse_report(text.encode("utf-8"), "poisoned.txt")
    lines = text.splitlines()

    apps = parsed.applications.set_index(["outcome", "applicant"])
    for applicant in ("natural_person", "total"):
        assert apps.loc[("carried_over", applicant), "value"] is pd.NA
        assert apps.loc[("carried_over", applicant), "raw"] == TWENTY_DIGITS
    assert apps.loc[("carried_over", "commercial"), "value"] == 0
    assert apps.loc[("new_received", "total"), "value"] == 4  # the rest of the table as printed

    issue = _issue(parsed, "carried_over/natural_person")
    assert issue["code"] == "value_implausible" and issue["table"] == "applications"
    assert TWENTY_DIGITS in issue["detail"] and "10^12" in issue["detail"]
    assert TWENTY_DIGITS in lines[issue["line"] - 1]
    assert issue["location"] == f"line {issue['line']}"
    assert _issue(parsed, "carried_over/total")["code"] == "value_implausible"

    t4 = parsed.reviews_litigation.set_index(["proceeding", "result"])
    assert t4.loc[("review", "corrected"), "value"] is pd.NA
    assert t4.loc[("review", "corrected"), "raw"] == "-5"
    assert t4.loc[("review", "upheld"), "value"] == 1
    issue = _issue(parsed, "review/corrected")
    assert issue["code"] == "value_implausible" and issue["table"] == "reviews_litigation"
    assert "'-5'" in issue["detail"] and "negative" in issue["detail"]
    assert "-5" in lines[issue["line"] - 1]

    # NULL for the checks too: no balance or total finding quotes the number
    codes = parsed.issue_codes()
    assert codes.count("value_implausible") == 3
    assert not any(TWENTY_DIGITS[:10] in i["detail"] for i in parsed.records["issues"]
                   if i["code"] != "value_implausible")
    assert "balance_mismatch" not in codes and "review_total_mismatch" not in codes
    # ogi parse --json: the value is null, the issue is listed
    js = parsed.to_json()
    assert [a["value"] for a in js["applications"] if a["outcome"] == "carried_over"][0] is None
    assert sum(i["code"] == "value_implausible" for i in js["issues"]) == 3


def test_only_the_2019_change_column_may_be_negative() -> None:
    path = next(SAMPLES.glob("003_*.txt"))  # a 2019-template report, one cell per line
    lines = path.read_bytes().decode("utf-8").split("\n")
    parsed = parse_report(path.read_bytes(), str(path))
    t2 = parsed.active_disclosure.set_index(["item", "measure"])
    change_line = int(t2.loc[("licensing", "change"), "line"])
    decisions_line = int(t2.loc[("penalty", "decisions"), "line"])
    big_line = int(t2.loc[("procurement", "procurement_amount"), "line"])
    lines[change_line - 1] = lines[change_line - 1].replace("0", "-3")
    lines[decisions_line - 1] = lines[decisions_line - 1].replace("0", "-2")
    lines[big_line - 1] = lines[big_line - 1].replace("63365", "1000000000001")
    parsed = parse_report("\n".join(lines).encode("utf-8"), "003_edited.txt")
    t2 = parsed.active_disclosure.set_index(["item", "measure"])
    assert t2.loc[("licensing", "change"), "value"] == -3  # 本年增/减: a fall is a number
    assert t2.loc[("penalty", "decisions"), "value"] is pd.NA
    assert t2.loc[("penalty", "decisions"), "raw"] == "-2"
    assert t2.loc[("procurement", "procurement_amount"), "value"] is pd.NA
    assert t2.loc[("procurement", "procurement_amount"), "raw"] == "1000000000001元"
    implausible = {i["field"]: i["line"] for i in parsed.records["issues"] if i["code"] == "value_implausible"}
    assert implausible == {"penalty/decisions": decisions_line, "procurement/procurement_amount": big_line}


def test_the_parsed_report_goes_through_lake_and_warehouse(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    # last year's report of the same body, so the cross-year checks read the poisoned cells
    (raw / "2022.txt").write_text(docs.report("tab", title=["某某镇人民政府2022年政府信息公开工作年度报告"]),
                                  encoding="utf-8")
    (raw / "2023.txt").write_text(_poisoned_report(2023), encoding="utf-8")
    staged, _ = lake.ingest(tmp_path / "lake", [raw], parse=parse_report)
    assert staged.n_parsed == 2
    wh = tmp_path / "warehouse.duckdb"
    _models_built(warehouse.build_warehouse(tmp_path / "lake", wh))
    got = rows(wh, """SELECT table_name, field, line IS NOT NULL FROM quality_issues
                      WHERE code = 'value_implausible' ORDER BY field""")
    assert got == [("applications", "carried_over/natural_person", True),
                   ("applications", "carried_over/total", True), ("reviews_litigation", "review/corrected", True)]
    assert one(wh, """SELECT value, raw FROM applications WHERE outcome = 'carried_over'
                      AND applicant = 'total' AND year = 2023""") == (None, TWENTY_DIGITS)
    assert one(wh, "SELECT applications_carried_over FROM report_indicators WHERE year = 2023") is None
    assert one(wh, "SELECT applications_new FROM report_indicators WHERE year = 2023") == 4
    status, reason = one(wh, "SELECT status, reason FROM ingest_log WHERE path LIKE '%2023.txt'")
    assert status == "parsed_with_issues" and "value_implausible x3" in reason


# --- old Mac line ends -----------------------------------------------------------------------------

@pytest.mark.parametrize("path", sorted(SAMPLES.glob("*.txt")), ids=lambda p: p.name[:3])
def test_cr_only_line_ends_read_like_the_original(path: Path) -> None:
    original = path.read_bytes()
    cr_only = original.replace(b"\r\n", b"\n").replace(b"\n", b"\r")
    assert b"\n" not in cr_only
    a = parse_report(original, path.name)
    b = parse_report(cr_only, path.name)
    for table in ("active_disclosure", "applications", "reviews_litigation", "narrative_facts", "issues"):
        left = a.frames[table].drop(columns="report_id")
        right = b.frames[table].drop(columns="report_id")
        assert left.equals(right), table  # the same figures, on the same lines
    assert b.report["n_lines"] == a.report["n_lines"]
    assert {k: b.report[k] for k in ("title", "org", "year")} == {k: a.report[k] for k in ("title", "org", "year")}


def test_line_ends_of_every_kind_keep_editor_line_numbers() -> None:
    from pipeline.read.text import read

    doc_ = read("一\r二\r\n三\n\n四\r\r五".encode("utf-8"))
    assert [b.text for b in doc_.blocks] == ["一", "二", "三", "", "四", "", "五"]
    assert [b.loc.line for b in doc_.blocks] == list(range(1, 8))


def test_a_count_past_int64_is_refused_with_its_column(tmp_path: Path) -> None:
    d = doc("000")
    d["applications"]["granted"] = [1e30, 0, 0, 0, 0, 0, 1e30]
    write_doc(tmp_path / "raw", "2022.json", d)
    staged = lake.stage_new_reports(tmp_path / "lake", lake.scan_raw([tmp_path / "raw"]), parse=fake_parse)
    assert staged.n_parsed == 0
    (name, why), = staged.rejected
    assert name.endswith("2022.json") and "applications.value" in why and "cannot hold" in why
