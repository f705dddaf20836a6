"""Which format a file is in, from its bytes alone (never from its name)."""
from __future__ import annotations

import codecs
import io
import re
import zipfile

PDF, DOCX, DOC, HTML, TEXT = "pdf", "docx", "doc", "html", "text"

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the Compound File header of Word 97-2003 .doc
# A document that starts with markup, or holds the tags only a page has. Matched on the first
# bytes decoded as latin-1, which keeps every ASCII tag whatever the page's real charset.
_HTML_START = re.compile(rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|div|table|p|article|section|span|title)\b",
                         re.IGNORECASE | re.DOTALL)
_HTML_TAGS = re.compile(rb"<(?:html|body|table|div|p|td|tr|br|span)\b[^<>]{0,400}>", re.IGNORECASE)
_SNIFF_BYTES = 65536


def sniff(raw: bytes) -> str:
    """pdf | docx | doc | html | text. Zips other than Word files and anything else are text:
    the text reader gives the clear error for what is not text."""
    head = raw[:_SNIFF_BYTES]
    if head.lstrip(b"\x00\t\r\n \xef\xbb\xbf")[:5] == b"%PDF-" or b"%PDF-" in head[:1024]:
        return PDF
    if head.startswith(_OLE2):
        return DOC
    if head.startswith(b"PK\x03\x04") and _is_docx(raw):
        return DOCX
    if _looks_html(head):
        return HTML
    return TEXT


def _is_docx(raw: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            return "word/document.xml" in zf.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def _looks_html(head: bytes) -> bool:
    for bom, codec in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if head.startswith(bom):
            head = head[2:].decode(codec, errors="ignore").encode("utf-8", errors="ignore")
            break
    head = head.removeprefix(codecs.BOM_UTF8)
    if _HTML_START.match(head):
        return True
    # Text with a few angle brackets is still text; a page has many tags.
    return len(_HTML_TAGS.findall(head)) >= 8
