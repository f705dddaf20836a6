"""`ogi export`: a region and years -> Excel, CSV, Parquet and an HTML page, read from the models.

The warehouse is built by `ogi run` from the bundled samples plus tests/fixtures/multiyear
(靖安县, 2021 and 2022). The figures asserted are read from the documents, every applicant a
natural person (see tests/test_fair_comparison.py):

    body                 2021: new, granted      2022: new, granted
    靖安县人民政府        12, 8                    15, 9
    靖安县宝峰镇           3, 3                     1, 0
    靖安县双溪镇           2, 1                     4, 2
    靖安县水口乡           5, 5                     -  (did not report)
    靖安县生态环境局       -  (did not report)      6, 4
    高安市八景镇 (sample 000): 2022, 0 new applications

So 靖安县 received 22 new applications in 2021 and 26 in 2022 (all bodies), and the three bodies
that reported in both years 17, then 20: a change of +3 on the same bodies, +4 on all bodies.
"""
from __future__ import annotations

import argparse
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from conftest import FIXTURES, REPO, SAMPLES, rows
from pipeline.export import ExportEmptyError, ExportError, export, select
from pipeline.export import cli as export_cli
from pipeline.store.models import parse_header

YEARS = (2020, 2022)


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    from pipeline.cli import main

    root = tmp_path_factory.mktemp("export_root")
    shutil.copytree(SAMPLES, root / "data" / "samples")
    shutil.copytree(FIXTURES / "multiyear", root / "data" / "raw")
    assert main(["run", "--root", str(root), "--wait", "600"]) == 0
    return root


@pytest.fixture(scope="module")
def db(project) -> Path:
    return project / "data" / "warehouse.duckdb"


@pytest.fixture(scope="module")
def prefecture(db, tmp_path_factory) -> dict[str, Path]:
    """宜春市 2020-2022 in every format: its counties as rows."""
    out = tmp_path_factory.mktemp("exports")
    return {p.suffix.lstrip("."): p for p in export(db, "宜春市", *YEARS, out)}


@pytest.fixture(scope="module")
def county(db, tmp_path_factory) -> dict[str, Path]:
    """靖安县 2021-2022: its bodies as rows."""
    out = tmp_path_factory.mktemp("exports_county")
    return {p.suffix.lstrip("."): p for p in export(db, "360925", 2021, 2022, out, ("xlsx", "csv"))}


def sheet_cells(ws) -> dict[tuple[str, str], dict[str, object]]:
    """{(row name, "indicator|heading"): cell} of a group sheet: indicator names are merged over
    their columns in the first header row, years and changes under them in the second."""
    headers, current = [], ""
    for top, sub in zip(ws[1], ws[2]):
        current = top.value if top.value is not None and sub.value is not None and top.column > 3 else current
        headers.append(f"{current}|{sub.value}" if top.column > 3 else str(top.value))
    out = {}
    for row in ws.iter_rows(min_row=3):
        name = row[2].value
        for header, cell in zip(headers, row):
            out[(name, header)] = cell
    return out


def test_excel_cells_a_person_reads_in_the_reports(prefecture):
    from openpyxl import load_workbook

    wb = load_workbook(prefecture["xlsx"])
    ws = wb["依申请 Applications"]
    cells = sheet_cells(ws)
    assert cells[("靖安县", "applications_new|2021")].value == 22
    assert cells[("靖安县", "applications_new|2022")].value == 26
    assert cells[("靖安县", "applications_new|change 2021-2022")].value == 3       # 20 - 17, same bodies
    assert cells[("靖安县", "applications_new|bodies in both 2021-2022")].value == 3
    assert cells[("靖安县", "applications_new|change all bodies 2021-2022")].value == 4
    assert cells[("高安市", "applications_new|2022")].value == 0
    assert cells[("高安市", "applications_new|2021")].value is None               # no report: blank, not 0
    assert cells[("宜春市", "applications_new|2022")].value == 26                  # the whole prefecture
    assert ws.freeze_panes == "D3"                                                 # headers and names stay
    assert cells[("靖安县", "applications_new|2022")].number_format == "#,##0"
    shares = sheet_cells(wb["办理结果 Outcome shares"])
    granted = shares[("靖安县", "share_granted|2022")]                              # (9 + 0 + 2 + 4) / 26
    assert granted.value == pytest.approx(15 / 26) and granted.number_format == "0.0%"


