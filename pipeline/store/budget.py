"""Parse each file in a worker process with a time and a memory budget.

A file can cost what no report should: a catastrophic regular expression, a page of millions of
lines. In-process, one such file would hold the night's run for hours or take the machine's
memory. In a worker it is stopped: past its time the worker is killed and replaced, past its
memory the worker's allocation fails; the file is recorded `crashed` with the reason and the run
goes on. The worker is forked, so the parse function needs no pickling; its results come back
as plain records.
"""
from __future__ import annotations

import multiprocessing as mp
import resource
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.pool import Pool

DEFAULT_SECONDS = 120.0  # a report parses in milliseconds, a long PDF in seconds
DEFAULT_MEMORY_MB = 2048  # over what the worker already maps when it starts

_parse: Callable[[bytes, str], object] | None = None
_memory_mb: int = DEFAULT_MEMORY_MB


@dataclass(frozen=True)
class Budget:
    seconds: float = DEFAULT_SECONDS
    memory_mb: int = DEFAULT_MEMORY_MB


class BudgetExceeded(Exception):
    """A file took longer, or needed more memory, than a file may."""


def _init(parse: Callable[[bytes, str], object], memory_mb: int) -> None:
    global _parse, _memory_mb
    _parse, _memory_mb = parse, memory_mb
    # The limit counts from what the forked worker already maps (libraries, the parent's heap).
    with open("/proc/self/statm") as f:
        mapped = int(f.read().split()[0]) * resource.getpagesize()
    limit = mapped + memory_mb * 2**20
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard == resource.RLIM_INFINITY or limit < hard:
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _work(raw: bytes, name: str) -> dict[str, list[dict]]:
    try:
        return _parse(raw, name).records  # type: ignore[misc, union-attr]
    except MemoryError:
        raise BudgetExceeded(f"needed more than {_memory_mb} MB of memory to parse; tried again next run") from None


class ParseWorker:
    """`worker(raw, name)` -> the parsed records, or the parser's exception, or BudgetExceeded."""

    def __init__(self, parse: Callable[[bytes, str], object], budget: Budget) -> None:
        self.parse, self.seconds, self.memory_mb = parse, budget.seconds, budget.memory_mb
        self._pool: Pool | None = None

    def __enter__(self) -> "ParseWorker":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _start(self) -> Pool:
        if self._pool is None:
            self._pool = mp.get_context("fork").Pool(1, initializer=_init, initargs=(self.parse, self.memory_mb))
        return self._pool

    def __call__(self, raw: bytes, name: str) -> dict[str, list[dict]]:
        job = self._start().apply_async(_work, (raw, name))
        try:
            return job.get(timeout=self.seconds)
        except mp.TimeoutError:
            self._kill()
            raise BudgetExceeded(f"took longer than {self.seconds:g} s to parse; stopped, tried again next run") from None

    def _kill(self) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool.join()
            self._pool = None
