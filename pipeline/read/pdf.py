"""PDF reader: the text layer -> `Document` of text lines and ruled tables, page by page.

pdfplumber (pdfminer underneath) is the one library: it gives every character with its box and
font size, and every line and rectangle with its stroke and fill, which is what finding ruled
tables needs. pypdfium2 reads text about 20 times faster but has no ruling lines or table
finder, and a report without its tables is not worth having sooner.

Per page:
- tables come from the page's visible ruling only (stroked lines and rectangles, thin filled
  bars); invisible white boxes and cell shading that some producers draw behind text make no
  table. A "table" with one column is a frame around prose and stays text;
- every table becomes a grid (`Table`): a merged cell's text sits at its first position, the
  positions it covers are `spanned` copies; lines wrapped inside a cell are joined;
- the characters outside tables are grouped into lines by position; a wide gap inside a line
  (a table laid out by position, with no ruling) becomes a tab so the parse stage sees cells;
- page numbers and running headers/footers are dropped;
- a page whose text mostly runs sideways or upside down (a landscape page under /Rotate, a
  wide table printed turned) is turned back first, so lines and tables read along the text.

A table that continues on the next page stays two `Table` blocks, one per page, in page order;
the parse stage anchors rows on their labels, so it reads the pieces in sequence.
"""
from __future__ import annotations

import io
import logging
import re
import statistics
import time
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass
from typing import Any

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError
from pdfminer.pdftypes import resolve1
from pdfminer.utils import decode_text
from pdfplumber.utils import curve_to_edges, line_to_edge, rect_to_edges
from pdfplumber.utils.exceptions import PdfminerException

from ..errors import NotAReportError, UnreadableError
from .document import Block, Document, GridCell, Loc, Table, TextLine
from .text import normalise_line

# pdfminer logs every recoverable oddity of a file as a warning on stderr; the reader either
# reads the file or raises with a reason, so those warnings only add noise to a run's output.
logging.getLogger("pdfminer").setLevel(logging.ERROR)

MAX_PAGES = 200  # annual reports run to a few dozen pages; more is not a report, or hostile
MAX_SECONDS = 60.0  # checked between pages: pdfminer is pure Python and cannot be interrupted
MAX_EDGES = 5000  # per page; a ruled table of 40 rows by 15 columns drawn cell by cell has ~2400

# Tables are found on explicit edges we pick ourselves (visible ruling only), then pdfplumber
# snaps, joins and intersects them as usual.
TABLE_SETTINGS: dict[str, Any] = {
    "vertical_strategy": "explicit",
    "horizontal_strategy": "explicit",
    "snap_tolerance": 3,  # a border drawn once per adjacent cell, a hair apart, is one line
    "join_tolerance": 3,  # a border drawn in per-cell segments is one line
    "edge_min_length": 3,  # shorter strokes are glyph parts, underlines of a character, dots
    "intersection_tolerance": 3,
}
_THIN_BAR = 2.0  # a filled rectangle at most this thick is a ruling line drawn as a rectangle
_GRID_TOLERANCE = 4.0  # cell borders closer than this (pt) are one grid line: no column or row
                       # is that thin, but double rules and borders drawn a little off are

# Gaps between characters on one line, in units of the font size.
_SPACE_GAP = 0.2  # about a space's width: a word break (or a number split by the text layer)
_TAB_GAP = 1.0  # at least a full character's width, and far wider than the line's narrow gaps
_TAB_OVER_NARROW = 3.0  # (its lower quartile), is a column gutter; a letter-spaced title has
                        # only wide gaps, so no tabs

# Page furniture. Page-number marks are dropped wherever they stand alone on a line; a bare
# number only when centred in the top or bottom margin; any line repeated in the margins of
# at least half the pages (digits ignored) is a running header or footer.
_PAGE_MARK = re.compile(
    r"^(?:[-—–−~·•]+\s*\d{1,4}\s*[-—–−~·•]+"
    r"|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?"
    r"|共\s*\d{1,4}\s*页\s*[,，/]?\s*第\s*\d{1,4}\s*页"
    r"|(?:page|Page|PAGE)\s*\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?)$")
