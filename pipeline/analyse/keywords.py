"""Top terms of a statement by tf * idf, the idf learnt from the statements (idf.py)."""
from __future__ import annotations

from typing import Mapping

from .idf import IdfTable

DEFAULT_K = 5


def top_keywords(counts: Mapping[str, int], table: IdfTable, k: int = DEFAULT_K,
                 fallback: float | None = None) -> list[tuple[str, float]]:
    """The `k` terms of `counts` (terms.term_counts) with the highest tf * idf, highest first, ties
    by term so the order is stable. A term the table has not seen gets `fallback` (default: the
    table's `unseen`, the idf of a term in no statement)."""
    total = sum(counts.values())
    if not total:
        return []
    miss = table.unseen if fallback is None else fallback
    scored = [(t, (c / total) * (table.idf(t) if t in table.df else miss)) for t, c in counts.items()]
    scored.sort(key=lambda x: (-x[1], x[0]))
    return scored[:k]
