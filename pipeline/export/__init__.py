"""Exports for analysts: a region and a range of years -> Excel, CSV, Parquet and an HTML page.

    from pipeline.export import export
    export(Path("data/warehouse.duckdb"), "宜春市", 2021, 2022, Path("data/exports"))

`selection` reads the frames from the SQL models (figures are never computed here), `layout`
reshapes them into the wide table a person reads, and `excel`, `flat` and `html` each write one
kind of file, atomically. `cli` holds the `ogi export` arguments.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from .formats import FORMATS

if TYPE_CHECKING:
    from .api import export, export_many, file_stem, write
    from .selection import ExportEmptyError, ExportError, Selection, select

__all__ = ["FORMATS", "ExportEmptyError", "ExportError", "Selection", "export", "export_many", "file_stem",
           "select", "write"]
_API = {"export", "export_many", "file_stem", "write"}


def __getattr__(name: str) -> object:
    """The API is loaded on first use: `ogi` imports pipeline.export.cli for its arguments, and
    `ogi parse` must not pay for DuckDB, pandas and altair."""
    if name in _API:
        from . import api

        return getattr(api, name)
    if name in __all__:
        from . import selection

        return getattr(selection, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
