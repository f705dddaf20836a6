"""Stage 2: Document -> sections -> cells -> tidy records and checks."""
from .report import MAX_BYTES, ParsedReport, parse_document, parse_report, too_large
from .template import template_hash

# Raise on every change that can change what a report parses to: the lake re-parses the raw
# files whose current rows an older version wrote (see pipeline.store.lake).
PARSER_RELEASE = "2026.12.3"


def parser_version() -> str:
    """The release and the template table it reads with, e.g. "2026.12.1+3f2a9c41b0de"."""
    return f"{PARSER_RELEASE}+{template_hash()}"


__all__ = ["MAX_BYTES", "PARSER_RELEASE", "ParsedReport", "parse_document", "parse_report", "parser_version",
           "too_large"]
