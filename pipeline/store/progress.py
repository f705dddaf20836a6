"""What a long run tells its user while it works, and what each stage cost at the end.

On a terminal a count of files done is a bar (tqdm: files done, rate, time left); anywhere else
(a log file, Dagster's run log, a pipe) it is a plain line every `every_files` files or
`every_seconds` seconds, whichever comes first, and one at the end. Messages (`progress(text)`)
go to the caller's function either way, printed above the bar when one is shown.
"""
from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable, Iterator
from typing import IO

Say = Callable[[str], None]


class Progress:
    """A message sink that can also count files. Callable like a plain `progress(message)`."""

    def __init__(self, say: Say | None = None, *, bar: bool = False, every_files: int = 1000,
                 every_seconds: float = 10.0, stream: IO[str] | None = None) -> None:
        self.say = say
        self.bar = bar
        self.every_files, self.every_seconds = every_files, every_seconds
        self.stream = stream  # where the bar goes (default stderr)
        self._active: _BarCounter | None = None

    @classmethod
    def of(cls, progress: "Progress | Say | None") -> "Progress":
        """A Progress from what callers hand in: one already, a plain message function, or None."""
        return progress if isinstance(progress, Progress) else cls(progress)

    def __call__(self, message: str) -> None:
        if self.say is None:
            return
        if self._active is not None:
            self._active.above(lambda: self.say(message))  # type: ignore[misc]
        else:
            self.say(message)

    def count(self, total: int, what: str) -> "Counter":
        """A counter of `total` files for one step; close it (or use it with `with`) when done."""
        if self.bar and total > 0:
            counter: Counter = _BarCounter(self, total, what)
            self._active = counter  # type: ignore[assignment]
            return counter
        return _LineCounter(self, total, what)


class Counter:
    def __init__(self, progress: Progress, total: int, what: str) -> None:
        self.progress, self.total, self.what = progress, total, what
        self.done, self.rejected = 0, 0
        self.started = time.monotonic()

    def __enter__(self) -> "Counter":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def update(self, n: int = 1, rejected: int = 0) -> None:
        self.done += n
        self.rejected += rejected

    def close(self) -> None:
        pass


class _LineCounter(Counter):
    def __init__(self, progress: Progress, total: int, what: str) -> None:
        super().__init__(progress, total, what)
        self._last_time, self._last_done, self._closed = self.started, 0, False

    def update(self, n: int = 1, rejected: int = 0) -> None:
        super().update(n, rejected)
        now = time.monotonic()
        if (self.done - self._last_done >= self.progress.every_files
                or now - self._last_time >= self.progress.every_seconds):
            self._line(now)

    def _line(self, now: float) -> None:
        self._last_time, self._last_done = now, self.done
        self.progress(line(self.what, self.done, self.total, now - self.started, self.rejected))

    def close(self) -> None:
        if not self._closed and self.total:
            self._closed = True
            if self.done != self._last_done:
                self._line(time.monotonic())


def line(what: str, done: int, total: int, seconds: float, rejected: int = 0) -> str:
    """`parse: 1200/10000 files (310/s, about 28 s left, 3 rejected)`."""
    rate = done / seconds if seconds > 0 else 0.0
    parts = [f"{rate:,.0f}/s"]
    if done < total and rate > 0:
        parts.append(f"about {_duration((total - done) / rate)} left")
    if rejected:
        parts.append(f"{rejected} rejected")
    return f"{what}: {done}/{total} files ({', '.join(parts)})"


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


class _BarCounter(Counter):
    def __init__(self, progress: Progress, total: int, what: str) -> None:
        super().__init__(progress, total, what)
        from tqdm import tqdm  # only a terminal run pays for the import

        class _Bar(tqdm):  # type: ignore[misc, valid-type]
            # No monitor thread: workers are forked, and a fork should not copy a running thread's locks.
            monitor_interval = 0

        self._tqdm = _Bar
        self._bar = _Bar(total=total, desc=what, unit=" files", file=progress.stream or sys.stderr,
                         dynamic_ncols=True, mininterval=0.5, smoothing=0.05, leave=True)

    def update(self, n: int = 1, rejected: int = 0) -> None:
        before = self.rejected
        super().update(n, rejected)
        if self.rejected != before:
            self._bar.set_postfix_str(f"{self.rejected} rejected", refresh=False)
        self._bar.update(n)

    def above(self, write: Callable[[], None]) -> None:
        """Print something without tearing the bar: clear it, write, draw it again."""
        with self._tqdm.external_write_mode(file=sys.stdout):
            write()

    def close(self) -> None:
        self._bar.close()
        if self.progress._active is self:
            self.progress._active = None


class Timings:
    """Wall seconds per stage of a run, in the order the stages ran."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextlib.contextmanager
    def stage(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.add(name, time.perf_counter() - start)

    def add(self, name: str, seconds: float) -> None:
        self.seconds[name] = self.seconds.get(name, 0.0) + seconds

    def text(self) -> str:
        if not self.seconds:
            return ""
        width = max(map(len, self.seconds))
        total = sum(self.seconds.values())
        rows = [f"  {name:<{width}}  {secs:8.2f} s" for name, secs in self.seconds.items()]
        return "\n".join(["Stage timings (wall seconds):", *rows, f"  {'total':<{width}}  {total:8.2f} s"])
