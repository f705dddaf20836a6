"""The Parquet lake: every tidy frame the parser produced, kept forever, partitioned by report year.

Layout (any engine that reads hive-partitioned Parquet can use it without DuckDB)::

    data/lake/
      _manifest.parquet                 one row per distinct file content (sha256) ever seen
      reports/year=2022/part-<batch>.parquet
      reports/year=__HIVE_DEFAULT_PARTITION__/part-<batch>.parquet   year unknown
      active_disclosure/year=2022/...   (same for every table of pipeline.parse.schema.FRAMES)
      _staging/                         parsed but not yet committed (ignored by readers)

The partition column ``year`` lives in the folder name only (hive convention), so files do not
repeat it. An unknown year goes to ``__HIVE_DEFAULT_PARTITION__``, the name Hive, Spark, pyarrow
and DuckDB all read back as NULL. Folder names stay ASCII: Chinese names would be percent-encoded.

The manifest is the commit record. A batch's files are written under temporary names, renamed
into place with ``os.replace`` and only then listed in a new manifest (itself replaced
atomically). Files of a batch that is not in the manifest (a crash between the two steps) are
never loaded by the warehouse and are deleted by the next commit, so a crash never leaves a
half-written batch visible and never duplicates rows when the same files are parsed again.

Incremental by content: a file whose sha256 is in the manifest is not parsed again, whatever its
name; a changed file has a new sha256 and is parsed; the old version stays in the lake (the SQL
models pick the newest document per body and year and report ``duplicate_report``). Files the
parser rejects are recorded too (status not ``parsed``), so they are not retried every night;
delete the lake to re-parse everything after a parser upgrade.

At scale (150,000 files a year): a scan reads only the files whose stat changed since the
inventory recorded them (see scan.inspect); new files are parsed by a pool of worker processes,
one per core (store/budget.py); their records go to the staged Parquet files every
BATCH_REPORTS files, and the commit splits the staged tables by year a slice at a time, so
memory does not grow with the night's size.
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import shutil
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from . import atomic
from .. import fields
from ..errors import ReportError
from ..faults import checkpoint
from ..parse import MAX_BYTES
from .budget import Budget, BudgetExceeded, WorkerPool
# the read side (which files hold committed rows), shared with compact.py and the warehouse
from .lake_files import (MANIFEST_NAME, PARSED, PARTITION_KEY, batch_of, committed_batches,  # noqa: F401
                         committed_files, lake_row_counts, live_files, remove_replaced)
from .progress import Progress
from .scan import (CRASHED, Known, RawFile, display_path, entries, folder_prefixes, inspect,  # noqa: F401
                   recorded_name, scan_raw, sha256_of)
from ..parse.schema import FRAMES, TABLE_NAMES
from ..analyse.idf import IdfTable, needs_rebuild  # pure Python: no jieba

try:  # POSIX only; on other systems the Dagster pool is the only guard
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

PATHS_NAME = "_paths.parquet"
IDF_NAME = "_statement_idf.parquet"  # the IDF of section 五's terms, learnt from the lake (see below)
SOURCE_FILES, FILE_PATHS = "source_files", "file_paths"  # their tables in fields.toml and the warehouse
INVENTORY_NAME = "_inventory.parquet"
STAGING_NAME = "_staging"
LOCK_NAME = ".lock"
UNKNOWN_PARTITION = "__HIVE_DEFAULT_PARTITION__"

_ARROW_TYPES = {"string": pa.string(), "Int64": pa.int64(), "Float64": pa.float64()}

MANIFEST_SCHEMA = fields.arrow_schema(SOURCE_FILES)  # one row per file content (sha256)
MANIFEST_COLUMNS: tuple[str, ...] = tuple(MANIFEST_SCHEMA.names)

_NULLABLE = {pa.int64(): pd.Int64Dtype(), pa.string(): pd.StringDtype()}

# Every file name under which a content was seen: the manifest is per content (sha256), the
# ingest log an analyst reads is per file, so a copy under a second name is accounted for too.
PATHS_SCHEMA = fields.arrow_schema(FILE_PATHS)
STATEMENT_IDF = "statement_idf"  # its table in fields.toml and the warehouse
IDF_SCHEMA = fields.arrow_schema(STATEMENT_IDF)

ParseFn = Callable[[bytes, str], object]
ProgressFn = Callable[[str], None]
BATCH_REPORTS = 500  # files whose records are held in memory before they go to the staged Parquet files
ROW_GROUP_ROWS = 64 * 1024  # rows a lake file's writer holds before it writes them out as a row group
ROW_GROUP_BYTES = 16 * 2**20  # ... or this many bytes of them (a reports row carries sections 5 and 6 as text)

@dataclass
class StageResult:
    n_files: int = 0  # files found in the raw folders
    n_known: int = 0  # their content was in the manifest already: not parsed
    n_parsed: int = 0  # parsed into reports now
    n_rejected: int = 0  # the parser refused them (ReportError)
    n_reparsed: int = 0  # read before by an older parser, parsed again now
    n_again: int = 0  # known, parsed again because the caller asked (`again`): new rows replace the old
    parsed: list[str] = field(default_factory=list)  # paths parsed
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (path, one-line reason)


@dataclass
class CommitResult:
    batch_id: str | None = None
    n_reports: int = 0  # reports added to the lake
    n_rejected: int = 0  # rejected files recorded in the manifest
    rows: dict[str, int] = field(default_factory=dict)  # rows added per table
    files_written: int = 0
    orphans_removed: int = 0
    paths_changed: bool = False  # the path log was rewritten: the raw folders hold other names than last run
    idf_learnt: bool = False  # the statements' IDF was learnt again (they grew by more than idf.REBUILD_SHARE)


@functools.cache  # built once: a run asks for it once per file and table
def contract_schema(name: str) -> pa.Schema:
    """The Arrow schema of a tidy frame, exactly as the field registry (pipeline/fields.toml) defines it."""
    return fields.arrow_schema(name)


def table_schema(name: str) -> pa.Schema:
    """The Arrow schema of a lake file: the contract's columns minus the partition column."""
    return pa.schema([f for f in contract_schema(name) if f.name != PARTITION_KEY])


