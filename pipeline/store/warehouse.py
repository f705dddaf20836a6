"""The DuckDB warehouse: the lake loaded into tables, the SQL models run on top, published atomically.

Analysts open ``data/warehouse.duckdb``. The pipeline never writes that file in place:

1. ``load_lake`` creates a fresh WORKING file next to it (``warehouse.work.duckdb``) and loads
   every committed lake file into one table per tidy frame, plus ``source_files`` (the manifest).
2. ``run_model`` (the runner in ``models.py``) runs each ``sql/*.sql`` file (one plain SELECT
   each) as ``CREATE OR REPLACE TABLE <file stem> AS ...``, in dependency order. A model's
   dependencies are read from its SQL (``json_serialize_sql``), never declared twice.
3. ``publish`` copies the working database into a new file written in the DuckDB 1.0 storage
   format (``ATTACH ... (STORAGE_VERSION 'v1.0.0')`` + ``COPY FROM DATABASE``) and renames it
   over ``warehouse.duckdb`` (``atomic.write_atomic``: fsync, ``os.replace``, fsync the folder).

A reader holding the published file open keeps reading the old, complete copy (on POSIX the
rename does not touch an open file); the next connection sees the new one. Nobody but the
pipeline ever opens the working file, so the single-writer rule of DuckDB is never in the way of
readers, and DuckDB 1.x tools (DBeaver, R, older CLIs) can open what is published.

This module has no Dagster import: assets/ calls these functions, and so can a script.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from . import atomic, lake
from . import models as runner
from ..faults import checkpoint
from ..parse import parser_version
from ..parse.schema import FRAMES, TABLE_NAMES
from ..parse.template import load_template
from .ddl import comment, ident
# The runner lives in models.py; these names stay importable from here for assets/ and the tests.
from .models import SQL_DIR, Model, model_order, parse_header, run_model, sql_dependencies  # noqa: F401

REPO_ROOT = Path(__file__).resolve().parents[2]
# Storage format of the published file. Each DuckDB release reads formats up to its own:
# 'v1.5.0' (header version 68) needs DuckDB >= 1.5, while 'v1.0.0' (version 64) opens in every
# DuckDB from 1.0 on, which is what DBeaver's bundled driver, R packages and older CLIs ship.
# Checked: a v1.0.0 file written by DuckDB 2.0 opens in DuckDB 1.5.6; the 2.0 default does not.
STORAGE_VERSION = "v1.0.0"
SOURCE_FILES = "source_files"
BUILD_INFO = "build_info"
GAZETTEER = "gazetteer"
FILE_PATHS = "file_paths"
LOADED_TABLES: tuple[str, ...] = (*TABLE_NAMES, SOURCE_FILES, FILE_PATHS, GAZETTEER)
GAZETTEER_CSV = REPO_ROOT / "data" / "reference" / "gazetteer.csv.gz"

ProgressFn = Callable[[str], None]

_DUCK_TYPES = {"string": "VARCHAR", "Int64": "BIGINT", "Float64": "DOUBLE"}

# Words for the analyst, stored as DuckDB comments (duckdb_tables(), duckdb_columns()) and
# rendered into README.md (data dictionary) by scripts/data_dictionary.py. Models document
# themselves in their SQL header.
_YEAR_DOC = "report year (the year the report covers, from the lake partition); NULL when unknown"
_LOCATION_DOCS = {
    "line": "1-based line of the document in reading order: the file's own line for plain text; "
            "for other formats the line `ogi parse --lines FILE` numbers",
    "page": "PDF page where the value stands; NULL for other formats",
    "location": "where the value stands in the source's own terms: `line 42` (text), `page 3, table 2, row 5, "
                "column 3` (PDF), `table 1, row 4, column 2` (web page, Word)",
}

TABLE_DOCS: dict[str, tuple[str, dict[str, str]]] = {
    "reports": ("Every parsed document, one row each, as the parser read it (older versions of a "
                "corrected report included; stg_reports says which one is current).", {
        "report_id": "first 16 hex digits of the sha256 of the file's bytes: the document's id everywhere",
        "sha256": "sha256 of the file's bytes",
        "source_path": "path of the file when it was first ingested",
        "format": "format the bytes were read as: text, html, docx or pdf (sniffed from the content, not the name)",
        "source_url": "the web page the report was crawled from, from the crawler's header (原文链接) where the file has one",
        "encoding": "text encoding the file was decoded with",
        "title": "report title as printed",
        "org": "issuing body as printed in the title (e.g. 高安市八景镇)",
        "year": _YEAR_DOC,
        "year_source": "where the year was read: title, period (the reporting-period sentence) or none",
        "template_version": "national template the report follows: 2019, 2021, or mixed (tables in different versions)",
        "table2_version": "template version of table 2 (proactive disclosure): 2019 or 2021",
        "table3_version": "template version of table 3 (applications): 2019 or 2021",
        "n_lines": "number of text lines in the document",
        "problems_text": "section 五 (problems and improvements) as text",
        "other_matters_text": "section 六 (other matters, e.g. fees charged) as text",
        "province": "province name", "province_code": "6-digit GB/T 2260 code of the province",
        "prefecture": "prefecture-level city name", "prefecture_code": "6-digit GB/T 2260 code of the prefecture",
        "county": "county-level name", "county_code": "6-digit GB/T 2260 code of the county",
        "township": "township / town / street name", "township_code": "9-digit code of the township (Ministry of Civil Affairs)",
        "admin_level": "level of the body: province, prefecture, county, township or department",
        "department": "department name when the body is a department rather than a government",
        "region_method": "how the region was found: title, body, alias or none",
    }),
    "active_disclosure": ("Table 2 (主动公开政府信息情况), one row per report, item and measure, as printed.", {
        "report_id": "the document (reports.report_id)",
        "item": "what is counted: rules, normative_documents, licensing, other_services, penalty, coercion, fees, procurement",
        "measure": "which column: issued, repealed, in_force, decisions, fee_amount (2021); new_made, new_published, "
                   "published_total, prior_year_items, change, procurement_items, procurement_amount (2019)",
        "value": "the number as printed (money in the printed unit); NULL when the cell is missing, blank or not a number",
        "unit": "万元 or 元 for money, NULL for counts",
        "readings": "for a row whose digits ran together and stayed open (crawled text): every reading "
                    "the printed digits allow, the row's cells separated by | and the readings by ; "
                    "(stg_active_disclosure chooses among them with the body's neighbouring years); NULL otherwise",
        **_LOCATION_DOCS,
        "raw": "the cell text as printed",
        "year": _YEAR_DOC,
    }),
    "applications": ("Table 3 (收到和处理政府信息公开申请情况), one row per report, outcome and applicant, as printed. "
                     "A report whose table 3 is missing has no rows here.", {
        "report_id": "the document (reports.report_id)",
        "outcome": "table row: new_received, carried_over, granted, partially_granted, denied_*, unable_*, rejected_*, "
                   "other_processing (2019) or other_no_correction / other_no_fee / other_other (2021), total_processed, carried_forward",
        "applicant": "table column: natural_person, commercial, research, social_welfare, legal_service, other_org, total "
                     "(org_subtotal where printed)",
        "value": "number of applications as printed; NULL when the cell is missing, blank or not a number",
        **_LOCATION_DOCS,
        "raw": "the cell text as printed",
        "year": _YEAR_DOC,
    }),
    "reviews_litigation": ("Table 4 (行政复议、行政诉讼情况), one row per report, proceeding and result, as printed.", {
        "report_id": "the document (reports.report_id)",
        "proceeding": "review (行政复议), litigation_direct (诉讼, no review first), litigation_after_review (诉讼 after review)",
        "result": "upheld, corrected, other, pending, total",
        "value": "number of cases as printed; NULL when not in the text",
        **_LOCATION_DOCS,
        "raw": "the cell text as printed",
        "year": _YEAR_DOC,
    }),
    "narrative_facts": ("Counts stated in the prose of section 一, one row per fact.", {
        "report_id": "the document (reports.report_id)",
        "fact": "proactive_total, proactive_by_category, proactive_by_channel or applications_received",
        "value": "the number stated",
        "qualifier": "exact, or at_least for 120余条 / 100多条",
        "category": "category or channel as printed; NULL for totals",
        "evidence": "the clause the number came from",
        **_LOCATION_DOCS,
        "year": _YEAR_DOC,
    }),
    "issues": ("Quality issues the parser found in one document (see quality_issues for the cross-year ones).", {
        "report_id": "the document (reports.report_id)",
        "code": "issue code, see the quality issue codes in the README's data dictionary",
        "table": "tidy table concerned (applications, active_disclosure, ...)",
        "field": "cell or column concerned, e.g. natural_person or review/total",
        "detail": "one sentence for a person",
        **_LOCATION_DOCS,
        "year": _YEAR_DOC,
    }),
    SOURCE_FILES: ("Every distinct file content the pipeline has seen, including files it could not parse.", {
        "sha256": "sha256 of the file's bytes (the same bytes under two names count once)",
        "report_id": "first 16 hex digits of sha256; joins reports.report_id when status = parsed",
        "source_path": "path of the file when first seen",
        "file_size": "size in bytes",
        "file_mtime": "file modification time when first seen (UTC)",
        "ingested_at": "when the pipeline added it to the lake (UTC); the newest document for a body and year wins",
        "batch_id": "lake batch the file was committed in",
        "status": "parsed, or why not: not_a_report, unreadable, error",
        "error": "the parser's one-line reason when status is not parsed",
        "org": "issuing body as parsed (NULL when not parsed)",
        "year": "report year as parsed (NULL when not parsed or unknown)",
        "parser_version": "the parser (release + template hash) that read the file; when it differs from "
                          "build_info.parser_version the raw file was gone when a newer parser came (NULL: before versions)",
    }),
    FILE_PATHS: ("Every file name under which the pipeline saw a content: two names for the same bytes are "
                 "two rows here and one row in source_files. ingest_log joins the two.", {
        "path": "the file's path as found in the raw folder",
        "sha256": "sha256 of the file's bytes; joins source_files",
        "file_size": "size in bytes",
        "first_seen": "the first run that saw this file with these bytes (UTC)",
        "last_seen": "the latest run that saw it (UTC); older than the latest run: the file was removed",
    }),
    GAZETTEER: ("China's administrative divisions (Ministry of Civil Affairs code table as of 2025-12-31): "
                "every province, prefecture, county and township, the reference for region codes and coverage.", {
        "code": "the place's code: 6-digit GB/T 2260 down to county, 9-digit Ministry code for a township",
        "name": "official name",
        "level": "province, prefecture, county or township",
        "parent_code": "code of the place directly above",
        "province_code": "code of its province",
        "province": "name of its province",
        "prefecture_code": "code of its prefecture; NULL where there is no such level (municipality districts)",
        "prefecture": "name of its prefecture",
        "county_code": "code of its county; NULL above county and for townships directly under a prefecture",
        "county": "name of its county",
    }),
    BUILD_INFO: ("One row: when this warehouse file was built and from what.", {
        "built_at": "when the file was published (UTC)",
        "storage_version": "DuckDB storage format of the file (v1.0.0: readable by DuckDB 1.0 and newer)",
        "n_source_files": "rows in source_files",
        "n_reports": "rows in reports (all versions)",
        "n_current_reports": "rows in report_indicators (one per body and year)",
        "models": "the SQL models, in the order they were built",
        "parser_version": "the parser this build ran with (release + template hash); files read by another are "
                          "parsed again while their raw file is there",
        "git_commit": "the pipeline's git commit, when it runs from a checkout",
        "gazetteer_as_of": "the date of the administrative-division table regions are placed with",
    }),
}


@dataclass
class BuildResult:
    warehouse_path: Path
    rows: dict[str, int] = field(default_factory=dict)
    models: list[str] = field(default_factory=list)


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
    """The models of ``sql_dir``, each allowed to read the tables ``load_lake`` creates and other models."""
    return runner.load_models(sql_dir, LOADED_TABLES)


# --- building -------------------------------------------------------------------------------

def _create_from_lake(con: duckdb.DuckDBPyConnection, name: str, lake_dir: Path) -> None:
    contract = dict(FRAMES[name])
    contract.setdefault(lake.PARTITION_KEY, "Int64")
    files = [str(p) for p in lake.committed_files(lake_dir, name)]
    if not files:
        cols = ", ".join(f"{ident(c)} {_DUCK_TYPES[t]}" for c, t in contract.items())
        con.execute(f"CREATE TABLE {ident(name)} ({cols})")
        return
    # Explicit casts keep the contract's types even for all-NULL columns, and union_by_name
    # lets files written before a column was added to the contract still load (as NULL). A
    # report a newer parser read again has rows in two batches: only the batch the manifest
    # names for it now is loaded.
    select = ", ".join(f"CAST(t.{ident(c)} AS {_DUCK_TYPES[t]}) AS {ident(c)}" for c, t in contract.items())
    con.execute(
        f"CREATE TABLE {ident(name)} AS SELECT {select} FROM read_parquet(?, hive_partitioning = true, "
        f"hive_types = {{'{lake.PARTITION_KEY}': BIGINT}}, union_by_name = true, filename = true) AS t "
        "SEMI JOIN read_parquet(?) AS m ON m.report_id = t.report_id "
        "AND m.batch_id = regexp_extract(t.filename, 'part-([^/]+)[.]parquet$', 1)",
        [files, str(Path(lake_dir) / lake.MANIFEST_NAME)])


def _create_from_parquet(con: duckdb.DuckDBPyConnection, table: str, path: Path, schema: object) -> None:
    """A lake bookkeeping file as a table; empty with the right columns before the first run."""
    if path.exists():
        con.execute(f"CREATE TABLE {ident(table)} AS SELECT * FROM read_parquet(?)", [str(path)])
    else:
        cols = ", ".join(f"{ident(f.name)} {_arrow_to_duck(f.type)}" for f in schema)
        con.execute(f"CREATE TABLE {ident(table)} ({cols})")


def load_lake(lake_dir: Path, work_path: Path) -> dict[str, int]:
    """Recreate the working database from the lake; returns rows per loaded table."""
    work_path = Path(work_path)
    work_path.parent.mkdir(parents=True, exist_ok=True)
    _remove_db(work_path)
    rows: dict[str, int] = {}
    con = duckdb.connect(str(work_path))
    try:
        for name in TABLE_NAMES:
            _create_from_lake(con, name, Path(lake_dir))
        _create_from_parquet(con, SOURCE_FILES, Path(lake_dir) / lake.MANIFEST_NAME, lake.MANIFEST_SCHEMA)
        _create_from_parquet(con, FILE_PATHS, Path(lake_dir) / lake.PATHS_NAME, lake.PATHS_SCHEMA)
        # Codes are text: a leading zero must survive and 6- and 9-digit codes must not be numbers.
        con.execute(f"CREATE TABLE {GAZETTEER} AS SELECT * FROM read_csv(?, header = true, all_varchar = true)",
                    [str(GAZETTEER_CSV)])
        for name in LOADED_TABLES:
            desc, cols = TABLE_DOCS[name]
            comment(con, name, desc, cols)
            rows[name] = con.execute(f"SELECT count(*) FROM {ident(name)}").fetchone()[0]
    finally:
        con.close()
    return rows


def _arrow_to_duck(t: object) -> str:
    s = str(t)
    if s.startswith("timestamp"):
        return "TIMESTAMPTZ"
    return {"string": "VARCHAR", "int64": "BIGINT", "double": "DOUBLE"}[s]


def publish(work_path: Path, warehouse_path: Path, models: Iterable[str] = ()) -> Path:
    """Copy the working database to ``warehouse_path`` in one atomic rename."""
    work_path, warehouse_path = Path(work_path), Path(warehouse_path)
    # Not atomic.temp_beside: this name matches the .gitignore pattern data/*.duckdb.tmp*, and
    # the pid tells which process left a copy behind when it was killed.
    tmp = warehouse_path.with_name(f"{warehouse_path.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}")

    def failed(err: OSError) -> WarehouseWriteError:
        return WarehouseWriteError(f"cannot publish {warehouse_path}: {err.strerror or err}; "
                                   "the previous file was left as it was")

    remove_stale_copies(warehouse_path)
    atomic.write_atomic(warehouse_path, lambda path: _write_copy(work_path, path, warehouse_path, models),
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


def _write_copy(work_path: Path, tmp: Path, warehouse_path: Path, models: Iterable[str]) -> None:
    """Stamp build_info into the working database and copy it, in the published format, to ``tmp``."""
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
            "?::DATE AS gazetteer_as_of",
            [STORAGE_VERSION, n_current, list(models), parser_version(), _git_commit(), _gazetteer_as_of()])
        comment(con, BUILD_INFO, *TABLE_DOCS[BUILD_INFO])
        source = con.execute("SELECT current_database()").fetchone()[0]
        try:
            con.execute(f"ATTACH ? AS publish_target (STORAGE_VERSION '{STORAGE_VERSION}')", [str(tmp)])
            try:
                con.execute(f"COPY FROM DATABASE {ident(source)} TO publish_target")
            finally:
                con.execute("DETACH publish_target")
        except (duckdb.IOException, OSError) as err:
            # A full disk shows up here: name the file; the published warehouse is untouched.
            raise WarehouseWriteError(f"cannot write {tmp}: {str(err).splitlines()[0]}; "
                                      f"{warehouse_path} was left as it was") from err
    finally:
        con.close()


class WarehouseWriteError(OSError):
    """Publishing failed (disk full, folder not writable); the message names the file."""


def build_warehouse(lake_dir: Path, warehouse_path: Path, sql_dir: Path = SQL_DIR,
                    progress: ProgressFn | None = None) -> BuildResult:
    """Load the lake, run every model in dependency order, publish. The whole job without Dagster."""
    warehouse_path = Path(warehouse_path)
    work = working_path(warehouse_path)
    result = BuildResult(warehouse_path)
    with lake.exclusive_lock(_lock_path(warehouse_path)):
        result.rows.update(load_lake(lake_dir, work))
        checkpoint("warehouse: lake loaded into the working file")
        if progress:
            progress(f"warehouse: loaded {result.rows.get('reports', 0)} reports from the lake")
        models = load_models(sql_dir)
        for name in model_order(models):
            result.rows[name] = run_model(work, models[name])
            checkpoint(f"warehouse: model {name} built")
            result.models.append(name)
            if progress:
                progress(f"warehouse: model {name}: {result.rows[name]} rows")
        publish(work, warehouse_path, result.models)
    if progress:
        progress(f"warehouse: published {warehouse_path}")
    return result


def writer_lock(warehouse_path: Path):  # noqa: ANN201 - a context manager
    """The lock every step that writes the working or published file holds."""
    return lake.exclusive_lock(_lock_path(warehouse_path))


# --- data checks ----------------------------------------------------------------------------

# The applicant columns whose sum is the row's total, as the template's shape file states them.
_SIX = load_template().shape.applicant_parts


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def check_balance(con: duckdb.DuckDBPyConnection) -> CheckOutcome:
    """The template's rule: new + carried over == processed + carried forward, per column.

    Published reports do break it; that is data, not a pipeline failure (WARN). It is an ERROR
    only when a break is not also listed in quality_issues, i.e. it was fixed or lost silently.
    """
    bad = _rows(con, """
        WITH cols AS (
            SELECT a.report_id, a.applicant,
                   sum(a.value) FILTER (WHERE a.outcome = 'new_received')    AS new_received,
                   sum(a.value) FILTER (WHERE a.outcome = 'carried_over')    AS carried_over,
                   sum(a.value) FILTER (WHERE a.outcome = 'total_processed') AS total_processed,
                   sum(a.value) FILTER (WHERE a.outcome = 'carried_forward') AS carried_forward
            FROM stg_applications a JOIN stg_reports r USING (report_id)
            WHERE r.is_current AND a.value_source = 'printed'
            GROUP BY a.report_id, a.applicant)
        SELECT c.*, EXISTS (SELECT 1 FROM quality_issues q WHERE q.report_id = c.report_id
                            AND q.code = 'balance_mismatch' AND q.field = c.applicant) AS flagged
        FROM cols c
        WHERE new_received + carried_over <> total_processed + carried_forward
        ORDER BY report_id, applicant""")
    return _outcome("balance_rule", bad, "new + carried over differs from processed + carried forward")


def check_row_totals(con: duckdb.DuckDBPyConnection) -> CheckOutcome:
    """Every printed total equals the sum of its parts (table 3 rows, table 4 proceedings)."""
    bad = _rows(con, """
        WITH t3 AS (
            SELECT a.report_id, 'row_total_mismatch' AS code, a.outcome AS field,
                   sum(a.value) FILTER (WHERE a.applicant = 'total') AS total,
                   sum(a.value) FILTER (WHERE a.applicant IN ?) AS parts,
                   count(a.value) FILTER (WHERE a.applicant IN ?) AS n_parts,
                   count(a.value) FILTER (WHERE a.applicant = 'total') AS n_total
            FROM stg_applications a JOIN stg_reports r USING (report_id)
            WHERE r.is_current AND a.value_source = 'printed'
            GROUP BY a.report_id, a.outcome),
        t4 AS (
            SELECT v.report_id, 'review_total_mismatch' AS code, v.proceeding || '/total' AS field,
                   sum(v.value) FILTER (WHERE v.result = 'total') AS total,
                   sum(v.value) FILTER (WHERE v.result <> 'total') AS parts,
                   count(v.value) FILTER (WHERE v.result <> 'total') AS n_parts,
                   count(v.value) FILTER (WHERE v.result = 'total') AS n_total
            FROM stg_reviews_litigation v JOIN stg_reports r USING (report_id)
            WHERE r.is_current AND v.value_source = 'printed'
            GROUP BY v.report_id, v.proceeding),
        bad AS (
            SELECT report_id, code, field, total, parts FROM t3 WHERE n_parts = 6 AND n_total = 1 AND parts <> total
            UNION ALL
            SELECT report_id, code, field, total, parts FROM t4 WHERE n_parts = 4 AND n_total = 1 AND parts <> total)
        SELECT b.*, EXISTS (SELECT 1 FROM quality_issues q WHERE q.report_id = b.report_id
                            AND q.code = b.code AND q.field = b.field) AS flagged
        FROM bad b ORDER BY report_id, code, field""", [list(_SIX), list(_SIX)])
    return _outcome("row_totals", bad, "a printed total differs from the sum of its parts")


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
