"""Tables 2, 3 and 4: rows of tokens -> cells keyed by the template.

Every table is read the same way: find the template's row labels (anchors) in the token stream,
then take the known number of cells after each anchor. How the cells are laid out decides how
they are taken:
- inline: the anchor's own line holds numbers (tab, pipe or space separated rows). Cells are
  positional on that line, blanks included; a line with fewer cells than the template is
  ambiguous and its cells stay null rather than being guessed into the wrong column.
- stacked: the anchor stands alone and its numbers follow, one per line (Word exports). Cells are
  taken in order until the next anchor; the ones that never come are missing.
- run: the cells' boundaries are lost. Crawled text glues a row's digits together after its label
  (`21710000218`), or prints one text node per line with a cell broken over two nodes (`1`,
  `62`). The row is kept as a `glued.Run` and its cells come from the readings the template's sums
  allow over the whole table (`settle_runs`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Callable, NamedTuple

from ..read.document import Loc
from . import glued
from .memo import Memo
from .cells import BLANK, GLUED, NUM, PLACEHOLDER, SPLIT, TEXT, Row, Token
from .template import Label, Template

_new = tuple.__new__
Place = tuple[int, "Loc | None"]  # a token's line in the document and its location in the source
OK, MISSING, BLANK_CELL, NOT_NUMERIC, AMBIGUOUS = "ok", "cell_missing", "cell_blank", "cell_not_numeric", "cell_ambiguous"


class Cell(NamedTuple):
    """One cell of a table as read. A named tuple: a report makes hundreds of them."""

    value: float | None
    status: str  # ok | cell_missing | cell_blank | cell_not_numeric | cell_ambiguous
    line: int | None
    raw: str | None
    unit: str | None = None
    detail: str | None = None
    loc: Loc | None = None

    @classmethod
    def from_token(cls, tok: Token, row: Row) -> "Cell":
        """The cell `tok` prints, `row` being the row it stands in."""
        kind = tok.kind
        # tuple.__new__: a cell straight from its fields, without the named tuple's Python-level
        # __new__ (a report takes hundreds of cells from tokens).
        if kind == NUM:
            return _new(cls, (tok.value, OK, row.line, tok.text, tok.unit, None, row.loc or tok.loc))
        if kind == PLACEHOLDER:
            return _new(cls, (None, NOT_NUMERIC, row.line, tok.text, None, None, row.loc or tok.loc))
        if kind == SPLIT:
            return cls(None, AMBIGUOUS, row.line, tok.text, loc=row.where(tok),
                       detail=f"one cell prints {tok.text!r}: one number split by the text layer, or several")
        return _new(cls, (None, BLANK_CELL, row.line, "", None, None, row.loc or tok.loc))

    @classmethod
    def missing(cls, line: int | None, detail: str) -> "Cell":
        return cls(None, MISSING, line, None, None, detail)


@dataclass
class AnchoredRow:
    key: str
    line: int
    cells: list[Cell]
    mode: str  # inline | stacked | ambiguous | run
    run: glued.Run | None = None  # mode run: the digits whose cells `settle_runs` decides
    run_places: tuple[Place, ...] = ()  # where each piece of the run stands
    readings: tuple[tuple[str, ...], ...] = ()  # mode run: the readings the sums left, as printed digits

    @property
    def has_values(self) -> bool:
        return self.run is not None or any(c.status != MISSING for c in self.cells)


_VALUE_KINDS = (NUM, PLACEHOLDER, SPLIT)
_STATUS = attrgetter("status")
_UNSEEN = object()
_PIECE = re.compile(r"-?\d+(?:\.\d*)?")
# Per template, what the row-label and header patterns make of a token's compact text: labels
# and headers are the same in every report, so each distinct text is matched once per process.
_T2_ANCHORS = Memo(10_000)  # compact text -> table 2 item key or None
_T2_VOTES = Memo(10_000)  # compact text -> the table 2 versions whose headers it matches
_T3_ANCHORS = Memo(10_000)  # compact text -> table 3 outcome key or None
_T3_HEADERS = Memo(10_000)  # compact text -> (names 法人或其他组织小计, names 商业企业)


def _place(row: Row, tok: Token) -> Place:
    return row.line, row.where(tok)


def _at(place: Place) -> str:
    """Where a label stands, in the source's terms ("line 42", "table 2, row 5, column 1")."""
    line, loc = place
    return str(loc) if loc else f"line {line}"


