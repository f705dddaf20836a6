"""The Parquet lake: layout, incremental ingest by content, crash safety."""
from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from pipeline.store import lake
from _fake_parser import parse as fake_parse
from _fake_parser import seed_bytes, write_seeds


@pytest.fixture()
def dirs(tmp_path: Path) -> tuple[Path, Path]:
    raw = tmp_path / "raw"
    write_seeds(raw, ("000", "003"))
    return raw, tmp_path / "lake"


def test_tables_are_hive_partitioned_by_report_year(dirs: tuple[Path, Path]) -> None:
    raw, lk = dirs
    (raw / "no_year.json").write_bytes(seed_bytes("001", report={"org": "某镇", "year": None, "title": "t",
                                                                 "template_version": "2021", "region": {}}))
    staged, committed = lake.ingest(lk, [raw], parse=fake_parse)
    assert staged.n_parsed == 3 and committed.n_reports == 3

    years = sorted(p.name for p in (lk / "reports").iterdir())
    assert years == ["year=2020", "year=2022", f"year={lake.UNKNOWN_PARTITION}"]
    # every tidy table is partitioned the same way, child rows follow their report's year
    assert (lk / "applications" / "year=2020").is_dir() and (lk / "applications" / "year=2022").is_dir()
    # the year lives in the folder name, not in the files
    one = next((lk / "reports" / "year=2022").glob("*.parquet"))
    assert "year" not in pq.read_schema(one).names

    # any Parquet reader gets the year back from the path, NULL for the unknown one
    table = ds.dataset(lk / "reports", format="parquet", partitioning="hive").to_table()
    got = sorted(zip(table["org"].to_pylist(), table["year"].to_pylist()), key=str)
    assert got == sorted([("高安市八景镇", 2022), ("靖安县宝峰镇", 2020), ("某镇", None)], key=str)


def test_same_bytes_are_not_parsed_again_and_a_changed_file_is(dirs: tuple[Path, Path]) -> None:
    raw, lk = dirs
    calls: list[str] = []

    def counting_parse(data: bytes, source: str):
        calls.append(Path(source).name)
        return fake_parse(data, source)

    lake.ingest(lk, [raw], parse=counting_parse)
    assert sorted(calls) == ["000.json", "003.json"]

    calls.clear()
    staged, committed = lake.ingest(lk, [raw], parse=counting_parse)
    assert calls == [] and staged.n_parsed == 0 and staged.n_known == 2 and committed.batch_id is None

    # the same bytes under another name are the same document
    (raw / "copy_of_000.json").write_bytes((raw / "000.json").read_bytes())
    staged, _ = lake.ingest(lk, [raw], parse=counting_parse)
    assert calls == [] and staged.n_parsed == 0

    # a corrected report: new bytes, same body and year -> parsed, and the old version stays
    (raw / "003.json").write_bytes(seed_bytes("003", version=2))
    staged, committed = lake.ingest(lk, [raw], parse=counting_parse)
    assert calls == ["003.json"] and staged.n_parsed == 1 and committed.n_reports == 1
    assert lake.lake_row_counts(lk)["reports"] == 3
    manifest = lake.read_manifest(lk)
    assert len(manifest) == 3 and set(manifest["status"]) == {"parsed"}
    assert manifest["batch_id"].nunique() == 2


def test_rejected_files_are_recorded_not_retried_and_crashes_are_retried(dirs: tuple[Path, Path]) -> None:
    raw, lk = dirs
    (raw / "notes.txt").write_text("shopping list", encoding="utf-8")
    (raw / "boom.json").write_bytes(seed_bytes("001"))

    def flaky(data: bytes, source: str):
        if source.endswith("boom.json"):
            raise IndexError("parser bug")
        return fake_parse(data, source)

    staged, _ = lake.ingest(lk, [raw], parse=flaky)
    assert staged.n_parsed == 2 and staged.n_rejected == 2
    status = dict(zip(lake.read_manifest(lk)["source_path"].map(lambda p: Path(p).name),
                      lake.read_manifest(lk)["status"]))
    assert status["notes.txt"] == "not_a_report"
    assert status["boom.json"] == lake.CRASHED

    # next run: the non-report is known, the crash is tried again (the parser may be fixed)
    staged, _ = lake.ingest(lk, [raw], parse=fake_parse)
    assert staged.n_parsed == 1 and staged.parsed == ["raw/boom.json"]  # relative to its raw folder, the folder named first
    manifest = lake.read_manifest(lk)
    assert len(manifest) == 4 and manifest["sha256"].is_unique
    assert lake.CRASHED not in set(manifest["status"])
    assert lake.lake_row_counts(lk)["reports"] == 3


