"""One writer per project: a run holds this lock from its first write to its publish.

The lake and warehouse locks guard one step each; between two steps another run could slip in,
and two interleaved runs once published a warehouse with half its tables. This lock is held for
a whole run by `ogi run` and by the Dagster job (schedule, sensor, UI or CLI alike). It is an OS
file lock (flock): it dies with the process that holds it, so a killed run never leaves it stuck.
A second run waits a bounded time, then stops with "another run is writing (pid N, since …)".
"""
from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

try:  # POSIX only
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

LOCK_NAME = ".run.lock"
_POLL = 0.2  # seconds between tries while waiting


class AnotherRunError(RuntimeError):
    """Another run holds the project's write lock."""


class RunLock:
    """The lock of one data folder. Reentrant inside one process, so the steps of a Dagster run
    executed in-process share the run's hold."""

    _held: dict[Path, tuple[object, int, str]] = {}  # lock file -> (open file, depth, owner)

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / LOCK_NAME

    def acquire(self, wait: float = 0.0, owner: str = "") -> None:
        held = self._held.get(self.path)
        if held is not None:
            f, depth, who = held
            self._held[self.path] = (f, depth + 1, who)
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        f = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - held beyond this call
        deadline = time.monotonic() + max(wait, 0.0)
        while fcntl is not None:
            try:
                fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    f.seek(0)
                    holder = f.read().strip() or "pid unknown"
                    f.close()
                    raise AnotherRunError(f"another run is writing ({holder}); try again when it is done") from None
                time.sleep(_POLL)
        f.seek(0)
        f.truncate()
        since = datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")
        f.write(f"pid {os.getpid()}, since {since}" + (f", {owner}" if owner else ""))
        f.flush()
        self._held[self.path] = (f, 1, owner)

    def release(self) -> None:
        held = self._held.get(self.path)
        if held is None:
            return
        f, depth, who = held
        if depth > 1:
            self._held[self.path] = (f, depth - 1, who)
            return
        del self._held[self.path]
        with contextlib.suppress(OSError):
            f.seek(0)
            f.truncate()
        f.close()  # closing the file releases the flock

    @property
    def held(self) -> bool:
        return self.path in self._held


@contextlib.contextmanager
def hold(data_dir: Path, wait: float = 0.0, owner: str = "") -> Iterator[None]:
    """Hold the project's write lock for the block (waiting at most `wait` seconds for it)."""
    lock = RunLock(data_dir)
    lock.acquire(wait, owner)
    try:
        yield
    finally:
        lock.release()
