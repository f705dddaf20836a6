"""Themes of a statement from a small taxonomy kept as data (data/themes.toml): a statement gets
every theme one of whose terms is among its segmented words, with the terms that matched."""
from __future__ import annotations

import tomllib
from functools import lru_cache
from typing import Iterable

from .segment import DATA

THEMES_TOML = DATA / "themes.toml"


@lru_cache(maxsize=1)
def taxonomy() -> dict[str, tuple[str, ...]]:
    """{theme: its terms}, in the file's order."""
    with THEMES_TOML.open("rb") as fh:
        return {name: tuple(words) for name, words in tomllib.load(fh)["themes"].items()}


@lru_cache(maxsize=1)
def _by_term() -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = {}
    for theme, words in taxonomy().items():
        for w in words:
            out.setdefault(w, []).append(theme)
    return {w: tuple(t) for w, t in out.items()}


def themes_of(words: Iterable[str]) -> dict[str, list[str]]:
    """{theme: the matched terms in first-seen order} for a statement's segmented words
    (segment.segment, before stop words are dropped), themes in taxonomy order."""
    by_term = _by_term()
    found: dict[str, list[str]] = {}
    for w in words:
        for theme in by_term.get(w, ()):
            got = found.setdefault(theme, [])
            if w not in got:
                got.append(w)
    order = list(taxonomy())
    return {t: found[t] for t in sorted(found, key=order.index)}