def read_anchored(rows: list[Row], anchor_of, expected_of) -> dict[str, AnchoredRow]:
    """Assign cells to anchors. `anchor_of(token) -> key | None`, `expected_of(key) -> int`.

    One pass over the tokens: anchors are found once, and each anchor's cells come from the
    tokens up to the next anchor.
    """
    flat = [(r, tok) for r, row in enumerate(rows) for tok in row.tokens]  # (row index, token) in reading order
    anchors = [(i, key) for i, (_, tok) in enumerate(flat) if tok.kind == TEXT and (key := anchor_of(tok))]
    found: dict[str, AnchoredRow] = {}
    for n, (pos, key) in enumerate(anchors):
        if key in found and found[key].has_values:
            continue  # a repeated label (a header row, a duplicated table): the first complete wins
        end = anchors[n + 1][0] if n + 1 < len(anchors) else len(flat)
        segment = flat[pos + 1:end]
        anchor_r, anchor_tok = flat[pos]
        row = _take_cells(key, anchor_tok, anchor_r, segment, rows, expected_of(key))
        if key not in found or row.has_values:
            found[key] = row
    return found


def _take_cells(key: str, anchor: Token, anchor_r: int, segment: list[tuple[int, Token]],
                rows: list[Row], expected: int) -> AnchoredRow:
    """The cells after one anchor (the token `anchor`, in rows[anchor_r]); `segment` is the
    (row index, token) pairs up to the next anchor."""
    arow = rows[anchor_r]
    at = _place(arow, anchor)
    line = arow.line
    inline = []
    for r, tok in segment:  # the anchor's own row comes first: rows never go back in the segment
        if r != anchor_r:
            break
        if tok.kind != TEXT:
            inline.append(tok)
    runs = [tok for tok in inline if tok.kind == GLUED]
    if runs:
        run = glued.Run.glued(" ".join(tok.text for tok in runs))
        return _run_row(key, at, expected, run, (_place(arow, runs[0]),) * len(run.pieces))
    if any(tok.kind in _VALUE_KINDS for tok in inline):
        return _inline(key, at, arow, inline, expected)
    values: list[tuple[int, Token]] = []
    value_rows: set[int] = set()
    # The cells one per line, with the empty lines skipped before each row (`Cell`s, blank) and
    # the values (row index, token), in order.
    stacked: list[Cell | tuple[int, Token]] = []
    last_row = anchor_r
    limit = 2 * expected  # more pieces than a split of every cell makes: not one row's cells
    overflow = False
    for r, tok in segment:
        if r != last_row:
            if values and rows[r].prose:
                break  # the table ended and running text began
            gap = range(rows[last_row].line + 1, rows[r].line)
            if gap:  # most rows follow the last one directly: no list to build
                stacked += [Cell(None, BLANK_CELL, n, "") for n in gap]
            last_row = r
        if tok.kind in _VALUE_KINDS:
            if len(values) == limit:
                overflow = True
                break
            values.append((r, tok))
            value_rows.add(r)
            stacked.append((r, tok))
    tokens = [tok for _, tok in values]
    if values and len(values) < expected and _word_export(values, rows):
        # A Word export prints each cell on a line of its own ("\t0"); an empty cell's line ("\t")
        # reaches the parser empty and makes no row. Empty lines before the last number are this
        # row's empty cells and keep the numbers in their columns; those after it may be the
        # row's end or the next row's row-spanned labels, so the cells past the last number are
        # missing.
        cells_in = stacked[:stacked.index(values[-1]) + 1]
        if len(values) < len(cells_in) <= expected:
            cells = [c if isinstance(c, Cell) else Cell.from_token(c[1], rows[c[0]]) for c in cells_in]
            detail = f"{len(cells)} of {expected} cells follow the label at {_at(at)}"
            return AnchoredRow(key, line, cells + [Cell.missing(line, detail)] * (expected - len(cells)), "stacked")
    if len(values) > expected and len(value_rows) == len(values) and all(_piece(tok) for tok in tokens):
        # One text node per line, and more nodes than cells: some cell was broken over two.
        if overflow:
            # Yet more nodes follow than a row of broken cells makes: where its cells end cannot
            # be told (a cell broken over three nodes, or the next rows' numbers).
            detail = (f"more than {limit} numbers follow the label at {_at(at)}, one per line: "
                      "which of them make this row's cells cannot be told")
            return AnchoredRow(key, line, [Cell(None, AMBIGUOUS, line, " / ".join(t.text for t in tokens),
                                                detail=detail, loc=at[1])] * expected, "ambiguous")
        return _run_row(key, at, expected, glued.Run.nodes(tok.text for tok in tokens),
                        tuple(_place(rows[r], tok) for r, tok in values))
    if 0 < len(values) < expected and all(len(rows[r].tokens) == 1 for r, _ in values):
        # Fewer numbers than cells, one per line: a row whose blank cells left no line (a crawled
        # page drops empty text nodes), or one cut short. Which columns the numbers stand in
        # cannot be told, so none is placed.
        detail = (f"{len(values)} of {expected} cells follow the label at {_at(at)}, one per line: "
                  "blank cells left no trace, so the columns of the numbers cannot be told")
        return AnchoredRow(key, line, [Cell(None, AMBIGUOUS, line, " / ".join(t.text for t in tokens),
                                            detail=detail, loc=at[1])] * expected, "ambiguous")
    cells = [Cell.from_token(tok, rows[r]) for r, tok in values[:expected]]
    if len(cells) < expected:
        detail = f"{len(cells)} of {expected} cells follow the label at {_at(at)}"
        cells += [Cell.missing(line, detail)] * (expected - len(cells))
    return AnchoredRow(key, line, cells, "stacked")


