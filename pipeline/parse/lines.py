"""A `Document` as numbered lines, the form every later step reads.

Sections, identity and prose read `text`: one string per text line or table row (a row's cells
joined by tabs). Table readers read `cells`: a table row keeps the cells its reader found, so a
grid is never flattened to text and split again. Line numbers are 1-based positions in reading
order; for a plain-text file they are the file's own line numbers. `locs` maps each back to
where it stands in the source format.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..read.document import Document, GridCell, Loc, Table, TextLine


@dataclass(frozen=True)
class DocLines:
    text: list[str]
    locs: list[Loc]
    cells: list[tuple[GridCell, ...] | None]  # printed cells of a table row; None for a text line
    glued: frozenset[int] = field(default_factory=frozenset)  # 0-based lines whose cells lost their separators

    @classmethod
    def of(cls, doc: Document) -> "DocLines":
        if doc.blocks and set(map(type, doc.blocks)) == {TextLine}:
            # A plain-text document (the commonest by far): no tables, one line per block.
            text, locs = zip(*doc.blocks)
            return cls(list(text), list(locs), [None] * len(text))
        text: list[str] = []
        locs: list[Loc] = []
        cells: list[tuple[GridCell, ...] | None] = []
        for block in doc.blocks:
            if isinstance(block, Table):
                for r, row in enumerate(block.rows, 1):
                    printed = tuple(c for c in row if not c.spanned)
                    if not printed:
                        continue
                    text.append("\t".join(c.text.replace("\n", " ") for c in printed))
                    locs.append(block.loc._replace(row=r))
                    cells.append(printed)
            else:
                text.append(block.text)
                locs.append(block.loc)
                cells.append(None)
        return cls(text, locs, cells)

    def loc(self, line: int | None) -> Loc | None:
        """The source location of 1-based line `line`."""
        if line is None or not 1 <= line <= len(self.locs):
            return None
        return self.locs[line - 1]
