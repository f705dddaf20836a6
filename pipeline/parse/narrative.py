"""Counts stated in the prose of section 一: proactive disclosure, applications received, and the
disclosure reviews and lawsuits (pipeline.parse.prose_cases, which section 四's prose is read with too)."""
from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

from .prose_cases import case_facts

_UNIT = r"(?:条|件|篇|项|个|期)"
_Q = r"(?P<q>余|多)?"
_TOTAL = re.compile(
    r"主动公开(?:了)?(?:各类|各种|相关)?(?:政府|政务|基本)?信息(?:共计|共|合计|累计)?\s*(?P<n>\d+)\s*" + _Q + r"\s*" + _UNIT
)
_CHANNELS = (r"门户网站|政府网站|网站|微信公众号|公众号|微博|政务新媒体|新媒体"
             r"|公开栏|公示栏|宣传栏|抖音号?|视频号|头条号|客户端|APP|政务服务平台")
_CHANNEL = re.compile(
    r"(?P<ch>(?:“[^”]{1,20}”)?[\u4e00-\u9fff]{0,10}?(?:" + _CHANNELS + r"))"
    r"[^\d,;。:]{0,20}?(?P<n>\d+)\s*" + _Q + r"\s*" + _UNIT
)
_CATEGORY = re.compile(r"(?P<cat>[^\d,;。:]{1,24}?)(?:共计|共|累计|合计)?\s*(?P<n>\d+)\s*" + _Q + r"\s*(?:条|件|篇|个)")
# _CHANNEL and _CATEGORY try many lengths at every position of a clause (slow); a clause without
# a channel name, or without a count and its unit, holds no match of theirs.
_ANY_CHANNEL = re.compile(_CHANNELS)
_ANY_CATEGORY_COUNT = re.compile(r"\d\s*" + _Q + r"\s*(?:条|件|篇|个)")
_CAT_REJECT = re.compile(r"[《》“”\"()]")
_MAX_CATEGORY = 16
_CAT_PREFIX = re.compile(r"^(?:[、及和与]|其中|包括)*(?:发布了?|更新了?)?")
_RECEIVED = (
    re.compile(r"(?:收到|受理|接收)(?:了)?[^,;。\d]{0,16}?申请(?:共计|共|合计)?\s*(?P<n>\d+)\s*" + _Q + r"\s*(?:件|个|条|人次|份)"),
    re.compile(r"(?:收到|受理|接收)(?:了)?\s*(?P<n>\d+)\s*" + _Q + r"\s*(?:名|位|件|个|份)[^,;。]{0,12}?申请"),
)
_RECEIVED_NONE = re.compile(r"(?:未|没有|无)(?:收到|受理|接收)[^,;。\d]{0,16}?申请")
_CLAUSE = re.compile(r"[^,;。:\n]+")
_SUBHEADING = re.compile(r"^#*\s*(?:\([一二三四五六七八九十\d]+\)|[一二三四五六七八九十]+[、.]|\d+[、.])")
_DATE_AFTER = re.compile(r"^\s*(?:年|月|日|%)")
_SENTENCE_END = "。;:!?,"


@dataclass(frozen=True)
class Fact:
    fact: str
    value: float
    qualifier: str
    category: str | None
    evidence: str
    line: int


class _Text:
    """Lines of a section joined into one string, with a map back to line numbers."""

    def __init__(self, lines: list[str], first_line: int) -> None:
        parts: list[str] = []
        self.starts: list[int] = []
        self.lines: list[int] = []
        pos = 0
        for k, line in enumerate(lines):
            line = line.strip()
            if not line:
                continue
            self.starts.append(pos)
            self.lines.append(first_line + k)
            parts.append(line)
            pos += len(line)
            # A line cut mid-sentence (PDF extracts) continues on the next; a short line without
            # closing punctuation is a heading and ends its clause.
            if line[-1] in _SENTENCE_END or len(line) < 20:
                parts.append("\n")
                pos += 1
        self.text = "".join(parts)

    def line_at(self, offset: int) -> int:
        return self.lines[max(bisect_right(self.starts, offset) - 1, 0)]


