"""yearly_comparison compares like with like: the bodies that reported in both years, with the
bodies that came or went counted apart, and the run's summary says so.

The figures are read from tests/fixtures/multiyear (靖安县, 2021 and 2022; written in sample 004's
layout), every applicant a natural person:

    body                 2021: new, granted (of processed = new)   2022: new, granted
    靖安县人民政府        12, 8                                     15, 9
    靖安县宝峰镇           3, 3                                      1, 0
    靖安县双溪镇           2, 1                                      4, 2
    靖安县水口乡           5, 5                                      -  (did not report)
    靖安县生态环境局       -  (did not report)                        6, 4
"""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import FIXTURES, SAMPLES, one, rows
from pipeline.parse import parse_report
from pipeline.store import lake
from pipeline.store.summary import yearly_comparison_text
from pipeline.store.warehouse import build_warehouse

COLUMNS = """n_bodies, previous_value, value, change, n_bodies_in_both_years, n_bodies_entered, entered_value,
             n_bodies_dropped, dropped_value, all_bodies_previous_value, all_bodies_value, all_bodies_change,
             all_bodies_previous_n_reports, all_bodies_n_reports"""


def _build(root: Path, raw: Path) -> Path:
    lake.ingest(root / "lake", [raw], parse=parse_report)
    build_warehouse(root / "lake", root / "warehouse.duckdb")
    return root / "warehouse.duckdb"


@pytest.fixture(scope="module")
def multiyear(tmp_path_factory) -> Path:
    return _build(tmp_path_factory.mktemp("multiyear"), FIXTURES / "multiyear")


@pytest.fixture(scope="module")
def samples(tmp_path_factory) -> Path:
    return _build(tmp_path_factory.mktemp("samples"), SAMPLES)


def compared(db: Path, scope: str, name: str, indicator: str) -> tuple:
    return one(db, f"""SELECT previous_year, year, {COLUMNS} FROM yearly_comparison
                       WHERE scope = ? AND name = ? AND indicator = ?""", [scope, name, indicator])


def test_a_county_compares_the_bodies_that_reported_in_both_years(multiyear):
    got = compared(multiyear, "county", "靖安县", "applications_new")
    assert got == (
        2021, 2022,
        3,         # the county government, 宝峰镇, 双溪镇
        17, 20,    # 12 + 3 + 2, then 15 + 1 + 4
        3,
        3,
        1, 6,      # 生态环境局 came in 2022 with 6
        1, 5,      # 水口乡 reported 5 in 2021 and nothing in 2022
        22, 26,    # every body that reported: 17 + 5, then 20 + 6
        4,
        4, 4,
    )


def test_a_share_is_pooled_over_the_same_bodies(multiyear):
    got = compared(multiyear, "county", "靖安县", "share_granted")
    n_bodies, previous, value, change, _, _, entered, _, dropped, all_previous, all_value = got[2:13]
    assert n_bodies == 3
    assert previous == pytest.approx((8 + 3 + 1) / (12 + 3 + 2))
    assert value == pytest.approx((9 + 0 + 2) / (15 + 1 + 4))
    assert change == pytest.approx(11 / 20 - 12 / 17)
    assert entered == pytest.approx(4 / 6)
    assert dropped == 1.0  # 水口乡 granted 5 of 5
    assert all_previous == pytest.approx((8 + 3 + 1 + 5) / (12 + 3 + 2 + 5))
    assert all_value == pytest.approx((9 + 0 + 2 + 4) / (15 + 1 + 4 + 6))


def test_every_level_above_the_county_holds_the_same_bodies(multiyear):
    county = compared(multiyear, "county", "靖安县", "applications_new")
    assert compared(multiyear, "prefecture", "宜春市", "applications_new") == county
    assert compared(multiyear, "province", "江西省", "applications_new") == county
    # a township is its own government: one body, 3 then 1
    assert compared(multiyear, "township", "宝峰镇", "applications_new")[2:6] == (1, 3, 1, -2)


def test_a_body_is_compared_with_itself(multiyear):
    got = compared(multiyear, "body", "靖安县人民政府", "applications_new")
    assert got == (2021, 2022, 1, 12, 15, 3, 1, 0, None, 0, None, 12, 15, 3, 1, 1)
    # a body that reported once has nothing to compare
    assert rows(multiyear, "SELECT * FROM yearly_comparison WHERE name IN ('靖安县水口乡', '靖安县生态环境局')") == []


def test_bodies_without_the_figure_in_both_years_are_not_in_the_comparison(multiyear):
    # no report of the fixture states a proactive-disclosure total in its prose
    got = compared(multiyear, "county", "靖安县", "proactive_items_prose")
    assert got[2:7] == (0, None, None, None, 3)
    assert got[11:] == (None, None, None, 0, 0)


def test_different_bodies_are_not_compared_on_the_samples(samples):
    # 宜春市 has 靖安县宝峰镇 in 2020 (003: 1 new application) and 高安市八景镇 in 2022 (000: none)
    got = compared(samples, "prefecture", "宜春市", "applications_new")
    assert got == (2020, 2022, 0, None, None, None, 0, 1, 0, 1, 1, 1, 0, -1, 1, 1)
    text = yearly_comparison_text(samples)
    assert "Not compared" in text
    assert "prefecture 宜春市 (360900) 2020→2022: 1 body reported in 2020 only, 1 body in 2022 only" in text
    assert "province 江西省 (360000) 2020→2022: 1 body reported in 2020 only, 1 body in 2022 only" in text


def test_the_summary_shows_the_fair_figures_and_the_bodies_behind_them(multiyear):
    lines = yearly_comparison_text(multiyear).splitlines()
    assert lines[0].startswith("Like with like")
    header = next(line for line in lines if line.startswith("scope"))
    assert header.split() == ["scope", "name", "key", "indicator", "years", "bodies", "previous_value",
                              "value", "change", "entered", "dropped"]
    county = [line for line in lines if line.startswith("county ")]
    assert "county 靖安县 360925 applications_new 2021→2022 3 17 20 +3 1 (6) 1 (5)" in \
        [" ".join(line.split()) for line in county]
    assert "county 靖安县 360925 share_granted 2021→2022 3 70.6% 55.0% -15.6 pt 1 (66.7%) 1 (100.0%)" in \
        [" ".join(line.split()) for line in county]
    assert not any(line.startswith("Not compared") for line in lines)
