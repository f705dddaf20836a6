"""Find the six sections and the spans of tables 2, 3 and 4 by their content.

Section numbers cannot be trusted (numbering restarts, shifts, duplicated tables), so each
heading is recognised by its title and each table also by its own markers.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import NamedTuple

from .memo import Memo
from .template import Template

# Site furniture of saved web pages that follows the report (seed 002).
_JUNK = re.compile(
    r"^(?:账号\+?密码登录|手机\+?密码登录|还没有账号|立即注册|登录|注册|扫一扫|打印本页|关闭窗口|【打印】|【关闭】"
    r"|分享到|上一篇|下一篇|网站地图|联系我们|版权所有|主办单位|承办单位|网站标识码|.*ICP备|.*公网安备|返回顶部)"
)
_MAX_HEADING = 48
# A section's own heading is numbered 一、/ 1、; the same title without that numbering is a
# sub-heading of 一 ("（一）主动公开政府信息情况") or a mention in the preamble.
_NUMBERED = re.compile(r"^#*(?:[一二三四五六七八九十]+|\d{1,2})[、.]")
_MAX_MARKER_LINE = 80


@dataclass
class Sections:
    headings: dict[str, int] = field(default_factory=dict)  # section key -> 0-based line index
    table_spans: dict[str, tuple[int, int]] = field(default_factory=dict)  # table -> [start, end)
    junk_start: int | None = None
    n_lines: int = 0
    repeats: int | None = None  # 0-based line where a second report's headings start, if any
    all_headings: list[int] = field(default_factory=list)

    def span(self, key: str) -> tuple[int, int] | None:
        """[start, end) of a prose section, from its heading to the next boundary."""
        start = self.headings.get(key)
        if start is None:
            return None
        return start, self.next_boundary(start, [s for s, _ in self.table_spans.values()])

    def first_boundary(self) -> int:
        starts = list(self.headings.values()) + [s for s, _ in self.table_spans.values()]
        return min(starts) if starts else self.n_lines

    def next_boundary(self, start: int, other_starts: list[int]) -> int:
        """The first heading, other table start or web-page junk after `start`; else the end."""
        bounds = [i for i in (*self.all_headings, *other_starts) if i > start]
        if self.junk_start is not None and self.junk_start > start:
            bounds.append(self.junk_start)
        return min(bounds) if bounds else self.n_lines


class _LineFacts(NamedTuple):
    """What find_sections reads from one line that names a heading or a table marker."""

    heading: str | None  # the first heading label that matches, in template order
    sub: bool  # that heading is unnumbered (a sub-heading or a mention)
    markers: tuple[str, ...]  # the tables whose markers the line holds


def _line_facts(line: str, template: Template, keys: list[str]) -> _LineFacts | None:
    """The line's heading and markers; None for the many lines that hold neither."""
    compact = "".join(line.split())  # str.split's whitespace is the regex \s
    n = len(compact)
    heading, sub = None, False
    if 0 < n <= _MAX_HEADING:
        m = template.headings_any.match(compact)
        if m is not None:
            heading = keys[int(m.lastgroup[1:])]  # type: ignore[index]
            sub = _NUMBERED.match(compact) is None
    markers: tuple[str, ...] = ()
    if 0 < n <= _MAX_MARKER_LINE and template.any_marker.search(compact):
        markers = tuple(table for table, pattern in template.markers_any.items() if pattern.search(compact))
    if heading is None and not markers:
        return None
    return _LineFacts(heading, sub, markers)


_UNSEEN = object()
# Line text -> its _LineFacts (or None), for the template they were matched with.
_FACTS = Memo(10_000)


def find_sections(lines: list[str], template: Template) -> Sections:
    sec = Sections(n_lines=len(lines))
    markers: dict[str, int] = {}
    weak: set[str] = set()  # headings found only without a section number so far
    keys = [label.key for label in template.headings]
    # A report prints the same short lines many times ("\t0", empty lines), and the next report
    # prints them again: each distinct line is matched against the headings and markers once.
    seen: dict[str, _LineFacts | None] = _FACTS.fresh(template)
    after_s6 = False  # web-page junk is looked for only after section 六's heading
    for i, line in enumerate(lines):
        facts = seen.get(line, _UNSEEN)
        if facts is _UNSEEN:
            facts = seen[line] = _line_facts(line, template, keys)
        if facts is not None:
            key, sub, found = facts
            if key is not None:
                if key in weak and not sub:
                    # An unnumbered title ("(一)主动公开政府信息情况" inside 总体情况, a line of the
                    # preamble) named the section early; its numbered heading comes now and
                    # replaces it, as a boundary too.
                    sec.all_headings.remove(sec.headings.pop(key))
                    weak.discard(key)
                if key not in sec.headings:
                    sec.headings[key] = i
                    if sub:
                        weak.add(key)
                elif key == "s1" and sec.repeats is None and len(sec.headings) >= 4:
                    sec.repeats = i  # 总体情况 again after the tables: a second report follows
                sec.all_headings.append(i)
                after_s6 = after_s6 or key == "s6"
            for table in found:
                if table not in markers:
                    markers[table] = i
        if after_s6 and sec.junk_start is None and i > sec.headings["s6"]:
            compact = "".join(line.split())
            if compact and _JUNK.match(compact):
                sec.junk_start = i

    starts: dict[str, int] = {}
    for table, section in template.shape.sections.items():
        heading = sec.headings.get(section)
        start = heading if heading is not None else markers.get(table)
        if start is not None:
            starts[table] = start
    for table, start in starts.items():
        sec.table_spans[table] = (start, sec.next_boundary(start, [s for t, s in starts.items() if t != table]))
    return sec
