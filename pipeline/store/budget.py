"""Parse files in worker processes, all cores busy, each file under a time and a memory budget.

A file can cost what no report should: a catastrophic regular expression, a page of millions of
lines. In-process, one such file would hold the night's run for hours or take the machine's
memory. In a worker it is stopped: past its time that worker alone is killed and replaced, past
its memory the worker's allocation fails; the file comes back as `BudgetExceeded` with the reason
and the run goes on. A worker that dies (a crash in a C library, the OOM killer) costs only the
file it was reading.

Each worker parses one file at a time, with the next one waiting; a file's clock starts when its
worker begins it, and the file waiting behind one that is stopped goes to another worker, so
nothing else is lost. Workers are forked: the work function needs no pickling (a closure works);
what it returns comes back pickled, so it should be plain data.
"""
from __future__ import annotations

import gc
import multiprocessing as mp
import os
import resource
import select
import signal
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Generic, TypeVar

DEFAULT_SECONDS = 120.0  # a report parses in milliseconds, a long PDF in seconds
DEFAULT_MEMORY_MB = 2048  # over what the worker already maps when it starts
QUEUED = 2  # files sent to a worker at a time: the one it parses and the next, waiting in its pipe

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class Budget:
    seconds: float = DEFAULT_SECONDS
    memory_mb: int = DEFAULT_MEMORY_MB


class BudgetExceeded(Exception):
    """A file took longer, or needed more memory, than a file may (or its worker died)."""


def default_workers() -> int:
    """The cores this process may use (a container's CPU set, not the host's cores)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _limit_memory(memory_mb: int) -> None:
    # The limit counts from what the forked worker already maps (libraries, the parent's heap).
    with open("/proc/self/statm") as f:
        mapped = int(f.read().split()[0]) * resource.getpagesize()
    limit = mapped + memory_mb * 2**20
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard == resource.RLIM_INFINITY or limit < hard:
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _serve(conn: Connection, work: Callable[[object], object], memory_mb: int, others: list[Connection]) -> None:
    """The worker's loop: one item in, ("ok", result) or ("memory", None) out, until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it stops us
    for other in others:
        # The parent's ends of the other workers' pipes, copied by fork: held open here, a worker
        # would not see end of file when the parent dies.
        other.close()
    _limit_memory(memory_mb)
    while True:
        try:
            item = conn.recv()
        except (EOFError, OSError):
            return  # the parent is gone
        if item is None:
            return
        try:
            reply: tuple[str, object] = ("ok", work(item))
            conn.send(reply)
        except MemoryError:
            # while parsing or while pickling the result: either way the file needs too much
            reply = ("memory", None)
            conn.send(reply)
            return  # a heap that hit its limit is not one to keep parsing in


@dataclass(eq=False)  # compared and hashed as the object it is
class _Worker:
    process: mp.process.BaseProcess
    conn: Connection
    sent: deque = field(default_factory=deque)  # items sent, oldest first: the first is being parsed
    started: float = 0.0  # when the first of `sent` started


