"""Parser throughput on the bundled samples: prints figures, asserts nothing.

    .venv/bin/python scripts/benchmark.py [--rounds N]

A national year is ~150,000 reports; the last line extrapolates to that on one core.
"""
from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pipeline.parse import parse_report  # noqa: E402
from pipeline.parse.schema import frames_from_records  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=200)
    args = ap.parse_args()
    files = sorted((REPO / "data" / "samples").glob("*.txt"))
    blobs = [(str(p), p.read_bytes()) for p in files]
    parse_report(blobs[0][1], blobs[0][0])  # load the label table once, as a long run does
    per_file: dict[str, list[float]] = {name: [] for name, _ in blobs}
    batch: dict[str, list[dict]] = {}
    start = time.perf_counter()
    for _ in range(args.rounds):
        for name, raw in blobs:
            t0 = time.perf_counter()
            parsed = parse_report(raw, name)
            per_file[name].append(time.perf_counter() - t0)
            for table, recs in parsed.records.items():
                batch.setdefault(table, []).extend(recs)
    parse_total = time.perf_counter() - start
    t0 = time.perf_counter()
    frames = frames_from_records(batch)  # one pandas build per batch, as the warehouse does
    frame_total = time.perf_counter() - t0
    total = parse_total + frame_total
    n = args.rounds * len(blobs)
    for name, times in per_file.items():
        print(f"{Path(name).name}: median {statistics.median(times) * 1000:.2f} ms to parse")
    rows = sum(len(f) for f in frames.values())
    print(f"{n} parses in {parse_total:.2f} s: {parse_total / n * 1000:.2f} ms per report")
    print(f"frames for the batch ({rows} rows) in {frame_total:.2f} s: {frame_total / n * 1000:.2f} ms per report")
    print(f"together {total / n * 1000:.2f} ms per report, {n / total:.0f} reports/s")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {rss:.0f} MB")
    print(f"150,000 reports on one core: {150_000 * total / n / 60:.1f} min")


if __name__ == "__main__":
    main()
