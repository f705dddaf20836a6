"""Lake compaction: many nightly files of a year become one, with nothing lost or read twice,
whenever the process is killed."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from _fake_parser import parse as fake_parse
from _fake_parser import doc, set_measure, write_doc, write_seeds
from conftest import REPO
from pipeline.parse.schema import FRAMES, TABLE_NAMES
from pipeline.store import compact, lake, warehouse


def _lake(root: Path) -> Path:
    """Three nights: 000 (2022), then 004 (2022) and 003 (2020), then a corrected 000. Every 2022
    folder but issues' gets three files (004 lists no issue), every 2020 folder one."""
    raw, lk = root / "raw", root / "lake"
    for names in (("000",), ("004", "003")):
        write_seeds(raw, names)
        lake.ingest(lk, [raw], parse=fake_parse)
    write_doc(raw, "000_corrected.json", set_measure(doc("000"), "procurement", "procurement_items", 7))
    lake.ingest(lk, [raw], parse=fake_parse)
    return lk


def _crowded(lk: Path, threshold: int = 2) -> set[str]:
    return {f"{t}/{folder.name}" for t in TABLE_NAMES for folder in (lk / t).glob("year=*")
            if len(list(folder.iterdir())) > threshold}


def _tables(lk: Path, tmp: Path) -> dict[str, list[tuple]]:
    """The lake as the warehouse loads it: every table's rows, sorted."""
    work = tmp / f"load-{len(list(tmp.glob('load-*')))}.duckdb"
    warehouse.load_lake(lk, work)
    con = duckdb.connect(str(work), read_only=True)
    try:
        return {name: sorted(con.execute(f'SELECT * FROM "{name}"').fetchall(), key=repr) for name in TABLE_NAMES}
    finally:
        con.close()


def _files(lk: Path, table: str, year: str) -> list[str]:
    return sorted(p.name for p in (lk / table / f"year={year}").iterdir())


def test_a_crowded_year_becomes_one_file_with_the_same_rows(tmp_path: Path) -> None:
    lk = _lake(tmp_path)
    before, counts = _tables(lk, tmp_path), lake.lake_row_counts(lk)
    batches = sorted(lake.committed_batches(lk))
    assert len(batches) == 3 and len(_files(lk, "applications", "2022")) == 3

    crowded = _crowded(lk)
    assert {"applications/year=2022", "reports/year=2022"} <= crowded and "issues/year=2022" not in crowded
    result = compact.compact_lake(lk, threshold=2)
    # only the folders with more than two files; 2020 (one file) stays as it is
    assert set(result.partitions) == crowded and len(result.partitions) == len(crowded)
    (only,) = _files(lk, "applications", "2022")
    assert only.startswith("compact-")
    assert [Path(p).name for p in lake.committed_files(lk, "applications")] == [
        only, *_files(lk, "applications", "2020")]
    # each row keeps the batch it was committed in: the three nights' batches, oldest first
    got = pq.read_table(lk / "applications" / "year=2022" / only).column("batch_id").to_pylist()
    assert sorted(set(got)) == batches and got == sorted(got)
    assert _tables(lk, tmp_path) == before and lake.lake_row_counts(lk) == counts

    # below the threshold nothing is rewritten
    assert compact.compact_lake(lk, threshold=2).partitions == []


def test_a_report_read_again_after_compaction_keeps_one_version(tmp_path: Path) -> None:
    raw, lk = tmp_path / "raw", tmp_path / "lake"
    write_seeds(raw, ("000", "002"))

    def old_parser(data: bytes, source: str):
        parsed = fake_parse(data, source)
        parsed.records["reports"][0]["org"] = "old reading"
        return parsed

    lake.ingest(lk, [raw], parse=old_parser, parser_version="1+old")
    write_seeds(raw, ("004",))
    lake.ingest(lk, [raw], parse=old_parser, parser_version="1+old")
    compact.compact_lake(lk, threshold=1)
    # a newer parser reads one of the compacted reports again: its rows in the compacted file
    # belong to the old batch, which the manifest no longer names for it
    staged = lake.stage_new_reports(lk, lake.scan_raw([raw]), parse=fake_parse, parser_version="2+new", max_reparse=1)
    lake.commit_staged(lk)
    assert staged.n_reparsed == 1
    reports = _tables(lk, tmp_path)["reports"]
    org = list(FRAMES["reports"]).index("org")
    assert len(reports) == 3 and sorted(r[org] == "old reading" for r in reports) == [False, True, True]
    # the lake counts what the warehouse loads: three reports, not the replaced reading as a fourth
    assert lake.lake_row_counts(lk)["reports"] == 3
    # compacted again, the old reading stays in the file (the lake keeps what it was given)
    # but is never loaded
    compact.compact_lake(lk, threshold=1)
    assert _tables(lk, tmp_path)["reports"] == reports
    assert lake.lake_row_counts(lk)["reports"] == 3


