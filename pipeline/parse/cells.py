"""Lines -> rows of cells -> typed tokens; each row has its line and source location.

A text line is split into cells here (tabs, pipes); a table row read from a grid (HTML, Word,
PDF ruling lines) arrives with its cells and is only tokenized, never re-split. The table
readers see `Row`s either way.

Speed matters here (every line of three table sections, ~150,000 reports a year): tokens and rows
are named tuples; a cell is cut into sub-tokens by one compiled pattern that also recognises
numbers, with shortcuts for the commonest cells (one label, one number); and a text line is
tokenized once per document however often it is printed (`\\t0` fills a third of a stacked
table) and however many table spans hold it (`rows_from_lines`). So a token does not know its
line: a row does, and the table readers place a token through its row (`Row.where`).
"""
from __future__ import annotations

import re
from typing import Iterable, NamedTuple

from ..read.document import Loc
from .lines import DocLines
from .memo import Memo

TEXT, NUM, PLACEHOLDER, BLANK = "text", "num", "placeholder", "blank"
# One grid cell holding several numbers ("1 2": a PDF text layer splitting 12): which number the
# cell holds is for the table's arithmetic to decide, never for the tokenizer.
SPLIT = "split"
# Digits of several cells run together (crawled text): read by pipeline.parse.glued, never here.
GLUED = "glued"
# In a glued line: a run of digits (spaces inside it are gaps the page had between cells, a point
# between digits is a decimal point, a minus sign just before digits starts a cell: 本年增/减 -5),
# unless it is a label's numbering ("1.属于…", "2、…").
_DIGIT_RUN = re.compile(r"-?\d+(?:\.\d+)?(?:[ ]*-?\d+(?:\.\d+)?)*")
_NUMBERING_AFTER = re.compile(r"[.、]\D")

_NUMBER = re.compile(r"([+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)(万元|元|件|条|个|项|次)?")
# Cells that stand for "no number here": they become nulls with cell_not_numeric, never zeros.
_PLACEHOLDERS = frozenset({"/", "\\", "-", "--", "—", "——", "–", "无", "空", "×", "x", "X", "*", "-/-", "——/——"})
# The sub-tokens of a cell in one pass: a bracketed note is one sub-token whatever spaces it holds
# ([^()]* keeps the match linear); otherwise a run of non-space characters, which is a number
# (groups n and u, as in _NUMBER) when the whole run is one: (?!\S) ends the number where the run
# ends, as a full match of the run would.
_SUBTOKEN = re.compile(r"\([^()]*\)"
                       r"|(?P<n>[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)(?P<u>万元|元|件|条|个|项|次)?(?!\S)"
                       r"|\S+")
_DIGIT = re.compile(r"\d")
_MD_SEPARATOR = re.compile(r"^\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")
# Page furniture inside tables: "- 4 -", "— 5 —", "第 3 页".
_PAGE_MARK = re.compile(r"^\s*(?:[-—–]+\s*\d{1,3}\s*[-—–]+|第\s*\d{1,3}\s*页(?:\s*共\s*\d+\s*页)?)\s*$")


class Token(NamedTuple):
    """A token apart from where it stands: the tokens of a line printed many times are shared.
    Its line and location are its row's (`Row.where`)."""

    kind: str
    text: str  # as printed (after width normalisation)
    compact: str  # whitespace removed, for label matching
    value: float | None = None
    unit: str | None = None
    loc: Loc | None = None  # a grid cell's own location; None in a text line (the row has it)


class Row(NamedTuple):
    line: int  # 1-based line of the document (DocLines)
    tokens: tuple[Token, ...]
    # A line of running text: tables end where prose starts again. Computed once, when the row is
    # made, since the table readers ask it for every token they pass.
    prose: bool
    loc: Loc | None = None  # where a text line stands in the source; None for a grid row

    def where(self, tok: Token) -> Loc | None:
        """Where `tok`, one of this row's tokens, stands in the source format."""
        return self.loc or tok.loc


def make_row(line: int, tokens: tuple[Token, ...], loc: Loc | None = None) -> Row:
    text = "".join([t.compact for t in tokens if t.kind == TEXT])
    return Row(line, tokens, len(text) > 60 or (len(text) > 24 and text.endswith("。")), loc)


def split_cells(line: str) -> list[str] | None:
    """Cells of one text line, or None for lines that carry nothing (separators, page marks)."""
    if _PAGE_MARK.match(line) or (line.lstrip().startswith("|") and _MD_SEPARATOR.match(line.strip())):
        return None
    if "\t" in line:
        return line.split("\t")
    stripped = line.strip()
    if stripped.count("|") >= 2 or stripped.startswith("|"):
        cells = stripped.split("|")
        # The outer pipes of a markdown row delimit nothing; inner empty cells are real blanks.
        if stripped.startswith("|"):
            cells = cells[1:]
        if stripped.endswith("|") and cells:
            cells = cells[:-1]
        return cells
    return [line]


def _text(words: list[str], loc: Loc | None) -> Token:
    text = " ".join(words)
    # A bracketed sub-token keeps its inner spaces in `text`; `compact` has none at all
    # (str.split's whitespace is the regex \s).
    return Token(TEXT, text, "".join(text.split()), None, None, loc)


