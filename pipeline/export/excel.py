"""Selection -> an .xlsx workbook (XlsxWriter): one sheet per indicator group with frozen headers
and number formats, a sheet of definitions and one of the quality issues behind the figures."""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from . import layout as lay
from .selection import BODY, TOTAL, Selection
from .files import write_file

# Excel number formats per column format (see layout.Column.fmt)
NUMBER_FORMATS = {
    "count": "#,##0",
    "count_change": "+#,##0;-#,##0;0",
    "share": "0.0%",
    "share_change": "+0.0%;-0.0%;0.0%",  # fraction points, shown as percentage points
    "ratio": "+0.0%;-0.0%;0.0%",
    "int": "0",
}
HEADER_ROWS = 2  # indicator, then year or change under it
ROW_HELP = {
    TOTAL: "the whole region: every report of a body inside it",
    BODY: "one reporting body (a government or a department), its own report",
}
_BAD_SHEET_CHARS = str.maketrans({c: " " for c in "[]:*?/\\"})


def sheet_name(title: str, taken: set[str]) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\, unique ignoring case."""
    base = title.translate(_BAD_SHEET_CHARS).strip()[:31] or "Sheet"
    name, n = base, 2
    while name.lower() in taken:
        name = f"{base[:31 - len(str(n)) - 1]} {n}"
        n += 1
    taken.add(name.lower())
    return name


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        import pandas as pd

        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _write(ws: Any, row: int, col: int, value: Any, fmt: Any) -> None:
    if _missing(value):
        ws.write_blank(row, col, None, fmt)
    elif isinstance(value, bool) or type(value).__name__ == "bool_":
        ws.write_boolean(row, col, bool(value), fmt)
    elif isinstance(value, (int, float)) or hasattr(value, "item"):
        number = float(value)
        if math.isfinite(number):
            ws.write_number(row, col, number, fmt)
        else:
            ws.write_string(row, col, str(value), fmt)
    else:
        ws.write_string(row, col, str(value), fmt)


def write_xlsx(sel: Selection, dest: Path) -> Path:
    """Write the workbook of `sel` to `dest` atomically; returns `dest`."""
    def write(tmp: Path) -> None:
        import xlsxwriter

        # text from reports is data: never a formula, a URL or a number
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False,
                                            "strings_to_numbers": False})
        try:
            _fill(wb, sel)
        finally:
            wb.close()

    return write_file(dest, write)


def _fill(wb: Any, sel: Selection) -> None:
    head = wb.add_format({"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#DDE5F0", "border": 1})
    head_center = wb.add_format({"bold": True, "align": "center", "valign": "top", "bg_color": "#DDE5F0",
                                 "border": 1, "text_wrap": True})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    bold = wb.add_format({"bold": True})
    title_fmt = wb.add_format({"bold": True, "font_size": 14})
    formats = {(k, total): wb.add_format({"num_format": v, "bold": total})
               for k, v in NUMBER_FORMATS.items() for total in (False, True)}
    text = {total: wb.add_format({"bold": total}) for total in (False, True)}
    taken: set[str] = set()

    for group, names in sel.indicators():
        frame, cols = lay.wide(sel, names)
        ws = wb.add_worksheet(sheet_name(group.title, taken))
        for j, col in enumerate(cols[:len(lay.UNIT_COLUMNS)]):
            ws.merge_range(0, j, HEADER_ROWS - 1, j, col.heading, head)
        j = len(lay.UNIT_COLUMNS)
        while j < len(cols):  # the indicator over all its columns
            k = j
            while k + 1 < len(cols) and cols[k + 1].indicator == cols[j].indicator:
                k += 1
            if k > j:
                ws.merge_range(0, j, 0, k, cols[j].indicator, head_center)
            else:
                ws.write_string(0, j, cols[j].indicator, head_center)
            j = k + 1
        for j, col in enumerate(cols[len(lay.UNIT_COLUMNS):], start=len(lay.UNIT_COLUMNS)):
            ws.write_string(1, j, col.heading, head)
        for i, row in enumerate(frame.itertuples(index=False, name=None), start=HEADER_ROWS):
            total = row[0] == TOTAL
            for j, (col, value) in enumerate(zip(cols, row)):
                _write(ws, i, j, value, text[total] if col.fmt == "text" else formats[(col.fmt, total)])
        ws.freeze_panes(HEADER_ROWS, len(lay.UNIT_COLUMNS))
        ws.autofilter(HEADER_ROWS - 1, 0, HEADER_ROWS - 1 + len(frame), len(cols) - 1)
        ws.set_column(0, 0, 10)
        ws.set_column(1, 1, 16)
        ws.set_column(2, 2, 22)
        ws.set_column(len(lay.UNIT_COLUMNS), len(cols) - 1, 12)
        ws.set_row(1, 30)

    if sel.themes is not None:
        _table(wb.add_worksheet(sheet_name("问题与措施 Problems named", taken)), sel.themes, head,
               "no statements of section 五 in the reports of this selection")
    _definitions(wb.add_worksheet(sheet_name("Definitions", taken)), sel, head, wrap, bold, title_fmt)
    _issues(wb.add_worksheet(sheet_name("Quality issues", taken)), sel, head)


def _definitions(ws: Any, sel: Selection, head: Any, wrap: Any, bold: Any, title_fmt: Any) -> None:
    """What each sheet's rows, columns and indicators mean, from the warehouse's column comments."""
    m = sel.meanings
    ws.write_string(0, 0, sel.title, title_fmt)
    ws.write_string(1, 0, f"{sel.region.within}{sel.region.name} ({sel.region.level} {sel.region.code}), "
                          f"reports of {sel.span}; warehouse built {sel.built_at or 'unknown'}")
    ws.write_string(2, 0, "Every figure is read from the warehouse's SQL models; the export computes none.")
    r = 4
    ws.write_row(r, 0, ["column", "from", "", "meaning"], head)  # meanings in one column in both tables
    rows = [
        ("row", "", "; ".join([f"{TOTAL}: {ROW_HELP[TOTAL]}", "a level name (county, township, ...): a region one "
                               "level down, every report of a body inside it", f"{BODY}: {ROW_HELP[BODY]}"])),
        ("code", "", "region code (6 digits; 9 for a township), or the body's body_key: "
                     + m.get("report_indicators.body_key", "")),
        ("name", "", "region name (gazetteer), or the body's name as printed in its latest report"),
        ("<year>", "region_year_indicators.value", m.get("region_year_indicators.value", "")),
        ("<year> (body rows)", "report_indicator_values.value", m.get("report_indicator_values.value", "")),
    ]
    for c, (prefix, _, _) in lay.CHANGE_HEADINGS.items():
        if c in sel.changes.columns:
            rows.append((f"{prefix} <year>-<year>", f"yearly_comparison.{c}", m.get(f"yearly_comparison.{c}", "")))
    for name, source, meaning in rows:
        r += 1
        ws.write_row(r, 0, [name, source, "", meaning], wrap)
    r += 2
    ws.write_row(r, 0, ["indicator", "sheet", "kind", "meaning"], head)
    for group, names in sel.indicators():
        for ind in names:
            r += 1
            ws.write_row(r, 0, [ind, group.title, sel.kinds.get(ind, ""), m.get(ind, "")], wrap)
    ws.set_column(0, 0, 32)
    ws.set_column(1, 1, 30)
    ws.set_column(2, 2, 10)
    ws.set_column(3, 3, 90)


def _table(ws: Any, frame: Any, head: Any, empty: str, widths: dict[str, int] | None = None) -> None:
    """A model's rows as they are: a header row, frozen, with a filter."""
    if frame.empty:
        ws.write_string(0, 0, empty)
        return
    ws.write_row(0, 0, list(frame.columns), head)
    for i, row in enumerate(frame.itertuples(index=False, name=None), start=1):
        for j, value in enumerate(row):
            _write(ws, i, j, value, None)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, len(frame), len(frame.columns) - 1)
    for j, name in enumerate(frame.columns):
        ws.set_column(j, j, (widths or {}).get(name, 14))


def _issues(ws: Any, sel: Selection, head: Any) -> None:
    _table(ws, sel.issues, head, "no quality issues for the reports in this selection",
           {"detail": 80, "org": 20, "report_id": 18, "related_report_id": 18, "field": 24})
