"""The export entry points: select a region's frames, write them in each format."""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from .formats import FORMATS
from .selection import ExportError, Selection, select


def file_stem(sel: Selection) -> str:
    """<code>_<name>_<years>: the code keeps two regions of one name apart."""
    return f"{sel.region.code}_{sel.region.name}_{sel.span}"


def write(sel: Selection, out_dir: Path, formats: Iterable[str] = FORMATS, *, rank: str | None = None) -> list[Path]:
    """Write `sel` in each of `formats` to `out_dir`; returns the paths written."""
    from .excel import write_xlsx
    from .flat import write_csv, write_parquet
    from .html import write_html

    writers = {"xlsx": write_xlsx, "csv": write_csv, "parquet": write_parquet,
               "html": lambda s, d: write_html(s, d, rank)}
    if rank is not None and rank not in sel.kinds:
        raise ExportError(f"no indicator {rank!r} to rank by; indicators are the numeric columns of report_indicators")
    stem = file_stem(sel)
    return [writers[f](sel, out_dir / f"{stem}.{f}") for f in formats]


def export(warehouse: Path, region: str, year_from: int | None, year_to: int | None, out_dir: Path,
           formats: Iterable[str] = FORMATS, *, rows: str = "auto", rank: str | None = None) -> list[Path]:
    """Select and write; raises ExportEmptyError (nothing written) when the region has no reports."""
    return write(select(warehouse, region, year_from, year_to, rows), out_dir, formats, rank=rank)


def export_many(warehouse: Path, out_dir: Path, regions: Iterable[str] = (), last_years: int = 3,
                formats: Iterable[str] = FORMATS) -> tuple[list[Path], list[str]]:
    """The nightly exports: each of `regions` (default: every province with reports) over the
    last `last_years` years with reports in the warehouse. Returns the files written and, for a
    region that could not be exported (no reports in those years, an unknown name), why."""
    from .selection import connect

    con = connect(warehouse)
    try:
        hi = con.execute("SELECT max(year) FROM report_indicators").fetchone()[0]
        wanted = list(regions) or [c for (c,) in con.execute(
            "SELECT DISTINCT province_code FROM report_indicators WHERE province_code IS NOT NULL ORDER BY 1"
        ).fetchall()]
    finally:
        con.close()
    if hi is None:
        return [], ["the warehouse holds no report with a year"]
    paths: list[Path] = []
    skipped: list[str] = []
    for region in wanted:
        try:
            paths += export(warehouse, region, int(hi) - last_years + 1, int(hi), out_dir, formats)
        except ExportError as err:
            skipped.append(f"{region}: {err}")
    return paths, skipped
