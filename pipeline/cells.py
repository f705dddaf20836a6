"""Text lines -> rows of cells -> typed tokens, each with its source line.

This is the seam where other formats join: an HTML, Word or PDF reader only has to produce
`Row`s (a line number and the cells of one visual row) and the table readers work unchanged.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

TEXT, NUM, PLACEHOLDER, BLANK = "text", "num", "placeholder", "blank"

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
    line: int  # 1-based source line
    value: float | None = None
    unit: str | None = None


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


def tokenize_cell(cell: str, line_no: int) -> list[Token]:
    stripped = cell.strip()
    if not stripped:
        return [Token(BLANK, "", "", line_no)]
    if stripped in _PLACEHOLDERS:
        return [Token(PLACEHOLDER, stripped, stripped, line_no)]
    tokens: list[Token] = []
    words: list[str] = []

    def flush() -> None:
        if words:
            text = " ".join(words)
            tokens.append(Token(TEXT, text, _SPACE.sub("", text), line_no))
            words.clear()

    for sub in _SUBTOKEN.findall(stripped):
        m = _NUM.fullmatch(sub)
        if m:
            flush()
            tokens.append(Token(NUM, sub, sub, line_no, float(m.group(1).replace(",", "")), m.group(2)))
        elif sub in _PLACEHOLDERS and (tokens or words) and not words:
            # Only after a number ("0 / 0"), so a leading markdown "- " list marker stays text.
            tokens.append(Token(PLACEHOLDER, sub, sub, line_no))
        else:
            words.append(sub)
    flush()
    return tokens


def line_to_row(line: str, line_no: int) -> Row | None:
    cells = split_cells(line)
    if cells is None:
        return None
    tokens: list[Token] = []
    for cell in cells:
        tokens.extend(tokenize_cell(cell, line_no))
    if all(t.kind == BLANK for t in tokens):
        return None
    return Row(line_no, tuple(tokens))


def rows_from_lines(lines: list[str], start: int, end: int) -> list[Row]:
    """Rows for lines[start:end] (0-based indices); line numbers stay 1-based."""
    rows = []
    for i in range(start, end):
        row = line_to_row(lines[i], i + 1)
        if row is not None:
            rows.append(row)
    return rows


def flatten(rows: Iterable[Row]) -> list[tuple[int, Token]]:
    """(row index, token) pairs in reading order."""
    return [(r, tok) for r, row in enumerate(rows) for tok in row.tokens]
