"""A raw folder full of what scrapers and conversions really deliver: every file gets an outcome
in ingest_log, the good reports all reach the warehouse, and nothing is duplicated."""
from __future__ import annotations

import codecs
from pathlib import Path

import pytest

import docs
from conftest import SAMPLES, rows
from pipeline.parse import parse_report
from pipeline.store import lake
from pipeline.store.warehouse import build_warehouse
from test_hostile_parser import NEWS, OLD_2015

SEED000 = (SAMPLES / "000_8ae22ee27fc68654.txt").read_bytes()
SEED001 = (SAMPLES / "001_ba2450cc1c30b59a.txt").read_bytes()
SEED003 = (SAMPLES / "003_d0913d7d57e43191.txt").read_bytes()
TEXT000 = SEED000.decode("utf-8")


def _report(org: str, year: int, layout: str = "tab") -> str:
    return docs.report(layout, title=[f"{org}{year}年政府信息公开工作年度报告"])


# file name -> (bytes, expected status, words the reason must contain; None: no reason)
CASES: dict[str, tuple[bytes, str, str | None]] = {
    "empty.txt": (b"", "unreadable", "empty file"),
    "photo.txt": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "unreadable", "binary"),
    "archive.txt": (b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(range(256)) * 4, "unreadable", "binary"),
    "report.pdf.txt": (b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nstream\n" + bytes(range(256)) * 4,
                       "unreadable", "PDF"),
    "gbk.txt": (_report("靖安县双溪镇", 2022).encode("gbk"), "parsed", None),
    "gb18030.txt": (_report("靖安县高湖镇", 2022).encode("gb18030"), "parsed", None),
    "utf16-bom.txt": (_report("靖安县璪都镇", 2022).encode("utf-16"), "parsed", None),
    "utf16-no-bom.txt": (_report("靖安县仁首镇", 2022).encode("utf-16-le"), "parsed", None),
    "utf8-bom.txt": (codecs.BOM_UTF8 + _report("靖安县香田乡", 2022).encode(), "parsed", None),
    "mixed bytes.txt": (SEED001.replace("我镇".encode(), "我镇".encode("gbk")), "parsed", None),
    "truncated.txt": (TEXT000[:TEXT000.index("3.危及")].encode(), "parsed_with_issues", "table_missing"),
    "huge.txt": (SEED003 + b"\n" + b"x" * (50 * 1024 * 1024), "not_a_report", "too large"),  # 50 MB
    "annual 2015.txt": (OLD_2015.encode(), "not_a_report", "pre-2019 format"),
    "news.html": (NEWS.encode(), "not_a_report", "not an annual report"),
    "two bodies.txt": (_report("靖安县中源乡", 2021).encode() + b"\n" + _report("靖安县水口乡", 2021).encode(),
                       "parsed_with_issues", "multiple_reports"),
    "报告 目录/官坡镇 2023 年 报告.txt": (SEED001, "parsed", None),
    "copy of 官坡镇.txt": (SEED001, "parsed", None),
    "quote'; DROP TABLE reports; --.txt": (_report("靖安县三爪仑乡", 2022).encode(), "parsed", None),
}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp("bad files")
    raw = root / "raw folder"
    for name, (content, _, _) in CASES.items():
        path = raw / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    staged, committed = lake.ingest(root / "lake", [raw], parse=parse_report)
    build_warehouse(root / "lake", root / "warehouse.duckdb")
    return root, raw, staged, committed


def test_every_file_has_an_outcome_with_its_reason(run):
    root, raw, _, _ = run
    # recorded relative to the raw folder, with the folder's name in front
    log = {Path(p).relative_to(raw.name).as_posix(): (status, reason)
           for p, status, reason in rows(root / "warehouse.duckdb", "SELECT path, status, reason FROM ingest_log")}
    assert set(log) == set(CASES)
    for name, (_, status, words) in CASES.items():
        got_status, reason = log[name]
        assert got_status == status, (name, log[name])
        if words is not None:
            assert words in reason, (name, reason)


