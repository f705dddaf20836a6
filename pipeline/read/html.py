"""HTML reader: a saved web page -> the report article as text lines and grid tables.

A report page is mostly site chrome (navigation, breadcrumbs, metadata boxes, footers). The
article is found by the report's own wording rather than by one CMS's markup: the deepest
element whose text holds every section title and table label of the template that the page
contains. Tables are read as grids (spans expanded) unless they only lay the page out.
"""
from __future__ import annotations

import codecs
import re

import lxml.html
from lxml import etree

from ..errors import NotAReportError
from .document import Block, Document, GridCell, Loc, Table, TextLine
from .text import decode, normalise_line

# Elements whose text is never report text. Dropped before anything is read.
_JUNK = ("script", "style", "noscript", "template", "iframe", "frame", "object", "embed", "svg",
         "canvas", "title", "meta", "link", "input", "select", "textarea", "button", "option",
         "optgroup", "datalist", "label")
# Page furniture by HTML semantics; dropped after title candidates were collected (an article's
# <header> may hold the report title).
_CHROME = ("nav", "header", "footer", "aside")
# Elements that end the current line. Everything else (span, font, b, o:p, ucapcontent...) is inline.
_BLOCK = frozenset("""address article aside blockquote body caption center dd details dialog dir div
    dl dt fieldset figcaption figure form h1 h2 h3 h4 h5 h6 hgroup hr html legend li main menu ol p
    pre section summary table tbody td tfoot th thead tr ul""".split())

# Words of the 2019/2021 templates (section titles, table labels) that locate the article.
_ANCHORS = ("总体情况", "主动公开政府信息情况", "收到和处理政府信息公开申请情况", "行政复议",
            "存在的主要问题", "其他需要报告的事项", "本年新收", "自然人", "法人或其他组织",
            "申请人情况", "本年度办理结果", "结转下年度")
_MIN_ANCHORS = 3  # fewer and the words could be chance; fall back to CMS markers
# The report title line, as the parse stage finds it; short, unlike prose that cites the report.
_TITLE = re.compile(r"年.*信息公开.*报告")
_TITLE_MAX = 100
_TITLE_LOOKAHEAD = 5  # text lines at the top of the article that may hold its title
# Chrome that sits beside the report paragraphs when the CMS has no wrapper around them.
_CHROME_TEXT = re.compile(r"当前位置|您的位置|您现在的位置|所在位置|相关链接|相关文章|分享到|打印本页"
                          r"|关闭窗口|版权所有|ICP备|网站标识码|网站地图")
_LINKED = etree.XPath("ancestor-or-self::a[@href] | .//a[@href]")
# CMS containers that hold the article, for pages without enough template words.
_MARKED = (etree.XPath("//*[contains(concat(' ', normalize-space(@class), ' '), ' TRS_Editor ')]"),
           etree.XPath("//ucapcontent"), etree.XPath("//article"))

_CHARSET = re.compile(r"charset\s*=\s*[\"']?\s*([\w.:-]+)", re.IGNORECASE)
_HEAD_BYTES = 65536  # where a page declares its charset; saved pages put long scripts first
_GB = frozenset({"gb2312", "gbk", "gb18030", "x-gbk", "cp936", "windows-936"})
_UNICODE = frozenset({"utf-8", "utf-16", "utf-16-le", "utf-16-be"})

# A line break between two wide (CJK) characters is no space (CSS Text 3 segment-break rule);
# Word-exported pages break lines inside words, e.g. '申请人情</span>\n<span>况'.
_WIDE = "\u2e80-\u303f\u3040-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6"
_SEGMENT_BREAK = re.compile(rf"(?<=[{_WIDE}])[^\S\n]*\n\s*(?=[{_WIDE}])")
_VERTICAL = re.compile(r"writing-mode\s*:\s*(?:vertical|tb)|layout-flow\s*:\s*vertical", re.IGNORECASE)
_DIGITS = re.compile(r"\d+")
# A table's own rows; old pages wrap rows in a <form>.
_ROWS = etree.XPath("./tr | ./thead/tr | ./tbody/tr | ./tfoot/tr | ./form/tr")
_TABLE_PARTS = frozenset({"tr", "thead", "tbody", "tfoot", "form", "caption", "colgroup", "col"})

# Sane limits for hostile markup: colspan="100000" would otherwise allocate a huge grid, and
# recursion follows the tree (libxml2 already stops nesting at 256 levels).
_MAX_COLS = 100
_MAX_ROWS = 1000
_MAX_DEPTH = 200

_Grid = list[list[tuple[str, bool]]]  # rows of (text, spanned)