# `path` is the printable name; `path_os` the name's bytes as the OS has them, so a name that is
# not UTF-8 still opens the file when the parse step reads the inventory back. The stat signature
# (size, mtime_ns, ctime_ns, inode; NULL when not to be trusted) lets the next scan take a file's
# sha256 from here instead of reading the file (see scan.inspect).
INVENTORY_SCHEMA = pa.schema([("path", pa.string()), ("path_os", pa.binary()), ("sha256", pa.string()),
                              ("size", pa.int64()), ("mtime", pa.timestamp("us", tz="UTC")),
                              ("status", pa.string()), ("reason", pa.string()),
                              ("mtime_ns", pa.int64()), ("ctime_ns", pa.int64()), ("inode", pa.int64())])


def _inventory_table(lake_dir: Path) -> pa.Table | None:
    path = Path(lake_dir) / INVENTORY_NAME
    if not path.exists():
        return None
    # an inventory written before the signature columns: they read as NULL (every file hashed once more)
    return pq.read_table(path, schema=INVENTORY_SCHEMA)


def write_inventory(lake_dir: Path, files: Sequence[RawFile], previous: pa.Table | None = None) -> Path:
    """Record what the raw folders hold now, for the parse step (the files stay where they are)
    and for the next scan (see stat_cache). Not rewritten when it would hold the same as now
    (`previous`: the inventory as the caller read it, else it is read here)."""
    dest = Path(lake_dir) / INVENTORY_NAME
    signatures = [f.signature or (None, None, None, None) for f in files]
    table = pa.table({
        "path": [f.name for f in files], "path_os": [f.path.encode(*_FS_CODEC) for f in files],  # os.fsencode
        "sha256": [f.sha256 for f in files], "size": [f.size for f in files], "mtime": [f.mtime for f in files],
        "status": [f.status for f in files], "reason": [f.reason for f in files],
        **{name: [s[i] for s in signatures] for i, name in ((1, "mtime_ns"), (2, "ctime_ns"), (3, "inode"))},
    }, schema=INVENTORY_SCHEMA)
    old = _inventory_table(lake_dir) if previous is None else previous
    if old is None or not old.equals(table):
        _write_parquet_atomic(table, dest)
    return dest


def read_inventory(lake_dir: Path) -> list[RawFile]:
    table = _inventory_table(lake_dir)
    if table is None:
        return []
    # `path_os` opens the file; `path` is the name the scan recorded it under (relative to its raw folder)
    return [RawFile(os.fsdecode(r["path_os"]), r["sha256"], r["size"], r["mtime"], r["status"], r["reason"],
                    None if r["mtime_ns"] is None else (r["size"], r["mtime_ns"], r["ctime_ns"], r["inode"]),
                    label=r["path"])
            for r in table.to_pylist()]


def stat_cache(lake_dir: Path, inventory: pa.Table | None = None) -> Known:
    """path -> (stat signature, sha256) of the files the last scan read or trusted (see scan.inspect);
    from `inventory` when the caller has read it already."""
    table = _inventory_table(lake_dir) if inventory is None else inventory
    if table is None:
        return {}
    table = table.filter(pc.and_(pc.is_null(table["status"]), pc.is_valid(table["mtime_ns"])))
    cols = [table[c].to_pylist() for c in ("path_os", "sha256", "size", "mtime_ns", "ctime_ns", "inode")]
    return {p.decode(*_FS_CODEC): ((size, m, c, ino), sha) for p, sha, size, m, c, ino in zip(*cols)}  # os.fsdecode


_FS_CODEC = (sys.getfilesystemencoding(), sys.getfilesystemencodeerrors())  # what os.fsencode/fsdecode use


def scan_folders(lake_dir: Path, folders: Iterable[Path]) -> list[RawFile]:
    """scan.scan_raw, reading only the files that are new or changed since the inventory was written."""
    return scan_raw(folders, known=stat_cache(lake_dir))


def find_new_files(folders: Iterable[Path], lake_dir: Path) -> list[RawFile]:
    """Files whose content the lake has not seen; cheap enough for a sensor polling every minute.

    A file whose path, size and modification time match the manifest, or whose stat matches the
    inventory, is not hashed again; everything else is hashed and compared by content.
    """
    manifest = read_manifest(lake_dir)
    known = set(manifest["sha256"])
    seen = {(p, int(sz), _us(m)) for p, sz, m in zip(manifest["source_path"], manifest["file_size"],
                                                      manifest["file_mtime"]) if pd.notna(m)}
    cache = stat_cache(lake_dir)
    started = time.time_ns()
    folders = list(folders)
    prefixes = folder_prefixes(folders)
    out = []
    for path, root in entries(folders):
        try:
            st = os.stat(path)
        except OSError:
            continue  # a dangling link, a file gone: the run's scan records why
        mtime = datetime.fromtimestamp(st.st_mtime, tz=timezone.utc)
        given = os.fspath(root)
        name = recorded_name(path, given, prefixes[given])  # as the manifest records it
        if (name, st.st_size, _us(mtime)) in seen:
            continue
        f = inspect(path, root, known=cache, started_ns=started, label=name)
        if f.status is None and f.sha256 not in known:
            out.append(f)
    return out