_BARE_NUMBER = re.compile(r"^\d{1,4}(?:\s*/\s*\d{1,4})?$")
_DIGITS = re.compile(r"\d+")
_WHITESPACE = re.compile(r"\s+")
_MARGIN = 0.08  # top and bottom share of the page height where headers and footers stand
_CENTRED = 0.1  # share of the page width a centred line may stray from the middle
_HEADING = 1.2  # a line this much larger than the body text is a heading

# Some producers map CJK glyphs to Kangxi radicals or compatibility ideographs (⼀ for 一);
# NFKC takes them back to the unified ideographs every other format uses.
_PDF_TEXT = {cp: unicodedata.normalize("NFKC", chr(cp))
             for r in ((0x2E80, 0x2FE0), (0xF900, 0xFB00))
             for cp in range(*r) if unicodedata.normalize("NFKC", chr(cp)) != chr(cp)}


def read(raw: bytes) -> Document:
    """Read a PDF's text layer. Raises UnreadableError (encrypted, broken, too slow) or
    NotAReportError (no text layer: a scan) with a one-line reason."""
    started = time.monotonic()
    try:
        pdf = pdfplumber.open(io.BytesIO(raw), pages=range(1, MAX_PAGES + 1))
    except Exception as err:  # PdfminerException wrapping the parser's reason, mostly
        raise _unreadable(err) from None
    # No pdf.close(): it walks the page tree again, which can raise anew on a broken file; each
    # page is closed once read, and the bytes are ours.
    try:
        pages = [_read_page(page, started) for page in pdf.pages]
        meta = _meta(pdf, len(pages))
    except UnreadableError:
        raise
    except Exception as err:  # pdfminer raises all kinds on hostile input
        raise _unreadable(err) from None
    _mark_furniture(pages)
    # Page numbers stamped on a scan are no text layer either.
    if not any(page.grids or any(not line.furniture for line in page.lines) for page in pages):
        if any(page.images for page in pages):
            raise NotAReportError("scanned PDF, no text layer")
        raise NotAReportError("PDF has no text layer (no characters, no images)")
    _join_headings(pages)
    return Document(blocks=_blocks(pages), kind="pdf", encoding=None, meta=meta)


# --- one page ------------------------------------------------------------------------------


@dataclass
class _Line:
    text: str  # normalised; tabs at column gutters
    number: int  # 1-based among the page's text lines, top to bottom, furniture included
    top: float
    bottom: float
    x0: float
    x1: float
    size: float  # font size (median of its characters)
    furniture: bool = False


@dataclass
class _Page:
    number: int
    width: float
    height: float
    lines: list[_Line]
    grids: list[tuple[float, tuple[tuple[tuple[str, bool], ...], ...]]]  # (top, rows of (text, spanned))
    images: int


def _read_page(page: Any, started: float) -> _Page:
    if time.monotonic() - started > MAX_SECONDS:
        raise UnreadableError(f"PDF took over {MAX_SECONDS:.0f} s to read (stopped before page {page.page_number})")
    chars = _dedupe([c for c in page.chars if c["text"].strip() and _on_page(c, page)])
    edges = _ruling_edges(page)
    width, height = float(page.width), float(page.height)
    turn = _turn(chars)
    if turn:
        chars, edges, width, height = _rotate(chars, edges, width, height, turn)
    tables = _find_tables(page, edges)
    in_table: list[list[dict]] = [[] for _ in tables]
    free: list[dict] = []
    for ch in chars:
        cx, cy = (ch["x0"] + ch["x1"]) / 2, (ch["top"] + ch["bottom"]) / 2
        for i, t in enumerate(tables):  # a handful of tables per page at most
            x0, top, x1, bottom = t.bbox
            if x0 <= cx <= x1 and top <= cy <= bottom:
                in_table[i].append(ch)
                break
        else:
            free.append(ch)
    grids = []
    for t, tchars in zip(tables, in_table):
        rows = _grid(t.cells, tchars)
        if rows is None:
            free.extend(tchars)  # a frame around prose, not a table
        elif tchars:
            grids.append((t.bbox[1], rows))
    lines = sorted((_make_line(chars) for chars in _group_lines(free)), key=lambda l: l.top)
    lines = [l for l in lines if l.text]
    for n, line in enumerate(lines, 1):
        line.number = n
    result = _Page(page.page_number, width, height, lines, grids, len(page.images))
    page.close()  # free the parsed objects: only the text and grids are kept
    return result