def _word_export(values: list[tuple[int, Token]], rows: list[Row]) -> bool:
    """Whether each number stands on a line of its own after a tab, as Word's text export prints cells."""
    return all(len(rows[r].tokens) == 2 and rows[r].tokens[0].kind == BLANK for r, _ in values)


def _piece(tok: Token) -> bool:
    """A number that may be a piece of one broken over text nodes: digits, perhaps a decimal point."""
    if tok.kind != NUM:
        return False
    # A unit can only close a cell (`51.83元` after `57`): glued.Run.nodes cuts after it.
    digits = tok.text[:len(tok.text) - len(tok.unit)] if tok.unit else tok.text
    return _PIECE.fullmatch(digits) is not None


def _run_row(key: str, at: Place, expected: int, run: glued.Run, places: tuple[Place, ...]) -> AnchoredRow:
    pending = Cell.missing(at[0], f"the digits {run.text!r} after the label at {_at(at)} are not split yet")
    return AnchoredRow(key, at[0], [pending] * expected, "run", run, places)


@dataclass(frozen=True)
class RunNote:
    """How one row of run digits was read: what `checks` reports for it."""

    key: str
    line: int
    text: str
    cells: tuple[str, ...] | None  # the reading taken, when the sums leave one


def settle_runs(rows: dict[str, AnchoredRow], columns: tuple[str, ...],
                constraints: list[glued.Constraint] | Callable[[], list[glued.Constraint]]) -> list[RunNote]:
    """Give each run row the cells its digits and the table's sums decide, and each grid cell
    that prints one number split in two ("1 2", a PDF text layer) the joined number where the
    sums confirm it.

    Every reading of a run into the row's cells is enumerated; the constraints (row totals,
    column sums, the balance rule) keep some. One reading left: its cells are taken. Several:
    the cells they agree on are taken, the others are null with cell_ambiguous listing the
    readings. None: null with cell_missing and the digits as printed. A split cell has one
    reading, the joined digits, kept only if no sum through it objects; otherwise it stays null
    with cell_ambiguous. Printed cells take part in the sums with their values and are never
    changed; a sum through a cell without a number is not checked. `constraints` may be a
    function that makes them, called only when there is something to decide.
    """
    n = len(columns)
    if not any(row.run is not None or (len(row.cells) == n and AMBIGUOUS in map(_STATUS, row.cells)
                                       and any(_joined(c) is not None for c in row.cells))
               for row in rows.values()):
        return []  # nothing to decide: no run, no split cell (the commonest case by far)
    if callable(constraints):
        constraints = constraints()
    cands: dict[str, list[glued.Reading]] = {}
    cuts: dict[str, tuple[glued.Cut, ...] | None] = {}
    splits: dict[str, list[int]] = {}
    row_sums = _row_sums(constraints)
    for key, row in rows.items():
        if row.run is not None:
            cuts[key] = glued.shared_readings(row.run, n, sums=row_sums.get(key, ()))
            cands[key] = [glued.values(c) for c in cuts[key] or ()]
        elif len(row.cells) == n:
            reading = tuple(c.value if c.status == OK else _joined(c) for c in row.cells)
            splits[key] = [j for j, c in enumerate(row.cells) if c.status != OK and reading[j] is not None]
            cands[key] = [reading] if any(v is not None for v in reading) else []
        else:
            cands[key] = []  # a row not read as cells: the sums through it cannot be checked
    splits = {k: js for k, js in splits.items() if js}
    if not cuts and not splits:
        return []
    outcome = glued.solve(cands, constraints)
    for key, js in splits.items():
        if outcome.readings.get(key):  # no sum objected to the joined numbers
            row = rows[key]
            row.cells = [_joined_cell(c) if j in js else c for j, c in enumerate(row.cells)]
    notes = []
    for key, found in cuts.items():
        row = rows[key]
        kept = set(outcome.readings.get(key, ()))
        alive = [c for c in found or () if glued.values(c) in kept]
        row.cells = _run_cells(row, found, alive, n)
        row.readings = tuple(alive)
        notes.append(RunNote(key, row.line, row.run.text, alive[0] if len(alive) == 1 else None))  # type: ignore[union-attr]
    return notes


