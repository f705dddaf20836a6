"""Stage 2: Document -> sections -> cells -> tidy records and checks."""
from .report import MAX_BYTES, ParsedReport, parse_document, parse_report

__all__ = ["MAX_BYTES", "ParsedReport", "parse_document", "parse_report"]