def _on_page(ch: dict, page: Any) -> bool:
    """Text placed outside the page box is never printed (hidden keywords, off-page junk)."""
    x0, top, x1, bottom = page.bbox
    return ch["x1"] > x0 and ch["x0"] < x1 and ch["bottom"] > top and ch["top"] < bottom


def _dedupe(chars: list[dict]) -> list[dict]:
    """Drop glyphs drawn twice within 1pt of each other: fake bold prints each one twice.

    Linear: each glyph is looked up in its 1pt bucket and the 8 around it. (pdfplumber's own
    dedupe_chars sorts by list.index, quadratic in the characters.)"""
    buckets: dict[tuple[str, int, int], list[tuple[float, float]]] = {}
    out = []
    for ch in chars:
        x, y = ch["x0"], ch["top"]
        bx, by = int(x), int(y)
        if not any(abs(ox - x) <= 1 and abs(oy - y) <= 1
                   for dx in (-1, 0, 1) for dy in (-1, 0, 1)
                   for ox, oy in buckets.get((ch["text"], bx + dx, by + dy), ())):
            buckets.setdefault((ch["text"], bx, by), []).append((x, y))
            out.append(ch)
    return out


def _turn(chars: list[dict]) -> int:
    """How far (degrees clockwise) most of the page's text is turned on the page as shown: 90
    when it runs top to bottom (a wide table printed sideways, a landscape page with /Rotate)."""
    votes = [0, 0, 0, 0]
    for ch in chars:
        a, b, *_ = ch.get("matrix") or (1, 0)
        b = -b  # (a, b): the text's direction on the page, y pointing down
        votes[(0 if a > 0 else 2) if abs(a) >= abs(b) else (1 if b > 0 else 3)] += 1
    best = max(range(4), key=votes.__getitem__)
    return best * 90 if votes[best] * 2 > len(chars) else 0


def _rotate(chars: list[dict], edges: list[dict], width: float, height: float, turn: int
            ) -> tuple[list[dict], list[dict], float, float]:
    """Turn the page back by `turn` degrees so its text runs left to right, top to bottom."""
    def box(x0: float, x1: float, top: float, bottom: float) -> tuple[float, float, float, float]:
        if turn == 90:
            return top, bottom, width - x1, width - x0
        if turn == 270:
            return height - bottom, height - top, x0, x1
        return width - x1, width - x0, height - bottom, height - top

    turned = []
    for ch in chars:
        x0, x1, top, bottom = box(ch["x0"], ch["x1"], ch["top"], ch["bottom"])
        turned.append(dict(ch, x0=x0, x1=x1, top=top, bottom=bottom))
    swap = {"h": "v", "v": "h"} if turn in (90, 270) else {"h": "h", "v": "v"}
    edges = [_edge(swap[e["orientation"]], *box(e["x0"], e["x1"], e["top"], e["bottom"])) for e in edges]
    return turned, edges, *((height, width) if turn in (90, 270) else (width, height))


# --- tables --------------------------------------------------------------------------------


def _find_tables(page: Any, edges: list[dict]) -> list[Any]:
    edges = edges + _closing_edges(edges)
    # Fewer than 4 edges close no box. Thousands are a drawing (a chart, a map, hatching), and
    # intersecting them costs their square.
    if not 4 <= len(edges) <= MAX_EDGES:
        return []
    settings = dict(TABLE_SETTINGS, explicit_vertical_lines=edges, explicit_horizontal_lines=edges)
    return [t for t in page.find_tables(settings) if t.cells]


def _ruling_edges(page: Any) -> list[dict]:
    """Horizontal and vertical edges of what is visibly drawn: stroked lines, rectangles and
    paths, and thin filled bars. Wide filled rectangles are backgrounds (cell shading, or the
    invisible white boxes WPS puts behind every text line) and never a border."""
    edges = [line_to_edge(l) for l in page.lines if _visible(l.get("stroking_color"))]
    for r in page.rects:
        if r.get("stroke") and _visible(r.get("stroking_color")):
            edges += rect_to_edges(r)
        elif r.get("fill") and min(r["width"], r["height"]) <= _THIN_BAR and _visible(r.get("non_stroking_color")):
            edges += rect_to_edges(r)
    for c in page.curves:
        if c.get("stroke") and _visible(c.get("stroking_color")):
            edges += curve_to_edges(c)
    return [_edge(e["orientation"], e["x0"], e["x1"], e["top"], e["bottom"])
            for e in edges if e.get("orientation") in ("h", "v")]


