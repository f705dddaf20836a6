"""OGI annual-report parser: raw report bytes -> tidy, checked pandas frames."""
from .errors import NotAReportError, ReportError, UnreadableError
from .parser import ParsedReport, parse_report

__all__ = ["parse_report", "ParsedReport", "ReportError", "NotAReportError", "UnreadableError"]
