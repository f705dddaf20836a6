"""Find the six sections and the spans of tables 2, 3 and 4 by their content.

Section numbers cannot be trusted (numbering restarts, shifts, duplicated tables), so each
heading is recognised by its title and each table also by its own markers.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .template import Template

_WS = re.compile(r"\s+")
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


def find_sections(lines: list[str], template: Template) -> Sections:
    sec = Sections(n_lines=len(lines))
    markers: dict[str, int] = {}
    weak: set[str] = set()  # headings found only without a section number so far
    for i, line in enumerate(lines):
        compact = _WS.sub("", line)
        if not compact:
            continue
        if len(compact) <= _MAX_HEADING:
            for label in template.headings:
                if label.regex and label.regex.match(compact):
                    sub = _NUMBERED.match(compact) is None
                    if label.key in weak and not sub:
                        # An unnumbered title ("(一)主动公开政府信息情况" inside 总体情况, a line of the
                        # preamble) named the section early; its numbered heading comes now and
                        # replaces it, as a boundary too.
                        sec.all_headings.remove(sec.headings.pop(label.key))
                        weak.discard(label.key)
                    if label.key not in sec.headings:
                        sec.headings[label.key] = i
                        if sub:
                            weak.add(label.key)
                    elif label.key == "s1" and sec.repeats is None and len(sec.headings) >= 4:
                        sec.repeats = i  # 总体情况 again after the tables: a second report follows
                    sec.all_headings.append(i)
                    break
        if len(compact) <= _MAX_MARKER_LINE:
            for table, labels in template.markers.items():
                if table not in markers and any(l.regex and l.regex.search(compact) for l in labels):
                    markers[table] = i
        if sec.junk_start is None and "s6" in sec.headings and i > sec.headings["s6"] and _JUNK.match(compact):
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
