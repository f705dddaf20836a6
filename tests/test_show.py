"""`ogi show REPORT`: a report's values beside the lines they came from, read from the warehouse.

Expected values are read from data/samples/000_8ae22ee27fc68654.txt as a person would: its title
names 高安市八景镇 and 2022; under 行政规范性文件 (line 32) it prints 6, 0 and 43 on lines 33-35
(issued, repealed, in force); table 3's row （七）总计 stands alone on line 337 and only six
numbers follow it (lines 338-343), so its total cell is missing.
"""
from __future__ import annotations

import hashlib
import json
import unicodedata
from pathlib import Path

import pytest

from conftest import SAMPLES, one
from pipeline.cli import main
from pipeline.parse import parse_report
from pipeline.store import lake, scan
from pipeline.store.warehouse import build_warehouse

SAMPLE = SAMPLES / "000_8ae22ee27fc68654.txt"
SAMPLE_ID = hashlib.sha256(SAMPLE.read_bytes()).hexdigest()[:16]
FILE_LINES = SAMPLE.read_text(encoding="utf-8").split("\n")


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("show")
    lake.ingest(root / "lake", [SAMPLES.resolve()], parse=parse_report)  # an absolute raw folder
    build_warehouse(root / "lake", root / "w.duckdb")
    return root / "w.duckdb"


def _show(capsys: pytest.CaptureFixture[str], db: Path, *report: str, fmt: str = "table") -> tuple[int, str, str]:
    status = main(["show", *report, "--db", str(db), "--format", fmt])
    out, err = capsys.readouterr()
    return status, out, err


def _value_line(out: str, key: str) -> str:
    (line,) = [x for x in out.splitlines() if x.split(" ", 1)[0] == key]
    return line


def test_by_id_prints_identity_values_and_their_source_lines(db: Path, capsys) -> None:
    status, out, _ = _show(capsys, db, SAMPLE_ID)
    assert status == 0
    assert f"report    {SAMPLE_ID}" in out
    assert "body      高安市八景镇    year 2022    template 2021" in out
    assert "region    江西省 / 宜春市 / 高安市 / 八景镇  (township)" in out
    assert "source    samples/000_8ae22ee27fc68654.txt    format text (utf-8)" in out
    # 43 in force, on line 35, which prints just "43" (after a tab)
    assert FILE_LINES[34] == "\t43"
    assert _value_line(out, "normative_documents/in_force").split() == ["normative_documents/in_force", "43",
                                                                        "line", "35", "43", "43"]


def test_an_issue_is_printed_under_the_value_it_concerns(db: Path, capsys) -> None:
    _, out, _ = _show(capsys, db, SAMPLE_ID)
    lines = out.splitlines()
    at = lines.index(_value_line(out, "total_processed/total"))
    # no value, the label line 337 as printed (full-width brackets read as ASCII ones), the issue below
    assert lines[at].split() == ["total_processed/total", "∅", "line", "337", "∅", "(七)总计"]
    assert lines[at + 1].strip() == "! cell_missing (line 337): 6 of 7 cells follow the label at line 337"
    # an issue about a whole column is among the report's other issues, with its line
    other = lines[lines.index("Other issues: 1"):]
    assert other[1].strip().startswith("! balance_mismatch applications/natural_person (line 337): ")
    assert other[2].strip() == "line 337: (七)总计"


def test_json_keeps_the_source_line_as_read(db: Path, capsys) -> None:
    status, out, _ = _show(capsys, db, SAMPLE_ID, fmt="json")
    assert status == 0
    data = json.loads(out)
    assert data["report"]["source_path"] == "samples/000_8ae22ee27fc68654.txt"
    by_key = {r["key"]: r for r in data["tables"]["applications"]}
    total = by_key["total_processed/total"]
    assert (total["value"], total["line"], total["raw"]) == (None, 337, None)
    # the reader reads full-width characters and no-break spaces as their plain forms (NFKC)
    assert FILE_LINES[336] == "\t（七）总计"
    assert total["source_line"] == unicodedata.normalize("NFKC", FILE_LINES[336]) == "\t(七)总计"
    assert [(i["code"], i["field"]) for i in total["issues"]] == [("cell_missing", "total_processed/total")]
    natural = by_key["total_processed/natural_person"]
    assert (natural["value"], natural["line"], natural["source_line"]) == (1, 338, "\t 1")
    assert FILE_LINES[337] == "\t\xa01"
    in_force = {r["key"]: r for r in data["tables"]["active_disclosure"]}["normative_documents/in_force"]
    assert (in_force["value"], in_force["location"], in_force["source_line"]) == (43, "line 35", FILE_LINES[34])
    # the prose that table 3 contradicts is beside new_received/total, with its own line
    new_total = by_key["new_received/total"]
    (issue,) = new_total["issues"]
    assert issue["code"] == "narrative_table_mismatch" and issue["line"] == 11
    assert issue["source_line"] == unicodedata.normalize("NFKC", FILE_LINES[10])
    assert "共收到政府信息公开申请1件" in issue["source_line"]