def test_excel_rows_of_a_county_are_its_bodies(county):
    from openpyxl import load_workbook

    cells = sheet_cells(load_workbook(county["xlsx"])["依申请 Applications"])
    assert cells[("靖安县宝峰镇", "applications_new|2021")].value == 3
    assert cells[("靖安县宝峰镇", "applications_new|2022")].value == 1
    assert cells[("靖安县水口乡", "applications_new|2022")].value is None
    assert cells[("靖安县生态环境局", "applications_new|2022")].value == 6
    assert cells[("靖安县人民政府", "granted|2021")].value == 8


def test_definitions_come_from_the_models_headers(prefecture):
    from openpyxl import load_workbook

    ws = load_workbook(prefecture["xlsx"])["Definitions"]
    meaning = {r[0]: r[3] for r in ws.iter_rows(values_only=True) if r and r[0] and len(r) > 3 and r[3]}
    _, documented = parse_header((REPO / "sql" / "report_indicators.sql").read_text(encoding="utf-8"))
    assert meaning["applications_new"] == documented["applications_new"]
    assert meaning["share_granted"] == documented["share_granted"]


def test_the_quality_issues_sheet_holds_the_issues_of_the_reports_selected(prefecture, db):
    from openpyxl import load_workbook

    ws = load_workbook(prefecture["xlsx"])["Quality issues"]
    got = list(ws.iter_rows(values_only=True))
    head = list(got[0])
    found = sorted((r[head.index("report_id")], r[head.index("code")]) for r in got[1:])
    expected = sorted(rows(db, """SELECT q.report_id, q.code FROM quality_issues AS q
                                  JOIN report_indicators AS r USING (report_id)
                                  WHERE r.prefecture_code = '360900' AND r.year BETWEEN 2020 AND 2022"""))
    assert found == expected and expected


def test_csv_reads_back_with_the_same_figures(prefecture, county):
    raw = prefecture["csv"].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")                                          # UTF-8 BOM for Excel
    df = pd.read_csv(prefecture["csv"], encoding="utf-8-sig", dtype={"code": str})
    jingan = df[df["name"] == "靖安县"].iloc[0]
    assert jingan["applications_new 2022"] == 26 and jingan["applications_new change 2021-2022"] == 3
    assert jingan["code"] == "360925"
    line = next(x for x in raw.decode("utf-8-sig").splitlines() if ",靖安县," in x)
    assert ",26," in line and "26.0" not in line                                     # counts print as integers
    bodies = pd.read_csv(county["csv"], encoding="utf-8-sig", dtype={"code": str})
    assert bodies.set_index("name").loc["靖安县宝峰镇", "applications_new 2022"] == 1


def test_parquet_holds_the_same_table(prefecture):
    df = pd.read_parquet(prefecture["parquet"])
    jingan = df[df["name"] == "靖安县"].iloc[0]
    assert jingan["applications_new 2021"] == 22 and str(df["applications_new 2021"].dtype) == "Int64"


def test_every_figure_is_the_models_own(db):
    """The flat table only reshapes: each year cell is region_year_indicators' value and each
    change cell yearly_comparison's, for every region row and indicator."""
    from pipeline.export.layout import flat

    sel = select(db, "宜春市", *YEARS)
    table = flat(sel).set_index("code")
    regions = sel.units.loc[sel.units["row"] != "body", "code"].tolist()
    values = rows(db, f"""SELECT region_code, indicator, year, value FROM region_year_indicators
                          WHERE region_code IN ({','.join('?' * len(regions))}) AND year BETWEEN 2020 AND 2022""",
                  regions)
    changes = rows(db, f"""SELECT key, indicator, previous_year, year, change FROM yearly_comparison
                           WHERE scope <> 'body' AND key IN ({','.join('?' * len(regions))})
                             AND previous_year >= 2020 AND year <= 2022""", regions)
    assert values and changes
    for code, ind, year, value in values:
        got = table.loc[code, f"{ind} {year}"]
        assert (pd.isna(got) and value is None) or got == pytest.approx(value), (code, ind, year)
    for code, ind, a, b, change in changes:
        got = table.loc[code, f"{ind} change {a}-{b}"]
        assert (pd.isna(got) and change is None) or got == pytest.approx(change), (code, ind, a, b)