def test_the_same_bytes_under_two_names_are_one_document(run):
    root, raw, _, _ = run
    got = rows(root / "warehouse.duckdb", """SELECT path, same_as, reason, report_id FROM ingest_log
                                             WHERE path LIKE '%官坡镇%' ORDER BY same_as NULLS FIRST""")
    (first, none, _, id1), (second, same_as, reason, id2) = got
    assert none is None and same_as == first and id1 == id2
    assert reason == f"same bytes as {first}: one document"


def test_the_good_reports_are_all_in_the_warehouse_once(run):
    root, _, staged, committed = run
    db = root / "warehouse.duckdb"
    parsed = {n for n, (_, status, _) in CASES.items() if status.startswith("parsed")}
    distinct_contents = len({CASES[n][0] for n in parsed})
    assert rows(db, "SELECT count(*), count(DISTINCT report_id) FROM reports") == [(distinct_contents,) * 2]
    assert committed.n_reports == distinct_contents
    orgs = {r[0] for r in rows(db, "SELECT org FROM reports")}
    assert {"靖安县双溪镇", "靖安县高湖镇", "靖安县璪都镇", "靖安县仁首镇", "靖安县香田乡", "官坡镇人民政府",
            "靖安县三爪仑乡", "高安市八景镇", "靖安县中源乡"} <= orgs


def test_a_file_name_is_data_never_sql_or_a_path(run):
    root, raw, _, _ = run
    db = root / "warehouse.duckdb"
    name = "raw folder/quote'; DROP TABLE reports; --.txt"
    assert rows(db, "SELECT status FROM ingest_log WHERE path = ?", [name]) == [("parsed",)]
    assert rows(db, "SELECT count(*) FROM reports")[0][0] > 0
    # Nothing was written outside the lake and the warehouse.
    assert {p.name for p in root.iterdir()} <= {"raw folder", "lake", "warehouse.duckdb", "warehouse.work.duckdb",
                                                "warehouse.duckdb.tmp.lock"}


def test_encodings_are_recorded(run):
    root, _, _, _ = run
    encodings = dict(rows(root / "warehouse.duckdb", "SELECT org, encoding FROM reports"))
    assert encodings["靖安县双溪镇"] == "gb18030"
    assert encodings["靖安县璪都镇"] == "utf-16"
    assert encodings["靖安县仁首镇"] == "utf-16-le"
    assert encodings["靖安县香田乡"] == "utf-8-sig"
    assert "replaced" in encodings["官坡镇人民政府"] or encodings["官坡镇人民政府"] == "utf-8"


def test_a_second_run_changes_nothing_and_parses_nothing(run):
    root, raw, _, _ = run
    db = root / "warehouse.duckdb"
    before = rows(db, "SELECT (SELECT count(*) FROM reports), (SELECT count(*) FROM ingest_log), "
                      "(SELECT count(*) FROM applications)")
    staged, committed = lake.ingest(root / "lake", [raw], parse=parse_report)
    build_warehouse(root / "lake", db)
    assert staged.n_parsed == 0 and staged.n_rejected == 0 and committed.n_reports == 0
    assert rows(db, "SELECT (SELECT count(*) FROM reports), (SELECT count(*) FROM ingest_log), "
                    "(SELECT count(*) FROM applications)") == before


def test_a_file_that_cannot_be_read_now_is_retried(tmp_path, monkeypatch):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_bytes(SEED001)
    files = lake.scan_raw([raw])
    (raw / "a.txt").write_bytes(SEED001 + b"\n")  # still being written by a scraper
    lake.stage_new_reports(tmp_path / "lake", files, parse=parse_report)
    lake.commit_staged(tmp_path / "lake")
    m = lake.read_manifest(tmp_path / "lake")
    assert list(m["status"]) == ["crashed"] and "changed while" in m["error"][0]
    staged, _ = lake.ingest(tmp_path / "lake", [raw], parse=parse_report)  # next run: the file is complete now
    assert staged.n_parsed == 1
