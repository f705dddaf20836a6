"""Smaller reliability cases: what a killed publish leaves, a full disk while staging, a corrected
report's file name, a report with CR-only line ends."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SAMPLES, rows
from pipeline.parse import parse_report
from pipeline.store import lake
from pipeline.store.lake import LakeWriteError
from pipeline.store.warehouse import build_warehouse

SEED = (SAMPLES / "000_8ae22ee27fc68654.txt").read_bytes()


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_copies_a_killed_publish_left_are_removed_by_the_next_publish(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_bytes(SEED)
    lake.ingest(tmp_path / "lake", [raw], parse=parse_report)
    stale = tmp_path / f"w.duckdb.tmp-{_dead_pid()}-0badc0de"
    stale.write_bytes(b"half a database")
    build_warehouse(tmp_path / "lake", tmp_path / "w.duckdb")
    assert not stale.exists()
    assert list(tmp_path.glob("w.duckdb.tmp-*")) == []


def test_a_full_disk_while_staging_names_the_file(tmp_path: Path, monkeypatch) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_bytes(SEED)

    def full(table, where, **kw):
        raise OSError("Error writing bytes to file. Detail: [errno 28] No space left on device")

    monkeypatch.setattr(lake.pq, "write_table", full)
    with pytest.raises(LakeWriteError, match=r"cannot write .*_staging.*\.tmp/reports\.parquet"):
        lake.stage_new_reports(tmp_path / "lake", lake.scan_raw([raw]), parse=parse_report)
    assert not (tmp_path / "lake" / "_staging").exists()


def test_a_corrected_report_keeps_one_ingest_log_row_for_its_path(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "report.txt").write_bytes(SEED)
    lake.ingest(tmp_path / "lake", [raw], parse=parse_report)
    (raw / "report.txt").write_bytes(SEED.replace("459条".encode(), "460条".encode()))  # the body corrects it
    lake.ingest(tmp_path / "lake", [raw], parse=parse_report)
    build_warehouse(tmp_path / "lake", tmp_path / "w.duckdb")
    got = rows(tmp_path / "w.duckdb", "SELECT path, sha256 FROM ingest_log")
    assert len(got) == 1
    assert got[0][1] == lake.sha256_of(raw / "report.txt")  # as the file is now


def test_a_report_with_cr_only_line_ends_reads_like_the_original() -> None:
    original = parse_report(SEED, "lf.txt")
    old_mac = parse_report(SEED.replace(b"\r\n", b"\n").replace(b"\n", b"\r"), "cr.txt")
    values = lambda p: [(r["outcome"], r["applicant"], r["value"]) for r in p.records["applications"]]  # noqa: E731
    assert values(old_mac) == values(original)
    assert old_mac.report["year"] == 2022


def _slow_or_greedy(raw: bytes, source: str):
    import time

    if source.endswith("slow.txt"):
        time.sleep(600)  # a parse that never ends (a catastrophic pattern, say)
    if source.endswith("greedy.txt"):
        hog = bytearray(4 * 2**30)  # 4 GB: far past the file's memory budget
        hog[-1] = 1
    return parse_report(raw, source)


def test_a_file_past_its_time_or_memory_budget_is_crashed_and_the_run_goes_on(tmp_path: Path) -> None:
    from pipeline.store.budget import Budget

    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "slow.txt").write_bytes(SEED)
    (raw / "greedy.txt").write_bytes(SEED.replace(b"2022", b"2021"))
    (raw / "fine.txt").write_bytes(SEED.replace(b"2022", b"2020"))
    staged, _ = lake.ingest(tmp_path / "lake", [raw], parse=_slow_or_greedy, budget=Budget(seconds=3, memory_mb=256))
    build_warehouse(tmp_path / "lake", tmp_path / "w.duckdb")
    got = {Path(p).name: (s, r) for p, s, r in rows(tmp_path / "w.duckdb", "SELECT path, status, reason FROM ingest_log")}
    assert got["slow.txt"] == ("crashed", "took longer than 3 s to parse; stopped, tried again next run")
    assert got["greedy.txt"] == ("crashed", "needed more than 256 MB of memory to parse; tried again next run")
    assert got["fine.txt"][0].startswith("parsed")


def test_a_newer_parser_reads_again_what_an_older_one_read_without_duplicates(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "kept.txt").write_bytes(SEED)
    (raw / "gone.txt").write_bytes(SEED.replace(b"2022", b"2021"))

    def old_parser(data: bytes, source: str):
        parsed = parse_report(data, source)
        parsed.records["reports"][0]["org"] = "read by the old parser"
        return parsed

    lake.ingest(tmp_path / "lake", [raw], parse=old_parser, parser_version="2026.1.0+old")
    (raw / "gone.txt").unlink()  # its raw file is gone before the upgrade
    staged, _ = lake.ingest(tmp_path / "lake", [raw], parse=parse_report, parser_version="2026.12.1+new")
    assert (staged.n_reparsed, staged.n_parsed) == (1, 1)
    build_warehouse(tmp_path / "lake", tmp_path / "w.duckdb")
    db = tmp_path / "w.duckdb"
    got = dict(rows(db, "SELECT regexp_extract(source_path, '[^/]+$'), org FROM reports"))
    assert got == {"kept.txt": "高安市八景镇", "gone.txt": "read by the old parser"}  # one row each, no duplicate
    assert rows(db, "SELECT count(*) FROM applications JOIN reports USING (report_id) "
                    "WHERE source_path LIKE '%kept.txt'")[0][0] == 175  # 25 rows x 7 columns, once
    versions = dict(rows(db, "SELECT regexp_extract(source_path, '[^/]+$'), parser_version FROM source_files"))
    assert versions == {"kept.txt": "2026.12.1+new", "gone.txt": "2026.1.0+old"}
    # nothing more to read again on the next run
    staged, _ = lake.ingest(tmp_path / "lake", [raw], parse=parse_report, parser_version="2026.12.1+new")
    assert (staged.n_reparsed, staged.n_parsed) == (0, 0)


def test_build_info_names_the_parser_commit_and_gazetteer(tmp_path: Path) -> None:
    from pipeline.parse import parser_version

    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_bytes(SEED)
    lake.ingest(tmp_path / "lake", [raw], parse=parse_report)
    build_warehouse(tmp_path / "lake", tmp_path / "w.duckdb")
    version, as_of = rows(tmp_path / "w.duckdb", "SELECT parser_version, CAST(gazetteer_as_of AS VARCHAR) FROM build_info")[0]
    assert version == parser_version() and as_of == "2025-12-31"  # data/reference/README.md: as of 2025-12-31
