"""Quoting and table comments for the DDL the warehouse loader and the model runner write."""
from __future__ import annotations

import duckdb


def ident(name: str) -> str:
    """A table or column name as a quoted DuckDB identifier."""
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    # COMMENT ON takes no parameters; the text comes from our own SQL headers and TABLE_DOCS.
    return "'" + text.replace("'", "''") + "'"


def comment(con: duckdb.DuckDBPyConnection, table: str, description: str, columns: dict[str, str]) -> None:
    """Store a table's documentation as DuckDB comments, where duckdb_tables()/duckdb_columns() show it.

    Columns the table does not have are skipped, so a doc can run ahead of the SQL.
    """
    if description:
        con.execute(f"COMMENT ON TABLE {ident(table)} IS {literal(description)}")
    present = {r[0] for r in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE database_name = current_database() "
        "AND schema_name = 'main' AND table_name = ?", [table]).fetchall()}
    for col, text in columns.items():
        if col in present:
            con.execute(f"COMMENT ON COLUMN {ident(table)}.{ident(col)} IS {literal(text)}")
