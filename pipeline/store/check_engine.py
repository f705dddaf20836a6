"""The check engine: the rules of ``rules.toml`` evaluated over the warehouse into ``check_results``.

A rule is data: an id, a scope, a severity, a sentence for the analyst, an operator and one SELECT
that yields, per subject, the two numbers to compare (``lhs``, ``rhs``) and the cells it read (see
the header of rules.toml for the contract). The engine decides every status the same way, in SQL:

- ``not_assessable``: a cell the rule read is NULL without being ambiguous (the value is missing),
  or a side of the comparison is NULL;
- ``uncertain``: otherwise, a value is approximate (a prose count with 余/多) or ambiguous (a cell
  the parser left open between several readings);
- ``pass`` / ``fail``: otherwise, ``lhs <operator> rhs`` within the rule's tolerance.

One INSERT per rule and batch of bodies, no Python per row. The rules file is read once per
process. The rules run over a few thousand reports at a time (``BATCH_REPORTS``; a body's reports
always together): the tables they read are cut to the batch and their views made over it once, so
memory stays flat and each view is built once per batch rather than once per rule (at 50,000
reports, evaluating the views whole for every rule took 114 s and more than 1 GB).

The warehouse runs the engine as the model ``check_results`` (``as_model``): the runner orders it
after the models its rules read (stg_reports) and before those that read it (quality_issues).
"""
from __future__ import annotations

import contextlib
import functools
import tomllib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from .ddl import comment, ident, literal
from .models import Model, sql_dependencies

RULES_PATH = Path(__file__).resolve().with_name("rules.toml")
RESULTS_TABLE = "check_results"
SCOPES = ("cell", "report", "body_years", "region")
SEVERITIES = ("error", "warning", "info")
STATUSES = ("pass", "fail", "uncertain", "not_assessable")
# operator -> (holds within tolerance `tol`, the symbol when it holds, the symbol when it fails)
_OPERATORS: dict[str, tuple[str, str, str]] = {
    "=": ("abs(lhs - rhs) <= {tol}", "=", "≠"),
    "<=": ("lhs <= rhs + {tol}", "≤", ">"),
    ">=": ("lhs >= rhs - {tol}", "≥", "<"),
}
_REQUIRED_COLUMNS = ("report_id", "related_report_id", "subject", "lhs", "rhs", "cells")
# detail: the rule's own sentence for a fail (the engine's otherwise, and always for the other statuses)
_OPTIONAL_COLUMNS = ("year", "body_key", "approximate", "detail")

RESULT_DOC = ("One row per rule and subject evaluated by the check engine (rules in "
              "pipeline/store/rules.toml): whether the report's figures hold together, within a report "
              "and across a body's years.")
RESULT_COLUMNS: dict[str, str] = {
    "rule_id": "the rule (README: list of checks)",
    "code": "the finding's code, as quality_issues names it (e.g. carryover_mismatch)",
    "scope": "cell, report, body_years (a body's reports of consecutive years) or region",
    "status": "pass, fail, uncertain (a value it needs is approximate or ambiguous) or not_assessable "
              "(a value it needs is missing)",
    "severity": "error (the template's own arithmetic), warning (statements that should agree), info",
    "report_id": "the document the result is about",
    "related_report_id": "the other document compared (last year's report, the current version), else NULL",
    "body_key": "the body (see stg_reports)",
    "year": "the year the result is about",
    "is_current": "TRUE when report_id is the document the indicators use",
    "subject": "what in the report: a column, a row, a proceeding, an item",
    "lhs": "the left side of the comparison",
    "rhs": "the right side of the comparison",
    "detail": "one sentence with the numbers",
    "cells": "JSON list of the values read: for fail, uncertain and not_assessable each with report_id, table, key, "
             "value, approximate, source (printed or correction), printed, line, location; for pass their keys "
             "and lines only, table:key@line (report_id:table:key@line for another document's)",
    "table_name": "the tidy table of the first cell read in report_id's own document, NULL when none",
    "line": "the line of that cell in the document's text",
    "in_quality_issues": "TRUE when quality_issues lists the rule's fail and uncertain results (the rules "
                         "no parser check finds in one document)",
}
_DDL = """CREATE OR REPLACE TABLE check_results (
    rule_id VARCHAR, code VARCHAR, scope VARCHAR, status VARCHAR, severity VARCHAR, report_id VARCHAR,
    related_report_id VARCHAR, body_key VARCHAR, year BIGINT, is_current BOOLEAN, subject VARCHAR,
    lhs DOUBLE, rhs DOUBLE, detail VARCHAR, cells VARCHAR, table_name VARCHAR, line BIGINT,
    in_quality_issues BOOLEAN)"""


