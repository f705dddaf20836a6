"""Throughput, end to end and accuracy, measured on this machine: prints figures, asserts nothing.

    make bench                      # or: .venv/bin/python scripts/benchmark.py [options]
    make bench-quick                # a smoke test: small sizes, few rounds (~2 min)
    .venv/bin/python scripts/benchmark.py --sizes 10000,100000   # the figures of issue 11

It prints, after the date, the git commit and the machine (CPU, cores, RAM, load):

1. Parse rate per core on generated text reports (scripts/generate.py, the six text layouts), in
   process on one core, and beside it the floor measured in the same run on the same files:
   reading the bytes, decoding them and one regex scan over the text. Per layout too.
2. The bundled samples (data/samples/*.txt): median parse time per report over `--rounds`
   rounds, the pandas frame build for the whole batch, and the cost of a national year.
3. Reports per second for each format, on the samples rendered as a web page, a Word file and a
   PDF by tests/renderings.py and on the development corpus (../shared/corpus/raw, skipped if
   absent): `read_document` and `parse_document` timed apart (see `bench_format`).
4. End to end, per size of `--sizes`: N generated text reports in a fresh root, then `ogi run
   --root ROOT` cold, again with nothing new (no-op), and again after adding 1% new reports. For
   each run: wall time, CPU (user + sys of the run and its worker processes), peak RSS (the
   largest process, from wait4, and the whole process tree, sampled from /proc), the lake and
   warehouse sizes on disk, and the stage timings `ogi run` prints at its end.
5. Accuracy on the generated corpus (scripts/score_generated.py): cells right, wrong values,
   injected defects reported with their issue code, false alarms; on `--accuracy-n` text reports
   of the first size and `--accuracy-formats-n` reports per rendered format (html, docx, pdf).

The machine is shared in development: figures move by tens of percent with the load, which is
printed with them. Work folders go to a temporary directory (`--work-dir`), removed at the end
unless `--keep`.
"""
from __future__ import annotations

import argparse
import datetime
import hashlib
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

from pipeline.errors import ReportError  # noqa: E402
from pipeline.parse import parse_document, parse_report  # noqa: E402
from pipeline.parse.schema import frames_from_records  # noqa: E402
from pipeline.read import read_document, sniff  # noqa: E402

SAMPLES = REPO / "data" / "samples"
CORPUS = REPO.parent / "shared" / "corpus" / "raw"
RENDERED = ("html", "docx", "pdf")  # formats of tests/renderings.py benchmarked besides the text
FORMAT_ORDER = ("text", "html", "docx", "pdf", "doc")

Blob = tuple[str, bytes]  # (name, raw bytes)
SEED = 11  # generated corpora: the same reports in every benchmark run


# --------------------------------------------------------------------------------------------
# The machine
# --------------------------------------------------------------------------------------------

def _first(path: str, pattern: str) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            for line in fh:
                m = re.match(pattern, line)
                if m:
                    return m.group(1).strip()
    except OSError:
        return None
    return None


def _git(*args: str) -> str | None:
    try:
        out = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def machine_lines() -> list[str]:
    """Date, commit and machine, so that a figure can be compared with another run's."""
    now = datetime.datetime.now().astimezone()
    commit = _git("rev-parse", "--short=12", "HEAD") or "unknown (not a git checkout)"
    if commit[0] != "u" and _git("status", "--porcelain", "--untracked-files=no"):
        commit += " + uncommitted changes"
    cpu = (_first("/proc/cpuinfo", r"model name\s*:\s*(.*)") or platform.processor() or platform.machine())
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    mem_kb = _first("/proc/meminfo", r"MemTotal:\s*(\d+)")
    ram = f"{int(mem_kb) / 1048576:.1f} GB RAM" if mem_kb else "RAM unknown"
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return [f"date     {now:%Y-%m-%d %H:%M %Z}",
            f"commit   {commit}",
            f"machine  {cpu}; {os.cpu_count()} cores ({usable} usable); {ram}; {platform.system()} {platform.release()}",
            f"python   {platform.python_version()}; load average (1/5/15 min) {load} at start"]


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


# --------------------------------------------------------------------------------------------
# Parse rate per core, and the floor beside it
# --------------------------------------------------------------------------------------------

_FLOOR_SCAN = re.compile(r"\d+(?:\.\d+)?")  # every number of the text: one pass, like a minimal table reader


