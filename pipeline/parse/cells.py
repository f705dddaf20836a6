"""Lines -> rows of cells -> typed tokens, each with its line and source location.

A text line is split into cells here (tabs, pipes); a table row read from a grid (HTML, Word,
PDF ruling lines) arrives with its cells and is only tokenized, never re-split. The table
readers see `Row`s either way.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from ..read.document import Loc
from .lines import DocLines

TEXT, NUM, PLACEHOLDER, BLANK = "text", "num", "placeholder", "blank"
# One grid cell holding several numbers ("1 2": a PDF text layer splitting 12): which number the
# cell holds is for the table's arithmetic to decide, never for the tokenizer.
SPLIT = "split"
# Digits of several cells run together (crawled text): read by pipeline.parse.glued, never here.
GLUED = "glued"
# In a glued line: a run of digits (spaces inside it are gaps the page had between cells, a point
# between digits is a decimal point), unless it is a label's numbering ("1.属于…", "2、…").
_DIGIT_RUN = re.compile(r"\d+(?:\.\d+)?(?:[ ]*\d+(?:\.\d+)?)*")
_NUMBERING_AFTER = re.compile(r"[.、]\D")

_NUM = re.compile(r"([+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)(万元|元|件|条|个|项|次)?")
# Cells that stand for "no number here": they become nulls with cell_not_numeric, never zeros.
_PLACEHOLDERS = frozenset({"/", "\\", "-", "--", "—", "——", "–", "无", "空", "×", "x", "X", "*", "-/-", "——/——"})
# A bracketed note is one token whatever spaces it holds; [^()]* keeps the match linear.
_SUBTOKEN = re.compile(r"\([^()]*\)|\S+")
_SPACE = re.compile(r"\s+")
_MD_SEPARATOR = re.compile(r"^\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")
# Page furniture inside tables: "- 4 -", "— 5 —", "第 3 页".
_PAGE_MARK = re.compile(r"^\s*(?:[-—–]+\s*\d{1,3}\s*[-—–]+|第\s*\d{1,3}\s*页(?:\s*共\s*\d+\s*页)?)\s*$")


@dataclass(frozen=True, slots=True)
class Token:
    kind: str
    text: str  # as printed (after width normalisation)
    compact: str  # whitespace removed, for label matching
    line: int  # 1-based line of the document (DocLines)
    value: float | None = None
    unit: str | None = None
    loc: Loc | None = None  # where the cell stands in the source format


@dataclass(frozen=True, slots=True)
class Row:
    line: int
    tokens: tuple[Token, ...]

    @property
    def prose(self) -> bool:
        """A line of running text: tables end where prose starts again."""
        text = "".join(t.compact for t in self.tokens if t.kind == TEXT)
        return len(text) > 60 or (len(text) > 24 and text.endswith("。"))


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


def tokenize_cell(cell: str, line_no: int, loc: Loc | None = None) -> list[Token]:
    stripped = cell.strip()
    if not stripped:
        return [Token(BLANK, "", "", line_no, loc=loc)]
    if stripped in _PLACEHOLDERS:
        return [Token(PLACEHOLDER, stripped, stripped, line_no, loc=loc)]
    tokens: list[Token] = []
    words: list[str] = []

    def flush() -> None:
        if words:
            text = " ".join(words)
            tokens.append(Token(TEXT, text, _SPACE.sub("", text), line_no, loc=loc))
            words.clear()

    for sub in _SUBTOKEN.findall(stripped):
        m = _NUM.fullmatch(sub)
        if m:
            flush()
            tokens.append(Token(NUM, sub, sub, line_no, float(m.group(1).replace(",", "")), m.group(2), loc))
        elif sub in _PLACEHOLDERS and (tokens or words) and not words:
            # Only after a number ("0 / 0"), so a leading markdown "- " list marker stays text.
            tokens.append(Token(PLACEHOLDER, sub, sub, line_no, loc=loc))
        else:
            words.append(sub)
    flush()
    return tokens


def line_to_row(line: str, line_no: int, loc: Loc | None = None) -> Row | None:
    cells = split_cells(line)
    if cells is None:
        return None
    tokens: list[Token] = []
    for cell in cells:
        tokens.extend(tokenize_cell(cell, line_no, loc))
    if all(t.kind == BLANK for t in tokens):
        return None
    return Row(line_no, tuple(tokens))


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
            tokens.append(Token(TEXT, text, _SPACE.sub("", text), line_no, loc=loc))
        digits = line[m.start():end].strip()
        tokens.append(Token(GLUED, digits, digits.replace(" ", ""), line_no, loc=loc))
        pos = end
    text = line[pos:].strip()
    if text:
        tokens.append(Token(TEXT, text, _SPACE.sub("", text), line_no, loc=loc))
    return Row(line_no, tuple(tokens)) if tokens else None


def grid_row(cells: Iterable, line_no: int) -> Row | None:
    """A table row that came as cells: one cell, at most one value."""
    tokens: list[Token] = []
    for cell in cells:
        cell_tokens = tokenize_cell(cell.text, line_no, cell.loc)
        if sum(t.kind == NUM for t in cell_tokens) > 1 and all(t.kind == NUM and not t.unit for t in cell_tokens):
            cell_tokens = [Token(SPLIT, cell.text.strip(), _SPACE.sub("", cell.text), line_no, loc=cell.loc)]
        tokens.extend(cell_tokens)
    if not tokens or all(t.kind == BLANK for t in tokens) or _PAGE_MARK.match(" ".join(t.text for t in tokens)):
        return None
    return Row(line_no, tuple(tokens))


def rows_from_lines(lines: DocLines, start: int, end: int) -> list[Row]:
    """Rows for lines [start, end) (0-based indices); line numbers stay 1-based."""
    rows = []
    for i in range(start, end):
        cells = lines.cells[i]
        if i in lines.glued:
            row = glued_row(lines.text[i], i + 1, lines.locs[i])
        elif cells is None:
            row = line_to_row(lines.text[i], i + 1, lines.locs[i])
        else:
            row = grid_row(cells, i + 1)
        if row is not None:
            rows.append(row)
    return rows


def flatten(rows: Iterable[Row]) -> list[tuple[int, Token]]:
    """(row index, token) pairs in reading order."""
    return [(r, tok) for r, row in enumerate(rows) for tok in row.tokens]
