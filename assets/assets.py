"""The assets: thin wrappers that call the library (pipeline.store.lake, pipeline.store.warehouse,
pipeline.parse through the ``ogi`` resource) and record what it did as materialisation metadata.

The ingest assets are fixed; the loaded tables, the model assets (one per sql/*.sql file) and
published_warehouse depend on the SQL folder (its models, and its hash among the build inputs
that tell whether anything changed), so they are made per call.
"""

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from dagster import (
    AssetCheckKey,
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    AssetSpec,
    MaterializeResult,
    MetadataValue,
    asset,
    multi_asset,
)

from pipeline import fields
from pipeline.store import compact, lake, warehouse

from . import checks
from .metadata import describe, loaded_table_schema, model_schema, table_metadata
from .resources import OWNERS, POOL, REPO_ROOT, OgiSettings

# Groups follow the flow: files to lake, lake to DuckDB tables, SQL models, and the one file
# analysts open, alone in its group so that the UI shows at a glance when it was last published.
INGEST, WAREHOUSE, MODELS, PUBLISHED = "ingest", "warehouse", "models", "published"
# Kinds (the UI's icons and filters): what each asset is made with or stored in.
PYTHON, PARQUET, DUCKDB, SQL = {"python"}, {"parquet"}, {"duckdb"}, {"duckdb", "sql"}
# Metadata of the `reports` materialisation: the build inputs the working file was loaded from
BUILT_FROM, BUILT_FROM_ASSET = "built_from", "reports"


# --- ingest ---------------------------------------------------------------------------------

@asset(group_name=INGEST, kinds=PYTHON, owners=OWNERS, description="The report files in the raw folders (default data/raw/ and "
       "data/samples/), hashed; the inventory is written to the lake for the parse step.")
def raw_report_files(context: AssetExecutionContext, ogi: OgiSettings) -> MaterializeResult:
    files = lake.scan_folders(ogi.lake, ogi.raw_dirs())  # unchanged files (same stat) are not hashed again
    lake.write_inventory(ogi.lake, files)
    known = lake.known_hashes(ogi.lake)
    new = [f for f in files if f.sha256 not in known]
    ogi.progress(context, f"raw report files: {len(files)} found, {len(new)} not in the lake yet")
    return MaterializeResult(metadata={
        "files": len(files), "new_files": len(new),
        "folders": ", ".join(str(d) for d in ogi.raw_dirs()),
    })


