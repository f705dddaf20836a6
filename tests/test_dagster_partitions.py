"""Rerunning one report year (the partitioned job ogi_year) and how the code location runs its steps.

The samples' years are read from the documents (tests/fixtures/seeds/*.json): 000, 002 and 004
report on 2022, 001 on 2023, 003 on 2020.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest
from dagster import AssetKey, DagsterInstance, Definitions, in_process_executor

from assets.definitions import JOB_NAME, YEAR_JOB, build_defs
from assets.run import settings_for
from assets.years import FIRST_YEAR
from pipeline.store import lake, years
from conftest import materialized_project

OF_2022 = {"000_8ae22ee27fc68654.txt", "002_976608e17cd77bd0.txt", "004_7a0999e20e1424be.txt"}


def table(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def batches(lake_dir: Path) -> dict[str, str]:
    """file name -> the batch that holds its current reading."""
    m = lake.read_manifest(lake_dir)
    return {Path(p).name: b for p, b in zip(m["source_path"], m["batch_id"])}


def run_year(settings, year: str):  # noqa: ANN001, ANN201 - Dagster's result type
    job = build_defs(settings).resolve_job_def(YEAR_JOB)
    with DagsterInstance.ephemeral() as instance:
        return job.execute_in_process(instance=instance, partition_key=year, raise_on_error=True)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    """The samples, ingested and published once by the whole-graph job."""
    root, settings, result = materialized_project(tmp_path_factory)
    assert result.success
    return root, settings


def test_the_files_of_a_year_are_the_ones_its_reports_came_from(project) -> None:  # noqa: ANN001
    _, settings = project
    assert {Path(f.path).name for f in years.files_of_year(settings.lake, 2022)} == OF_2022
    assert [Path(f.path).name for f in years.files_of_year(settings.lake, 2020)] == ["003_d0913d7d57e43191.txt"]
    assert years.files_of_year(settings.lake, 2021) == []


def test_rerunning_a_year_parses_only_its_files_and_keeps_the_figures(project) -> None:  # noqa: ANN001
    _, settings = project
    db = settings.warehouse
    figures = "SELECT * FROM report_indicators ORDER BY report_id"
    before, before_batches = table(db, figures), batches(settings.lake)
    before_issues = table(db, "SELECT report_id, code, count(*) FROM quality_issues GROUP BY ALL ORDER BY ALL")

    result = run_year(settings, "2022")
    assert result.success
    lake_events = [e.materialization for e in result.get_asset_materialization_events()
                   if e.asset_key == AssetKey("parquet_lake")]
    assert len(lake_events) == 1
    meta = {k: v.value for k, v in lake_events[0].metadata.items()}
    assert (meta["year"], meta["files"], meta["parsed_again"], meta["rejected"]) == (2022, 3, 3, 0)

    # the three 2022 documents now come from a new batch; 2020's and 2023's were not read
    after_batches = batches(settings.lake)
    changed = {name for name in after_batches if after_batches[name] != before_batches[name]}
    assert changed == OF_2022
    assert len({after_batches[name] for name in OF_2022}) == 1

    # the warehouse was rebuilt and published from the new rows: the same figures, nothing doubled
    assert table(db, figures) == before
    assert table(db, "SELECT count(*) FROM reports") == [(5,)]
    assert table(db, "SELECT report_id, code, count(*) FROM quality_issues GROUP BY ALL ORDER BY ALL") == before_issues
    # seed 000, 高安市八景镇 2022: 6 normative documents issued, as the document prints
    assert table(db, "SELECT normative_documents_issued FROM report_indicators WHERE org = '高安市八景镇'") == [(6,)]
    published = [e for e in result.get_asset_materialization_events() if e.asset_key == AssetKey("published_warehouse")]
    assert len(published) == 1

    # the checks were evaluated against the new warehouse, on the assets that declare them
    checks = {(e.asset_key.to_user_string(), e.check_name): e for e in result.get_asset_check_evaluations()}
    assert set(checks) == {("reports", "lake_rows_match"), ("quality_issues", "balance_rule"),
                           ("quality_issues", "row_totals"), ("report_indicators", "one_current_report_per_body_year"),
                           ("check_results", "rules_error"), ("check_results", "rules_warning"),
                           ("check_results", "rules_info")}
    assert checks[("report_indicators", "one_current_report_per_body_year")].passed
    assert checks[("quality_issues", "row_totals")].passed


def test_after_a_year_rerun_the_lake_and_warehouse_counts_agree(project) -> None:  # noqa: ANN001
    _, settings = project
    result = run_year(settings, "2022")
    checks = {(e.asset_key.to_user_string(), e.check_name): e for e in result.get_asset_check_evaluations()}
    assert checks[("reports", "lake_rows_match")].passed


def test_a_year_without_reports_changes_nothing(project) -> None:  # noqa: ANN001
    _, settings = project
    before = batches(settings.lake)
    published = settings.warehouse.stat().st_mtime_ns
    result = run_year(settings, "2011")
    assert result.success
    assert [e.step_key for e in result.all_events if e.event_type_value == "STEP_SKIPPED"] == ["rebuild_warehouse"]
    assert batches(settings.lake) == before
    assert settings.warehouse.stat().st_mtime_ns == published


def test_a_file_changed_since_the_scan_waits_for_the_nightly_run(project) -> None:  # noqa: ANN001
    root, settings = project
    path = root / "data" / "samples" / "004_7a0999e20e1424be.txt"
    original = path.read_bytes()
    try:
        path.write_bytes(original + b"\n")  # new bytes: a new content for the next scan, not this year's rerun
        assert {Path(f.path).name for f in years.files_of_year(settings.lake, 2022)} == OF_2022 - {path.name}
        path.unlink()
        assert {Path(f.path).name for f in years.files_of_year(settings.lake, 2022)} == OF_2022 - {path.name}
    finally:
        path.write_bytes(original)


def test_the_code_location_loads_with_the_year_job_and_runs_in_process(tmp_path: Path) -> None:
    defs = build_defs(settings_for(tmp_path))
    Definitions.validate_loadable(defs)

    year_job = defs.resolve_job_def(YEAR_JOB)
    keys = year_job.partitions_def.get_partition_keys()
    assert keys[0] == str(FIRST_YEAR) == "2008" and keys[-1] == str(date.today().year)
    assert "2022" in keys

    # no asset is partitioned, so `dagster asset materialize --select '*'` needs no partition
    graph = defs.resolve_asset_graph()
    assert all(graph.get(k).partitions_def is None for k in graph.get_all_asset_keys())

    # every job runs its steps in the one process: the Definitions' default (used by the CLI's
    # implicit asset job) and each job's own
    assert defs.executor is in_process_executor
    for job in (defs.resolve_implicit_global_asset_job_def(), defs.resolve_job_def(JOB_NAME), year_job):
        assert job.executor_def is in_process_executor, job.name