def _edge(orientation: str, x0: float, x1: float, top: float, bottom: float) -> dict:
    """An edge as pdfplumber's table finder takes it, with no other attributes to go stale."""
    return {"object_type": "line_edge", "orientation": orientation, "x0": x0, "x1": x1,
            "top": top, "bottom": bottom, "width": x1 - x0, "height": bottom - top}


def _closing_edges(edges: list[dict]) -> list[dict]:
    """A table broken over pages is often left open: the last row on the page has no bottom
    border, the first row on the next page no top border, and pdfplumber makes no cells of
    them. Where two or more vertical borders all end (or all start) at one height, and none
    carries on past it, draw the missing border between them."""
    ends = sorted([(e["bottom"], e["x0"], 1) for e in edges if e["orientation"] == "v"]
                  + [(e["top"], e["x0"], -1) for e in edges if e["orientation"] == "v"])
    out: list[dict] = []
    group: list[tuple[float, float, int]] = []
    for end in ends + [(float("inf"), 0.0, 0)]:
        if group and end[0] - group[0][0] > TABLE_SETTINGS["snap_tolerance"]:
            xs = [x for _, x, _ in group]
            if len({kind for _, _, kind in group}) == 1 and max(xs) - min(xs) > TABLE_SETTINGS["snap_tolerance"]:
                out.append(_edge("h", min(xs), max(xs), group[0][0], group[0][0]))
            group = []
        group.append(end)
    return out


def _visible(color: Any) -> bool:
    """False for white in gray, RGB or CMYK; anything else (None is black, a pattern) shows."""
    if isinstance(color, (int, float)):
        color = (color,)
    if not isinstance(color, (tuple, list)) or not color or not all(isinstance(v, (int, float)) for v in color):
        return True
    if len(color) == 4:
        return max(color) > 0.05
    return min(color) < 0.95


def _grid(cells: list[tuple[float, float, float, float]], chars: list[dict]
          ) -> tuple[tuple[tuple[str, bool], ...], ...] | None:
    """Rows of (text, spanned) for a table's cells, or None when it is no table (one column).

    The grid lines are every distinct cell border; a cell covering several grid positions is a
    merged cell. A position no cell covers (a border missing at a page break) still gets the
    characters printed there, so nothing inside the table is lost."""
    xs = _clusters([v for c in cells for v in (c[0], c[2])])
    ys = _clusters([v for c in cells for v in (c[1], c[3])])
    ncols, nrows = len(xs) - 1, len(ys) - 1
    if ncols < 2 or nrows < 1:
        return None
    owner: list[list[Any]] = [[None] * ncols for _ in range(nrows)]
    first: dict[Any, tuple[int, int]] = {}
    for i, (x0, top, x1, bottom) in enumerate(cells):
        c0, c1 = _nearest(xs, x0), _nearest(xs, x1)
        r0, r1 = _nearest(ys, top), _nearest(ys, bottom)
        if c1 <= c0 or r1 <= r0:
            continue  # a sliver between double rules
        first[i] = (r0, c0)
        for r in range(r0, r1):
            for c in range(c0, c1):
                owner[r][c] = i
    for r in range(nrows):
        for c in range(ncols):
            if owner[r][c] is None:
                owner[r][c] = first[(r, c)] = (r, c)  # a hole: its own one-position cell
    buckets: dict[Any, list[dict]] = {}
    for ch in chars:
        c = min(max(bisect_right(xs, (ch["x0"] + ch["x1"]) / 2) - 1, 0), ncols - 1)
        r = min(max(bisect_right(ys, (ch["top"] + ch["bottom"]) / 2) - 1, 0), nrows - 1)
        buckets.setdefault(owner[r][c], []).append(ch)
    texts = {key: _cell_text(group) for key, group in buckets.items()}
    return tuple(tuple((texts.get(owner[r][c], ""), first[owner[r][c]] != (r, c)) for c in range(ncols))
                 for r in range(nrows))