@dataclass(frozen=True)
class Rule:
    id: str
    code: str
    scope: str
    severity: str
    operator: str
    tolerance: float
    sentence: str
    lhs: str
    rhs: str
    sql: str
    in_quality_issues: bool = False
    # reads across bodies (body_reported_again: the years any body reported): a refresh runs it
    # again over every report, not only over the bodies that changed
    whole: bool = False


@dataclass(frozen=True)
class View:
    name: str
    sql: str
    whole: bool = False  # made once over every report, not per batch of bodies


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...]
    views: tuple[View, ...]


class RuleError(ValueError):
    """A rule file that does not follow the contract, or a rule whose SQL fails."""


@functools.cache
def load_rules(path: Path = RULES_PATH) -> RuleSet:
    """The rules and the views they read, checked against the contract. Read once per path."""
    with open(path, "rb") as f:
        data = tomllib.load(f)
    views = tuple(View(v["name"], v["sql"].strip(), bool(v.get("whole", False))) for v in data.get("view", []))
    rules: list[Rule] = []
    seen: set[str] = set()
    for raw in data.get("rule", []):
        rid = raw.get("id", "?")
        missing = [k for k in ("id", "code", "scope", "severity", "operator", "sentence", "lhs", "rhs", "sql")
                   if k not in raw]
        if missing:
            raise RuleError(f"rule {rid}: missing {', '.join(missing)}")
        if rid in seen:
            raise RuleError(f"rule {rid}: defined twice")
        seen.add(rid)
        for key, allowed in (("scope", SCOPES), ("severity", SEVERITIES), ("operator", tuple(_OPERATORS))):
            if raw[key] not in allowed:
                raise RuleError(f"rule {rid}: {key} {raw[key]!r} is not one of {', '.join(allowed)}")
        tolerance = float(raw.get("tolerance", 0))
        if not tolerance >= 0:
            raise RuleError(f"rule {rid}: tolerance must be 0 or more")
        listed = raw.get("in_quality_issues", False)
        if not isinstance(listed, bool):
            raise RuleError(f"rule {rid}: in_quality_issues must be true or false")
        rules.append(Rule(rid, raw["code"], raw["scope"], raw["severity"], raw["operator"], tolerance,
                          " ".join(raw["sentence"].split()), raw["lhs"], raw["rhs"], raw["sql"].strip(), listed,
                          bool(raw.get("whole", False))))
    return RuleSet(tuple(rules), views)


def _num(expr: str) -> str:
    """A number as text: whole numbers as digits (%.15g, as quality_issues prints them), NULL as 'missing'."""
    return f"coalesce(printf('%.15g', {expr}), 'missing')"


_MAX_CELLS_IN_DETAIL = 5  # the rest are in `cells`; a whole missing row would make a paragraph


def _cell_list(where: str) -> str:
    """The cells matching a lambda condition on `c`, as 'key printed (location)' text, the first few."""
    picked = f"list_filter(cells, lambda c: {where})"
    return (f"array_to_string(list_transform(list_slice({picked}, 1, {_MAX_CELLS_IN_DETAIL}), "
            "lambda c: c.\"key\" || coalesce(' ' || nullif(trim(c.printed), ''), '') "
            "|| coalesce(' (' || c.location || ')', '')), '; ') "
            f"|| CASE WHEN len({picked}) > {_MAX_CELLS_IN_DETAIL} "
            f"THEN printf(' and %d more', len({picked}) - {_MAX_CELLS_IN_DETAIL}) ELSE '' END")