def _floor_pass(paths: list[Path]) -> int:
    """Read each file, decode it, find its numbers: what any parser must at least do."""
    found = 0
    for path in paths:
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("gb18030", errors="replace")
        found += len(_FLOOR_SCAN.findall(text))
    return found


def _parse_pass(paths: list[Path], layout_of: dict[str, str], per_layout: dict[str, float]) -> None:
    for path in paths:
        t0 = time.perf_counter()
        raw = path.read_bytes()
        try:
            parse_report(raw, str(path))
        except ReportError:
            pass
        layout = layout_of.get(path.name, "?")
        per_layout[layout] = per_layout.get(layout, 0.0) + time.perf_counter() - t0


def bench_parse_rate(folder: Path, rounds: int) -> None:
    """Reports/s on one core for parse_report (bytes read from disk included) and for the floor,
    interleaved round by round on the same files; medians of the rounds."""
    import json

    paths = sorted((folder / "raw").iterdir())
    layout_of = {}
    for t in (folder / "truth").iterdir():
        d = json.loads(t.read_text(encoding="utf-8"))
        layout_of[Path(d["file"]).name] = d["layout"]
    _floor_pass(paths)  # warm-up: page cache, and the parser's tables and gazetteer index
    _parse_pass(paths[:20], layout_of, {})
    parse_s: list[float] = []
    floor_s: list[float] = []
    per_layout: dict[str, float] = {}
    for _ in range(rounds):
        t0 = time.perf_counter()
        _parse_pass(paths, layout_of, per_layout)
        parse_s.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        _floor_pass(paths)
        floor_s.append(time.perf_counter() - t0)
    n = len(paths)
    parse_rate = n / statistics.median(parse_s)
    floor_rate = n / statistics.median(floor_s)
    print(f"\nParse rate per core: {n} generated text reports (seed {SEED}), {rounds} rounds, one process")
    for label, rate in (("parse_report (read + parse)", parse_rate), ("floor (read + decode + 1 regex scan)", floor_rate)):
        print(f"  {label:<37} {rate:9,.0f} reports/s {1000 / rate:9.3f} ms/report")
    print(f"  parse is {floor_rate / parse_rate:.1f}x the floor (target: within 5x, and >= 2,000 reports/s per core)")
    counts: dict[str, int] = {}
    for name in layout_of.values():
        counts[name] = counts.get(name, 0) + 1
    print("  by layout: " + ", ".join(f"{layout} {counts[layout] * rounds / secs:,.0f}/s"
                                      for layout, secs in sorted(per_layout.items()) if counts.get(layout)))


# --------------------------------------------------------------------------------------------
# End to end: ogi run on a generated root
# --------------------------------------------------------------------------------------------

def _ogi_command() -> list[str]:
    for cand in (REPO / ".venv" / "bin" / "ogi", Path(sys.executable).with_name("ogi")):
        if cand.exists():
            return [str(cand)]
    found = shutil.which("ogi")
    return [found] if found else [sys.executable, "-c", "import sys; from pipeline.cli import main; sys.exit(main())"]


def _tree_rss_kb(root_pid: int) -> int:
    """Resident memory of a process and all its descendants (Linux /proc), in KB."""
    parent: dict[int, int] = {}
    rss: dict[int, int] = {}
    page_kb = os.sysconf("SC_PAGE_SIZE") // 1024
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2:].split()  # after "(comm)": state, ppid, ...
        pid = int(entry.name)
        parent[pid] = int(fields[1])
        rss[pid] = int(fields[21]) * page_kb
    total, frontier = 0, [root_pid]
    children: dict[int, list[int]] = {}
    for pid, ppid in parent.items():
        children.setdefault(ppid, []).append(pid)
    while frontier:
        pid = frontier.pop()
        total += rss.get(pid, 0)
        frontier.extend(children.get(pid, ()))
    return total


@dataclass
class RunResult:
    label: str
    rc: int
    wall: float
    user: float
    sys: float
    maxrss_mb: float  # the largest single process (wait4)
    tree_peak_mb: float | None  # all processes of the run together, sampled
    stages: list[tuple[str, float]] = field(default_factory=list)
    log: Path | None = None


_STAGE_HEAD = re.compile(r"^Stage timings")
_STAGE_LINE = re.compile(r"^\s+(\S.*?)\s+(\d+(?:\.\d+)?) s\s*$")


