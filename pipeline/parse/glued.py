"""Digit runs whose cell boundaries the text lost, read by the template's arithmetic, never guessed.

Crawled web text glues a row's cells together (`21710000218` is 217|1|0|0|0|0|218) or breaks one
cell over two text nodes (`1` then `62` is 162). A `Run` is such a row's digits with what is
known about their boundaries; `readings` enumerates every way to cut it into the row's number of
cells, and `solve` keeps the readings that the template's sums allow, jointly over the rows of a
table. What one reading decides is taken; what several leave open stays open, with the
candidates; nothing is picked by a rule of thumb.

Both searches are bounded (`MAX_STEPS`, `MAX_COMBINATIONS`): a hostile digit run makes them give
up, and the cells stay null, in bounded time.
"""
from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass
from typing import Hashable, Iterable

from .memo import Memo

MAX_DIGITS = 9  # a count of a billion or more is not a count of one body's documents or requests
MAX_STEPS = 200_000  # search steps per run
MAX_COMBINATIONS = 20_000  # joint readings tried per table

Reading = tuple[float | None, ...]  # None: a cell without a number, which no sum can check
Cut = tuple[str, ...]  # one reading as the cells' printed digits
MINUS = "-"  # starts a cell: a negative number (本年增/减) or, alone, a placeholder cell
_UNIT = re.compile(r"(?:万元|元|件|条|个|项|次)$")


@dataclass(frozen=True)
class Run:
    """Digits as printed, in `pieces` that no cell boundary falls inside; `cut[i]` says whether a
    boundary is certain between piece i and i+1 (a space between glued cells) or only possible
    (two text nodes of a crawled page). A glued digit run is one piece per digit, so a boundary
    may fall anywhere."""

    text: str
    pieces: tuple[str, ...]
    cut: tuple[bool, ...]
    units: tuple[str | None, ...] = ()  # per piece, a unit printed after it (nodes only): a cell ends there

    @classmethod
    def glued(cls, text: str) -> "Run":
        """`text` as crawled: digits glued together, a space where the page had a gap between cells;
        a decimal number (24252.311082) is never cut. A minus sign is never inside a cell: a cell
        boundary is certain before it; it joins the digits after it (-5) or is a placeholder cell."""
        pieces: list[str] = []
        cut: list[bool] = []
        gap = False
        for part in _atoms(text):
            if part == " ":
                gap = True
                continue
            if pieces:
                cut.append(gap or part == MINUS)
            pieces.append(part)
            gap = False
        return cls(text, tuple(pieces), tuple(cut))

    @classmethod
    def nodes(cls, parts: Iterable[str]) -> "Run":
        """One text node per piece: a node never holds two cells, a cell may span two nodes.
        A unit printed after a node's digits (`51.83元`) ends its cell; a minus sign starts one."""
        texts = tuple(p.strip() for p in parts)
        units = tuple(m.group() if (m := _UNIT.search(t)) else None for t in texts)
        pieces = tuple(t[:len(t) - len(u)] if u else t for t, u in zip(texts, units))
        cut = tuple(u is not None or after.startswith(MINUS) for u, after in zip(units, pieces[1:]))
        return cls(" / ".join(texts), pieces, cut, units if any(units) else ())


def _atoms(text: str) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "." and out and out[-1][-1:].isdigit() and i + 1 < len(text) and text[i + 1].isdigit():
            j = i + 1
            while j < len(text) and text[j].isdigit():
                j += 1
            out[-1] += text[i:j]  # the decimal point binds the digits on both sides into one number
            i = j
            continue
        out.append(" " if ch.isspace() else ch)
        i += 1
    return out


def readings(run: Run, n: int, max_steps: int = MAX_STEPS,
             sums: Iterable[tuple[tuple[int, ...], int]] = ()) -> list[Cut] | None:
    """Every way to cut `run` into exactly `n` cells; None when the search hit its bound.

    A cell never has a leading zero (`05`) and never more than MAX_DIGITS digits: those are the
    only rules, so the list is every reading the printed digits allow. Each reading is the
    cells' digits as printed; `values` turns one into numbers. `sums` (cell indices of parts,
    index of their total) are checked as soon as their cells are closed, which keeps the search
    small for a long run of several groups (table 4's 15 cells)."""
    checks: dict[int, list[tuple[tuple[int, ...], int]]] = {}
    for parts, total in sums:
        checks.setdefault(max(*parts, total), []).append((parts, total))
    pieces, cut = run.pieces, run.cut
    if n <= 0 or not pieces or len(pieces) < n:
        return []
    out: list[Cut] = []
    steps = 0
    last = len(pieces)
    # (index of the next piece, the cells closed so far, the cell being built)
    stack: list[tuple[int, tuple[str, ...], str]] = [(1, (), pieces[0])]
    while stack:
        steps += 1
        if steps > max_steps:
            return None
        i, cells, cur = stack.pop()
        if not _valid_prefix(cur):
            continue  # a leading zero or too many digits: no more digits can mend it
        if i == last:
            closed = (*cells, cur)
            # (most cells close no sum: `all` over no checks is skipped, not called)
            if len(closed) == n and _valid(cur) and (
                    not (due := checks.get(n - 1)) or all(_sums_to(closed, parts, total) for parts, total in due)):
                out.append(closed)
            continue
        needed_after = n - len(cells) - 1  # cells still to open after the current one
        if not cut[i - 1] and last - i - 1 >= needed_after:
            stack.append((i + 1, cells, cur + pieces[i]))  # the next piece continues this cell
        if needed_after > 0 and last - i - 1 >= needed_after - 1:
            closed = (*cells, cur)
            if not (due := checks.get(len(cells))) or all(_sums_to(closed, parts, total) for parts, total in due):
                stack.append((i + 1, closed, pieces[i]))  # this cell ends, the next piece opens one
    out.reverse()  # in the order the printed digits read left to right, for stable issue details
    return out


