"""The Dagster code location: thin assets around pipeline.lake and pipeline.warehouse.

Lineage: raw_report_files -> parsed_reports -> parquet_lake -> the loaded warehouse tables
(reports, active_disclosure, ..., source_files) -> one asset per sql/*.sql model (dependencies
read from the SQL) -> published_warehouse (data/warehouse.duckdb, what analysts open).

Every asset that writes the lake or a DuckDB file is in the pool "duckdb"; dagster.yaml limits
every pool to one step at a time, so two runs (the nightly schedule and the new-file sensor) or
two steps never write at once. The library also takes a file lock, for writers outside Dagster.

Load with ``dagster dev`` or ``dagster asset materialize --select '*' -m assets.definitions``
from the repo root. Paths are resolved against the repo root; OGI_RAW_DIR overrides the raw
folder (default data/raw/; the bundled data/samples/ is read too unless OGI_INCLUDE_SAMPLES=0).
"""

import hashlib
import importlib
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    AssetSelection,
    AssetSpec,
    ConfigurableResource,
    DefaultScheduleStatus,
    DefaultSensorStatus,
    Definitions,
    MaterializeResult,
    MetadataValue,
    RunRequest,
    ScheduleDefinition,
    SensorEvaluationContext,
    SkipReason,
    TableColumn,
    TableSchema,
    asset,
    define_asset_job,
    multi_asset,
    sensor,
)

from pipeline.store import lake, warehouse

REPO_ROOT = Path(__file__).resolve().parents[1]
POOL = "duckdb"
JOB_NAME = "ogi_all"

INGEST, WAREHOUSE, MODELS = "ingest", "warehouse", "models"


class OgiSettings(ConfigurableResource):
    """Where things are. Relative paths are relative to ``root`` (default: the repo root)."""

    root: str = ""
    raw_dir: str = "data/raw"
    include_samples: bool = True
    samples_dir: str = "data/samples"
    lake_dir: str = "data/lake"
    warehouse_path: str = "data/warehouse.duckdb"
    # "module:function" with parse_report's signature; empty means pipeline.parse.parse_report.
    parse_function: str = ""
    # `ogi run` prints one line per stage; in the Dagster UI the same lines go to the run log.
    echo_progress: bool = False

    def path(self, p: str) -> Path:
        base = Path(self.root) if self.root else REPO_ROOT
        q = Path(p)
        return q if q.is_absolute() else base / q

    def raw_dirs(self) -> list[Path]:
        dirs = [self.path(self.raw_dir)]
        if self.include_samples:
            dirs.append(self.path(self.samples_dir))
        return dirs

    @property
    def lake(self) -> Path:
        return self.path(self.lake_dir)

    @property
    def warehouse(self) -> Path:
        return self.path(self.warehouse_path)

    @property
    def work(self) -> Path:
        return warehouse.working_path(self.warehouse)

    def parser(self) -> Callable[[bytes, str], object]:
        if not self.parse_function:
            from pipeline.parse import parse_report

            return parse_report
        module, _, name = self.parse_function.partition(":")
        return getattr(importlib.import_module(module), name)

    def progress(self, context: AssetExecutionContext | None, message: str) -> None:
        if context is not None:
            context.log.info(message)
        if self.echo_progress:
            print(f"ogi: {message}", flush=True)


def settings_from_env() -> OgiSettings:
    return OgiSettings(
        raw_dir=os.environ.get("OGI_RAW_DIR", "data/raw"),
        include_samples=os.environ.get("OGI_INCLUDE_SAMPLES", "1") not in ("0", "false", "no"),
    )


def _severity(outcome: warehouse.CheckOutcome) -> AssetCheckSeverity:
    return AssetCheckSeverity.ERROR if outcome.severity == "ERROR" else AssetCheckSeverity.WARN


def _check_result(asset_key: str, outcome: warehouse.CheckOutcome) -> AssetCheckResult:
    return AssetCheckResult(asset_key=asset_key, check_name=outcome.name, passed=outcome.passed,
                            severity=_severity(outcome), description=outcome.description,
                            metadata=outcome.metadata)


def _column_schema(columns: dict[str, str]) -> TableSchema:
    return TableSchema(columns=[TableColumn(name, description=text) for name, text in columns.items()])


# --- ingest ---------------------------------------------------------------------------------

@asset(group_name=INGEST, description="The report files in the raw folders (default data/raw/ and "
       "data/samples/), hashed; the inventory is written to the lake for the parse step.")
