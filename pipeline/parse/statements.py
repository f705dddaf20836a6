"""Section 五 as statements (problems and measures), and section 六's processing-fee facts.

Input is a section's lines as the parser holds them (the text of the lines after the section
heading, and the 1-based document line of the first): `split_statements(lines.text[s+1:e], s+2)`.
The cues (headings, list markers, intro and framing sentences, fee wording) are data:
labels/statements.toml.

How section 五 is read:
1. Lines are joined into paragraphs. A PDF's visual lines (`wrapped=True`) are joined unless a
   short line ends a sentence or the next line starts a list item, a heading or a kind cue; other
   text breaks after a line that ends a sentence or a clause with a colon. Crawled text nodes
   ("202" / "1" / "年,全") join back into one sentence.
2. In a paragraph, headings (存在问题: / （二）改进措施) set the kind; list markers (一是, 1., （一）,
   ①, "- ") start items, each item one statement up to the next marker, heading or paragraph end.
3. Text outside items (the lead) is cut into sentences: an intro (主要表现在: / 以下三点) or a
   framing sentence (取得一定成效,但仍存在差距) is not a statement, nor is the sentence right
   before the first item of a list of its kind; the others are statements ("；"-separated
   clauses of one, seed-like 008, are one statement each). Without a heading, the kind is read
   from cues (下一步 / 针对存在问题 → measure); a section starts with problems.
"""
from __future__ import annotations

import re
import tomllib
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable, NamedTuple

from .lines import DocLines

STATEMENTS_TOML = Path(__file__).with_name("labels") / "statements.toml"

PROBLEM = "problem"
MEASURE = "measure"
FEES_FACT = "fees_charged"
STATED_NONE = "stated_none"
EXACT = "exact"

_CN_DIGITS = {c: i for i, c in enumerate("一二三四五六七八九十", 1)}
_CIRCLED = {c: i for i, c in enumerate("①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳", 1)}
_SENTENCE_END = "。！？!?；;"
_LEAD_CUT = re.compile(r"[^。！？!?；;:：]*[。！？!?；;:：]?")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_MIN_CJK = 4  # fewer CJK characters than this is debris (a page number, "附件下载"), not a statement
_TRIM = " \t\u3000；;，,、"


@dataclass(frozen=True)
class Statement:
    kind: str  # problem | measure
    order: int  # 1-based, within its kind in the section
    text: str  # as printed, the list marker and the trailing separator removed
    line: int  # 1-based document line where the statement starts
    marker: str | None  # the list marker as printed ("一是", "1.", "- 1."), None for a sentence


@dataclass(frozen=True)
class FeeFact:
    """A narrative_facts row from section 六: the same fields as pipeline.parse.narrative.Fact."""

    fact: str
    value: float
    qualifier: str  # exact | stated_none
    category: str | None
    evidence: str  # the sentence
    line: int


class _Rules(NamedTuple):
    heading: re.Pattern[str]  # group `mk` marker, `word` heading word
    heading_kind: dict[str, str]
    ordinal: re.Pattern[str]
    ordinal_after: str
    line_markers: tuple[re.Pattern[str], ...]
    starts_para: re.Pattern[str]  # a line starting with a marker, a heading or a kind cue
    para_cue: re.Pattern[str]  # a sentence starting so ends the list item it stands in
    intro: tuple[re.Pattern[str], ...]
    framing: tuple[re.Pattern[str], ...]
    measure_cues: tuple[re.Pattern[str], ...]
    problem_cues: tuple[re.Pattern[str], ...]
    fee_terms: re.Pattern[str]
    fee_amount: re.Pattern[str]
    fee_none: tuple[re.Pattern[str], ...]
    fee_units: dict[str, float]
    titles: re.Pattern[str]


