"""Word .docx reader: word/document.xml -> paragraphs and tables in body order.

Read with lxml straight from the XML rather than python-docx: python-docx drops text inside
tracked insertions and content controls from `Paragraph.text`, repeats cell objects for merged
cells, and is several times slower to load (it builds its object model over the same lxml tree).

What a reader of the printed page sees is what we keep: tracked insertions yes, deletions no;
text boxes, headers, footers, footnotes and comments are left out (they live in drawings or in
other parts of the package, which we never open).
"""
from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Iterator

from lxml import etree

from ..errors import NotAReportError, UnreadableError
from .document import Block, Document, GridCell, Loc, Table, TextLine
from .text import normalise_line

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
# "Strict Open XML" files use another namespace for the same vocabulary.
_W_STRICT = b"http://purl.oclc.org/ooxml/wordprocessingml/main"
_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_DC_TITLE = "{http://purl.org/dc/elements/1.1/}title"


def _w(tag: str) -> str:
    return f"{{{_W}}}{tag}"


_BODY, _P, _TBL, _TR, _TC = _w("body"), _w("p"), _w("tbl"), _w("tr"), _w("tc")
_T, _VAL = _w("t"), _w("val")
_TC_PR, _TR_PR, _GRID_SPAN, _V_MERGE = _w("tcPr"), _w("trPr"), _w("gridSpan"), _w("vMerge")
_GRID_BEFORE, _GRID_AFTER, _DEL = _w("gridBefore"), _w("gridAfter"), _w("del")
_ALTERNATE, _CHOICE, _FALLBACK = f"{{{_MC}}}AlternateContent", f"{{{_MC}}}Choice", f"{{{_MC}}}Fallback"
# Elements that only wrap block content (paragraphs, tables, rows, cells): content controls
# and custom XML. Their children are read as if they stood in the wrapper's place.
_WRAPPERS = frozenset({_w("sdt"), _w("sdtContent"), _w("customXml")})
# Run content that prints as a character.
_CHARS = {_w("tab"): "\t", _w("ptab"): "\t", _w("br"): "\n", _w("cr"): "\n", _w("noBreakHyphen"): "-"}
# Subtrees inside a paragraph whose text is not printed in the flow: deleted and moved-away
# text, properties (w:pPr/w:tabs holds w:tab tab stops, not tabs), drawings and VML shapes
# (where text boxes live), embedded objects.
_SKIP = frozenset(_w(tag) for tag in ("del", "moveFrom", "pPr", "rPr", "drawing", "pict", "object",
                                      "txbxContent"))

_MAX_XML_BYTES = 50 * 1024 * 1024  # a report's document.xml is well under 5 MB; zip bombs are not
_MAX_CORE_BYTES = 1024 * 1024
_MAX_SPAN = 100  # widest real tables have ~15 columns; a hostile gridSpan must not allocate millions
_MAX_COLUMNS = 1000


def read(raw: bytes) -> Document:
    """Raises UnreadableError for a broken package or XML, NotAReportError for a file without text."""
    xml, core = _unzip(raw)
    # No DTDs, entities or network: the XML is untrusted.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             remove_comments=True, remove_pis=True)
    try:
        root = etree.fromstring(xml.replace(_W_STRICT, _W.encode()), parser)
    except etree.XMLSyntaxError as err:
        raise UnreadableError(f"corrupt .docx: word/document.xml: {_one_line(err)}") from None
    body = root.find(_BODY)
    if body is None:
        raise UnreadableError("corrupt .docx: word/document.xml has no body")
    blocks = tuple(_Reader().blocks(body))
    if not any(isinstance(b, TextLine) or any(c.text for row in b.rows for c in row) for b in blocks):
        raise NotAReportError("Word file without text")
    return Document(blocks=blocks, kind="docx", encoding=None, meta=_meta(core, parser))


def _unzip(raw: bytes) -> tuple[bytes, bytes | None]:
    """(word/document.xml, docProps/core.xml or None), each read only if its declared size is sane."""
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            try:
                info = zf.getinfo("word/document.xml")
            except KeyError:
                raise UnreadableError("corrupt .docx: no word/document.xml") from None
            if info.file_size > _MAX_XML_BYTES:
                raise UnreadableError(f"corrupt .docx: word/document.xml would expand to "
                                      f"{info.file_size // 2**20} MB (limit {_MAX_XML_BYTES // 2**20} MB)")
            # zipfile stops at the declared size (and fails the CRC check) if the header lies.
            with zf.open(info) as f:
                xml = f.read(_MAX_XML_BYTES + 1)
            core = None
            names = set(zf.namelist())
            if "docProps/core.xml" in names and zf.getinfo("docProps/core.xml").file_size <= _MAX_CORE_BYTES:
                try:
                    core = zf.read("docProps/core.xml")
                except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError):
                    core = None  # the title is a nicety; a broken core part costs only that
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, RuntimeError,
            NotImplementedError) as err:
        raise UnreadableError(f"corrupt .docx: {_one_line(err)}") from None
    if len(xml) > _MAX_XML_BYTES:
        raise UnreadableError("corrupt .docx: word/document.xml larger than declared")
    return xml, core


