"""The DuckDB warehouse: the lake loaded into tables, the SQL models run on top, published atomically.

Analysts open ``data/warehouse.duckdb``. The pipeline never writes that file in place:

1. The WORKING file next to it (``warehouse.work.duckdb``) gets one table per tidy frame of the
   lake, plus ``source_files`` (the manifest), ``file_paths`` and the gazetteer. ``load_lake``
   makes it afresh; ``build_warehouse`` keeps it from one build to the next and loads only the
   reports whose batch changed since (``_update_from_lake``), falling back to a fresh load.
2. ``run_model`` (the runner in ``models.py``) runs each ``sql/*.sql`` file (one plain SELECT
   each) as ``CREATE OR REPLACE TABLE <file stem> AS ...``, in dependency order. A model's
   dependencies are read from its SQL (``json_serialize_sql``), never declared twice. On an
   incremental build the per-report models (header ``-- incremental: body_key``) are not run
   again: ``models.update_models`` replaces the rows of the bodies whose reports changed, in the
   same transaction as the changed reports' lake rows, so the kept file's lake tables and those
   models never disagree. The models that aggregate across reports are run again in full.
3. ``publish`` stamps ``build_info`` and copies the working file to a temp file, renamed over
   ``warehouse.duckdb`` (``atomic.write_atomic``: fsync, ``os.replace``, fsync the folder). The
   working file is created in the DuckDB 1.0 storage format, so the copy is a plain file copy.

``build_warehouse`` skips all three when the published file was built from the same inputs
(``build_inputs``: the lake manifest, the file log, the models, parser, gazetteer and code; their
hash is ``build_info.fingerprint``). DuckDB works under a memory limit and spills to
``warehouse.work.duckdb.tmp/``. Before loading, crowded lake partitions are compacted (compact.py).

A reader holding the published file open keeps reading the old, complete copy (on POSIX the
rename does not touch an open file); the next connection sees the new one. Nobody but the
pipeline ever opens the working file, so the single-writer rule of DuckDB is never in the way of
readers, and DuckDB 1.x tools (DBeaver, R, older CLIs) can open what is published.

This module has no Dagster import: assets/ calls these functions, and so can a script.
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import shutil
import struct
import subprocess
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from . import atomic, lake
from . import check_engine, compact, corrections, lake_files
from . import models as runner
from .. import fields
from ..faults import checkpoint
from ..parse import parser_version
from ..parse.schema import FRAMES, TABLE_NAMES
from .ddl import comment, ident, literal
# The runner lives in models.py; these names stay importable from here for assets/ and the tests.
from .models import SQL_DIR, Model, model_order, parse_header, run_model, sql_dependencies  # noqa: F401

REPO_ROOT = Path(__file__).resolve().parents[2]
# Storage format of the published file. Each DuckDB release reads formats up to its own:
# 'v1.5.0' (header version 68) needs DuckDB >= 1.5, while 'v1.0.0' (version 64) opens in every
# DuckDB from 1.0 on, which is what DBeaver's bundled driver, R packages and older CLIs ship.
# Checked: a v1.0.0 file written by DuckDB 2.0 opens in DuckDB 1.5.6; the 2.0 default does not.
# Also checked with DuckDB 1.0.0 on a published byte copy of a working file created in v1.0.0 and
# updated incrementally since (DuckDB keeps an existing file's format when it writes to it).
STORAGE_VERSION = "v1.0.0"
_STORAGE_NUMBERS = {"v1.0.0": 64}  # the number DuckDB writes in the file header for that format
# DuckDB's memory during a build; past it, joins and sorts spill to warehouse.work.duckdb.tmp/.
MEMORY_LIMIT = "1GB"
# An incremental build replaces the changed reports' rows; past this share of all reports,
# loading everything afresh is as quick and leaves no deleted rows behind.
MAX_INCREMENTAL_SHARE = 0.25
FULL, INCREMENTAL, UNCHANGED = "full", "incremental", "unchanged"
SOURCE_FILES = "source_files"
BUILD_INFO = "build_info"
GAZETTEER = "gazetteer"
FILE_PATHS = "file_paths"
LOADED_TABLES: tuple[str, ...] = (*TABLE_NAMES, SOURCE_FILES, FILE_PATHS, lake.STATEMENT_IDF, GAZETTEER,
                                   corrections.TABLE)
GAZETTEER_CSV = REPO_ROOT / "data" / "reference" / "gazetteer.csv.gz"

ProgressFn = Callable[[str], None]


# Words for the analyst, stored as DuckDB comments (duckdb_tables(), duckdb_columns()) and
# rendered into README.md (data dictionary) by scripts/data_dictionary.py, come from the field
# registry (pipeline/fields.toml) with the columns' types. Models document themselves in their SQL header.
TABLE_DOCS: dict[str, tuple[str, dict[str, str]]] = {name: t.docs() for name, t in fields.tables().items()}


@dataclass
class BuildResult:
    warehouse_path: Path
    rows: dict[str, int] = field(default_factory=dict)
    models: list[str] = field(default_factory=list)
    # "full": the working file loaded from scratch; "incremental": the kept working file brought up
    # to the lake (only changed reports replaced); "unchanged": nothing built, the published file
    # was built from the same inputs (then built_at says when)
    mode: str = FULL
    reports_loaded: int = 0  # reports whose rows were (re)loaded from the lake
    # incremental models whose rows were replaced for the changed bodies only (not rerun in full),
    # and the number of reports whose rows they recomputed
    models_refreshed: list[str] = field(default_factory=list)
    reports_recomputed: int = 0
    built_at: datetime | None = None
    compacted: list[str] = field(default_factory=list)  # lake partitions compacted first


@dataclass(frozen=True)
class CheckOutcome:
    """A data check, independent of Dagster: assets turn it into an AssetCheckResult."""

    name: str
    passed: bool
    severity: str  # WARN or ERROR
    description: str
    metadata: dict[str, object]


# --- small helpers --------------------------------------------------------------------------

def working_path(warehouse_path: Path) -> Path:
    """The file the pipeline builds in; nobody else opens it."""
    warehouse_path = Path(warehouse_path)
    return warehouse_path.with_name(warehouse_path.stem + ".work" + warehouse_path.suffix)


def _lock_path(warehouse_path: Path) -> Path:
    warehouse_path = Path(warehouse_path)
    # named to match the .gitignore pattern for temporary warehouse files
    return warehouse_path.with_name(warehouse_path.name + ".tmp.lock")


def _remove_db(path: Path) -> None:
    for p in (path, path.with_name(path.name + ".wal")):
        if not p.is_dir():  # never delete a folder someone put in the way; the error says it is there
            p.unlink(missing_ok=True)


def load_models(sql_dir: Path = SQL_DIR) -> dict[str, Model]:
    """The models of ``sql_dir``, each allowed to read the tables ``load_lake`` creates and other models,
    and the check engine's check_results (rules.toml) when the folder has the models its rules read
    (a test's folder of a few models has not: then a model reading check_results is refused)."""
    engine = check_engine.as_model()
    present = {p.stem.lower() for p in Path(sql_dir).glob("*.sql")} | set(LOADED_TABLES)
    return runner.load_models(sql_dir, LOADED_TABLES, [engine] if set(engine.deps) <= present else [])


def _storage_number(path: Path) -> int | None:
    """The storage version number in a DuckDB file's main header (64 = v1.0.0), None if unreadable."""
    try:
        with open(path, "rb") as f:
            header = f.read(20)
    except OSError:
        return None
    return struct.unpack("<Q", header[12:20])[0] if len(header) == 20 and header[8:12] == b"DUCK" else None


# --- what a build is made from --------------------------------------------------------------

def _sha256_file(path: Path) -> str | None:
    if not path.is_file():
        return None
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _sha256_texts(paths: Iterable[Path]) -> str:
    h = hashlib.sha256()
    for p in paths:
        h.update(p.name.encode() + b"\0" + (p.read_bytes() if p.is_file() else b"") + b"\0")
    return h.hexdigest()


def _paths_digest(path: Path) -> str | None:
    """The path log as the warehouse shows it, minus the time of the latest run: a run that finds
    the same files only moves last_seen, which is not a reason to rebuild. A file gone from the
    folders (its last_seen no longer the latest) or a new name is. An order-free sum of row
    hashes: milliseconds for 150,000 rows, where sorting and hashing the text takes seconds."""
    if not path.is_file():
        return None
    con = duckdb.connect()
    try:
        return con.execute("""
            SELECT count(*) || ':' || coalesce(sum(hash(path, sha256, file_size, first_seen,
                                                        last_seen = (SELECT max(last_seen) FROM read_parquet($1)))
                                                   ::HUGEINT), 0)
            FROM read_parquet($1)""", [str(path)]).fetchone()[0]
    finally:
        con.close()


# Code that decides what the loaded tables hold: a change to it makes the next build a full one.
_CODE_FILES = tuple(Path(__file__).resolve().parent / n for n in ("warehouse.py", "models.py", "ddl.py", "compact.py",
                                                                 "lake_files.py")) + (
    REPO_ROOT / "pipeline" / "parse" / "schema.py", REPO_ROOT / "pipeline" / "fields.toml")
# Parts of the inputs that the lake tables of a kept working file depend on; the rest (lake
# content, file log, models, parser) an incremental build brings up to date.
_BASE_INPUTS = ("code", "gazetteer", "storage_version")


def build_inputs(lake_dir: Path, sql_dir: Path = SQL_DIR,
                 corrections_path: Path | None = None) -> dict[str, str | None]:
    """What a warehouse built now would be made from, each part as a hash or version.

    The manifest is the lake's commit record: the same manifest means the same committed rows,
    whatever compaction did to the files holding them. ``corrections_path`` defaults to the
    corrections file beside the lake (data/corrections.csv).
    """
    lake_dir = Path(lake_dir)
    corrections_path = corrections.default_path(lake_dir) if corrections_path is None else corrections_path
    return {
        "corrections": corrections.file_digest(corrections_path),
        "manifest": _sha256_file(lake_dir / lake.MANIFEST_NAME),
        "file_paths": _paths_digest(lake_dir / lake.PATHS_NAME),
        "statement_idf": _sha256_file(lake_dir / lake.IDF_NAME),
        "models": _sha256_texts(sorted(Path(sql_dir).glob("*.sql"))),
        # the check engine's rules and code: a change rebuilds check_results (never incremental)
        "rules": _sha256_texts([check_engine.RULES_PATH, Path(check_engine.__file__)]),
        "parser_version": parser_version(),
        "gazetteer": _sha256_texts([GAZETTEER_CSV, GAZETTEER_CSV.parent / "README.md"]),
        "code": _sha256_texts(_CODE_FILES),
        "storage_version": STORAGE_VERSION,
    }


def fingerprint(inputs: dict[str, str | None]) -> str:
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()


def _read_build_info(con: duckdb.DuckDBPyConnection) -> tuple[str | None, dict, datetime | None]:
    """(fingerprint, inputs, built_at) stamped in a warehouse; Nones when it has none."""
    try:
        row = con.execute(f"SELECT fingerprint, built_from, built_at FROM {BUILD_INFO}").fetchone()
    except duckdb.Error:  # a file from before fingerprints, or without build_info: build
        return None, {}, None
    if row is None:
        return None, {}, None
    return row[0], json.loads(row[1]) if row[1] else {}, row[2]


def published_fingerprint(warehouse_path: Path) -> tuple[str | None, datetime | None]:
    """The fingerprint and build time of the published warehouse (None, None when there is none)."""
    if not Path(warehouse_path).is_file():
        return None, None
    try:
        con = duckdb.connect(str(warehouse_path), read_only=True)
    except duckdb.Error:  # not a database (a half-written file is never published): build
        return None, None
    try:
        fp, _, built_at = _read_build_info(con)
    finally:
        con.close()
    return fp, built_at


# --- building -------------------------------------------------------------------------------

def _open_work(work_path: Path, memory_limit: str, fresh: bool) -> duckdb.DuckDBPyConnection:
    """The working database with a memory limit, spilling to a folder beside it.

    A fresh file is created in the published storage format, so that publishing is a plain file
    copy. The settings are made with SET, not connect(config=...): ``models.run_model`` connects
    to the same path while this connection is open and so shares this database instance, limits
    included (DuckDB refuses a second connection with a different config).
    """
    work_path = Path(work_path)
    work_path.parent.mkdir(parents=True, exist_ok=True)
    if fresh:
        _remove_db(work_path)
        duckdb.connect(str(work_path), config={"storage_compatibility_version": STORAGE_VERSION}).close()
    con = duckdb.connect(str(work_path))
    try:
        con.execute(f"SET memory_limit = {literal(memory_limit)}")
        con.execute(f"SET temp_directory = {literal(str(work_path.with_name(work_path.name + '.tmp')))}")
    except duckdb.Error:
        con.close()
        raise
    return con


def _open_kept(work_path: Path, memory_limit: str) -> duckdb.DuckDBPyConnection | None:
    """The working file the last build left, if it is in the published format and opens."""
    if _storage_number(work_path) != _STORAGE_NUMBERS[STORAGE_VERSION]:
        return None
    try:
        return _open_work(work_path, memory_limit, fresh=False)
    except duckdb.Error:  # damaged: it is made again from the lake
        return None


def _contract(name: str) -> dict[str, str]:
    """A loaded table's columns and DuckDB types: the frame's, with the year of the lake partition."""
    return fields.duckdb_types(name)


def _lake_select(name: str, files: list[lake_files.LakeFile]) -> tuple[str, list]:
    """SELECT of a table's rows from lake files, typed by the contract, with the row's batch."""
    contract = _contract(name)
    # Explicit casts keep the contract's types even for all-NULL columns, and union_by_name
    # lets files written before a column was added to the contract still load (as NULL).
    cols = ", ".join(f"CAST(t.{ident(c)} AS {t}) AS {ident(c)}" for c, t in contract.items())
    # A compacted file carries each row's batch; a part file's batch is in its name.
    batch = ("t.batch_id" if files[0].compacted else
             "regexp_extract(t.filename, 'part-([^/]+)[.]parquet$', 1)")
    sql = (f"SELECT {cols}, {batch} AS _batch FROM read_parquet(?, hive_partitioning = true, "
           f"hive_types = {{'{lake.PARTITION_KEY}': BIGINT}}, union_by_name = true, filename = true) AS t")
    return sql, [[str(f.path) for f in files]]


def _insert_from_lake(con: duckdb.DuckDBPyConnection, name: str, files: list[lake_files.LakeFile],
                      current: str) -> None:
    """Insert the rows of ``files`` whose (report, batch) is in the ``current`` table or query.

    A report a newer parser read again has rows in two batches: only the batch the manifest
    names for it now is loaded. Compacted files and part files go in separate statements (only
    the former have a batch column), compacted first: the oldest rows first, as before.
    """
    for group in ([f for f in files if f.compacted], [f for f in files if not f.compacted]):
        if not group:
            continue
        select, params = _lake_select(name, group)
        cols = ", ".join(ident(c) for c in _contract(name))
        con.execute(f"INSERT INTO {ident(name)} SELECT {cols} FROM ({select}) AS s "
                    f"SEMI JOIN ({current}) AS m ON m.report_id = s.report_id AND m.batch_id = s._batch", params)


def _create_empty(con: duckdb.DuckDBPyConnection, name: str) -> None:
    cols = ", ".join(f"{ident(c)} {t}" for c, t in _contract(name).items())
    con.execute(f"CREATE TABLE {ident(name)} ({cols})")


def _create_from_parquet(con: duckdb.DuckDBPyConnection, table: str, path: Path, schema: object) -> None:
    """A lake bookkeeping file as a table; empty with the right columns before the first run."""
    if path.exists():
        con.execute(f"CREATE TABLE {ident(table)} AS SELECT * FROM read_parquet(?)", [str(path)])
    else:
        cols = ", ".join(f"{ident(f.name)} {_arrow_to_duck(f.type)}" for f in schema)
        con.execute(f"CREATE TABLE {ident(table)} ({cols})")


def _full_load(con: duckdb.DuckDBPyConnection, lake_dir: Path, corrections_path: Path) -> int:
    """Every table from the lake, and the corrections, into an empty working database, in one
    transaction; returns the number of reports."""
    lake_dir = Path(lake_dir)
    con.execute("BEGIN")
    # The manifest is read once: source_files is what the lake tables' rows are chosen by.
    _create_from_parquet(con, SOURCE_FILES, lake_dir / lake.MANIFEST_NAME, lake.MANIFEST_SCHEMA)
    batches = lake.committed_batches(lake_dir)
    for name in TABLE_NAMES:
        _create_empty(con, name)
        _insert_from_lake(con, name, lake_files.live_files(lake_dir, name, batches),
                          f"SELECT report_id, batch_id FROM {SOURCE_FILES}")
    _create_from_parquet(con, FILE_PATHS, lake_dir / lake.PATHS_NAME, lake.PATHS_SCHEMA)
    _create_from_parquet(con, lake.STATEMENT_IDF, lake_dir / lake.IDF_NAME, lake.IDF_SCHEMA)
    # Codes are text: a leading zero must survive and 6- and 9-digit codes must not be numbers.
    con.execute(f"CREATE TABLE {GAZETTEER} AS SELECT * FROM read_csv(?, header = true, all_varchar = true)",
                [str(GAZETTEER_CSV)])
    corrections.create_table(con, corrections_path)
    for name in LOADED_TABLES:
        desc, cols = TABLE_DOCS[name]
        comment(con, name, desc, cols)
    con.execute("COMMIT")
    return con.execute("SELECT count(*) FROM reports").fetchone()[0]


def _columns(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[tuple[str, str]]:
    """Names and types of a query's columns."""
    return [(d[0], str(d[1])) for d in con.execute(f"SELECT * FROM ({sql}) LIMIT 0", params or []).description]


def _update_from_lake(con: duckdb.DuckDBPyConnection, lake_dir: Path, max_share: float,
                      corrections_path: Path) -> int | None:
    """Bring the lake tables of a kept working file up to the lake, in a transaction left open.

    The working file's source_files is the manifest its lake tables were loaded by, so the
    reports to (re)load are those whose (report_id, batch_id) differ between it and the manifest
    now: new files, and files read again by a newer parser. Their rows are deleted and loaded
    from the batches that hold them now; nothing else is touched. Their ids are left in the temp
    table ``_changed``, and the transaction open: the caller updates the models from it and
    commits (or rolls back). The corrections are read again whole; the reports whose corrections
    were added, changed or removed join ``_changed`` (their models' rows are recomputed, their lake
    rows stay). Returns the number of reports reloaded, or None, with nothing
    changed, when a full load is the better or the only safe way (the manifest's columns changed,
    or more than ``max_share`` of the reports changed).
    """
    lake_dir = Path(lake_dir)
    manifest = lake_dir / lake.MANIFEST_NAME
    if not manifest.exists():
        return None
    paths = lake_dir / lake.PATHS_NAME
    con.execute("BEGIN")
    try:
        con.execute("CREATE OR REPLACE TEMP TABLE _manifest AS SELECT * FROM read_parquet(?)", [str(manifest)])
        if (_columns(con, "FROM _manifest") != _columns(con, f"FROM {SOURCE_FILES}")
                or (paths.exists() and _columns(con, "FROM read_parquet(?)", [str(paths)])
                    != _columns(con, f"FROM {FILE_PATHS}"))):
            con.execute("ROLLBACK")
            return None
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE _changed AS
            SELECT DISTINCT report_id FROM (
                (SELECT report_id, batch_id FROM _manifest EXCEPT SELECT report_id, batch_id FROM {SOURCE_FILES})
                UNION ALL
                (SELECT report_id, batch_id FROM {SOURCE_FILES} EXCEPT SELECT report_id, batch_id FROM _manifest))
            WHERE report_id IS NOT NULL""")
        n_changed = con.execute("SELECT count(*) FROM _changed").fetchone()[0]
        n_all = con.execute("SELECT count(DISTINCT report_id) FROM _manifest").fetchone()[0]
        if n_changed > max_share * n_all:
            con.execute("ROLLBACK")
            return None
        current = ("SELECT report_id, batch_id FROM _manifest WHERE report_id IN (SELECT report_id FROM _changed)")
        wanted = {r[0] for r in con.execute(f"SELECT DISTINCT batch_id FROM ({current})").fetchall()}
        # reports already loaded (read again by a newer parser): their old rows go first
        replaced = con.execute(f"SELECT count(*) FROM _changed WHERE report_id IN "
                               f"(SELECT report_id FROM {SOURCE_FILES})").fetchone()[0]
        batches = lake.committed_batches(lake_dir)
        for name in TABLE_NAMES:
            if replaced:
                con.execute(f"DELETE FROM {ident(name)} WHERE report_id IN (SELECT report_id FROM _changed)")
            files = [f for f in lake_files.live_files(lake_dir, name, batches) if f.batch_ids() & wanted]
            if files:
                _insert_from_lake(con, name, files, current)
        # The bookkeeping tables are small: replaced whole (DELETE + INSERT keeps their comments).
        con.execute(f"DELETE FROM {SOURCE_FILES}")
        con.execute(f"INSERT INTO {SOURCE_FILES} SELECT * FROM _manifest")
        con.execute(f"DELETE FROM {FILE_PATHS}")
        if paths.exists():
            con.execute(f"INSERT INTO {FILE_PATHS} SELECT * FROM read_parquet(?)", [str(paths)])
        # The statements' IDF: learnt again by the lake now and then, replaced whole like the path log.
        con.execute(f"DELETE FROM {lake.STATEMENT_IDF}")
        if (idf := lake_dir / lake.IDF_NAME).exists():
            con.execute(f"INSERT INTO {lake.STATEMENT_IDF} SELECT * FROM read_parquet(?)", [str(idf)])
        con.execute("DROP TABLE _manifest")
        corrections.create_table(con, corrections_path, "_corrections_now")
        con.execute(f"""
            INSERT INTO _changed
            SELECT DISTINCT report_id FROM (
                (SELECT * FROM {corrections.TABLE} EXCEPT SELECT * FROM _corrections_now)
                UNION ALL
                (SELECT * FROM _corrections_now EXCEPT SELECT * FROM {corrections.TABLE}))
            WHERE report_id NOT IN (SELECT report_id FROM _changed)""")
        con.execute(f"DELETE FROM {corrections.TABLE}")
        con.execute(f"INSERT INTO {corrections.TABLE} SELECT * FROM _corrections_now")
        con.execute("DROP TABLE _corrections_now")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return n_changed


def _refresh_models(con: duckdb.DuckDBPyConnection, models: dict[str, Model], inputs: dict[str, str | None],
                    result: BuildResult) -> None:
    """Finish the transaction ``_update_from_lake`` left open: the incremental models' rows of the
    changed bodies replaced, when the kept tables of those models can be trusted; then commit.

    They can when the file's last build ran the same models (build_info) and left every one of
    them. Otherwise every model runs in full after this, and build_info is cleared in this
    transaction: a build killed half-way through those runs leaves no file that the next build
    would take for an incremental base.
    """
    names = runner.incremental_order(models)
    _, built_from, _ = _read_build_info(con)
    trusted = bool(names) and built_from.get("models") == inputs.get("models") and set(names) <= _main_tables(con)
    try:
        if trusted:
            # the reports the late models will recompute after the full ones have run
            record = PENDING if runner.late_order(models) else None
            result.reports_recomputed = runner.update_models(con, models, "_changed", record=record)
            result.models_refreshed = names
        else:
            con.execute(f"DELETE FROM {BUILD_INFO}")
        con.execute("DROP TABLE _changed")
        checkpoint("warehouse: changed reports loaded, not yet committed")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


# The reports whose rows the late models (models.late_order: quality_issues, which reads the full
# model check_results, and the models reading it) still have to recompute. Written in the
# transaction that refreshes the other incremental models, emptied when the late ones are done:
# a build killed in between leaves it for the next one, which recomputes them then.
PENDING = "_pending_reports"


def _late_models(con: duckdb.DuckDBPyConnection, models: dict[str, Model], result: BuildResult) -> list[str]:
    """The late models this build refreshes rather than rebuilds, with the digests of the full
    models they read saved first; [] when they run in full (a full build, a changed model, a
    table missing)."""
    late = runner.late_order(models)
    if not late or not result.models_refreshed:
        return []
    present = _main_tables(con)
    inputs = runner.late_inputs(models)
    if (not set(late) <= present or PENDING not in present
            or any(f not in present and runner.digest_table(f) not in present for f in inputs)):
        return []
    for name in inputs:
        runner.save_digest(con, name)
    checkpoint("warehouse: digests of the full models kept")
    return late


def _refreshable_inputs(con: duckdb.DuckDBPyConnection, models: dict[str, Model], late: list[str],
                        inputs: dict[str, str | None]) -> list[str]:
    """The full models the late ones read that this build refreshes for the pending reports rather
    than runs again (check_results, when its table is kept and the rules are those it was made by)."""
    if not late:
        return []
    _, built_from, _ = _read_build_info(con)
    if built_from.get("rules") != inputs.get("rules"):
        return []
    present = _main_tables(con)
    return [n for n in runner.late_inputs(models) if models[n].refresh is not None and n in present]


def _refresh_input(con: duckdb.DuckDBPyConnection, models: dict[str, Model], name: str) -> int:
    """A refreshable full model's rows recomputed for the pending reports, in one transaction."""
    refresh = models[name].refresh
    assert refresh is not None
    return _refreshed(con, name, lambda: refresh(con, PENDING))


def _late_bookkeeping(models: dict[str, Model], late: list[str]) -> list[str]:
    """The tables a build keeps for its late models: the pending reports and the digests."""
    return [PENDING, *(runner.digest_table(f) for f in runner.late_inputs(models))] if late else []


def _refresh_late(con: duckdb.DuckDBPyConnection, models: dict[str, Model], name: str) -> int:
    """One late model's rows recomputed for the pending reports and those whose rows changed in
    the full models it reads (rebuilt by now), in one transaction."""
    def refresh() -> int:
        for dep in runner.late_inputs(models):
            if dep in models[name].deps:
                runner.record_digest_changes(con, dep, PENDING)
        return runner.refresh_late(con, models, name, PENDING)
    return _refreshed(con, name, refresh)


def _refreshed(con: duckdb.DuckDBPyConnection, name: str, refresh: Callable[[], int]) -> int:
    """``refresh()`` in a transaction of its own, then the model's checkpoint."""
    con.execute("BEGIN")
    try:
        n = refresh()
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    checkpoint(f"warehouse: model {name} refreshed")
    return n


def _main_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = "
                                      "current_database() AND schema_name = 'main'").fetchall()}