def test_html_page_is_self_contained_and_names_the_region(prefecture):
    text = prefecture["html"].read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]*\bsrc\s*=", text)                             # every script inline
    assert not re.search(r"<link[^>]*\bhref\s*=\s*[\"']?https?:", text)
    assert "宜春市" in text and "靖安县" in text
    assert text.count("vegaEmbed('#chart") == 3                                      # trends, outcome mix, ranking
    assert "WenQuanYi Micro Hei" in text and "Noto Sans CJK SC" in text             # CJK fonts named


def test_an_empty_selection_is_an_error_and_writes_nothing(db, tmp_path):
    with pytest.raises(ExportEmptyError, match="no reports for 宜春市 in 2030-2031"):
        export(db, "宜春市", 2030, 2031, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_shared_name_asks_for_the_code(db):
    with pytest.raises(ExportError, match="360925101.*500118110"):
        select(db, "宝峰镇")


def test_the_command(project, capsys):
    parser = argparse.ArgumentParser(prog="ogi")
    export_cli.register(parser.add_subparsers(dest="command", required=True))

    def run(*argv: str) -> int:
        args = parser.parse_args(["export", *argv])
        return args.func(args)

    out = project / "cmd"
    assert run("宜春市", "--years", "2030-2031", "--root", str(project), "--out", str(out)) == 1
    assert capsys.readouterr().err == "ogi: export: no reports for 宜春市 in 2030-2031\n"
    assert not out.exists()
    assert run("360925", "--years", "2022", "--format", "csv", "--root", str(project), "--out", str(out)) == 0
    assert [p.name for p in out.iterdir()] == ["360925_靖安县_2022.csv"]
    assert run("360925", "--rank", "no_such_indicator", "--root", str(project), "--out", str(out)) == 1
    assert "no indicator 'no_such_indicator'" in capsys.readouterr().err
    for wrong in (["宜春市", "--years", "2022-2020"], ["宜春市", "--format", "pdf"], ["宜春市", "--rows", "towns"]):
        with pytest.raises(SystemExit):
            parser.parse_args(["export", *wrong])


def test_the_nightly_asset_writes_data_exports(project):
    from dagster import materialize

    from assets.exports import exports
    from assets.run import settings_for

    # 2023 (官坡镇, sample 004) is the last year with reports: the last two are 2022-2023
    config = {"regions": ["宜春市", "甘肃省"], "last_years": 2}
    result = materialize([exports], resources={"ogi": settings_for(project)},
                         run_config={"ops": {"exports": {"config": config}}})
    assert result.success
    names = sorted(p.name for p in (project / "data" / "exports").iterdir())
    assert names == sorted(f"{stem}.{ext}" for stem in ("360900_宜春市_2022-2023", "620000_甘肃省_2022-2023")
                           for ext in ("xlsx", "csv", "parquet", "html"))


def test_the_problems_sheet_is_theme_counts_of_the_region(prefecture, db):
    from openpyxl import load_workbook

    ws = load_workbook(prefecture["xlsx"])["问题与措施 Problems named"]
    got = [r for r in ws.iter_rows(min_row=2, values_only=True)]
    # seed 000 (高安市八景镇, a township of 宜春市, 2022) names first 政务公开专干"不专": a staffing problem
    assert any(r[:4] == (2022, "township", "problem", "staffing") and r[4] >= 1 for r in got)
    # and every row is the model's own
    want = rows(db, """SELECT year, admin_level, kind, theme, n_reports, n_statements FROM theme_counts
                       WHERE level = 'prefecture' AND region_name = '宜春市' AND year BETWEEN 2020 AND 2022""")
    assert sorted(got) == sorted(want)
