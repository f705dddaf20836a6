"""What a run prints at its end: files not read as reports, and the like-with-like yearly comparison.

Read-only queries over the published warehouse, shared by `ogi run` and the Dagster job.
"""
from __future__ import annotations

from pathlib import Path

import duckdb

from . import query

# What the end-of-run summary shows; the table has every indicator.
SUMMARY_INDICATORS = (
    "proactive_items_prose", "normative_documents_issued", "applications_new",
    "applications_processed", "share_granted", "review_cases", "n_quality_issues",
)


_NOTE = ("Like with like: each figure adds up the same bodies in both years (bodies: those that reported\n"
         "and give the figure in both); entered / dropped: bodies that reported in one year only, and their figure.")
_TABLE_COLUMNS = ("scope", "name", "key", "indicator", "years", "bodies", "previous_value", "value",
                  "change", "entered", "dropped")


def yearly_comparison_text(warehouse_path: Path, indicators: tuple[str, ...] = SUMMARY_INDICATORS) -> str:
    """The like-with-like comparison: each figure adds up the same bodies in both years.

    Regions whose years share no reporting body cannot be compared fairly: they get one line
    each saying who came and went instead of a change (their totals stay in all_bodies_*)."""
    df = query.run_query(
        """
        SELECT scope, name, key, indicator, kind, previous_year, year, n_bodies, n_bodies_in_both_years,
               previous_value, value, change, n_bodies_entered, entered_value,
               n_bodies_dropped, dropped_value
        FROM yearly_comparison
        WHERE list_contains($indicators, indicator)
        ORDER BY CASE scope WHEN 'province' THEN 1 WHEN 'prefecture' THEN 2 WHEN 'county' THEN 3
                 WHEN 'township' THEN 4 ELSE 5 END, key, year, indicator
        """, warehouse_path, {"indicators": list(indicators)})
    if df.empty:
        return "No body or region has reports for two different years yet: nothing to compare."
    df["years"] = [f"{p}→{y}" for p, y in zip(df["previous_year"], df["year"])]
    shared = df["n_bodies_in_both_years"] > 0
    parts: list[str] = []
    if shared.any():
        table = df[shared].copy()
        for col in ("previous_value", "value", "change"):
            table[col] = [_fmt(v, k, change=col == "change") for v, k in zip(table[col], table["kind"])]
        table["entered"] = [_with_figure(n, v, k) for n, v, k in
                            zip(table["n_bodies_entered"], table["entered_value"], table["kind"])]
        table["dropped"] = [_with_figure(n, v, k) for n, v, k in
                            zip(table["n_bodies_dropped"], table["dropped_value"], table["kind"])]
        table = table.rename(columns={"n_bodies": "bodies"})
        parts += [_NOTE, query.format_table(table[list(_TABLE_COLUMNS)], max_rows=200)]
    unshared = df[~shared].drop_duplicates(["scope", "key", "previous_year", "year"])
    if not unshared.empty:
        parts.append("Not compared: no body reported in both years (totals over all bodies are in "
                     "all_bodies_* of yearly_comparison):")
        parts += [f"  {r.scope} {r.name} ({r.key}) {r.years}: {_bodies(r.n_bodies_dropped)} reported in "
                  f"{r.previous_year} only, {_bodies(r.n_bodies_entered)} in {r.year} only"
                  for r in unshared.itertuples()]
    return "\n".join(parts)


def _bodies(n: int) -> str:
    return f"{n} body" if n == 1 else f"{n} bodies"


def _with_figure(n: int, value: object, kind: str) -> str:
    """'0', or the number of bodies and their figure: '1 (6)'; '2 (-)' when none gives it."""
    if not n:
        return "0"
    return f"{n} ({_fmt(value, kind) or '-'})"


def skipped_files_text(warehouse_path: Path, limit: int = 10) -> str:
    """The files the warehouse holds no report for, and why; all of them are in ingest_log."""
    df = query.run_query("""
        SELECT path, status, reason FROM ingest_log
        WHERE status NOT IN ('parsed', 'parsed_with_issues')
          AND last_seen = (SELECT max(last_seen) FROM ingest_log)  -- files still in the raw folders
        ORDER BY path""", warehouse_path)
    if df.empty:
        return "ogi: every file was read as a report"
    lines = [f"ogi: {len(df)} file(s) not read as reports (all in table ingest_log):"]
    lines += [f"  {row.status}: {row.path}: {row.reason}" for row in df.head(limit).itertuples()]
    if len(df) > limit:
        lines.append(f"  ... {len(df) - limit} more: ogi query \"SELECT * FROM ingest_log WHERE status NOT LIKE 'parsed%'\"")
    return "\n".join(lines)


def corrections_text(warehouse_path: Path) -> str | None:
    """One line on the corrections when there are any: how many are applied and how many need a
    person to look again (stale, invalid); None when corrections.csv has none."""
    try:
        df = query.run_query("SELECT status, count(*) AS n FROM correction_status GROUP BY status ORDER BY status",
                             warehouse_path)
    except duckdb.CatalogException:  # a warehouse built before corrections: nothing to say
        return None
    if df.empty:
        return None
    counts = dict(zip(df["status"], df["n"]))
    text = "ogi: corrections: " + ", ".join(f"{int(n)} {status}" for status, n in counts.items())
    if counts.get("stale") or counts.get("invalid"):
        text += ("; to look at again: ogi query \"SELECT org, year, table_name, key, status, detail "
                 "FROM correction_status WHERE status IN ('stale', 'invalid')\"")
    return text


def _fmt(value: object, kind: str, change: bool = False) -> str | None:
    if value is None or value != value:  # NULL / NaN
        return None
    if kind == "share":  # a change of a share is in percentage points, not percent
        return f"{float(value) * 100:+.1f} pt" if change else f"{float(value):.1%}"
    v = float(value)
    sign = "+" if change else ""  # a change says its direction: +3, -1
    return f"{v:{sign},.0f}" if v.is_integer() else f"{v:{sign},.2f}"