def read(raw: bytes) -> Document:
    """Read a web page. Raises UnreadableError (bytes) or NotAReportError (no text)."""
    text, encoding = _decode_page(raw)
    root = _parse(text)
    title_el = root.find("head/title")
    if title_el is None:
        title_el = root.find(".//title")
    title = _clean("".join(title_el.itertext())) if title_el is not None else ""
    body = root.find("body")
    if body is None:
        body = root
    etree.strip_elements(body, *_JUNK, with_tail=False)
    order = {el: i for i, el in enumerate(body.iter())}
    candidates = {el: set(el.iterancestors()) for el in order if _is_title_element(el)}
    etree.strip_elements(body, *_CHROME, with_tail=False)

    article, marks = _find_article(body)
    _trim_edges(article, marks)
    flow = _Flow()
    flow.read(article)
    items = flow.out
    if not items:
        raise NotAReportError("web page without text")
    if not any(_is_title_line(line) for line in [i for i in items if isinstance(i, str)][:_TITLE_LOOKAHEAD]):
        heading = _title_above(article, candidates, order)
        if heading is None and _is_title_line(title):
            heading = title
        if heading:
            items.insert(0, heading)
    return Document(blocks=_number(items), kind="html", encoding=encoding, meta={"title": title})


# --- charset ---------------------------------------------------------------------------------

def _decode_page(raw: bytes) -> tuple[str, str]:
    """BOM, then the page's declaration, then sniffing (strict UTF-8, else GB18030)."""
    if raw.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or not raw.strip():
        return decode(raw)
    declared = _declared_charset(raw)
    if declared:
        try:
            text = raw.decode(declared)
        except UnicodeDecodeError:
            pass  # a wrong declaration: the bytes are sniffed instead
        else:
            # GB18030 accepts most UTF-8 byte sequences, so a UTF-8 page declared GBK would
            # decode to garbage; valid multi-byte UTF-8 almost never happens by chance.
            if declared == "utf-8" or raw.isascii() or not _is_utf8(raw):
                return text, declared
    return decode(raw)


def _declared_charset(raw: bytes) -> str | None:
    """The charset of the first <meta charset> / http-equiv Content-Type that names a usable one."""
    # latin-1 keeps every ASCII tag whatever the real charset, and never fails.
    parser = lxml.html.HTMLParser(encoding="iso-8859-1", remove_comments=True)
    try:
        head = etree.fromstring(raw[:_HEAD_BYTES], parser)
    except (etree.ParserError, etree.XMLSyntaxError):
        return None
    if head is None:
        return None
    for meta in head.iter("meta"):
        label = meta.get("charset")
        if label is None and (meta.get("http-equiv") or "").strip().lower() == "content-type":
            found = _CHARSET.search(meta.get("content") or "")
            label = found.group(1) if found else None
        charset = _charset(label) if label else None
        if charset:
            return charset
    return None


def _charset(label: str) -> str | None:
    """Only multi-byte charsets are trusted: a single-byte one (latin-1, windows-1252) decodes
    any bytes, so a wrong declaration could not be caught; sniffing decides instead."""
    label = label.strip().lower()
    try:
        name = codecs.lookup(label).name
    except LookupError:
        name = label
    if name in _GB:
        return "gb18030"  # superset of GB2312 and GBK: pages declared GB2312 use GBK characters
    if name in _UNICODE:
        return "utf-8"  # HTML rule: a UTF-16 declaration without a BOM means UTF-8
    if name in ("big5", "big5hkscs"):
        return name
    return None


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _parse(text: str) -> etree._Element:
    # Handing lxml UTF-8 with an explicit encoding makes it ignore the page's own <meta charset>.
    parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)
    try:
        root = etree.fromstring(text.encode("utf-8", errors="replace"), parser)
    except (etree.ParserError, etree.XMLSyntaxError):
        root = None
    if root is None:
        raise NotAReportError("web page without text")
    return root


# --- finding the article -----------------------------------------------------------------------

def _find_article(body: etree._Element) -> tuple[etree._Element, list[bool]]:
    """The deepest element holding every template word the page holds (outside links), and
    for each of its children whether it holds any template word."""
    text, spans = _text_index(body)
    found = {a: _occurrences(text, a) for a in _ANCHORS}
    found = {a: spots for a, spots in found.items() if spots}

    def holds(el: etree._Element, need: int) -> bool:
        start, end = spans.get(el, (0, 0))
        return sum(any(start <= p and p + len(a) <= end for p in spots) for a, spots in found.items()) >= need

    if len(found) < _MIN_ANCHORS:
        article = next((marked[0] for xpath in _MARKED if (marked := xpath(body))), body)
    else:
        article = body
        while (inner := next((kid for kid in article if holds(kid, len(found))), None)) is not None:
            article = inner
        # Rows and row groups are not containers of their own; read the whole table.
        while _tag(article) in ("tr", "tbody", "thead", "tfoot") and article.getparent() is not None:
            article = article.getparent()
    return article, [holds(kid, 1) for kid in article]