def extract_facts(lines: list[str], first_line: int) -> list[Fact]:
    """Facts from section 一 (`lines`, whose first element is source line `first_line`)."""
    if not lines:
        return []
    text = _Text(lines, first_line)
    facts: list[Fact] = []
    proactive = _proactive_range(text.text)
    received_done = False
    # Counts by category follow a total or a channel count, in its sentence or the next one;
    # elsewhere a number with 条/件 is usually something else (proposals handled, videos made).
    sentence = 0
    last_anchor = -10
    pos = 0
    whole = text.text
    for m in _CLAUSE.finditer(whole):
        start = m.start()
        sentence += whole.count("。", pos, start) + whole.count("\n", pos, start)
        pos = start
        clause = m.group().strip()
        if not clause:
            continue
        in_proactive = proactive[0] <= start < proactive[1]
        if not received_done:
            fact = _received(clause, text, start)
            if fact:
                facts.append(fact)
                received_done = True
                continue
        if not any(map(str.isdigit, clause)):
            continue
        t = _TOTAL.search(clause)
        if t and not _DATE_AFTER.match(clause[t.end("n"):]):
            facts.append(Fact("proactive_total", float(t.group("n")), _qual(t), None, clause, text.line_at(start)))
            last_anchor = sentence
            continue
        if not in_proactive:
            continue
        c = _CHANNEL.search(clause) if _ANY_CHANNEL.search(clause) else None
        if c:
            facts.append(Fact("proactive_by_channel", float(c.group("n")), _qual(c), c.group("ch"), clause,
                              text.line_at(start)))
            last_anchor = sentence
            continue
        if sentence - last_anchor > 1:
            continue
        for cm in _CATEGORY.finditer(clause) if _ANY_CATEGORY_COUNT.search(clause) else ():
            category = _CAT_PREFIX.sub("", cm.group("cat").strip()).strip()
            if (not category or len(category) > _MAX_CATEGORY or _CAT_REJECT.search(category)
                    or "申请" in category):
                continue
            facts.append(Fact("proactive_by_category", float(cm.group("n")), _qual(cm), category, clause,
                              text.line_at(start + cm.start())))
    facts += _case_facts(text, need_context=True)
    return facts


def extract_case_facts(lines: list[str], first_line: int) -> list[Fact]:
    """Review and litigation counts in section 四's own prose (`lines` after its heading, the first
    being source line `first_line`): every sentence there is about disclosure."""
    return _case_facts(_Text(lines, first_line), need_context=False) if lines else []


def _case_facts(text: _Text, need_context: bool) -> list[Fact]:
    return [Fact(c.fact, c.value, c.qualifier, None, c.evidence, text.line_at(c.offset))
            for c in case_facts(text.text, need_context)]


def _qual(m: re.Match[str]) -> str:
    return "at_least" if m.group("q") else "exact"


def _received(clause: str, text: _Text, start: int) -> Fact | None:
    """The applications received, stated in `clause` (at offset `start` of `text`): its line is
    looked up only for the clause that states them."""
    if "申请" not in clause:
        return None  # every _RECEIVED pattern names the applications (申请)
    if _RECEIVED_NONE.search(clause):
        return Fact("applications_received", 0.0, "exact", None, clause, text.line_at(start))
    for pattern in _RECEIVED:
        m = pattern.search(clause)
        if m:
            return Fact("applications_received", float(m.group("n")), _qual(m), None, clause, text.line_at(start))
    return None


def _proactive_range(text: str) -> tuple[int, int]:
    """Offsets of the 主动公开 sub-section of 一, where category and channel counts live."""
    start = end = None
    offset = 0
    for line in text.split("\n"):
        if _SUBHEADING.match(line):
            if start is None and "主动公开" in line[:24]:
                start = offset
            elif start is not None and end is None:
                end = offset
        offset += len(line) + 1
    if start is None:
        return 0, len(text)
    return start, end if end is not None else len(text)
