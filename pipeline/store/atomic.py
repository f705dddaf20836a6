"""Replace a file so that readers see the old content or the new one, never half of either.

The lake (Parquet files, manifest, path log, inventory) and the warehouse (the published DuckDB
file) write the same way: the new content goes to a temp file in the destination's folder (a
rename is atomic only within one file system), the temp file is fsynced, ``os.replace`` puts it
over the destination, and the folder is fsynced so that the rename itself survives a power cut.
Whatever fails, the temp file is removed and the destination keeps its previous content.

The two fault-injection points (``pipeline.faults.checkpoint``) are named by the caller, because
the kill-and-rerun tests stop the process at them by name and count.
"""
from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from pathlib import Path

from ..faults import checkpoint

WriteFn = Callable[[Path], None]
FailFn = Callable[[OSError], BaseException]
RemoveFn = Callable[[Path], None]


def temp_beside(dest: Path) -> Path:
    """A fresh hidden temp name next to ``dest``: ``.<name>.<random>.tmp``.

    Hidden so that globbing readers (``part-*.parquet``) never pick it up, and ending in
    ``.tmp`` so that ``lake.remove_orphans`` recognises what a killed writer left behind.
    """
    return dest.parent / f".{dest.name}.{uuid.uuid4().hex}.tmp"


def _unlink(path: Path) -> None:
    path.unlink(missing_ok=True)


def fsync_dir(path: Path) -> None:
    """Make a rename in ``path`` durable; a no-op where folders cannot be opened (Windows)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - not possible on every OS
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - some file systems refuse fsync on a folder
        pass
    finally:
        os.close(fd)


def write_atomic(dest: Path, write: WriteFn, *, failed: FailFn, written: str, placed: str,
                 tmp: Path | None = None, remove: RemoveFn = _unlink) -> None:
    """Put the content ``write`` makes at ``dest`` in one rename.

    ``write(tmp)`` creates the new file; the errors it raises are its caller's own and pass
    through unchanged (only the caller knows what it was writing and how to say so). An
    ``OSError`` while syncing or renaming (a full disk, a file in the way) becomes
    ``failed(err)``, whose message should name ``dest``. ``written`` and ``placed`` are the
    checkpoints just before and just after the rename. ``tmp`` defaults to ``temp_beside(dest)``;
    ``remove`` deletes it (and anything that goes with it) afterwards, whatever happened.
    """
    tmp = temp_beside(dest) if tmp is None else tmp
    try:
        write(tmp)
        checkpoint(written)
        try:
            # fsync before the rename: otherwise a power cut can leave the new name on empty data
            with open(tmp, "rb") as f:
                os.fsync(f.fileno())
            os.replace(tmp, dest)
        except OSError as err:
            raise failed(err) from err
        fsync_dir(dest.parent)
        checkpoint(placed)
    finally:
        remove(tmp)
