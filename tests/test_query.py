"""`ogi query` reads the warehouse and nothing else."""
from __future__ import annotations

import subprocess
import sys

import duckdb
import pytest

from pipeline.store.query import QueryLimitError, QueryRefusedError, WarehouseMissingError, run_query


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


# --- limits: a query reads only the rows it shows, and stops at a time and a memory limit -----------

def _ogi_query(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline.cli", "query", *args], capture_output=True, text=True)


CROSS_JOIN = "SELECT max(a.range + b.range) FROM range(1000000) a, range(1000000) b"  # 10^12 rows: hours


def test_huge_result_reads_only_the_rows_shown(warehouse):
    sql = "SELECT * FROM range(200000000)"
    df = run_query(sql, warehouse, max_rows=5, timeout=10)
    assert df["range"].tolist() == [0, 1, 2, 3, 4] and df.attrs["more_rows"] is True
    assert run_query("SELECT * FROM range(5)", warehouse, max_rows=5).attrs["more_rows"] is False
    # The whole result would need at least 1.6 GB (200 million BIGINTs) and took 3.3 GB before;
    # only the rows shown are computed, so the process stays far below that.
    probe = ("import resource, sys; from pipeline.cli import main; rc = main(sys.argv[1:]); "
             "print('maxrss_kb', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr); sys.exit(rc)")
    done = subprocess.run([sys.executable, "-c", probe, "query", sql, "--db", str(warehouse), "--max-rows", "3",
                           "--timeout", "10"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [" range", "     0", "     1", "     2",
                                        "... more rows not shown (add a WHERE or LIMIT, or raise --max-rows)"]
    assert int(done.stderr.split("maxrss_kb")[-1]) < 1_000_000


def test_query_past_its_timeout_is_stopped(warehouse):
    with pytest.raises(QueryLimitError, match=r"time limit of 0\.5 s") as err:
        run_query(CROSS_JOIN, warehouse, timeout=0.5)
    assert err.value.limit == "timeout"
    with pytest.raises(QueryLimitError, match="time limit"):  # EXPLAIN ANALYZE runs the query: same limit
        run_query("EXPLAIN ANALYZE " + CROSS_JOIN, warehouse, timeout=0.5)
    assert run_query("SELECT count(*) AS n FROM report_indicators", warehouse, timeout=0.5)["n"][0] == 1
    done = _ogi_query(CROSS_JOIN, "--db", str(warehouse), "--timeout", "0.5")
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.startswith("ogi: the query ran past its time limit of 0.5 s and was stopped")
    assert "--timeout" in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_query_past_its_memory_limit_is_stopped(warehouse):
    sql = "SELECT * FROM range(10000000) ORDER BY random()"  # sorting 10 million rows needs ~80 MB or more
    with pytest.raises(QueryLimitError, match="memory than its limit of 20MB") as err:
        run_query(sql, warehouse, max_rows=5, timeout=60, memory_limit="20MB")
    assert err.value.limit == "memory_limit"
    done = _ogi_query(sql, "--db", str(warehouse), "--memory-limit", "20MB", "--timeout", "60")
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.startswith("ogi: the query needs more memory than its limit of 20MB")
    assert "--memory-limit" in done.stderr and len(done.stderr.strip().splitlines()) == 1


# --- EXPLAIN is judged by the statement it wraps (EXPLAIN ANALYZE runs it) ---------------------------

@pytest.mark.parametrize("sql, words", [
    ("EXPLAIN ANALYZE COPY report_indicators TO '{tmp}/out.csv'", "COPY statements are refused"),
    ("EXPLAIN ANALYZE CREATE TEMP TABLE t AS SELECT 1", "CREATE statements are refused"),
    ("EXPLAIN ANALYZE CALL pragma_version()", "CALL statements are refused"),
    ("EXPLAIN ANALYZE ATTACH '{tmp}/other.duckdb' AS other", "refused|does not parse"),
    ("EXPLAIN COPY report_indicators TO '{tmp}/out.csv'", "COPY statements are refused"),
    ("EXPLAIN ANALYZE INSERT INTO report_indicators VALUES ('x', 2023, 1)", "INSERT statements are refused"),
    ("EXPLAIN ANALYZE SET threads = 1", "SET statements are refused"),
    ("explain analyse call pragma_version()", "CALL statements are refused"),
    ("/* 高安市 */ EXPLAIN -- note\n ANALYZE /* x */ CALL pragma_version()", "CALL statements are refused"),
    ("EXPLAIN (ANALYZE) CALL pragma_version()", "CALL statements are refused"),
    ("EXPLAIN (ANALYZE, FORMAT json) CREATE TEMP TABLE t AS SELECT 1", "CREATE statements are refused"),
    ("EXPLAIN ANALYZE (SELECT 1); CALL pragma_version()", "one statement at a time"),
    ("EXPLAIN ANALYZE SELECT 1; EXPLAIN ANALYZE COPY report_indicators TO '{tmp}/out.csv'", "one statement"),
])
def test_explain_is_refused_like_the_statement_it_wraps(warehouse, sql, words):
    # DuckDB lets a query write into the warehouse's temp folder when it exists: aim there too.
    tmp = warehouse.parent / (warehouse.name + ".tmp")
    tmp.mkdir()
    with pytest.raises(QueryRefusedError, match=words):
        run_query(sql.format(tmp=tmp), warehouse)
    assert list(tmp.iterdir()) == []
    assert run_query("SELECT count(*) AS n FROM duckdb_tables() WHERE temporary", warehouse)["n"][0] == 0


@pytest.mark.parametrize("sql", [
    "EXPLAIN SELECT org FROM report_indicators",
    "EXPLAIN ANALYZE SELECT org FROM report_indicators",
    "explain analyze\n(SELECT 1)",
    "EXPLAIN (FORMAT json) (SELECT 1)",
    "/* EXPLAIN ANALYZE COPY */ EXPLAIN SELECT 'CALL (' AS \"EXPLAIN\"",
    "EXPLAIN DESCRIBE report_indicators",
    "EXPLAIN ANALYZE WITH a AS (SELECT 1) SELECT * FROM a",
])
def test_explain_of_a_select_still_runs(warehouse, sql):
    df = run_query(sql, warehouse)
    assert list(df.columns) == ["explain_key", "explain_value"] and len(df) == 1


def test_cli_explain_select(warehouse):
    done = _ogi_query("EXPLAIN SELECT org FROM report_indicators", "--db", str(warehouse))
    assert done.returncode == 0 and "explain_value" in done.stdout
    done = _ogi_query("EXPLAIN ANALYZE CALL pragma_version()", "--db", str(warehouse))
    assert done.returncode == 1 and done.stderr.startswith("ogi: CALL statements are refused")
