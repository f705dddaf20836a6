"""Column contracts of the tidy frames that `parse_report` returns.

Everything downstream (Parquet lake, DuckDB tables, SQL models, asset checks) reads these
names, so they live in one place. Keys follow ../shared/docs/report-schema.md.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas takes ~0.4 s to import: only the functions that build frames load it
    import pandas as pd

# Region columns are filled by pipeline.regions; they are part of `reports` so that every
# indicator can be rolled up by code without a join to a separate table.
REGION_COLUMNS: dict[str, str] = {
    "province": "string",
    "province_code": "string",  # 6-digit GB/T 2260 code
    "prefecture": "string",
    "prefecture_code": "string",
    "county": "string",
    "county_code": "string",
    "township": "string",
    "township_code": "string",  # 9-digit Ministry of Civil Affairs code, never a 12-digit stats code
    "admin_level": "string",  # province | prefecture | county | township | department
    "department": "string",  # the department name when the body is not a place
    "region_method": "string",  # title | body | alias | none
}

# Where a value stands. `line` orders values in reading order and, for a plain-text file, is the
# file's own line; `location` says it in the format's terms (`ogi parse --lines` prints the lines).
LOCATION_COLUMNS: dict[str, str] = {
    "line": "Int64",  # 1-based line of the document in reading order (text files: the source line)
    "page": "Int64",  # PDF page, null for other formats
    "location": "string",  # e.g. "line 42", "page 3, table 2, row 5, column 3", "table 1, row 4, column 2"
}

FRAMES: dict[str, dict[str, str]] = {
    "reports": {
        "report_id": "string",  # first 16 hex digits of the sha256 of the raw bytes
        "sha256": "string",
        "source_path": "string",
        "format": "string",  # text | html | docx | pdf: the reader the bytes were sniffed for
        "source_url": "string",  # the page the report was crawled from, where the file says so
        "encoding": "string",
        "title": "string",
        "org": "string",  # issuing body as printed in the title
        "year": "Int64",
        "year_source": "string",  # title | period | none
        "template_version": "string",  # 2019 | 2021 | mixed
        "table2_version": "string",
        "table3_version": "string",
        "n_lines": "Int64",
        "problems_text": "string",  # section 五, as text
        "other_matters_text": "string",  # section 六, as text, web-page junk removed
        **REGION_COLUMNS,
    },
    "active_disclosure": {
        "report_id": "string",
        "item": "string",
        "measure": "string",
        "value": "Float64",
        "unit": "string",  # 万元 / 元 for money, null for counts
        "readings": "string",  # a row of run-together digits left open: its readings, "69|3|665;6|93|665"
        **LOCATION_COLUMNS,
        "raw": "string",  # the cell text as printed
    },
    "applications": {
        "report_id": "string",
        "outcome": "string",
        "applicant": "string",
        "value": "Float64",
        **LOCATION_COLUMNS,
        "raw": "string",
    },
    "reviews_litigation": {
        "report_id": "string",
        "proceeding": "string",
        "result": "string",
        "value": "Float64",
        **LOCATION_COLUMNS,
        "raw": "string",
    },
    "narrative_facts": {
        "report_id": "string",
        "fact": "string",
        "value": "Float64",
        "qualifier": "string",  # exact | at_least
        "category": "string",  # category or channel as printed; null for totals
        "evidence": "string",  # the clause the number came from
        **LOCATION_COLUMNS,
    },
    "issues": {
        "report_id": "string",
        "code": "string",
        "table": "string",
        "field": "string",  # e.g. "total_processed/total" or "review/total"
        "detail": "string",
        **LOCATION_COLUMNS,
    },
}

TABLE_NAMES: tuple[str, ...] = tuple(FRAMES)


def empty_frame(name: str) -> pd.DataFrame:
    return frame_from_records(name, [])


def frame_from_records(name: str, records: list[dict]) -> pd.DataFrame:
    """Build a frame with exactly the contract's columns and dtypes, whatever the records hold.

    Column by column through pd.array: an order of magnitude cheaper than DataFrame.astype, which
    matters when a nightly run builds frames for thousands of reports.
    """
    import pandas as pd

    columns = FRAMES[name]
    return pd.DataFrame({col: pd.array([r.get(col) for r in records], dtype=dtype)
                         for col, dtype in columns.items()})


def frames_from_records(records: dict[str, list[dict]]) -> dict[str, pd.DataFrame]:
    """All six frames from records concatenated over many reports (one frame build per batch)."""
    return {name: frame_from_records(name, records.get(name, [])) for name in FRAMES}
