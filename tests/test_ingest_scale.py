"""The ingest path at scale: files unchanged since the last scan are not read, parsing runs in a
pool of workers (a file past its budget costs only itself), records reach Parquet in bounded
batches, a report can be parsed again on request, and a long run says how far it is."""
from __future__ import annotations

import os
import shutil
import signal
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from _fake_parser import parse as fake_parse
from _fake_parser import seed_bytes, write_seeds
from conftest import SAMPLES
from pipeline.parse import parse_report
from pipeline.store import lake, scan
from pipeline.store.budget import Budget, BudgetExceeded, WorkerPool
from pipeline.store.progress import Progress, Timings

HOUR_AGO_NS = time.time_ns() - 3600 * 10**9


def _age(folder: Path) -> None:
    """Files written an hour ago: old enough to be trusted by their stat (see scan.RACY_NS)."""
    for p in folder.rglob("*"):
        if p.is_file():
            os.utime(p, ns=(HOUR_AGO_NS, HOUR_AGO_NS))


def _hash_counter(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    hashed: list[str] = []
    real = scan.sha256_of

    def counting(path):
        hashed.append(Path(path).name)
        return real(path)

    monkeypatch.setattr(scan, "sha256_of", counting)
    return hashed


def _lake_rows(lk: Path, table: str) -> list[tuple]:
    """A table's committed rows, order-free, without the file they sit in."""
    files = [str(p) for p in lake.committed_files(lk, table)]
    t = ds.dataset(files, format="parquet").to_table()
    return sorted((tuple(r.values()) for r in t.to_pylist()), key=repr)


# --- stat-based change detection ------------------------------------------------------------

def test_files_unchanged_since_the_last_scan_are_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    raw, lk = tmp_path / "raw", tmp_path / "lake"
    write_seeds(raw, ("000", "001", "003"))
    _age(raw)
    hashed = _hash_counter(monkeypatch)
    lake.ingest(lk, [raw], parse=fake_parse)
    assert sorted(hashed) == ["000.json", "001.json", "003.json"]

    hashed.clear()
    inventory_before = os.stat(lk / lake.INVENTORY_NAME).st_mtime_ns
    staged, committed = lake.ingest(lk, [raw], parse=fake_parse)
    assert hashed == [] and staged.n_known == 3 and committed.batch_id is None
    assert os.stat(lk / lake.INVENTORY_NAME).st_mtime_ns == inventory_before  # the same: not rewritten

    # new bytes: the stat differs, the file is read and parsed
    (raw / "003.json").write_bytes(seed_bytes("003", version=2))
    staged, _ = lake.ingest(lk, [raw], parse=fake_parse)
    assert hashed == ["003.json"] and staged.n_parsed == 1
    os.utime(raw / "003.json", ns=(HOUR_AGO_NS, HOUR_AGO_NS))
    lake.ingest(lk, [raw], parse=fake_parse)  # its stat recorded again, now trusted

    # the same size and the old mtime put back (a copy with -p, a scraper keeping the server's
    # date): the ctime still moved, so the file is read again
    hashed.clear()
    before = (raw / "001.json").read_bytes()
    after = before.replace(b"2023", b"2024")
    assert after != before and len(after) == len(before)
    (raw / "001.json").write_bytes(after)
    os.utime(raw / "001.json", ns=(HOUR_AGO_NS, HOUR_AGO_NS))
    staged, _ = lake.ingest(lk, [raw], parse=fake_parse)
    assert hashed == ["001.json"] and staged.n_parsed == 1


def test_a_file_modified_just_before_the_scan_is_read_again_next_time(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    raw, lk = tmp_path / "raw", tmp_path / "lake"
    write_seeds(raw, ("000", "003"))
    os.utime(raw / "000.json", ns=(HOUR_AGO_NS, HOUR_AGO_NS))  # 003.json: written a moment ago
    lake.ingest(lk, [raw], parse=fake_parse)
    cached = lake.stat_cache(lk)
    assert [Path(p).name for p in cached] == ["000.json"]
    hashed = _hash_counter(monkeypatch)
    lake.ingest(lk, [raw], parse=fake_parse)
    assert hashed == ["003.json"]  # its mtime may not have ticked since its last write


def test_the_inventory_keeps_its_signatures_and_older_inventories_still_read(tmp_path: Path) -> None:
    raw, lk = tmp_path / "raw", tmp_path / "lake"
    write_seeds(raw, ("000",))
    _age(raw)
    files = lake.scan_raw([raw])
    lake.write_inventory(lk, files)
    (back,) = lake.read_inventory(lk)
    st = os.stat(raw / "000.json")
    assert back.signature == (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino) == files[0].signature
    # an inventory written before the signature columns existed: read, nothing trusted
    old = pq.read_table(lk / lake.INVENTORY_NAME).drop_columns(["mtime_ns", "ctime_ns", "inode"])
    pq.write_table(old, lk / lake.INVENTORY_NAME)
    (back,) = lake.read_inventory(lk)
    assert back.sha256 == files[0].sha256 and back.signature is None
    assert lake.stat_cache(lk) == {}


# --- the worker pool ------------------------------------------------------------------------

def _square_or_worse(x: int) -> int:
    if x == 3:
        time.sleep(600)  # never ends within its budget
    if x == 5:
        os.kill(os.getpid(), signal.SIGKILL)  # a crash in a C library, the OOM killer
    return x * x


def test_a_file_past_its_time_or_whose_worker_dies_costs_only_itself() -> None:
    with WorkerPool(_square_or_worse, Budget(seconds=5), workers=2) as pool:
        got = dict(pool.run(range(10)))
    assert sorted(got) == list(range(10))
    assert {x: v for x, v in got.items() if x not in (3, 5)} == {x: x * x for x in range(10) if x not in (3, 5)}
    assert isinstance(got[3], BudgetExceeded) and str(got[3]) == \
        "took longer than 5 s to parse; stopped, tried again next run"
    assert isinstance(got[5], BudgetExceeded) and str(got[5]) == \
        "the parse worker died (killed by signal SIGKILL); tried again next run"


def test_the_pool_starts_no_worker_for_nothing() -> None:
    with WorkerPool(_square_or_worse, Budget(), workers=2) as pool:
        assert list(pool.run([])) == []
        assert pool._workers == []


def _slow_one(raw: bytes, source: str):
    if source.endswith("slow.json"):
        time.sleep(600)
    return fake_parse(raw, source)


def test_parsing_in_workers_a_slow_file_holds_back_nothing(tmp_path: Path) -> None:
    raw, lk = tmp_path / "raw", tmp_path / "lake"
    write_seeds(raw)
    (raw / "slow.json").write_bytes(seed_bytes("000", version="slow"))
    for i in range(6):
        (raw / f"copy{i}.json").write_bytes(seed_bytes("003", version=i))
    staged, committed = lake.ingest(lk, [raw], parse=_slow_one, budget=Budget(seconds=5), workers=2)
    assert (staged.n_parsed, staged.n_rejected, committed.n_reports) == (11, 1, 11)
    assert staged.rejected == [("raw/slow.json", "crashed: took longer than 5 s to parse; stopped, "
                                                        "tried again next run")]


def test_workers_stage_the_same_rows_as_parsing_in_process(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(SAMPLES, raw)
    (raw / "notes.txt").write_text("会议纪要：今天讨论了食堂菜单。", encoding="utf-8")
    one, pooled = tmp_path / "one", tmp_path / "pooled"
    lake.ingest(one, [raw], parse=parse_report)
    staged, _ = lake.ingest(pooled, [raw], parse=parse_report, budget=Budget(), workers=2)
    assert (staged.n_parsed, staged.n_rejected) == (5, 1)
    for table in lake.TABLE_NAMES:
        assert _lake_rows(pooled, table) == _lake_rows(one, table), table
    # 000 is the 2021 template: 25 rows of table 3, 7 applicant columns
    assert len([r for r in _lake_rows(pooled, "applications") if r[0] == SAMPLES_000_ID]) == 175
    manifest = lake.read_manifest(pooled).set_index("sha256")
    assert manifest.loc[SAMPLES_000_SHA, "org"] == "高安市八景镇" and manifest.loc[SAMPLES_000_SHA, "year"] == 2022


SAMPLES_000_SHA = scan.sha256_of(SAMPLES / "000_8ae22ee27fc68654.txt")
SAMPLES_000_ID = SAMPLES_000_SHA[:16]


# --- bounded batches --------------------------------------------------------------------------

def test_small_batches_and_row_groups_give_the_same_lake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    raw = tmp_path / "raw"
    write_seeds(raw)
    for i in range(4):
        (raw / f"v{i}.json").write_bytes(seed_bytes("000", version=i))
    whole = tmp_path / "whole"
    lake.ingest(whole, [raw], parse=fake_parse)
    # every 2 files to the staged files, a row group every 50 rows, the commit reading 40 rows at a
    # time: the streaming writers at work
    monkeypatch.setattr(lake, "BATCH_REPORTS", 2)
    monkeypatch.setattr(lake, "ROW_GROUP_ROWS", 50)
    monkeypatch.setattr(lake, "READ_ROWS", 40)
    small = tmp_path / "small"
    lake.stage_new_reports(small, lake.scan_raw([raw]), parse=fake_parse)
    assert pq.ParquetFile(small / lake.STAGING_NAME / "applications.parquet").num_row_groups > 1
    committed = lake.commit_staged(small)
    assert committed.n_reports == 9
    # 2022: 000, its four versions and 004 have table 3, 7 x 25 rows each (002 has none)
    part = next((small / "applications" / "year=2022").glob("part-*.parquet"))
    assert pq.ParquetFile(part).metadata.num_rows == 6 * 175 and pq.ParquetFile(part).num_row_groups > 1
    for table in lake.TABLE_NAMES:
        assert _lake_rows(small, table) == _lake_rows(whole, table), table
    assert sorted(p.relative_to(small).parent.as_posix() for p in small.rglob("part-*.parquet")) == \
        sorted(p.relative_to(whole).parent.as_posix() for p in whole.rglob("part-*.parquet"))


@pytest.mark.parametrize(("dtype", "values"), [
    ("string", ["a", None, "高安市"]),
    ("string", ["a", 5, b"x", np.str_("n"), True, 2.5, float("nan")]),  # not text: pandas decides, as it always has
    ("Int64", [1, None, 2**40]),
    ("Int64", [True, np.int64(7), 2022.0, None, pd.NA]),
    ("Int64", ["5", None]),
    ("Float64", [1.5, float("nan"), None, 3, float("inf"), -0.0]),
    ("Float64", [True, np.float32(0.1), 10**20, 99999999999999999999999, np.int64(4), np.bool_(True)]),
    ("Float64", ["5", None]),
])
def test_arrow_columns_are_what_pandas_nullable_dtypes_made(dtype: str, values: list) -> None:
    expected = pa.array(pd.array(values, dtype=dtype), type=lake._ARROW_TYPES[dtype])
    assert lake._arrow_column(values, dtype).equals(expected)


def test_a_fraction_in_an_integer_column_is_refused_as_pandas_refuses_it() -> None:
    with pytest.raises(TypeError):
        pd.array([2022.5], dtype="Int64")
    with pytest.raises(TypeError):
        lake._arrow_column([2022.5], "Int64")  # Arrow alone would have stored 2022


# --- parse again on request -----------------------------------------------------------------

def test_again_parses_known_content_and_its_new_rows_replace_the_old(tmp_path: Path) -> None:
    raw, lk = tmp_path / "raw", tmp_path / "lake"
    write_seeds(raw, ("000", "003"))
    lake.ingest(lk, [raw], parse=fake_parse)
    sha = scan.sha256_of(raw / "000.json")
    first_batch = lake.read_manifest(lk).set_index("sha256").loc[sha, "batch_id"]

    def renamed(data: bytes, source: str):
        parsed = fake_parse(data, source)
        parsed.records["reports"][0]["org"] = "read again"
        return parsed

    staged = lake.stage_new_reports(lk, lake.scan_raw([raw]), parse=renamed, again=[sha, "0" * 64])
    assert (staged.n_again, staged.n_parsed, staged.n_known) == (1, 1, 1)
    shutil.copytree(lk / lake.STAGING_NAME, tmp_path / "copy")
    committed = lake.commit_staged(lk)
    assert committed.n_reports == 1
    manifest = lake.read_manifest(lk).set_index("sha256")
    assert len(manifest) == 2 and manifest.loc[sha, "batch_id"] == committed.batch_id != first_batch
    new_part = next((lk / "reports" / "year=2022").glob(f"part-{committed.batch_id}.parquet"))
    assert pq.read_table(new_part)["org"].to_pylist() == ["read again"]
    # the same staging committed again (two runs interleaving): the replaced batch is gone, nothing is redone
    (tmp_path / "copy").rename(lk / lake.STAGING_NAME)
    assert lake.commit_staged(lk).n_reports == 0
    # and a plain run parses nothing
    staged, _ = lake.ingest(lk, [raw], parse=fake_parse)
    assert staged.n_parsed == 0


# --- the path log -----------------------------------------------------------------------------

def test_the_path_log_is_rewritten_only_when_the_folders_changed(tmp_path: Path) -> None:
    raw, lk = tmp_path / "raw", tmp_path / "lake"
    write_seeds(raw, ("000", "003"))
    _, committed = lake.ingest(lk, [raw], parse=fake_parse)
    assert committed.paths_changed
    _, committed = lake.ingest(lk, [raw], parse=fake_parse)
    assert not committed.paths_changed
    (raw / "003.json").unlink()
    _, committed = lake.ingest(lk, [raw], parse=fake_parse)
    assert committed.paths_changed
    log = lake.read_paths(lk).set_index("path")  # paths relative to the raw folder, its name in front
    assert log.loc["raw/003.json", "last_seen"] < log.loc["raw/000.json", "last_seen"]
    assert log.loc["raw/000.json", "first_seen"] < log.loc["raw/000.json", "last_seen"]


# --- progress ---------------------------------------------------------------------------------

def test_progress_lines_every_n_files_and_at_the_end() -> None:
    said: list[str] = []
    progress = Progress(said.append, every_files=2, every_seconds=3600)
    with progress.count(5, "parse") as counter:
        for i in range(5):
            counter.update(1, rejected=int(i == 4))
    assert [s.split(" (")[0] for s in said] == ["parse: 2/5 files", "parse: 4/5 files", "parse: 5/5 files"]
    assert "left" in said[0] and said[-1].endswith(", 1 rejected)")
    progress("a message")
    assert said[-1] == "a message"


def test_stage_timings_in_the_order_they_ran() -> None:
    timings = Timings()
    timings.add("scan", 1.5)
    with timings.stage("parse"):
        pass
    timings.add("scan", 0.25)
    lines = timings.text().splitlines()
    assert lines[0] == "Stage timings (wall seconds):"
    assert [ln.split()[0] for ln in lines[1:]] == ["scan", "parse", "total"]
    assert lines[1].split()[1] == "1.75"


def test_ogi_run_with_workers_prints_its_stage_timings(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from pipeline.cli import main

    shutil.copytree(SAMPLES, tmp_path / "data" / "samples")
    assert main(["run", "--root", str(tmp_path), "--workers", "2"]) == 0
    out = capsys.readouterr().out
    assert "ogi: parse: 5/5 files" in out
    timed = out.split("Stage timings (wall seconds):")[1].split()
    for stage in ("scan", "parse", "commit", "checks", "total"):
        assert stage in timed, stage
    assert main(["run", "--root", str(tmp_path), "--workers", "0"]) == 2


def test_a_content_staged_twice_is_committed_once(tmp_path: Path) -> None:
    row = {"report_id": None, "source_path": "a.txt", "file_size": 1, "status": "not_a_report", "error": "x"}
    staged = pa.Table.from_pylist([{**row, "sha256": "a"}, {**row, "sha256": "b"},
                                   {**row, "sha256": "a", "source_path": "copy of a.txt"}], schema=lake._STAGED_FILES)
    kept = lake._files_to_commit(tmp_path, staged, None)
    assert list(zip(kept["sha256"].to_pylist(), kept["source_path"].to_pylist())) == [("a", "a.txt"), ("b", "a.txt")]


def test_a_full_disk_while_streaming_a_large_partition_names_it_and_commits_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    raw, lk = tmp_path / "raw", tmp_path / "lake"
    write_seeds(raw)
    lake.stage_new_reports(lk, lake.scan_raw([raw]), parse=fake_parse)
    monkeypatch.setattr(lake, "ROW_GROUP_ROWS", 50)  # every partition of table 3 goes through a ParquetWriter
    real_write = pq.ParquetWriter.write_table

    def full(self, table, *args, **kwargs):
        if "applications" in str(self.where):  # the disk fills up while table 3 streams
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(self, table, *args, **kwargs)

    monkeypatch.setattr(pq.ParquetWriter, "write_table", full)
    with pytest.raises(lake.LakeWriteError, match=r"cannot write .*/applications/year=\d+/part-.*\.parquet: "
                                                  r"No space left on device"):
        lake.commit_staged(lk)
    assert not (lk / lake.MANIFEST_NAME).exists() and not list(lk.rglob("*.tmp"))
    monkeypatch.undo()
    assert lake.commit_staged(lk).n_reports == 5  # space freed: the staging is still there, committed now


def test_the_scan_lists_a_folder_by_name_then_its_subfolders_and_never_enters_links(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    for rel in ("b.txt", "a.txt", ".hidden.txt", "sub/z.txt", "sub/.x", "aa/y.txt", "aa/deep/x.txt"):
        (raw / rel).parent.mkdir(parents=True, exist_ok=True)
        (raw / rel).write_bytes(seed_bytes("000", version=rel))
    os.symlink(raw / "sub", raw / "link")  # a link to a folder is an entry, not a way in
    listed = [Path(p).relative_to(raw).as_posix() for p, _ in scan.entries([raw])]
    assert listed == ["a.txt", "b.txt", "link", "aa/y.txt", "aa/deep/x.txt", "sub/z.txt"]
    got = {Path(f.path).relative_to(raw).as_posix(): (f.status, f.reason) for f in lake.scan_raw([raw])}
    assert got["link"] == ("skipped", "a folder, not a file: skipped")
    assert got["aa/deep/x.txt"] == (None, None)
    # the same files reached through a second, overlapping folder are listed once
    assert len(lake.scan_raw([raw, raw / "aa"])) == len(listed)


def _pid(_: int) -> int:
    return os.getpid()


def test_the_pool_uses_every_worker_it_may() -> None:
    with WorkerPool(_pid, Budget(), workers=2) as pool:
        assert len(pool._workers) == 0
        got = dict(pool.run(range(2)))
        assert len(set(got.values())) == 2 and len(pool._workers) == 2