def _rule_sql(rule: Rule, columns: dict[str, str], cell_type: str) -> str:
    """The INSERT that evaluates one rule: its SELECT, wrapped with the status and the detail.

    ``columns`` are the SELECT's columns and types; ``cell_type`` the type of rule_cells.cell.
    """
    present = set(columns)
    lacking = [c for c in _REQUIRED_COLUMNS if c not in present]
    if lacking:
        raise RuleError(f"rule {rule.id}: its SQL returns no {', '.join(lacking)} column")
    holds, ok_sym, bad_sym = _OPERATORS[rule.operator]
    holds = holds.format(tol=repr(rule.tolerance))
    approx = "coalesce(r.approximate, FALSE)" if "approximate" in present else "FALSE"
    year = "coalesce(r.year, s.year)" if "year" in present else "s.year"
    body = "coalesce(r.body_key, s.body_key)" if "body_key" in present else "s.body_key"
    lhs_l, rhs_l = literal(rule.lhs), literal(rule.rhs)
    own_detail = "r.detail" if "detail" in present else "NULL"
    # A rule that reads no cell writes `NULL AS cells`, which DuckDB types as "NULL": give it the
    # list type, so that the one status expression below fits every rule.
    cells = "cells" if columns["cells"].endswith("[]") else f"NULL::{cell_type}[]"
    return f"""
INSERT INTO {RESULTS_TABLE}
WITH r AS (
{rule.sql}
),
judged AS (
    SELECT
        r.*,
        coalesce(list_bool_or(list_transform(r.cells, lambda c: c.value IS NULL AND NOT coalesce(c.approximate, FALSE))),
                 FALSE) AS _missing,
        {approx} OR coalesce(list_bool_or(list_transform(r.cells, lambda c: coalesce(c.approximate, FALSE))),
                             FALSE) AS _approximate
    FROM (SELECT * REPLACE (CAST(lhs AS DOUBLE) AS lhs, CAST(rhs AS DOUBLE) AS rhs, {cells} AS cells) FROM r) AS r
),
statused AS (
    SELECT
        *,
        CASE
            WHEN _missing THEN 'not_assessable'
            WHEN _approximate THEN 'uncertain'
            WHEN lhs IS NULL OR rhs IS NULL THEN 'not_assessable'
            WHEN {holds} THEN 'pass'
            ELSE 'fail'
        END AS _status
    FROM judged
)
SELECT
    {literal(rule.id)},
    {literal(rule.code)},
    {literal(rule.scope)},
    r._status,
    {literal(rule.severity)},
    r.report_id,
    r.related_report_id,
    {body},
    {year},
    s.is_current,
    r.subject,
    -- a side summed over a missing cell is no number: not shown
    CASE WHEN r._status <> 'not_assessable' THEN r.lhs END,
    CASE WHEN r._status <> 'not_assessable' THEN r.rhs END,
    CASE WHEN r._status = 'fail' AND {own_detail} IS NOT NULL THEN {own_detail}
         WHEN r._status = 'not_assessable' THEN 'not assessable, missing: '
            || coalesce(nullif({_cell_list("c.value IS NULL AND NOT coalesce(c.approximate, FALSE)")}, ''),
                        'an input of the rule') || '; ' || {lhs_l} || ' not compared with ' || {rhs_l}
        ELSE
            CASE WHEN r._status = 'uncertain' THEN 'uncertain, approximate or ambiguous: '
                 || coalesce(nullif({_cell_list("coalesce(c.approximate, FALSE)")}, ''), 'an input of the rule')
                 || '; ' ELSE '' END
            || {lhs_l} || ' ' || {_num('r.lhs')}
            || CASE r._status WHEN 'fail' THEN ' {bad_sym} ' WHEN 'pass' THEN ' {ok_sym} ' ELSE ' vs ' END
            || {rhs_l} || ' ' || {_num('r.rhs')}
            || CASE WHEN r._status = 'fail' AND {rule.tolerance!r} > 0 THEN ' (tolerance {rule.tolerance:g})'
                    ELSE '' END
    END,
    -- a pass lists the cells it read by key and line (their values and full locations are in the
    -- tidy tables): in full, every pass would make ~80% of the engine's time and of the warehouse
    coalesce(CASE WHEN r._status = 'pass'
                  THEN CAST(to_json(list_transform(r.cells, lambda c: CASE WHEN c.report_id = r.report_id THEN ''
                                                                           ELSE c.report_id || ':' END
                                                                      || c."table" || ':' || c."key"
                                                                      || coalesce('@' || c.line, ''))) AS VARCHAR)
                  ELSE CAST(to_json(r.cells) AS VARCHAR) END, '[]'),
    r._own."table",
    r._own.line,
    {'TRUE' if rule.in_quality_issues else 'FALSE'}
FROM (SELECT *, list_filter(cells, lambda c: c.report_id = report_id)[1] AS _own FROM statused) AS r
LEFT JOIN stg_reports AS s ON s.report_id = r.report_id
"""


# Reports per batch: at 10,000 the largest batch table (table 3's cells, ~1.7 M rows) and the rules'
# list aggregates over it stay well inside the warehouse's 1 GB.
BATCH_REPORTS = 10_000