def _us(ts: object) -> int:
    return int(pd.Timestamp(ts).value // 1000)


# --- manifest -------------------------------------------------------------------------------

def _manifest_table(lake_dir: Path, pandas_metadata: bool = False, columns: Sequence[str] | None = None) -> pa.Table:
    """The manifest with exactly MANIFEST_SCHEMA's columns (or `columns` of them), as Arrow
    (cheap for large manifests)."""
    schema = MANIFEST_SCHEMA if columns is None else pa.schema([MANIFEST_SCHEMA.field(c) for c in columns])
    path = Path(lake_dir) / MANIFEST_NAME
    if not path.exists():
        return schema.empty_table()
    present = set(pq.read_schema(path).names) if columns is not None else None
    table = pq.read_table(path, columns=None if columns is None else [c for c in columns if c in present])
    # a manifest written before a column existed: the column is there, NULL
    for fld in schema:
        if fld.name not in table.column_names:
            table = table.append_column(fld, pa.nulls(len(table), fld.type))
    table = table.select(schema.names).cast(schema)
    return table if pandas_metadata else table.replace_schema_metadata(None)


def read_manifest(lake_dir: Path) -> pd.DataFrame:
    # nullable dtypes: a year must not turn into a float because one file had none
    return _manifest_table(lake_dir, pandas_metadata=True).to_pandas(types_mapper=_NULLABLE.get)


def _hashes(lake_dir: Path, parser_version: str | None, same_version: bool) -> set[str]:
    m = _manifest_table(lake_dir, columns=("sha256", "status", "parser_version"))
    keep = pc.fill_null(pc.not_equal(m["status"], CRASHED), True)
    if parser_version is not None:
        same = pc.equal(pc.fill_null(m["parser_version"], ""), parser_version)
        keep = pc.and_(keep, same if same_version else pc.invert(same))
    return set(m["sha256"].filter(keep).to_pylist())


def known_hashes(lake_dir: Path, parser_version: str | None = None) -> set[str]:
    """Contents not to parse again: everything in the manifest except parser crashes and, given
    the running parser's version, what an older parser read."""
    return _hashes(lake_dir, parser_version, same_version=True)


def outdated_hashes(lake_dir: Path, parser_version: str) -> set[str]:
    """Contents an older parser read (crashes aside): re-parsed while their raw file is there."""
    return _hashes(lake_dir, parser_version, same_version=False)


def _one_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


def _write_parquet_atomic(table: pa.Table, dest: Path) -> None:
    """Every lake file (partition files, manifest, path log, inventory) is written through here."""
    dest.parent.mkdir(parents=True, exist_ok=True)

    def failed(err: OSError) -> LakeWriteError:
        # A full disk or a read-only folder: say which file; what was there before stays.
        return LakeWriteError(f"cannot write {dest}: {err.strerror or err}")

    def write(tmp: Path) -> None:
        try:
            pq.write_table(table, tmp)
        except OSError as err:
            raise failed(err) from err

    atomic.write_atomic(dest, write, failed=failed, written=f"lake: {dest.name} written, not yet in place",
                        placed=f"lake: {dest.name} in place")


# --- locking --------------------------------------------------------------------------------

@contextlib.contextmanager
def exclusive_lock(lock_path: Path) -> Iterator[None]:
    """Block until no other process holds the lock.

    The Dagster pool already serialises writers inside one instance; this also covers an
    `ogi run` started by hand while the daemon's nightly run is writing.
    """
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    if fcntl is None:  # pragma: no cover
        yield
        return
    with open(lock_path, "a+b") as f:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)


# --- staging: parse what is new -------------------------------------------------------------

def _arrow_column(values: list, dtype: str) -> pa.Array:
    """One contract column from plain values, exactly as pandas' nullable dtypes would take them.

    Arrow converts directly and several times faster. Where it refuses a value (a bool or a
    number in a text column, an int past 64 bits) pandas converts, as the lake always has; where
    the two would differ, in an integer column given a float (Arrow truncates 2022.5, pandas
    refuses it), pandas is asked first.
    """
    if dtype != "Int64" or set(map(type, values)) <= _INTS:
        try:
            return pa.array(values, type=_ARROW_TYPES[dtype], from_pandas=True)  # from_pandas: NaN is NULL
        except (pa.ArrowException, OverflowError):
            pass
    return pa.array(pd.array(values, dtype=dtype), type=_ARROW_TYPES[dtype])


_INTS = {int, type(None)}


def _record_batch(name: str, rows: list[dict]) -> pa.RecordBatch:
    """One file's rows of one table, with the contract's columns and types."""
    arrays = []
    for col, dtype in FRAMES[name].items():
        values = [r.get(col) for r in rows]
        try:
            arrays.append(_arrow_column(values, dtype))
        except (TypeError, ValueError, OverflowError, pa.ArrowException) as err:
            # A parser bug (the parser nulls what no count can be): name the column, not pandas' internals.
            raise ValueError(f"{name}.{col} ({dtype}): a value the column "
                             f"cannot hold ({_one_line(err)})") from err
    return pa.RecordBatch.from_arrays(arrays, schema=contract_schema(name))


class LakeWriteError(OSError):
    """A lake file could not be written; the message names it. The previous lake state stands."""


class _Retry(Exception):
    """The file could not be read as it was scanned: recorded and tried again next run."""


