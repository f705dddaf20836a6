"""`ogi parse` and `ogi run` take every format by its content, whatever the file is called."""
from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from pipeline.cli import main
from pipeline.parse.template import load_template
from renderings import SEEDS, rendering, scanned_pdf, seed_model

# Each seed in another format, under a name that says nothing or the wrong thing about it.
FILES = {
    "a.txt": (SEEDS[0], "html"),  # a web page saved as .txt
    "b.bin": (SEEDS[1], "docx"),
    "c": (SEEDS[4], "pdf"),
    "d.html": (SEEDS[3], "pdf-split"),  # a PDF with a misleading extension
}


@pytest.fixture(scope="module")
def run_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("formats")
    raw = root / "data" / "raw"
    raw.mkdir(parents=True)
    for name, (seed, fmt) in FILES.items():
        (raw / name).write_bytes(rendering(seed, fmt))
    (raw / "scan.pdf").write_bytes(scanned_pdf())
    (raw / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 2048)
    assert main(["run", "--root", str(root)]) == 0
    return root


def _rows(root: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(root / "data" / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_ogi_run_reads_each_format_by_content(run_root: Path) -> None:
    got = dict(_rows(run_root, "SELECT regexp_extract(source_path, '[^/]+$'), format FROM reports"))
    assert got == {"a.txt": "html", "b.bin": "docx", "c": "pdf", "d.html": "pdf"}


def test_ogi_run_keeps_the_figures_of_every_format(run_root: Path) -> None:
    for name, (seed, _) in FILES.items():
        expected = seed_model(seed).expected
        t4 = {(p, r): v for p, r, v in _rows(run_root, f"""
            SELECT proceeding, result, value FROM reviews_litigation JOIN reports USING (report_id)
            WHERE source_path LIKE '%/{name}'""")}
        assert [t4[cell] for cell in load_template().table4_cells] == expected["reviews_litigation"], name
        if expected["applications"]:
            (total,) = _rows(run_root, f"""
                SELECT value FROM applications JOIN reports USING (report_id)
                WHERE source_path LIKE '%/{name}' AND outcome = 'total_processed' AND applicant = 'total'""")[0]
            assert total == expected["applications"]["total_processed"][6], name


def test_ogi_run_says_why_a_scan_and_an_old_word_file_were_not_read(run_root: Path) -> None:
    got = {path.rsplit("/", 1)[-1]: (status, reason) for path, status, reason in
           _rows(run_root, "SELECT path, status, reason FROM ingest_log")}
    assert got["scan.pdf"] == ("not_a_report", "scanned PDF, no text layer")
    assert got["old.doc"] == ("not_a_report", "Word 97-2003 .doc: save it as .docx")


def test_ogi_parse_json_reports_the_format_and_page(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = tmp_path / "report.txt"
    path.write_bytes(rendering(SEEDS[4], "pdf"))
    assert main(["parse", "--json", str(path)]) == 0
    obj = json.loads(capsys.readouterr().out)
    assert obj["source"]["format"] == "pdf"
    cell = next(r for r in obj["applications"] if r["outcome"] == "new_received" and r["applicant"] == "total")
    assert cell["value"] == seed_model(SEEDS[4]).expected["applications"]["new_received"][6]
    assert cell["page"] >= 1 and cell["location"].startswith(f"page {cell['page']}, table ")