def _joined(cell: Cell) -> float | None:
    """The one reading of a grid cell that prints a number split by the text layer ("1 2" -> 12)."""
    parts = (cell.raw or "").split()
    digits = "".join(parts)
    # Only a cell printing several numbers ("1 2"); a lone number is not a split of anything.
    return float(digits) if cell.status == AMBIGUOUS and len(parts) > 1 and digits.isdigit() else None


def _joined_cell(cell: Cell) -> Cell:
    value = _joined(cell)
    return Cell(value, OK, cell.line, cell.raw, cell.unit,
                f"{cell.raw!r} read as {int(value or 0)}: the only reading the sum rule allows", cell.loc)


def _row_sums(constraints: list[glued.Constraint]) -> dict[glued.Key, list[tuple[tuple[int, ...], int]]]:
    """Per row, the constraints on that row alone that say "these cells add up to that one"."""
    out: dict[glued.Key, list[tuple[tuple[int, ...], int]]] = {}
    for c in constraints:
        keys = {k for k, _, _ in c}
        if len(keys) == 1:
            totals = [j for _, j, coef in c if coef < 0]
            if len(totals) == 1:
                out.setdefault(keys.pop(), []).append((tuple(j for _, j, coef in c if coef > 0), totals[0]))
    return out


_SHOWN = 20  # candidate readings listed in an issue's detail; beyond, their count


def _run_cells(row: AnchoredRow, found: tuple[glued.Cut, ...] | None, alive: list[glued.Cut], n: int) -> list[Cell]:
    run = row.run
    assert run is not None
    anchor = row.run_places[0] if row.run_places else None
    loc = anchor[1] if anchor else None
    if found is None:
        detail = f"the digits {run.text!r} are too long to search for their {n} cells; none is placed"
        return [Cell(None, AMBIGUOUS, row.line, run.text, detail=detail, loc=loc)] * n
    if not alive:
        why = "no split of them obeys the digit rules and the template's sums"
        detail = f"the digits {run.text!r} hold this row's {n} cells, but {why}"
        return [Cell(None, MISSING, row.line, run.text, detail=detail, loc=loc)] * n
    cells = []
    starts = glued.starts(run, alive[0])
    only = alive[0] if len(alive) == 1 else None  # one reading left, the commonest: it decides every cell
    for j in range(n):
        options = (only[j],) if only is not None else {c[j] for c in alive}
        first = starts[j]
        place = row.run_places[first] if first < len(row.run_places) else anchor
        if len(options) == 1:
            (digits,) = options
            line_j, loc_j = (place[0], place[1]) if place else (row.line, loc)
            if digits == glued.MINUS:  # a placeholder cell between glued digits: no number
                cells.append(_new(Cell, (None, NOT_NUMERIC, line_j, digits, None, None, loc_j)))
                continue
            last = (starts[j + 1] if j + 1 < n else len(run.pieces)) - 1
            unit = run.units[last] if run.units and 0 <= last < len(run.units) else None
            cells.append(_new(Cell, (float(digits), OK, line_j, digits, unit, None, loc_j)))
        else:
            detail = f"the digits {run.text!r} read as {_listed(alive)}: the template's sums do not decide this cell"
            cells.append(Cell(None, AMBIGUOUS, row.line, run.text, detail=detail, loc=loc))
    return cells


