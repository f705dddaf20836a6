"""Named points between the writes of a run, where the kill-and-rerun tests stop the process.

With OGI_KILL_AT=n the process kills itself with SIGKILL at the n-th point it reaches (no
cleanup, no finally blocks: as a power cut or an OOM kill would). With OGI_KILL_LOG=file each
point reached is appended to the file, so a test can count them. Unset, as in every real run,
a point costs one environment lookup.
"""
from __future__ import annotations

import os
import signal

_reached = 0


def checkpoint(name: str) -> None:
    target = os.environ.get("OGI_KILL_AT")
    log = os.environ.get("OGI_KILL_LOG")
    if target is None and log is None:
        return
    global _reached
    _reached += 1
    if log:
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(f"{_reached}\t{name}\n")
    if target is not None and _reached == int(target):
        os.kill(os.getpid(), signal.SIGKILL)