def _text_index(body: etree._Element) -> tuple[str, dict[etree._Element, tuple[int, int]]]:
    """The body's text without whitespace or link text, and each element's span in it.
    Built in one pass, so finding the article stays linear in the page size."""
    parts: list[str] = []
    pos = 0
    starts: dict[etree._Element, int] = {}
    spans: dict[etree._Element, tuple[int, int]] = {}
    in_link = 0

    def add(s: str | None) -> None:
        nonlocal pos
        if s and not in_link:
            s = "".join(s.split())
            parts.append(s)
            pos += len(s)

    for event, el in etree.iterwalk(body, events=("start", "end")):
        link = _tag(el) == "a" and el.get("href") is not None  # named anchors are text
        if event == "start":
            starts[el] = pos
            in_link += link
            add(el.text)
        else:
            in_link -= link
            spans[el] = (starts.pop(el), pos)
            if el is not body:
                add(el.tail)
    return "".join(parts), spans


def _occurrences(text: str, word: str) -> list[int]:
    spots, at = [], text.find(word)
    while at >= 0:
        spots.append(at)
        at = text.find(word, at + 1)
    return spots


def _trim_edges(article: etree._Element, marks: list[bool]) -> None:
    """Drop breadcrumbs, share and footer boxes among the article's children before its first
    and after its last report part (`marks`: the children holding template words)."""
    kids = list(article)
    if True not in marks:
        return
    first, last = marks.index(True), len(marks) - 1 - marks[::-1].index(True)
    for kid in kids[:first] + kids[last + 1:]:
        if _CHROME_TEXT.search(_clean("".join(kid.itertext()))):
            kid.drop_tree()


def _is_title_element(el: etree._Element) -> bool:
    tag = _tag(el)
    names = f"{el.get('class', '')} {el.get('id', '')}".lower()
    if not (tag in ("h1", "h2", "h3", "h4", "h5", "h6") or "title" in tag or "tit" in names):
        return False
    if _LINKED(el):
        return False  # a link to a report (related links, other years) is not this report's title
    return _is_title_line(_clean("".join(el.itertext())))


def _is_title_line(line: str) -> bool:
    return len(line) <= _TITLE_MAX and bool(_TITLE.search(line))


def _title_above(article: etree._Element, candidates: dict[etree._Element, set[etree._Element]],
                 order: dict[etree._Element, int]) -> str | None:
    """The report title shown above the article, or in the article's own <header> (stripped as
    chrome). `candidates` maps each title element to its ancestors before stripping."""
    inside = set(article.iter())
    outer = set(article.iterancestors())
    above = [el for el, ancestors in candidates.items()
             if el not in inside and el not in outer and (order[el] < order[article] or article in ancestors)]
    if not above:
        return None
    return _clean("".join(max(above, key=order.__getitem__).itertext()))


# --- reading blocks ------------------------------------------------------------------------------

