"""Every export file is written the way the lake is: to a temp file beside it, then renamed into
place (pipeline.store.atomic), so a reader never opens half a workbook and a failed export leaves
the previous file as it was."""
from __future__ import annotations

from pathlib import Path

from ..store import atomic


class ExportWriteError(OSError):
    """An export file could not be put in place; `str(err)` names it."""


def write_file(dest: Path, write: atomic.WriteFn) -> Path:
    """Make `dest` with `write(tmp)`, atomically; its folder is created if needed."""
    dest.parent.mkdir(parents=True, exist_ok=True)

    def failed(err: OSError) -> BaseException:
        return ExportWriteError(f"cannot write {dest}: {err.strerror or err}")

    atomic.write_atomic(dest, write, failed=failed, written=f"export: {dest.name} written, not yet in place",
                        placed=f"export: {dest.name} in place")
    return dest
