"""Inverse document frequency learnt from the statements themselves (jieba's own idf.txt is from
general news: there 公开 and 政务 are rare, here they are in every statement).

A document is one statement's set of terms. idf(t) = ln((1 + N) / (1 + df(t))) + 1, the smoothed
form: never zero, and a term in no statement gets ln(1 + N) + 1 (`unseen`), the highest. The table
is kept (the lake stores `records()`) so keywords are stable between runs, and learnt again when
the corpus has grown by more than `REBUILD_SHARE` since (`needs_rebuild`).
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

REBUILD_SHARE = 0.2  # learn again when the statements grew by more than a fifth


@dataclass(frozen=True)
class IdfTable:
    df: Mapping[str, int]  # statements containing each term
    n_docs: int  # statements learnt from

    def idf(self, term: str) -> float:
        return math.log((1 + self.n_docs) / (1 + self.df.get(term, 0))) + 1

    @property
    def unseen(self) -> float:
        """The idf of a term in none of the statements learnt from: the fallback for new terms."""
        return math.log(1 + self.n_docs) + 1

    def as_dict(self) -> dict[str, float]:
        """{term: idf} for every term seen."""
        return {t: self.idf(t) for t in self.df}

    def records(self) -> list[dict[str, Any]]:
        """Rows to store: term, df, idf, n_docs (the same on every row)."""
        return [{"term": t, "df": d, "idf": self.idf(t), "n_docs": self.n_docs} for t, d in sorted(self.df.items())]

    @classmethod
    def from_records(cls, rows: Iterable[Mapping[str, Any]], n_docs: int | None = None) -> "IdfTable":
        """The table back from `records()` rows (n_docs from the rows unless given; 0 when none)."""
        df: dict[str, int] = {}
        n = n_docs
        for r in rows:
            df[str(r["term"])] = int(r["df"])
            if n is None:
                n = int(r["n_docs"])
        return cls(df, n or 0)


def learn_idf(term_sets: Iterable[Iterable[str]]) -> IdfTable:
    """The IDF table of a corpus given as one collection of terms per statement (repeats inside a
    statement count once)."""
    df: Counter[str] = Counter()
    n = 0
    for doc in term_sets:
        df.update(set(doc))
        n += 1
    return IdfTable(dict(df), n)


def needs_rebuild(n_docs_learnt: int, n_docs_now: int, share: float = REBUILD_SHARE) -> bool:
    """Whether an IDF learnt from `n_docs_learnt` statements is stale for a corpus of `n_docs_now`:
    it grew by more than `share` of what was learnt (or nothing was learnt and now there is some)."""
    if n_docs_learnt <= 0:
        return n_docs_now > 0
    return n_docs_now > n_docs_learnt * (1 + share)