def _incremental_base(con: duckdb.DuckDBPyConnection, inputs: dict[str, str | None]) -> bool:
    """The kept working file can be brought up to date: every loaded table is there, and its last
    build used the same loading code, gazetteer and storage format as this one."""
    present = _main_tables(con)
    if not set(LOADED_TABLES) <= present or BUILD_INFO not in present:
        return False
    _, built_from, _ = _read_build_info(con)
    return all(built_from.get(k) == inputs.get(k) for k in _BASE_INPUTS)


def _drop_models(con: duckdb.DuckDBPyConnection, refreshed: Iterable[str] = ()) -> None:
    """Drop every table of a kept working file but the loaded ones, build_info and the models
    ``refreshed`` in place, before the other models run again.

    Those are rebuilt anyway, and a table no model makes any more (one since removed) must not
    be published. Dropped and checkpointed first, their blocks are free for the new tables:
    CREATE OR REPLACE would write the new table beside the old one and leave the file (and so
    every published copy of it) holding a second generation of free blocks.
    """
    # build_info: what the next build checks the file against
    keep = {*LOADED_TABLES, BUILD_INFO, *refreshed}
    for (name,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
                               "AND schema_name = 'main'").fetchall():
        if name not in keep:
            con.execute(f"DROP TABLE {ident(name)}")
    for (name,) in con.execute("SELECT view_name FROM duckdb_views() WHERE database_name = current_database() "
                               "AND schema_name = 'main' AND NOT internal").fetchall():
        con.execute(f"DROP VIEW {ident(name)}")
    con.execute("CHECKPOINT")


