"""Stage 1: bytes -> `Document`. One reader per format, picked by the bytes, never the name.

Readers for formats other than text import their library only when such a file comes, so
parsing plain text stays as fast to start as before.
"""
from __future__ import annotations

from importlib import import_module

from ..errors import NotAReportError
from .document import Block, Document, GridCell, Loc, Table, TextLine
from .sniff import DOC, DOCX, HTML, PDF, TEXT, sniff

__all__ = ["Block", "Document", "GridCell", "Loc", "Table", "TextLine", "read_document", "sniff"]

_READERS = {TEXT: ".text", HTML: ".html", DOCX: ".docx", PDF: ".pdf"}
_LOADED: dict[str, object] = {}  # format -> its reader module, imported on the first such file


def read_document(raw: bytes) -> Document:
    """Read any supported format. Raises UnreadableError / NotAReportError with a one-line reason."""
    kind = sniff(raw)
    if kind == DOC:
        raise NotAReportError("Word 97-2003 .doc: save it as .docx")
    reader = _LOADED.get(kind)
    if reader is None:
        reader = _LOADED[kind] = import_module(_READERS[kind], __name__)
    return reader.read(raw)
