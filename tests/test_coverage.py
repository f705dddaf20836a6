"""Regions in the warehouse: roll-ups by code, and coverage (who was expected to report, who did) at every level."""
from __future__ import annotations

import gzip
from pathlib import Path

import pandas as pd
import pytest

import docs
from conftest import FIXTURES, SAMPLES, one, rows
from pipeline.parse import parse_report
from pipeline.store import lake
from pipeline.store.warehouse import GAZETTEER_CSV, build_warehouse

MULTIYEAR = FIXTURES / "multiyear"


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


@pytest.fixture(scope="module")
def multiyear(tmp_path_factory) -> Path:
    """tests/fixtures/multiyear: 靖安县's government, 宝峰镇 and 双溪镇 in 2021 and 2022, 水口乡 in 2021
    only, the county's 生态环境局 in 2022 only."""
    root = tmp_path_factory.mktemp("multiyear")
    lake.ingest(root / "lake", [MULTIYEAR], parse=parse_report)
    build_warehouse(root / "lake", root / "warehouse.duckdb")
    return root / "warehouse.duckdb"


@pytest.fixture(scope="module")
def samples(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("samples")
    lake.ingest(root / "lake", [SAMPLES], parse=parse_report)
    build_warehouse(root / "lake", root / "warehouse.duckdb")
    return root / "warehouse.duckdb"


def gazetteer(**where: str) -> pd.DataFrame:
    with gzip.open(GAZETTEER_CSV, "rt", encoding="utf-8") as fh:
        g = pd.read_csv(fh, dtype=str)
    for col, value in where.items():
        g = g[g[col] == value]
    return g


def gazetteer_townships(county: str) -> list[str]:
    return list(gazetteer(level="township", county=county)["name"])


def coverage(db: Path, year: int, region: str, body_level: str) -> tuple:
    return one(db, """SELECT n_expected, n_reporting, n_missing, reporting, missing FROM coverage
                      WHERE year = ? AND region_name = ? AND body_level = ?""", [year, region, body_level])


def test_coverage_lists_reporting_and_missing_townships(warehouse):
    n_reports = one(warehouse, """SELECT DISTINCT n_reports FROM coverage
                                  WHERE level = 'county' AND region_name = '靖安县' AND year = 2020""")
    n_expected, n_reporting, n_missing, reporting, missing = coverage(warehouse, 2020, "靖安县", "township")
    all_townships = gazetteer_townships("靖安县")
    assert n_reports == 2
    assert n_expected == len(all_townships) and n_missing == len(all_townships) - 2
    assert sorted(reporting) == ["双溪镇", "宝峰镇"] and n_reporting == 2
    assert sorted(missing) == sorted(set(all_townships) - {"宝峰镇", "双溪镇"})


def test_coverage_per_year(warehouse):
    got = rows(warehouse, """SELECT year, region_name, reporting FROM coverage
                             WHERE level = 'county' AND body_level = 'township' ORDER BY year, region_name""")
    assert (2022, "靖安县", ["宝峰镇"]) in got
    assert (2022, "高安市", ["八景镇"]) in got


def test_townships_of_a_prefecture_that_did_not_report_on_the_samples(samples):
    # the samples hold one 宜春市 township for 2022: 高安市八景镇 (000); 003 is 宝峰镇's 2020 report
    n_townships = len(gazetteer(level="township", prefecture="宜春市"))
    assert n_townships == 186
    n_expected, n_reporting, n_missing, reporting, missing = coverage(samples, 2022, "宜春市", "township")
    assert (n_expected, n_reporting, n_missing, reporting) == (186, 1, 185, ["高安市八景镇"])
    assert "靖安县宝峰镇" in missing and "高安市八景镇" not in missing
    # the same answer, body by body
    names = rows(samples, """SELECT county || name FROM body_coverage WHERE year = 2022 AND prefecture = '宜春市'
                             AND body_level = 'township' AND NOT reported""")
    assert len(names) == 185 and sorted(n for (n,) in names) == sorted(missing)


def test_coverage_of_the_county_in_the_fixture(multiyear):
    townships = gazetteer_townships("靖安县")
    assert len(townships) == 11
    assert coverage(multiyear, 2021, "靖安县", "township")[:4] == (11, 3, 8, ["双溪镇", "宝峰镇", "水口乡"])
    n_expected, n_reporting, n_missing, reporting, missing = coverage(multiyear, 2022, "靖安县", "township")
    assert (n_expected, n_reporting, n_missing, reporting) == (11, 2, 9, ["双溪镇", "宝峰镇"])
    assert "水口乡" in missing and sorted(missing) == sorted(set(townships) - {"宝峰镇", "双溪镇"})
    # the county's own government reported both years
    assert coverage(multiyear, 2021, "靖安县", "county") == (1, 1, 0, ["靖安县"], [])
    assert coverage(multiyear, 2022, "靖安县", "county") == (1, 1, 0, ["靖安县"], [])
    # 生态环境局 reported in 2022 only: a department seen once is expected in the other years
    assert coverage(multiyear, 2021, "靖安县", "department") == (1, 0, 1, [], ["生态环境局"])
    assert coverage(multiyear, 2022, "靖安县", "department") == (1, 1, 0, ["生态环境局"], [])


def test_coverage_of_the_prefecture_in_the_fixture(multiyear):
    counties = gazetteer(level="county", prefecture="宜春市")
    assert len(counties) == 10
    n_expected, n_reporting, n_missing, reporting, missing = coverage(multiyear, 2022, "宜春市", "county")
    assert (n_expected, n_reporting, n_missing, reporting) == (10, 1, 9, ["靖安县"])
    assert sorted(missing) == sorted(set(counties["name"]) - {"靖安县"})
    # townships named under the prefecture carry their county, so the list is unambiguous
    assert coverage(multiyear, 2021, "宜春市", "township")[:4] == (
        186, 3, 183, ["靖安县双溪镇", "靖安县宝峰镇", "靖安县水口乡"])
    assert coverage(multiyear, 2022, "宜春市", "township")[:4] == (186, 2, 184, ["靖安县双溪镇", "靖安县宝峰镇"])
    assert coverage(multiyear, 2022, "宜春市", "prefecture") == (1, 0, 1, [], ["宜春市"])
    assert coverage(multiyear, 2021, "宜春市", "department") == (1, 0, 1, [], ["靖安县生态环境局"])
    # every report of the year is inside the prefecture; regions without reports are not listed
    assert rows(multiyear, """SELECT DISTINCT year, n_reports FROM coverage WHERE level = 'prefecture'
                              ORDER BY year""") == [(2021, 4), (2022, 4)]
    assert one(multiyear, "SELECT count(DISTINCT region_code) FROM coverage WHERE level = 'prefecture'") == 1


def test_body_coverage_says_who_reported_each_year(multiyear):
    got = rows(multiyear, """SELECT year, name, body_level, reported, org, n_years_reported FROM body_coverage
                             WHERE county = '靖安县' AND (reported OR n_years_reported > 0)
                             ORDER BY body_key, year""")  # '|' of a department key sorts after digits
    assert got == [
        (2021, "靖安县", "county", True, "靖安县人民政府", 2),
        (2022, "靖安县", "county", True, "靖安县人民政府", 2),
        (2021, "双溪镇", "township", True, "靖安县双溪镇", 2),
        (2022, "双溪镇", "township", True, "靖安县双溪镇", 2),
        (2021, "宝峰镇", "township", True, "靖安县宝峰镇", 2),
        (2022, "宝峰镇", "township", True, "靖安县宝峰镇", 2),
        (2021, "水口乡", "township", True, "靖安县水口乡", 1),
        (2022, "水口乡", "township", False, None, 1),
        (2021, "生态环境局", "department", False, None, 1),
        (2022, "生态环境局", "department", True, "靖安县生态环境局", 1),
    ]
    # every government of a province the warehouse has reports of is expected each such year:
    # here 江西省 (code 36...), in 2021 and 2022, and no body of another province
    g = gazetteer()
    jiangxi = int((g["province_code"] == "360000").sum())
    assert one(multiyear, "SELECT count(*) FROM body_coverage WHERE body_level <> 'department'") == 2 * jiangxi
    assert one(multiyear, "SELECT count(DISTINCT province_code) FROM body_coverage") == 1


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