def _loaded_rows(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return {name: con.execute(f"SELECT count(*) FROM {ident(name)}").fetchone()[0] for name in LOADED_TABLES}


def load_lake(lake_dir: Path, work_path: Path, memory_limit: str = MEMORY_LIMIT) -> dict[str, int]:
    """Recreate the working database from the lake; returns rows per loaded table."""
    con = _open_work(work_path, memory_limit, fresh=True)
    try:
        with lake.exclusive_lock(Path(lake_dir) / lake.LOCK_NAME):  # no commit or compaction meanwhile
            _full_load(con, Path(lake_dir), corrections.default_path(Path(lake_dir)))
        return _loaded_rows(con)
    finally:
        con.close()


def _arrow_to_duck(t: object) -> str:
    s = str(t)
    if s.startswith("timestamp"):
        return "TIMESTAMPTZ"
    return {"string": "VARCHAR", "int64": "BIGINT", "double": "DOUBLE"}[s]


def publish(work_path: Path, warehouse_path: Path, models: Iterable[str] = (),
            inputs: dict[str, str | None] | None = None) -> Path:
    """Stamp build_info into the working database and copy it to ``warehouse_path`` in one atomic
    rename. ``inputs`` (``build_inputs``) is stamped too, so that the next build knows whether
    anything changed; without it the next build_warehouse rebuilds in full."""
    work_path, warehouse_path = Path(work_path), Path(warehouse_path)
    # Not atomic.temp_beside: this name matches the .gitignore pattern data/*.duckdb.tmp*, and
    # the pid tells which process left a copy behind when it was killed.
    tmp = warehouse_path.with_name(f"{warehouse_path.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}")

    def failed(err: OSError) -> WarehouseWriteError:
        return WarehouseWriteError(f"cannot publish {warehouse_path}: {err.strerror or err}; "
                                   "the previous file was left as it was")

    _stamp_build_info(work_path, list(models), inputs)
    remove_stale_copies(warehouse_path)
    atomic.write_atomic(warehouse_path, lambda path: _write_copy(work_path, path, warehouse_path),
                        tmp=tmp, remove=_remove_db, failed=failed,
                        written="warehouse: new copy written, not yet published", placed="warehouse: published")
    return warehouse_path


def remove_stale_copies(warehouse_path: Path) -> int:
    """Delete the copies a publish killed midway left behind (warehouse.duckdb.tmp-PID-*) whose
    process is gone. Called by the publisher, which holds the writer lock."""
    removed = 0
    for path in warehouse_path.parent.glob(f"{warehouse_path.name}.tmp-*"):
        pid = path.name.removeprefix(f"{warehouse_path.name}.tmp-").split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            _remove_db(path)
            removed += 1
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _git_commit() -> str | None:
    try:
        done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return (done.stdout.strip() or None) if done.returncode == 0 else None


_AS_OF = re.compile(r"as of (\d{4}-\d{2}-\d{2})")


def _gazetteer_as_of() -> str | None:
    """From the gazetteer's own README, where the table's source and date are written once."""
    readme = GAZETTEER_CSV.parent / "README.md"
    m = _AS_OF.search(readme.read_text(encoding="utf-8")) if readme.exists() else None
    return m.group(1) if m else None


def _stamp_build_info(work_path: Path, models: list[str], inputs: dict[str, str | None] | None) -> None:
    """Write build_info into the working database and checkpoint it, so the file is complete on disk."""
    con = duckdb.connect(str(work_path))
    try:
        n_current = 0
        if con.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
                       "AND table_name = 'report_indicators'").fetchone()[0]:
            n_current = con.execute("SELECT count(*) FROM report_indicators").fetchone()[0]
        con.execute(
            f"CREATE OR REPLACE TABLE {BUILD_INFO} AS SELECT now() AS built_at, ? AS storage_version, "
            f"(SELECT count(*) FROM {SOURCE_FILES}) AS n_source_files, (SELECT count(*) FROM reports) AS n_reports, "
            "?::BIGINT AS n_current_reports, ?::VARCHAR[] AS models, ? AS parser_version, ? AS git_commit, "
            "?::DATE AS gazetteer_as_of, ?::VARCHAR AS fingerprint, ?::VARCHAR AS built_from",
            [STORAGE_VERSION, n_current, models, parser_version(), _git_commit(), _gazetteer_as_of(),
             fingerprint(inputs) if inputs else None, json.dumps(inputs, sort_keys=True) if inputs else None])
        comment(con, BUILD_INFO, *TABLE_DOCS[BUILD_INFO])
        con.execute("CHECKPOINT")
    finally:
        con.close()