class _ParquetSink:
    """One Parquet file written as rows come, in bounded memory.

    Rows are held until `ROW_GROUP_ROWS` (or `ROW_GROUP_BYTES`) are there, then written as one
    row group through a ParquetWriter; a file that never grows past that is written in one call
    when it is closed.
    `failed` turns an OSError (a full disk) into the error that names the file for the user.
    """

    def __init__(self, path: Path, schema: pa.Schema, failed: Callable[[OSError], Exception]) -> None:
        self.path, self.schema, self.failed = path, schema, failed
        self.rows = 0
        self._held: list[pa.Table] = []
        self._held_rows = self._held_bytes = 0
        self._writer: pq.ParquetWriter | None = None

    def write(self, table: pa.Table) -> None:
        if table.num_rows == 0:
            return
        self._held.append(table)
        self._held_rows += table.num_rows
        self._held_bytes += table.nbytes
        self.rows += table.num_rows
        if self._held_rows >= ROW_GROUP_ROWS or self._held_bytes >= ROW_GROUP_BYTES:
            try:
                if self._writer is None:
                    self._writer = pq.ParquetWriter(self.path, self.schema)
                self._writer.write_table(self._take())
            except OSError as err:
                raise self.failed(err) from err

    def _take(self) -> pa.Table:
        table = pa.concat_tables(self._held) if self._held else self.schema.empty_table()
        self._held, self._held_rows, self._held_bytes = [], 0, 0
        return table

    def close(self, *_: object) -> None:
        """Write what is held and finish the file (the signature lets atomic.write_atomic call it)."""
        try:
            if self._writer is None:
                pq.write_table(self._take(), self.path)
                return
            if self._held:
                self._writer.write_table(self._take())
            self._writer.close()
            self._writer = None
        except OSError as err:
            raise self.failed(err) from err

    def abandon(self) -> None:
        """After a failure: let go of the open file, whatever state it is in (the caller deletes it)."""
        self._held = []
        if self._writer is not None:
            with contextlib.suppress(Exception):
                self._writer.close()
            self._writer = None


def _read_stable(path: str, sha256: str) -> bytes:
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_BYTES + 1)  # bounded even if the file grew after the scan
    except OSError as err:
        raise _Retry(f"cannot read the file ({err.strerror or type(err).__name__}); tried again next run") from None
    # A file still being written (a scraper mid-download) has other bytes than the ones hashed.
    if hashlib.sha256(raw).hexdigest() != sha256:
        raise _Retry("the file changed while it was being read; tried again next run")
    return raw


# What parsing one file gives: status, one-line reason, the report's row (report_id, org, year)
# and its rows per table as Arrow record batches - serialized when they come from a worker, which
# is far cheaper for the parent than unpickling and gathering Python rows.
Batches = dict[str, "pa.RecordBatch | bytes"]
Outcome = tuple[str, str | None, dict | None, Batches | None]
_Job = tuple[int, str, str, str]  # (index in the run's list, path to open, sha256 as scanned, printable name)


def _parse_file(parse: ParseFn, in_worker: bool, job: _Job) -> Outcome:
    """Read one file (checking it is the content scanned) and parse it; never raises for a file."""
    _, path, sha256, name = job
    try:
        records = parse(_read_stable(path, sha256), name).records  # type: ignore[attr-defined]
        report = (records.get("reports") or [None])[0]
        batches: Batches = {}
        for table in TABLE_NAMES:
            if rows := records.get(table):
                batch = _record_batch(table, rows)
                batches[table] = batch.serialize().to_pybytes() if in_worker else batch
    except _Retry as err:
        return CRASHED, str(err), None, None
    except ReportError as err:
        return getattr(err, "status", "error"), _one_line(err), None, None
    except MemoryError:
        if in_worker:
            raise  # the worker reports it as the file's memory budget
        return CRASHED, "MemoryError: out of memory", None, None
    except Exception as err:  # noqa: BLE001 - one file must never stop the night's run
        # A parser bug, not a property of the file: recorded, and retried on the next run.
        return CRASHED, f"{type(err).__name__}: {_one_line(err)}", None, None
    meta = None if report is None else {k: report.get(k) for k in ("report_id", "org", "year")}
    return PARSED, None, meta, batches


MAX_REPARSE = 20_000  # files an upgraded parser reads again per run: a national archive takes a few nights


def stage_new_reports(lake_dir: Path, files: Sequence[RawFile], parse: ParseFn,
                      progress: ProgressFn | Progress | None = None, budget: Budget | None = None,
                      parser_version: str | None = None, max_reparse: int = MAX_REPARSE,
                      workers: int | None = None, again: Iterable[str] = ()) -> StageResult:
    """Parse the files whose content the lake has not seen and stage the result for commit.

    `parse` is handed in by the caller (cli, assets): the lake stores records, it does not
    know how they are made. With a `budget`, files are parsed in `workers` processes (default:
    one per core), each file under its time and memory (see store/budget.py); one past it is
    recorded `crashed` with the reason. Without, they are parsed here, one after the other. With
    the parser's version, files an older parser read are parsed again (at most `max_reparse`
    per run) and their new rows replace the old ones. `again` names contents (sha256) to parse
    again although the lake holds them, e.g. to rerun one report year: their new rows replace
    the old ones too.

    Records go to the staged Parquet files every BATCH_REPORTS files, so memory does not grow
    with the number of files. Replaces any earlier staging: what is staged is always "every file
    not in the manifest", so a staging left by a crashed run is simply produced again.
    """
    lake_dir = Path(lake_dir)
    reporter = Progress.of(progress)
    with exclusive_lock(lake_dir / LOCK_NAME):
        version = _Version(parser_version, max_reparse)
        if budget is None:
            work = functools.partial(_parse_file, parse, False)
            return _stage(lake_dir, files, lambda jobs: ((job, work(job)) for job in jobs), reporter, version,
                          set(again))
        with WorkerPool(functools.partial(_parse_file, parse, True), budget, workers) as pool:
            return _stage(lake_dir, files, lambda jobs: _outcomes(pool.run(jobs)), reporter, version, set(again))


def _outcomes(results: Iterable[tuple[_Job, Outcome | BudgetExceeded]]) -> Iterator[tuple[_Job, Outcome]]:
    for job, got in results:
        yield job, ((CRASHED, str(got), None, None) if isinstance(got, BudgetExceeded) else got)


@dataclass(frozen=True)
class _Version:
    parser: str | None
    max_reparse: int


