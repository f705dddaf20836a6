"""Corrections as data (pipeline/store/corrections.py, sql/correction_status.sql, `ogi correct`).

Seed 000 is 高安市八景镇's 2022 report: its prose says 我镇共收到政府信息公开申请1件 while table 3
prints 0 new applications (一、本年新收 总计 0, line 96 of the text). A person who checked would
correct the table; the tests do, and follow the correction through the warehouse, `ogi show` and
the export, then change the raw file and see the correction go stale.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import SAMPLES, ogi_run_on, one, rows
from pipeline.cli import main
from pipeline.store import corrections

SEED_000 = "000_8ae22ee27fc68654.txt"
BODY = ["高安市八景镇", "2022"]


def _run(root: Path) -> None:
    assert main(["run", "--root", str(root), "--no-dagster-record"]) == 0


def _correct(root: Path, *args: str) -> int:
    return main(["correct", *BODY, "--db", str(root / "data" / "warehouse.duckdb"), *args])


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    ogi_run_on(tmp_path, [SAMPLES / SEED_000])
    return tmp_path


def test_a_correction_is_applied_shown_exported_then_stale_when_the_raw_changes(root: Path, capsys) -> None:
    wh = root / "data" / "warehouse.duckdb"
    rid = one(wh, "SELECT report_id FROM reports")
    assert one(wh, "SELECT status FROM check_results WHERE rule_id = 'prose_applications_received' "
                   "AND report_id = ?", [rid]) == "fail"  # prose 1, table 0

    assert _correct(root, "--table", "applications", "--key", "new_received/total", "--value", "1",
                    "--reason", "the prose counts 1 application received", "--evidence", "report p.1, 一（二）",
                    "--by", "tester") == 0
    written = corrections.read_rows(root / "data" / "corrections.csv")
    assert [(r[1], r[3], r[4], r[5], r[6], r[7], r[10]) for r in written] == [
        (rid, 2022, "applications", "new_received/total", 1.0, 0.0, "tester")]

    capsys.readouterr()
    _run(root)
    assert "ogi: corrections: 1 applied\n" in capsys.readouterr().out
    assert rows(wh, "SELECT status, value, parsed_value_now FROM correction_status") == [("applied", 1.0, 0.0)]
    assert rows(wh, "SELECT value, value_std, value_source FROM stg_applications WHERE report_id = ? "
                    "AND outcome = 'new_received' AND applicant = 'total'", [rid]) == [(0, 1, "correction")]
    assert one(wh, "SELECT applications_new FROM report_indicators WHERE report_id = ?", [rid]) == 1
    assert one(wh, "SELECT status FROM check_results WHERE rule_id = 'prose_applications_received' "
                   "AND report_id = ?", [rid]) == "pass"
    assert rows(wh, "SELECT code, field FROM quality_issues WHERE origin = 'correction'") == [
        ("value_corrected", "new_received/total")]

    capsys.readouterr()
    assert main(["show", rid, "--db", str(wh)]) == 0
    shown = capsys.readouterr().out
    assert "new_received/total" in shown and "0 → 1" in shown
    assert "✎ correction applied (corrections.csv line 2)" in shown
    assert "why: the prose counts 1 application received; evidence: report p.1, 一（二）; by tester" in shown

    from openpyxl import load_workbook

    from pipeline.export import export
    xlsx = next(p for p in export(wh, "宜春市", 2022, 2022, root / "out", ("xlsx",)))
    sheet = list(load_workbook(xlsx)["Quality issues"].iter_rows(values_only=True))
    head = list(sheet[0])
    assert ("value_corrected", "new_received/total") in {(r[head.index("code")], r[head.index("field")])
                                                           for r in sheet[1:]}

    # the body publishes its report again, edited: the correction was made for the old bytes
    raw = root / "data" / "raw" / SEED_000
    raw.write_text(raw.read_text(encoding="utf-8") + "\n（本报告于2023年3月更正后重新发布。）\n", encoding="utf-8")
    _run(root)
    new_rid = one(wh, "SELECT report_id FROM stg_reports WHERE is_current")
    assert new_rid != rid
    status, detail = rows(wh, "SELECT status, detail FROM correction_status")[0]
    assert status == "stale" and (new_rid in detail or "no longer in the warehouse" in detail)
    assert rows(wh, "SELECT value_std, value_source FROM stg_applications WHERE report_id = ? "
                    "AND outcome = 'new_received' AND applicant = 'total'", [new_rid]) == [(0, "printed")]
    assert rows(wh, "SELECT code FROM quality_issues WHERE origin = 'correction'") == [("correction_stale",)]
    capsys.readouterr()
    assert main(["show", new_rid, "--db", str(wh)]) == 0
    assert "✎ correction stale applications/new_received/total (corrections.csv line 2)" in capsys.readouterr().out
    # and the export of the region lists it beside the new document's issues
    xlsx = next(p for p in export(wh, "宜春市", 2022, 2022, root / "out2", ("xlsx",)))
    sheet = list(load_workbook(xlsx)["Quality issues"].iter_rows(values_only=True))
    head = list(sheet[0])
    assert [(r[head.index("code")], r[head.index("related_report_id")]) for r in sheet[1:]
            if r[head.index("code")].startswith("correction")] == [("correction_stale", new_rid)]


def test_a_correction_goes_stale_when_the_parser_reads_the_cell_otherwise(root: Path) -> None:
    wh = root / "data" / "warehouse.duckdb"
    rid = one(wh, "SELECT report_id FROM reports")
    # made when the parser read 7 in the cell that it reads as 0 now (a parser upgrade did that)
    (root / "data" / "corrections.csv").write_text(
        ",".join(corrections.CSV_COLUMNS) + "\n"
        f"{rid},高安市八景镇,2022,applications,new_received/total,1,7,r,e,tester,2026-12-01T10:00:00Z\n",
        encoding="utf-8")
    _run(root)
    assert rows(wh, "SELECT status, detail FROM correction_status") == [
        ("stale", "made when the parser read 7; it now reads 0: look again before applying it")]
    assert one(wh, "SELECT value_source FROM stg_applications WHERE report_id = ? AND outcome = 'new_received' "
                   "AND applicant = 'total'", [rid]) == "printed"


def test_ogi_correct_refuses_what_cannot_be_a_correction(root: Path, capsys) -> None:
    base = ["--reason", "r", "--evidence", "e"]
    cases = [
        (["--table", "applications", "--key", "new_received/totl", "--value", "1"],
         "applications new_received/totl is no cell in report"),
        (["--table", "applications", "--key", "new_received/total", "--value", "0"],
         "the parser reads new_received/total as 0 already"),
        (["--table", "applications", "--key", "granted/total", "--value", "2.5"],
         "a fraction, in a table that counts applications or cases"),
        (["--table", "reviews_litigation", "--key", "review/total", "--value", "1e13"],
         "beyond any count or amount a report holds"),
    ]
    for args, message in cases:
        capsys.readouterr()
        assert _correct(root, *args, *base) == 2, args
        assert message in capsys.readouterr().err, args
    assert not (root / "data" / "corrections.csv").exists()  # nothing written


def test_rows_that_cannot_be_used_are_kept_as_invalid_and_a_wrong_header_stops(tmp_path: Path) -> None:
    path = tmp_path / "corrections.csv"
    path.write_text(",".join(corrections.CSV_COLUMNS) + "\n"
                    ",高安市八景镇,2022,applications,new_received/total,abc,0,r,e,me,\n"
                    "\n"
                    "x,,twenty,tables,total,5,,r,e,me,yesterday\n", encoding="utf-8")
    got = corrections.read_rows(path)
    assert [(line, problem) for line, *_, problem in got] == [
        (2, "value 'abc' is not a number; no report_id (the document the correction was made for: "
            "`ogi correct` fills it)"),
        (4, "year 'twenty' is not a year; created_at 'yesterday' is not a date and time (ISO 8601); "
            "table 'tables' is not one of applications, active_disclosure, reviews_litigation; "
            "key 'total' is not row/column (new_received/total)")]
    path.write_text("report,value\nx,1\n", encoding="utf-8")
    with pytest.raises(corrections.CorrectionsFileError, match="the header lacks report_id, org, year, table, key"):
        corrections.read_rows(path)