@asset(deps=[raw_report_files], pool=POOL, group_name=INGEST, kinds=PYTHON, owners=OWNERS,
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


@asset(deps=[parsed_reports], pool=POOL, group_name=INGEST, kinds=PARQUET, owners=OWNERS,
       description="The Parquet lake (data/lake/): one folder per tidy table, hive-partitioned by report "
       "year, plus _manifest.parquet. Every document ever parsed stays here.")
def parquet_lake(context: AssetExecutionContext, ogi: OgiSettings) -> MaterializeResult:
    res = lake.commit_staged(ogi.lake)
    # Only a commit adds files: then a crowded (table, year) folder is merged, as `ogi run` does
    compacted = compact.compact_lake(ogi.lake, progress=lambda m: ogi.progress(context, m, log=False)).partitions \
        if res.batch_id else []
    counts = lake.lake_row_counts(ogi.lake)
    ogi.progress(context, f"parquet lake: {res.n_reports} reports added, {counts['reports']} in total")
    return MaterializeResult(metadata={
        "reports_added": res.n_reports, "rejected_files_recorded": res.n_rejected,
        "batch_id": res.batch_id or "none (nothing new)", "files_written": res.files_written,
        "orphans_removed": res.orphans_removed, "path": str(ogi.lake),
        "partitions_compacted": ", ".join(compacted) or "none",
        **{f"rows_{k}": v for k, v in counts.items()},
    })


# --- warehouse ------------------------------------------------------------------------------

def tables_asset(sql_dir: Path) -> AssetsDefinition:
    """The tables loaded from the lake, one asset each, recreated in one step.

    When the published warehouse was built from the same inputs (lake manifest, file log, models,
    parser, gazetteer, code: ``warehouse.build_inputs``), nothing is loaded and no table is
    materialised, so the models and the publish after them are skipped too: a night with
    nothing new costs the scan, not a rebuild. The inputs loaded are recorded in the
    materialisation (``built_from``) for the publish step to stamp.
    """

    # can_subset: its outputs, the check's too, are then optional, so "nothing changed" yields none
    @multi_asset(name="warehouse_tables", pool=POOL, can_subset=True,
                 description="Recreate the working DuckDB file from the lake.",
                 specs=[AssetSpec(name, deps=[parquet_lake], group_name=WAREHOUSE, skippable=True,
                                  kinds=DUCKDB, owners=OWNERS, description=fields.tables()[name].description,
                                  metadata={"dagster/column_schema": loaded_table_schema(name)})
                        for name in warehouse.LOADED_TABLES],
                 check_specs=checks.lake_rows_check_specs())
    def warehouse_tables(context: AssetExecutionContext, ogi: OgiSettings) -> Iterator[object]:
        with warehouse.writer_lock(ogi.warehouse):
            inputs = warehouse.build_inputs(ogi.lake, sql_dir)
            published, built_at = warehouse.published_fingerprint(ogi.warehouse)
            if published is not None and published == warehouse.fingerprint(inputs):
                ogi.progress(context, f"duckdb tables: nothing changed since the warehouse was built "
                                      f"({built_at:%Y-%m-%d %H:%M:%S %Z}); not rebuilt")
                return
            rows = warehouse.load_lake(ogi.lake, ogi.work)
            lake_rows = list(checks.lake_rows_results(ogi.work, ogi.lake))
        ogi.progress(context, f"duckdb tables: {rows.get('reports', 0)} reports loaded into {ogi.work.name}")
        selected = context.selected_asset_keys  # all tables are loaded at once; the ones asked for are recorded
        for name in warehouse.LOADED_TABLES:
            if AssetKey(name) in selected:
                meta = {**table_metadata(ogi.warehouse, name, rows[name]),
                        **({BUILT_FROM: json.dumps(inputs)} if name == BUILT_FROM_ASSET else {})}
                yield MaterializeResult(asset_key=name, metadata=meta)
        yield from (r for r in lake_rows if AssetCheckKey(AssetKey.from_coercible(r.asset_key), r.check_name)
                    in context.selected_asset_check_keys)

    return warehouse_tables


def _model_spec(model: warehouse.Model) -> AssetSpec:
    rel = model.path.relative_to(REPO_ROOT) if model.path.is_relative_to(REPO_ROOT) else model.path
    # skippable: a model downstream of a failed blocking check is not built (see models_asset)
    return AssetSpec(model.name, deps=[AssetKey(d) for d in model.deps], group_name=MODELS, skippable=True,
                     kinds=SQL, owners=OWNERS, description=model.description or None,
                     metadata={"sql_file": str(rel), "dagster/column_schema": model_schema(model)})


def models_asset(models: dict[str, warehouse.Model]) -> AssetsDefinition:
    """Every sql/*.sql model as its own asset (lineage read from the SQL), built in ONE step.

    One step, not one per model: each step costs Dagster a dozen sqlite commits (start, output,
    success, the pool's slot claim and release) and the run's instance writes them one at a time,
    about a quarter of a second per step on this machine against tens of milliseconds of SQL.
    Subsettable: a model picked alone in the UI is rebuilt alone. A blocking check that fails
    stops the models that read its asset, as Dagster does across steps.
    """
    order = warehouse.model_order(models)

    @multi_asset(name="warehouse_models", pool=POOL, can_subset=True,
                 specs=[_model_spec(models[name]) for name in order],
                 check_specs=[spec for name in order for spec in checks.model_check_specs(name)])
    def warehouse_models(context: AssetExecutionContext, ogi: OgiSettings) -> Iterator[MaterializeResult]:
        selected = {k.to_user_string() for k in context.selected_asset_keys}
        wanted_checks = context.selected_asset_check_keys
        blocked: set[str] = set()  # models whose blocking check failed, and everything built on them
        built: list[str] = []
        with warehouse.writer_lock(ogi.warehouse):
            for name in order:
                if name not in selected:
                    continue
                if blocked & set(models[name].deps):
                    blocked.add(name)
                    ogi.progress(context, f"model {name}: not built, a blocking check failed upstream")
                    continue
                n = warehouse.run_model(ogi.work, models[name])
                # the table's own names and types, now that it exists (its run closed its connection)
                columns = describe(ogi.work, [name]).get(name, [])
                results = [r for r in checks.run_model_checks(ogi.work, name)
                           if AssetCheckKey(AssetKey(name), r.check_name) in wanted_checks]
                if checks.blocking_failed(name, results):
                    blocked.add(name)
                ogi.progress(context, f"model {name}: {n} rows", log=False)
                built.append(f"{name} {n}")
                yield MaterializeResult(asset_key=name, check_results=results, metadata=table_metadata(
                    ogi.warehouse, name, n, model_schema(models[name], columns)))
        if built:  # one line in the run's log for the step (each model's line went to stdout only)
            context.log.info(f"models: {len(built)} built; rows: {', '.join(built)}")

    return warehouse_models


def _loaded_from(context: AssetExecutionContext) -> dict | None:
    """The inputs the working file was last loaded from (warehouse_tables' record), if any."""
    event = context.instance.get_latest_materialization_event(AssetKey(BUILT_FROM_ASSET))
    mat = event.asset_materialization if event is not None else None
    value = mat.metadata.get(BUILT_FROM) if mat is not None else None
    return json.loads(value.value) if value is not None else None


def published_asset(models: dict[str, warehouse.Model], sql_dir: Path) -> AssetsDefinition:
    order = warehouse.model_order(models)

    @asset(name="published_warehouse", deps=[AssetKey(m) for m in models], pool=POOL, group_name=PUBLISHED,
           kinds=DUCKDB, owners=OWNERS,
           description="data/warehouse.duckdb, the file analysts open: a finished copy of the working "
           "database in the DuckDB 1.0 storage format (any DuckDB 1.x or 2.x opens it), swapped in atomically.")
    def published_warehouse(context: AssetExecutionContext, ogi: OgiSettings) -> MaterializeResult:
        with warehouse.writer_lock(ogi.warehouse):
            # Stamped only when the lake is still what was loaded: then the next run (this job or
            # `ogi run`) knows the warehouse is up to date; otherwise it builds again.
            inputs = warehouse.build_inputs(ogi.lake, sql_dir)
            path = warehouse.publish(ogi.work, ogi.warehouse, order,
                                     inputs if _loaded_from(context) == inputs else None)
        ogi.progress(context, f"published {path}")
        return MaterializeResult(metadata={
            "path": MetadataValue.path(str(path)), "bytes": path.stat().st_size,
            "storage_version": warehouse.STORAGE_VERSION, "published_at": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        })

    return published_warehouse

