"""Crawled and Word-export rows the parser once read with wrong values (tests/test_generator.py's
KNOWN_PARSER_GAPS): each input is written by hand, and the expected cells are what it prints, or
null with an issue where the printed text allows more than one reading."""
from __future__ import annotations

import pytest

from pipeline.parse.cells import glued_row, line_to_row
from pipeline.parse.tables import read_table2, read_table3
from pipeline.parse.template import load_template

TEMPLATE = load_template()


def _rows(lines: list[str]) -> list:
    return [row for n, line in enumerate(lines) if (row := line_to_row(line, n + 1))]


def _table2(rows: list, item: str) -> list[tuple]:
    _, arow = read_table2(rows, TEMPLATE, 2019).rows[item]  # no header printed: the 2019 table 2
    return [(c.value, c.status) for c in arow.cells]


def _table3(lines: list[str]) -> dict[str, list[tuple]]:
    return {k: [(c.value, c.status) for c in row.cells] for k, row in read_table3(_rows(lines), TEMPLATE).rows.items()}


# --- glued (corpus 009/010): a negative 本年增/减 ---------------------------------------------

def test_a_glued_change_keeps_its_minus_sign():
    # 上一年项目数量 48, 本年增/减 -5, 处理决定数量 185, the page's spaces between the cells
    assert _table2([glued_row("行政许可48 -5 185", 1)], "licensing") == [(48, "ok"), (-5, "ok"), (185, "ok")]


def test_glued_digits_around_a_minus_sign_stay_open_when_they_allow_several_readings():
    # 48|-5|185, 48|-51|85, 4|8|-5185, or a placeholder "-" cell: nothing is decided
    assert _table2([glued_row("行政许可48-5185", 1)], "licensing") == [(None, "cell_ambiguous")] * 3


# --- nodes (corpus 011): one cell broken over text nodes --------------------------------------

def test_a_decimal_broken_over_nodes_is_joined_and_keeps_its_unit():
    _, arow = read_table2(_rows(["政府集中采购", "0", "57", "51.83万元"]), TEMPLATE, 2019).rows["procurement"]
    assert [(c.value, c.unit) for c in arow.cells] == [(0, None), (5751.83, "万元")]


def test_a_decimal_cut_after_its_point_digits_is_joined():
    # "0" then "4.8" / "9": 04.8|9 has a leading zero, so only 0|4.89 is left
    assert _table2(_rows(["政府集中采购", "0", "4.8", "9"]), "procurement") == [(0, "ok"), (4.89, "ok")]


def test_a_negative_node_starts_a_cell_but_does_not_settle_where_it_ends():
    # 20 | -5 | 269 or 20 | -526 | 9 or 20 | -52 | 69: only the first cell is certain
    assert _table2(_rows(["行政处罚", "20", "-5", "26", "9"]), "penalty") == [
        (20, "ok"), (None, "cell_ambiguous"), (None, "cell_ambiguous")]


@pytest.mark.parametrize("values", [["0", "0", "0", "0", "0", "3"], ["2"]])
def test_a_nodes_row_short_of_cells_places_none_of_its_numbers(values):
    # A crawled page drops the node of an empty cell: which column is empty cannot be told.
    cells = _table3(["(七)总计", *values, "四、结转下年度继续办理", "0", "0", "0", "0", "0", "0", "0"])
    assert cells["total_processed"] == [(None, "cell_ambiguous")] * 7
    assert cells["carried_forward"] == [(0, "ok")] * 7


# --- stacked (Word's text export): an empty cell is an empty line ----------------------------

def test_an_empty_cell_line_after_the_label_keeps_the_numbers_in_their_columns():
    lines = ["\t", "\t(七)总计", "", "\t0", "\t0", "\t0", "\t0", "\t0", "\t3", "",
             "\t四、结转下年度继续办理", "\t0", "\t0", "\t0", "\t0", "\t0", "\t0", "\t0", ""]
    cells = _table3(lines)
    assert cells["total_processed"] == [(None, "cell_blank"), *[(0, "ok")] * 5, (3, "ok")]
    assert cells["carried_forward"] == [(0, "ok")] * 7


def test_a_word_export_row_cut_short_keeps_its_first_cells_in_place():
    # Seed 000's (七)总计 prints six cells and no total: the six are the first six columns.
    lines = ["\t(七)总计", "\t1", "\t0", "\t0", "\t0", "\t0", "\t0", "", "\t四、结转下年度继续办理", "\t0"]
    assert _table3(lines)["total_processed"] == [(1, "ok"), *[(0, "ok")] * 5, (None, "cell_missing")]


def test_more_nodes_than_a_row_of_broken_cells_leaves_the_row_open():
    # 16.23 broken over three nodes: "1" / "6.2" / "3" for one cell; the first two are not the cell.
    lines = ["行政事业性收费", "1", "6.2", "3", "三、收到和处理政府信息公开申请情况"]
    _, arow = read_table2(_rows(lines), TEMPLATE, 2021).rows["fees"]  # the 2021 row: one cell, 本年收费金额
    assert [(c.value, c.status) for c in arow.cells] == [(None, "cell_ambiguous")]
