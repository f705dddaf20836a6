"""The SQL model runner: every ``sql/*.sql`` file is one plain SELECT, materialised as a table.

A model's name is its file stem. Its dependencies are read from its SQL (``json_serialize_sql``),
never declared twice, and its documentation from its leading comment block, so adding a model
is adding one file. The warehouse decides which tables a model may read besides other models
(``load_models(..., sources)``) and runs the models in ``model_order`` into its working file.

A model whose rows are per report can say so in its header, ``-- incremental: body_key``: its
rows for a report (a ``report_id`` column) depend only on the reports that share that report's
``body_key``, a column the model or a model it reads gives each report from the report's own
rows. ``update_models`` then refreshes such models for a few changed reports without rerunning
them over every row: it recomputes the whole groups (bodies) the changed reports belong to, now
or before, by running the unchanged SELECT over just those reports' input rows, and replaces
those reports' rows. The SQL stays one plain SELECT; the header line is the whole declaration.
"""
from __future__ import annotations

import graphlib
import functools
import json
import re
from collections.abc import Callable, Iterable
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
    # "-- incremental: <column>": the group column of a per-report model (see update_models)
    incremental: str | None = None
    # A model made by code rather than by its SELECT (the check engine: check_engine.as_model):
    # called with a connection to the working file, it creates the table and returns its row
    # count. Such a model is never incremental.
    run: Callable[[duckdb.DuckDBPyConnection], int] | None = None
    # For such a model: recompute its rows for the reports listed in a table (whole bodies), in
    # the caller's transaction, instead of running it all again; returns the reports recomputed.
    refresh: Callable[[duckdb.DuckDBPyConnection, str], int] | None = None


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
# "-- incremental: body_key" (anything after the column name is a comment for the reader)
_INCREMENTAL_LINE = re.compile(r"^--\s*incremental:\s*(\w+)", re.IGNORECASE)
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
        if _INCREMENTAL_LINE.match(line):  # an instruction to the runner, not part of the description
            continue
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


def incremental_key(sql: str) -> str | None:
    """The group column a model's header declares with ``-- incremental: <column>``, if any."""
    for line in sql.splitlines():
        if not line.startswith("--"):
            return None
        m = _INCREMENTAL_LINE.match(line)
        if m:
            return m.group(1).lower()
    return None


def load_models(sql_dir: Path, sources: Iterable[str], extra: Iterable[Model] = ()) -> dict[str, Model]:
    """Every ``*.sql`` file of the folder, keyed by file stem, with its dependencies, plus the
    models made by code in ``extra`` (a SQL file of the same name is refused).

    ``sources`` are the tables a model may read besides other models (what the warehouse
    loads). A model reading anything else is refused here, before anything is built, rather
    than failing half-way through a run.
    """
    models: dict[str, Model] = {}
    for path in sorted(Path(sql_dir).glob("*.sql")):
        sql = path.read_text(encoding="utf-8").strip().rstrip(";").strip()
        desc, cols = parse_header(sql)
        name = path.stem
        key = incremental_key(sql)
        if key is not None and "report_id" not in cols:
            raise ValueError(f"{path.name} is declared incremental but has no report_id column")
        models[name] = Model(name, path, sql, tuple(sorted(sql_dependencies(sql))), desc, cols, key)
    for model in extra:
        if model.name in models:
            raise ValueError(f"{model.name}.sql: {model.name} is made by {model.path.name}")
        models[model.name] = model
    known = set(models) | set(sources)
    for m in models.values():
        unknown = set(m.deps) - known
        if unknown:
            raise ValueError(f"{m.path.name} reads unknown tables: {', '.join(sorted(unknown))}")
    keys = {m.incremental for m in models.values() if m.incremental}
    if len(keys) > 1:  # one grouping for all: a changed report's group must mean the same in every model
        raise ValueError(f"models declare different incremental group columns: {', '.join(sorted(keys))}")
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
        if model.run is not None:
            return model.run(con)
        con.execute(f"CREATE OR REPLACE TABLE {ident(model.name)} AS\n{model.sql}\n")
        comment(con, model.name, model.description, model.columns)
        return con.execute(f"SELECT count(*) FROM {ident(model.name)}").fetchone()[0]
    finally:
        con.close()



# --- incremental refresh --------------------------------------------------------------------

def incremental_order(models: dict[str, Model]) -> list[str]:
    """The models ``update_models`` refreshes, in dependency order: those declared incremental
    that read no model rebuilt in full (such a model's rows could not be restricted by report)."""
    refreshed: list[str] = []
    for name in model_order(models):
        model = models[name]
        if model.incremental and all(d in refreshed for d in model.deps if d in models):
            refreshed.append(name)
    return refreshed