def _columns(con: duckdb.DuckDBPyConnection, sql: str) -> dict[str, str]:
    """Column names and types of a SELECT, without running it."""
    return {d[0]: str(d[1]) for d in con.execute(f"SELECT * FROM ({sql}) LIMIT 0").description}


def run_rules(con: duckdb.DuckDBPyConnection, ruleset: RuleSet | None = None,
              batch_reports: int = BATCH_REPORTS) -> int:
    """Evaluate every rule into the table check_results (replaced); returns its row count.

    ``con`` is a writable connection to a built warehouse (loaded tables and models), not in a
    transaction: the rules run in one of their own, so check_results is replaced whole or not at
    all (and one commit instead of one per rule saves a quarter of the time). The views and the
    batches' tables are temporary and dropped afterwards.
    """
    ruleset = ruleset or load_rules()
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(_DDL)
        with _whole_views(con, ruleset):
            _run_batches(con, ruleset, ruleset.rules, "TRUE", batch_reports)
        comment(con, RESULTS_TABLE, RESULT_DOC, RESULT_COLUMNS)
        n = con.execute(f"SELECT count(*) FROM {RESULTS_TABLE}").fetchone()[0]
        con.execute("COMMIT")
        return n
    except BaseException:
        con.execute("ROLLBACK")  # the temp tables go with it
        raise


def refresh_rules(con: duckdb.DuckDBPyConnection, reports: str, ruleset: RuleSet | None = None,
                  batch_reports: int = BATCH_REPORTS) -> int:
    """Recompute check_results for the reports in the table ``reports`` (every report of a body in
    it must be in it: a body's results compare its reports), in the caller's transaction; the
    rules marked ``whole`` (they read across bodies: body_reported_again) run again over every
    report. check_results must be what ``run_rules`` gave with the same rules for the reports not
    listed. Returns the number of reports recomputed."""
    ruleset = ruleset or load_rules()
    whole = [r for r in ruleset.rules if r.whole]
    con.execute(f"DELETE FROM {RESULTS_TABLE} WHERE report_id IN (SELECT report_id FROM {ident(reports)})"
                + (f" OR rule_id IN ({', '.join(literal(r.id) for r in whole)})" if whole else ""))
    with _whole_views(con, ruleset):
        n = _run_batches(con, ruleset, [r for r in ruleset.rules if not r.whole],
                         f"report_id IN (SELECT report_id FROM {ident(reports)})", batch_reports)
        if whole:
            _run_batches(con, ruleset, whole, "TRUE", batch_reports)
    return n


@contextlib.contextmanager
def _whole_views(con: duckdb.DuckDBPyConnection, ruleset: RuleSet) -> Iterator[None]:
    """The views made once over every report, as temp tables while the rules run."""
    made = []
    for view in ruleset.views:
        if view.whole:
            con.execute(f"CREATE TEMP TABLE {ident(view.name)} AS\n{view.sql}")
            made.append(view.name)
    yield
    for name in reversed(made):
        con.execute(f"DROP TABLE temp.main.{ident(name)}")


