"""Read-only queries against the published warehouse (what `ogi query "SQL"` runs)."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb
import pandas as pd

DEFAULT_WAREHOUSE = Path(__file__).resolve().parents[1] / "data" / "warehouse.duckdb"


class WarehouseMissingError(FileNotFoundError):
    """No published warehouse yet; `str(err)` says how to build one."""


def run_query(sql: str, warehouse_path: Path | str | None = None,
              params: Sequence[object] | dict | None = None) -> pd.DataFrame:
    """Run one SQL statement read-only and return the result.

    The connection is read-only, so a query can never change the warehouse, and any number of
    analysts can query while the pipeline publishes a new file (it replaces the file, it never
    writes into an open one). Values go in ``params`` ($1 or ? placeholders), not into the SQL.
    """
    path = Path(warehouse_path) if warehouse_path is not None else DEFAULT_WAREHOUSE
    if not path.exists():
        raise WarehouseMissingError(f"no warehouse at {path}: run `ogi run` first")
    con = duckdb.connect(str(path), read_only=True)
    try:
        cur = con.execute(sql, params) if params is not None else con.execute(sql)
        if cur.description is None:  # a statement without a result set (e.g. SET)
            return pd.DataFrame()
        return cur.df()
    finally:
        con.close()


def format_table(df: pd.DataFrame, max_rows: int = 100, max_colwidth: int = 40) -> str:
    """A plain-text table for a terminal; says how many rows were cut."""
    if df.empty:
        return "(no rows)" if len(df.columns) == 0 else " | ".join(map(str, df.columns)) + "\n(no rows)"
    shown = df.head(max_rows)
    with pd.option_context("display.max_columns", None, "display.width", 200,
                           "display.max_colwidth", max_colwidth):
        text = shown.to_string(index=False, na_rep="NULL")
    if len(df) > max_rows:
        text += f"\n... {len(df) - max_rows} more rows ({len(df)} in total)"
    return text