_STAGED_FILES = pa.schema([*(fld for fld in MANIFEST_SCHEMA if fld.name not in ("ingested_at", "batch_id")),
                           # a forced re-parse (`again`): the batch whose rows it replaces
                           pa.field("replaces_batch", pa.string())])


class _Staging:
    """The staged Parquet files of one run, filled in batches in a temp folder."""

    def __init__(self, folder: Path) -> None:
        def failed(dest: Path) -> Callable[[OSError], Exception]:
            # Arrow's "Error writing bytes to file" does not say which file
            return lambda err: LakeWriteError(f"cannot write {dest}: {err}; nothing was staged")

        self.schemas = {name: contract_schema(name) for name in TABLE_NAMES}
        self.sinks = {name: _ParquetSink(folder / f"{name}.parquet", self.schemas[name],
                                         failed(folder / f"{name}.parquet")) for name in TABLE_NAMES}
        self.files = _ParquetSink(folder / "files.parquet", _STAGED_FILES, failed(folder / "files.parquet"))
        self.paths = _ParquetSink(folder / "paths.parquet", _STAGED_PATHS, failed(folder / "paths.parquet"))
        self._batches: dict[str, list[pa.RecordBatch]] = {name: [] for name in TABLE_NAMES}
        self._files: list[dict] = []

    def add(self, row: dict, batches: Batches | None) -> None:
        self._files.append(row)
        for name, batch in (batches or {}).items():
            if isinstance(batch, bytes):
                batch = pa.ipc.read_record_batch(pa.py_buffer(batch), self.schemas[name])
            self._batches[name].append(batch)
        if len(self._files) >= BATCH_REPORTS:
            self.flush()

    def flush(self) -> None:
        for name, batches in self._batches.items():
            if batches:
                # one contiguous table per batch of files: hundreds of tiny chunks would slow the writer
                self.sinks[name].write(pa.Table.from_batches(batches, self.schemas[name]).combine_chunks())
        self._batches = {name: [] for name in TABLE_NAMES}
        self.files.write(pa.Table.from_pylist(self._files, schema=_STAGED_FILES))
        self._files = []

    def close(self, files: Sequence[RawFile]) -> None:
        self.flush()
        for sink in self.sinks.values():
            sink.close()
        self.files.close()
        for i in range(0, len(files), ROW_GROUP_ROWS):
            chunk = files[i:i + ROW_GROUP_ROWS]
            self.paths.write(pa.table({"path": [f.name for f in chunk], "sha256": [f.sha256 for f in chunk],
                                       "file_size": [f.size for f in chunk]}, schema=_STAGED_PATHS))
        self.paths.close()

    def abandon(self) -> None:
        for sink in (*self.sinks.values(), self.files, self.paths):
            sink.abandon()


def _stage(lake_dir: Path, files: Sequence[RawFile],
           parse_all: Callable[[list[_Job]], Iterator[tuple[_Job, Outcome]]],
           progress: Progress, version: _Version, again: set[str]) -> StageResult:
    known = known_hashes(lake_dir)
    result = StageResult(n_files=len(files))
    present = dict.fromkeys(f.sha256 for f in files)
    if version.parser is not None:
        # an upgraded parser: what an older one read is parsed again, a bounded number per run
        outdated = outdated_hashes(lake_dir, version.parser)
        redo = [h for h in present if h in outdated][:version.max_reparse]
        known -= set(redo)
        result.n_reparsed = len(redo)
    replaces: dict[str, str] = {}  # content parsed again on request -> the batch its rows are in now
    if again:
        m = _manifest_table(lake_dir, columns=("sha256", "batch_id"))
        batch_of = dict(zip(m["sha256"].to_pylist(), m["batch_id"].to_pylist()))
        replaces = {h: batch_of[h] for h in present if h in again and h in known and batch_of.get(h)}
        known -= set(replaces)
        result.n_again = len(replaces)

    rows: list[dict] = []  # entries the scan already decided on (skipped, unreadable, too large)
    jobs: list[_Job] = []
    staged: set[str] = set()
    for i, f in enumerate(files):
        if f.sha256 in known or f.sha256 in staged:  # known, or the same bytes under two names: one document
            result.n_known += 1
            continue
        staged.add(f.sha256)
        if f.status is not None:
            rows.append(_file_row(f, version, replaces, f.status, f.reason or ""))
        else:
            jobs.append((i, f.path, f.sha256, f.name))

    tmp = lake_dir / f".{STAGING_NAME}.{uuid.uuid4().hex}.tmp"
    tmp.mkdir(parents=True)
    out = _Staging(tmp)
    try:
        for row in rows:
            _count_rejected(result, row)
            out.add(row, None)
        with progress.count(len(jobs), "parse") as counter:
            for job, (status, error, report, batches) in parse_all(jobs):
                f = files[job[0]]
                row = _file_row(f, version, replaces, status, error)
                if status == PARSED:
                    if report:
                        row["report_id"] = str(report["report_id"])
                        row["org"], row["year"] = report["org"], report["year"]
                    result.n_parsed += 1
                    result.parsed.append(f.name)
                out.add(row, batches)
                counter.update(1, rejected=_count_rejected(result, row))
        out.close(files)
        checkpoint("lake: staging written, not yet in place")
        shutil.rmtree(lake_dir / STAGING_NAME, ignore_errors=True)
        os.replace(tmp, lake_dir / STAGING_NAME)
        checkpoint("lake: staging in place")
    except BaseException:
        out.abandon()
        raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    progress(f"staged {len(jobs) + len(rows)} new files: {result.n_parsed} parsed, {result.n_rejected} rejected, "
             f"{result.n_known} already in the lake"
             + (f", {result.n_reparsed} read again by a newer parser" if result.n_reparsed else "")
             + (f", {result.n_again} read again on request" if result.n_again else ""))
    return result


