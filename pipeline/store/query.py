"""Read-only queries against the published warehouse (what `ogi query "SQL"` runs)."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb
import pandas as pd

DEFAULT_WAREHOUSE = Path(__file__).resolve().parents[2] / "data" / "warehouse.duckdb"


class WarehouseMissingError(FileNotFoundError):
    """No published warehouse yet; `str(err)` says how to build one."""


class QueryRefusedError(ValueError):
    """The statement would write, attach another database or touch files: `str(err)` says which."""


# Reading is all an analyst's query may do. DESCRIBE and SHOW parse as SELECT.
_ALLOWED = frozenset({duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN})
# Read-only stops writes to the warehouse; no external access stops ATTACH, COPY, read_csv of
# arbitrary paths and extension installs; a locked configuration stops a SET from undoing that.
_CONFIG = {"enable_external_access": False, "lock_configuration": True}


def check_read_only(sql: str) -> None:
    """Refuse anything but one SELECT/EXPLAIN statement, with a message that says why."""
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as err:
        raise QueryRefusedError(f"the query does not parse: {str(err).splitlines()[0]}") from None
    if len(statements) != 1:
        raise QueryRefusedError(f"one statement at a time, got {len(statements)}")
    kind = statements[0].type
    if kind not in _ALLOWED:
        name = kind.name.replace("_STATEMENT", "")
        raise QueryRefusedError(f"{name} statements are refused: the warehouse is read-only for queries "
                                "(only SELECT, DESCRIBE, SHOW and EXPLAIN run)")


def run_query(sql: str, warehouse_path: Path | str | None = None,
              params: Sequence[object] | dict | None = None) -> pd.DataFrame:
    """Run one SQL statement read-only and return the result.

    The connection is read-only, so a query can never change the warehouse, and any number of
    analysts can query while the pipeline publishes a new file (it replaces the file, it never
    writes into an open one). Values go in ``params`` ($1 or ? placeholders), not into the SQL.
    """
    check_read_only(sql)
    path = Path(warehouse_path) if warehouse_path is not None else DEFAULT_WAREHOUSE
    if not path.exists():
        raise WarehouseMissingError(f"no warehouse at {path}: run `ogi run` first")
    con = duckdb.connect(str(path), read_only=True, config=_CONFIG)
    try:
        try:
            cur = con.execute(sql, params) if params is not None else con.execute(sql)
        except duckdb.PermissionException as err:
            raise QueryRefusedError("the query reads or writes files outside the warehouse, which is refused: "
                                    f"{str(err).splitlines()[0]}") from None
        if cur.description is None:
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
