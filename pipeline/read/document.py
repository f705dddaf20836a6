"""The one intermediate form every reader produces: blocks in reading order.

A block is a line of text or a table. A table is a grid after colspan/rowspan are expanded:
every grid position holds a `GridCell`; the positions a merged cell covers beyond its first
one are `spanned` copies, so a consumer can read the grid by column without re-splitting text
and still skip what was printed once. Every line and cell keeps where it stands in the source,
in its format's terms (`Loc`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple, Union


class Loc(NamedTuple):
    """Where a line or cell stands in its source. Fields that do not apply stay None.

    - text: `line` (1-based source line)
    - PDF: `page`, plus `line` (1-based line on the page) or `table`/`row`/`col`
    - HTML, DOCX: `table`/`row`/`col` (1-based; `table` counts tables in reading order,
      `col` is the grid column after spans are expanded); lines outside tables: `line` is the
      1-based paragraph number in reading order
    """

    line: int | None = None
    page: int | None = None
    table: int | None = None
    row: int | None = None
    col: int | None = None

    def __str__(self) -> str:
        if self.page is None and self.table is None:  # a text line, the commonest location
            return "" if self.line is None else f"line {self.line}"
        parts = []
        if self.page is not None:
            parts.append(f"page {self.page}")
        if self.table is not None:
            parts.append(f"table {self.table}")
            if self.row is not None:
                parts.append(f"row {self.row}")
            if self.col is not None:
                parts.append(f"column {self.col}")
        elif self.line is not None:
            parts.append(f"line {self.line}")
        return ", ".join(parts)


class TextLine(NamedTuple):
    text: str
    loc: Loc


class GridCell(NamedTuple):
    text: str  # as printed, paragraphs inside the cell joined by a newline; "" for an empty cell
    loc: Loc
    spanned: bool = False  # a copy filling a position covered by a merged cell, not printed there


@dataclass(frozen=True)
class Table:
    rows: tuple[tuple[GridCell, ...], ...]  # rectangular after span expansion
    loc: Loc  # of the table as a whole: table number, page of its first row


Block = Union[TextLine, Table]


@dataclass(frozen=True)
class Document:
    """A report as read from any format. `kind` is the format the reader recognised."""

    blocks: tuple[Block, ...]
    kind: str  # text | html | docx | pdf
    encoding: str | None = None  # the text encoding where the format has one
    meta: dict[str, str] = field(default_factory=dict)  # e.g. the HTML <title>, the PDF producer

    def lines(self) -> list[str]:
        """The document as plain lines: text lines as they are, table rows as tab-joined cells."""
        out: list[str] = []
        for block in self.blocks:
            if isinstance(block, Table):
                out.extend("\t".join(c.text.replace("\n", " ") for c in row if not c.spanned)
                           for row in block.rows)
            else:
                out.append(block.text)
        return out