def _write_copy(work_path: Path, tmp: Path, warehouse_path: Path) -> None:
    """The working database, checkpointed, copied to ``tmp`` in the published format.

    A working file made by ``load_lake`` is already in that format: a byte copy is the copy
    (seconds, where COPY FROM DATABASE re-encodes every table). A working file in another format
    (left by an older version of this module) is copied table by table.
    """
    def cannot(err: BaseException) -> WarehouseWriteError:
        # A full disk shows up here: name the file; the published warehouse is untouched.
        return WarehouseWriteError(f"cannot write {tmp}: {str(err).splitlines()[0] if str(err) else err}; "
                                   f"{warehouse_path} was left as it was")

    wal = work_path.with_name(work_path.name + ".wal")
    if _storage_number(work_path) == _STORAGE_NUMBERS[STORAGE_VERSION] and not wal.exists():
        try:
            shutil.copyfile(work_path, tmp)
        except OSError as err:
            raise cannot(err) from err
        return
    con = duckdb.connect(str(work_path))
    try:
        source = con.execute("SELECT current_database()").fetchone()[0]
        try:
            con.execute(f"ATTACH ? AS publish_target (STORAGE_VERSION '{STORAGE_VERSION}')", [str(tmp)])
            try:
                con.execute(f"COPY FROM DATABASE {ident(source)} TO publish_target")
            finally:
                con.execute("DETACH publish_target")
        except (duckdb.IOException, OSError) as err:
            raise cannot(err) from err
    finally:
        con.close()


