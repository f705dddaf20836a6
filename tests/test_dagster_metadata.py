"""What the Dagster UI shows: kinds, owners and groups that follow the flow, column schemas with
DuckDB types, and `ogi run` recorded in the project's instance (not "Never materialized").

The metadata of a Dagster run's materialisations is tested in test_assets.py, on its run.
"""
from __future__ import annotations

import shutil
import time
from pathlib import Path

import duckdb
import pytest
from dagster import AssetCheckKey, AssetCheckSeverity, AssetKey, DagsterInstance

from assets.definitions import build_defs
from assets.record import materializations, project_instance, record_run
from assets.recording import InstanceNotFound, config_folder, start_record
from assets.resources import OWNERS
from assets.run import settings_for
from conftest import REPO, SAMPLES
from pipeline.cli import main
from pipeline.store import lake, warehouse

INGEST = {"raw_report_files", "parsed_reports", "parquet_lake"}


@pytest.fixture(scope="module")
def graph(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    return build_defs(settings_for(tmp_path_factory.mktemp("defs"))).resolve_asset_graph()


def _node(graph, name: str):  # noqa: ANN001, ANN202
    return graph.get(AssetKey(name))


def _columns(schema) -> dict[str, tuple[str, str | None]]:  # noqa: ANN001
    return {c.name: (c.type, c.description) for c in schema.columns}


def test_groups_follow_the_flow_and_the_published_warehouse_is_alone(graph) -> None:  # noqa: ANN001
    groups: dict[str, set[str]] = {}
    for key in graph.get_all_asset_keys():
        groups.setdefault(graph.get(key).group_name, set()).add(key.to_user_string())
    assert groups["ingest"] == INGEST
    assert groups["warehouse"] == set(warehouse.LOADED_TABLES)
    assert groups["models"] == set(warehouse.load_models())
    assert groups["published"] == {"published_warehouse"}


def test_every_asset_has_its_kinds_and_the_team_as_owner(graph) -> None:  # noqa: ANN001
    expected = {"raw_report_files": {"python"}, "parsed_reports": {"python"}, "parquet_lake": {"parquet"},
                "published_warehouse": {"duckdb"},
                **{t: {"duckdb"} for t in warehouse.LOADED_TABLES},
                **{m: {"duckdb", "sql"} for m in warehouse.load_models()}}
    for key in graph.get_all_asset_keys():
        node, name = graph.get(key), key.to_user_string()
        assert list(node.owners) == ["team:ogi-pipeline"] == OWNERS, name
        if name in expected:
            assert node.kinds == expected[name], name
        else:  # an asset added later (e.g. the exports) says what it is made of all the same
            assert node.kinds, name


def test_a_loaded_table_has_typed_columns_with_units(graph) -> None:  # noqa: ANN001
    reports = _columns(_node(graph, "reports").metadata["dagster/column_schema"])
    assert reports["n_lines"] == ("BIGINT", "number of text lines in the document (unit: lines)")  # a count
    assert reports["title"][0] == "VARCHAR" and reports["year"][0] == "BIGINT"
    applications = _columns(_node(graph, "applications").metadata["dagster/column_schema"])
    assert applications["value"][0] == "BIGINT"  # a number of applications, never 6.0
    # a model's columns are known from its SQL header before any build; their types once built
    indicators = _columns(_node(graph, "report_indicators").metadata["dagster/column_schema"])
    assert indicators["org"] == ("", warehouse.load_models()["report_indicators"].columns["org"])


def test_the_instance_is_dagster_home_else_the_project_folders_config(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    with pytest.raises(InstanceNotFound, match="--no-dagster-record"):
        config_folder(tmp_path)
    shutil.copy(REPO / "dagster.yaml", tmp_path / "dagster.yaml")
    assert config_folder(tmp_path) == tmp_path.resolve()
    monkeypatch.setenv("DAGSTER_HOME", "relative/home")
    with pytest.raises(InstanceNotFound, match="absolute"):
        config_folder(tmp_path)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    assert config_folder(tmp_path) == tmp_path / "home"


def test_the_projects_relative_storage_is_read_from_its_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the repo's own dagster.yaml (storage under .dagster_home/), with `ogi run` started elsewhere
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    root, elsewhere = tmp_path / "project", tmp_path / "elsewhere"
    root.mkdir()
    elsewhere.mkdir()
    shutil.copy(REPO / "dagster.yaml", root / "dagster.yaml")
    monkeypatch.chdir(elsewhere)
    build = warehouse.BuildResult(root / "data" / "warehouse.duckdb", mode=warehouse.UNCHANGED)
    staged, committed = lake.StageResult(n_files=5, n_known=5), lake.CommitResult()
    assert record_run(root, build, (staged, committed)) == 3  # nothing built: the ingest assets only
    with project_instance(root) as instance:
        event = instance.get_latest_materialization_event(AssetKey("parsed_reports"))
        assert event.asset_materialization.metadata["already_in_lake"].value == 5
        assert instance.get_latest_materialization_event(AssetKey("reports")) is None
    assert (root / ".dagster_home" / "storage").is_dir()
    assert not any(elsewhere.iterdir())


def _wait_for(instance: DagsterInstance, key: str, proc=None):  # noqa: ANN001, ANN202
    """The latest materialisation of `key`, once the detached recorder wrote it (no timing asserted:
    the deadline only keeps a broken recorder from hanging the suite)."""
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        event = instance.get_latest_materialization_event(AssetKey(key))
        if event is not None:
            return event.asset_materialization
        time.sleep(0.5)
    raise AssertionError(f"no materialisation of {key} was recorded")


def test_ogi_run_is_recorded_in_the_projects_instance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture) -> None:
    root, home = tmp_path / "project", tmp_path / "dagster_home"
    shutil.copytree(SAMPLES, root / "data" / "samples")
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    assert main(["run", "--root", str(root)]) == 0
    assert "not recorded" not in capsys.readouterr().err
    with DagsterInstance.get() as instance:
        published = _wait_for(instance, "published_warehouse")  # the recorder's last materialisation
        reports = _wait_for(instance, "reports")
        assert reports.metadata["dagster/row_count"].value == 5  # data/samples holds five reports
        assert reports.metadata["dagster/table_name"].value == "warehouse.main.reports"
        indicators = _wait_for(instance, "report_indicators")
        assert indicators.metadata["dagster/row_count"].value == 5  # five bodies, one report each
        columns = _columns(indicators.metadata["dagster/column_schema"].schema)
        assert columns["year"][0] == "BIGINT" and columns["org"][0] == "VARCHAR"
        assert published.metadata["path"].value == str(root.resolve() / "data" / "warehouse.duckdb")
        assert _wait_for(instance, "parsed_reports").metadata["parsed"].value == 5
        # seed 000 breaks the balance rule and quality_issues lists it: a WARN, recorded on its check
        key = AssetCheckKey(AssetKey("quality_issues"), "balance_rule")
        latest = instance.event_log_storage.get_latest_asset_check_execution_by_key([key])[key]
        evaluation = latest.event.dagster_event.event_specific_data
        assert not evaluation.passed and evaluation.severity == AssetCheckSeverity.WARN
        assert "not recorded" not in (root / "data" / "dagster_record.log").read_text()

        # nothing new: nothing built, nothing recorded
        before = len(instance.fetch_materializations(AssetKey("reports"), limit=10).records)
        assert main(["run", "--root", str(root)]) == 0
        assert len(instance.fetch_materializations(AssetKey("reports"), limit=10).records) == before == 1


def test_the_recorder_process_reports_what_it_could_not_record(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # an instance whose config names an unset variable: the run goes on, the recorder logs why
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    (home / "dagster.yaml").write_text("storage:\n  sqlite:\n    base_dir: {env: OGI_TEST_UNSET_VARIABLE}\n")
    build = warehouse.BuildResult(tmp_path / "data" / "warehouse.duckdb", mode=warehouse.UNCHANGED)
    proc = start_record(tmp_path, build, (lake.StageResult(), lake.CommitResult()))
    assert proc.wait() == 1
    log = (tmp_path / "data" / "dagster_record.log").read_text()
    assert "not recorded in Dagster" in log and "OGI_TEST_UNSET_VARIABLE" in log


def test_a_full_build_records_every_table_model_and_the_publish(tmp_path: Path) -> None:
    # the event list alone (no instance): what a build of two tables and one model gives
    db = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE ingest_log (path VARCHAR, status VARCHAR)")
    con.close()
    build = warehouse.BuildResult(db, rows={"reports": 3, "issues": 7, "ingest_log": 4},
                                  models=["ingest_log"], mode=warehouse.FULL)
    events = {e.asset_key.to_user_string(): e for e in materializations(build)}
    assert set(events) == {"reports", "issues", "ingest_log", "published_warehouse"}
    assert events["issues"].metadata["dagster/row_count"].value == 7
    schema = events["ingest_log"].metadata["dagster/column_schema"].schema
    assert [(c.name, c.type) for c in schema.columns] == [("path", "VARCHAR"), ("status", "VARCHAR")]
    assert schema.columns[0].description == warehouse.load_models()["ingest_log"].columns["path"]