def _clusters(values: list[float]) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if not out or v - out[-1] > _GRID_TOLERANCE:
            out.append(v)
    return out


def _nearest(bounds: list[float], v: float) -> int:
    i = bisect_right(bounds, v)
    if i == len(bounds) or (i > 0 and v - bounds[i - 1] <= bounds[i] - v):
        return i - 1
    return i


def _cell_text(chars: list[dict]) -> str:
    """Lines wrapped in a narrow column are one label: CJK lines join with nothing between,
    others (numbers, Latin words) keep a newline, the line break as printed."""
    text = ""
    for line in _group_lines(chars):
        part = _line_text(line, tabs=False)
        if part:
            text = _join(text, part, "\n")
    return text


def _join(text: str, more: str, sep: str) -> str:
    """Join two lines of one paragraph: nothing between CJK (a line break there is only
    layout), `sep` between anything else (words, numbers)."""
    if not text:
        return more
    return text + ("" if _wide(text[-1]) or _wide(more[0]) else sep) + more


def _wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


# --- lines ---------------------------------------------------------------------------------


def _group_lines(chars: list[dict]) -> list[list[dict]]:
    """Characters -> lines, top to bottom, each left to right. A character joins the current
    line when its middle lies within the band of the line's first character."""
    lines: list[list[dict]] = []
    bottom = 0.0
    for ch in sorted(chars, key=lambda c: (c["top"] + c["bottom"]) / 2):
        mid = (ch["top"] + ch["bottom"]) / 2
        if lines and mid <= bottom:
            lines[-1].append(ch)
        else:
            lines.append([ch])
            bottom = ch["bottom"]
    for line in lines:
        line.sort(key=lambda c: c["x0"])
    return lines


