"""Errors for input that cannot become a report. Each carries a one-line reason for the file."""
from __future__ import annotations


class ReportError(Exception):
    """A file could not be parsed into a report; `str(err)` is a one-line reason."""

    status = "error"


class UnreadableError(ReportError):
    """The bytes are empty, binary or in no encoding we can read."""

    status = "unreadable"


class NotAReportError(ReportError):
    """The text decodes but is not a 政府信息公开工作年度报告."""

    status = "not_a_report"
