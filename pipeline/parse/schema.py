"""Column contracts of the tidy frames that `parse_report` returns, as pandas dtypes.

Everything downstream (Parquet lake, DuckDB tables, SQL models, asset checks) reads these
names; they come from the field registry (pipeline/fields.toml), where each column is defined
once. Keys follow ../shared/docs/report-schema.md.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from ..fields import PANDAS_TYPES, frame_tables, group, pandas_dtypes

if TYPE_CHECKING:  # pandas takes ~0.4 s to import: only the functions that build frames load it
    import pandas as pd

# Every column is defined once, with its type, unit and meaning, in pipeline/fields.toml. The
# region columns are filled by pipeline.regions; they are part of `reports` so that every indicator
# can be rolled up by code without a join to a separate table. The location columns say where a
# value stands: `line` orders values in reading order and, for a plain-text file, is the file's
# own line; `location` says it in the format's terms (`ogi parse --lines` prints the lines).
REGION_COLUMNS: dict[str, str] = {f.name: PANDAS_TYPES[f.type] for f in group("region")}
LOCATION_COLUMNS: dict[str, str] = {f.name: PANDAS_TYPES[f.type] for f in group("location")}

# {frame: {column: pandas dtype}}, in the registry's order.
FRAMES: dict[str, dict[str, str]] = {name: pandas_dtypes(name) for name in frame_tables()}

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