def stage_timings(output: str) -> list[tuple[str, float]]:
    """The `Stage timings (wall seconds):` block `ogi run` prints at its end, if it prints one."""
    stages: list[tuple[str, float]] = []
    inside = False
    for line in output.splitlines():
        if _STAGE_HEAD.match(line):
            inside, stages = True, []
            continue
        if inside:
            m = _STAGE_LINE.match(line)
            if not m:
                inside = False
                continue
            stages.append((m.group(1), float(m.group(2))))
    return stages


def run_ogi(root: Path, label: str, logs: Path) -> RunResult:
    """`ogi run --root ROOT` in a child process: wall, CPU and peak memory of it and its workers."""
    log = logs / f"{label.replace(' ', '_')}.log"
    sampling = Path("/proc/self/stat").exists()
    peak = [0]
    with open(log, "w", encoding="utf-8") as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen([*_ogi_command(), "run", "--root", str(root)], cwd=REPO, stdout=out,
                                stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        stop = threading.Event()

        def sample() -> None:
            while not stop.wait(0.25):
                try:
                    peak[0] = max(peak[0], _tree_rss_kb(proc.pid))
                except OSError:
                    pass

        sampler = threading.Thread(target=sample, daemon=True)
        if sampling:
            sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)  # this child's CPU and memory, its reaped workers included
        wall = time.perf_counter() - t0
        stop.set()
        proc.returncode = os.waitstatus_to_exitcode(status)
    text = log.read_text(encoding="utf-8", errors="replace")
    return RunResult(label, proc.returncode, wall, usage.ru_utime, usage.ru_stime, usage.ru_maxrss / 1024,
                     peak[0] / 1024 if sampling else None, stage_timings(text), log)


def _du_mb(path: Path) -> float:
    if path.is_file():
        return path.stat().st_size / 1e6
    total = 0
    for dirpath, _, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(dirpath, name)).st_size
            except OSError:
                pass
    return total / 1e6


def _print_run(r: RunResult, n: int | None, root: Path) -> None:
    data = root / "data"
    warehouse = sum(_du_mb(p) for p in data.glob("warehouse.duckdb*"))
    tree = f"{r.tree_peak_mb:,.0f} MB" if r.tree_peak_mb is not None else "n/a"
    status = "" if r.rc == 0 else f"   EXIT STATUS {r.rc}: see {r.log}"
    rate = f"{n / r.wall:6.0f} reports/s  " if n else ""
    print(f"  {r.label:<10} wall {r.wall:8.1f} s  CPU {r.user + r.sys:8.1f} s (user {r.user:.1f}, sys {r.sys:.1f})  "
          f"{rate}peak RSS {r.maxrss_mb:,.0f} MB largest process, {tree} all processes{status}")
    print(f"  {'':<10} lake {_du_mb(data / 'lake'):,.1f} MB, warehouse {warehouse:,.1f} MB on disk")
    if r.stages:
        print(f"  {'':<10} stages: " + ", ".join(f"{name} {secs:.1f} s" for name, secs in r.stages))
    if r.rc != 0 and r.log is not None:
        for line in r.log.read_text(encoding="utf-8", errors="replace").splitlines()[-5:]:
            print(f"  {'':<10} | {line}")