@lru_cache(maxsize=1)
def _rules() -> _Rules:
    with STATEMENTS_TOML.open("rb") as fh:
        d = tomllib.load(fh)
    h, m, lead, fees = d["headings"], d["markers"], d["lead"], d["fees"]
    kind = {w: PROBLEM for w in h["problem"]} | {w: MEASURE for w in h["measure"]}
    words = "|".join(map(re.escape, sorted(kind, key=len, reverse=True)))
    line_src = [re.sub(r"\(\?P<n>", "(?:", p) for p in m["line"]]
    any_marker = "|".join(line_src)
    prefixes = "|".join(map(re.escape, h["prefixes"]))
    # A heading: (marker)? (prefix)? word, then ":" / "。" or the end of the text; after a marker
    # the text may follow at once.
    heading = re.compile(
        rf"(?P<mk>{any_marker})?\s*(?:{prefixes})?(?P<word>{words})\s*(?P<end>[:：。.]|$)?")
    cues = [re.compile(p) for p in lead["measure_cues"]]
    para_cues = "|".join(map(re.escape, lead["paragraph_cues"]))
    starts_para = re.compile(rf"(?:{any_marker}|{m['ordinal']}|(?:{prefixes})?(?:{words})\s*[:：]|{para_cues})")
    return _Rules(
        heading=heading, heading_kind=kind,
        ordinal=re.compile(m["ordinal"]), ordinal_after=m["ordinal_after"],
        line_markers=tuple(re.compile(p) for p in m["line"]),
        starts_para=starts_para, para_cue=re.compile(para_cues),
        intro=tuple(re.compile(p) for p in lead["intro"]),
        framing=tuple(re.compile(p) for p in lead["framing"]),
        measure_cues=tuple(cues),
        problem_cues=tuple(re.compile(p) for p in lead["problem_cues"]),
        fee_terms=re.compile(fees["fee_terms"]), fee_amount=re.compile(fees["amount"]),
        fee_none=tuple(re.compile(p) for p in fees["none"]),
        fee_units={k: float(v) for k, v in fees["units"].items()},
        titles=re.compile(fees["titles"]),
    )


class _Para(NamedTuple):
    """A paragraph: its text and, per joined line, the offset where it starts and its line number."""

    text: str
    starts: list[int]
    lines: list[int]

    def line_at(self, offset: int) -> int:
        return self.lines[max(bisect_right(self.starts, offset) - 1, 0)]


def _paragraphs(lines: list[str], first_line: int, wrapped: bool, rules: _Rules) -> list[_Para]:
    kept = [(first_line + k, s.strip()) for k, s in enumerate(lines)]
    width = max((len(s) for _, s in kept), default=0)
    paras: list[_Para] = []
    text: list[str] = []
    starts: list[int] = []
    nums: list[int] = []
    pos = 0

    def flush() -> None:
        nonlocal text, starts, nums, pos
        if text:
            paras.append(_Para("".join(text), starts, nums))
        text, starts, nums, pos = [], [], [], 0

    prev = ""
    for num, s in kept:
        if not s:
            flush()
            prev = ""
            continue
        if prev and _breaks(prev, s, width, wrapped, rules):
            flush()
        starts.append(pos)
        nums.append(num)
        text.append(s)
        pos += len(s)
        prev = s
    flush()
    return paras


def _breaks(prev: str, line: str, width: int, wrapped: bool, rules: _Rules) -> bool:
    """Whether `line` starts a new paragraph after `prev`."""
    if rules.starts_para.match(line) or _is_heading(prev, rules):
        return True
    ends = prev[-1] in _SENTENCE_END or prev[-1] in ":："
    if wrapped:  # a full-width PDF line ending a sentence may just wrap there
        return ends and len(prev) < width - 2
    return ends


def _is_heading(text: str, rules: _Rules) -> bool:
    m = rules.heading.match(text)
    return bool(m and m.end() == len(text.rstrip()))


class _Piece(NamedTuple):
    what: str  # heading | item | lead
    kind: str | None  # heading: its kind; item and lead: set later
    text: str
    offset: int
    para: int
    n: int | None = None  # item number
    marker: str | None = None


def _heading_at(text: str, i: int, rules: _Rules) -> re.Match[str] | None:
    m = rules.heading.match(text, i)
    if m is None:
        return None
    if m.group("mk") is None and m.group("end") is None and m.end() != len(text):
        return None  # "存在问题" in running text is not a heading
    if m.group("mk") is None and m.group("end") in (".", "。") and m.end() != len(text):
        return None
    return m


