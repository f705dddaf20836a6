"""Regions in the warehouse: roll-ups by code and the coverage of a county's townships."""
from __future__ import annotations

import gzip
from pathlib import Path

import pandas as pd
import pytest

import docs
from conftest import SAMPLES, rows
from pipeline.parse import parse_report
from pipeline.store import lake
from pipeline.store.warehouse import GAZETTEER_CSV, build_warehouse


def _title(org: str, year: int) -> list[str]:
    return [f"{org}{year}年政府信息公开工作年度报告"]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("coverage")
    raw = root / "raw"
    raw.mkdir()
    (raw / "宝峰镇 2020.txt").write_text(docs.report("tab", title=_title("靖安县宝峰镇", 2020)), encoding="utf-8")
    (raw / "双溪镇 2020.txt").write_text(docs.report("pipe", title=_title("靖安县双溪镇", 2020)), encoding="utf-8")
    (raw / "宝峰镇 2022.txt").write_text(docs.report("stacked", title=_title("靖安县宝峰镇", 2022)), encoding="utf-8")
    (raw / "八景镇 2022.txt").write_bytes((SAMPLES / "000_8ae22ee27fc68654.txt").read_bytes())
    lake.ingest(root / "lake", [raw], parse=parse_report)
    path = root / "warehouse.duckdb"
    build_warehouse(root / "lake", path)
    return path


def gazetteer_townships(county: str) -> list[str]:
    with gzip.open(GAZETTEER_CSV, "rt", encoding="utf-8") as fh:
        g = pd.read_csv(fh, dtype=str)
    return list(g[(g["level"] == "township") & (g["county"] == county)]["name"])


def test_coverage_lists_reporting_and_missing_townships(warehouse):
    [(n_reports, n_townships, n_reporting, reporting, missing)] = rows(warehouse, """
        SELECT n_reports, n_townships, n_townships_reporting, reporting_townships, missing_townships
        FROM coverage WHERE county = '靖安县' AND year = 2020""")
    all_townships = gazetteer_townships("靖安县")
    assert n_reports == 2
    assert n_townships == len(all_townships)
    assert sorted(reporting) == ["双溪镇", "宝峰镇"] and n_reporting == 2
    assert sorted(missing) == sorted(set(all_townships) - {"宝峰镇", "双溪镇"})


def test_coverage_per_year(warehouse):
    got = rows(warehouse, "SELECT year, county, reporting_townships FROM coverage ORDER BY year, county")
    assert (2022, "靖安县", ["宝峰镇"]) in got
    assert (2022, "高安市", ["八景镇"]) in got


def test_two_counties_sum_into_their_prefecture_and_province(warehouse):
    # 2022: 高安市八景镇 (sample 000: 0 new applications) and 靖安县宝峰镇 (the test document: 4).
    got = rows(warehouse, """
        SELECT level, region_name, value, n_reports FROM region_year_indicators
        WHERE year = 2022 AND indicator = 'applications_new' AND level IN ('province', 'prefecture')
        ORDER BY level""")
    assert got == [("prefecture", "宜春市", 4, 2), ("province", "江西省", 4, 2)]
    codes = rows(warehouse, """SELECT DISTINCT region_code FROM region_year_indicators
                                WHERE year = 2022 AND level = 'prefecture'""")
    assert codes == [("360900",)]


def test_region_columns_in_every_indicator_model(warehouse):
    for table in ("reports", "report_indicators"):
        cols = {r[0] for r in rows(warehouse, "SELECT column_name FROM duckdb_columns() WHERE table_name = ?",
                                    [table])}
        assert {"province_code", "prefecture_code", "county_code", "township_code", "admin_level"} <= cols, table
    assert rows(warehouse, "SELECT count(*) FROM gazetteer WHERE level = 'county'") == [(2845,)]
