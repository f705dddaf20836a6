"""The DuckDB warehouse and its SQL models, on scenarios built from the seed fixtures.

The figures here are controlled by the fake parser (tests/_fake_parser.py), so each model rule
(harmonisation, NULL is not zero, newest report wins, cross-year checks, pooled shares) is
tested on purpose-made data. test_assets.py runs the real parser on the real samples.
"""
from __future__ import annotations

import os
import struct
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from _fake_parser import CODES, doc, seed_bytes, set_measure, write_doc, write_seeds
from _fake_parser import parse as fake_parse
from conftest import one, rows
from pipeline.store import lake, query, warehouse
from pipeline.parse.schema import FRAMES

REPO = Path(__file__).resolve().parents[1]


def build(tmp: Path, raw: Path) -> Path:
    lk, wh = tmp / "lake", tmp / "warehouse.duckdb"
    lake.ingest(lk, [raw], parse=fake_parse)
    warehouse.build_warehouse(lk, wh)
    return wh


# --- the scenario warehouse -----------------------------------------------------------------

@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Six documents: the five seeds, three of them altered, and one extra township.

    - 000 高安市八景镇 2022 (as the seed) and a 2021 report of the same body whose figures do not
      roll forward into 2022 (carryover and in-force mismatches)
    - 003 靖安县宝峰镇 2020, 2019 template, with 2 normative documents newly made
    - 004 因远镇 2022 with the three 2021 （六） rows filled in and a fee of 0.35 万元
    - 002 西华池镇 2022 without table 3
    - X 高安市某镇 2022 (same prefecture as 000): 1 of 3 applications granted
    """
    tmp = tmp_path_factory.mktemp("scenario")
    raw = tmp / "raw"
    write_seeds(raw, ("000", "001", "002"))

    d003 = set_measure(doc("003"), "normative_documents", "new_made", 2)
    write_doc(raw, "003.json", d003)

    d004 = doc("004", applications__other_no_correction=[1, 0, 0, 0, 0, 0, 1],
               applications__other_no_fee=[0, 1, 0, 0, 0, 0, 1],
               applications__other_other=[0, 0, 0, 0, 0, 2, 2])
    write_doc(raw, "004.json", set_measure(d004, "fees", "fee_amount", 0.35, "万元"))

    d2021 = doc("000")
    d2021["report"] = {**d2021["report"], "year": 2021, "title": "高安市八景镇2021年政府信息公开工作年度报告"}
    d2021["applications"]["new_received"] = [3, 0, 0, 0, 0, 0, 3]  # 3 new = 1 processed + 2 carried forward
    d2021["applications"]["total_processed"] = [1, 0, 0, 0, 0, 0, 1]
    d2021["applications"]["carried_forward"] = [2, 0, 0, 0, 0, 0, 2]
    d2021["issues"] = []
    write_doc(raw, "000_2021.json", set_measure(d2021, "normative_documents", "in_force", 40))

    dx = doc("001")
    dx["report"] = {**dx["report"], "org": "某镇", "year": 2022, "title": "某镇2022年政府信息公开工作年度报告",
                    "region": {"province": "江西省", "prefecture": "宜春市", "county": "高安市", "township": "某镇"}}
    dx["region_codes"] = {"township": "360983199"}
    dx["applications"]["new_received"] = [3, 0, 0, 0, 0, 0, 3]
    dx["applications"]["granted"] = [1, 0, 0, 0, 0, 0, 1]
    dx["applications"]["unable_not_held"] = [2, 0, 0, 0, 0, 0, 2]
    dx["applications"]["total_processed"] = [3, 0, 0, 0, 0, 0, 3]
    write_doc(raw, "x.json", dx)
    return build(tmp, raw)


def indicator(wh: Path, org: str, year: int, column: str) -> object:
    assert column.isidentifier()
    return one(wh, f"SELECT {column} FROM report_indicators WHERE org = ? AND year = ?", [org, year])


def test_table_two_figures_by_value(scenario: Path) -> None:
    assert indicator(scenario, "高安市八景镇", 2022, "normative_documents_issued") == 6
    assert indicator(scenario, "高安市八景镇", 2022, "normative_documents_in_force") == 43
    assert indicator(scenario, "高安市八景镇", 2022, "proactive_items_prose") == 459
    assert indicator(scenario, "靖安县宝峰镇", 2020, "procurement_items") == 9
    assert indicator(scenario, "靖安县宝峰镇", 2020, "procurement_yuan") == 63365


def test_2019_columns_map_to_2021_keys_only_where_they_mean_the_same(scenario: Path) -> None:
    # 本年新制作数量 is 本年制发件数; there is no 现行有效 in 2019, so in_force stays NULL
    assert indicator(scenario, "靖安县宝峰镇", 2020, "normative_documents_issued") == 2
    assert indicator(scenario, "靖安县宝峰镇", 2020, "normative_documents_in_force") is None
    assert one(scenario, """SELECT mapped_from FROM stg_active_disclosure JOIN stg_reports USING (report_id)
                            WHERE org = '靖安县宝峰镇' AND item = 'normative_documents' AND measure_std = 'issued'""") \
        == "new_made"
    published = rows(scenario, """SELECT DISTINCT measure_std FROM stg_active_disclosure JOIN stg_reports USING (report_id)
                                  WHERE org = '靖安县宝峰镇' AND item = 'normative_documents'""")
    assert {"new_published", "published_total"} <= {r[0] for r in published}


def test_money_is_in_yuan(scenario: Path) -> None:
    assert indicator(scenario, "因远镇", 2022, "fees_yuan") == 3500  # printed 0.35 万元
    assert indicator(scenario, "靖安县宝峰镇", 2020, "procurement_yuan") == 63365  # printed 63365元


def test_the_three_2021_other_rows_sum_to_other_processing(scenario: Path) -> None:
    got = rows(scenario, """
        SELECT applicant, value, value_std, value_source, outcome_group
        FROM stg_applications JOIN stg_reports USING (report_id)
        WHERE org = '因远镇' AND outcome = 'other_processing' ORDER BY applicant""")
    by_applicant = {r[0]: r[1:] for r in got}
    assert by_applicant["total"] == (None, 4, "sum_of_other_rows", "other")
    assert by_applicant["natural_person"][1] == 1 and by_applicant["other_org"][1] == 2
    assert indicator(scenario, "因远镇", 2022, "other_processing") == 4
    # summing by outcome_group never counts the detail rows twice
    assert one(scenario, """SELECT sum(value_std) FROM stg_applications JOIN stg_reports USING (report_id)
                            WHERE org = '因远镇' AND applicant = 'total' AND outcome_group = 'other'""") == 4
    # a 2019 report keeps its printed row
    assert one(scenario, """SELECT value_source FROM stg_applications JOIN stg_reports USING (report_id)
                            WHERE org = '靖安县宝峰镇' AND outcome = 'other_processing' AND applicant = 'total'""") \
        == "printed"


def test_a_missing_table_gives_nulls_not_zeros(scenario: Path) -> None:
    cols = ["applications_new", "applications_processed", "granted", "denied", "share_granted", "rejected"]
    got = one(scenario, f"SELECT {', '.join(cols)} FROM report_indicators WHERE org = '西华池镇人民政府'")
    assert got == (None,) * len(cols)
    assert one(scenario, """SELECT count(*) FROM stg_applications JOIN stg_reports USING (report_id)
                            WHERE org = '西华池镇人民政府'""") == 0
    # its county has one report, but no report behind the application figures
    county = one(scenario, """SELECT value, n_reports, n_reports_in_region FROM region_year_indicators
                              WHERE level = 'county' AND region_code = ? AND year = 2022
                              AND indicator = 'applications_new'""", [CODES["合水县"]])
    assert county == (None, 0, 1)


def test_a_missing_total_cell_is_derived_and_says_so(scenario: Path) -> None:
    # seed 000: the 总计 row lacks its total cell; the six applicant cells give 1
    assert indicator(scenario, "高安市八景镇", 2022, "applications_processed") == 1
    assert "total_processed: sum_of_applicants" in indicator(scenario, "高安市八景镇", 2022, "derived_values")


def test_shares(scenario: Path) -> None:
    assert indicator(scenario, "某镇", 2022, "share_granted") == pytest.approx(1 / 3)
    assert indicator(scenario, "某镇", 2022, "share_unable_to_provide") == pytest.approx(2 / 3)
    assert indicator(scenario, "某镇", 2022, "share_denied") == 0
    # nothing processed: a share of nothing is NULL, not 0
    assert indicator(scenario, "官坡镇人民政府", 2023, "share_granted") is None


def test_regions_roll_up_by_code_at_every_level_with_pooled_shares(scenario: Path) -> None:
    levels = rows(scenario, """SELECT level, region_code, n_reports_in_region FROM region_year_indicators
                               WHERE year = 2022 AND indicator = 'applications_new' AND region_code IN (?, ?, ?)
                               ORDER BY level""", [CODES["江西省"], CODES["宜春市"], CODES["高安市"]])
    assert levels == [("county", CODES["高安市"], 2), ("prefecture", CODES["宜春市"], 2),
                      ("province", CODES["江西省"], 2)]
    assert one(scenario, """SELECT count(DISTINCT level) FROM region_year_indicators""") == 4
    # 宜春市 2022: 八景镇 granted 1 of 1, 某镇 1 of 3 -> 2 of 4, not the mean of 100% and 33%
    got = one(scenario, """SELECT value, numerator, denominator, n_reports FROM region_year_indicators
                           WHERE level = 'prefecture' AND region_code = ? AND year = 2022
                           AND indicator = 'share_granted'""", [CODES["宜春市"]])
    assert got == (0.5, 2, 4, 2)
    assert one(scenario, """SELECT value FROM region_year_indicators WHERE level = 'prefecture'
                            AND region_code = ? AND year = 2022 AND indicator = 'normative_documents_issued'""",
               [CODES["宜春市"]]) == 6


def test_yearly_comparison_per_body_and_region(scenario: Path) -> None:
    body = one(scenario, """SELECT previous_year, year, years_apart, previous_value, value, change
                            FROM yearly_comparison WHERE scope = 'body' AND key = ?
                            AND indicator = 'normative_documents_in_force'""", [CODES["八景镇"]])
    assert body == (2021, 2022, 1, 40, 43, 3)
    # 宜春市: 八景镇 in 2021; 八景镇 and 某镇 in 2022: the comparison rests on 八景镇, 某镇 came in
    region = one(scenario, """SELECT previous_year, year, years_apart, n_bodies, n_bodies_entered, n_bodies_dropped,
                                     all_bodies_previous_n_reports, all_bodies_n_reports
                              FROM yearly_comparison WHERE scope = 'prefecture' AND key = ?
                              AND indicator = 'applications_new' AND year = 2022""", [CODES["宜春市"]])
    assert region == (2021, 2022, 1, 1, 1, 0, 1, 2)


def test_cross_year_quality_issues(scenario: Path) -> None:
    found = rows(scenario, """SELECT code, field, related_report_id IS NOT NULL FROM quality_issues
                              WHERE origin = 'cross_document' AND org = '高安市八景镇' AND year = 2022
                              ORDER BY code, field""")
    assert ("carryover_mismatch", "carried_over/natural_person", True) in found
    assert ("carryover_mismatch", "carried_over/total", True) in found
    # 40 in force + 6 issued - 0 repealed = 46, the 2022 report says 43
    assert ("in_force_rollforward_mismatch", "normative_documents/in_force", True) in found
    detail = one(scenario, """SELECT detail FROM quality_issues WHERE code = 'in_force_rollforward_mismatch'""")
    assert "46" in detail and "43" in detail
    parser = {r[0] for r in rows(scenario, """SELECT code FROM quality_issues
                                              WHERE origin = 'parser' AND org = '高安市八景镇' AND year = 2022""")}
    assert parser == {"cell_missing", "balance_mismatch", "narrative_table_mismatch"}
    assert indicator(scenario, "高安市八景镇", 2022, "n_quality_issues") == 3 + len(found)


def test_every_model_column_is_documented(scenario: Path) -> None:
    models = warehouse.load_models()
    for name, model in models.items():
        cols = [r[0] for r in rows(scenario, """SELECT column_name FROM duckdb_columns()
                                                WHERE table_name = ? ORDER BY column_index""", [name])]
        assert cols == list(model.columns), name
        assert model.description, name
    for name, (desc, columns) in warehouse.TABLE_DOCS.items():
        cols = [r[0] for r in rows(scenario, """SELECT column_name FROM duckdb_columns()
                                                WHERE table_name = ? ORDER BY column_index""", [name])]
        assert set(cols) == set(columns), name
    # the comments travel with the published file, for tools that show them
    assert one(scenario, """SELECT comment FROM duckdb_columns() WHERE table_name = 'report_indicators'
                            AND column_name = 'procurement_yuan'""").startswith("政府集中采购")


def test_data_dictionary_names_every_table_and_column(scenario: Path) -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    for table, column in rows(scenario, """SELECT table_name, column_name FROM duckdb_columns()
                                           WHERE database_name = current_database()"""):
        assert f"`{table}`" in text, table
        assert f"`{column}`" in text, (table, column)


# --- dependencies, order, checks ------------------------------------------------------------

def test_dependencies_are_read_from_the_sql() -> None:
    sql = """WITH a AS (SELECT * FROM reports), b AS (SELECT * FROM a JOIN issues USING (report_id))
             SELECT * FROM b WHERE report_id IN (SELECT report_id FROM stg_reports)
             UNION ALL SELECT * FROM b LEFT JOIN (SELECT 1) AS c ON true"""
    assert warehouse.sql_dependencies(sql) == {"reports", "issues", "stg_reports"}
    with pytest.raises(ValueError):
        warehouse.sql_dependencies("SELECT 1; SELECT 2")
    models = warehouse.load_models()
    order = warehouse.model_order(models)
    for name, model in models.items():
        for dep in model.deps:
            assert dep in warehouse.LOADED_TABLES or order.index(dep) < order.index(name)
    assert set(models["report_indicators"].deps) >= {"stg_reports", "stg_applications", "quality_issues"}


def test_checks(scenario: Path, tmp_path: Path) -> None:
    outcomes = {o.name: o for o in warehouse.run_checks(scenario, scenario.parent / "lake")}
    assert outcomes["lake_rows_match"].passed
    # seed 000 breaks the balance rule and says so in quality_issues: a WARN
    assert not outcomes["balance_rule"].passed and outcomes["balance_rule"].severity == "WARN"
    assert outcomes["balance_rule"].metadata["not_in_quality_issues"] == 0
    assert outcomes["row_totals"].passed
    assert outcomes["one_current_report_per_body_year"].passed

    # a break the parser did not report is an ERROR: it was lost silently
    raw = tmp_path / "raw"
    d = doc("001", issues=[])
    d["applications"]["total_processed"] = [1, 0, 0, 0, 0, 0, 1]
    write_doc(raw, "001.json", d)
    wh = build(tmp_path, raw)
    got = {o.name: o for o in warehouse.run_checks(wh, tmp_path / "lake")}
    assert got["balance_rule"].severity == "ERROR" and got["balance_rule"].metadata["not_in_quality_issues"] == 2
    assert got["lake_rows_match"].passed


# --- corrected reports ----------------------------------------------------------------------

def test_a_corrected_report_keeps_both_in_the_lake_and_the_newest_wins(tmp_path: Path) -> None:
    raw, lk, wh = tmp_path / "raw", tmp_path / "lake", tmp_path / "warehouse.duckdb"
    write_doc(raw, "003.json", doc("003"))
    lake.ingest(lk, [raw], parse=fake_parse)

    corrected = set_measure(doc("003"), "procurement", "procurement_amount", 70000, "元")
    write_doc(raw, "003_corrected.json", corrected)
    lake.ingest(lk, [raw], parse=fake_parse)
    warehouse.build_warehouse(lk, wh)

    assert lake.lake_row_counts(lk)["reports"] == 2
    assert one(wh, "SELECT count(*) FROM reports") == 2
    assert one(wh, "SELECT count(*) FROM report_indicators") == 1
    assert one(wh, "SELECT procurement_yuan FROM report_indicators") == 70000
    dup = rows(wh, """SELECT is_current, related_report_id IS NOT NULL FROM quality_issues
                      WHERE code = 'duplicate_report' ORDER BY is_current""")
    assert dup == [(False, True), (True, False)]
    assert one(wh, "SELECT n_versions FROM report_indicators") == 2
    # the duplicate is a fail of the info rule duplicate_report (a WARN), not of the warehouse
    assert all(o.passed for o in warehouse.run_checks(wh, lk) if o.name != "balance_rule" and not o.name.startswith("rules_"))


def test_within_one_batch_the_later_file_wins(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    old = write_doc(raw, "a.json", set_measure(doc("003"), "procurement", "procurement_items", 1))
    new = write_doc(raw, "b.json", set_measure(doc("003"), "procurement", "procurement_items", 2))
    os.utime(old, (1_600_000_000, 1_600_000_000))
    os.utime(new, (1_700_000_000, 1_700_000_000))
    wh = build(tmp_path, raw)
    assert one(wh, "SELECT procurement_items FROM report_indicators") == 2


# --- publishing -----------------------------------------------------------------------------

def test_the_published_file_opens_in_duckdb_1x(scenario: Path) -> None:
    header = scenario.read_bytes()[:20]
    # DuckDB's main header: checksum, "DUCK", then the storage version number. 64 is the format
    # of DuckDB 1.0 and 1.1, which every later 1.x and 2.x release reads.
    assert header[8:12] == b"DUCK" and struct.unpack("<Q", header[12:20])[0] == 64
    assert one(scenario, "SELECT storage_version FROM build_info") == warehouse.STORAGE_VERSION
    assert not scenario.with_name(scenario.name + ".wal").exists()
    assert not list(scenario.parent.glob("warehouse.duckdb.tmp-*"))


_READER = r"""
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
print(con.execute("SELECT count(*) FROM report_indicators").fetchone()[0])
"""


def test_readers_keep_a_consistent_file_while_a_new_one_is_published(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    write_seeds(raw, ("000", "003"))
    wh = build(tmp_path, raw)
    held = duckdb.connect(str(wh), read_only=True)  # an analyst's open session
    try:
        assert held.execute("SELECT count(*) FROM report_indicators").fetchone()[0] == 2
        write_seeds(raw, ("001", "002"))
        lake.ingest(tmp_path / "lake", [raw], parse=fake_parse)
        warehouse.build_warehouse(tmp_path / "lake", wh)  # no lock error, although the file is open
        # the open session still sees its complete warehouse ...
        assert held.execute("SELECT count(*) FROM report_indicators").fetchone()[0] == 2
        assert held.execute("SELECT n_current_reports FROM build_info").fetchone()[0] == 2
        # ... and a new session (another process, as an analyst's would be) sees the new one
        out = subprocess.run([sys.executable, "-c", _READER, str(wh)], capture_output=True, text=True, check=True)
        assert out.stdout.strip() == "4"
    finally:
        held.close()


def test_a_failed_build_leaves_the_published_file_alone(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    write_seeds(raw, ("000",))
    wh = build(tmp_path, raw)
    before = wh.read_bytes()
    bad_sql = tmp_path / "sql"
    bad_sql.mkdir()
    for f in (REPO / "sql").glob("*.sql"):
        (bad_sql / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    (bad_sql / "zz_broken.sql").write_text("-- zz_broken: a model with a typo\nSELECT no_such_column FROM reports",
                                           encoding="utf-8")
    write_seeds(raw, ("003",))
    lake.ingest(tmp_path / "lake", [raw], parse=fake_parse)
    with pytest.raises(duckdb.Error):
        warehouse.build_warehouse(tmp_path / "lake", wh, sql_dir=bad_sql)
    assert wh.read_bytes() == before
    assert not list(tmp_path.glob("warehouse.duckdb.tmp-*"))


def test_a_model_reading_an_unknown_table_is_refused(tmp_path: Path) -> None:
    (tmp_path / "m.sql").write_text("SELECT * FROM report_indicatorz", encoding="utf-8")
    with pytest.raises(ValueError, match="report_indicatorz"):
        warehouse.load_models(tmp_path)


# --- query ----------------------------------------------------------------------------------

def test_run_query_is_read_only_and_takes_parameters(scenario: Path, tmp_path: Path) -> None:
    df = query.run_query("SELECT org, year FROM report_indicators WHERE year = ? ORDER BY org", scenario, [2020])
    assert df.to_dict("records") == [{"org": "靖安县宝峰镇", "year": 2020}]
    with pytest.raises(query.QueryRefusedError):
        query.run_query("CREATE TABLE scratch AS SELECT 1", scenario)
    with pytest.raises(query.WarehouseMissingError):
        query.run_query("SELECT 1", tmp_path / "nope.duckdb")
    text = query.format_table(query.run_query("SELECT * FROM report_indicators", scenario), max_rows=2)
    assert "more rows" in text


def test_loaded_tables_follow_the_schema_contract(scenario: Path) -> None:
    for name, columns in FRAMES.items():
        got = [r[0] for r in rows(scenario, """SELECT column_name FROM duckdb_columns() WHERE table_name = ?
                                               ORDER BY column_index""", [name])]
        assert got[: len(columns)] == list(columns) or got == [*columns, "year"], name
    assert one(scenario, "SELECT count(*) FROM source_files WHERE status = 'parsed'") == 7


def test_seed_bytes_helper_is_deterministic() -> None:
    assert seed_bytes("000") == seed_bytes("000")


def test_readme_data_dictionary_is_the_one_rendered_from_the_definitions() -> None:
    # Columns are defined once (TABLE_DOCS, SQL headers); the README's dictionary is rendered from them.
    done = subprocess.run([sys.executable, str(REPO / "scripts" / "data_dictionary.py"), "--check"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
