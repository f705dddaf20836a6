"""Parser throughput, measured in-process: prints figures, asserts nothing.

    make bench                      # or: .venv/bin/python scripts/benchmark.py [options]

Two parts:

1. The bundled samples (data/samples/*.txt): median parse time per report over `--rounds`
   rounds, the pandas frame build for the whole batch, and the cost of a national year
   (~150,000 reports) on one core.
2. Reports per second for each format, on two sets of files:
   - fixtures: the five samples as text, and the same five rendered as a saved web page, a Word
     file and a PDF by tests/renderings.py (rendering is not timed);
   - corpus: the development corpus in ../shared/corpus/raw/ (skipped with a message if absent).
   Files are grouped by the format `pipeline.read.sniff` gives for their bytes. A warm-up pass
   (not timed) loads each reader and sets aside the files that raise `ReportError`; the rest are
   timed for `--format-rounds` rounds (`--pdf-rounds` for PDFs, which take ~0.5-1 s each) as
   the two stages `parse_report` runs: `read_document` (bytes -> Document) and `parse_document`
   (Document -> records). Figures per report are the median round divided by the files in the
   group.
"""
from __future__ import annotations

import argparse
import hashlib
import resource
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pipeline.errors import ReportError  # noqa: E402
from pipeline.parse import parse_document, parse_report  # noqa: E402
from pipeline.parse.schema import frames_from_records  # noqa: E402
from pipeline.read import read_document, sniff  # noqa: E402

SAMPLES = REPO / "data" / "samples"
CORPUS = REPO.parent / "shared" / "corpus" / "raw"
RENDERED = ("html", "docx", "pdf")  # formats of tests/renderings.py benchmarked besides the text
FORMAT_ORDER = ("text", "html", "docx", "pdf", "doc")

Blob = tuple[str, bytes]  # (name, raw bytes)


def bench_samples(rounds: int) -> None:
    """Per-sample parse time, the frame build and the national-year extrapolation."""
    files = sorted(SAMPLES.glob("*.txt"))
    blobs = [(str(p), p.read_bytes()) for p in files]
    parse_report(blobs[0][1], blobs[0][0])  # load the label table once, as a long run does
    per_file: dict[str, list[float]] = {name: [] for name, _ in blobs}
    batch: dict[str, list[dict]] = {}
    start = time.perf_counter()
    for _ in range(rounds):
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
    n = rounds * len(blobs)
    for name, times in per_file.items():
        print(f"{Path(name).name}: median {statistics.median(times) * 1000:.2f} ms to parse")
    rows = sum(len(f) for f in frames.values())
    print(f"{n} parses in {parse_total:.2f} s: {parse_total / n * 1000:.2f} ms per report")
    print(f"frames for the batch ({rows} rows) in {frame_total:.2f} s: {frame_total / n * 1000:.2f} ms per report")
    print(f"together {total / n * 1000:.2f} ms per report, {n / total:.0f} reports/s")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {rss:.0f} MB")
    print(f"150,000 reports on one core: {150_000 * total / n / 60:.1f} min")


@dataclass
class FormatResult:
    files: int
    rejected: list[tuple[str, str]]  # (name, "ErrorClass: reason")
    rounds: int
    read_s: list[float]  # per round, summed over the files that parse: read_document (bytes -> Document)
    full_s: list[float]  # per round: read_document + parse_document, i.e. parse_report

    @property
    def ok(self) -> int:
        return self.files - len(self.rejected)


def fixture_blobs() -> list[Blob]:
    """The samples as text, then each rendered as html, docx and pdf (built here, not timed)."""
    sys.path.insert(0, str(REPO / "tests"))
    from renderings import rendering

    names = sorted(p.stem for p in SAMPLES.glob("*.txt"))
    blobs = [(f"{n}.txt", (SAMPLES / f"{n}.txt").read_bytes()) for n in names]
    return blobs + [(f"{n}.{fmt}", rendering(n, fmt)) for fmt in RENDERED for n in names]