class WarehouseWriteError(OSError):
    """Publishing failed (disk full, folder not writable); the message names the file."""


def build_warehouse(lake_dir: Path, warehouse_path: Path, sql_dir: Path = SQL_DIR,
                    progress: ProgressFn | None = None, *, force: bool = False,
                    memory_limit: str = MEMORY_LIMIT, compact_threshold: int = compact.THRESHOLD,
                    max_incremental_share: float = MAX_INCREMENTAL_SHARE,
                    corrections_path: Path | None = None) -> BuildResult:
    """Load the lake, run every model in dependency order, publish. The whole job without Dagster.

    Nothing is done when the published file was built from the same inputs (``build_inputs``:
    lake manifest, file log, models, parser, gazetteer, code) unless ``force``. Otherwise the
    lake's crowded year partitions are compacted, then the working file kept from the last build
    is brought up to date (only new or re-read reports loaded, and the per-report models' rows of
    their bodies replaced) or, when that is not possible or not worth it, or with ``force``,
    loaded afresh; the other models are run again in full and the result published. DuckDB works within ``memory_limit`` and spills to a folder beside the working file.
    The corrections (``corrections_path``, by default data/corrections.csv beside the lake) are
    read on every build that runs; a change to them alone is an incremental build.
    """
    lake_dir, warehouse_path = Path(lake_dir), Path(warehouse_path)
    corrections_path = corrections.default_path(lake_dir) if corrections_path is None else Path(corrections_path)
    work = working_path(warehouse_path)
    result = BuildResult(warehouse_path)
    con = None
    with writer_lock(warehouse_path):
        try:
            # The lake lock while the lake is read: no commit changes it meanwhile, so what is
            # loaded is exactly what the stamped inputs describe.
            with lake.exclusive_lock(lake_dir / lake.LOCK_NAME):
                inputs = build_inputs(lake_dir, sql_dir, corrections_path)
                if not force:
                    published, built_at = published_fingerprint(warehouse_path)
                    if published is not None and published == fingerprint(inputs):
                        result.mode, result.built_at = UNCHANGED, built_at
                        if progress:
                            when = f"{built_at:%Y-%m-%d %H:%M:%S %Z}" if built_at else "the last build"
                            progress(f"warehouse: nothing changed since {when}")
                        return result
                models = load_models(sql_dir)  # a model reading an unknown table fails here, before any work
                # compaction changes files, not rows: the inputs above stay true
                result.compacted = compact.compact_locked(lake_dir, compact_threshold, progress).partitions
                con = None if force else _open_kept(work, memory_limit)
                changed = None
                if con is not None and _incremental_base(con, inputs):
                    changed = _update_from_lake(con, lake_dir, max_incremental_share, corrections_path)
                if changed is None:
                    if con is not None:
                        con.close()
                    con = _open_work(work, memory_limit, fresh=True)
                    result.reports_loaded = _full_load(con, lake_dir, corrections_path)
                else:
                    result.mode, result.reports_loaded = INCREMENTAL, changed
                    result.rows.update(_loaded_rows(con))  # the transaction's own view: the rows now
                    if progress:
                        progress(f"warehouse: loaded {changed} new or re-read reports from the lake into "
                                 f"the kept working file ({result.rows.get('reports', 0)} reports in all)")
                    # in the load's transaction: lake tables and refreshed models committed together
                    _refresh_models(con, models, inputs, result)
            if result.mode == FULL:
                result.rows.update(_loaded_rows(con))
                if progress:
                    progress(f"warehouse: loaded {result.rows.get('reports', 0)} reports from the lake")
            checkpoint("warehouse: lake loaded into the working file")
            late = _late_models(con, models, result)
            refreshable = _refreshable_inputs(con, models, late, inputs)
            _drop_models(con, [*result.models_refreshed, *late, *refreshable, *_late_bookkeeping(models, late)])
            # run_model connects to the working file by path; while `con` is open it shares this
            # database instance, memory limit and spill folder included
            for name in model_order(models):
                if name in result.models_refreshed:
                    result.rows[name] = con.execute(f"SELECT count(*) FROM {ident(name)}").fetchone()[0]
                    what = f"{result.rows[name]} rows, those of {result.reports_recomputed} reports recomputed"
                elif name in refreshable:
                    n = _refresh_input(con, models, name)
                    result.rows[name] = con.execute(f"SELECT count(*) FROM {ident(name)}").fetchone()[0]
                    what = f"{result.rows[name]} rows, those of {n} reports recomputed"
                elif name in late:
                    n = _refresh_late(con, models, name)
                    result.rows[name] = con.execute(f"SELECT count(*) FROM {ident(name)}").fetchone()[0]
                    what = f"{result.rows[name]} rows, those of {n} reports recomputed"
                else:
                    result.rows[name] = run_model(work, models[name])
                    checkpoint(f"warehouse: model {name} built")
                    what = f"{result.rows[name]} rows"
                result.models.append(name)
                if progress:
                    progress(f"warehouse: model {name}: {what}")
            if late:  # every late model is up to date: nothing is pending any more
                con.execute(f"DROP TABLE IF EXISTS {PENDING}")
                result.models_refreshed += [*refreshable, *late]
        finally:
            if con is not None:
                con.close()
        publish(work, warehouse_path, result.models, inputs)
    if progress:
        progress(f"warehouse: published {warehouse_path}")
    return result


