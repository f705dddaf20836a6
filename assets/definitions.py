"""The Dagster code location: thin assets around pipeline.lake and pipeline.warehouse.

Lineage: raw_report_files -> parsed_reports -> parquet_lake -> the loaded warehouse tables
(reports, active_disclosure, ..., source_files) -> one asset per sql/*.sql model (dependencies
read from the SQL; all built in the one step warehouse_models) -> published_warehouse
(data/warehouse.duckdb, what analysts open) -> exports (data/exports/). Jobs: ogi_all (everything
but the exports; the schedule's and the sensor's), ogi_exports (its own nightly schedule) and
ogi_year (rerun one report year, partitioned by year: years.py). Every job runs in-process.

Every asset that writes the lake or a DuckDB file is in the pool "duckdb"; dagster.yaml limits
every pool to one step at a time, so two runs (the nightly schedule and the new-file sensor) or
two steps never write at once. The library also takes a file lock, for writers outside Dagster.

Load with ``dagster dev`` or ``dagster asset materialize --select '*' -m assets.definitions``
from the repo root. Paths are resolved against the repo root (OGI_ROOT: another folder holding
data/); OGI_RAW_DIR overrides the raw folder (default data/raw/; the bundled data/samples/ is
read too unless OGI_INCLUDE_SAMPLES=0).

The pieces, one module per kind: resources.py (OgiSettings, settings_from_env and the shared
constants), assets.py, checks.py (declared on the assets, evaluated in their steps),
schedules.py (the job and the nightly schedule), sensors.py (new report files), years.py
(the year job), metadata.py (row counts and typed column schemas for the UI) and record.py /
recording.py (an `ogi run` recorded in the project's instance). This module only puts them
together; the names below stay importable from here.
"""

from pathlib import Path

from dagster import Definitions, in_process_executor

from pipeline.store import warehouse

from .exports import exports
from .assets import models_asset, parquet_lake, parsed_reports, published_asset, raw_report_files, tables_asset
from .resources import JOB_NAME, POOL, REPO_ROOT, OgiSettings, settings_from_env
from .schedules import exports_job, nightly, nightly_exports, ogi_all_job
from .sensors import new_report_files
from .years import YEAR_JOB, year_job

__all__ = ["JOB_NAME", "YEAR_JOB", "POOL", "REPO_ROOT", "OgiSettings", "settings_from_env", "build_defs", "defs"]


def build_defs(settings: OgiSettings | None = None, sql_dir: Path | None = None) -> Definitions:
    """The code location. Tests and `ogi run` build it with their own settings."""
    sql_dir = sql_dir or warehouse.SQL_DIR
    models = warehouse.load_models(sql_dir)
    assets = [raw_report_files, parsed_reports, parquet_lake, tables_asset(sql_dir), models_asset(models),
              published_asset(models, sql_dir), exports]
    # In-process by default, for every job and for `dagster asset materialize` too: Dagster's
    # default (multiprocess) starts a Python process per step that imports Dagster, pandas and
    # this code location again, 16 steps x ~4 s on two cores for a few seconds of work.
    return Definitions(assets=assets, jobs=[ogi_all_job, exports_job, year_job(sql_dir=sql_dir)],
                       schedules=[nightly, nightly_exports], sensors=[new_report_files],
                       resources={"ogi": settings or settings_from_env()}, executor=in_process_executor)


defs = build_defs()