# (pieces, cut, n, sums) -> the readings: rows repeat from report to report (a row of seven zeros
# is most of a small body's table 3), and the search is the dearest step of a crawled report.
_SHARED = Memo(4_096)


def shared_readings(run: Run, n: int, sums: Iterable[tuple[tuple[int, ...], int]] = ()) -> tuple[Cut, ...] | None:
    """`readings`, each distinct search made once per process; a tuple, shared, never changed."""
    sums = tuple(sums)
    memo = _SHARED.fresh()
    key = (run.pieces, run.cut, n, sums)
    found = memo.get(key, memo)  # the memo itself marks "not searched yet": None is an answer
    if found is memo:
        cuts = readings(run, n, sums=sums)
        found = memo[key] = None if cuts is None else tuple(cuts)
    return found  # type: ignore[return-value]


def _sums_to(cells: tuple[str, ...], parts: tuple[int, ...], total: int) -> bool:
    terms = [cells[j] for j in parts]  # lists, not generators: this runs for every cell closed
    if MINUS in terms or cells[total] == MINUS:
        return True  # a placeholder cell has no number: the sum cannot be checked
    return math.isclose(sum([float(c) for c in terms]), float(cells[total]), abs_tol=1e-6)


def values(cut: Cut) -> Reading:
    return tuple([None if c == MINUS else float(c) for c in cut])


def starts(run: Run, cut: Cut) -> list[int]:
    """The piece each cell of a reading begins at (for its location in the source)."""
    out, i = [], 0
    sizes = [len(p) for p in run.pieces]
    n = len(sizes)
    for cell in cut:
        out.append(i)
        taken = 0  # characters of the pieces joined into this cell so far
        while taken < len(cell) and i < n:
            taken += sizes[i]
            i += 1
    return out


def _valid_prefix(cell: str) -> bool:
    if cell.isdigit():  # the commonest by far (no sign, no point): the same two rules, quicker
        return len(cell) <= MAX_DIGITS and (len(cell) == 1 or cell[0] != "0")
    whole, *decimals = cell.removeprefix(MINUS).split(".")
    return (len(whole) <= MAX_DIGITS and not (len(whole) > 1 and whole.startswith("0"))
            and len(decimals) <= 1)  # two nodes each with a decimal point are two cells


_valid = _valid_prefix  # a complete cell obeys the same two rules as any prefix of it


# --- joint solving ---------------------------------------------------------------------------

Key = Hashable
Term = tuple[Key, int, float]  # (row, column, coefficient)
Constraint = tuple[Term, ...]  # satisfied when the sum of coefficient * value is 0


@dataclass
class Outcome:
    """Per row: the readings kept and the values each column can still take (one value:
    decided); and how the joint search ended."""

    readings: dict[Key, list[Reading]]  # the readings each row keeps
    joint: str  # "solved" | "inconsistent" | "too_many" | "not_needed"

    @property
    def values(self) -> dict[Key, list[set[float]]]:
        # Made on demand: the table readers use the readings, not these sets.
        return {k: [set(col) for col in zip(*v)] if v else [] for k, v in self.readings.items()}


def _holds(constraint: Constraint, pick: dict[Key, Reading]) -> bool:
    """A sum through a cell without a number (blank, missing) cannot be checked: it does not object."""
    values = [pick[row][col] for row, col, _ in constraint]  # lists, not generators: a hot loop
    if None in values:
        return True
    return math.isclose(sum([term[2] * v for term, v in zip(constraint, values)]), 0.0, abs_tol=1e-6)


def solve(rows: dict[Key, list[Reading]], constraints: Iterable[Constraint],
          max_combinations: int = MAX_COMBINATIONS) -> Outcome:
    """Keep the readings of each row that the constraints allow.

    Constraints on one row (its total is the sum of its parts) filter that row's readings.
    Constraints over several rows (column sums, the balance rule) are then checked on every
    combination of the rows still open; a row keeps the readings that appear in at least one
    combination that satisfies them all. Where no combination does (the source itself breaks a
    rule) or there are too many to try, the rows keep what their own constraints left. A
    constraint on a row without readings is not checked: that row is missing, not zero.
    """
    cands = {k: list(v) for k, v in rows.items()}
    multi: list[Constraint] = []
    for c in constraints:
        keys = {row for row, _, _ in c}
        if any(k not in cands or not cands[k] for k in keys):
            continue
        if len(keys) == 1:
            (k,) = keys
            cands[k] = [r for r in cands[k] if _holds(c, {k: r})]
        else:
            multi.append(c)
    multi = [c for c in multi if all(cands[row] for row, _, _ in c)]
    open_rows = [k for k, v in cands.items() if len(v) > 1 and any(k == row for c in multi for row, _, _ in c)]
    joint = "not_needed"
    if open_rows and multi:
        size = math.prod(len(cands[k]) for k in open_rows)
        if size > max_combinations:
            joint = "too_many"
        else:
            fixed = {k: v[0] for k, v in cands.items() if len(v) == 1}
            kept: dict[Key, set[Reading]] = {k: set() for k in open_rows}
            for combo in itertools.product(*(cands[k] for k in open_rows)):
                pick = {**fixed, **dict(zip(open_rows, combo))}
                if all(_holds(c, pick) for c in multi):
                    for k, r in zip(open_rows, combo):
                        kept[k].add(r)
            if any(kept.values()):
                joint = "solved"
                for k in open_rows:
                    cands[k] = [r for r in cands[k] if r in kept[k]]
            else:
                joint = "inconsistent"
    return Outcome(cands, joint)