def _listed(alive: list[glued.Cut]) -> str:
    """The readings left, for an issue's detail: made only for a cell they leave open."""
    more = f" or {len(alive) - _SHOWN} more" if len(alive) > _SHOWN else ""
    return " or ".join("|".join(c) for c in alive[:_SHOWN]) + more


def _inline(key: str, at: Place, row: Row, inline: list[Token], expected: int) -> AnchoredRow:
    """The cells on the anchor's own row (`row`, holding the tokens `inline`)."""
    values = [t for t in inline if t.kind in _VALUE_KINDS]
    if len(values) >= expected:
        return AnchoredRow(key, row.line, [Cell.from_token(t, row) for t in values[:expected]], "inline")
    # Fewer numbers than columns: blanks keep the positions only if the row has every column.
    while inline and inline[0].kind == BLANK:
        inline = inline[1:]
    window = inline[:expected]
    if len(window) == expected and sum(t.kind in _VALUE_KINDS for t in window) == len(values):
        return AnchoredRow(key, row.line, [Cell.from_token(t, row) for t in window], "inline")
    detail = (f"{_at(at)} prints {len(values)} of {expected} cells; "
              "which one is missing cannot be told, so none is placed")
    return AnchoredRow(key, row.line, [Cell.missing(row.line, detail)] * expected, "ambiguous")


# --- table 2 -----------------------------------------------------------------------------


@dataclass
class Table2:
    version: str | None
    rows: dict[str, tuple[Label, AnchoredRow]]  # item -> (template row, cells)
    found: bool
    detail: str | None = None
    runs: list[RunNote] = field(default_factory=list)


def read_table2(rows: list[Row], template: Template, year: int | None) -> Table2:
    votes = {"2021": 0, "2019": 0}
    voted = _T2_VOTES.fresh(template)
    for row in rows:
        for tok in row.tokens:
            if tok.kind == TEXT:
                keys = voted.get(tok.compact)
                if keys is None:
                    keys = voted[tok.compact] = tuple(label.key for label in template.table2_versions
                                                      if label.regex and label.regex.search(tok.compact))
                for key in keys:
                    votes[key] += 1
    if votes["2021"] or votes["2019"]:
        version = "2021" if votes["2021"] >= votes["2019"] else "2019"
    else:
        # No column headers at all: the template in force that year is the best we have.
        version = template.shape.version_for_year(year)
    keys = template.table2_keys
    seen = _T2_ANCHORS.fresh(template)

    def anchor_of(tok: Token) -> str | None:
        key = seen.get(tok.compact, _UNSEEN)
        if key is _UNSEEN:
            m = template.table2_any.match(tok.compact)
            key = seen[tok.compact] = keys[int(m.lastgroup[1:])] if m and m.lastgroup else None
        return key  # type: ignore[return-value]

    def expected_of(item: str) -> int:
        label = template.table2_row(item, version)
        return len(label.cells) if label else 1

    anchored = read_anchored(rows, anchor_of, expected_of)
    out: dict[str, tuple[Label, AnchoredRow]] = {}
    for item, arow in anchored.items():
        label = template.table2_row(item, version)
        if label is None:
            continue  # e.g. 政府集中采购 in a 2021 table: not a template row of that version
        out[item] = (label, arow)
    # Table 2 has no sums inside a report: a run's digits decide its cells alone, or they stay open.
    runs = [note for item, (label, arow) in out.items() if arow.run is not None
            for note in settle_runs({item: arow}, label.cells, [])]
    return Table2(version, out, found=bool(anchored), runs=runs)


