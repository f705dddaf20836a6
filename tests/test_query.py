"""`ogi query` reads the warehouse and nothing else."""
from __future__ import annotations

import subprocess
import sys

import duckdb
import pytest

from pipeline.store.query import QueryRefusedError, WarehouseMissingError, run_query


@pytest.fixture()
def warehouse(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE report_indicators AS SELECT '高安市八景镇' AS org, 2022 AS year, 459 AS proactive")
    con.close()
    return path


def test_select_with_parameters(warehouse):
    df = run_query("SELECT org, proactive FROM report_indicators WHERE year = ?", warehouse, [2022])
    assert df.to_dict("records") == [{"org": "高安市八景镇", "proactive": 459}]


@pytest.mark.parametrize("sql, words", [
    ("INSERT INTO report_indicators VALUES ('x', 2023, 1)", "INSERT statements are refused"),
    ("DELETE FROM report_indicators", "DELETE statements are refused"),
    ("DROP TABLE report_indicators", "DROP statements are refused"),
    ("CREATE TABLE t AS SELECT 1", "CREATE statements are refused"),
    ("ATTACH '/tmp/other.duckdb' AS other", "ATTACH statements are refused"),
    ("COPY report_indicators TO '/tmp/out.csv'", "COPY statements are refused"),
    ("SET enable_external_access = true", "SET statements are refused"),
    ("INSTALL httpfs", "LOAD statements are refused"),
    ("SELECT 1; DROP TABLE report_indicators", "one statement at a time"),
    ("SELECT * FROM read_csv('/etc/passwd')", "files outside the warehouse"),
    ("SELECT * FROM read_parquet('/etc/*.parquet')", "files outside the warehouse"),
])
def test_refused(warehouse, sql, words):
    with pytest.raises(QueryRefusedError, match=words):
        run_query(sql, warehouse)
    assert run_query("SELECT count(*) AS n FROM report_indicators", warehouse)["n"][0] == 1


def test_missing_warehouse_says_how_to_build_one(tmp_path):
    with pytest.raises(WarehouseMissingError, match="ogi run"):
        run_query("SELECT 1", tmp_path / "none.duckdb")


def test_cli_refusal_is_one_line(warehouse):
    done = subprocess.run([sys.executable, "-m", "pipeline.cli", "query", "DROP TABLE report_indicators",
                           "--db", str(warehouse)], capture_output=True, text=True)
    assert done.returncode == 1
    assert done.stderr.startswith("ogi: DROP statements are refused") and "Traceback" not in done.stderr
    done = subprocess.run([sys.executable, "-m", "pipeline.cli", "query", "SELECT org FROM report_indicators",
                           "--db", str(warehouse)], capture_output=True, text=True)
    assert done.returncode == 0 and "高安市八景镇" in done.stdout
