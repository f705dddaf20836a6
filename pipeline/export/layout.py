"""The wide tables a person reads: one row per export row, per indicator its value in each year
and its change between reporting years. A reshape of the Selection's long frames (pivots and
reindexing only), shared by the Excel, CSV/Parquet and HTML writers so that all show the same
columns with the same names and formats."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .selection import Selection

if TYPE_CHECKING:
    import pandas as pd

UNIT_COLUMNS = ("row", "code", "name")


@dataclass(frozen=True)
class Column:
    name: str       # flat name (CSV, Parquet): "applications_new 2022", "applications_new change 2021-2022"
    indicator: str  # "" for the row columns
    heading: str    # the column under its indicator: "2022", "change 2021-2022"
    fmt: str        # text, count, share, count_change, share_change, ratio, int
    source: str     # model.column the cells come from, for the definitions


# per yearly_comparison column: heading prefix, and the format for a count / a share indicator
CHANGE_HEADINGS = {
    "change": ("change", "count_change", "share_change"),
    "change_ratio": ("change %", "ratio", None),  # a relative change of a share is not shown
    "n_bodies": ("bodies in both", "int", "int"),
    "all_bodies_change": ("change all bodies", "count_change", "share_change"),
}


def columns(sel: Selection, indicators: list[str]) -> list[Column]:
    cols = [Column(c, "", c, "text", "") for c in UNIT_COLUMNS]
    present = [c for c in CHANGE_HEADINGS if c in sel.changes.columns]
    for ind in indicators:
        share = sel.kinds.get(ind) == "share"
        for y in sel.years:
            cols.append(Column(f"{ind} {y}", ind, str(y), "share" if share else "count",
                               "region_year_indicators.value / report_indicator_values.value"))
        for a, b in sel.pairs:
            for c in present:
                prefix, count_fmt, share_fmt = CHANGE_HEADINGS[c]
                fmt = share_fmt if share else count_fmt
                if fmt is not None:
                    cols.append(Column(f"{ind} {prefix} {a}-{b}", ind, f"{prefix} {a}-{b}", fmt,
                                       f"yearly_comparison.{c}"))
    return cols


def wide(sel: Selection, indicators: list[str], *, typed: bool = False) -> tuple[pd.DataFrame, list[Column]]:
    """The table of `indicators`, one row per unit, and its columns. With `typed`, a column of
    counts whose cells are all whole numbers is Int64 (CSV prints 6, not 6.0)."""
    import pandas as pd

    cols = columns(sel, indicators)
    # every cell as (unit, column name, value), then one pivot: no per-column lookups
    vals = sel.values[sel.values["indicator"].isin(indicators)]
    cells = [pd.DataFrame({"unit": vals["unit"],
                           "column": vals["indicator"] + " " + vals["year"].astype(int).astype(str),
                           "value": vals["value"].astype(float)})]
    chg = sel.changes[sel.changes["indicator"].isin(indicators)]
    for metric, (prefix, _, _) in CHANGE_HEADINGS.items():
        if metric in chg.columns:
            cells.append(pd.DataFrame({
                "unit": chg["unit"],
                "column": (chg["indicator"] + f" {prefix} " + chg["previous_year"].astype(int).astype(str)
                           + "-" + chg["year"].astype(int).astype(str)),
                "value": chg[metric].astype(float)}))
    long = pd.concat(cells, ignore_index=True)
    data_names = [c.name for c in cols[len(UNIT_COLUMNS):]]
    grid = long.pivot(index="unit", columns="column", values="value").reindex(
        index=sel.units["unit"], columns=data_names).to_numpy(dtype=float)
    missing = np.isnan(grid)
    whole = (missing | (grid == np.round(grid))).all(axis=0)
    out: dict[str, object] = {c: sel.units[c].to_numpy() for c in UNIT_COLUMNS}
    for j, col in enumerate(cols[len(UNIT_COLUMNS):]):
        if typed and whole[j] and col.fmt in ("count", "count_change", "int"):
            out[col.name] = pd.arrays.IntegerArray(np.where(missing[:, j], 0, grid[:, j]).astype("int64"),
                                                   missing[:, j])
        else:
            out[col.name] = grid[:, j]
    frame = pd.DataFrame(out)
    return frame, cols


def flat(sel: Selection) -> pd.DataFrame:
    """Every group's columns side by side, the row columns once: the CSV and Parquet table."""
    every = [ind for _, names in sel.indicators() for ind in names]
    frame, _ = wide(sel, every, typed=True)
    return frame
