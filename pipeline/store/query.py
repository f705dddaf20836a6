"""Read-only queries against the published warehouse (what `ogi query "SQL"` runs)."""
from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import duckdb

from . import output

if TYPE_CHECKING:  # pandas is loaded by the calls that return frames: `ogi query` does without it
    import pandas as pd

DEFAULT_WAREHOUSE = Path(__file__).resolve().parents[2] / "data" / "warehouse.duckdb"


T = TypeVar("T")


class WarehouseMissingError(FileNotFoundError):
    """No published warehouse yet; `str(err)` says how to build one."""


class QueryRefusedError(ValueError):
    """The statement would write, attach another database or touch files: `str(err)` says which."""


class QueryLimitError(RuntimeError):
    """The query was stopped at a limit: `limit` is "timeout" or "memory_limit", `str(err)` says which."""

    def __init__(self, message: str, limit: str) -> None:
        super().__init__(message)
        self.limit = limit


# Reading is all an analyst's query may do. DESCRIBE and SHOW parse as SELECT; EXPLAIN is checked
# by the statement it wraps (EXPLAIN ANALYZE runs it).
_ALLOWED = frozenset({duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN})
# Read-only stops writes to the warehouse; no external access stops ATTACH, COPY, read_csv of
# arbitrary paths and extension installs; a locked configuration stops a SET from undoing that.
# No temp directory: a query never spills to disk, so a memory limit stops it with an error, and
# the `<warehouse>.tmp/` folder (which DuckDB lets a query write into) is out of reach.
_CONFIG = {"enable_external_access": False, "lock_configuration": True, "temp_directory": ""}


def _refuse(kind: duckdb.StatementType) -> None:
    name = kind.name.replace("_STATEMENT", "")
    raise QueryRefusedError(f"{name} statements are refused: the warehouse is read-only for queries "
                            "(only SELECT, DESCRIBE, SHOW and EXPLAIN run)")


def _explained(query: str) -> duckdb.Statement | None:
    """The one statement an EXPLAIN [ANALYZE] wraps, or None when it cannot be told.

    Works on DuckDB's tokens, so comments and case do not matter: EXPLAIN, then ANALYZE or an option
    list in parentheses, then one statement (which may itself start with a parenthesis).
    """
    data = query.encode()  # token positions are byte offsets
    found = duckdb.tokenize(query)
    ends = [pos for pos, _ in found[1:]] + [len(data)]
    words = [(pos, data[pos:end].strip().upper()) for (pos, kind), end in zip(found, ends)
             if kind != duckdb.token_type.comment]

    def statement_at(i: int) -> duckdb.Statement | None:
        if i >= len(words):
            return None
        try:
            statements = duckdb.extract_statements(data[words[i][0]:].decode())
        except duckdb.Error:
            return None
        return statements[0] if len(statements) == 1 else None

    if not words or words[0][1] != b"EXPLAIN":
        return None
    i = 2 if len(words) > 1 and words[1][1] in (b"ANALYZE", b"ANALYSE") else 1
    inner = statement_at(i)
    if inner is None and i < len(words) and words[i][1] == b"(":  # EXPLAIN (ANALYZE, FORMAT json) ...
        depth = 0
        for j in range(i, len(words)):
            depth += (words[j][1] == b"(") - (words[j][1] == b")")
            if depth == 0:
                return statement_at(j + 1)
    return inner


def check_read_only(sql: str) -> None:
    """Refuse anything but one SELECT/EXPLAIN statement, with a message that says why."""
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as err:
        raise QueryRefusedError(f"the query does not parse: {str(err).strip()}") from None  # with its LINE ^ pointer
    if len(statements) != 1:
        raise QueryRefusedError(f"one statement at a time, got {len(statements)}")
    statement = statements[0]
    while statement.type == duckdb.StatementType.EXPLAIN:
        inner = _explained(statement.query)
        if inner is None:
            raise QueryRefusedError("EXPLAIN is refused here: cannot tell which statement it explains "
                                    "(write EXPLAIN [ANALYZE] SELECT ...)")
        statement = inner
    if statement.type not in _ALLOWED:
        _refuse(statement.type)


@dataclass
class Result:
    """Rows of a query as DuckDB returns them (None for NULL), with the column names and types."""

    columns: list[str]
    types: list[str]
    rows: list[tuple]
    more_rows: bool = False  # the query had rows past max_rows


def _frame(rows: list[tuple], description: list[tuple]) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(rows, columns=[column[0] for column in description])


def run_query(sql: str, warehouse_path: Path | str | None = None,
              params: Sequence[object] | dict | None = None, *, max_rows: int | None = None,
              timeout: float | None = None, memory_limit: str | None = None) -> pd.DataFrame:
    """Run one SQL statement read-only and return the result.

    The connection is read-only, so a query can never change the warehouse, and any number of
    analysts can query while the pipeline publishes a new file (it replaces the file, it never
    writes into an open one). Values go in ``params`` ($1 or ? placeholders, or $name with a
    dict), not into the SQL.

    Limits (default: none, the whole result as before):
    - ``max_rows``: read only the first ``max_rows`` rows of the result (the rest is never
      computed or held); ``df.attrs["more_rows"]`` says whether there were more.
    - ``timeout``: seconds; a query still running then is interrupted (QueryLimitError).
    - ``memory_limit``: DuckDB's memory limit, e.g. "1GB"; a query that needs more fails
      (QueryLimitError). Nothing spills to disk.
    """
    import pandas as pd

    def read(cur: duckdb.DuckDBPyConnection) -> pd.DataFrame:
        if cur.description is None:
            return pd.DataFrame()
        if max_rows is None:
            return cur.df()
        rows = cur.fetchmany(max_rows + 1)  # a SELECT streams: only these rows are computed
        df = _frame(rows[:max_rows], cur.description)
        df.attrs["more_rows"] = len(rows) > max_rows
        return df

    return _run(sql, warehouse_path, params, read, timeout=timeout, memory_limit=memory_limit)


