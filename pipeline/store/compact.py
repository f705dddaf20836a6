"""Lake compaction: a year partition that has gathered many small nightly files becomes one file.

Every commit adds ``part-<batch>.parquet`` to each (table, year) folder it touches, so after a
few hundred nights a year is hundreds of small files and every reader pays for each of them.
``compact_lake`` merges a folder's nightly files into one ``compact-<id>.parquet`` once there are
more than ``threshold`` of them, and its compacted files into one once there are more than
``threshold`` of those (two tiers: a year's big file is not rewritten every few nights):

- Rows keep the batch they were committed in, in a ``batch_id`` column: the warehouse loads a
  report's rows of the batch the manifest names for it now (``coalesce(batch_id, batch from the
  file name)``), so a report a newer parser reads again later still has its old rows excluded.
  Rows of a batch the manifest no longer names (every report of it read again) are dropped, as
  ``lake.remove_orphans`` deletes such a batch's part files.
- The footer says which files it replaces (``ogi.replaces``: names in the same folder,
  including what the compacted files it absorbs replaced) and how many rows each batch has
  (``ogi.batch_rows``, for ``lake.lake_row_counts`` without reading the data).

Kill-safety, with no journal: the new file is written under a hidden temp name (ignored by
readers, deleted by ``remove_orphans`` as ``*.tmp``) and renamed into place; that rename is the
commit. From then on readers (``lake.committed_files``) skip every file a present compacted file
names, whether or not it has been deleted yet, so rows are never read twice; the replaced files
are then deleted, here or, after a kill, by the next ``remove_orphans``. The lake lock is held
throughout, so no commit runs meanwhile. The manifest is not touched: the lake's content is the
same before and after, which is why a compaction alone never makes the warehouse rebuild.
"""
from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from . import atomic, lake
from .lake_files import (BATCH_COLUMN, BATCH_ROWS_KEY, COMPACT_PREFIX, REPLACES_KEY, LakeFile, _deletion_order,
                         _Folder, _folders, _scan_folder, batch_of, committed_batches, is_compacted, live_files,
                         remove_replaced, replaced_files)
from ..faults import checkpoint
from ..parse.schema import TABLE_NAMES

THRESHOLD = 16  # part files (or compacted files) a (table, year) folder may hold before they are merged
ROW_GROUP_ROWS = 512 * 1024  # rows per row group of a compacted file: large enough for fast scans
_READ_ROWS = 64 * 1024  # rows read at a time: memory stays bounded whatever the partition's size


@dataclass
class CompactResult:
    partitions: list[str] = field(default_factory=list)  # "table/year=YYYY" folders rewritten
    files_replaced: int = 0
    rows: int = 0


def _conform(batch: pa.RecordBatch, schema: pa.Schema, batch_id: str | None) -> pa.Table:
    """A batch of rows in the compacted file's columns: a column an older file lacks is NULL."""
    table = pa.Table.from_batches([batch])
    cols = []
    for fld in schema:
        if fld.name == BATCH_COLUMN and batch_id is not None:
            cols.append(pa.array([batch_id] * len(table), fld.type))
        elif fld.name in table.column_names:
            cols.append(table[fld.name].cast(fld.type))
        else:
            cols.append(pa.nulls(len(table), fld.type))
    return pa.Table.from_arrays(cols, schema=schema)


def _rows_of(files: list[LakeFile], schema: pa.Schema, batches: set[str]) -> Iterator[pa.Table]:
    committed = pa.array(sorted(batches), pa.string())
    for f in files:
        reader = pq.ParquetFile(f.path)
        part_batch = None if f.compacted else batch_of(f.path)
        for batch in reader.iter_batches(batch_size=_READ_ROWS):
            table = _conform(batch, schema, part_batch)
            if f.compacted:  # rows of a batch the manifest dropped since: gone, like its part files
                table = table.filter(pc.is_in(table[BATCH_COLUMN], committed))
            if len(table):
                yield table


def _to_merge(scan: _Folder, threshold: int) -> list[LakeFile]:
    """What to merge in a folder, if anything. Two tiers, so that a year's big file is not rewritten
    every few nights: the nightly part files once there are more than ``threshold`` of them, and
    all files once there are more than ``threshold`` compacted ones. A folder thus never holds
    more than about twice ``threshold`` files, and a row is rewritten about twice."""
    parts = [f for f in scan.live if not f.compacted]
    if len(parts) > threshold:
        return parts
    if len(scan.live) - len(parts) > threshold:
        return scan.live
    return []