def _number(s: str | None) -> int | None:
    if not s:
        return None
    if s in _CIRCLED:  # before isdigit(), which holds for ① too
        return _CIRCLED[s]
    if s.isdigit():
        return int(s)
    if len(s) == 2 and s[0] == "十":
        return 10 + _CN_DIGITS.get(s[1], 0)
    if len(s) == 2 and s[1] == "十":
        return _CN_DIGITS.get(s[0], 1) * 10
    return _CN_DIGITS.get(s)


def _cut(para: _Para, p: int, rules: _Rules) -> list[_Piece]:
    """A paragraph as headings, items and lead text, in order."""
    text = para.text
    pieces: list[_Piece] = []
    i = 0
    start = 0  # start of the pending item or lead text
    pending: tuple[str, int | None, str | None] = ("lead", None, None)
    n = len(text)

    def close(end: int) -> None:
        what, num, marker = pending
        body = text[start:end]
        if body.strip(_TRIM) or what == "item":
            pieces.append(_Piece(what, None, body, start, p, num, marker))

    at_sentence_start = True
    while i < n:
        ch = text[i]
        if at_sentence_start:
            h = _heading_at(text, i, rules)
            if h is not None:
                close(i)
                pieces.append(_Piece("heading", rules.heading_kind[h.group("word")], h.group(), i, p))
                i = start = h.end()
                pending = ("lead", None, None)
                continue
            m = next((mm for mm in (r.match(text, i) for r in rules.line_markers) if mm), None)
            if m is not None and m.end() < n:
                close(i)
                pending = ("item", _number(m.groupdict().get("n")), m.group().strip())
                i = start = m.end()
                at_sentence_start = False
                continue
            if pending[0] == "item" and i > start and rules.para_cue.match(text, i):
                close(i)  # "…二是群众知晓率不高。下一步,我镇将…": the item ends at its sentence
                pending = ("lead", None, None)
                start = i
        if i == start or text[i - 1] in rules.ordinal_after:
            m = rules.ordinal.match(text, i)
            if m is not None:
                close(i)
                pending = ("item", _number(m.group("n")), m.group())
                i = start = m.end()
                at_sentence_start = False
                continue
        at_sentence_start = ch in _SENTENCE_END or ch in ":：" or (ch in " \t\u3000" and at_sentence_start)
        i += 1
    close(n)
    return pieces


def _sentences(piece: _Piece) -> list[_Piece]:
    """Lead text cut into sentences (at 。！？；; and colons), each with its own offset."""
    out = []
    for m in _LEAD_CUT.finditer(piece.text):
        s = m.group()
        if s.strip(_TRIM):
            out.append(piece._replace(text=s, offset=piece.offset + m.start()))
    return out


def _lead_role(s: str, rules: _Rules) -> str:
    """intro | framing | statement"""
    t = s.strip(" \t\u3000")
    if any(r.search(t) for r in rules.intro):
        return "intro"
    if any(r.search(t) for r in rules.framing):
        return "framing"
    return "statement"


def _cue(s: str, rules: _Rules) -> str | None:
    if any(r.search(s) for r in rules.measure_cues):
        return MEASURE
    if any(r.search(s) for r in rules.problem_cues):
        return PROBLEM
    return None


def split_statements(lines: list[str], first_line: int, wrapped: bool = False) -> list[Statement]:
    """Section 五's statements. `lines` are the section's lines after its heading, the first being
    document line `first_line`; `wrapped` when they are a PDF's visual lines (a location with a page)."""
    rules = _rules()
    paras = _paragraphs(lines, first_line, wrapped, rules)
    pieces: list[_Piece] = []
    for p, para in enumerate(paras):
        for piece in _cut(para, p, rules):
            pieces.extend(_sentences(piece) if piece.what == "lead" else [piece])

    # Kinds and roles, in reading order.
    kind = PROBLEM
    typed: list[tuple[_Piece, str, str]] = []  # (piece, kind, role) role: heading|item|intro|framing|statement
    for piece in pieces:
        if piece.what == "heading":
            kind = piece.kind or kind
            typed.append((piece, kind, "heading"))
        elif piece.what == "item":
            typed.append((piece, kind, "item"))
        else:
            role = _lead_role(piece.text, rules)
            cue = _cue(piece.text, rules)
            if role != "statement" and cue:
                kind = cue
            elif role == "statement" and cue == MEASURE:
                kind = MEASURE
            typed.append((piece, kind, role))

    # The lead sentence right before the first item of a list of its kind introduces the list.
    for k, (piece, kind, role) in enumerate(typed):
        if role != "item" or not _first_item(typed, k):
            continue
        j = k - 1
        while j >= 0 and typed[j][2] == "heading" and typed[j][1] == kind:
            j -= 1
        if j >= 0 and typed[j][2] == "statement" and typed[j][1] == kind:
            typed[j] = (typed[j][0], kind, "intro")

    out: list[Statement] = []
    counts = {PROBLEM: 0, MEASURE: 0}
    for piece, kind, role in typed:
        if role not in ("item", "statement"):
            continue
        text = piece.text.strip(_TRIM)
        if len(_CJK.findall(text)) < _MIN_CJK:
            continue
        counts[kind] += 1
        para = paras[piece.para]
        start = piece.offset - (len(piece.marker) if piece.marker else 0)
        out.append(Statement(kind, counts[kind], text, para.line_at(max(start, 0)), piece.marker))
    return out


