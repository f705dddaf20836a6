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
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from . import atomic
from ..errors import ReportError
from ..faults import checkpoint
from ..parse import MAX_BYTES
from .budget import Budget, BudgetExceeded, ParseWorker
from .scan import CRASHED, RawFile, display_path, entries, inspect, scan_raw, sha256_of  # noqa: F401
from ..parse.schema import FRAMES, TABLE_NAMES, frame_from_records

try:  # POSIX only; on other systems the Dagster pool is the only guard
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

MANIFEST_NAME = "_manifest.parquet"
PATHS_NAME = "_paths.parquet"
INVENTORY_NAME = "_inventory.parquet"
STAGING_NAME = "_staging"
LOCK_NAME = ".lock"
PARTITION_KEY = "year"
UNKNOWN_PARTITION = "__HIVE_DEFAULT_PARTITION__"
PARSED = "parsed"

_ARROW_TYPES = {"string": pa.string(), "Int64": pa.int64(), "Float64": pa.float64()}

MANIFEST_SCHEMA = pa.schema([
    ("sha256", pa.string()),
    ("report_id", pa.string()),
    ("source_path", pa.string()),
    ("file_size", pa.int64()),
    ("file_mtime", pa.timestamp("us", tz="UTC")),
    ("ingested_at", pa.timestamp("us", tz="UTC")),
    ("batch_id", pa.string()),
    ("status", pa.string()),
    ("error", pa.string()),
    ("org", pa.string()),
    ("year", pa.int64()),
    ("parser_version", pa.string()),  # the parser (release + template hash) that read the file; NULL: before versions
])
MANIFEST_COLUMNS: tuple[str, ...] = tuple(MANIFEST_SCHEMA.names)

_NULLABLE = {pa.int64(): pd.Int64Dtype(), pa.string(): pd.StringDtype()}

# Every file name under which a content was seen: the manifest is per content (sha256), the
# ingest log an analyst reads is per file, so a copy under a second name is accounted for too.
PATHS_SCHEMA = pa.schema([
    ("path", pa.string()),
    ("sha256", pa.string()),
    ("file_size", pa.int64()),
    ("first_seen", pa.timestamp("us", tz="UTC")),
    ("last_seen", pa.timestamp("us", tz="UTC")),
])

ParseFn = Callable[[bytes, str], object]
ProgressFn = Callable[[str], None]

@dataclass
class StageResult:
    n_files: int = 0  # files found in the raw folders
    n_known: int = 0  # their content was in the manifest already: not parsed
    n_parsed: int = 0  # parsed into reports now
    n_rejected: int = 0  # the parser refused them (ReportError)
    n_reparsed: int = 0  # read before by an older parser, parsed again now
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


def contract_schema(name: str) -> pa.Schema:
    """The Arrow schema of a tidy frame, exactly as pipeline.parse.schema.FRAMES defines it."""
    return pa.schema([(c, _ARROW_TYPES[t]) for c, t in FRAMES[name].items()])


def table_schema(name: str) -> pa.Schema:
    """The Arrow schema of a lake file: the contract's columns minus the partition column."""
    return pa.schema([f for f in contract_schema(name) if f.name != PARTITION_KEY])


# `path` is the printable name; `path_os` the name's bytes as the OS has them, so a name that is
# not UTF-8 still opens the file when the parse step reads the inventory back.
INVENTORY_SCHEMA = pa.schema([("path", pa.string()), ("path_os", pa.binary()), ("sha256", pa.string()),
                              ("size", pa.int64()), ("mtime", pa.timestamp("us", tz="UTC")),
                              ("status", pa.string()), ("reason", pa.string())])


def write_inventory(lake_dir: Path, files: Sequence[RawFile]) -> Path:
    """Record what the raw folders hold now, for the parse step (the files stay where they are)."""
    dest = Path(lake_dir) / INVENTORY_NAME
    rows = [{"path": f.name, "path_os": os.fsencode(f.path), "sha256": f.sha256, "size": f.size, "mtime": f.mtime,
             "status": f.status, "reason": f.reason} for f in files]
    _write_parquet_atomic(pa.Table.from_pylist(rows, schema=INVENTORY_SCHEMA), dest)
    return dest


def read_inventory(lake_dir: Path) -> list[RawFile]:
    path = Path(lake_dir) / INVENTORY_NAME
    if not path.exists():
        return []
    return [RawFile(os.fsdecode(r["path_os"]), r["sha256"], r["size"], r["mtime"], r["status"], r["reason"])
            for r in pq.read_table(path, schema=INVENTORY_SCHEMA).to_pylist()]


