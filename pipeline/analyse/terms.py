"""Statement text -> the terms that count: segmented words without the template's boilerplate
(data/stopwords.txt), single characters, numbers and punctuation."""
from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

from .segment import DATA, read_word_list, segment

STOPWORDS = DATA / "stopwords.txt"
# A word with no letter of any script (digits, punctuation, spaces), or a Chinese numeral
# ("一是" is cut to 一 / 是; "十五" is a number).
_NOT_A_TERM = re.compile(r"^(?:[\W\d_]+|[〇零一二三四五六七八九十百千万亿两]+)$")


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    return frozenset(read_word_list(STOPWORDS))


def is_term(word: str, stop: frozenset[str]) -> bool:
    return len(word) > 1 and word not in stop and not _NOT_A_TERM.match(word)


def terms(text: str) -> list[str]:
    """The terms of `text` in reading order, repeats kept."""
    stop = stopwords()
    return [w for w in segment(text) if is_term(w, stop)]


def term_counts(text: str) -> Counter[str]:
    """Each term of `text` and how often it occurs."""
    return Counter(terms(text))
