"""The field registry: every column the pipeline writes, with its type, unit and meaning, read once
from ``fields.toml``.

Stage-neutral (no pandas, pyarrow or DuckDB import at module level), so the parser, the lake, the
warehouse, the Dagster definitions and the README renderer can all build on it without a lower
stage importing a higher one. Each consumer asks for the form it needs: pandas dtypes, an Arrow
schema, DuckDB types, or (description, {column: meaning}) for comments and docs.
"""
from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pyarrow as pa

REGISTRY_PATH = Path(__file__).with_name("fields.toml")

# One vocabulary of types, and what each becomes in each system.
PANDAS_TYPES = {"string": "string", "int": "Int64", "float": "Float64"}
DUCKDB_TYPES = {"string": "VARCHAR", "int": "BIGINT", "float": "DOUBLE", "timestamp": "TIMESTAMP WITH TIME ZONE",
                "date": "DATE", "string[]": "VARCHAR[]"}
FRAME, WAREHOUSE = "frame", "warehouse"


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # a key of DUCKDB_TYPES
    meaning: str
    unit: str | None = None
    where: str = FRAME  # FRAME: in the parsed frame and every table made from it; WAREHOUSE: added on load


@dataclass(frozen=True)
class TableDef:
    name: str
    description: str
    stage: str  # frame | lake | reference | warehouse
    fields: tuple[Field, ...]

    def frame_fields(self) -> tuple[Field, ...]:
        """The columns as written by their stage (a parsed frame, a lake file): no load-time columns."""
        return tuple(f for f in self.fields if f.where != WAREHOUSE)

    def docs(self) -> tuple[str, dict[str, str]]:
        """(description, {column: meaning}) of the table as the warehouse holds it."""
        return self.description, {f.name: _described(f) for f in self.fields}


def _described(f: Field) -> str:
    return f.meaning if not f.unit else f"{f.meaning} (unit: {f.unit})"


def _fields(entries: list[dict], groups: dict[str, list[dict]]) -> list[Field]:
    out: list[Field] = []
    for entry in entries:
        if "include" in entry:
            out += _fields(groups[entry["include"]], groups)
            continue
        if entry["type"] not in DUCKDB_TYPES:
            raise ValueError(f"{REGISTRY_PATH.name}: column {entry['name']}: unknown type {entry['type']!r}")
        out.append(Field(entry["name"], entry["type"], entry["meaning"], entry.get("unit"), entry.get("where", FRAME)))
    return out


@functools.cache
def _raw() -> dict:
    with REGISTRY_PATH.open("rb") as fh:
        return tomllib.load(fh)


def _groups() -> dict[str, list[dict]]:
    return {name: g["columns"] for name, g in _raw().get("groups", {}).items()}


@functools.cache
def tables() -> dict[str, TableDef]:
    """Every table of the registry, in the file's order."""
    raw = _raw()
    groups = _groups()
    out = {}
    for name, t in raw["tables"].items():
        fields = _fields(t["columns"], groups)
        names = [f.name for f in fields]
        if len(set(names)) != len(names):
            raise ValueError(f"{REGISTRY_PATH.name}: table {name} names a column twice")
        out[name] = TableDef(name, t["description"], t["stage"], tuple(fields))
    return out


def group(name: str) -> tuple[Field, ...]:
    """A shared run of columns (location, region, ...)."""
    return tuple(_fields(_groups()[name], _groups()))


def frame_tables() -> tuple[str, ...]:
    """The tidy frames the parser returns, in order."""
    return tuple(n for n, t in tables().items() if t.stage == FRAME)


def pandas_dtypes(table: str) -> dict[str, str]:
    """{column: pandas dtype} of a table as its stage writes it."""
    return {f.name: PANDAS_TYPES[f.type] for f in tables()[table].frame_fields()}


def duckdb_types(table: str) -> dict[str, str]:
    """{column: DuckDB type} of a table as the warehouse holds it."""
    return {f.name: DUCKDB_TYPES[f.type] for f in tables()[table].fields}


def arrow_schema(table: str) -> pa.Schema:
    """The Arrow schema of a table as its stage writes it (lake files)."""
    import pyarrow as pa

    types = {"string": pa.string(), "int": pa.int64(), "float": pa.float64(),
             "timestamp": pa.timestamp("us", tz="UTC"), "date": pa.date32(), "string[]": pa.list_(pa.string())}
    return pa.schema([(f.name, types[f.type]) for f in tables()[table].frame_fields()])