def fetch(sql: str, warehouse_path: Path | str | None = None, params: Sequence[object] | dict | None = None,
          *, max_rows: int | None = None, timeout: float | None = None,
          memory_limit: str | None = None) -> Result:
    """Like run_query, but the rows as DuckDB's Python values: integers stay integers where pandas
    would make a column with NULLs float, and NULL is None in every column."""
    def read(cur: duckdb.DuckDBPyConnection) -> Result:
        if cur.description is None:
            return Result([], [], [])
        columns = [column[0] for column in cur.description]
        types = [str(column[1]) for column in cur.description]
        if max_rows is None:
            return Result(columns, types, cur.fetchall())
        rows = cur.fetchmany(max_rows + 1)  # a SELECT streams: only these rows are computed
        return Result(columns, types, rows[:max_rows], len(rows) > max_rows)

    return _run(sql, warehouse_path, params, read, timeout=timeout, memory_limit=memory_limit)


def _run(sql: str, warehouse_path: Path | str | None, params: Sequence[object] | dict | None,
         read: Callable[[duckdb.DuckDBPyConnection], T], *, timeout: float | None,
         memory_limit: str | None) -> T:
    """Check, connect read-only under the limits, execute, and hand the cursor to `read`."""
    check_read_only(sql)
    path = Path(warehouse_path) if warehouse_path is not None else DEFAULT_WAREHOUSE
    if not path.exists():
        raise WarehouseMissingError(f"no warehouse at {path}: run `ogi run` first")
    config = dict(_CONFIG, memory_limit=memory_limit) if memory_limit is not None else _CONFIG
    con = duckdb.connect(str(path), read_only=True, config=config)
    done, lock, timed_out = threading.Event(), threading.Lock(), threading.Event()

    def watch() -> None:  # DuckDB has no statement timeout setting: interrupt from here
        if done.wait(timeout):
            return
        timed_out.set()
        while not done.is_set():  # again until the query gives up, in case one lands between steps
            with lock:
                if not done.is_set():
                    con.interrupt()
            done.wait(0.2)

    watcher = threading.Thread(target=watch, name="ogi-query-timeout", daemon=True)
    if timeout is not None:
        watcher.start()
    try:
        try:
            return read(con.execute(sql, params) if params is not None else con.execute(sql))
        except duckdb.PermissionException as err:
            raise QueryRefusedError("the query reads or writes files outside the warehouse, which is refused: "
                                    f"{str(err).splitlines()[0]}") from None
        except duckdb.InterruptException:
            if not timed_out.is_set():
                raise
            raise QueryLimitError(f"the query ran past its time limit of {timeout:g} s and was stopped",
                                  "timeout") from None
        except duckdb.OutOfMemoryException as err:
            if memory_limit is None:
                raise
            raise QueryLimitError(f"the query needs more memory than its limit of {memory_limit}: "
                                  f"{str(err).splitlines()[0]}", "memory_limit") from None
    finally:
        with lock:
            done.set()
        if watcher.is_alive():
            watcher.join()
        con.close()


def _python(value: object) -> object:
    """A DataFrame cell as DuckDB would have returned it: NaN, NA and NaT are None, numpy scalars plain."""
    import pandas as pd

    if getattr(value, "ndim", 0):  # a DuckDB list comes into a DataFrame as a numpy array
        return value.tolist()
    if isinstance(value, (list, dict, tuple)):
        return value
    if value is None or pd.isna(value):
        return None
    return value.item() if hasattr(value, "item") else value


def format_table(df: pd.DataFrame, max_rows: int = 100, max_colwidth: int = 40, width: int | None = None) -> str:
    """A plain-text table (see output.to_table) for the run's summary; says how many rows were cut.

    Columns stay side by side unless `width` is given: the summary's short rows read better wrapped by
    a narrow terminal than as records, and its layout does not depend on where it is printed."""
    more = "\n... more rows not shown (add a WHERE or LIMIT, or raise --max-rows)" if df.attrs.get("more_rows") else ""
    if len(df.columns) == 0:
        return "(no rows)" + more
    rows = [tuple(_python(v) for v in row) for row in df.head(max_rows).itertuples(index=False, name=None)]
    text = output.to_table([str(c) for c in df.columns], rows, width=width if width is not None else sys.maxsize,
                           max_colwidth=max_colwidth)
    if len(df) > max_rows:
        text += f"\n... {len(df) - max_rows} more rows" + (f" ({len(df)} in total)" if not more else "")
        more = ""
    return text + more