def late_order(models: dict[str, Model]) -> list[str]:
    """The incremental models that read a model rebuilt in full (quality_issues reads
    check_results), directly or through another such model, in dependency order. They cannot be
    refreshed with the others, before the full models run: ``refresh_late`` refreshes each one
    at its place in ``model_order``, for the reports ``update_models`` recorded and those whose
    rows in the full models it reads changed (``save_digest`` / ``record_digest_changes``)."""
    early = set(incremental_order(models))
    late: list[str] = []
    for name in model_order(models):
        model = models[name]
        if not model.incremental or name in early:
            continue
        # a full model's changes are found report by report: one without report_id cannot be cut
        if all(d in early or d in late or "report_id" in models[d].columns for d in model.deps if d in models):
            late.append(name)
    return late


def late_inputs(models: dict[str, Model]) -> list[str]:
    """The models rebuilt in full that a late model reads: their changes are found by report."""
    late = late_order(models)
    early = set(incremental_order(models))
    return sorted({d for n in late for d in models[n].deps if d in models and d not in early and d not in late})


def digest_table(name: str) -> str:
    return f"_digest_{name}"


def save_digest(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Keep a digest of each report's rows of table ``name`` (before it is rebuilt), unless one is
    kept already: a digest left by a killed build is what the late models last saw."""
    if _has_table(con, digest_table(name)):
        return
    con.execute(f"CREATE TABLE {ident(digest_table(name))} AS SELECT report_id, sum(hash(t)::HUGEINT) AS digest, "
                f"count(*) AS n FROM {ident(name)} AS t GROUP BY report_id")


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return con.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
                       "AND schema_name = 'main' AND table_name = ?", [name]).fetchone()[0] > 0


def record_digest_changes(con: duckdb.DuckDBPyConnection, name: str, pending: str) -> int:
    """Add to ``pending`` the reports whose rows of ``name`` differ from its kept digest, and drop
    the digest (in the caller's transaction). Returns how many reports changed; 0 when no digest
    is kept (another late model reading the same table took it first)."""
    if not _has_table(con, digest_table(name)):
        return 0
    digest = ident(digest_table(name))
    con.execute(f"""CREATE TEMP TABLE _digest_now AS SELECT report_id, sum(hash(t)::HUGEINT) AS digest,
                    count(*) AS n FROM {ident(name)} AS t GROUP BY report_id""")
    n = con.execute(f"""INSERT INTO {ident(pending)}
        SELECT DISTINCT report_id FROM (
            (SELECT * FROM {digest} EXCEPT SELECT * FROM _digest_now)
            UNION ALL (SELECT * FROM _digest_now EXCEPT SELECT * FROM {digest}))""").fetchone()[0]
    con.execute("DROP TABLE _digest_now")
    con.execute(f"DROP TABLE {digest}")
    return n


def refresh_late(con: duckdb.DuckDBPyConnection, models: dict[str, Model], name: str, pending: str) -> int:
    """Replace the rows of the late model ``name`` for the reports of every body a report in the
    table ``pending`` belongs to, computed from their inputs alone (the full models it reads cut
    to those reports, as its own inputs are). In the caller's transaction; returns the reports
    recomputed."""
    model = models[name]
    key = model.incremental
    keyed = next((n for n in incremental_order(models) if key in models[n].columns), None)
    if key is None or keyed is None:
        raise ValueError(f"model {name} is not incremental, or no model gives its group column")
    db = ident(con.execute("SELECT current_database()").fetchone()[0])

    def kept(table: str) -> str:
        return f"{db}.main.{ident(table)}"

    con.execute(f"""CREATE TEMP TABLE _affected AS
        SELECT k.report_id FROM {kept(keyed)} AS k
        SEMI JOIN (SELECT {ident(key)} AS g FROM {kept(keyed)} WHERE report_id IN (SELECT report_id FROM {ident(pending)})) AS p
            ON k.{ident(key)} IS NOT DISTINCT FROM p.g
        UNION SELECT report_id FROM {ident(pending)}""")
    n_affected = con.execute("SELECT count(*) FROM _affected").fetchone()[0]
    made: list[str] = []
    _run_restricted(con, models, [name], "_affected", kept, made)
    _replace_rows(con, name, kept)
    _drop_temp(con, [*made, "_affected"])
    return n_affected


def _replace_rows(con: duckdb.DuckDBPyConnection, name: str, kept: Callable[[str], str]) -> None:
    """The kept table's rows of the reports in _affected replaced by those of the temp table."""
    new = [(d[0], str(d[1])) for d in con.execute(f"SELECT * FROM temp.main.{ident(name)} LIMIT 0").description]
    old = [(d[0], str(d[1])) for d in con.execute(f"SELECT * FROM {kept(name)} LIMIT 0").description]
    if new != old:
        raise ValueError(f"model {name}: the kept table's columns differ from the model's; build in full")
    con.execute(f"DELETE FROM {kept(name)} WHERE report_id IN (SELECT report_id FROM _affected)")
    con.execute(f"INSERT INTO {kept(name)} SELECT * FROM temp.main.{ident(name)}")


def update_models(con: duckdb.DuckDBPyConnection, models: dict[str, Model], changed: str,
                  record: str | None = None) -> int:
    """Refresh the incremental models' tables for the reports listed in the table ``changed``.

    ``changed`` holds the report_id of every report whose input rows were added, replaced or
    removed since the models' tables were last built; the tables must otherwise be what a full
    run over the current inputs gives. A changed report can change other reports' rows (the
    newest document of a body and year is the current one), so the rows recomputed are those of
    every report in a group (``-- incremental: <column>``) a changed report is in now or was in
    before. The models' SELECTs run unchanged over temp tables that shadow their inputs with
    just those reports' rows; the recomputed rows then replace the old ones. Runs in the
    caller's transaction; returns the number of reports whose rows were recomputed. ``record``
    names a table (made if missing) that the recomputed reports are added to, for the late
    models (``late_order``) to refresh the same reports after the full models have run.
    """
    names = incremental_order(models)
    if record is not None:
        con.execute(f"CREATE TABLE IF NOT EXISTS {ident(record)} (report_id VARCHAR)")
    if not names:
        return 0
    key = models[names[0]].incremental
    assert key is not None
    keyed = next((n for n in names if key in models[n].columns), None)
    if keyed is None:
        raise ValueError(f"no incremental model has the group column {key}")
    db = ident(con.execute("SELECT current_database()").fetchone()[0])

    def kept(name: str) -> str:
        # Qualified with the database: inside this function "main.x" would name the temp table x.
        return f"{db}.main.{ident(name)}"

    made: list[str] = []
    # 1. Each changed report's group now (the models up to the one that names the group, run over
    #    the changed reports alone: a report's group comes from its own rows) and before.
    _run_restricted(con, models, names[:names.index(keyed) + 1], changed, kept, made)
    con.execute(f"""CREATE TEMP TABLE _groups AS
        SELECT {ident(key)} AS g FROM temp.main.{ident(keyed)}
        UNION SELECT {ident(key)} FROM {kept(keyed)} WHERE report_id IN (SELECT report_id FROM {changed})""")
    _drop_temp(con, made)
    made.clear()
    # 2. The reports of those groups (every report but the changed ones kept its group), and the
    #    changed ones (a removed report's rows only go).
    con.execute(f"""CREATE TEMP TABLE _affected AS
        SELECT k.report_id FROM {kept(keyed)} AS k SEMI JOIN _groups AS g ON k.{ident(key)} IS NOT DISTINCT FROM g.g
        UNION SELECT report_id FROM {changed}""")
    con.execute("DROP TABLE _groups")
    n_affected = con.execute("SELECT count(*) FROM _affected").fetchone()[0]
    # 3. Their rows, computed from their inputs alone, replace the old ones.
    _run_restricted(con, models, names, "_affected", kept, made)
    for name in names:
        _replace_rows(con, name, kept)
    if record is not None:
        con.execute(f"INSERT INTO {ident(record)} SELECT report_id FROM _affected")
    _drop_temp(con, [*made, "_affected"])
    return n_affected


def _run_restricted(con: duckdb.DuckDBPyConnection, models: dict[str, Model], names: list[str], reports: str,
                    kept: Callable[[str], str], made: list[str]) -> None:
    """Run ``names`` in order as temp tables over their inputs cut to the reports in ``reports``.

    A temp table shadows the database table of the same name in unqualified SQL, so each model's
    SELECT reads the cut inputs and the models run before it, without a word of it changed.
    Inputs without a report_id column (a reference table) are read whole; so are the models
    not in ``names`` (already up to date in the database), cut like the loaded tables.
    """
    running = set(names)
    for name in names:
        for dep in models[name].deps:
            if dep in running or dep in made:
                continue
            has_report = con.execute(
                "SELECT count(*) FROM duckdb_columns() WHERE database_name = current_database() "
                "AND schema_name = 'main' AND table_name = ? AND column_name = 'report_id'", [dep]).fetchone()[0]
            if has_report:
                con.execute(f"CREATE TEMP TABLE {ident(dep)} AS SELECT * FROM {kept(dep)} "
                            f"WHERE report_id IN (SELECT report_id FROM {reports})")
                made.append(dep)
        con.execute(f"CREATE TEMP TABLE {ident(name)} AS\n{models[name].sql}\n")
        made.append(name)


def _drop_temp(con: duckdb.DuckDBPyConnection, names: Iterable[str]) -> None:
    for name in names:
        con.execute(f"DROP TABLE temp.main.{ident(name)}")
