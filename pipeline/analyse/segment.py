"""Word segmentation with jieba: one tokenizer per process, built on first use.

jieba keeps the prefix dictionary it builds from its 5 MB dict.txt in a cache file (marshal), by
default in the system temp folder. Ours goes to the project's cache folder ($OGI_CACHE_DIR, else
$XDG_CACHE_HOME/ogi, else ~/.cache/ogi; see pipeline.regions.cache_dir), in `jieba/`. The domain's
terms (data/userdict.txt) are added after loading: a few dozen words, so they are not cached.
"""
from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from ..regions import cache_dir

if TYPE_CHECKING:
    import jieba

DATA = Path(__file__).with_name("data")
USERDICT = DATA / "userdict.txt"

_lock = threading.Lock()
_tokenizer: jieba.Tokenizer | None = None


def read_word_list(path: Path) -> list[str]:
    """A data file of one entry a line; blank lines and "#" comments skipped."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            out.append(line)
    return out


def tokenizer() -> jieba.Tokenizer:
    """The process's jieba tokenizer with the domain's words, loaded on the first call."""
    global _tokenizer
    if _tokenizer is not None:
        return _tokenizer
    with _lock:
        if _tokenizer is None:
            import jieba  # ~0.1 s to import, ~0.5-1 s to load its dictionary: only when analysing

            logging.getLogger("jieba").setLevel(logging.WARNING)  # it logs every load at DEBUG
            tk = jieba.Tokenizer()
            folder = cache_dir()
            if folder is not None:
                try:
                    (folder / "jieba").mkdir(parents=True, exist_ok=True)
                    tk.tmp_dir = str(folder / "jieba")
                except OSError:  # a read-only home: jieba falls back to the temp folder
                    pass
            tk.initialize()
            for word in read_word_list(USERDICT):
                tk.add_word(word)
            _tokenizer = tk
    return _tokenizer


def segment(text: str) -> list[str]:
    """`text` as jieba's words (precise mode, HMM on for words in no dictionary), punctuation and
    spaces included: terms.py filters."""
    return tokenizer().lcut(text)