# --- table 3 -----------------------------------------------------------------------------


@dataclass
class Table3:
    version: str | None
    columns: tuple[str, ...]
    rows: dict[str, AnchoredRow]
    found: bool
    runs: list[RunNote] = field(default_factory=list)


def applicant_columns(rows: list[Row], template: Template, first_anchor_line: int | None) -> tuple[str, ...]:
    """The 7 template columns, plus 法人或其他组织小计 where the header prints it."""
    subtotal_at = commercial_at = None
    shape = template.shape
    sub = next(l for l in template.table3_columns if l.key == shape.org_subtotal)
    com = next(l for l in template.table3_columns if l.key == shape.org_columns[0])
    names = _T3_HEADERS.fresh(template)
    for i, row in enumerate(rows):
        if first_anchor_line is not None and row.line >= first_anchor_line:
            break
        for tok in row.tokens:
            if tok.kind != TEXT:
                continue
            found = names.get(tok.compact)
            if found is None:
                found = names[tok.compact] = (bool(sub.regex and sub.regex.search(tok.compact)),
                                              bool(com.regex and com.regex.search(tok.compact)))
            if subtotal_at is None and found[0]:
                subtotal_at = (i, row.line)
            if commercial_at is None and found[1]:
                commercial_at = (i, row.line)
    columns = list(shape.applicants)
    if subtotal_at is None:
        return tuple(columns)
    if commercial_at is not None and subtotal_at < commercial_at:
        columns.insert(columns.index(shape.org_columns[0]), shape.org_subtotal)
    else:
        columns.insert(columns.index(shape.org_columns[-1]) + 1, shape.org_subtotal)
    return tuple(columns)


def read_table3(rows: list[Row], template: Template) -> Table3:
    keys = template.table3_keys
    # The row labels are searched anywhere in a cell, which is slow on long cells: each distinct
    # cell text is searched once (header words repeat, in a report and from report to report;
    # the first anchor is looked for twice).
    seen: dict[str, str | None] = _T3_ANCHORS.fresh(template)

    def anchor_of(tok: Token) -> str | None:
        key = seen.get(tok.compact, _UNSEEN)
        if key is _UNSEEN:
            m = template.table3_any.search(tok.compact)
            key = seen[tok.compact] = keys[int(m.lastgroup[1:])] if m and m.lastgroup else None
        return key  # type: ignore[return-value]

    first_anchor = next((row.line for row in rows for tok in row.tokens
                         if tok.kind == TEXT and anchor_of(tok)), None)
    columns = applicant_columns(rows, template, first_anchor)
    anchored = read_anchored(rows, anchor_of, lambda key: len(columns))
    # A version is told by the rows only it has (2021: （六） in three rows; 2019: one row).
    has = {v: any(k in anchored and anchored[k].has_values for k in template.table3_version_rows(v))
           for v in ("2021", "2019")}
    version = "2021" if has["2021"] or not has["2019"] else "2019"
    if not anchored:
        version = None
    expected = template.table3_expected(version or "2021")
    # The 2021 （六） group label also matches the 2019 single-row label; it carries no cells there.
    rows_out = {k: v for k, v in anchored.items() if k in expected}
    runs = settle_runs(rows_out, columns, lambda: table3_constraints(columns, expected, template))
    return Table3(version, columns, rows_out, found=bool(anchored), runs=runs)


