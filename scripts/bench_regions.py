#!/usr/bin/env python3
"""Time pipeline.regions.resolve_region on 10,000 synthetic titles (fixed seed).

    .venv/bin/python scripts/bench_regions.py [--n 10000] [--seed 2026]

Titles are made from the gazetteer: 60% '<county><township>2023年政府信息公开工作年度报告',
20% '<township>人民政府…' alone (shared names then come out ambiguous, as they should), 20%
'<county><department>…'. The one-off index build is timed separately from resolution, and the
resolved share is checked against the place each title was made from.
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline.regions import _index, resolve_region  # noqa: E402

DEPARTMENTS = ["生态环境局", "人民政府办公室", "发展和改革局", "财政局", "教育体育局", "卫生健康委员会"]
SAMPLES = Path(__file__).resolve().parent.parent / "data" / "samples"


def make_titles(n: int, seed: int) -> list[tuple[str, str, str]]:
    """(title, expected code, kind) triples."""
    idx = _index()
    townships = sorted(c for c, p in idx.places.items() if p.level == "township")
    counties = sorted(c for c, p in idx.places.items() if p.level == "county")
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        roll = rng.random()
        if roll < 0.8:
            t = idx.places[rng.choice(townships)]
            # Townships of 东莞/中山/儋州 have no county: the prefecture stands in front.
            above = t.names[2] or t.names[1] or t.names[0]
            if roll < 0.6:
                out.append((f"{above}{t.name}2023年政府信息公开工作年度报告", t.code, "county+township"))
            else:
                out.append((f"{t.name}人民政府2023年政府信息公开工作年度报告", t.code, "township alone"))
        else:
            c = idx.places[rng.choice(counties)]
            out.append((f"{c.name}{rng.choice(DEPARTMENTS)}2023年政府信息公开工作年度报告", c.code,
                        "county department"))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=2026)
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    _index()
    t_index = time.perf_counter() - t0
    titles = make_titles(args.n, args.seed)

    outcome: Counter[tuple[str, str]] = Counter()
    t0 = time.perf_counter()
    results = [resolve_region(title, None, "") for title, _, _ in titles]
    t_resolve = time.perf_counter() - t0
    for (_, want, kind), r in zip(titles, results):
        outcome[kind, r.issue or ("right" if r.code == want else "WRONG")] += 1

    bodies = [p.read_bytes().decode("utf-8") for p in sorted(SAMPLES.glob("*.txt"))]
    reps = 200
    t0 = time.perf_counter()
    for k in range(reps):
        resolve_region(None, None, bodies[k % len(bodies)])
    t_body = (time.perf_counter() - t0) / reps

    print(f"index build (once per process): {t_index:.2f} s")
    print(f"resolved {len(titles):,} titles in {t_resolve:.2f} s "
          f"= {t_resolve / len(titles) * 1e6:.0f} us per title")
    print(f"with a sample report body (~3k chars): {t_body * 1e3:.2f} ms per report")
    for (kind, what), count in sorted(outcome.items()):
        print(f"  {kind:<18} {what:<18} {count:>6}")
    return 1 if any(what == "WRONG" for _, what in outcome) else 0


if __name__ == "__main__":
    raise SystemExit(main())
