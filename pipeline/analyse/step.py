"""The analyse step: one report's problem_statements records -> its statement_terms and
statement_themes records, and the parse function `ogi run` and the Dagster parse step hand the
lake (parse, then analyse, in the same worker).

The two frames are declared in pipeline/fields.toml with stage "frame", so the lake, compaction and
the warehouse carry them like the parser's own frames; parse_report returns them empty (`ogi parse`
never loads jieba) and `analyse_records` fills them. The IDF is not learnt here: it needs the whole
corpus, so the lake learns it after a commit (pipeline/store/lake.py, rule in idf.py).
"""
from __future__ import annotations

from collections import Counter
from typing import Any, Mapping

from ..parse import ParsedReport, parse_report
from .segment import segment
from .terms import is_term, stopwords
from .themes import themes_of

TERMS, THEMES = "statement_terms", "statement_themes"
STATEMENTS = "problem_statements"
MATCH_JOIN = "、"  # matched_terms joined as a person lists them (fields.toml says so)

Records = dict[str, list[dict[str, Any]]]


def analyse_records(records: Mapping[str, list[dict[str, Any]]]) -> Records:
    """{statement_terms: rows, statement_themes: rows} of the problem_statements rows in
    `records`, each row keyed by the statement (report_id, kind, order). Each statement is
    segmented once: terms drop stop words, themes look at every word."""
    stop = stopwords()
    term_rows: list[dict[str, Any]] = []
    theme_rows: list[dict[str, Any]] = []
    for s in records.get(STATEMENTS, []):
        words = segment(s["text"] or "")
        key = {"report_id": s["report_id"], "kind": s["kind"], "order": s["order"]}
        for term, n in Counter(w for w in words if is_term(w, stop)).items():
            term_rows.append({**key, "term": term, "count": n})
        for theme, matched in themes_of(words).items():
            theme_rows.append({**key, "theme": theme, "matched_terms": MATCH_JOIN.join(matched)})
    return {TERMS: term_rows, THEMES: theme_rows}


def parse_and_analyse(raw: bytes, source: str) -> ParsedReport:
    """parse_report, then the analyse step on its records: the `parse=` of the lake's ingest.

    Runs in the parse workers, so jieba's dictionary loads once per worker process."""
    parsed = parse_report(raw, source)
    parsed.records.update(analyse_records(parsed.records))
    parsed._frames = None  # built lazily from the records: drop any built before the analysis
    return parsed
