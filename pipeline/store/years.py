"""The raw files of one report year: what rerunning that year parses again.

A new file has no year until it is parsed, so the nightly ingest cannot be split by year; a year
that is already in the lake can. The lake's manifest says which contents (sha256) were parsed
into reports of year Y; the inventory of the last scan says where those contents are now. A
rerun passes them to ``lake.stage_new_reports(..., again=...)``, and their new rows replace the
old ones when committed.
"""
from __future__ import annotations

import os
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq

from . import lake
from .scan import RawFile, sha256_of


def _contents_of_year(lake_dir: Path, year: int) -> set[str]:
    """sha256 of the contents the manifest records as parsed reports of `year`."""
    path = Path(lake_dir) / lake.MANIFEST_NAME
    if not path.exists():
        return set()
    # three columns, not the whole manifest: it has a row per content ever seen
    m = pq.read_table(path, columns=["sha256", "status", "year"])
    keep = pc.and_(pc.equal(m["status"], lake.PARSED), pc.equal(m["year"], year))
    return set(m["sha256"].filter(pc.fill_null(keep, False)).to_pylist())


def _unchanged(f: RawFile) -> bool:
    """Whether the file still holds the bytes the scan hashed.

    A file changed since the scan is left to the next nightly run, which sees a new content:
    parsed again here it would be recorded as crashed ("changed while it was read") in place of
    its good reading. The stat signature decides where the scan recorded one; a file too fresh
    to have one (rare: written in the seconds before the scan) is hashed again.
    """
    try:
        st = os.stat(f.path)
    except OSError:
        return False
    if f.signature is not None:
        return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino) == f.signature
    try:
        return st.st_size == f.size and sha256_of(f.path) == f.sha256
    except OSError:
        return False


def files_of_year(lake_dir: Path, year: int) -> list[RawFile]:
    """The files of the last scan (``lake.read_inventory``) whose content the lake holds as a
    report of `year`, and that are unchanged since; sorted by path.

    A content of that year whose file has left the raw folders is not in the list: its rows stay
    in the lake as they are. Two names with the same bytes are both listed (the lake reads the
    content once).
    """
    wanted = _contents_of_year(lake_dir, year)
    if not wanted:
        return []
    files = [f for f in lake.read_inventory(lake_dir) if f.status is None and f.sha256 in wanted]
    return sorted((f for f in files if _unchanged(f)), key=lambda f: f.name)