def _file_row(f: RawFile, version: _Version, replaces: dict[str, str], status: str, error: str | None) -> dict:
    return {"sha256": f.sha256, "report_id": None if f.status else f.sha256[:16], "source_path": f.name,
            "file_size": f.size, "file_mtime": f.mtime, "status": status, "error": error,
            "org": None, "year": None, "parser_version": version.parser, "replaces_batch": replaces.get(f.sha256)}


def _count_rejected(result: StageResult, row: dict) -> int:
    if row["status"] == PARSED:
        return 0
    result.n_rejected += 1
    result.rejected.append((row["source_path"], f"{row['status']}: {row['error']}"))
    return 1


# --- commit: staging -> partitions + manifest -----------------------------------------------

_STAGED_PATHS = pa.schema([f for f in PATHS_SCHEMA if f.name in ("path", "sha256", "file_size")])


def read_paths(lake_dir: Path) -> pd.DataFrame:
    path = Path(lake_dir) / PATHS_NAME
    table = pq.read_table(path, schema=PATHS_SCHEMA) if path.exists() else PATHS_SCHEMA.empty_table()
    return table.to_pandas(types_mapper=_NULLABLE.get)


def _record_paths(lake_dir: Path, staging: Path, now: datetime) -> bool:
    """Upsert the staged file names into the path log (idempotent: a rerun just refreshes last_seen).

    Not rewritten when the raw folders hold exactly the names (and contents) the last rewrite
    saw: `last_seen` is then the last run that found the folders changed, and rows older than
    the newest `last_seen` are still the files that are gone. Returns whether it was rewritten."""
    staged_file = staging / "paths.parquet"
    if not staged_file.exists():
        return False
    staged = pq.read_table(staged_file, schema=_STAGED_PATHS)
    if staged.num_rows == 0:
        return False
    path = Path(lake_dir) / PATHS_NAME
    old = pq.read_table(path, schema=PATHS_SCHEMA) if path.exists() else PATHS_SCHEMA.empty_table()
    keys = list(zip(staged["path"].to_pylist(), staged["sha256"].to_pylist()))
    unique = dict.fromkeys(keys)
    if old.num_rows:
        latest = old.filter(pc.equal(old["last_seen"], pc.max(old["last_seen"])))
        if set(zip(latest["path"].to_pylist(), latest["sha256"].to_pylist())) == unique.keys():
            return False
    first = dict(zip(zip(old["path"].to_pylist(), old["sha256"].to_pylist()), old["first_seen"].to_pylist()))
    keep_new = [True] * len(keys)
    if len(unique) != len(keys):  # the same name and content listed twice: once in the log
        seen: set[tuple[str, str]] = set()
        for i, k in enumerate(keys):
            keep_new[i] = k not in seen
            seen.add(k)
    new = staged.filter(pa.array(keep_new))
    new = pa.table({"path": new["path"], "sha256": new["sha256"], "file_size": new["file_size"],
                    "first_seen": pa.array([first.get(k, now) for k in unique], PATHS_SCHEMA.field("first_seen").type),
                    "last_seen": pa.array([now] * new.num_rows, PATHS_SCHEMA.field("last_seen").type)},
                   schema=PATHS_SCHEMA)
    kept = old.filter(pa.array([k not in unique for k in zip(old["path"].to_pylist(), old["sha256"].to_pylist())],
                               pa.bool_())) if old.num_rows else old
    merged = pa.concat_tables([kept.replace_schema_metadata(None), new]) if kept.num_rows else new
    _write_parquet_atomic(merged, path)
    return True

# --- the statements' IDF ----------------------------------------------------------------------
# Keywords weigh a statement's terms by an IDF learnt from the lake's own statements, kept in one
# bookkeeping file so it is the same from run to run, and learnt again only when the statements
# grew by more than a set share since (pipeline/analyse/idf.py: the formula and the rule).

def _current_column_rows(lake_dir: Path, table: str, columns: Sequence[str]) -> pa.Table:
    """`columns` of a table's rows the warehouse loads: those of each report's current batch."""
    current = _manifest_table(lake_dir, columns=["report_id", "batch_id", "status"])
    current = current.filter(pc.equal(current["status"], PARSED)).select(["report_id", "batch_id"])
    parts = []
    wanted = list(dict.fromkeys([*columns, "report_id"]))
    for f in live_files(lake_dir, table):
        if f.compacted:  # a compacted file carries each row's batch
            rows = pq.read_table(f.path, columns=[*wanted, "batch_id"])
        else:
            rows = pq.read_table(f.path, columns=wanted)
            rows = rows.append_column("batch_id", pa.array([batch_of(f.path)] * rows.num_rows, pa.string()))
        parts.append(rows.join(current, ["report_id", "batch_id"], join_type="left semi").select(list(columns)))
    return pa.concat_tables(parts) if parts else pa.schema(
        [contract_schema(table).field(c) for c in columns]).empty_table()


def read_statement_idf(lake_dir: Path) -> IdfTable | None:
    """The IDF the lake keeps, or None before one was learnt."""
    path = Path(lake_dir) / IDF_NAME
    if not path.exists():
        return None
    table = pq.read_table(path, columns=["term", "df", "n_docs"])
    n_docs = table["n_docs"][0].as_py() if table.num_rows else int(pq.read_metadata(path).metadata[b"ogi.n_docs"])
    return IdfTable(dict(zip(table["term"].to_pylist(), table["df"].to_pylist())), n_docs)