def test_leftovers_of_a_killed_compaction_are_ignored_then_removed(tmp_path: Path) -> None:
    lk = _lake(tmp_path)
    before, counts = _tables(lk, tmp_path), lake.lake_row_counts(lk)
    folder = lk / "applications" / "year=2022"
    parts = {p.name: p.read_bytes() for p in folder.iterdir()}
    compact.compact_lake(lk, threshold=2)
    # as if killed after the compacted file was in place, before the old files were deleted,
    # and with a temp file of a second compaction half written
    for name, data in parts.items():
        (folder / name).write_bytes(data)
    (folder / ".compact-0123.parquet.abcd.tmp").write_bytes(b"half a file")
    assert _tables(lk, tmp_path) == before and lake.lake_row_counts(lk) == counts
    assert len(compact.replaced_files(lk, "applications")) == 3

    assert lake.remove_orphans(lk) == 4
    assert [p.name[:8] for p in folder.iterdir()] == ["compact-"]
    assert _tables(lk, tmp_path) == before


KILLED_COMPACTION = """
import sys
from pathlib import Path
from pipeline.store import compact
compact.compact_lake(Path(sys.argv[1]), threshold=2)
"""


def _compact_in_subprocess(lk: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", KILLED_COMPACTION, str(lk)], cwd=REPO, capture_output=True,
                          text=True, env={**os.environ, **env}, timeout=600)


def test_compaction_killed_at_every_step_loses_and_doubles_nothing(tmp_path: Path) -> None:
    lk = _lake(tmp_path / "base")
    before, counts = _tables(lk, tmp_path), lake.lake_row_counts(lk)
    probe = tmp_path / "probe"
    shutil.copytree(lk, probe)
    log = tmp_path / "points.log"
    assert _compact_in_subprocess(probe, OGI_KILL_LOG=str(log)).returncode == 0
    points = log.read_text(encoding="utf-8").splitlines()
    # per crowded folder: the new file written, put in place, each of its three files removed
    crowded = _crowded(lk)
    assert len(points) == 5 * len(crowded)

    # Every folder goes through the same five points: all five are tried in the first and the last
    # folder compacted (a kill between folders too), not in each of the ten tables' folders.
    tried = [n for n in range(1, len(points) + 1) if n <= 5 or n > len(points) - 5]
    for n in tried:
        work = tmp_path / f"k{n}"
        shutil.copytree(lk, work)
        killed = _compact_in_subprocess(work, OGI_KILL_AT=str(n))
        assert killed.returncode == -signal.SIGKILL, (points[n - 1], killed.stderr[-2000:])
        # whatever the moment: every row once, as before
        assert _tables(work, tmp_path) == before, points[n - 1]
        assert lake.lake_row_counts(work) == counts, points[n - 1]
        # the next compaction cleans up and finishes: one file per crowded folder, the same rows
        compact.compact_lake(work, threshold=2)
        assert not list(work.rglob("*.tmp")), points[n - 1]
        for folder in crowded:
            assert [p.name[:8] for p in (work / folder).iterdir()] == ["compact-"], (points[n - 1], folder)
        assert _tables(work, tmp_path) == before, points[n - 1]
        shutil.rmtree(work)


def test_nightly_files_are_merged_first_and_compacted_files_when_they_pile_up(tmp_path: Path) -> None:
    raw, lk = tmp_path / "raw", tmp_path / "lake"
    folder = lk / "reports" / "year=2022"

    def nights(first: int) -> None:  # three nights, one corrected 2022 report (new bytes) each
        for n in range(first, first + 3):
            write_doc(raw, f"000_v{n}.json", set_measure(doc("000"), "procurement", "procurement_items", n))
            lake.ingest(lk, [raw], parse=fake_parse)

    kinds = lambda: sorted(p.name.split("-")[0] for p in folder.iterdir())  # noqa: E731
    nights(0)
    compact.compact_lake(lk, threshold=2)
    assert kinds() == ["compact"]
    nights(3)
    before = _tables(lk, tmp_path)
    compact.compact_lake(lk, threshold=2)
    assert kinds() == ["compact", "compact"]  # the new nights merged; the first compacted file left alone
    assert _tables(lk, tmp_path) == before and len(before["reports"]) == 6
    nights(6)
    before = _tables(lk, tmp_path)
    compact.compact_lake(lk, threshold=2)
    assert kinds() == ["compact"]  # a third compacted file: all three merged into one
    assert _tables(lk, tmp_path) == before and len(before["reports"]) == 9
    assert lake.lake_row_counts(lk)["reports"] == 9