def writer_lock(warehouse_path: Path):  # noqa: ANN201 - a context manager
    """The lock every step that writes the working or published file holds."""
    return lake.exclusive_lock(_lock_path(warehouse_path))


# --- data checks ----------------------------------------------------------------------------

def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def _engine_missing(name: str, err: duckdb.Error) -> CheckOutcome:
    """check_results absent (the engine did not run, or failed): an ERROR, whatever the data."""
    return CheckOutcome(name, False, "ERROR", f"check_results cannot be read: {err}", {"error": str(err)})


def _parser_agrees(con: duckdb.DuckDBPyConnection, name: str, rules: list[str], what: str) -> CheckOutcome:
    """The engine's fails of ``rules`` (checked by the parser too, in one document) on current reports.

    Published reports do break them; that is data, not a pipeline failure (WARN). It is an ERROR
    only when the parser did not list the same finding in quality_issues (same code and field):
    the two disagree, so one of them lost or invented it. A result that read a corrected value is
    the engine's alone (the parser saw the print), so it counts as listed.
    """
    try:
        bad = _rows(con, """
            SELECT c.report_id, c.rule_id, c.code, c.subject AS field, c.lhs, c.rhs, c.detail,
                   EXISTS (SELECT 1 FROM quality_issues q WHERE q.report_id = c.report_id AND q.origin = 'parser'
                           AND q.code = c.code AND q.field = c.subject)
                   OR c.cells LIKE '%"source":"correction"%' AS flagged
            FROM check_results AS c
            WHERE c.rule_id IN ? AND c.is_current AND c.status = 'fail'
            ORDER BY c.report_id, c.code, c.subject""", [rules])
    except duckdb.CatalogException as err:
        return _engine_missing(name, err)
    return _outcome(name, bad, what)


