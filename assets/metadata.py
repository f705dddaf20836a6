"""Dagster metadata made from what the library already knows: column schemas with real types,
row counts and table names, in the ``dagster/*`` keys the UI shows (Columns, Row count).

- A loaded table's columns come from the field registry (pipeline/fields.toml): DuckDB type and
  meaning with its unit. They are known before anything is built.
- A SQL model's columns come from its SQL header (meanings) and, once built, from DuckDB itself
  (names and types: ``duckdb_columns()``). Before a build there is no honest type, so the
  definition leaves it empty rather than let Dagster print its default "string".

Used by the assets (assets.py, years.py) and by the record of an `ogi run` (record.py), so a
table looks the same in the UI whichever of them built it.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import duckdb
from dagster import TableColumn, TableSchema

from pipeline import fields
from pipeline.store import warehouse

# (column, DuckDB type) as DuckDB reports them, in table order
Described = Sequence[tuple[str, str]]

# What the UI puts where a model's column type is not known yet (no build seen).
UNKNOWN_TYPE = ""
# The keys the UI reads (Dagster's TableMetadataSet, not exported by the top-level package in 1.13)
ROW_COUNT, TABLE_NAME, COLUMN_SCHEMA = "dagster/row_count", "dagster/table_name", "dagster/column_schema"


def loaded_table_schema(name: str) -> TableSchema:
    """The column schema of a table loaded from the lake (or the gazetteer), from the registry."""
    table = fields.tables()[name]
    _, meanings = table.docs()  # the meaning, with the unit where the column measures one
    return TableSchema(columns=[TableColumn(f.name, type=fields.DUCKDB_TYPES[f.type], description=meanings[f.name])
                                for f in table.fields])


def model_schema(model: warehouse.Model, described: Described | None = None) -> TableSchema:
    """A model's column schema: DuckDB's names and types when the table was built (``described``),
    each with the meaning its SQL header gives; before a build, the header's columns untyped."""
    if described is None:
        return TableSchema(columns=[TableColumn(name, type=UNKNOWN_TYPE, description=text or None)
                                    for name, text in model.columns.items()])
    return TableSchema(columns=[TableColumn(name, type=kind, description=model.columns.get(name) or None)
                                for name, kind in described])


def describe(db: Path, names: Iterable[str]) -> dict[str, list[tuple[str, str]]]:
    """{table: [(column, DuckDB type), ...]} of the tables of a DuckDB file, read in one query
    on a read-only connection (the caller must hold no read-write connection to it)."""
    wanted = list(names)
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute("SELECT table_name, column_name, data_type FROM duckdb_columns() "
                           "WHERE database_name = current_database() AND schema_name = 'main' "
                           "AND list_contains(?, table_name) ORDER BY table_name, column_index", [wanted]).fetchall()
    finally:
        con.close()
    out: dict[str, list[tuple[str, str]]] = {}
    for table, column, kind in rows:
        out.setdefault(table, []).append((column, kind))
    return out


def table_metadata(db: Path, name: str, rows: int, schema: TableSchema | None = None) -> dict[str, object]:
    """The ``dagster/*`` metadata of one built table: row count, name in the warehouse
    (``warehouse.main.reports``: DuckDB names a database after its file) and, when given, columns."""
    meta: dict[str, object] = {ROW_COUNT: int(rows), TABLE_NAME: f"{Path(db).stem}.main.{name}"}
    if schema is not None:
        meta[COLUMN_SCHEMA] = schema
    return meta
