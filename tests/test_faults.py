"""Write failures (a full disk, a file in the way) and an analyst's long query during a run."""
from __future__ import annotations

import errno
import shutil
import threading
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

import docs
from conftest import SAMPLES, one
from pipeline.parse import parse_report
from pipeline.store import lake, warehouse
from pipeline.store.lake import LakeWriteError
from pipeline.store.warehouse import WarehouseWriteError, build_warehouse


def _setup(tmp_path: Path) -> tuple[Path, Path]:
    raw = tmp_path / "raw"
    raw.mkdir()
    for name in ("000_8ae22ee27fc68654.txt", "003_d0913d7d57e43191.txt"):
        shutil.copy(SAMPLES / name, raw / name)
    lake.ingest(tmp_path / "lake", [raw], parse=parse_report)
    build_warehouse(tmp_path / "lake", tmp_path / "warehouse.duckdb")
    (raw / "new.txt").write_text(docs.report("tab", title=["靖安县双溪镇2022年政府信息公开工作年度报告"]))
    return raw, tmp_path / "warehouse.duckdb"


def _count(db: Path) -> int:
    return one(db, "SELECT count(*) FROM reports")


def test_disk_full_while_writing_the_lake(tmp_path, monkeypatch):
    raw, db = _setup(tmp_path)
    manifest_before = lake.read_manifest(tmp_path / "lake")
    real_write = pq.write_table

    def full(table, where, *args, **kwargs):
        if "part-" in str(where):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(table, where, *args, **kwargs)

    monkeypatch.setattr(lake.pq, "write_table", full)
    with pytest.raises(LakeWriteError) as err:
        lake.ingest(tmp_path / "lake", [raw], parse=parse_report)
    assert "cannot write" in str(err.value) and "part-" in str(err.value) and "No space left" in str(err.value)
    # The lake is as it was: the same manifest, and the warehouse still has its two reports.
    assert lake.read_manifest(tmp_path / "lake").equals(manifest_before)
    assert _count(db) == 2
    monkeypatch.setattr(lake.pq, "write_table", real_write)  # space freed: the next run finishes the work
    lake.ingest(tmp_path / "lake", [raw], parse=parse_report)
    build_warehouse(tmp_path / "lake", db)
    assert _count(db) == 3 and lake.lake_row_counts(tmp_path / "lake")["reports"] == 3


def test_a_failed_publication_names_the_file_and_keeps_the_previous_warehouse(tmp_path, monkeypatch):
    raw, db = _setup(tmp_path)
    lake.ingest(tmp_path / "lake", [raw], parse=parse_report)

    class FixedUUID:
        hex = "0" * 32

    # Something already occupies the name of the new copy (a directory): DuckDB cannot write it.
    monkeypatch.setattr(warehouse.uuid, "uuid4", lambda: FixedUUID())
    blocker = db.with_name(f"{db.name}.tmp-{__import__('os').getpid()}-00000000")
    blocker.mkdir()
    with pytest.raises(WarehouseWriteError) as err:
        build_warehouse(tmp_path / "lake", db)
    assert str(blocker) in str(err.value) and "left as it was" in str(err.value)
    assert _count(db) == 2
    blocker.rmdir()
    build_warehouse(tmp_path / "lake", db)
    assert _count(db) == 3


def test_disk_full_at_the_atomic_swap(tmp_path, monkeypatch):
    raw, db = _setup(tmp_path)
    lake.ingest(tmp_path / "lake", [raw], parse=parse_report)
    real_replace = warehouse.os.replace

    def full(src, dst):
        if Path(dst) == db:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(warehouse.os, "replace", full)
    with pytest.raises(WarehouseWriteError, match=f"cannot publish {db}: No space left on device"):
        build_warehouse(tmp_path / "lake", db)
    assert _count(db) == 2
    assert not list(tmp_path.glob("warehouse.duckdb.tmp-*"))  # the half-made copy is cleaned up


def test_a_long_read_only_query_during_a_run_sees_one_state(tmp_path):
    raw, db = _setup(tmp_path)
    held = duckdb.connect(str(db), read_only=True)  # an analyst's session, open all along
    results: list[tuple] = []
    errors: list[BaseException] = []
    done = threading.Event()

    def analyst() -> None:
        try:
            while not done.is_set() or not results:
                # A deliberately heavy query: it reads the tables over and over while the run works.
                results.append(held.execute("""
                    SELECT (SELECT count(*) FROM reports), (SELECT count(*) FROM applications),
                           (SELECT n_reports FROM build_info), sum(r.range % 7)
                    FROM range(3000000) AS r""").fetchone()[:3])
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    thread = threading.Thread(target=analyst)
    thread.start()
    try:
        lake.ingest(tmp_path / "lake", [raw], parse=parse_report)
        build_warehouse(tmp_path / "lake", db)
    finally:
        done.set()
        thread.join(timeout=600)
        held.close()
    assert not errors
    # 000 (2021 template: 25 rows of table 3) and 003 (2019: 23 rows), 7 cells each; never a mix.
    assert set(results) == {(2, 25 * 7 + 23 * 7, 2)}
    assert _count(db) == 3