def _meta(core: bytes | None, parser: etree.XMLParser) -> dict[str, str]:
    if core is None:
        return {}
    try:
        title = etree.fromstring(core, parser).findtext(_DC_TITLE)
    except etree.XMLSyntaxError:
        return {}
    title = normalise_line((title or "").replace("\n", " ")).strip()
    return {"title": title} if title else {}


def _one_line(err: Exception) -> str:
    text = " ".join(str(err).split())
    return text[:200] or type(err).__name__


class _Reader:
    """Numbers text lines and tables across the whole body, layout-table content included."""

    def __init__(self) -> None:
        self.lines = 0
        self.tables = 0

    def blocks(self, container: etree._Element) -> Iterator[Block]:
        for el in _children(container, (_P, _TBL)):
            if el.tag == _P:
                for line in _paragraph_text(el).split("\n"):
                    line = normalise_line(line)
                    if line:
                        self.lines += 1
                        yield TextLine(line, Loc(line=self.lines))
            elif _is_layout(el):
                # A table holding tables arranges content on the page; its cells are not data.
                for tr in _children(el, (_TR,)):
                    for tc in _children(tr, (_TC,)):
                        yield from self.blocks(tc)
            else:
                rows = _grid(el)
                if rows:
                    self.tables += 1
                    t = self.tables
                    yield Table(rows=tuple(tuple(GridCell(text, Loc(table=t, row=r, col=c), spanned)
                                                 for c, (text, spanned) in enumerate(row, 1))
                                           for r, row in enumerate(rows, 1)),
                                loc=Loc(table=t))


def _children(parent: etree._Element, wanted: tuple[str, ...]) -> Iterator[etree._Element]:
    """The children of `parent` with a wanted tag, looking through wrappers, in document order."""
    for child in parent:
        if child.tag in wanted:
            yield child
        elif child.tag in _WRAPPERS:
            yield from _children(child, wanted)
        elif child.tag == _ALTERNATE:
            branch = _branch(child)
            if branch is not None:
                yield from _children(branch, wanted)


def _branch(alternate: etree._Element) -> etree._Element | None:
    """One branch of mc:AlternateContent (both hold the same content): the fallback, else the first choice."""
    fallback = alternate.find(_FALLBACK)
    return fallback if fallback is not None else alternate.find(_CHOICE)


def _paragraph_text(p: etree._Element) -> str:
    parts: list[str] = []
    _collect(p, parts)
    return "".join(parts)


def _collect(el: etree._Element, parts: list[str]) -> None:
    for child in el:
        tag = child.tag
        if tag == _T:
            parts.append(child.text or "")
            # An entity reference (never expanded, see read) is a child node; keep the text after it.
            parts.extend(ref.tail or "" for ref in child)
        elif tag in _CHARS:
            parts.append(_CHARS[tag])
        elif tag == _ALTERNATE:
            branch = _branch(child)
            if branch is not None:
                _collect(branch, parts)
        elif tag not in _SKIP:
            # runs, tracked insertions, hyperlinks, fields, smart tags, inline content controls
            _collect(child, parts)


def _is_layout(tbl: etree._Element) -> bool:
    return any(el.tag == _TBL for tr in _children(tbl, (_TR,)) for tc in _children(tr, (_TC,))
               for el in _children(tc, (_P, _TBL)))


def _cell_text(tc: etree._Element) -> str:
    lines = (normalise_line(line) for p in _children(tc, (_P,)) for line in _paragraph_text(p).split("\n"))
    return "\n".join(line for line in lines if line)


def _int_val(parent: etree._Element | None, tag: str, default: int) -> int:
    el = parent.find(tag) if parent is not None else None
    try:
        value = int(el.get(_VAL)) if el is not None else default
    except (TypeError, ValueError):
        return default
    return max(0, min(value, _MAX_SPAN))


def _grid(tbl: etree._Element) -> list[list[tuple[str, bool]]]:
    """Rows of (text, spanned) after gridSpan and vMerge are expanded, padded to one width."""
    rows: list[list[tuple[str, bool]]] = []
    for tr in _children(tbl, (_TR,)):
        tr_pr = tr.find(_TR_PR)
        if tr_pr is not None and tr_pr.find(_DEL) is not None:
            continue  # a tracked-deleted row
        above = rows[-1] if rows else []
        row: list[tuple[str, bool]] = [("", True)] * _int_val(tr_pr, _GRID_BEFORE, 0)
        for tc in _children(tr, (_TC,)):
            tc_pr = tc.find(_TC_PR)
            span = max(1, _int_val(tc_pr, _GRID_SPAN, 1))
            v_merge = tc_pr.find(_V_MERGE) if tc_pr is not None else None
            col = len(row)
            # vMerge without a value, or "continue", continues the cell above; a continuation
            # with nothing above it (first row) stands as a cell of its own.
            if v_merge is not None and v_merge.get(_VAL, "continue") == "continue" and col < len(above):
                row.extend([(above[col][0], True)] * span)
            else:
                row.append((_cell_text(tc), False))
                row.extend([(row[-1][0], True)] * (span - 1))
            if len(row) > _MAX_COLUMNS:
                break
        row.extend([("", True)] * _int_val(tr_pr, _GRID_AFTER, 0))
        rows.append(row[:_MAX_COLUMNS])
    width = max((len(row) for row in rows), default=0)
    if not width:
        return []
    for row in rows:
        row.extend([("", True)] * (width - len(row)))
    return rows
