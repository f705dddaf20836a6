"""Selection -> the flat table (one row per export row, every indicator's years and changes side
by side, see layout.flat) as CSV and as Parquet."""
from __future__ import annotations

from pathlib import Path

from . import layout
from .selection import Selection
from .files import write_file


def write_csv(sel: Selection, dest: Path) -> Path:
    """UTF-8 with a BOM (utf-8-sig): Excel then opens the Chinese names correctly."""
    frame = layout.flat(sel)
    return write_file(dest, lambda tmp: frame.to_csv(tmp, index=False, encoding="utf-8-sig"))


def write_parquet(sel: Selection, dest: Path) -> Path:
    """The same table, typed (counts Int64 where whole, shares double), with pyarrow."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(layout.flat(sel), preserve_index=False)
    table = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                           b"ogi.export": sel.title.encode("utf-8")})
    return write_file(dest, lambda tmp: pq.write_table(table, tmp))
