"""Plain text reader: bytes -> decoded, normalised lines -> `Document` of text lines.

Normalisation keeps one output line per input line, so every line number we report points at
the line an analyst sees when opening the file.
"""
from __future__ import annotations

import codecs
import re
from itertools import repeat

from ..errors import UnreadableError
from .document import Document, Loc, TextLine

# Full-width ASCII (！ to ～) maps to ASCII; ideographic and exotic spaces become a plain space.
_WIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_SPACES = {cp: " " for cp in (0x00A0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005,
                              0x2006, 0x2007, 0x2008, 0x2009, 0x200A, 0x202F, 0x205F, 0x3000)}
_INVISIBLE = {cp: None for cp in (0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x00AD)}
_TRANSLATE = {**_WIDTH, **_SPACES, **_INVISIBLE, 0x0D: None}
_BOOKMARK = re.compile(r"\[bookmark:[^\]]*\]")
# Control characters other than tab/newline show up in binary files, rarely in text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def decode(raw: bytes) -> tuple[str, str]:
    """Return (text, encoding name). Raises UnreadableError with a one-line reason."""
    if not raw or not raw.strip():
        raise UnreadableError("empty file")
    if raw.startswith(codecs.BOM_UTF8):
        return _strict(raw[3:], "utf-8"), "utf-8-sig"
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _strict(raw, "utf-16"), "utf-16"
    guess = _utf16_without_bom(raw)
    if guess:
        text = _strict(raw, guess)
        if _looks_binary(text):
            raise UnreadableError("binary file (control characters), not text")
        return text, guess
    if b"\x00" in raw[:65536]:
        raise UnreadableError("binary file (NUL bytes), not text")
    for encoding in ("utf-8", "gb18030"):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _looks_binary(text):
            raise UnreadableError("binary file (control characters), not text")
        return text, encoding
    # Mixed bytes: mostly UTF-8 with stray bytes from another encoding. Keep what reads.
    text = raw.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    if bad <= max(8, len(text) // 200) and not _looks_binary(text):
        return text, f"utf-8 ({bad} undecodable bytes replaced)"
    raise UnreadableError("not text in UTF-8, UTF-16 or GB18030")


def _strict(raw: bytes, encoding: str) -> str:
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as err:
        raise UnreadableError(f"invalid {encoding} at byte {err.start}") from None


def _utf16_without_bom(raw: bytes) -> str | None:
    """UTF-16 without a BOM: NUL bytes, and one byte order that decodes to readable text."""
    sample = raw[:8192]
    if b"\x00" not in sample or len(raw) % 2:
        return None
    sample = sample[: len(sample) - len(sample) % 2]
    for encoding in ("utf-16-le", "utf-16-be"):
        try:
            text = sample.decode(encoding)
        except UnicodeDecodeError:
            continue
        if text and sum(map(_readable, text)) / len(text) > 0.9:
            return encoding
    return None


def _readable(ch: str) -> bool:
    cp = ord(ch)
    return (0x20 <= cp < 0x7F or ch in "\t\n\r" or 0x4E00 <= cp <= 0x9FFF or 0x3000 <= cp <= 0x303F
            or 0xFF00 <= cp <= 0xFFEF or 0x2000 <= cp <= 0x206F or cp == 0xA0)


def _looks_binary(text: str) -> bool:
    sample = text[:65536]
    return len(_CONTROL.findall(sample)) > max(4, len(sample) // 100)


def normalise_line(line: str) -> str:
    """Width, spaces and Word bookmarks; nothing a reader would see as different."""
    line = line.translate(_TRANSLATE)
    if "[bookmark" in line:
        line = _BOOKMARK.sub("", line)
    return line.rstrip()


# The characters _TRANSLATE changes, and what each becomes.
_MAPPED = {chr(cp): "" if to is None else chr(to) if isinstance(to, int) else to for cp, to in _TRANSLATE.items()}
_TO_MAP = re.compile("[" + "".join(re.escape(ch) for ch in sorted(_MAPPED)) + "]")


def _normalise_text(text: str) -> str:
    """`text.translate(_TRANSLATE)`, faster on Chinese text: str.translate looks every character
    up (an exception for each one it leaves alone), while a report uses a handful of distinct
    full-width characters. Each is replaced everywhere at once, where it is first found; no
    replacement yields a character that another would change."""
    pos = 0
    while (m := _TO_MAP.search(text, pos)) is not None:
        ch = m.group()
        text = text.replace(ch, _MAPPED[ch])
        pos = m.start()  # nothing before it is left to change
    return text


def normalise_lines(text: str) -> list[str]:
    """The lines of `text`, each as normalise_line makes it, in one pass over the whole text."""
    if "\r" in text:
        # \r\n (Windows), \n and \r alone (classic Mac OS) all end a line: make them one "\n".
        text = _LINE_BREAK.sub("\n", text)
    # Normalising never makes or removes a "\n", so it can run before the split.
    text = _normalise_text(text)
    lines = text.split("\n")
    if "[bookmark" in text:
        return [_BOOKMARK.sub("", line).rstrip() if "[bookmark" in line else line.rstrip() for line in lines]
    return list(map(str.rstrip, lines))


# Web crawlers write what they know of a page above its text: 标题 / 发布时间 / 原文链接 …, then a
# line that opens the body (==== 正文 ==== or 正文：). The labels, after width normalisation:
_CRAWLER_FIELD = re.compile(r"^(标题|发布时间|原文链接|原始链接|链接|本地目录|文号|发布机构|索引号|来源|栏目)\s*:\s*(.*)$")
_CRAWLER_BODY = re.compile(r"^=*\s*正文\s*(?:=+|:)?\s*$")
# Kept under their own keys: a crawler's 标题 is the page's title as the site states it, which the
# parse stage may trust more than a PDF's or a page's <title> metadata.
_CRAWLER_META = {"标题": "crawled_title", "发布时间": "crawled_published", "原文链接": "crawled_url",
                 "原始链接": "crawled_url", "链接": "crawled_url"}
_HEADER_LINES = 20
# The line ends editors break at: \r\n (Windows), \n (Unix) and \r alone (classic Mac OS).
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def crawler_header(lines: list[str]) -> dict[str, str]:
    """The crawler's fields (crawled_title, crawled_published, crawled_url) when the text starts
    with a crawler header."""
    head = lines[:_HEADER_LINES]
    if not any("正文" in line for line in head):
        return {}  # no line can open the body (_CRAWLER_BODY): not a crawler header, whatever the fields
    fields: dict[str, str] = {}
    for line in head:
        if _CRAWLER_BODY.match(line.strip()):
            return fields if len(fields) >= 2 else {}
        m = _CRAWLER_FIELD.match(line.strip())
        if m and m.group(1) in _CRAWLER_META and m.group(2).strip():
            fields.setdefault(_CRAWLER_META[m.group(1)], m.group(2).strip())
    return {}


def read(raw: bytes) -> Document:
    """Every source line becomes one text line, so `Loc.line` is the line an editor shows."""
    text, encoding = decode(raw)
    # splitlines would also split on \x0b, \x1c.. and U+2028, shifting line numbers against
    # editors; only \n, \r\n and a lone \r (old Mac line ends) count as a line break here.
    lines = normalise_lines(text)
    # TextLine(line, Loc(line=i)) for each line, built in C (tuple.__new__ over zipped fields):
    # a Python-level loop would cost more than reading the text.
    none = repeat(None)  # endless: zip stops with the line numbers
    locs = map(tuple.__new__, repeat(Loc), zip(range(1, len(lines) + 1), none, none, none, none))
    blocks = tuple(map(tuple.__new__, repeat(TextLine), zip(lines, locs)))
    return Document(blocks=blocks, kind="text", encoding=encoding, meta=crawler_header(lines))