def _line_text(chars: list[dict], tabs: bool = True) -> str:
    """One line's normalised text: a space where the gap is a word break, a tab where it is
    a column gutter (only outside ruled tables)."""
    gaps = [b["x0"] - a["x1"] for a, b in zip(chars, chars[1:])]
    narrow = max(sorted(gaps)[len(gaps) // 4], 0.0) if gaps else 0.0
    parts = [chars[0]["text"]]
    for gap, a, b in zip(gaps, chars, chars[1:]):
        size = (_size(a) + _size(b)) / 2
        if tabs and gap >= _TAB_GAP * size and gap > _TAB_OVER_NARROW * narrow:
            parts.append("\t")
        elif gap >= _SPACE_GAP * size:
            parts.append(" ")
        parts.append(b["text"])
    return normalise_line("".join(parts).translate(_PDF_TEXT)).strip()


def _make_line(chars: list[dict]) -> _Line:
    return _Line(_line_text(chars), 0, min(c["top"] for c in chars), max(c["bottom"] for c in chars),
                 chars[0]["x0"], max(c["x1"] for c in chars), statistics.median(map(_size, chars)))


def _size(ch: dict) -> float:
    """Font size; some fonts (Type3, broken) report 0, then the glyph box stands in."""
    return ch.get("size") or (ch["bottom"] - ch["top"]) or 1.0


# --- page furniture and headings -----------------------------------------------------------


def _mark_furniture(pages: list[_Page]) -> None:
    """Flag page numbers and running headers/footers; they keep their line numbers."""
    def key(line: _Line) -> str:
        return _DIGITS.sub("#", _WHITESPACE.sub("", line.text))

    seen: dict[str, set[int]] = {}
    for page in pages:
        for line in page.lines:
            if _in_margin(line, page):
                seen.setdefault(key(line), set()).add(page.number)
    running = {k for k, on in seen.items() if len(on) >= 2 and len(on) * 2 >= len(pages)}
    for page in pages:
        for line in page.lines:
            text = line.text.replace("\t", " ").strip()
            line.furniture = bool(_PAGE_MARK.match(text)) or _in_margin(line, page) and (
                key(line) in running or bool(_BARE_NUMBER.match(text)) and _centred(line, page))


def _in_margin(line: _Line, page: _Page) -> bool:
    return line.bottom <= page.height * _MARGIN or line.top >= page.height * (1 - _MARGIN)


def _centred(line: _Line, page: _Page) -> bool:
    return abs((line.x0 + line.x1) / 2 - page.width / 2) < _CENTRED * page.width


def _join_headings(pages: list[_Page]) -> None:
    """A title in a large font wrapped over centred lines ("淮安市人民政府" / "2024年政府信息
    公开工作年度报告") is one heading, as a Word or HTML paragraph would be; it keeps the
    number of its first line."""
    sizes = [line.size for page in pages for line in page.lines]
    body = statistics.median(sizes) if sizes else 0.0

    def heading(line: _Line, page: _Page) -> bool:
        return not line.furniture and "\t" not in line.text and line.size >= _HEADING * body and _centred(line, page)

    for page in pages:
        kept: list[_Line] = []
        for line in page.lines:
            prev = kept[-1] if kept else None
            if (prev and heading(prev, page) and heading(line, page) and abs(line.size - prev.size) <= 0.1 * prev.size
                    and line.top - prev.bottom < line.size):
                prev.text, prev.bottom = _join(prev.text, line.text, " "), line.bottom
                continue
            kept.append(line)
        page.lines = kept


# --- document ------------------------------------------------------------------------------


def _blocks(pages: list[_Page]) -> tuple[Block, ...]:
    """Text lines and tables of each page in vertical order; tables numbered across the file."""
    blocks: list[Block] = []
    table_no = 0
    for page in pages:
        items: list[tuple[float, int, Any]] = [(line.top, 1, line) for line in page.lines if not line.furniture]
        items += [(top, 0, rows) for top, rows in page.grids]
        for _, kind, item in sorted(items, key=lambda it: (it[0], it[1])):
            if kind == 1:
                blocks.append(TextLine(item.text, Loc(page=page.number, line=item.number)))
                continue
            table_no += 1
            rows = tuple(tuple(GridCell(text, Loc(page=page.number, table=table_no, row=r, col=c), spanned)
                               for c, (text, spanned) in enumerate(row, 1))
                         for r, row in enumerate(item, 1))
            blocks.append(Table(rows, Loc(page=page.number, table=table_no)))
    return tuple(blocks)


def _meta(pdf: Any, read: int) -> dict[str, str]:
    info: dict[str, Any] = {}
    for d in pdf.doc.info:
        if isinstance(d, dict):
            info.update(d)
    meta = {key.lower(): text for key in ("Producer", "Creator", "Title") if (text := _info_text(info.get(key)))}
    meta.setdefault("producer", meta.get("creator", ""))  # WPS leaves Producer empty, names itself Creator
    meta["pages"] = str(max(_page_count(pdf), read))
    if int(meta["pages"]) > read:
        meta["pages_read"] = str(read)
    return meta


def _info_text(value: Any) -> str:
    """An Info string. WPS writes UTF-16LE with its BOM, which the PDF spec does not know."""
    value = resolve1(value)
    if isinstance(value, bytes):
        if value[:2] == b"\xff\xfe":
            text = value[2:].decode("utf-16-le", errors="replace")
        elif value[:2] == b"\xfe\xff":
            text = value[2:].decode("utf-16-be", errors="replace")
        else:
            try:
                text = value.decode("utf-8")
            except UnicodeDecodeError:
                text = decode_text(value)
    elif isinstance(value, str):
        text = value
    else:
        return ""
    return " ".join(text.replace("\x00", "").split())


def _page_count(pdf: Any) -> int:
    """The page tree's count, so pages past MAX_PAGES are counted though not read; 0 when
    the tree is broken (pdfminer then found the pages by scanning)."""
    try:
        count = resolve1(resolve1(pdf.doc.catalog.get("Pages")).get("Count"))
    except Exception:
        return 0
    return count if isinstance(count, int) and 0 <= count < 10**7 else 0


def _unreadable(err: Exception) -> UnreadableError:
    inner = err
    if isinstance(err, PdfminerException) and err.args and isinstance(err.args[0], Exception):
        inner = err.args[0]  # pdfplumber wraps pdfminer's error; its name is the reason
    detail = " ".join(str(inner).split())[:200]
    reason = type(inner).__name__ + (f": {detail}" if detail else "")
    if isinstance(inner, PDFEncryptionError):
        return UnreadableError(f"encrypted PDF, cannot be read without its password ({reason})")
    return UnreadableError(f"broken PDF ({reason})")