def refresh_statement_idf(lake_dir: Path, now: datetime | None = None, force: bool = False) -> bool:
    """Learn the statements' IDF again when the lake's statements (current rows of
    problem_statements) grew by more than idf.REBUILD_SHARE since it was learnt, or when `force`.
    The caller holds the lake lock (commit_staged does). Returns whether it was written."""
    lake_dir = Path(lake_dir)
    kept = read_statement_idf(lake_dir)
    n_now = _current_column_rows(lake_dir, "problem_statements", ["report_id"]).num_rows
    if not force and not needs_rebuild(kept.n_docs if kept else 0, n_now):
        return False
    # statement_terms holds one row per (statement, term): a term's rows are its document frequency
    counts = _current_column_rows(lake_dir, "statement_terms", ["term"]).group_by("term").aggregate(
        [("term", "count")])
    learnt = IdfTable(dict(zip(counts["term"].to_pylist(), counts["term_count"].to_pylist())), n_now)
    rows = learnt.records()
    when = now or datetime.now(timezone.utc)
    table = pa.table({"term": [r["term"] for r in rows], "df": [r["df"] for r in rows],
                      "idf": [r["idf"] for r in rows], "n_docs": [n_now] * len(rows),
                      "learnt_at": [when] * len(rows)}, schema=IDF_SCHEMA)
    # n_docs also in the footer: a corpus of statements without a single term still says how many
    _write_parquet_atomic(table.replace_schema_metadata({"ogi.n_docs": str(n_now)}), lake_dir / IDF_NAME)
    return True


def _partition_dir(lake_dir: Path, table: str, year: object) -> Path:
    value = UNKNOWN_PARTITION if year is None or pd.isna(year) else str(int(year))
    return lake_dir / table / f"{PARTITION_KEY}={value}"


def remove_orphans(lake_dir: Path) -> int:
    """Delete temp files, files of batches the manifest does not list (a crashed commit) and files
    a compaction replaced but was killed before deleting (see compact.py)."""
    lake_dir = Path(lake_dir)
    batches = committed_batches(lake_dir)
    removed = 0
    for name in TABLE_NAMES:
        root = lake_dir / name
        if not root.is_dir():
            continue
        removed += remove_replaced(lake_dir, name)
        for path in root.rglob("*"):
            if not path.is_file():
                continue
            batch = batch_of(path)
            # ".tmp": what atomic.temp_beside named a file whose writer was killed
            if path.name.endswith(".tmp") or (batch is not None and batch not in batches):
                path.unlink(missing_ok=True)
                removed += 1
    for tmp in lake_dir.glob(f".{MANIFEST_NAME}.*.tmp"):
        tmp.unlink(missing_ok=True)
    return removed


def commit_staged(lake_dir: Path, progress: ProgressFn | Progress | None = None) -> CommitResult:
    """Move the staged batch into the year partitions and record it in the manifest.

    Staged tables are read a slice at a time and each slice split by its reports' years into
    one open file per (table, year): memory stays bounded whatever the night's size. The
    partition files are renamed into place, then the manifest is written: the commit point."""
    lake_dir = Path(lake_dir)
    result = CommitResult()
    with exclusive_lock(lake_dir / LOCK_NAME):
        result.orphans_removed = remove_orphans(lake_dir)
        staging = lake_dir / STAGING_NAME
        if not (staging / "files.parquet").exists():
            return result
        files = _staged_files(staging)
        versions = set(files["parser_version"].drop_null().unique().to_pylist())
        files = _files_to_commit(lake_dir, files, versions.pop() if len(versions) == 1 else None)
        now = datetime.now(timezone.utc)
        if files.num_rows == 0:
            result.paths_changed = _record_paths(lake_dir, staging, now)
            shutil.rmtree(staging, ignore_errors=True)
            return result
        parsed = files.filter(pc.equal(files["status"], PARSED))
        batch_id = now.strftime("%Y%m%dT%H%M%S%fZ") + "-" + uuid.uuid4().hex[:8]
        result.batch_id = batch_id

        # Child tables carry no year: each row goes to the partition of its report.
        reports = pq.read_table(staging / "reports.parquet", columns=["report_id", PARTITION_KEY])
        staged_years = dict(zip(reports["report_id"].to_pylist(), reports[PARTITION_KEY].to_pylist()))
        year_of = {i: staged_years.get(i) for i in parsed["report_id"].to_pylist()}  # the reports committed now
        del reports, staged_years
        for name in TABLE_NAMES:
            written = _split_by_year(lake_dir, staging / f"{name}.parquet", name, batch_id, year_of)
            if written:
                result.rows[name] = written[0]
                result.files_written += written[1]
        rows = files.append_column("batch_id", pa.array([batch_id] * files.num_rows, pa.string())) \
            .append_column("ingested_at", pa.array([now] * files.num_rows, MANIFEST_SCHEMA.field("ingested_at").type)) \
            .select(MANIFEST_SCHEMA.names).cast(MANIFEST_SCHEMA)
        # a file read again (crashed before, an older parser, or on request): its new row replaces the old
        manifest = _manifest_table(lake_dir)
        manifest = manifest.filter(pc.invert(pc.is_in(manifest["sha256"], value_set=rows["sha256"])))
        _write_parquet_atomic(pa.concat_tables([manifest, rows]), lake_dir / MANIFEST_NAME)
        # After the manifest: a crash here loses only file names, which the next run records again.
        result.paths_changed = _record_paths(lake_dir, staging, now)
        shutil.rmtree(staging, ignore_errors=True)
        # After the commit point too: a crash here leaves the IDF as it was, learnt again next commit.
        result.idf_learnt = refresh_statement_idf(lake_dir, now)
        result.n_reports = len(year_of)
        result.n_rejected = files.num_rows - parsed.num_rows
        Progress.of(progress)(f"lake: batch {batch_id}: {result.n_reports} reports, "
                              f"{result.n_rejected} rejected files, {result.files_written} Parquet files")
    return result


def _staged_files(staging: Path) -> pa.Table:
    files = pq.read_table(staging / "files.parquet")
    for fld in _STAGED_FILES:  # a staging left by an older version lacks the newer columns
        if fld.name not in files.column_names:
            files = files.append_column(fld, pa.nulls(files.num_rows, fld.type))
    return files.select(_STAGED_FILES.names).cast(_STAGED_FILES)


