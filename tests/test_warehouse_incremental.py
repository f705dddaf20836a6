"""Warehouse builds that skip or do less: nothing changed, a few new reports, a report read again.

An incremental build must publish exactly what a full build of the same lake publishes: every
table is compared row for row with a forced full build into another file.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import duckdb

from _fake_parser import doc, set_measure, write_doc, write_seeds
from _fake_parser import parse as fake_parse
from conftest import REPO, one, rows
from pipeline.store import compact, lake, warehouse


def _ingest(lk: Path, raw: Path, version: str | None = None, parse=fake_parse) -> None:
    lake.ingest(lk, [raw], parse=parse, parser_version=version)


def _differences(a: Path, b: Path) -> dict[str, tuple[int, int]]:
    """Tables whose rows differ between two warehouse files (as multisets); build_info aside."""
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH '{a}' AS a (READ_ONLY)")
        con.execute(f"ATTACH '{b}' AS b (READ_ONLY)")

        def tables(db: str) -> set[str]:
            return {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = ?",
                                              [db]).fetchall()}

        names = tables("a")
        assert names == tables("b")
        diffs = {}
        for name in sorted(names - {warehouse.BUILD_INFO}):
            only_a = con.execute(f'SELECT count(*) FROM (FROM a."{name}" EXCEPT ALL FROM b."{name}")').fetchone()[0]
            only_b = con.execute(f'SELECT count(*) FROM (FROM b."{name}" EXCEPT ALL FROM a."{name}")').fetchone()[0]
            if only_a or only_b:
                diffs[name] = (only_a, only_b)
        return diffs
    finally:
        con.close()


def _full_build_of(lk: Path, tmp: Path) -> Path:
    other = tmp / "full" / "warehouse.duckdb"
    result = warehouse.build_warehouse(lk, other, force=True)
    assert result.mode == warehouse.FULL
    return other


def test_nothing_changed_publishes_nothing_until_something_does(tmp_path: Path) -> None:
    raw, lk, wh = tmp_path / "raw", tmp_path / "lake", tmp_path / "warehouse.duckdb"
    write_seeds(raw, ("000", "003"))
    _ingest(lk, raw)
    first = warehouse.build_warehouse(lk, wh)
    assert first.mode == warehouse.FULL and first.rows["reports"] == 2
    stamp = wh.stat()
    built_at = one(wh, "SELECT built_at FROM build_info")

    _ingest(lk, raw)  # a night with no new file: the path log's last_seen moves, nothing else
    said: list[str] = []
    again = warehouse.build_warehouse(lk, wh, progress=said.append)
    assert again.mode == warehouse.UNCHANGED and again.models == [] and again.built_at == built_at
    assert said == [f"warehouse: nothing changed since {built_at:%Y-%m-%d %H:%M:%S %Z}"]
    assert (wh.stat().st_ino, wh.stat().st_mtime_ns) == (stamp.st_ino, stamp.st_mtime_ns)  # not even copied

    forced = warehouse.build_warehouse(lk, wh, force=True)
    assert forced.mode == warehouse.FULL and wh.stat().st_ino != stamp.st_ino
    assert one(wh, "SELECT count(*) FROM reports") == 2

    # each input counts: a new file, a file gone from the folder, a changed model
    write_seeds(raw, ("001",))
    _ingest(lk, raw)
    assert warehouse.build_warehouse(lk, wh, max_incremental_share=0.9).mode == warehouse.INCREMENTAL
    (raw / "001.json").unlink()
    _ingest(lk, raw)
    assert warehouse.build_warehouse(lk, wh).mode == warehouse.INCREMENTAL  # 001's last_seen is now old
    assert warehouse.build_warehouse(lk, wh).mode == warehouse.UNCHANGED
    sql = tmp_path / "sql"
    shutil.copytree(REPO / "sql", sql)
    (sql / "coverage.sql").write_text((sql / "coverage.sql").read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert warehouse.build_warehouse(lk, wh, sql_dir=sql).mode == warehouse.INCREMENTAL


def test_new_reports_are_added_incrementally_and_equal_a_full_build(tmp_path: Path) -> None:
    raw, lk, wh = tmp_path / "raw", tmp_path / "lake", tmp_path / "warehouse.duckdb"
    write_seeds(raw, ("000", "003"))
    _ingest(lk, raw)
    warehouse.build_warehouse(lk, wh)

    write_seeds(raw, ("001", "002"))
    # a corrected 003: new bytes, the same body and year; the newest document wins
    write_doc(raw, "003_corrected.json", set_measure(doc("003"), "procurement", "procurement_amount", 70000, "元"))
    _ingest(lk, raw)
    result = warehouse.build_warehouse(lk, wh, max_incremental_share=0.9)
    assert result.mode == warehouse.INCREMENTAL and result.reports_loaded == 3
    assert one(wh, "SELECT count(*) FROM reports") == 5
    assert one(wh, "SELECT procurement_yuan FROM report_indicators WHERE org = '靖安县宝峰镇'") == 70000
    assert _differences(wh, _full_build_of(lk, tmp_path)) == {}


def test_a_report_read_again_by_a_newer_parser_replaces_its_rows(tmp_path: Path) -> None:
    raw, lk, wh = tmp_path / "raw", tmp_path / "lake", tmp_path / "warehouse.duckdb"
    write_seeds(raw, ("000", "001", "002", "003", "004"))

    def old_parser(data: bytes, source: str):
        parsed = fake_parse(data, source)
        parsed.records["reports"][0]["org"] = "read by the old parser"
        parsed.records["applications"] = parsed.records["applications"][:3]
        return parsed

    _ingest(lk, raw, version="1+old", parse=old_parser)
    warehouse.build_warehouse(lk, wh)
    assert one(wh, "SELECT count(*) FROM reports WHERE org = 'read by the old parser'") == 5

    # the upgrade reads one file a night (max_reparse): one report's rows replaced, no duplicate
    staged = lake.stage_new_reports(lk, lake.scan_raw([raw]), parse=fake_parse, parser_version="2+new",
                                    max_reparse=1)
    lake.commit_staged(lk)
    assert staged.n_reparsed == 1
    result = warehouse.build_warehouse(lk, wh, max_incremental_share=0.5)
    assert result.mode == warehouse.INCREMENTAL and result.reports_loaded == 1
    assert one(wh, "SELECT count(*) FROM reports") == 5
    assert one(wh, "SELECT count(*) FROM reports WHERE org = 'read by the old parser'") == 4
    new_id, path = one(wh, "SELECT report_id, source_path FROM reports WHERE org <> 'read by the old parser'")
    # its table 3 in full now (the old parser kept 3 cells), each cell once: 7 applicants per row
    n_cells = sum(min(len(v), 7) for v in doc(Path(path).stem)["applications"].values())
    assert n_cells > 3
    assert one(wh, "SELECT count(*) FROM applications WHERE report_id = ?", [new_id]) == n_cells
    assert _differences(wh, _full_build_of(lk, tmp_path)) == {}


def test_incremental_reads_compacted_partitions(tmp_path: Path) -> None:
    raw, lk, wh = tmp_path / "raw", tmp_path / "lake", tmp_path / "warehouse.duckdb"
    for name in ("000", "002", "004"):  # three nights, one 2022 report each: three files per partition
        write_seeds(raw, (name,))
        _ingest(lk, raw)
    warehouse.build_warehouse(lk, wh, compact_threshold=16)
    write_seeds(raw, ("001", "003"))
    _ingest(lk, raw)
    result = warehouse.build_warehouse(lk, wh, compact_threshold=2, max_incremental_share=0.9)
    assert "reports/year=2022" in result.compacted
    assert result.mode == warehouse.INCREMENTAL and result.reports_loaded == 2
    assert [p.name[:8] for p in (lk / "reports" / "year=2022").iterdir()] == ["compact-"]
    assert one(wh, "SELECT count(*) FROM reports") == 5
    assert _differences(wh, _full_build_of(lk, tmp_path)) == {}


def test_a_kept_working_file_from_other_code_is_not_updated_but_rebuilt(tmp_path: Path) -> None:
    raw, lk, wh = tmp_path / "raw", tmp_path / "lake", tmp_path / "warehouse.duckdb"
    write_seeds(raw, ("000",))
    _ingest(lk, raw)
    warehouse.build_warehouse(lk, wh)
    work = warehouse.working_path(wh)
    con = duckdb.connect(str(work))
    con.execute("UPDATE build_info SET built_from = json_object('code', 'other code')")
    con.execute("CREATE TABLE a_model_since_removed AS SELECT 1 AS x")
    con.close()
    write_seeds(raw, ("003",))
    _ingest(lk, raw)
    assert warehouse.build_warehouse(lk, wh).mode == warehouse.FULL
    assert one(wh, "SELECT count(*) FROM reports") == 2
    # a table no model makes any more does not survive an incremental build either
    con = duckdb.connect(str(work))
    con.execute("CREATE TABLE a_model_since_removed AS SELECT 1 AS x")
    con.close()
    write_seeds(raw, ("004",))
    _ingest(lk, raw)
    assert warehouse.build_warehouse(lk, wh, max_incremental_share=0.9).mode == warehouse.INCREMENTAL
    assert rows(wh, "SELECT table_name FROM duckdb_tables() WHERE table_name = 'a_model_since_removed'") == []
    assert _differences(wh, _full_build_of(lk, tmp_path)) == {}


def test_the_build_runs_under_a_memory_limit_that_the_model_runner_shares(tmp_path: Path) -> None:
    work = tmp_path / "w.work.duckdb"
    con = warehouse._open_work(work, "300MB", fresh=True)
    try:
        limit, temp = con.execute("SELECT current_setting('memory_limit'), current_setting('temp_directory')").fetchone()
        assert limit == "286.1 MiB"  # 300 MB in DuckDB's binary units
        assert temp == str(tmp_path / "w.work.duckdb.tmp")  # spills beside the working file
        # models.run_model connects by path: it gets the same database instance and its limit
        other = duckdb.connect(str(work))
        assert other.execute("SELECT current_setting('memory_limit')").fetchone()[0] == "286.1 MiB"
        other.close()
    finally:
        con.close()
    header = work.read_bytes()[:20]
    assert header[8:12] == b"DUCK" and int.from_bytes(header[12:20], "little") == 64  # published format


def test_compaction_alone_changes_nothing_the_warehouse_shows(tmp_path: Path) -> None:
    raw, lk, wh = tmp_path / "raw", tmp_path / "lake", tmp_path / "warehouse.duckdb"
    for name in ("000", "002", "004"):
        write_seeds(raw, (name,))
        _ingest(lk, raw)
    warehouse.build_warehouse(lk, wh)
    assert compact.compact_lake(lk, threshold=1).partitions
    assert warehouse.build_warehouse(lk, wh).mode == warehouse.UNCHANGED
    assert _differences(wh, _full_build_of(lk, tmp_path)) == {}


def test_past_the_share_an_update_is_a_full_load(tmp_path: Path) -> None:
    raw, lk, wh = tmp_path / "raw", tmp_path / "lake", tmp_path / "warehouse.duckdb"
    write_seeds(raw, ("000",))
    _ingest(lk, raw)
    warehouse.build_warehouse(lk, wh)
    write_seeds(raw, ("003",))
    _ingest(lk, raw)
    assert warehouse.build_warehouse(lk, wh, max_incremental_share=0.4).mode == warehouse.FULL
    assert one(wh, "SELECT count(*) FROM reports") == 2


KILLED_BUILD = """
import sys
from pathlib import Path
from pipeline.store import warehouse
root = Path(sys.argv[1])
sql = {"sql_dir": Path(sys.argv[2])} if len(sys.argv) > 2 else {}
warehouse.build_warehouse(root / "lake", root / "warehouse.duckdb", max_incremental_share=0.9, **sql)
"""


def _build_in_subprocess(root: Path, sql: Path | None = None, **env: str) -> subprocess.CompletedProcess:
    """build_warehouse in a process of its own (which OGI_KILL_AT may kill), models from ``sql``."""
    args = [str(root)] + ([str(sql)] if sql is not None else [])
    return subprocess.run([sys.executable, "-c", KILLED_BUILD, *args], cwd=REPO, capture_output=True, text=True,
                          env={**os.environ, **env}, timeout=600)


def test_an_incremental_build_killed_at_every_step_publishes_old_or_new_and_recovers(tmp_path: Path) -> None:
    root = tmp_path / "root"
    raw, lk, wh = root / "raw", root / "lake", root / "warehouse.duckdb"
    write_seeds(raw, ("000", "003"))
    _ingest(lk, raw)
    warehouse.build_warehouse(lk, wh)
    old = tmp_path / "old.duckdb"
    shutil.copy(wh, old)
    write_seeds(raw, ("004",))
    _ingest(lk, raw)  # in the lake, not yet in the warehouse
    new = _full_build_of(lk, tmp_path)

    probe = tmp_path / "probe"
    shutil.copytree(root, probe)
    log = tmp_path / "points.log"
    assert _build_in_subprocess(probe, OGI_KILL_LOG=str(log)).returncode == 0
    points = log.read_text(encoding="utf-8").splitlines()
    assert any("changed reports loaded, not yet committed" in p for p in points)  # the incremental path
    assert _differences(probe / "warehouse.duckdb", new) == {}

    published_new = []
    for n in range(1, len(points) + 1):
        work = tmp_path / f"k{n}"
        shutil.copytree(root, work)
        killed = _build_in_subprocess(work, OGI_KILL_AT=str(n))
        assert killed.returncode == -signal.SIGKILL, (points[n - 1], killed.stderr[-2000:])
        # the published file is the old warehouse or the new one, never a mix
        is_new = _differences(work / "warehouse.duckdb", new) == {}
        assert is_new or _differences(work / "warehouse.duckdb", old) == {}, points[n - 1]
        published_new.append(is_new)
        # the next build finishes the work from whatever the kill left in the working file
        warehouse.build_warehouse(work / "lake", work / "warehouse.duckdb", max_incremental_share=0.9)
        assert _differences(work / "warehouse.duckdb", new) == {}, points[n - 1]
        shutil.rmtree(work)
    assert published_new[0] is False and published_new[-1] is True