def table3_constraints(columns: tuple[str, ...], rows: list[str], template: Template) -> list[glued.Constraint]:
    """The template's arithmetic over table 3, as sums that must be zero: each row's total is the
    sum of its applicant columns (and 小计 of the organisation columns where printed); per column,
    the balance rule, and (七)总计 as the sum of the outcome rows."""
    shape = template.shape
    col = {c: i for i, c in enumerate(columns)}
    out: list[glued.Constraint] = []
    sums = [([col[c] for c in shape.applicant_parts], col[shape.applicant_total])]
    if shape.org_subtotal in col:
        sums.append(([col[c] for c in shape.org_columns], col[shape.org_subtotal]))
    for key in rows:
        out += [(*((key, j, 1.0) for j in parts), (key, total, -1.0)) for parts, total in sums]
    left, right = shape.balance
    outcomes = [k for k in rows if k not in shape.not_outcomes]
    for j in range(len(columns)):
        out.append((*((k, j, 1.0) for k in left), *((k, j, -1.0) for k in right)))
        out.append((*((k, j, 1.0) for k in outcomes), (shape.processed, j, -1.0)))
    return out


# --- table 4 -----------------------------------------------------------------------------

@dataclass
class Table4:
    cells: list[Cell]
    runs: list[RunNote] = field(default_factory=list)


def read_table4(rows: list[Row], template: Template) -> Table4 | None:
    """Table 4's numbers in template order, or None when the section holds none."""
    n_cells = len(template.table4_cells)
    groups: dict[str, list[int]] = {}
    for i, (proceeding, _) in enumerate(template.table4_cells):
        groups.setdefault(proceeding, []).append(i)
    sums = [([i for i in idx if template.table4_cells[i][1] != template.shape.table4_total],
             next(i for i in idx if template.table4_cells[i][1] == template.shape.table4_total))
            for idx in groups.values()]
    row = _table4_run(rows, n_cells)
    if row is None:
        cells = _table4_cells(rows, n_cells)
        if cells is None:
            return None
        row = AnchoredRow("reviews_litigation", cells[0].line or 0, cells, "inline")
    key = row.key
    constraints = [(*((key, j, 1.0) for j in parts), (key, total, -1.0)) for parts, total in sums]
    runs = settle_runs({key: row}, tuple(f"{p}/{r}" for p, r in template.table4_cells), constraints)
    return Table4(row.cells, runs)


def _table4_run(rows: list[Row], n_cells: int) -> AnchoredRow | None:
    """Table 4's numbers as one run, when their boundaries are lost: glued digits, or more
    one-number lines than the table has cells."""
    values: list[tuple[Row, Token]] = []
    one_per_line = True
    for row in rows:
        if (values and row.prose) or len(values) >= 2 * n_cells:
            break
        found = [(row, t) for t in row.tokens if t.kind in (*_VALUE_KINDS, GLUED)]
        one_per_line = one_per_line and len(found) <= 1
        values += found
    if not values:
        return None
    first_row, first = values[0]
    tokens = [t for _, t in values]
    if any(t.kind == GLUED for t in tokens) and all(t.kind in (GLUED, NUM) for t in tokens):
        run = glued.Run.glued(" ".join(t.text for t in tokens))
        return AnchoredRow("reviews_litigation", first_row.line, [], "run", run,
                           (_place(first_row, first),) * len(run.pieces))
    if len(values) > n_cells and one_per_line and all(_piece(t) for t in tokens):
        return AnchoredRow("reviews_litigation", first_row.line, [], "run", glued.Run.nodes(t.text for t in tokens),
                           tuple(_place(r, t) for r, t in values))
    return None


def _table4_cells(rows: list[Row], n_cells: int) -> list[Cell] | None:
    cells: list[Cell] = []
    for n, row in enumerate(rows):
        if cells and row.prose:
            break
        tokens = [t for t in row.tokens if t.kind != TEXT]
        if not cells and sum(t.kind in _VALUE_KINDS for t in tokens) >= 1:
            lead = tokens
            while lead and lead[0].kind == BLANK:
                lead = lead[1:]
            # A whole data row on one line keeps blank cells in their columns.
            if len(lead) >= n_cells and sum(t.kind in _VALUE_KINDS for t in lead[:n_cells]) < n_cells:
                return [Cell.from_token(t, row) for t in lead[:n_cells]]
        for tok in tokens:
            if tok.kind in _VALUE_KINDS:
                cells.append(Cell.from_token(tok, row))
                if len(cells) == n_cells:
                    return cells
    if not cells:
        return None
    last = cells[-1].line
    detail = f"only {len(cells)} of {n_cells} numbers found in the section"
    return cells + [Cell.missing(last, detail)] * (n_cells - len(cells))

