"""What a run prints at its end: files not read as reports, and the yearly comparison.

Read-only queries over the published warehouse, shared by `ogi run` and the Dagster job.
"""
from __future__ import annotations

from pathlib import Path

from . import query

# What the end-of-run summary shows; the table has every indicator.
SUMMARY_INDICATORS = (
    "proactive_items_prose", "normative_documents_issued", "applications_new",
    "applications_processed", "share_granted", "review_cases", "n_quality_issues",
)


def yearly_comparison_text(warehouse_path: Path, indicators: tuple[str, ...] = SUMMARY_INDICATORS) -> str:
    df = query.run_query(
        """
        SELECT scope, name, key, indicator, kind, previous_year || '→' || year AS years,
               previous_value, value, change, previous_n_reports || '→' || n_reports AS reports
        FROM yearly_comparison
        WHERE list_contains($indicators, indicator)
        ORDER BY CASE scope WHEN 'province' THEN 1 WHEN 'prefecture' THEN 2 WHEN 'county' THEN 3
                 WHEN 'township' THEN 4 ELSE 5 END, key, year, indicator
        """, warehouse_path, {"indicators": list(indicators)})
    if df.empty:
        return "No body or region has reports for two different years yet: nothing to compare."
    for col in ("previous_value", "value", "change"):
        df[col] = [_fmt(v, k, change=col == "change") for v, k in zip(df[col], df["kind"])]
    return query.format_table(df.drop(columns="kind"), max_rows=200)


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


def _fmt(value: object, kind: str, change: bool = False) -> str | None:
    if value is None or value != value:  # NULL / NaN
        return None
    if kind == "share":  # a change of a share is in percentage points, not percent
        return f"{float(value) * 100:+.1f} pt" if change else f"{float(value):.1%}"
    v = float(value)
    return f"{v:,.0f}" if v.is_integer() else f"{v:,.2f}"