def _compact_folder(folder: Path, table: str, scan: _Folder, target: list[LakeFile],
                    batches: set[str]) -> tuple[int, int]:
    """Write ``target`` (live files of the folder) as one compacted file, then delete what it replaces."""
    schema = lake.table_schema(table).append(pa.field(BATCH_COLUMN, pa.string()))
    dest = folder / f"{COMPACT_PREFIX}{uuid.uuid4().hex}.parquet"
    # transitive: what the absorbed compacted files replaced stays replaced once they are gone
    replaces = sorted({f.path.name for f in target} | scan.replaced_names)
    batch_rows: dict[str, int] = {}

    def failed(err: OSError) -> lake.LakeWriteError:
        # a full disk: say which file; the folder's files stay as they were
        return lake.LakeWriteError(f"cannot write {dest}: {err.strerror or err}")

    def write(tmp: Path) -> None:
        pending: list[pa.Table] = []
        n_pending = 0
        try:
            with pq.ParquetWriter(tmp, schema) as writer:
                for t in _rows_of(target, schema, batches):
                    for b, n in zip(*pc.value_counts(t[BATCH_COLUMN]).flatten()):
                        batch_rows[b.as_py()] = batch_rows.get(b.as_py(), 0) + n.as_py()
                    pending.append(t)
                    n_pending += len(t)
                    if n_pending >= ROW_GROUP_ROWS:
                        writer.write_table(pa.concat_tables(pending), row_group_size=ROW_GROUP_ROWS)
                        pending, n_pending = [], 0
                if pending:
                    writer.write_table(pa.concat_tables(pending), row_group_size=ROW_GROUP_ROWS)
                writer.add_key_value_metadata({REPLACES_KEY: json.dumps(replaces).encode(),
                                               BATCH_ROWS_KEY: json.dumps(batch_rows, sort_keys=True).encode()})
        except OSError as err:
            raise failed(err) from err

    # the rename at the end of write_atomic is the commit: from then on the replaced files are ignored
    atomic.write_atomic(dest, write, failed=failed, written=f"lake: {dest.name} written, not yet in place",
                        placed=f"lake: compacted {folder.parent.name}/{folder.name} in place")
    for path in _deletion_order(scan.dead + [f.path for f in target]):
        path.unlink(missing_ok=True)
        checkpoint(f"lake: compaction removed {path.name}")
    atomic.fsync_dir(folder)
    return len(target), sum(batch_rows.values())


def compact_lake(lake_dir: Path, threshold: int = THRESHOLD, progress: lake.ProgressFn | None = None) -> CompactResult:
    """Merge the files of every (table, year) folder with more than ``threshold`` part files or
    compacted files (see ``_to_merge``), holding the lake lock."""
    if not (Path(lake_dir) / lake.MANIFEST_NAME).exists():
        return CompactResult()
    with lake.exclusive_lock(Path(lake_dir) / lake.LOCK_NAME):
        return compact_locked(lake_dir, threshold, progress)


def compact_locked(lake_dir: Path, threshold: int = THRESHOLD, progress: lake.ProgressFn | None = None) -> CompactResult:
    """``compact_lake`` for a caller that holds the lake lock already."""
    lake_dir = Path(lake_dir)
    result = CompactResult()
    if not (lake_dir / lake.MANIFEST_NAME).exists():
        return result
    lake.remove_orphans(lake_dir)  # leftovers of a killed commit or compaction first
    batches = committed_batches(lake_dir)
    for table in TABLE_NAMES:
        for folder in _folders(lake_dir, table):
            while True:
                scan = _scan_folder(folder, batches)
                target = _to_merge(scan, threshold)
                if not target:
                    break
                n_files, n_rows = _compact_folder(folder, table, scan, target, batches)
                if f"{table}/{folder.name}" not in result.partitions:
                    result.partitions.append(f"{table}/{folder.name}")
                result.files_replaced += n_files
                result.rows += n_rows
    if progress and result.partitions:
        progress(f"lake: compacted {len(result.partitions)} partition(s): {result.files_replaced} files merged, "
                 f"{result.rows} rows")
    return result
