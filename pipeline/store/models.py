"""The SQL model runner: every ``sql/*.sql`` file is one plain SELECT, materialised as a table.

A model's name is its file stem. Its dependencies are read from its SQL (``json_serialize_sql``),
never declared twice, and its documentation from its leading comment block, so adding a model
is adding one file. The warehouse decides which tables a model may read besides other models
(``load_models(..., sources)``) and runs the models in ``model_order`` into its working file.
"""
from __future__ import annotations

import graphlib
import functools
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from .ddl import comment, ident

SQL_DIR = Path(__file__).resolve().parents[2] / "sql"


@dataclass(frozen=True)
class Model:
    """One SQL file: the table it becomes, its SELECT and what the header says about it."""

    name: str
    path: Path
    sql: str
    deps: tuple[str, ...]  # tables the SELECT reads: loaded tables or other models
    description: str
    columns: dict[str, str]  # column -> meaning, from the SQL header


@functools.cache
def _sql_parser() -> duckdb.DuckDBPyConnection:
    """One in-memory connection per process to parse model SQL: opening one per model cost
    ~40 ms each on every code-location load and every run."""
    return duckdb.connect()


def sql_dependencies(sql: str) -> set[str]:
    """Tables a single SELECT reads, without touching any database (CTE names removed)."""
    tree = json.loads(_sql_parser().execute("SELECT json_serialize_sql(?)", [sql]).fetchone()[0])
    if tree.get("error"):
        raise ValueError(f"cannot parse SQL: {tree.get('error_message')}")
    if len(tree.get("statements", [])) != 1:
        raise ValueError("a model must be exactly one SELECT statement")
    tables: set[str] = set()
    ctes: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if node.get("type") == "BASE_TABLE" and node.get("table_name"):
                tables.add(str(node["table_name"]).lower())
            cte_map = node.get("cte_map")
            if isinstance(cte_map, dict):
                for entry in cte_map.get("map", []):
                    ctes.add(str(entry.get("key", "")).lower())
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(tree["statements"])
    return tables - ctes


_COLUMN_LINE = re.compile(r"^--   (\w+)\s+(.*\S)\s*$")
_CONTINUATION = re.compile(r"^--\s{5,}(\S.*\S|\S)\s*$")


def parse_header(sql: str) -> tuple[str, dict[str, str]]:
    """Description and column docs from a model's leading comment block.

    Format: ``-- <name>: <description...>`` lines, then ``-- columns:`` followed by
    ``--   column  meaning`` lines (deeper-indented lines continue the previous meaning).
    """
    description: list[str] = []
    columns: dict[str, str] = {}
    in_columns = False
    last: str | None = None
    for line in sql.splitlines():
        if not line.startswith("--"):
            break
        if line.strip().lower() == "-- columns:":
            in_columns = True
            continue
        if in_columns:
            m = _COLUMN_LINE.match(line)
            c = _CONTINUATION.match(line)
            if m:
                last = m.group(1)
                columns[last] = m.group(2)
            elif c and last:
                columns[last] += " " + c.group(1)
            continue
        text = line[2:].strip()
        if text:
            description.append(text)
    desc = " ".join(description)
    desc = re.sub(r"^\w+:\s*", "", desc)  # drop the leading "<model name>:"
    return desc, columns


def load_models(sql_dir: Path, sources: Iterable[str]) -> dict[str, Model]:
    """Every ``*.sql`` file of the folder, keyed by file stem, with its dependencies.

    ``sources`` are the tables a model may read besides other models (what the warehouse
    loads). A model reading anything else is refused here, before anything is built, rather
    than failing half-way through a run.
    """
    models: dict[str, Model] = {}
    for path in sorted(Path(sql_dir).glob("*.sql")):
        sql = path.read_text(encoding="utf-8").strip().rstrip(";").strip()
        desc, cols = parse_header(sql)
        name = path.stem
        models[name] = Model(name, path, sql, tuple(sorted(sql_dependencies(sql))), desc, cols)
    known = set(models) | set(sources)
    for m in models.values():
        unknown = set(m.deps) - known
        if unknown:
            raise ValueError(f"{m.path.name} reads unknown tables: {', '.join(sorted(unknown))}")
    return models


def model_order(models: dict[str, Model]) -> list[str]:
    """Model names so that every model comes after the models it reads."""
    sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter()
    for name in sorted(models):
        sorter.add(name, *sorted(d for d in models[name].deps if d in models))
    return list(sorter.static_order())


def run_model(work_path: Path, model: Model) -> int:
    """Materialise one model as a table of the working database; returns its row count."""
    con = duckdb.connect(str(work_path))
    try:
        con.execute(f"CREATE OR REPLACE TABLE {ident(model.name)} AS\n{model.sql}\n")
        comment(con, model.name, model.description, model.columns)
        return con.execute(f"SELECT count(*) FROM {ident(model.name)}").fetchone()[0]
    finally:
        con.close()

