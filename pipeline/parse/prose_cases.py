"""Counts of disclosure reviews (行政复议) and lawsuits (行政诉讼) stated in the prose.

Section 一 (often its 依申请公开 paragraph) and section 四's own prose say how many there were:
政府信息公开行政复议 351 件 / 涉及的行政诉讼数为 0 件 / 全县共办理相关案件 74 件 (both kinds
together) / 全年未发生政府信息公开行政复议、行政诉讼案件 (none, qualifier stated_none). The cues
are data: labels/prose_cases.toml. Most sections name neither word: a substring test rejects them
before any pattern runs,
and only the sentences that name one are read.
"""
from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

PROSE_CASES_TOML = Path(__file__).with_name("labels") / "prose_cases.toml"

EXACT, AT_LEAST, STATED_NONE = "exact", "at_least", "stated_none"

# Sentences end at 。！？ and at line breaks the caller put in (headings, paragraph ends); the
# evidence is the part between ；; around the match, the clause an outcome word is looked for in
# the part after the last comma or colon.
_ENDS = "。！？!?\n"
_PART_END = "；;"
_CLAUSE_END = "，,；;：:"
_QUICK = ("复议", "诉讼")


class CaseFact(NamedTuple):
    fact: str  # review_cases | litigation_cases | review_litigation_cases
    value: float
    qualifier: str  # exact | at_least | stated_none
    evidence: str  # the sentence part (between ；) that states it
    offset: int  # where in the text the count (or the statement of none) stands


class _Reading(NamedTuple):
    facts: tuple[str, ...]
    none: bool
    pattern: re.Pattern[str]


class _Rules(NamedTuple):
    readings: tuple[_Reading, ...]
    context: re.Pattern[str]
    back_reference: re.Pattern[str]
    outcome: re.Pattern[str]


@lru_cache(maxsize=1)
def _rules() -> _Rules:
    with PROSE_CASES_TOML.open("rb") as fh:
        d = tomllib.load(fh)
    parts: dict[str, str] = d["parts"]

    def expand(p: str) -> str:
        for name, value in parts.items():
            p = p.replace(f"<{name}>", value)
        return p

    readings = tuple(_Reading(tuple(r["facts"]), bool(r.get("none", False)), re.compile(expand(r["pattern"])))
                     for r in d["reading"])
    sentence = d["sentence"]
    return _Rules(readings, re.compile(sentence["context"]), re.compile(sentence["back_reference"]),
                  re.compile(expand(sentence["outcome"])))


def case_facts(text: str, need_context: bool = True) -> list[CaseFact]:
    """The review and litigation counts `text` states, the first of each key. `need_context`:
    a sentence counts only when it (or, referring back, the one before it) is about disclosure;
    False for section 四, whose prose is about nothing else."""
    hits = sorted(i for w in _QUICK for i in _find_all(text, w))
    if not hits:
        return []
    rules = _rules()
    out: list[CaseFact] = []
    done: set[str] = set()
    end = -1
    # Only the sentences that name 复议 or 诉讼 are read (a section has a few among hundreds).
    for i in hits:
        if i < end:
            continue  # in the sentence just read
        start, end = _sentence_at(text, i)
        sentence = text[start:end]
        if need_context and not _about_disclosure(sentence, _previous(text, start), rules):
            continue
        for fact in _sentence_facts(sentence, rules):
            if fact.fact not in done:
                done.add(fact.fact)
                out.append(fact._replace(offset=start + fact.offset))
    return out


def _find_all(text: str, word: str) -> list[int]:
    found: list[int] = []
    i = text.find(word)
    while i >= 0:
        found.append(i)
        i = text.find(word, i + len(word))
    return found


def _sentence_at(text: str, i: int) -> tuple[int, int]:
    """[start, end) of the sentence around offset `i`: after the previous 。！？ or line break, up to
    and with its own 。！？ (a line break ends it too, without being part of it)."""
    start = max(text.rfind(c, 0, i) for c in _ENDS) + 1
    ends = [j for j in (text.find(c, i) for c in _ENDS) if j >= 0]
    if not ends:
        return start, len(text)
    end = min(ends)
    return start, end if text[end] == "\n" else end + 1


def _previous(text: str, start: int) -> str:
    """The sentence before the one starting at `start` ("" for the first)."""
    j = start - 1
    while j >= 0 and text[j] in _ENDS:
        j -= 1
    if j < 0:
        return ""
    a, b = _sentence_at(text, j)
    return text[a:b]


def _about_disclosure(sentence: str, prev: str, rules: _Rules) -> bool:
    if rules.context.search(sentence):
        return True
    return bool(rules.back_reference.search(sentence) and rules.context.search(prev))


def _sentence_facts(sentence: str, rules: _Rules) -> list[CaseFact]:
    """Every reading's first acceptable match in one sentence (offsets within it)."""
    taken: list[tuple[int, int]] = []
    out: list[CaseFact] = []
    for reading in rules.readings:
        for m in reading.pattern.finditer(sentence):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            clause_start = max(sentence.rfind(c, 0, m.start()) for c in _CLAUSE_END) + 1
            if rules.outcome.search(sentence, clause_start, m.end()):
                continue
            taken.append((m.start(), m.end()))
            if reading.none:
                value, qualifier, at = 0.0, STATED_NONE, m.start()
            else:
                value = float(m.group("n"))
                qualifier, at = (AT_LEAST if m.group("q") else EXACT), m.start("n")
            evidence = _part(sentence, m.start())
            out.extend(CaseFact(f, value, qualifier, evidence, at) for f in reading.facts)
            break
    return out


def _part(sentence: str, at: int) -> str:
    start = max(sentence.rfind(c, 0, at) for c in _PART_END) + 1
    ends = [i for i in (sentence.find(c, at) for c in _PART_END) if i >= 0]
    return sentence[start:min(ends) + 1 if ends else len(sentence)].strip(" \t\u3000；;")