def _first_item(typed: list[tuple[_Piece, str, str]], k: int) -> bool:
    piece = typed[k][0]
    if piece.n is not None:
        return piece.n == 1
    return k == 0 or typed[k - 1][2] != "item"  # a bullet after anything but another item


def fee_facts(lines: list[str], first_line: int, wrapped: bool = False) -> list[FeeFact]:
    """Section 六's statements about processing fees, one per sentence that makes one: the first
    amount it states (共计380元, then a breakdown, counts once), else 0 "stated_none" when it says
    none was charged (未收取 / 不存在收取 / 没有产生). `line` is where the amount or the wording stands."""
    rules = _rules()
    out: list[FeeFact] = []
    for para in _paragraphs(lines, first_line, wrapped, rules):
        for m in _LEAD_CUT.finditer(para.text):
            sentence = m.group()
            plain = rules.titles.sub(lambda t: " " * len(t.group()), sentence)  # offsets kept
            if not rules.fee_terms.search(plain):
                continue
            evidence = sentence.strip(_TRIM)
            a = rules.fee_amount.search(plain)
            if a is not None:
                value = float(re.sub(r"[,，]", "", a.group("n"))) * rules.fee_units[a.group("unit")]
                out.append(FeeFact(FEES_FACT, value, EXACT, None, evidence, para.line_at(m.start() + a.start("n"))))
                continue
            none = next((x for x in (r.search(plain) for r in rules.fee_none) if x), None)
            if none is not None:
                out.append(FeeFact(FEES_FACT, 0.0, STATED_NONE, None, evidence, para.line_at(m.start() + none.start())))
    return out


def _section(doc_lines: DocLines, span: tuple[int, int] | None) -> tuple[list[str], int, bool] | None:
    if span is None:
        return None
    start, end = span
    wrapped = any(loc.page is not None for loc in doc_lines.locs[start:end])
    return doc_lines.text[start + 1:end], start + 2, wrapped


def section_statements(doc_lines: DocLines, span: tuple[int, int] | None) -> list[Statement]:
    """`split_statements` on section 五 of a document: `span` is `Sections.span("s5")` ([heading, end),
    0-based), the lines after the heading are read."""
    got = _section(doc_lines, span)
    return split_statements(*got) if got else []


def section_fee_facts(doc_lines: DocLines, span: tuple[int, int] | None) -> list[FeeFact]:
    """`fee_facts` on section 六 (`span` is `Sections.span("s6")`)."""
    got = _section(doc_lines, span)
    return fee_facts(*got) if got else []


def statement_records(report_id: str, statements: Iterable[Statement],
                      where: Callable[[int | None], dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows of `problem_statements`; `where(line)` gives the location columns (report.py's `where`)."""
    return [{"report_id": report_id, "kind": s.kind, "order": s.order, "text": s.text, "marker": s.marker,
             **where(s.line)} for s in statements]


def fee_records(report_id: str, facts: Iterable[FeeFact],
                where: Callable[[int | None], dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows of `narrative_facts` for section 六's fee facts."""
    return [{"report_id": report_id, "fact": f.fact, "value": f.value, "qualifier": f.qualifier,
             "category": f.category, "evidence": f.evidence, **where(f.line)} for f in facts]