class WorkerPool(Generic[T, R]):
    """`pool.run(items)` -> (item, work(item) or BudgetExceeded) as each file finishes.

    Results come in the order files finish, not the order given: a slow file does not hold back
    the others. Each worker has its next file waiting in its pipe (QUEUED), so it never waits for
    the parent between two files; a file's clock starts when the worker is done with the one
    before. Files waiting for a worker that is killed or dies are given to another.
    """

    def __init__(self, work: Callable[[T], R], budget: Budget, workers: int | None = None) -> None:
        self.work, self.budget = work, budget
        self.n = max(1, workers if workers is not None else default_workers())
        self._ctx = mp.get_context("fork")
        self._workers: list[_Worker] = []
        # One poll object for the run: its pipes and process sentinels registered once, not per wait
        self._poll = select.poll()
        self._by_fd: dict[int, _Worker] = {}

    def __enter__(self) -> "WorkerPool[T, R]":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _spawn(self) -> _Worker:
        parent, child = self._ctx.Pipe()
        others = [w.conn for w in self._workers]
        process = self._ctx.Process(target=_serve, args=(child, self.work, self.budget.memory_mb, others),
                                    daemon=True)
        # Frozen objects are never visited by the child's collector, so the parent's heap stays shared.
        gc.freeze()
        try:
            process.start()
        finally:
            gc.unfreeze()
        child.close()  # only the worker holds its end: its death shows as end of file here
        w = _Worker(process, parent)
        for fd in (parent.fileno(), process.sentinel):
            self._poll.register(fd, select.POLLIN)
            self._by_fd[fd] = w
        self._workers.append(w)
        return w

    def _retire(self, w: _Worker, kill: bool) -> None:
        for fd in (w.conn.fileno(), w.process.sentinel):
            self._poll.unregister(fd)
            del self._by_fd[fd]
        if kill:
            w.process.kill()
        else:
            try:
                w.conn.send(None)
            except OSError:
                pass
        w.process.join(timeout=None if kill else 5)
        if w.process.is_alive():
            w.process.kill()
            w.process.join()
        w.conn.close()
        self._workers.remove(w)

    def run(self, items: Iterable[T]) -> Iterator[tuple[T, R | BudgetExceeded]]:
        todo = iter(items)
        again: deque[T] = deque()  # sent to a worker that was stopped before it began them
        while True:
            self._give_out(todo, again)
            busy = [w for w in self._workers if w.sent]
            if not busy:
                return
            deadline = min(w.started for w in busy) + self.budget.seconds
            wait_ms = max(0, int((deadline - time.monotonic()) * 1000) + 1)
            ready = {self._by_fd[fd] for fd, _ in self._poll.poll(wait_ms) if fd in self._by_fd}
            for w in busy:
                if w in ready:
                    yield self._collect(w, again)
                elif time.monotonic() - w.started >= self.budget.seconds:
                    item = w.sent.popleft()
                    again.extend(w.sent)
                    self._retire(w, kill=True)
                    yield item, BudgetExceeded(
                        f"took longer than {self.budget.seconds:g} s to parse; stopped, tried again next run")

    def _give_out(self, todo: Iterator[T], again: deque[T]) -> None:
        """Fill every worker's queue; workers start as there is work for them (none for an empty run)."""
        while True:
            w = min((w for w in self._workers if len(w.sent) < QUEUED), key=lambda w: len(w.sent), default=None)
            if (w is None or w.sent) and len(self._workers) < self.n:
                w = None  # an idle core first: a new worker rather than a second file for a busy one
            elif w is None:
                return
            if again:
                item = again.popleft()
            else:
                try:
                    item = next(todo)
                except StopIteration:
                    return
            if w is None:
                w = self._spawn()
            w.conn.send(item)
            if not w.sent:
                w.started = time.monotonic()
            w.sent.append(item)

    def _collect(self, w: _Worker, again: deque[T]) -> tuple[T, R | BudgetExceeded]:
        """The worker's reply about its oldest file; the worker is replaced if it must not go on."""
        item = w.sent.popleft()
        try:
            kind, value = w.conn.recv()
        except (EOFError, OSError):
            w.process.join(timeout=5)
            code = w.process.exitcode
            again.extend(w.sent)
            self._retire(w, kill=True)
            how = f"exit status {code}" if code is None or code >= 0 else f"killed by signal {_signal_name(-code)}"
            return item, BudgetExceeded(f"the parse worker died ({how}); tried again next run")
        if kind == "memory":
            again.extend(w.sent)
            self._retire(w, kill=False)
            return item, BudgetExceeded(f"needed more than {self.budget.memory_mb} MB of memory to parse; "
                                        "tried again next run")
        w.started = time.monotonic()  # the next file began as this one's reply left
        return item, value  # type: ignore[return-value]

    def close(self) -> None:
        for w in list(self._workers):
            self._retire(w, kill=bool(w.sent))


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return str(number)
