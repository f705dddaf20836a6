"""The Dagster code location, run in-process on the bundled samples with the real parser.

Expected figures are the ones a person reads in the documents (tests/fixtures/seeds/*.json).
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from dagster import (
    AssetCheckSeverity,
    AssetKey,
    DefaultScheduleStatus,
    DefaultSensorStatus,
    RunRequest,
    SkipReason,
    build_sensor_context,
)

from assets.definitions import JOB_NAME, POOL, build_defs
from assets.run import materialize_all, run_main, settings_for
from pipeline.parse import parse_report
from pipeline.store import lake, warehouse
from conftest import materialized_project, one

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "data" / "samples"


def metadata(result, asset: str, key: str) -> object:  # noqa: ANN001 - Dagster's result type
    mats = [m for m in result.get_asset_materialization_events() if m.asset_key == AssetKey(asset)]
    assert len(mats) == 1, asset
    return mats[0].materialization.metadata[key].value


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    """A project root with the samples and an empty data/raw/, materialised once."""
    return materialized_project(tmp_path_factory)


def test_first_run_parses_every_sample_and_publishes(project) -> None:  # noqa: ANN001
    root, settings, result = project
    assert result.success
    assert metadata(result, "parsed_reports", "parsed") == 5
    assert metadata(result, "parsed_reports", "rejected") == 0
    assert settings.warehouse == root / "data" / "warehouse.duckdb" and settings.warehouse.exists()
    assert (root / "data" / "lake" / "reports" / "year=2022").is_dir()
    assert one(settings.warehouse, "SELECT count(*) FROM report_indicators") == 5


def test_tables_and_models_carry_row_counts_and_typed_columns(project) -> None:  # noqa: ANN001
    _, _, result = project
    assert metadata(result, "reports", "dagster/row_count") == 5  # data/samples holds five reports
    assert metadata(result, "reports", "dagster/table_name") == "warehouse.main.reports"
    # one current report per body: the five samples are five bodies
    assert metadata(result, "report_indicators", "dagster/row_count") == 5
    schema = metadata(result, "report_indicators", "dagster/column_schema")
    columns = {c.name: c for c in schema.columns}
    assert columns["year"].type == "BIGINT" and columns["org"].type == "VARCHAR"
    assert columns["org"].description == warehouse.load_models()["report_indicators"].columns["org"]
    # every table and model the run built says how many rows it holds
    built = {m.asset_key.to_user_string(): m.materialization.metadata for m in result.get_asset_materialization_events()}
    for name in (*warehouse.LOADED_TABLES, *warehouse.load_models()):
        assert isinstance(built[name]["dagster/row_count"].value, int), name


def indicator(db: Path, sample: str, column: str) -> object:
    assert column.isidentifier()
    return one(db, f"SELECT {column} FROM report_indicators WHERE source_path LIKE ?", [f"%{sample}%"])


def test_figures_by_value(project) -> None:  # noqa: ANN001
    _, settings, _ = project
    db = settings.warehouse
    # seed 000, 高安市八景镇 2022: 6 normative documents issued, 43 in force, 459 items in the prose
    assert indicator(db, "000_", "org") == "高安市八景镇" and indicator(db, "000_", "year") == 2022
    assert indicator(db, "000_", "normative_documents_issued") == 6
    assert indicator(db, "000_", "normative_documents_in_force") == 43
    assert indicator(db, "000_", "proactive_items_prose") == 459
    # seed 003, 靖安县宝峰镇 2020 (2019 template): 政府集中采购 9 projects, printed 63365元
    assert indicator(db, "003_", "template_version") == "2019"
    assert indicator(db, "003_", "procurement_items") == 9
    assert indicator(db, "003_", "procurement_yuan") == 63365
    # seed 002, 西华池镇 2022: section 三 repeats table 2, so no application figures at all
    for col in ("applications_new", "applications_carried_over", "applications_processed",
                "granted", "denied", "share_granted"):
        assert indicator(db, "002_", col) is None, col
    assert indicator(db, "002_", "proactive_items_prose") == 176
    codes = one(db, """SELECT list(code ORDER BY code) FROM quality_issues
                       WHERE report_id = (SELECT report_id FROM report_indicators WHERE source_path LIKE '%002_%')""")
    assert codes == ["table_missing"]


def test_regions_and_years_from_the_samples(project) -> None:  # noqa: ANN001
    _, settings, _ = project
    db = settings.warehouse
    # 000 and 003 are both in 江西省宜春市: the prefecture has a 2020 report (宝峰镇, 0 normative
    # documents issued) and a 2022 one (八景镇, 6): two different bodies, so nothing compares like
    # with like (n_bodies 0, no values) and the totals over all reporting bodies say 0 -> 6
    got = one(db, """SELECT previous_year, year, n_bodies, previous_value, value, n_bodies_entered, n_bodies_dropped,
                            all_bodies_previous_value, all_bodies_value FROM yearly_comparison
                     WHERE scope = 'prefecture' AND name = '宜春市' AND indicator = 'normative_documents_issued'""")
    assert got == (2020, 2022, 0, None, None, 1, 1, 0, 6)
    assert one(db, """SELECT count(DISTINCT region_code) FROM region_year_indicators
                      WHERE level = 'province'""") == 4


def test_checks_are_evaluated_in_the_run(project) -> None:  # noqa: ANN001
    _, _, result = project
    evals = {(e.asset_key.to_user_string(), e.check_name): e for e in result.get_asset_check_evaluations()}
    assert evals[("quality_issues", "balance_rule")].severity == AssetCheckSeverity.WARN  # seed 000, reported
    assert not evals[("quality_issues", "balance_rule")].passed
    assert evals[("quality_issues", "row_totals")].passed
    assert evals[("report_indicators", "one_current_report_per_body_year")].passed
    # one check for the six loaded tables, on reports; its metadata has each table's lake count
    lake_rows = evals[("reports", "lake_rows_match")]
    assert lake_rows.passed
    assert {f"lake_rows_{t}" for t in lake.TABLE_NAMES} <= set(lake_rows.metadata)
    assert lake_rows.metadata["lake_rows_reports"].value == 5


def test_incremental_runs_and_a_reader_during_a_run(project) -> None:  # noqa: ANN001
    root, settings, _ = project
    db = settings.warehouse

    # the published file says what it was built from, so `ogi run` would find nothing to do either
    assert warehouse.published_fingerprint(db)[0] == warehouse.fingerprint(warehouse.build_inputs(settings.lake))

    # nothing new: nothing parsed, and the warehouse is not rebuilt: the models and the publish are skipped
    published = db.stat().st_mtime_ns
    second = materialize_all(settings, raise_on_error=True)
    assert metadata(second, "parsed_reports", "parsed") == 0
    assert metadata(second, "parsed_reports", "already_in_lake") == 5
    assert metadata(second, "parquet_lake", "reports_added") == 0
    skipped = {e.step_key for e in second.all_events if e.event_type_value == "STEP_SKIPPED"}
    assert skipped == {"warehouse_models", "published_warehouse"}
    assert not [e for e in second.get_asset_materialization_events() if e.asset_key == AssetKey("reports")]
    assert db.stat().st_mtime_ns == published
    assert one(db, "SELECT count(*) FROM reports") == 5

    # an analyst holds the published warehouse open, and another reads it over and over
    held = duckdb.connect(str(db), read_only=True)
    stop = root / "stop-reading"
    reader = subprocess.Popen([sys.executable, "-c", _READER, str(db), str(stop)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert reader.stdout.readline().strip() == "ready"

        # a corrected report: same body and year, different bytes -> parsed, alone
        changed = root / "data" / "samples" / "003_d0913d7d57e43191.txt"
        changed.write_bytes(changed.read_bytes() + "\n".encode())
        third = materialize_all(settings, raise_on_error=True)
        assert metadata(third, "parsed_reports", "parsed") == 1
        assert metadata(third, "parsed_reports", "already_in_lake") == 4

        # the open session still reads its whole, unchanged warehouse
        assert held.execute("SELECT count(*) FROM reports").fetchone()[0] == 5
        assert held.execute("SELECT n_reports FROM build_info").fetchone()[0] == 5
    finally:
        held.close()
        stop.touch()
        out, err = reader.communicate()
    reads = [json.loads(line) for line in out.splitlines()]
    assert reader.returncode == 0, err
    assert reads and all(r["consistent"] for r in reads), reads
    assert not [r for r in reads if r.get("error")], reads
    assert reads[-1]["reports"] == 6  # the last read, after the run, sees the new file

    assert one(db, "SELECT count(*) FROM reports") == 6
    assert one(db, "SELECT count(*) FROM report_indicators") == 5
    dup = one(db, """SELECT list(is_current ORDER BY is_current) FROM quality_issues
                     WHERE code = 'duplicate_report' AND org = '靖安县宝峰镇'""")
    assert dup == [False, True]
    current = one(db, "SELECT report_id FROM report_indicators WHERE org = '靖安县宝峰镇'")
    assert current == lake.sha256_of(changed)[:16]


# Opens a fresh read-only connection per read, as analysts' tools do, until told to stop.
_READER = r"""
import json, os, sys, duckdb
db, stop = sys.argv[1], sys.argv[2]