def check_balance(con: duckdb.DuckDBPyConnection) -> CheckOutcome:
    """The template's rule (check_results, rule balance_rule): new + carried over == processed +
    carried forward, per column of table 3."""
    return _parser_agrees(con, "balance_rule", ["balance_rule"],
                          "new + carried over differs from processed + carried forward")


def check_row_totals(con: duckdb.DuckDBPyConnection) -> CheckOutcome:
    """Every printed total equals the sum of its parts (check_results: row_total for table 3's
    rows, table4_total for table 4's proceedings)."""
    return _parser_agrees(con, "row_totals", ["row_total", "table4_total"],
                          "a printed total differs from the sum of its parts")


RULES_CHECK_PREFIX = "rules_"  # rules_error, rules_warning, rules_info: one check per rule severity


def check_rules(con: duckdb.DuckDBPyConnection, severity: str) -> CheckOutcome:
    """The check engine's results for every rule of one severity (rules.toml), on every document.

    A ``fail`` is data, the source's own mistake: WARN. ``uncertain`` and ``not_assessable`` are
    counted, not failed. ERROR only when check_results is missing (the engine did not run)."""
    name = RULES_CHECK_PREFIX + severity
    try:
        counts = dict(con.execute("SELECT status, count(*) FROM check_results WHERE severity = ? GROUP BY status",
                                  [severity]).fetchall())
        per_rule = dict(con.execute("""SELECT rule_id, count(*) FROM check_results WHERE severity = ? AND status = 'fail'
                                       GROUP BY rule_id ORDER BY rule_id""", [severity]).fetchall())
        examples = _rows(con, """SELECT rule_id, report_id, subject, detail FROM check_results
                                 WHERE severity = ? AND status = 'fail' ORDER BY rule_id, report_id, subject
                                 LIMIT 20""", [severity])
    except duckdb.CatalogException as err:
        return _engine_missing(name, err)
    n_fail = int(counts.get("fail", 0))
    desc = (f"{n_fail} {severity} result(s) fail: " + ", ".join(f"{r} {n}" for r, n in per_rule.items())
            if n_fail else f"every {severity} rule holds where it could be assessed")
    return CheckOutcome(name, n_fail == 0, "WARN", desc, {
        **{status: int(counts.get(status, 0)) for status in check_engine.STATUSES},
        "fails_per_rule": json.dumps(per_rule),
        "examples": json.dumps(examples, ensure_ascii=False, default=str),
    })


