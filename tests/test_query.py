"""`ogi query` reads the warehouse and nothing else."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from pipeline.store import output
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
    assert done.stdout.splitlines() == ["range", "-----", "    0", "    1", "    2",
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


# --- output: formats, parameters, DuckDB's own error messages -----------------------------------------


# Figures a person reads in data/samples/: 000 (高安市八景镇 2022) "主动公开政府信息459条" and table 2's
# 行政规范性文件 row 6 | 0 | 43; 002 (西华池镇 2022) "共主动公开基本信息共176条" and no table 3, so
# its application figures are NULL; 003 (靖安县宝峰镇 2020) 本年新收 1 application.
SAMPLES_SQL = """SELECT org, year, proactive_items_prose AS proactive, normative_documents_issued AS nd_issued,
                 normative_documents_in_force AS nd_in_force, applications_new
                 FROM report_indicators WHERE org IN ('高安市八景镇', '西华池镇人民政府') ORDER BY year, org DESC"""


@pytest.fixture(scope="module")
def samples_db(tmp_path_factory):
    """`ogi run` on the bundled samples, in a project folder of its own."""
    import shutil

    from pipeline.cli import main

    root = tmp_path_factory.mktemp("samples_root")
    shutil.copytree(Path(__file__).resolve().parents[1] / "data" / "samples", root / "data" / "samples")
    assert main(["run", "--root", str(root), "--wait", "600"]) == 0
    return root / "data" / "warehouse.duckdb"


def _query(db, *args: str, columns: int = 200) -> subprocess.CompletedProcess:
    env = dict(os.environ, COLUMNS=str(columns))
    return subprocess.run([sys.executable, "-m", "pipeline.cli", "query", *args, "--db", str(db)],
                          capture_output=True, text=True, env=env)


def test_csv_of_the_samples(samples_db):
    done = _query(samples_db, SAMPLES_SQL, "--format", "csv")
    assert done.returncode == 0 and done.stderr == ""
    assert done.stdout == ("org,year,proactive,nd_issued,nd_in_force,applications_new\n"
                           "高安市八景镇,2022,459,6,43,0\n"
                           "西华池镇人民政府,2022,176,0,0,\n")


def test_json_of_the_samples(samples_db):
    done = _query(samples_db, SAMPLES_SQL, "--format", "json")
    assert done.returncode == 0
    assert json.loads(done.stdout) == [
        {"org": "高安市八景镇", "year": 2022, "proactive": 459, "nd_issued": 6, "nd_in_force": 43, "applications_new": 0},
        {"org": "西华池镇人民政府", "year": 2022, "proactive": 176, "nd_issued": 0, "nd_in_force": 0,
         "applications_new": None},
    ]
    assert '"proactive": 459,' in done.stdout and "459.0" not in done.stdout  # counts stored as DOUBLE


def test_markdown_of_the_samples(samples_db):
    done = _query(samples_db, SAMPLES_SQL, "--format", "markdown")
    assert done.returncode == 0
    assert done.stdout.splitlines() == [
        "| org | year | proactive | nd_issued | nd_in_force | applications_new |",
        "|---|---:|---:|---:|---:|---:|",
        "| 高安市八景镇 | 2022 | 459 | 6 | 43 | 0 |",
        "| 西华池镇人民政府 | 2022 | 176 | 0 | 0 | ∅ |",
    ]


def test_table_of_the_samples(samples_db):
    done = _query(samples_db, SAMPLES_SQL)
    assert done.returncode == 0
    assert done.stdout.splitlines() == [
        "org               year  proactive  nd_issued  nd_in_force  applications_new",
        "----------------  ----  ---------  ---------  -----------  ----------------",
        "高安市八景镇      2022        459          6           43                 0",
        "西华池镇人民政府  2022        176          0            0                 ∅",
    ]


def test_a_row_wider_than_the_terminal_prints_as_a_record(samples_db):
    done = _query(samples_db, "SELECT * FROM report_indicators WHERE org = '高安市八景镇'", columns=100)
    assert done.returncode == 0
    lines = done.stdout.splitlines()
    assert lines[0].startswith("-- row 1 --")
    # one line per column of report_indicators, name then value (values whole, however long)
    names = run_query("DESCRIBE report_indicators", samples_db)["column_name"].tolist()
    assert [line.split(" ", 1)[0] for line in lines[1:]] == names and len(names) > 70
    record = dict(line.split(None, 1) if " " in line else (line, "") for line in lines[1:])
    assert record["org"] == "高安市八景镇" and record["proactive_items_prose"] == "459"
    assert record["normative_documents_in_force"] == "43" and record["department"] == "∅"
    # the same query in a wide terminal stays one row under its header; derived_values is cut, and said so
    wide = _query(samples_db, "SELECT * FROM report_indicators WHERE org = '高安市八景镇'", columns=5000)
    header, rule, row, note = wide.stdout.splitlines()
    assert header.split() == names and set(rule) == {"-", " "} and row.split()[2] == "高安市八景镇"
    assert note.startswith("(values longer than 40 columns are cut")


def test_parameters_are_bound_by_name(samples_db):
    done = _query(samples_db, "SELECT org, applications_new FROM report_indicators WHERE year = $year "
                              "AND org LIKE $town ORDER BY org", "--param", "year=2020", "--param", "town=%宝峰%",
                  "--format", "csv")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "org,applications_new\n靖安县宝峰镇,1\n"
    # a value where the query gives no type says how to cast it
    done = _query(samples_db, "SELECT $n + 1 AS v", "--param", "n=2")
    assert done.returncode == 1 and "$NAME::INTEGER" in done.stderr
    assert _query(samples_db, "SELECT $n::INTEGER + 1 AS v", "--param", "n=2", "--format", "csv").stdout == "v\n3\n"
    # a value the SQL does not use, and one it uses but was not given
    done = _query(samples_db, "SELECT org FROM report_indicators WHERE year = $year", "--param", "year=2022",
                  "--param", "yeer=2022")
    assert done.returncode == 1 and "excess parameters: yeer" in done.stderr and "needs a $NAME" in done.stderr
    done = _query(samples_db, "SELECT org FROM report_indicators WHERE year = $year")
    assert done.returncode == 1 and "Values were not provided for the following parameters: year" in done.stderr


def test_duckdb_hints_are_kept(samples_db):
    done = _query(samples_db, "SELECT org FROM report_indicator")
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.startswith("ogi: query failed: Catalog Error: Table with name report_indicator does not exist!")
    assert 'Did you mean "report_indicators"?' in done.stderr and "LINE 1: SELECT org FROM report_indicator" in done.stderr
    done = _query(samples_db, "SELECT orgg FROM report_indicators")
    assert "Candidate bindings:" in done.stderr and '"org"' in done.stderr
    done = _query(samples_db, "SELEC org FROM report_indicators")
    assert done.returncode == 1 and 'syntax error at or near "SELEC"' in done.stderr and "LINE 1:" in done.stderr


def test_more_rows_note_goes_to_stderr_beside_data(samples_db):
    done = _query(samples_db, "SELECT * FROM range(5)", "--max-rows", "2", "--format", "csv")
    assert done.stdout == "range\n0\n1\n"
    assert done.stderr == "ogi: more rows not shown (add a WHERE or LIMIT, or raise --max-rows)\n"
    done = _query(samples_db, "SELECT * FROM range(5)", "--max-rows", "2", "--format", "json")
    assert json.loads(done.stdout) == [{"range": 0}, {"range": 1}] and "more rows" in done.stderr


def test_empty_result_in_each_format(samples_db):
    sql = "SELECT org, year FROM report_indicators WHERE year = 1900"
    assert _query(samples_db, sql, "--format", "csv").stdout == "org,year\n"
    assert _query(samples_db, sql, "--format", "json").stdout == "[]\n"
    assert _query(samples_db, sql, "--format", "markdown").stdout == "| org | year |\n|---|---|\n"
    assert _query(samples_db, sql).stdout.splitlines() == ["org  year", "---  ----", "(no rows)"]


# --- output rules on constructed values ------------------------------------------------------------

def test_whole_doubles_print_as_integers_per_column():
    columns = ["count", "share", "label"]
    rows = [(6.0, 0.5, "a"), (None, 1.0, None), (12.0, 2 / 3, "b")]
    assert output.to_csv(columns, rows) == "count,share,label\n6,0.5,a\n,1.0,\n12,0.6666666666666666,b"
    assert json.loads(output.to_json(columns, rows)) == [
        {"count": 6, "share": 0.5, "label": "a"}, {"count": None, "share": 1.0, "label": None},
        {"count": 12, "share": 2 / 3, "label": "b"}]
    table = output.to_table(columns, rows, width=80).splitlines()
    assert table == ["count     share  label",
                     "-----  --------  -----",
                     "    6       0.5  a",
                     "    ∅         1  ∅",
                     "   12  0.666667  b"]


def test_decimal_nan_and_nested_values():
    from decimal import Decimal

    columns = ["amount", "ratio", "names"]
    rows = [(Decimal("6.00"), float("nan"), ["宝峰镇", None]), (Decimal("12.00"), 0.25, [])]
    assert output.to_csv(columns, rows) == 'amount,ratio,names\n6,NaN,"[""宝峰镇"", null]"\n12,0.25,[]'
    assert json.loads(output.to_json(columns, rows)) == [
        {"amount": 6, "ratio": "NaN", "names": ["宝峰镇", None]}, {"amount": 12, "ratio": 0.25, "names": []}]


def test_markdown_and_csv_escape_their_separators():
    rows = [("a|b", "line 1\nline 2, more")]
    assert output.to_markdown(["x", "y"], rows).splitlines()[-1] == "| a\\|b | line 1<br>line 2, more |"
    assert output.to_csv(["x", "y"], rows) == 'x,y\na|b,"line 1\nline 2, more"'
    assert output.to_table(["x", "y"], rows, width=80).splitlines()[-1] == "a|b  line 1\\nline 2, more"


def test_long_values_are_cut_in_a_table_with_a_note():
    text = "政府信息公开" * 10  # 60 characters, 120 terminal columns
    lines = output.to_table(["detail"], [(text,)], width=200, max_colwidth=20).splitlines()
    assert lines[2] == "政府信息公开政府信…" and output.display_width(lines[2]) == 19
    assert lines[-1].startswith("(values longer than 20 columns are cut at …")