def read():
    try:
        con = duckdb.connect(db, read_only=True)
        try:
            n_reports, n_current, built_reports, built_current = con.execute(
                "SELECT (SELECT count(*) FROM reports), (SELECT count(*) FROM report_indicators),"
                " n_reports, n_current_reports FROM build_info").fetchone()
        finally:
            con.close()
        return {"reports": n_reports, "consistent": n_reports == built_reports and n_current == built_current}
    except Exception as e:
        return {"error": repr(e), "consistent": False}

first = read()
print("ready", flush=True)
print(json.dumps(first), flush=True)
while not os.path.exists(stop):
    print(json.dumps(read()), flush=True)
print(json.dumps(read()), flush=True)
"""


def test_definitions_lineage_pools_and_automation(tmp_path: Path) -> None:
    defs = build_defs(settings_for(tmp_path))
    graph = defs.resolve_asset_graph()
    parents = {k.to_user_string(): {p.to_user_string() for p in graph.get(k).parent_keys}
               for k in graph.get_all_asset_keys()}
    assert parents["raw_report_files"] == set()
    assert parents["parsed_reports"] == {"raw_report_files"}
    assert parents["parquet_lake"] == {"parsed_reports"}
    for table in warehouse.LOADED_TABLES:
        assert parents[table] == {"parquet_lake"}
    models = warehouse.load_models()
    for name, model in models.items():
        assert parents[name] == set(model.deps), name  # read from the SQL, nothing declared twice
    assert parents["published_warehouse"] == set(models)

    # every step that writes the lake or a DuckDB file waits for the one "duckdb" slot
    job = defs.resolve_job_def(JOB_NAME)
    pools = {n.name: n.definition.pool for n in job.graph.node_dict.values()}
    assert pools.pop("raw_report_files") is None
    assert set(pools.values()) == {POOL}

    nightly = defs.resolve_schedule_def("nightly")
    assert nightly.cron_schedule == "0 2 * * *" and nightly.execution_timezone == "Asia/Shanghai"
    assert nightly.default_status == DefaultScheduleStatus.RUNNING
    assert defs.resolve_sensor_def("new_report_files").default_status == DefaultSensorStatus.RUNNING


def test_dagster_yaml_limits_the_pool_to_one_writer() -> None:
    from dagster._core.instance.config import dagster_instance_config

    config, _ = dagster_instance_config(str(REPO))
    assert config["concurrency"]["pools"]["default_limit"] == 1
    assert config["storage"]["sqlite"]["base_dir"].startswith(".dagster_home")


def test_the_sensor_requests_a_run_for_new_files_once(tmp_path: Path) -> None:
    root = tmp_path
    (root / "data" / "raw").mkdir(parents=True)
    settings = settings_for(root, include_samples=False)
    sensor_def = build_defs(settings).resolve_sensor_def("new_report_files")

    # The ogi resource has a set-up/tear-down (the run lock), so its contexts are opened with `with`.
    with build_sensor_context(resources={"ogi": settings}) as ctx:
        assert isinstance(sensor_def(ctx), SkipReason)

    shutil.copy(SAMPLES / "001_ba2450cc1c30b59a.txt", root / "data" / "raw")
    with build_sensor_context(resources={"ogi": settings}) as ctx:
        request = sensor_def(ctx)
    assert isinstance(request, RunRequest) and request.tags["ogi/new_files"] == "1"
    with build_sensor_context(resources={"ogi": settings}, cursor=ctx.cursor) as again:
        assert isinstance(sensor_def(again), SkipReason)  # the run is already requested

    lake.ingest(settings.lake, settings.raw_dirs(), parse=parse_report)
    with build_sensor_context(resources={"ogi": settings}) as ctx:
        assert isinstance(sensor_def(ctx), SkipReason)


def test_run_main_prints_progress_and_the_yearly_comparison(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    shutil.copytree(SAMPLES, tmp_path / "data" / "samples")
    raw = tmp_path / "incoming"
    raw.mkdir()
    (raw / "not_a_report.txt").write_text("会议纪要：今天讨论了食堂菜单。", encoding="utf-8")
    assert run_main(tmp_path, raw_dir=raw) == 0
    out = capsys.readouterr().out
    for stage in ("raw report files", "parsed reports", "parquet lake", "duckdb tables",
                  "model report_indicators", "published"):
        assert f"ogi: {stage}" in out, stage
    assert "1 rejected" in out
    assert "宜春市" in out and "2020→2022" in out  # the comparison table
    assert (tmp_path / "data" / "warehouse.duckdb").exists()
