"""Title, issuing body and report year."""
from __future__ import annotations

import re
from dataclasses import dataclass

_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
# org is whatever stands before or after the year, up to the report-kind words.
_TITLE = re.compile(
    r"^(?P<pre>.*?)\s*(?P<year>(?:19|20)\d{2})\s*年度?\s*(?P<post>.*?)\s*(?:政府|政务)?信息公开(?:工作)?(?:年度)?(?:工作)?报告"
)
_TITLE_HINT = re.compile(r"(?:信息公开|年度报告)")
_PERIOD = re.compile(r"统计(?:期限|时限|周期|时间|区间|范围|口径)[^。]{0,30}?((?:19|20)\d{2})\s*年")
_MARKDOWN = re.compile(r"^#+\s*")
# Sentences near the top ("本报告…编制。") mention 报告 too; a title has no sentence punctuation.
_PROSE = re.compile(r"[。，,；;：:]|^本")
_SKIP = frozenset({"正文", "目录"})
_MAX_TITLE_LINES = 15


@dataclass(frozen=True)
class Identity:
    title: str | None
    org: str | None
    year: int | None
    year_source: str  # title | period | none
    title_line: int | None  # 1-based


def find_identity(lines: list[str], first_boundary: int, title_hint: str | None = None) -> Identity:
    """`title_hint`: a title the source states apart from the text (a crawler's 标题 field); it is
    taken when it reads as a report title, and points at the first line that holds it."""
    title, title_line = None, None
    if title_hint and _TITLE.match(title_hint):
        title = title_hint
        title_line = next((i + 1 for i, line in enumerate(lines[:_MAX_TITLE_LINES * 2]) if title_hint in line), None)
    if title is None:
        title, title_line = _find_title(lines, first_boundary)
    org = year = None
    source = "none"
    if title:
        m = _TITLE.match(title)
        if m:
            org = (m.group("pre") or m.group("post") or "").strip() or None
            year = _plausible(int(m.group("year")))
        else:
            y = _YEAR.search(title)
            year = _plausible(int(y.group(1))) if y else None
        if year is not None:
            source = "title"
    if year is None:
        # The 统计期限 sentence sits near the top in most reports; bound the scan for huge files.
        for line in lines[:400]:
            m = _PERIOD.search(line)
            if m and _plausible(int(m.group(1))):
                year, source = int(m.group(1)), "period"
                break
    return Identity(title=title, org=org, year=year, year_source=source, title_line=title_line)


def _plausible(year: int) -> int | None:
    return year if 2000 <= year <= 2100 else None


def _find_title(lines: list[str], first_boundary: int) -> tuple[str | None, int | None]:
    seen: list[tuple[int, str]] = []
    for i, raw in enumerate(lines[: max(first_boundary, 0) or _MAX_TITLE_LINES]):
        line = _MARKDOWN.sub("", raw.strip()).strip()
        if not line or line in _SKIP:
            continue
        seen.append((i, line))
        if len(seen) > _MAX_TITLE_LINES:
            break
    for n, (i, line) in enumerate(seen):
        if len(line) > 60 or _PROSE.search(line) or not (_YEAR.search(line) or _TITLE_HINT.search(line)):
            continue
        if line.endswith("报告") and _TITLE_HINT.search(line):
            return line, i + 1
        # A title split over two lines: the second line finishes it ("工作年度报告").
        if n + 1 < len(seen):
            j, nxt = seen[n + 1]
            joined = line + nxt
            if len(nxt) <= 16 and nxt.endswith("报告") and _TITLE_HINT.search(joined):
                return joined, i + 1
    return None, None