def find_new_files(folders: Iterable[Path], lake_dir: Path) -> list[RawFile]:
    """Files whose content the lake has not seen; cheap enough for a sensor polling every minute.

    A file whose path, size and modification time match the manifest is not hashed again;
    everything else is hashed and compared by content.
    """
    manifest = read_manifest(lake_dir)
    known = set(manifest["sha256"])
    seen = {(p, int(sz), _us(m)) for p, sz, m in zip(manifest["source_path"], manifest["file_size"],
                                                      manifest["file_mtime"]) if pd.notna(m)}
    out = []
    for path, root in entries(folders):
        try:
            st = os.stat(path)
        except OSError:
            continue  # a dangling link, a file gone: the run's scan records why
        mtime = datetime.fromtimestamp(st.st_mtime, tz=timezone.utc)
        if (display_path(path), st.st_size, _us(mtime)) in seen:
            continue
        f = inspect(path, root)
        if f.status is None and f.sha256 not in known:
            out.append(f)
    return out


def _us(ts: object) -> int:
    return int(pd.Timestamp(ts).value // 1000)


# --- manifest -------------------------------------------------------------------------------

def read_manifest(lake_dir: Path) -> pd.DataFrame:
    path = Path(lake_dir) / MANIFEST_NAME
    if path.exists():
        table = pq.read_table(path)
        # a manifest written before a column existed: the column is there, NULL
        for fld in MANIFEST_SCHEMA:
            if fld.name not in table.column_names:
                table = table.append_column(fld, pa.nulls(len(table), fld.type))
        table = table.select(MANIFEST_SCHEMA.names).cast(MANIFEST_SCHEMA)
    else:
        table = MANIFEST_SCHEMA.empty_table()
    # nullable dtypes: a year must not turn into a float because one file had none
    return table.to_pandas(types_mapper=_NULLABLE.get)


def known_hashes(lake_dir: Path, parser_version: str | None = None) -> set[str]:
    """Contents not to parse again: everything in the manifest except parser crashes and, given
    the running parser's version, what an older parser read."""
    m = read_manifest(lake_dir)
    keep = m["status"] != CRASHED
    if parser_version is not None:
        keep &= m["parser_version"].fillna("") == parser_version
    return set(m.loc[keep, "sha256"])


def outdated_hashes(lake_dir: Path, parser_version: str) -> set[str]:
    """Contents an older parser read (crashes aside): re-parsed while their raw file is there."""
    m = read_manifest(lake_dir)
    old = (m["status"] != CRASHED) & (m["parser_version"].fillna("") != parser_version)
    return set(m.loc[old, "sha256"])


def _one_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


def committed_batches(lake_dir: Path) -> set[str]:
    return set(read_manifest(lake_dir)["batch_id"].dropna())


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

def _tables_of(parsed: object) -> dict[str, list[dict]]:
    # The parser's plain records (ParsedReport.records) batch far cheaper than one DataFrame per report.
    return _tables_of_records(parsed.records)  # type: ignore[attr-defined]


def _tables_of_records(records: dict[str, list[dict]]) -> dict[str, list[dict]]:
    return {name: records.get(name, []) for name in TABLE_NAMES}


def _to_arrow(name: str, df: pd.DataFrame | None, schema: pa.Schema | None = None) -> pa.Table:
    schema = schema or table_schema(name)
    if df is None or len(df) == 0:
        return schema.empty_table()
    df = df.reindex(columns=schema.names)
    return pa.Table.from_pandas(df, schema=schema, preserve_index=False)


class LakeWriteError(OSError):
    """A lake file could not be written; the message names it. The previous lake state stands."""


class _Retry(Exception):
    """The file could not be read as it was scanned: recorded and tried again next run."""


class _Skip(Exception):
    """The scan already decided this entry is not parsed: args are (status, reason)."""


def _read_stable(f: RawFile) -> bytes:
    try:
        with open(f.path, "rb") as fh:
            raw = fh.read(MAX_BYTES + 1)  # bounded even if the file grew after the scan
    except OSError as err:
        raise _Retry(f"cannot read the file ({err.strerror or type(err).__name__}); tried again next run") from None
    # A file still being written (a scraper mid-download) has other bytes than the ones hashed.
    if hashlib.sha256(raw).hexdigest() != f.sha256:
        raise _Retry("the file changed while it was being read; tried again next run")
    return raw


MAX_REPARSE = 20_000  # files an upgraded parser reads again per run: a national archive takes a few nights


def stage_new_reports(lake_dir: Path, files: Sequence[RawFile], parse: ParseFn,
                      progress: ProgressFn | None = None, budget: Budget | None = None,
                      parser_version: str | None = None, max_reparse: int = MAX_REPARSE) -> StageResult:
    """Parse the files whose content the lake has not seen and stage the result for commit.

    `parse` is handed in by the caller (cli, assets): the lake stores records, it does not
    know how they are made. With a `budget`, each file is parsed in a worker process and one
    past its time or memory is recorded `crashed` with the reason (see store/budget.py). With
    the parser's version, files an older parser read are parsed again (at most `max_reparse`
    per run) and their new rows replace the old ones.

    Replaces any earlier staging: what is staged is always "every file not in the manifest",
    so a staging left by a crashed run is simply produced again.
    """
    lake_dir = Path(lake_dir)
    with exclusive_lock(lake_dir / LOCK_NAME):
        version = _Version(parser_version, max_reparse)
        if budget is None:
            return _stage(lake_dir, files, lambda raw, name: _tables_of(parse(raw, name)), progress, version)
        with ParseWorker(parse, budget) as worker:
            return _stage(lake_dir, files, lambda raw, name: _tables_of_records(worker(raw, name)), progress, version)


@dataclass(frozen=True)
class _Version:
    parser: str | None
    max_reparse: int


def _stage(lake_dir: Path, files: Sequence[RawFile], tables_of: Callable[[bytes, str], dict[str, list[dict]]],
           progress: ProgressFn | None, version: _Version) -> StageResult:
    errors = (ReportError,)
    known = known_hashes(lake_dir)
    result = StageResult(n_files=len(files))
    if version.parser is not None:
        # an upgraded parser: what an older one read is parsed again, a bounded number per run
        outdated = outdated_hashes(lake_dir, version.parser)
        again = [h for h in dict.fromkeys(f.sha256 for f in files) if h in outdated][:version.max_reparse]
        known -= set(again)
        result.n_reparsed = len(again)
    records: dict[str, list[dict]] = {name: [] for name in TABLE_NAMES}
    manifest_rows: list[dict] = []
    staged: set[str] = set()
    todo = [f for f in files if f.sha256 not in known]
    result.n_known = len(files) - len(todo)
    for i, f in enumerate(todo, 1):
        if f.sha256 in staged:  # the same bytes under two names: one document
            result.n_known += 1
            continue
        staged.add(f.sha256)
        row = {"sha256": f.sha256, "report_id": None if f.status else f.sha256[:16], "source_path": f.name,
               "file_size": f.size, "file_mtime": f.mtime, "status": PARSED, "error": None,
               "org": None, "year": None, "parser_version": version.parser}
        try:
            if f.status is not None:
                raise _Skip(f.status, f.reason or "")
            raw = _read_stable(f)
            tables = tables_of(raw, f.name)
        except _Skip as err:
            row["status"], row["error"] = err.args
        except (_Retry, BudgetExceeded) as err:
            row["status"] = CRASHED
            row["error"] = str(err)
        except errors as err:
            row["status"] = getattr(err, "status", "error")
            row["error"] = _one_line(err)
        except Exception as err:  # noqa: BLE001 - one file must never stop the night's run
            # A parser bug, not a property of the file: recorded, and retried on the next run.
            row["status"] = CRASHED
            row["error"] = f"{type(err).__name__}: {_one_line(err)}"
        else:
            for name, got in tables.items():
                records[name].extend(got)
            if tables["reports"]:
                rep_row = tables["reports"][0]
                row["report_id"] = str(rep_row["report_id"])
                row["org"] = rep_row.get("org")
                row["year"] = rep_row.get("year")
            result.n_parsed += 1
            result.parsed.append(f.name)
        if row["status"] != PARSED:
            result.n_rejected += 1
            result.rejected.append((f.name, f"{row['status']}: {row['error']}"))
        manifest_rows.append(row)
        if progress and (i % 200 == 0 or i == len(todo)):
            progress(f"parsed {i}/{len(todo)} new files ({result.n_rejected} rejected"
                     + (f", {result.n_reparsed} read again by a newer parser)" if result.n_reparsed else ")"))

    staging = lake_dir / STAGING_NAME
    tmp = lake_dir / f".{STAGING_NAME}.{uuid.uuid4().hex}.tmp"
    tmp.mkdir(parents=True)
    try:
        for name in TABLE_NAMES:
            schema = contract_schema(name)
            # one conversion per table and batch: per-report conversions dominate a large night
            table = _to_arrow(name, frame_from_records(name, records[name]), schema)
            _write_staged(table, tmp / f"{name}.parquet")
        files_schema = pa.schema([fld for fld in MANIFEST_SCHEMA if fld.name not in ("ingested_at", "batch_id")])
        _write_staged(pa.Table.from_pylist(manifest_rows, schema=files_schema), tmp / "files.parquet")
        seen = [{"path": f.name, "sha256": f.sha256, "file_size": f.size} for f in files]
        _write_staged(pa.Table.from_pylist(seen, schema=_STAGED_PATHS), tmp / "paths.parquet")
        checkpoint("lake: staging written, not yet in place")
        shutil.rmtree(staging, ignore_errors=True)
        os.replace(tmp, staging)
        checkpoint("lake: staging in place")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return result


def _write_staged(table: pa.Table, dest: Path) -> None:
    try:
        pq.write_table(table, dest)
    except OSError as err:  # Arrow's "Error writing bytes to file" does not say which file
        raise LakeWriteError(f"cannot write {dest}: {err}; nothing was staged") from err


# --- commit: staging -> partitions + manifest -----------------------------------------------

_STAGED_PATHS = pa.schema([f for f in PATHS_SCHEMA if f.name in ("path", "sha256", "file_size")])


def read_paths(lake_dir: Path) -> pd.DataFrame:
    path = Path(lake_dir) / PATHS_NAME
    table = pq.read_table(path, schema=PATHS_SCHEMA) if path.exists() else PATHS_SCHEMA.empty_table()
    return table.to_pandas(types_mapper=_NULLABLE.get)


def _record_paths(lake_dir: Path, staging: Path, now: datetime) -> None:
    """Upsert the staged file names into the path log (idempotent: a rerun just refreshes last_seen)."""
    staged_file = staging / "paths.parquet"
    if not staged_file.exists():
        return
    staged = pq.read_table(staged_file, schema=_STAGED_PATHS).to_pandas(types_mapper=_NULLABLE.get)
    if staged.empty:
        return
    old = read_paths(lake_dir)
    first = {(p, h): t for p, h, t in zip(old["path"], old["sha256"], old["first_seen"])}
    staged = staged.drop_duplicates(["path", "sha256"]).assign(
        first_seen=[first.get((p, h), now) for p, h in zip(staged["path"], staged["sha256"])], last_seen=now)
    keys = set(zip(staged["path"], staged["sha256"]))
    kept = old[[k not in keys for k in zip(old["path"], old["sha256"])]]
    merged = pd.concat([kept, staged[list(PATHS_SCHEMA.names)]], ignore_index=True) if len(kept) else \
        staged[list(PATHS_SCHEMA.names)]
    _write_parquet_atomic(pa.Table.from_pandas(merged, schema=PATHS_SCHEMA, preserve_index=False),
                          lake_dir / PATHS_NAME)

def _partition_dir(lake_dir: Path, table: str, year: object) -> Path:
    value = UNKNOWN_PARTITION if year is None or pd.isna(year) else str(int(year))
    return lake_dir / table / f"{PARTITION_KEY}={value}"


def _batch_of(path: Path) -> str | None:
    name = path.name
    if name.startswith("part-") and name.endswith(".parquet"):
        return name[len("part-"):-len(".parquet")]
    return None


def remove_orphans(lake_dir: Path) -> int:
    """Delete temp files and files of batches the manifest does not list (a crashed commit)."""
    lake_dir = Path(lake_dir)
    batches = committed_batches(lake_dir)
    removed = 0
    for name in TABLE_NAMES:
        root = lake_dir / name
        if not root.is_dir():
            continue
        for path in root.rglob("*"):
            if not path.is_file():
                continue
            batch = _batch_of(path)
            # ".tmp": what atomic.temp_beside named a file whose writer was killed
            if path.name.endswith(".tmp") or (batch is not None and batch not in batches):
                path.unlink(missing_ok=True)
                removed += 1
    for tmp in lake_dir.glob(f".{MANIFEST_NAME}.*.tmp"):
        tmp.unlink(missing_ok=True)
    return removed


def commit_staged(lake_dir: Path, progress: ProgressFn | None = None) -> CommitResult:
    """Move the staged batch into the year partitions and record it in the manifest."""
    lake_dir = Path(lake_dir)
    result = CommitResult()
    with exclusive_lock(lake_dir / LOCK_NAME):
        result.orphans_removed = remove_orphans(lake_dir)
        staging = lake_dir / STAGING_NAME
        if not (staging / "files.parquet").exists():
            return result
        manifest = read_manifest(lake_dir)
        files = pq.read_table(staging / "files.parquet").to_pandas(types_mapper=_NULLABLE.get)
        if "parser_version" not in files:
            files["parser_version"] = pd.array([None] * len(files), dtype="string")
        staged_versions = set(files["parser_version"].dropna())
        # content the staged parser already read goes in once; an older parser's reading is replaced
        known = known_hashes(lake_dir, staged_versions.pop() if len(staged_versions) == 1 else None)
        # An earlier run may have committed the same files already (two runs interleaving):
        # only content the manifest does not hold goes in, so rows are never duplicated.
        files = files[~files["sha256"].isin(known)].drop_duplicates("sha256")
        now = datetime.now(timezone.utc)
        if files.empty:
            _record_paths(lake_dir, staging, now)
            shutil.rmtree(staging, ignore_errors=True)
            return result
        new_ids = set(files.loc[files["status"] == PARSED, "report_id"])
        batch_id = now.strftime("%Y%m%dT%H%M%S%fZ") + "-" + uuid.uuid4().hex[:8]
        result.batch_id = batch_id

        tables = {name: pq.read_table(staging / f"{name}.parquet", schema=contract_schema(name))
                  for name in TABLE_NAMES}
        # Child tables carry no year: each row goes to the partition of its report.
        reports_pd = tables["reports"].to_pandas()
        year_of = dict(zip(reports_pd["report_id"], reports_pd[PARTITION_KEY]))
        for name, table in tables.items():
            df = table.to_pandas()
            df = df[df["report_id"].isin(new_ids)]
            if df.empty:
                continue
            years = df["report_id"].map(year_of)
            result.rows[name] = len(df)
            for year, part in df.groupby(years.astype("Int64"), dropna=False, sort=True):
                dest = _partition_dir(lake_dir, name, year) / f"part-{batch_id}.parquet"
                _write_parquet_atomic(_to_arrow(name, part), dest)
                result.files_written += 1
        files = files.assign(batch_id=batch_id, ingested_at=now)
        # a file that crashed the parser before and is now staged again: its new row replaces the old
        manifest = manifest[~manifest["sha256"].isin(set(files["sha256"]))]
        merged = pd.concat([manifest, files[list(MANIFEST_COLUMNS)]], ignore_index=True) if len(manifest) \
            else files[list(MANIFEST_COLUMNS)]
        _write_parquet_atomic(pa.Table.from_pandas(merged, schema=MANIFEST_SCHEMA, preserve_index=False),
                              lake_dir / MANIFEST_NAME)
        # After the manifest: a crash here loses only file names, which the next run records again.
        _record_paths(lake_dir, staging, now)
        shutil.rmtree(staging, ignore_errors=True)
        result.n_reports = len(new_ids)
        result.n_rejected = int((files["status"] != PARSED).sum())
        if progress:
            progress(f"lake: batch {batch_id}: {result.n_reports} reports, "
                     f"{result.n_rejected} rejected files, {result.files_written} Parquet files")
    return result


def ingest(lake_dir: Path, folders: Iterable[Path], parse: ParseFn, progress: ProgressFn | None = None,
           budget: Budget | None = None, parser_version: str | None = None) -> tuple[StageResult, CommitResult]:
    """Scan, parse what is new (or read by an older parser), commit: the whole lake update without Dagster."""
    staged = stage_new_reports(lake_dir, scan_raw(folders), parse=parse, progress=progress, budget=budget,
                               parser_version=parser_version)
    return staged, commit_staged(lake_dir, progress=progress)


# --- reading --------------------------------------------------------------------------------

def committed_files(lake_dir: Path, table: str) -> list[Path]:
    """The Parquet files of a table that belong to committed batches, oldest batch first."""
    lake_dir = Path(lake_dir)
    batches = committed_batches(lake_dir)
    root = lake_dir / table
    if not root.is_dir():
        return []
    files = [p for p in root.glob(f"{PARTITION_KEY}=*/part-*.parquet") if _batch_of(p) in batches]
    return sorted(files, key=lambda p: (_batch_of(p), str(p)))


def lake_row_counts(lake_dir: Path) -> dict[str, int]:
    """Rows per table over committed files, read from Parquet footers only."""
    return {name: sum(pq.ParquetFile(p).metadata.num_rows for p in committed_files(lake_dir, name))
            for name in TABLE_NAMES}