class _Flow:
    """Blocks of a subtree in reading order: inline text gathers into the current line; block
    elements and <br> end it. `out` holds lines (str) and data tables (grids)."""

    def __init__(self) -> None:
        self.out: list[str | _Grid] = []
        self._buf: list[str] = []
        self._pre = 0

    def read(self, el: etree._Element, depth: int = 0) -> None:
        """The element's content, not its tail."""
        if _tag(el) == "table":
            self._table(el, depth)
        else:
            self._children(el, depth)
        self._flush()

    def _children(self, el: etree._Element, depth: int) -> None:
        self._text(el.text)
        for child in el:
            self._walk(child, depth + 1)

    def _walk(self, el: etree._Element, depth: int) -> None:
        tag = _tag(el)
        if tag == "br":
            self._flush()
        elif tag == "table":
            self._flush()
            self._table(el, depth)
        elif depth > _MAX_DEPTH:
            self._flat(el)
        else:
            block = tag in _BLOCK
            if block:
                self._flush()
            self._pre += tag == "pre"
            self._children(el, depth)
            self._pre -= tag == "pre"
            if block:
                self._flush()
        self._text(el.tail)

    def _flat(self, el: etree._Element) -> None:
        """Absurdly deep subtrees, read without recursion: lines as usual, tables as lines."""
        for event, node in etree.iterwalk(el, events=("start", "end")):
            breaks = _tag(node) in _BLOCK or _tag(node) == "br"
            if breaks:
                self._flush()
            if event == "start":
                self._text(node.text)
            elif node is not el:
                self._text(node.tail)

    def _text(self, s: str | None) -> None:
        if not s:
            return
        if not self._pre:
            self._buf.append(s)
            return
        first, *rest = s.split("\n")  # preformatted text keeps its lines
        self._buf.append(first)
        for line in rest:
            self._flush()
            self._buf.append(line)

    def _flush(self) -> None:
        line = _clean("".join(self._buf))
        self._buf.clear()
        if line:
            self.out.append(line)

    def _table(self, table: etree._Element, depth: int) -> None:
        # The caption, and what is misplaced in a table outside its cells, come before the grid
        # (browsers show such content above the table; libxml2 leaves it where it was written).
        self._text(table.text)
        for child in table:
            if _tag(child) not in _TABLE_PARTS:
                self._walk(child, depth + 1)
                continue
            if _tag(child) == "caption":
                self._children(child, depth + 1)
                self._flush()
            self._text(child.tail)
        self._flush()
        rows = [tr.xpath("./td | ./th") for tr in _ROWS(table)]
        cells = [cell for row in rows for cell in row]
        # A table holding tables, or a single cell, only lays the page out: read it as blocks.
        if len(cells) <= 1 or any(cell.find(".//table") is not None for cell in cells):
            for cell in cells:
                self._children(cell, depth + 1)
                self._flush()
            return
        grid = _grid(rows, depth)
        if any(text for row in grid for text, _ in row):
            self.out.append(grid)


def _grid(rows: list[list[etree._Element]], depth: int) -> _Grid:
    """Expand colspan/rowspan: the first position of a merged cell is printed, the others are
    spanned copies; positions no cell reaches (ragged rows) are blank spanned padding."""
    nrows = len(rows)
    taken: dict[tuple[int, int], tuple[str, bool]] = {}
    for r, cells in enumerate(rows):
        c = 0
        for cell in cells:
            while (r, c) in taken:
                c += 1
            if c >= _MAX_COLS:
                break
            text = _cell_text(cell, depth + 2)
            rowspan = _span(cell.get("rowspan"), _MAX_ROWS)
            if rowspan == 0:
                rowspan = nrows - r  # HTML: rowspan="0" runs to the end of the table
            colspan = _span(cell.get("colspan"), _MAX_COLS) or 1
            # Clip spans to free positions: overlapping spans in broken markup then cost no
            # more work than the grid they fill.
            width = 1
            while width < colspan and c + width < _MAX_COLS and (r, c + width) not in taken:
                width += 1
            height = 1
            while height < rowspan and r + height < nrows and \
                    all((r + height, c + k) not in taken for k in range(width)):
                height += 1
            for dr in range(height):
                for dc in range(width):
                    taken[r + dr, c + dc] = (text, bool(dr or dc))
            c += width
    ncols = max((c for _, c in taken), default=-1) + 1
    used = sorted({r for r, _ in taken})
    return [[taken.get((r, c), ("", True)) for c in range(ncols)] for r in used]


def _span(value: str | None, cap: int) -> int:
    found = _DIGITS.search(value or "")
    return min(int(found.group()), cap) if found else 1


def _cell_text(cell: etree._Element, depth: int) -> str:
    flow = _Flow()
    flow.read(cell, depth)
    lines = [line for line in flow.out if isinstance(line, str)]
    if any(_VERTICAL.search(el.get("style") or "") for el in cell.iter()):
        return "".join("".join(lines).split())  # vertical writing: one word, whatever the breaks
    if len(lines) > 1 and all(len(line) == 1 for line in lines):
        return "".join(lines)  # a header written one character per line
    return "\n".join(lines)


# --- helpers -------------------------------------------------------------------------------------

def _tag(el: etree._Element) -> str:
    return el.tag.lower() if isinstance(el.tag, str) else ""


def _clean(s: str) -> str:
    """One line as a reader sees it: collapsed whitespace, &nbsp; a space, widths normalised."""
    return " ".join(normalise_line(_SEGMENT_BREAK.sub("", s)).split())


def _number(items: list[str | _Grid]) -> tuple[Block, ...]:
    blocks: list[Block] = []
    line = table = 0
    for item in items:
        if isinstance(item, str):
            line += 1
            blocks.append(TextLine(item, Loc(line=line)))
            continue
        table += 1
        rows = tuple(tuple(GridCell(text, Loc(table=table, row=r, col=c), spanned)
                           for c, (text, spanned) in enumerate(row, 1))
                     for r, row in enumerate(item, 1))
        blocks.append(Table(rows, Loc(table=table)))
    return tuple(blocks)
