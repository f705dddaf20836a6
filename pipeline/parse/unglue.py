"""Crawled pages flattened onto one line: put section headings and table rows back on lines.

A crawler that keeps only the text of a page can write the whole report on one line, table cells
concatenated with no separator (corpus 009, 010). Sections and tables are found line by line, so
such a line is cut, by the template's own words only: before and after each numbered section
heading (一、总体情况 … 六、其他需要报告的事项), and inside the tables before each row label and
table-2 marker. The cut pieces of a table are marked glued: their digits are runs of several cells
for pipeline.parse.glued to split. Every piece keeps the location of the line it came from.
"""
from __future__ import annotations

import re

from .lines import DocLines
from .template import Template

_LONG = 300  # characters: a line this long holding several section headings is a flattened page
_MIN_HEADINGS = 3
_SECTION_NUMBER = r"(?:[一二三四五六七八九十]+、)"
# A table-3 row's numbering, cut off with its label: 3.危及…, (一)予以公开, 二、上年结转…
_ROW_NUMBER = r"(?:[1-9][.、]|\([一二三四五六七八九十]\)|[一二三四五六七八九十]、)?"


# Keyed by id, holding the template too: a template that is kept cannot be freed and its id
# reused by another (Template holds dicts, so it cannot be a dict key or a weak reference itself).
_COMPILED: dict[int, tuple[Template, re.Pattern[str], dict[str, re.Pattern[str]]]] = {}


def _patterns(template: Template) -> tuple[re.Pattern[str], dict[str, re.Pattern[str]]]:
    """One search pattern for numbered headings, one per table for its row labels and markers;
    compiled once per template."""
    if id(template) in _COMPILED:
        return _COMPILED[id(template)][1:]
    def bare(pattern: str) -> str:
        return pattern.removeprefix("^").removesuffix("$")

    headings = "|".join(f"(?P<{h.key}>{bare(h.pattern)})" for h in template.headings if h.pattern)
    heading = re.compile(rf"{_SECTION_NUMBER}\s*(?:{headings})")
    rows = {
        "active_disclosure": [bare(l.pattern) for l in (*template.table2_rows, *template.markers["active_disclosure"])
                              if l.pattern and not l.pattern.startswith("^")],
        "applications": [_ROW_NUMBER + bare(l.pattern) for l in template.table3_rows if l.pattern],
    }
    tables = {t: re.compile("|".join(f"(?:{p})" for p in dict.fromkeys(ps))) for t, ps in rows.items()}
    _COMPILED[id(template)] = template, heading, tables
    return heading, tables


def unglue(lines: DocLines, template: Template) -> DocLines:
    """`lines` with every flattened page line cut back into headings, prose and table rows."""
    if max(map(len, lines.text), default=0) <= _LONG:
        return lines
    heading, tables = _patterns(template)
    # Long lines are mostly paragraphs of prose: the document is rebuilt only when one of them
    # holds several section headings.
    flattened = {i: marks for i, line in enumerate(lines.text)
                 if len(line) > _LONG and len(marks := list(heading.finditer(line))) >= _MIN_HEADINGS}
    if not flattened:
        return lines
    table_of = {section: table for table, section in template.shape.sections.items()}
    text, locs, cells, glued = [], [], [], set()
    for i, line in enumerate(lines.text):
        marks = flattened.get(i)
        if marks is None:
            text.append(line)
            locs.append(lines.locs[i])
            cells.append(lines.cells[i])
            continue
        pieces: list[tuple[str, bool]] = [(line[:marks[0].start()], False)]
        for n, m in enumerate(marks):
            end = marks[n + 1].start() if n + 1 < len(marks) else len(line)
            pieces.append((m.group(), False))
            body = line[m.end():end]
            table = table_of.get(m.lastgroup or "")
            if table is None:
                pieces.append((body, False))
            else:
                pieces += [(part, True) for part in _cut(body, tables.get(table))]
        for piece, is_table in pieces:
            if piece.strip():
                if is_table:
                    glued.add(len(text))
                text.append(piece.strip())
                locs.append(lines.locs[i])
                cells.append(None)
    return DocLines(text, locs, cells, frozenset(glued))


def _cut(body: str, labels: re.Pattern[str] | None) -> list[str]:
    if labels is None:
        return [body]
    starts = [0, *(m.start() for m in labels.finditer(body) if m.start() > 0), len(body)]
    return [body[a:b] for a, b in zip(starts, starts[1:])]
