"""The assets: thin wrappers that call the library (pipeline.store.lake, pipeline.store.warehouse,
pipeline.parse through the ``ogi`` resource) and record what it did as materialisation metadata.

The ingest assets and the loaded tables are fixed; the model assets (one per sql/*.sql file) and
published_warehouse depend on the models read from the SQL folder, so they are made per call.
"""

import time
from collections.abc import Iterator
from pathlib import Path

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    AssetSpec,
    MaterializeResult,
    MetadataValue,
    TableColumn,
    TableSchema,
    asset,
    multi_asset,
)

from pipeline.store import lake, warehouse

from . import checks
from .resources import POOL, REPO_ROOT, OgiSettings

INGEST, WAREHOUSE, MODELS = "ingest", "warehouse", "models"


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
                                 progress=lambda m: ogi.progress(context, m), budget=ogi.budget(),
                                 parser_version=ogi.parser_version())
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

@multi_asset(name="warehouse_tables", pool=POOL, description="Recreate the working DuckDB file from the lake.",
             specs=[AssetSpec(name, deps=[parquet_lake], group_name=WAREHOUSE,
                              description=warehouse.TABLE_DOCS[name][0],
                              metadata={"dagster/column_schema": _column_schema(warehouse.TABLE_DOCS[name][1])})
                    for name in warehouse.LOADED_TABLES],
             check_specs=checks.lake_rows_check_specs())
def warehouse_tables(context: AssetExecutionContext, ogi: OgiSettings) -> Iterator[object]:
    with warehouse.writer_lock(ogi.warehouse):
        rows = warehouse.load_lake(ogi.lake, ogi.work)
    ogi.progress(context, f"duckdb tables: {rows.get('reports', 0)} reports loaded into {ogi.work.name}")
    lake_counts = lake.lake_row_counts(ogi.lake)
    for name in warehouse.LOADED_TABLES:
        yield MaterializeResult(asset_key=name, metadata={"rows": rows[name]})
    yield from checks.lake_rows_results(rows, lake_counts)


def model_asset(model: warehouse.Model) -> AssetsDefinition:
    """The asset of one sql/*.sql model; its deps are the tables the SQL reads."""

    @asset(name=model.name, deps=[AssetKey(d) for d in model.deps], pool=POOL, group_name=MODELS,
           description=model.description or None, check_specs=checks.model_check_specs(model.name),
           metadata={"sql_file": str(model.path.relative_to(REPO_ROOT)) if model.path.is_relative_to(REPO_ROOT)
                     else str(model.path),
                     "dagster/column_schema": _column_schema(model.columns)})
    def _materialize(context: AssetExecutionContext, ogi: OgiSettings) -> MaterializeResult:
        with warehouse.writer_lock(ogi.warehouse):
            n = warehouse.run_model(ogi.work, model)
            check_results = checks.run_model_checks(ogi.work, model.name)
        ogi.progress(context, f"model {model.name}: {n} rows")
        return MaterializeResult(metadata={"rows": n}, check_results=check_results)

    return _materialize


def published_asset(models: dict[str, warehouse.Model]) -> AssetsDefinition:
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