@pytest.mark.parametrize("report", [
    ["samples/000_8ae22ee27fc68654.txt"],  # the path as stored
    [str(SAMPLE)],  # the file on disk, found by its bytes
    ["高安市八景镇", "2022"],  # body and year as printed in the title
])
def test_the_same_report_by_path_and_by_body_and_year(db: Path, capsys, report: list[str]) -> None:
    _, by_id, _ = _show(capsys, db, SAMPLE_ID)
    status, out, err = _show(capsys, db, *report)
    assert (status, err) == (0, "")
    assert out == by_id


def test_only_the_lines_pointed_at_are_kept(db: Path) -> None:
    kept = one(db, "SELECT count(*) FROM source_lines WHERE report_id = ?", [SAMPLE_ID])
    pointed = one(db, """SELECT count(DISTINCT line) FROM (
                             SELECT report_id, line FROM active_disclosure UNION ALL SELECT report_id, line FROM applications
                             UNION ALL SELECT report_id, line FROM reviews_litigation
                             UNION ALL SELECT report_id, line FROM narrative_facts UNION ALL SELECT report_id, line FROM issues)
                         WHERE report_id = ? AND line IS NOT NULL""", [SAMPLE_ID])
    n_lines = one(db, "SELECT n_lines FROM reports WHERE report_id = ?", [SAMPLE_ID])
    assert kept == pointed and 0 < kept < n_lines
    assert one(db, "SELECT text FROM source_lines WHERE report_id = ? AND line = 35", [SAMPLE_ID]) == "\t43"


def test_an_unknown_report_exits_2_with_a_message(db: Path, capsys) -> None:
    for report, words in ((["0000000000000000"], "no report 0000000000000000"),
                          (["高安市八景镇", "2019"], "no report of 高安市八景镇 2019"),
                          (["高安市八景镇", "last"], "'last' is not a year")):
        status, out, err = _show(capsys, db, *report)
        assert (status, out) == (2, "")
        assert err.startswith("ogi: show: ") and words in err


def test_several_matches_are_listed_and_exit_2(db: Path, capsys) -> None:
    # three samples are 2022 reports of a town (镇): 000 高安市八景镇, 002 西华池镇人民政府, 004 因远镇
    status, out, err = _show(capsys, db, "镇", "2022")
    assert (status, out) == (2, "")
    assert "3 reports answer to 镇 2022" in err
    listed = sorted(x.split()[0] for x in err.splitlines()[1:])
    assert listed == sorted(hashlib.sha256((SAMPLES / name).read_bytes()).hexdigest()[:16] for name in
                            ("000_8ae22ee27fc68654.txt", "002_976608e17cd77bd0.txt", "004_7a0999e20e1424be.txt"))


def test_paths_are_recorded_relative_to_their_raw_folder(db: Path, tmp_path: Path) -> None:
    assert one(db, "SELECT source_path FROM source_files WHERE report_id = ?", [SAMPLE_ID]) \
        == "samples/000_8ae22ee27fc68654.txt"
    assert one(db, "SELECT count(*) FROM file_paths WHERE path = 'samples/000_8ae22ee27fc68654.txt'") == 1
    # two raw folders of the same name read together: each keeps a parent in front, so names stay unique
    for parent in ("a", "b"):
        (tmp_path / parent / "raw" / "2024").mkdir(parents=True)
        (tmp_path / parent / "raw" / "2024" / "x.txt").write_text(parent, encoding="utf-8")
    files = scan.scan_raw([tmp_path / "a" / "raw", tmp_path / "b" / "raw"])
    assert sorted(f.name for f in files) == ["a/raw/2024/x.txt", "b/raw/2024/x.txt"]
    # the inventory the Dagster parse step reads keeps both the name and the path that opens the file
    lake.write_inventory(tmp_path / "lake", files)
    back = lake.read_inventory(tmp_path / "lake")
    assert [(f.name, Path(f.path).read_text(encoding="utf-8")) for f in back] == [
        ("a/raw/2024/x.txt", "a"), ("b/raw/2024/x.txt", "b")]
