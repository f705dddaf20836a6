"""Rerun one report year: the partitioned job ``ogi_year`` (one partition per report year).

A new file has no year until it is parsed, so the nightly ingest (ogi_all) cannot be
partitioned by year. What can be is rerunning a year the lake already holds, after a parser fix
say: the manifest knows which contents are reports of that year, and the last scan's inventory
where they are (pipeline.store.years). The job parses exactly those files again, commits them
(their new rows replace the old; files of other years are not read), then rebuilds and publishes
the warehouse and evaluates the same checks as ogi_all.

A job of ops, not a year-partitioned asset: an asset with partitions in this code location would
make ``dagster asset materialize --select '*'`` (and the UI's "materialize all") demand a
partition for every run. The ops record what they did as materialisations of the assets they
update (parquet_lake, the warehouse tables and models, published_warehouse) and as evaluations of
their checks, so the asset graph shows a year run like any other.

    dagster job execute -m assets.definitions -j ogi_year --partition 2022
"""

from collections.abc import Iterator
from datetime import date
from pathlib import Path

from dagster import (
    AssetMaterialization,
    In,
    MetadataValue,
    Nothing,
    OpExecutionContext,
    Out,
    Output,
    StaticPartitionsDefinition,
    in_process_executor,
    job,
    op,
)

from pipeline.store import lake, warehouse, years

from . import checks
from .metadata import describe, model_schema, table_metadata
from .resources import POOL, OgiSettings

YEAR_JOB = "ogi_year"
# The disclosure regulation (《政府信息公开条例》) took effect in May 2008: the first annual reports
# cover 2008. A report covers a past year, so this year is the last that can have any.
FIRST_YEAR = 2008


def year_partitions(last: int | None = None) -> StaticPartitionsDefinition:
    """One partition per report year, FIRST_YEAR to `last` (default this year).

    Static, not kept in sync with the lake: the set of years that can exist is known, and a run of
    a year the lake has no report of does nothing (no parse, no rebuild)."""
    return StaticPartitionsDefinition([str(y) for y in range(FIRST_YEAR, (last or date.today().year) + 1)])


@op(pool=POOL, out=Out(Nothing, is_required=False),
    description="Parse again the raw files of the partition's year (those the lake's manifest lists as "
    "reports of that year and the last scan found unchanged) and commit them, replacing that year's rows.")
def reparse_year(context: OpExecutionContext, ogi: OgiSettings) -> Iterator[object]:
    year = int(context.partition_key)
    files = years.files_of_year(ogi.lake, year)
    if not files:
        ogi.progress(context, f"year {year}: the raw folders hold no file of a {year} report; nothing to do")
        return  # no output: the rebuild is skipped
    staged = lake.stage_new_reports(ogi.lake, files, parse=ogi.parser(),
                                    progress=lambda m: ogi.progress(context, m), budget=ogi.budget(),
                                    parser_version=ogi.parser_version(), again={f.sha256 for f in files})
    committed = lake.commit_staged(ogi.lake)
    ogi.progress(context, f"year {year}: {len(files)} files, {staged.n_again} contents parsed again, "
                          f"{staged.n_rejected} rejected; {committed.n_reports} reports committed")
    yield AssetMaterialization(asset_key="parquet_lake", description=f"report year {year} parsed again", metadata={
        "year": year, "files": len(files), "parsed_again": staged.n_again, "parsed": staged.n_parsed,
        "rejected": staged.n_rejected, "reports_committed": committed.n_reports,
        "batch_id": committed.batch_id or "none (nothing changed)",
    })
    if committed.batch_id is not None:
        yield Output(None)


def year_job(partitions: StaticPartitionsDefinition | None = None, sql_dir: Path | None = None):  # noqa: ANN201
    """The job (a Dagster JobDefinition); its rebuild runs the models of `sql_dir` like the assets do."""
    sql_dir = sql_dir or warehouse.SQL_DIR

    @op(pool=POOL, ins={"lake_changed": In(Nothing)}, out={},
        description="Bring the warehouse up to the lake and publish it (pipeline.store.warehouse.build_warehouse), "
        "then evaluate the checks.")
    def rebuild_warehouse(context: OpExecutionContext, ogi: OgiSettings) -> Iterator[object]:
        built = warehouse.build_warehouse(ogi.lake, ogi.warehouse, sql_dir,
                                          progress=lambda m: ogi.progress(context, m, log=False))
        ogi.progress(context, f"warehouse: {built.mode} build, {built.reports_loaded} reports loaded, "
                              f"{len(built.models)} models; published {ogi.warehouse}")
        models = warehouse.load_models(sql_dir)
        # the models' own names and types as published (the loaded tables' are in their definitions)
        columns = describe(ogi.warehouse, models) if built.models else {}
        for name, rows in built.rows.items():
            schema = model_schema(models[name], columns.get(name)) if name in columns else None
            yield AssetMaterialization(asset_key=name, metadata={
                **table_metadata(ogi.warehouse, name, rows, schema), "build": built.mode})
        if built.models:
            yield AssetMaterialization(asset_key="published_warehouse", metadata={
                "path": MetadataValue.path(str(ogi.warehouse)), "bytes": Path(ogi.warehouse).stat().st_size})
        for evaluation in checks.evaluations(warehouse.run_checks(ogi.warehouse, ogi.lake)):
            if not evaluation.passed:
                context.log.warning(f"check {evaluation.check_name} on {evaluation.asset_key.to_user_string()}: "
                                    f"{evaluation.severity.value}: {evaluation.description}")
            context.log_event(evaluation)

    @job(name=YEAR_JOB, partitions_def=partitions or year_partitions(), executor_def=in_process_executor,
         description="Rerun one report year: parse its files again, commit, rebuild and publish the warehouse.")
    def ogi_year() -> None:
        rebuild_warehouse(reparse_year())

    return ogi_year