def raw_report_files(context: AssetExecutionContext, ogi: OgiSettings) -> MaterializeResult:
    files = lake.scan_raw(ogi.raw_dirs())
    lake.write_inventory(ogi.lake, files)
    known = lake.known_hashes(ogi.lake)
    new = [f for f in files if f.sha256 not in known]
    ogi.progress(context, f"raw report files: {len(files)} found, {len(new)} not in the lake yet")
    return MaterializeResult(metadata={
        "files": len(files), "new_files": len(new),
        "folders": ", ".join(str(d) for d in ogi.raw_dirs()),
    })


@asset(deps=[raw_report_files], pool=POOL, group_name=INGEST,
       description="Tidy frames of the files whose content the lake has not seen, staged for the lake. "
       "A file seen before (same sha256) is not parsed again; a changed file is.")
def parsed_reports(context: AssetExecutionContext, ogi: OgiSettings) -> MaterializeResult:
    files = lake.read_inventory(ogi.lake)
    res = lake.stage_new_reports(ogi.lake, files, parse=ogi.parser(),
                                 progress=lambda m: ogi.progress(context, m))
    ogi.progress(context, f"parsed reports: {res.n_parsed} parsed, {res.n_rejected} rejected, "
                          f"{res.n_known} already in the lake")
    rejected = "\n".join(f"| {Path(p).name} | {reason} |" for p, reason in res.rejected[:200])
    return MaterializeResult(metadata={
        "files": res.n_files, "already_in_lake": res.n_known, "parsed": res.n_parsed,
        "rejected": res.n_rejected,
        "rejected_files": MetadataValue.md("| file | reason |\n|---|---|\n" + rejected if rejected else "none"),
    })


@asset(deps=[parsed_reports], pool=POOL, group_name=INGEST,
       description="The Parquet lake (data/lake/): one folder per tidy table, hive-partitioned by report "
       "year, plus _manifest.parquet. Every document ever parsed stays here.")
def parquet_lake(context: AssetExecutionContext, ogi: OgiSettings) -> MaterializeResult:
    res = lake.commit_staged(ogi.lake)
    counts = lake.lake_row_counts(ogi.lake)
    ogi.progress(context, f"parquet lake: {res.n_reports} reports added, {counts['reports']} in total")
    return MaterializeResult(metadata={
        "reports_added": res.n_reports, "rejected_files_recorded": res.n_rejected,
        "batch_id": res.batch_id or "none (nothing new)", "files_written": res.files_written,
        "orphans_removed": res.orphans_removed, "path": str(ogi.lake),
        **{f"rows_{k}": v for k, v in counts.items()},
    })


# --- warehouse ------------------------------------------------------------------------------

def _loaded_tables_asset() -> AssetsDefinition:
    specs = [AssetSpec(name, deps=[parquet_lake], group_name=WAREHOUSE,
                       description=warehouse.TABLE_DOCS[name][0],
                       metadata={"dagster/column_schema": _column_schema(warehouse.TABLE_DOCS[name][1])})
             for name in warehouse.LOADED_TABLES]
    checks = [AssetCheckSpec("lake_rows_match", asset=name, blocking=True,
                             description="rows in the warehouse table == rows in the committed lake files")
              for name in lake.TABLE_NAMES]

    @multi_asset(name="warehouse_tables", specs=specs, check_specs=checks, pool=POOL,
                 description="Recreate the working DuckDB file from the lake.")
    def warehouse_tables(context: AssetExecutionContext, ogi: OgiSettings) -> Iterator[object]:
        with warehouse.writer_lock(ogi.warehouse):
            rows = warehouse.load_lake(ogi.lake, ogi.work)
        ogi.progress(context, f"duckdb tables: {rows.get('reports', 0)} reports loaded into {ogi.work.name}")
        lake_counts = lake.lake_row_counts(ogi.lake)
        for name in warehouse.LOADED_TABLES:
            yield MaterializeResult(asset_key=name, metadata={"rows": rows[name]})
        for name in lake.TABLE_NAMES:
            ok = rows[name] == lake_counts[name]
            yield AssetCheckResult(asset_key=name, check_name="lake_rows_match", passed=ok,
                                   severity=AssetCheckSeverity.ERROR,
                                   description=f"lake {lake_counts[name]} rows, warehouse {rows[name]} rows",
                                   metadata={"lake_rows": lake_counts[name], "warehouse_rows": rows[name]})

    return warehouse_tables


# Checks that need a model and the models before it; they run in the model's own step, so they
# read the working file under the same pool slot and lock as the write.
MODEL_CHECKS: dict[str, list[tuple[str, str, bool]]] = {
    # (check name, description, blocking)
    "quality_issues": [
        ("balance_rule", "new + carried over == processed + carried forward in every column of table 3; "
         "WARN when reports break it (and say so in quality_issues), ERROR when a break is not listed", False),
        ("row_totals", "printed totals == sum of their parts (table 3 rows, table 4 proceedings); "
         "WARN when reports break it, ERROR when a break is not listed in quality_issues", False),
    ],
    "report_indicators": [
        ("one_current_report_per_body_year", "no body has two current reports for one year", True),
    ],
}


