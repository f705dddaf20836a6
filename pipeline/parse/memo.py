"""Results of pure functions of a line or cell text, shared by every report one process parses.

Reports repeat the same short texts across files, not only within one: row labels, headers,
section titles, "0", "\\t0". Tokenizing them or matching them against the template's patterns
once per process instead of once per report is most of what a memo can save. A memo holds at
most about `limit` entries (it is emptied when full, so unique lines of past reports do not pile
up) and belongs to one template: a memo of matches made with another template is emptied.
"""
from __future__ import annotations

from typing import Any


class Memo:
    """A dict for one report at a time: `fresh()` hands it out, emptied first when it is full or
    was filled for another owner (a template whose patterns the values came from)."""

    __slots__ = ("limit", "data", "owner")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.data: dict[Any, Any] = {}
        self.owner: object = None

    def fresh(self, owner: object = None) -> dict[Any, Any]:
        # Checked once per report, not per entry: a report adds at most a few hundred entries.
        if owner is not self.owner or len(self.data) >= self.limit:
            self.data = {}
            self.owner = owner
        return self.data
