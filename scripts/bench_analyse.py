"""Benchmark: segment N section-五 texts with jieba (the seeds' and the corpus's, repeated).

    .venv/bin/python scripts/bench_analyse.py [N]      # default 10000

Prints the dictionary load time (first call in this process: from jieba's cache file when it
exists) and the time to segment, to count terms and to find themes for N sections.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

from pipeline.parse.lines import DocLines
from pipeline.parse.sections import find_sections
from pipeline.parse.template import load_template
from pipeline.parse.unglue import unglue
from pipeline.read import read_document

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"


def sections() -> list[str]:
    """Section 五's text (lines after the heading) of every seed and corpus file that has one."""
    template = load_template()
    out = []
    for path in sorted((SHARED / "seeds").glob("*.txt")) + sorted((SHARED / "corpus" / "raw").iterdir()):
        lines = unglue(DocLines.of(read_document(path.read_bytes())), template)
        span = find_sections(lines.text, template).span("s5")
        if span:
            out.append("\n".join(lines.text[span[0] + 1:span[1]]))
    return out


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    texts = sections()
    batch = (texts * (n // len(texts) + 1))[:n]
    chars = sum(map(len, batch))
    from pipeline.analyse.segment import segment, tokenizer
    from pipeline.analyse.terms import term_counts
    from pipeline.analyse.themes import themes_of

    t = time.perf_counter()
    tokenizer()
    print(f"dictionary load: {time.perf_counter() - t:.2f} s")
    t = time.perf_counter()
    words = [segment(x) for x in batch]
    seg = time.perf_counter() - t
    print(f"segment {n} sections ({len(texts)} distinct, {chars / 1e6:.2f} M chars): {seg:.2f} s "
          f"({chars / seg / 1e3:.0f} k chars/s)")
    t = time.perf_counter()
    for x in batch:
        term_counts(x)
    print(f"term counts (segment + filter): {time.perf_counter() - t:.2f} s")
    t = time.perf_counter()
    for w in words:
        themes_of(w)
    print(f"themes from the segmented words: {time.perf_counter() - t:.2f} s")


if __name__ == "__main__":
    main()