def bench_end_to_end(sizes: list[int], work: Path) -> Path | None:
    """Cold run, no-op run and 1%-new run per size; returns the root of the first size (for accuracy)."""
    from generate import generate

    print("\nEnd to end: `ogi run --root ROOT` on N generated text reports (ROOT/data/raw), "
          "cold, then with nothing new, then with 1% new reports")
    first = None
    for n in sizes:
        root = work / f"e2e-{n}"
        logs = work / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        generate(root / "data", n, SEED)
        raw_mb = _du_mb(root / "data" / "raw")
        print(f"N = {n:,}: generated in {time.perf_counter() - t0:.1f} s ({raw_mb:,.0f} MB of reports)")
        cold = run_ogi(root, f"cold {n}", logs)
        _print_run(cold, n, root)
        noop = run_ogi(root, f"no-op {n}", logs)
        _print_run(noop, None, root)
        extra = max(1, n // 100)
        generate(root / "data", extra, SEED, start=n)  # reports n .. n+extra-1: new files, old ones untouched
        new = run_ogi(root, f"1% new {n}", logs)
        _print_run(new, None, root)
        print(f"  {'':<10} ({extra:,} new reports added to the {n:,})")
        first = first or root
    return first


# --------------------------------------------------------------------------------------------
# Accuracy on generated reports
# --------------------------------------------------------------------------------------------

def bench_accuracy(text_root: Path | None, n_text: int, n_formats: int, work: Path) -> None:
    from generate import generate
    from score_generated import report_lines, score_folder

    workers = min(2, os.cpu_count() or 1)
    print("\nAccuracy on generated reports (scripts/score_generated.py; truth from scripts/generate.py)")
    if text_root is None:
        text_root = work / "accuracy-text"
        generate(text_root / "data", n_text, SEED)
    folder = text_root / "data"
    t0 = time.perf_counter()
    score = score_folder(folder, workers=workers, limit=n_text)
    print(f"text layouts, first {min(n_text, score.reports)} reports of {folder} "
          f"({time.perf_counter() - t0:.0f} s):")
    print("\n".join("  " + line for line in report_lines(score, show=8)))
    if n_formats > 0:
        fmt_folder = work / "accuracy-formats"
        t0 = time.perf_counter()
        for k, fmt in enumerate(("html", "docx", "pdf")):  # n of each; a PDF takes ~0.3 s to make
            generate(fmt_folder, n_formats, SEED, formats=(fmt,), start=k * n_formats, workers=workers,
                     chunk=max(1, n_formats // workers))
        made = time.perf_counter() - t0
        t0 = time.perf_counter()
        score = score_folder(fmt_folder, workers=workers)
        print(f"web page, Word and PDF, {3 * n_formats} reports (generated in {made:.0f} s, scored in "
              f"{time.perf_counter() - t0:.0f} s):")
        print("\n".join("  " + line for line in report_lines(score, show=8)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="a smoke test: 200 reports, few rounds")
    ap.add_argument("--sizes", default=None, help="end-to-end sizes, comma-separated (default 10000; quick 200)")
    ap.add_argument("--parse-n", type=int, default=None, help="generated reports for the parse rate (default 1000)")
    ap.add_argument("--parse-rounds", type=int, default=None, help="rounds for the parse rate (default 3)")
    ap.add_argument("--rounds", type=int, default=None, help="rounds over the samples (default 200)")
    ap.add_argument("--format-rounds", type=int, default=None, help="rounds per format, other than PDF (default 20)")
    ap.add_argument("--pdf-rounds", type=int, default=None, help="rounds for PDFs (default 3)")
    ap.add_argument("--accuracy-n", type=int, default=None, help="text reports scored (default 2000)")
    ap.add_argument("--accuracy-formats-n", type=int, default=None,
                    help="reports scored per rendered format, html/docx/pdf (default 20)")
    ap.add_argument("--skip", default="", help="parts to leave out: parse,samples,formats,e2e,accuracy")
    ap.add_argument("--work-dir", type=Path, default=None, help="where generated roots go (default: a temp dir)")
    ap.add_argument("--keep", action="store_true", help="keep the generated roots and the run logs")
    args = ap.parse_args()
    quick = args.quick

    def pick(value, normal, small):
        return value if value is not None else (small if quick else normal)

    sizes = [int(x) for x in (args.sizes or ("200" if quick else "10000")).split(",") if x]
    skip = set(filter(None, args.skip.split(",")))
    work = args.work_dir or Path(tempfile.mkdtemp(prefix="ogi-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    print("\n".join(machine_lines()))
    print(f"options  {' '.join(sys.argv[1:]) or '(defaults)'}; work folder {work}")
    try:
        if "parse" not in skip:
            from generate import generate

            parse_dir = work / "parse"
            generate(parse_dir, pick(args.parse_n, 1000, 200), SEED)
            bench_parse_rate(parse_dir, pick(args.parse_rounds, 3, 1))
        if "samples" not in skip:
            print("\nThe bundled samples, parsed again and again:")
            bench_samples(pick(args.rounds, 200, 5))
        if "formats" not in skip:
            bench_formats(pick(args.format_rounds, 20, 2), pick(args.pdf_rounds, 3, 1))
        first = bench_end_to_end(sizes, work) if "e2e" not in skip else None
        if "accuracy" not in skip:
            bench_accuracy(first, pick(args.accuracy_n, 2000, 200), pick(args.accuracy_formats_n, 20, 2), work)
    finally:
        if not args.keep and args.work_dir is None:
            shutil.rmtree(work, ignore_errors=True)
    print(f"\nbenchmark ran {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