def _run_batches(con: duckdb.DuckDBPyConnection, ruleset: RuleSet, rules: Sequence[Rule], where: str,
                 batch_reports: int) -> int:
    """Insert the results of ``rules`` for the reports of stg_reports matching ``where``, a batch of
    bodies at a time: the tables the rules and their views read cut to the batch (temp tables
    shadowing them), the views the rules read made over those. Returns the reports evaluated."""
    if not rules:
        return 0
    db = ident(con.execute("SELECT current_database()").fetchone()[0])
    views = _views_read(ruleset, rules)
    cut = _cut_tables(con, ruleset, rules, views)
    n_reports = con.execute(f"SELECT count(*) FROM stg_reports WHERE {where}").fetchone()[0]
    n_batches = max(1, -(-n_reports // batch_reports))
    # a body's reports in one batch: the rules across its years compare them
    con.execute(f"CREATE TEMP TABLE _rule_batch AS SELECT report_id, hash(body_key) % {n_batches} AS batch "
                f"FROM stg_reports WHERE {where}")
    statements: list[tuple[Rule, str]] | None = None
    for batch in range(n_batches):
        here: list[str] = []
        for table in cut:
            con.execute(f"CREATE TEMP TABLE {ident(table)} AS SELECT * FROM {db}.main.{ident(table)} "
                        f"WHERE report_id IN (SELECT report_id FROM _rule_batch WHERE batch = {batch})")
            here.append(table)
        for view in views:
            con.execute(f"CREATE TEMP TABLE {ident(view.name)} AS\n{view.sql}")
            here.append(view.name)
        if statements is None:  # the same SQL for every batch: written and checked once
            statements = _statements(con, ruleset, rules)
        for rule, sql in statements:
            try:
                con.execute(sql)
            except duckdb.Error as err:
                raise RuleError(f"rule {rule.id}: {err}") from err
        for name in reversed(here):
            con.execute(f"DROP TABLE temp.main.{ident(name)}")
    con.execute("DROP TABLE _rule_batch")
    return n_reports


def _statements(con: duckdb.DuckDBPyConnection, ruleset: RuleSet, rules: Sequence[Rule]) -> list[tuple[Rule, str]]:
    """Each rule's INSERT, written against the views of the batch (their column types)."""
    cells = next(v for v in ruleset.views if v.name == "rule_cells")
    cell_type = _columns(con, cells.sql)["cell"]  # typed without being made: a rule may not read it
    out = []
    for rule in rules:
        try:
            out.append((rule, _rule_sql(rule, _columns(con, rule.sql), cell_type)))
        except duckdb.Error as err:
            raise RuleError(f"rule {rule.id}: {err}") from err
    return out


def _views_read(ruleset: RuleSet, rules: Sequence[Rule]) -> list[View]:
    """The batch views the rules read, directly or through another view, in the file's order."""
    by_name = {v.name.lower(): v for v in ruleset.views if not v.whole}
    wanted: set[str] = set()
    todo = [d for r in rules for d in sql_dependencies(r.sql) if d in by_name]
    while todo:
        name = todo.pop()
        if name not in wanted:
            wanted.add(name)
            todo += [d for d in sql_dependencies(by_name[name].sql) if d in by_name]
    return [v for v in ruleset.views if v.name.lower() in wanted]


def _cut_tables(con: duckdb.DuckDBPyConnection, ruleset: RuleSet, rules: Sequence[Rule],
                views: Sequence[View]) -> list[str]:
    """The tables ``rules`` and ``views`` read that have a report_id (cut per batch)."""
    names = {v.name.lower() for v in ruleset.views}
    reads: set[str] = {"stg_reports"}  # every result is joined to its report
    for sql in [v.sql for v in views] + [r.sql for r in rules]:
        reads |= sql_dependencies(sql)
    with_report = {r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_columns() WHERE database_name = current_database() "
        "AND schema_name = 'main' AND column_name = 'report_id'").fetchall()}
    return sorted(t for t in reads - names if t in with_report)


def as_model(ruleset: RuleSet | None = None, path: Path = RULES_PATH) -> Model:
    """The engine as a model of the runner: the table check_results, made by ``run_rules`` over
    the tables its rules and views read (their dependencies, read from their SQL like a model's).

    Not an incremental model of the runner (its rows are not one SELECT), but refreshable: an
    incremental build with the same rules recomputes the results of the bodies that changed
    (``refresh_rules``) and runs the rules marked whole again over every report."""
    ruleset = ruleset or load_rules(path)
    reads: set[str] = set()
    for sql in [v.sql for v in ruleset.views] + [r.sql for r in ruleset.rules]:
        reads |= sql_dependencies(sql)
    deps = reads - {v.name.lower() for v in ruleset.views}
    return Model(RESULTS_TABLE, path, "", tuple(sorted(deps)), RESULT_DOC, dict(RESULT_COLUMNS),
                 run=lambda con: run_rules(con, ruleset),
                 refresh=lambda con, reports: refresh_rules(con, reports, ruleset))


def render_rules_markdown(ruleset: RuleSet | None = None) -> str:
    """The README's list of checks: every rule with its sentence, grouped by scope."""
    ruleset = ruleset or load_rules()
    titles = {"cell": "One cell", "report": "Inside one report",
              "body_years": "Across a body's years (current reports; a body is its region code and "
                            "normalised name)",
              "region": "Across a region"}
    out: list[str] = []
    for scope in SCOPES:
        rules = [r for r in ruleset.rules if r.scope == scope]
        if not rules:
            continue
        out.append(f"**{titles[scope]}**\n")
        out += [f"- `{r.id}` ({r.severity}; code `{r.code}`"
                f"{', in quality_issues' if r.in_quality_issues else ''}; {r.lhs} {r.operator} {r.rhs}): "
                f"{r.sentence}" for r in rules]
        out.append("")
    return "\n".join(out).rstrip() + "\n"