def check_one_current_report(con: duckdb.DuckDBPyConnection) -> CheckOutcome:
    """No body has two current reports for one year (report_indicators would double count)."""
    bad = _rows(con, """
        SELECT body_key, year, count(*) AS n_reports, list(report_id ORDER BY report_id) AS report_ids
        FROM report_indicators WHERE year IS NOT NULL
        GROUP BY body_key, year HAVING count(*) > 1 ORDER BY body_key, year""")
    n_dup = con.execute("SELECT count(*) FROM stg_reports WHERE NOT is_current").fetchone()[0]
    return CheckOutcome(
        "one_current_report_per_body_year", not bad, "ERROR",
        f"{len(bad)} body-years with more than one current report" if bad
        else "every body has at most one current report per year",
        {"body_years_with_two_current": len(bad), "superseded_documents": int(n_dup),
         "examples": json.dumps(bad[:20], ensure_ascii=False, default=str)})


def check_lake_rows(con: duckdb.DuckDBPyConnection, lake_dir: Path) -> CheckOutcome:
    """Every committed lake row is in the warehouse, and nothing else."""
    lake_counts = lake.lake_row_counts(lake_dir)
    diffs = {}
    for name, n in lake_counts.items():
        w = con.execute(f"SELECT count(*) FROM {ident(name)}").fetchone()[0]
        if w != n:
            diffs[name] = {"lake": n, "warehouse": w}
    return CheckOutcome(
        "lake_rows_match", not diffs, "ERROR",
        "row counts differ: " + json.dumps(diffs) if diffs else "lake and warehouse row counts agree",
        {**{f"lake_rows_{k}": v for k, v in lake_counts.items()}, "differences": json.dumps(diffs)})


def _outcome(name: str, bad: list[dict], what: str) -> CheckOutcome:
    unflagged = [b for b in bad if not b["flagged"]]
    passed = not bad
    severity = "ERROR" if unflagged else "WARN"
    n_reports = len({b["report_id"] for b in bad})
    desc = (f"{what}: {len(bad)} cell(s) in {n_reports} report(s), {len(unflagged)} of them not in quality_issues"
            if bad else f"{name} holds for every current report")
    return CheckOutcome(name, passed, severity, desc, {
        "violations": len(bad),
        "not_in_quality_issues": len(unflagged),
        "reports": len({b["report_id"] for b in bad}),
        "examples": json.dumps(bad[:20], ensure_ascii=False, default=str),
    })


CHECKS: dict[str, Callable[[duckdb.DuckDBPyConnection], CheckOutcome]] = {
    "balance_rule": check_balance,
    "row_totals": check_row_totals,
    "one_current_report_per_body_year": check_one_current_report,
    **{RULES_CHECK_PREFIX + sev: functools.partial(check_rules, severity=sev) for sev in check_engine.SEVERITIES},
}


def run_checks(db_path: Path, lake_dir: Path | None = None,
               names: Iterable[str] | None = None) -> list[CheckOutcome]:
    """Data checks against a built database, read-only. ``lake_rows_match`` needs ``lake_dir``."""
    wanted = list(names) if names is not None else [*CHECKS, *(["lake_rows_match"] if lake_dir else [])]
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        return [check_lake_rows(con, Path(lake_dir)) if n == "lake_rows_match" and lake_dir is not None
                else CHECKS[n](con) for n in wanted]
    finally:
        con.close()
