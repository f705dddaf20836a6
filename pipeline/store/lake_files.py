"""Which lake files hold committed rows, and how many rows they count: the lake's read side.

Both the writer (lake.py: commit, orphan removal) and the compactor (compact.py) build on this,
and the warehouse reads through it; it imports neither of them. A (table, year) folder holds
``part-<batch>.parquet`` files, one per commit, and ``compact-<id>.parquet`` files that merged
some of them (compact.py); a file a present compacted file names in its footer is replaced and
never read, whether or not it has been deleted yet.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..parse.schema import TABLE_NAMES

MANIFEST_NAME = "_manifest.parquet"
PARTITION_KEY = "year"
COMPACT_PREFIX = "compact-"
BATCH_COLUMN = "batch_id"  # a compacted file's rows keep the batch they were committed in
REPLACES_KEY = b"ogi.replaces"
BATCH_ROWS_KEY = b"ogi.batch_rows"
PARSED = "parsed"  # the manifest status of a file whose records are in the lake


def batch_of(path: Path) -> str | None:
    """The batch of a part file, from its name; None for any other file."""
    name = path.name
    if name.startswith("part-") and name.endswith(".parquet"):
        return name[len("part-"):-len(".parquet")]
    return None


def committed_batches(lake_dir: Path) -> set[str]:
    path = Path(lake_dir) / MANIFEST_NAME
    if not path.exists():
        return set()
    # One column, not the whole manifest: every reader of the lake asks, once per table.
    column = pq.read_table(path, columns=["batch_id"]).column("batch_id")
    return {b for b in column.unique().to_pylist() if b is not None}


@dataclass(frozen=True)
class LakeFile:
    """A live lake file: its rows belong to committed batches (``batches``: batch -> rows)."""

    path: Path
    compacted: bool
    batches: dict[str, int] | None = None  # known for compacted files (footer); None for a part file

    def batch_ids(self) -> set[str]:
        if self.batches is not None:
            return set(self.batches)
        batch = batch_of(self.path)
        return {batch} if batch else set()


def is_compacted(path: Path) -> bool:
    return path.name.startswith(COMPACT_PREFIX) and path.name.endswith(".parquet")


def _footer(path: Path) -> tuple[set[str], dict[str, int]]:
    meta = pq.read_metadata(path).metadata or {}
    return (set(json.loads(meta.get(REPLACES_KEY, b"[]"))),
            {str(k): int(v) for k, v in json.loads(meta.get(BATCH_ROWS_KEY, b"{}")).items()})


@dataclass(frozen=True)
class _Folder:
    live: list[LakeFile]
    dead: list[Path]  # files some compacted file in the folder replaced, still on disk
    replaced_names: set[str]  # every name a present compacted file replaced (transitively)


def _scan_folder(folder: Path, batches: set[str]) -> _Folder:
    """One (table, year) folder: which files readers use and which a compaction replaced."""
    parts, compacts = [], []
    for path in folder.iterdir():
        if is_compacted(path):
            compacts.append(path)
        elif batch_of(path) is not None:
            parts.append(path)
    replaced: set[str] = set()
    footers = {}
    for path in compacts:
        names, batch_rows = _footer(path)
        replaced |= names
        footers[path] = batch_rows
    live = [LakeFile(p, True, footers[p]) for p in sorted(compacts) if p.name not in replaced]
    live += sorted((LakeFile(p, False) for p in parts if p.name not in replaced and batch_of(p) in batches),
                   key=lambda f: (batch_of(f.path), f.path.name))
    dead = sorted(p for p in (*parts, *compacts) if p.name in replaced)
    return _Folder(live, dead, replaced)


def _folders(lake_dir: Path, table: str) -> list[Path]:
    root = Path(lake_dir) / table
    if not root.is_dir():
        return []
    return sorted(p for p in root.glob(f"{PARTITION_KEY}=*") if p.is_dir())


def live_files(lake_dir: Path, table: str, batches: set[str] | None = None) -> list[LakeFile]:
    """The files of a table whose rows readers use: compacted files first, then part files of
    committed batches, oldest first; never a file a present compacted file replaced."""
    batches = committed_batches(lake_dir) if batches is None else batches
    files = [f for folder in _folders(lake_dir, table) for f in _scan_folder(folder, batches).live]
    # one order over all years, as the warehouse loads them: the order rows are inserted in
    return sorted(files, key=lambda f: (not f.compacted, batch_of(f.path) or "", str(f.path)))


def replaced_files(lake_dir: Path, table: str) -> list[Path]:
    """Files a compaction replaced that are still on disk (a kill before it deleted them)."""
    batches = committed_batches(lake_dir)
    return [p for folder in _folders(lake_dir, table) for p in _scan_folder(folder, batches).dead]


def _deletion_order(paths: list[Path]) -> list[Path]:
    # Part files before compacted ones: a compacted file still present keeps naming what it
    # replaced, so a kill half way never brings a replaced file back to life.
    return sorted(paths, key=lambda p: (is_compacted(p), p.name))


def remove_replaced(lake_dir: Path, table: str) -> int:
    """Delete the files of a table a compaction replaced (the caller holds the lake lock)."""
    dead = _deletion_order(replaced_files(lake_dir, table))
    for path in dead:
        path.unlink(missing_ok=True)
    return len(dead)


def committed_files(lake_dir: Path, table: str) -> list[Path]:
    """The Parquet files of a table whose rows are committed: per year, the compacted file (if
    any) and the part files of committed batches it did not replace, oldest batch first."""
    return [f.path for f in live_files(lake_dir, table)]


def _current_batches(lake_dir: Path) -> pa.Table:
    """(report_id, batch_id) the manifest names now: the rows the warehouse loads."""
    manifest = pq.read_table(Path(lake_dir) / MANIFEST_NAME, columns=["report_id", "batch_id", "status"])
    parsed = manifest.filter(pc.equal(manifest["status"], PARSED))
    return parsed.select(["report_id", BATCH_COLUMN])


def _rows_per_batch(files: list[LakeFile]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for f in files:
        if f.batches is not None:
            for b, n in f.batches.items():
                counts[b] = counts.get(b, 0) + n
        else:
            b = batch_of(f.path)
            counts[b] = counts.get(b, 0) + pq.ParquetFile(f.path).metadata.num_rows
    return counts


def _current_rows(f: LakeFile, current: pa.Table) -> int:
    """Rows of one file whose (report, batch) the manifest names now (reads only those columns)."""
    if f.compacted:
        rows = pq.read_table(f.path, columns=["report_id", BATCH_COLUMN])
    else:
        rows = pq.read_table(f.path, columns=["report_id"])
        rows = rows.append_column(BATCH_COLUMN, pa.array([batch_of(f.path)] * rows.num_rows, pa.string()))
    return rows.join(current, ["report_id", BATCH_COLUMN], join_type="left semi").num_rows


def lake_row_counts(lake_dir: Path) -> dict[str, int]:
    """Rows per table the warehouse loads: those of each report's current batch.

    A report read again (a newer parser, a year rerun) has rows in two batches while its old
    batch stays committed for the other reports in it. A batch whose ``reports`` rows number
    more than the reports the manifest still gives it holds such stale rows; only files of
    those batches are read (two columns), every other count comes from Parquet footers.
    """
    batches = committed_batches(lake_dir)
    files = {name: live_files(lake_dir, name, batches) for name in TABLE_NAMES}
    if not batches:
        return {name: 0 for name in TABLE_NAMES}
    current = _current_batches(lake_dir)
    named: dict[str, int] = {}
    for b in current[BATCH_COLUMN].to_pylist():
        named[b] = named.get(b, 0) + 1
    stale = {b for b, n in _rows_per_batch(files["reports"]).items() if n != named.get(b, 0)}
    counts = {}
    for name, table_files in files.items():
        total = 0
        for f in table_files:
            if stale & f.batch_ids():
                total += _current_rows(f, current)
            elif f.batches is not None:
                total += sum(n for b, n in f.batches.items() if b in batches)
            else:
                total += pq.ParquetFile(f.path).metadata.num_rows
        counts[name] = total
    return counts