def _files_to_commit(lake_dir: Path, files: pa.Table, parser_version: str | None) -> pa.Table:
    """The staged files the manifest does not hold yet, once each.

    An earlier run may have committed the same files already (two runs interleaving): content
    the staged parser already read goes in once, an older parser's reading is replaced, and a
    forced re-parse replaces only the batch it was staged against (not one committed since)."""
    known = pa.array(list(known_hashes(lake_dir, parser_version)), pa.string())
    keep = pc.invert(pc.is_in(files["sha256"], value_set=known))
    forced = files.filter(pc.is_valid(files["replaces_batch"]))
    if forced.num_rows:
        m = _manifest_table(lake_dir, columns=("sha256", "batch_id"))
        batch_of = dict(zip(m["sha256"].to_pylist(), m["batch_id"].to_pylist()))
        still = {h for h, b in zip(forced["sha256"].to_pylist(), forced["replaces_batch"].to_pylist())
                 if batch_of.get(h) == b}
        keep = pc.or_(keep, pc.is_in(files["sha256"], value_set=pa.array(sorted(still), pa.string())))
    files = files.filter(keep)
    if pc.count_distinct(files["sha256"]).as_py() == files.num_rows:
        return files
    seen: set[str] = set()  # a content staged twice: its first row counts
    first = []
    for h in files["sha256"].to_pylist():
        first.append(h not in seen)
        seen.add(h)
    return files.filter(pa.array(first, pa.bool_()))


def _split_by_year(lake_dir: Path, staged: Path, name: str, batch_id: str,
                   year_of: dict[str, int | None]) -> tuple[int, int] | None:
    """Write the rows of the batch's reports (`year_of`: report_id -> year) from one staged table
    into its year partitions: (rows, files) written, None when there were none."""
    schema = table_schema(name)
    sinks: dict[int | None, _ParquetSink] = {}
    dests: dict[int | None, Path] = {}
    try:
        source = pq.ParquetFile(staged)
        for batch in source.iter_batches(batch_size=READ_ROWS, columns=schema.names):
            # Looked up per distinct report of the slice (a few hundred), not against every report
            # of the night: Arrow would hash the whole night's ids again for each slice.
            ids = [i for i in pc.unique(batch["report_id"]).to_pylist() if i in year_of]
            distinct = pa.array(ids, pa.string())
            at = pc.index_in(batch["report_id"], value_set=distinct)
            if at.null_count:  # rows of reports not committed now (another run committed them first)
                valid = pc.is_valid(at)
                batch, at = batch.filter(valid), at.filter(valid)
            if batch.num_rows == 0:
                continue
            row_years = pc.take(pa.array([year_of[i] for i in ids], pa.int64()), at)
            for year in pc.unique(row_years).to_pylist():
                part = batch.filter(pc.is_null(row_years) if year is None else pc.equal(row_years, year))
                if year not in sinks:
                    dest = dests[year] = _partition_dir(lake_dir, name, year) / f"part-{batch_id}.parquet"
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    sinks[year] = _ParquetSink(atomic.temp_beside(dest), schema, _cannot_write(dest))
                sinks[year].write(pa.Table.from_batches([part], schema=schema))
        # the same order as ever: years ascending, the unknown year last
        for year in sorted(sinks, key=lambda y: (y is None, y or 0)):
            dest = dests[year]
            atomic.write_atomic(dest, sinks[year].close, failed=_cannot_write(dest), tmp=sinks[year].path,
                                written=f"lake: {dest.name} written, not yet in place",
                                placed=f"lake: {dest.name} in place")
    except BaseException:
        for sink in sinks.values():
            sink.abandon()
            sink.path.unlink(missing_ok=True)
        raise
    if not sinks:
        return None
    return sum(s.rows for s in sinks.values()), len(sinks)


READ_ROWS = 16 * 1024  # staged rows read at a time by the commit (16,384 reports rows: ~30 MB)


def _cannot_write(dest: Path) -> Callable[[OSError], Exception]:
    # A full disk or a read-only folder: say which file; what was there before stays.
    return lambda err: LakeWriteError(f"cannot write {dest}: {err.strerror or err}")


def ingest(lake_dir: Path, folders: Iterable[Path], parse: ParseFn, progress: ProgressFn | Progress | None = None,
           budget: Budget | None = None, parser_version: str | None = None, workers: int | None = None,
           again: Iterable[str] = (), timings: dict[str, float] | None = None) -> tuple[StageResult, CommitResult]:
    """Scan, parse what is new (or read by an older parser), commit: the whole lake update without Dagster.

    Files unchanged since the last scan are not read (see stat_cache). `timings`, when given,
    gets the wall seconds of "scan", "parse" and "commit"."""
    lake_dir = Path(lake_dir)
    clock = timings if timings is not None else {}
    reporter = Progress.of(progress)
    start = time.perf_counter()
    inventory = _inventory_table(lake_dir)
    files = scan_raw(folders, known=stat_cache(lake_dir, inventory))
    write_inventory(lake_dir, files, previous=inventory)
    del inventory  # not needed while the files are parsed
    clock["scan"] = clock.get("scan", 0.0) + time.perf_counter() - start
    reporter(f"scan: {len(files)} entries in the raw folders")
    start = time.perf_counter()
    staged = stage_new_reports(lake_dir, files, parse=parse, progress=reporter, budget=budget,
                               parser_version=parser_version, workers=workers, again=again)
    clock["parse"] = clock.get("parse", 0.0) + time.perf_counter() - start
    start = time.perf_counter()
    committed = commit_staged(lake_dir, progress=reporter)
    clock["commit"] = clock.get("commit", 0.0) + time.perf_counter() - start
    return staged, committed