def by_format(blobs: list[Blob]) -> dict[str, list[Blob]]:
    groups: dict[str, list[Blob]] = {}
    for name, raw in blobs:
        groups.setdefault(sniff(raw), []).append((name, raw))
    rank = {fmt: i for i, fmt in enumerate(FORMAT_ORDER)}
    return {fmt: groups[fmt] for fmt in sorted(groups, key=lambda f: rank.get(f, len(rank)))}


def bench_format(blobs: list[Blob], rounds: int) -> FormatResult:
    ok: list[tuple[str, bytes, str]] = []
    rejected: list[tuple[str, str]] = []
    for name, raw in blobs:  # warm-up: imports the reader, loads fonts; finds the rejected files
        try:
            parse_report(raw, name)
            ok.append((name, raw, hashlib.sha256(raw).hexdigest()))
        except ReportError as err:
            rejected.append((name, f"{type(err).__name__}: {err}"))
    read_s: list[float] = []
    full_s: list[float] = []
    for _ in range(rounds if ok else 0):
        read = parse = 0.0
        for name, raw, sha in ok:  # the two stages parse_report runs, timed one by one
            t0 = time.perf_counter()
            doc = read_document(raw)
            t1 = time.perf_counter()
            parse_document(doc, sha, name)
            read, parse = read + t1 - t0, parse + time.perf_counter() - t1
        read_s.append(read)
        full_s.append(read + parse)
    return FormatResult(len(blobs), rejected, rounds if ok else 0, read_s, full_s)


def print_table(title: str, results: dict[str, FormatResult]) -> None:
    print(f"\n{title}")
    print(f"{'format':<6} {'files':>5} {'rej':>3} {'rounds':>6} {'parses':>6} {'total s':>8} {'reports/s':>9} "
          f"{'ms/report':>9} {'read ms':>8} {'parse ms':>8} {'read %':>6}")
    for fmt, r in results.items():
        if not r.ok:
            print(f"{fmt:<6} {r.files:>5} {len(r.rejected):>3}   (every file rejected)")
            continue
        full = statistics.median(r.full_s) / r.ok
        read = statistics.median(r.read_s) / r.ok
        print(f"{fmt:<6} {r.files:>5} {len(r.rejected):>3} {r.rounds:>6} {r.ok * r.rounds:>6} {sum(r.full_s):>8.2f} "
              f"{1 / full:>9.1f} {full * 1000:>9.2f} {read * 1000:>8.2f} {(full - read) * 1000:>8.2f} "
              f"{read / full:>6.0%}")
    for r in results.values():
        for name, reason in r.rejected:
            print(f"  rejected {Path(name).name}: {reason}")


def bench_formats(rounds: int, pdf_rounds: int) -> None:
    print("\nReports per second by format, in-process. ms/report, read ms and parse ms are medians of the rounds;"
          "\nread ms is read_document (bytes -> Document), parse ms parse_document (Document -> records); "
          "total s is all rounds.")
    t0 = time.perf_counter()
    fixtures = fixture_blobs()
    print(f"{len(fixtures)} fixtures, the html/docx/pdf ones rendered in {time.perf_counter() - t0:.1f} s (not timed)")
    sets = {"fixtures (data/samples, and rendered by tests/renderings.py)": fixtures}
    if CORPUS.is_dir():
        sets[f"corpus ({CORPUS})"] = [(p.name, p.read_bytes()) for p in sorted(CORPUS.iterdir()) if p.is_file()]
    else:
        print(f"corpus skipped: {CORPUS} is absent")
    for title, blobs in sets.items():
        results = {fmt: bench_format(group, pdf_rounds if fmt == "pdf" else rounds)
                   for fmt, group in by_format(blobs).items()}
        print_table(title, results)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=200, help="rounds over the samples (part 1)")
    ap.add_argument("--format-rounds", type=int, default=20, help="rounds per format, other than PDF (part 2)")
    ap.add_argument("--pdf-rounds", type=int, default=3, help="rounds for PDFs (part 2)")
    args = ap.parse_args()
    start = time.perf_counter()
    bench_samples(args.rounds)
    bench_formats(args.format_rounds, args.pdf_rounds)
    print(f"\nbenchmark ran {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