def _model_asset(model: warehouse.Model) -> AssetsDefinition:
    check_specs = [AssetCheckSpec(name, asset=model.name, description=desc, blocking=blocking)
                   for name, desc, blocking in MODEL_CHECKS.get(model.name, [])]

    @asset(name=model.name, deps=[AssetKey(d) for d in model.deps], pool=POOL, group_name=MODELS,
           description=model.description or None, check_specs=check_specs,
           metadata={"sql_file": str(model.path.relative_to(REPO_ROOT)) if model.path.is_relative_to(REPO_ROOT)
                     else str(model.path),
                     "dagster/column_schema": _column_schema(model.columns)})
    def _materialize(context: AssetExecutionContext, ogi: OgiSettings) -> MaterializeResult:
        with warehouse.writer_lock(ogi.warehouse):
            n = warehouse.run_model(ogi.work, model)
            outcomes = warehouse.run_checks(ogi.work, names=[c[0] for c in MODEL_CHECKS.get(model.name, [])])
        ogi.progress(context, f"model {model.name}: {n} rows")
        return MaterializeResult(metadata={"rows": n},
                                 check_results=[_check_result(model.name, o) for o in outcomes])

    return _materialize


def _published_asset(models: dict[str, warehouse.Model]) -> AssetsDefinition:
    order = warehouse.model_order(models)

    @asset(name="published_warehouse", deps=[AssetKey(m) for m in models], pool=POOL, group_name=WAREHOUSE,
           description="data/warehouse.duckdb, the file analysts open: a finished copy of the working "
           "database in the DuckDB 1.0 storage format (any DuckDB 1.x or 2.x opens it), swapped in atomically.")
    def published_warehouse(context: AssetExecutionContext, ogi: OgiSettings) -> MaterializeResult:
        with warehouse.writer_lock(ogi.warehouse):
            path = warehouse.publish(ogi.work, ogi.warehouse, order)
        ogi.progress(context, f"published {path}")
        return MaterializeResult(metadata={
            "path": MetadataValue.path(str(path)), "bytes": path.stat().st_size,
            "storage_version": warehouse.STORAGE_VERSION, "published_at": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        })

    return published_warehouse


# --- automation -----------------------------------------------------------------------------

def _new_files_sensor(job_name: str) -> object:
    @sensor(name="new_report_files", job_name=job_name, minimum_interval_seconds=60,
            default_status=DefaultSensorStatus.RUNNING,
            description="Starts a run when a file with content the lake has not seen lands in the raw folders.")
    def new_report_files(context: SensorEvaluationContext, ogi: OgiSettings) -> RunRequest | SkipReason:
        new = sorted({f.sha256 for f in lake.find_new_files(ogi.raw_dirs(), ogi.lake)})
        if not new:
            return SkipReason("no new report files")
        key = hashlib.sha256("".join(new).encode()).hexdigest()[:16]
        if key == context.cursor:
            return SkipReason(f"{len(new)} new files; a run for them was already requested")
        context.update_cursor(key)
        # run_key: the same set of new files never starts two runs, even if the cursor is lost
        return RunRequest(run_key=f"new-files-{key}", tags={"ogi/new_files": str(len(new))})

    return new_report_files


def build_defs(settings: OgiSettings | None = None, sql_dir: Path | None = None) -> Definitions:
    """The code location. Tests and `ogi run` build it with their own settings."""
    models = warehouse.load_models(sql_dir or warehouse.SQL_DIR)
    assets = [raw_report_files, parsed_reports, parquet_lake, _loaded_tables_asset(),
              *(_model_asset(models[name]) for name in warehouse.model_order(models)),
              _published_asset(models)]
    job = define_asset_job(JOB_NAME, selection=AssetSelection.all(),
                           description="Everything: ingest new files, rebuild and publish the warehouse.")
    nightly = ScheduleDefinition(name="nightly", job=job, cron_schedule="0 2 * * *",
                                 execution_timezone="Asia/Shanghai",
                                 default_status=DefaultScheduleStatus.RUNNING,
                                 description="Every night at 02:00 Beijing time.")
    return Definitions(assets=assets, jobs=[job], schedules=[nightly], sensors=[_new_files_sensor(JOB_NAME)],
                       resources={"ogi": settings or settings_from_env()})


defs = build_defs()