def test_a_crash_between_data_files_and_manifest_leaves_nothing_visible(dirs: tuple[Path, Path],
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    raw, lk = dirs
    lake.ingest(lk, [raw], parse=fake_parse)
    before = lake.lake_row_counts(lk)
    (raw / "001.json").write_bytes(seed_bytes("001"))
    lake.stage_new_reports(lk, lake.scan_raw([raw]), parse=fake_parse)

    real_write = lake._write_parquet_atomic

    def die_on_manifest(table, dest: Path) -> None:
        if dest.name == lake.MANIFEST_NAME:
            raise OSError("disk full")
        real_write(table, dest)

    monkeypatch.setattr(lake, "_write_parquet_atomic", die_on_manifest)
    with pytest.raises(OSError):
        lake.commit_staged(lk)
    monkeypatch.setattr(lake, "_write_parquet_atomic", real_write)

    # the batch's files are on disk but not committed: readers of the lake do not see them
    on_disk = sum(1 for _ in (lk / "reports").rglob("part-*.parquet"))
    assert on_disk == len(lake.committed_files(lk, "reports")) + 1
    assert lake.lake_row_counts(lk) == before

    # the next run re-stages the same file, removes the orphans and commits once
    staged, committed = lake.ingest(lk, [raw], parse=fake_parse)
    assert staged.n_parsed == 1 and committed.orphans_removed >= 1
    after = lake.lake_row_counts(lk)
    assert after["reports"] == before["reports"] + 1
    assert sum(1 for _ in (lk / "reports").rglob("part-*.parquet")) == len(lake.committed_files(lk, "reports"))
    assert not list(lk.rglob("*.tmp"))


def test_a_staging_committed_twice_adds_rows_once(dirs: tuple[Path, Path]) -> None:
    raw, lk = dirs
    lake.stage_new_reports(lk, lake.scan_raw([raw]), parse=fake_parse)
    shutil.copytree(lk / lake.STAGING_NAME, lk / "copy")
    first = lake.commit_staged(lk)
    # a second run staged the same files before the first committed (runs interleaving)
    (lk / "copy").rename(lk / lake.STAGING_NAME)
    second = lake.commit_staged(lk)
    assert first.n_reports == 2 and second.n_reports == 0
    assert lake.lake_row_counts(lk)["reports"] == 2


def test_new_file_detection_for_the_sensor(dirs: tuple[Path, Path]) -> None:
    raw, lk = dirs
    assert {Path(f.path).name for f in lake.find_new_files([raw], lk)} == {"000.json", "003.json"}
    lake.ingest(lk, [raw], parse=fake_parse)
    assert lake.find_new_files([raw], lk) == []
    (raw / "sub").mkdir()
    (raw / "sub" / "001.json").write_bytes(seed_bytes("001"))
    (raw / ".hidden.json").write_bytes(seed_bytes("002"))  # editor and OS droppings are ignored
    assert [Path(f.path).name for f in lake.find_new_files([raw], lk)] == ["001.json"]
    assert lake.find_new_files([raw / "missing"], lk) == []


def test_a_report_read_again_is_counted_once(dirs: tuple[Path, Path]) -> None:
    raw, lk = dirs
    lake.ingest(lk, [raw], parse=fake_parse, parser_version="1+old")
    before = lake.lake_row_counts(lk)
    assert before["reports"] == 2
    # a newer parser reads one of the two again; the other keeps the first batch committed,
    # so the first batch's part files still hold the replaced rows
    staged = lake.stage_new_reports(lk, lake.scan_raw([raw]), parse=fake_parse, parser_version="2+new", max_reparse=1)
    lake.commit_staged(lk)
    assert staged.n_reparsed == 1
    assert len(lake.committed_batches(lk)) == 2
    # the same bytes read the same way: every table counts what it did before, once
    assert lake.lake_row_counts(lk) == before