def tokenize_cell(cell: str, loc: Loc | None = None) -> list[Token]:
    """The tokens of one cell; `loc` is the cell's own location (grid cells only)."""
    stripped = cell.strip()
    if not stripped:
        return [Token(BLANK, "", "", None, None, loc)]
    if stripped in _PLACEHOLDERS:
        return [Token(PLACEHOLDER, stripped, stripped, None, None, loc)]
    if _DIGIT.search(stripped) is None:
        # No digit, no number: the whole cell is one text token (a placeholder inside counts only
        # after a number). Without "(" its sub-tokens are exactly the whitespace-separated words.
        if "(" in stripped:
            return [_text([m.group() for m in _SUBTOKEN.finditer(stripped)], loc)]
        words = stripped.split()
        return [Token(TEXT, " ".join(words), "".join(words), None, None, loc)]
    m = _NUMBER.fullmatch(stripped)
    if m is not None:  # the cell is one number, the commonest cell of all
        return [Token(NUM, stripped, stripped, float(m.group(1).replace(",", "")), m.group(2), loc)]
    tokens: list[Token] = []
    words: list[str] = []
    for m in _SUBTOKEN.finditer(stripped):
        number = m.group("n")
        sub = m.group()
        if number is not None:
            if words:
                tokens.append(_text(words, loc))
                words = []
            tokens.append(Token(NUM, sub, sub, float(number.replace(",", "")), m.group("u"), loc))
        elif tokens and not words and sub in _PLACEHOLDERS:
            # Only after a number ("0 / 0"), so a leading markdown "- " list marker stays text.
            tokens.append(Token(PLACEHOLDER, sub, sub, None, None, loc))
        else:
            words.append(sub)
    if words:
        tokens.append(_text(words, loc))
    return tokens


def line_to_row(line: str, line_no: int, loc: Loc | None = None,
                seen: dict[str, list[Token]] | None = None) -> Row | None:
    """The row of one text line. `seen` memoizes the tokens of each cell text (a stacked or
    tabbed table prints "0" in hundreds of cells); a text line's tokens carry no position, so
    they can be shared."""
    cells = split_cells(line)
    if cells is None:
        return None
    tokens: list[Token] = []
    for cell in cells:
        if seen is None:
            tokens += tokenize_cell(cell)
        else:
            cell_tokens = seen.get(cell)
            if cell_tokens is None:
                cell_tokens = seen[cell] = tokenize_cell(cell)
            tokens += cell_tokens
    for t in tokens:
        if t.kind != BLANK:
            return make_row(line_no, tuple(tokens), loc)
    return None


def glued_row(line: str, line_no: int, loc: Loc | None = None) -> Row | None:
    """A line of crawled text whose cells lost their separators: label text and digit runs."""
    tokens: list[Token] = []
    pos = 0
    for m in _DIGIT_RUN.finditer(line):
        end = m.end()
        if _NUMBERING_AFTER.match(line, end):
            # "2.申请人…" after a run: its last digit numbers the next label (numbering is one digit)
            end -= 1
            if end <= m.start() or not line[m.start():end].strip():
                continue  # the whole run is the numbering ("1.属于…" at the line's start)
        text = line[pos:m.start()].strip()
        if text:
            tokens.append(Token(TEXT, text, "".join(text.split())))
        digits = line[m.start():end].strip()
        tokens.append(Token(GLUED, digits, digits.replace(" ", "")))
        pos = end
    text = line[pos:].strip()
    if text:
        tokens.append(Token(TEXT, text, "".join(text.split())))
    return make_row(line_no, tuple(tokens), loc) if tokens else None


def grid_row(cells: Iterable, line_no: int) -> Row | None:
    """A table row that came as cells: one cell, at most one value. Each token keeps its cell's
    location."""
    tokens: list[Token] = []
    for cell in cells:
        cell_tokens = tokenize_cell(cell.text, cell.loc)
        if sum(t.kind == NUM for t in cell_tokens) > 1 and all(t.kind == NUM and not t.unit for t in cell_tokens):
            cell_tokens = [Token(SPLIT, cell.text.strip(), "".join(cell.text.split()), loc=cell.loc)]
        tokens.extend(cell_tokens)
    if not tokens or all(t.kind == BLANK for t in tokens) or _PAGE_MARK.match(" ".join(t.text for t in tokens)):
        return None
    return make_row(line_no, tuple(tokens))


_UNSEEN = object()
_new = tuple.__new__
# Line text -> (tokens, prose), or None for a line that carries nothing; cell text -> its tokens.
# Tokens of a text line carry no position, so they are shared by every printing of the line, in
# this report and in the next ones (labels, headers and "\t0" recur from report to report).
_SHAPES = Memo(10_000)
_CELLS = Memo(10_000)


def rows_from_lines(lines: DocLines, start: int, end: int) -> list[Row]:
    """Rows for lines [start, end) (0-based indices); line numbers stay 1-based.

    Each distinct text line is tokenized once (per process, while the memo holds it): a line
    printed again (a stacked table's "\\t0", a line in two overlapping table spans, a label in
    the next report) shares the tokens and prose flag of its first printing, with its own line
    number and location."""
    shapes = _SHAPES.fresh()
    cells = _CELLS.fresh()
    text, locs, grid, glued = lines.text, lines.locs, lines.cells, lines.glued
    rows = []
    if glued or grid[start:end].count(None) != end - start:
        for i in range(start, end):
            if i in glued:
                row = glued_row(text[i], i + 1, locs[i])
            elif grid[i] is not None:
                row = grid_row(grid[i], i + 1)
            else:
                row = line_to_row(text[i], i + 1, locs[i])
            if row is not None:
                rows.append(row)
        return rows
    # Text lines only, the commonest case by far: one dictionary look-up and one tuple per line.
    for n, line, loc in zip(range(start + 1, end + 1), text[start:end], locs[start:end]):
        shape = shapes.get(line, _UNSEEN)
        if shape is _UNSEEN:
            first = line_to_row(line, n, loc, cells)
            shape = shapes[line] = None if first is None else (first.tokens, first.prose)
        if shape is not None:
            # tuple.__new__: the row straight from its fields, without the named tuple's
            # Python-level __new__.
            rows.append(_new(Row, (n, shape[0], shape[1], loc)))
    return rows
