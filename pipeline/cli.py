"""`ogi`: parse reports, run the pipeline, query the warehouse."""
from __future__ import annotations

import argparse
import functools
import json
import math
import re
import stat
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from .errors import NotAReportError, ReportError
from .parse import ParsedReport, parse_report, parser_version
from .store.output import FORMATS, NULL_MARK  # stdlib only: `ogi parse` stays light

if TYPE_CHECKING:  # for annotations: `ogi parse` does not load the store
    from .store.progress import Progress, Timings


PROJECT_ROOT = Path(__file__).resolve().parents[1]


def _read(path: Path) -> bytes:
    """The file's bytes; what is not a regular file, or too large, is refused before any read
    (a named pipe would block the read forever, a huge file fill the memory)."""
    from .parse import MAX_BYTES, too_large
    from .store.scan import inspect

    try:
        st = path.stat()
    except FileNotFoundError:
        raise ReportError("no such file") from None
    except OSError as err:
        raise ReportError(f"cannot read ({err.strerror})") from None
    if path.is_dir():
        raise ReportError("is a directory, not a file")
    if (why := too_large(st.st_size)) is not None:
        raise NotAReportError(why)
    if not stat.S_ISREG(st.st_mode):
        raise ReportError((inspect(str(path), path.parent).reason or "not a regular file").removesuffix(": skipped"))
    try:
        with open(path, "rb") as fh:
            return fh.read(MAX_BYTES + 1)
    except PermissionError:
        raise ReportError("permission denied") from None
    except OSError as err:
        raise ReportError(f"cannot read ({err.strerror})") from None


def _summary(parsed: ParsedReport) -> str:
    r = parsed.report
    codes: dict[str, int] = {}
    for code in parsed.issue_codes():
        codes[code] = codes.get(code, 0) + 1
    lines = [
        f"{r['source_path']}",
        f"  title     {r['title'] or NULL_MARK}",
        f"  body      {r['org'] or NULL_MARK}    year {r['year'] or NULL_MARK}    template {r['template_version'] or NULL_MARK}",
        f"  region    {' / '.join(x for x in (r.get('province'), r.get('prefecture'), r.get('county'), r.get('township')) if x) or NULL_MARK}",
        f"  figures   table 2: {len(parsed.records['active_disclosure'])}, table 3: {len(parsed.records['applications'])}, "
        f"table 4: {len(parsed.records['reviews_litigation'])}, prose facts: {len(parsed.records['narrative_facts'])}",
        f"  issues    {', '.join(f'{c} x{n}' for c, n in codes.items()) or 'none'}",
    ]
    return "\n".join(lines)


def _print_lines(raw: bytes) -> None:
    """The document as the parser sees it: numbered lines (the `line` column) and their source location."""
    from .parse.lines import DocLines
    from .read import read_document

    lines = DocLines.of(read_document(raw))
    for n, (text, loc) in enumerate(zip(lines.text, lines.locs), 1):
        print(f"{n:>5}  {str(loc):<32}  {text}")


def cmd_parse(args: argparse.Namespace) -> int:
    status = 0
    table: list[list[str]] = []
    for name in args.files:
        path = Path(name)
        try:
            if args.lines:
                _print_lines(_read(path))
                continue
            parsed = parse_report(_read(path), str(path))
        except ReportError as err:
            print(f"ogi: {path}: {err}", file=sys.stderr)
            table.append([path.name, f"ERROR: {err}", "", "", "", ""])
            status = 1
            continue
        if args.json:
            print(json.dumps(parsed.to_json(), ensure_ascii=False))
        elif args.table:
            table.append(_table_row(path, parsed))
        else:
            print(_summary(parsed))
    if args.table:
        print_table(["file", "body", "year", "template", "figures", "issues"], table)
    return status


def _table_row(path: Path, p: ParsedReport) -> list[str]:
    """body, year, template, figures (non-null table cells), issue codes."""
    figures = sum(1 for t in ("active_disclosure", "applications", "reviews_litigation")
                  for rec in p.records[t] if rec["value"] is not None)
    return [path.name, p.report["org"] or NULL_MARK, str(p.report["year"] or NULL_MARK), p.report["template_version"] or NULL_MARK,
            str(figures), ", ".join(sorted(set(p.issue_codes()))) or "-"]


def print_table(header: list[str], rows: list[list[str]]) -> None:
    def width(s: str) -> int:
        return sum(2 if ord(ch) > 0x2E80 else 1 for ch in s)

    widths = [max(width(str(x)) for x in col) for col in zip(header, *rows)]
    for row in [header, *rows]:
        print("  ".join(str(x) + " " * (w - width(str(x))) for x, w in zip(row, widths)).rstrip())


def cmd_run(args: argparse.Namespace) -> int:
    """The whole job without Dagster: raw folders -> lake -> warehouse -> checks -> summary.

    The Dagster assets run the same library calls one asset each (`make run`).
    """
    from .analyse.step import parse_and_analyse  # jieba loads in the parse workers, on first use
    from .store import lake, runlock, warehouse
    from .store.budget import Budget
    from .store.progress import Progress, Timings
    from .store.summary import corrections_text, skipped_files_text, yearly_comparison_text

    for flag, given in (("--root", args.root), ("--raw-dir", args.raw_dir)):
        if given is not None and (why := _not_a_folder(Path(given))):
            return _usage("run", f"{flag} {given}: {why}")
    root = Path(args.root) if args.root else PROJECT_ROOT
    raw_dirs = [Path(args.raw_dir) if args.raw_dir else root / "data/raw", root / "data/samples"]
    lake_dir, db = root / "data/lake", root / "data/warehouse.duckdb"
    timings = Timings()
    built: list[object] = []  # the BuildResult, for the Dagster record

    def keep_result(build: Callable[..., object]) -> Callable[..., object]:
        @functools.wraps(build)  # the same signature: _timed_build looks at it
        def kept(*a: object, **kw: object) -> object:
            built.append(build(*a, **kw))
            return built[-1]
        return kept
    # On a terminal a bar counts the files parsed; in a log, plain lines do.
    progress = Progress(lambda message: print(f"ogi: {message}", flush=True), bar=sys.stderr.isatty())

    progress(f"reading {', '.join(str(d) for d in raw_dirs)}")
    try:
        with runlock.hold(root / "data", wait=args.wait, owner="ogi run"):
            ingested = lake.ingest(lake_dir, raw_dirs, parse=parse_and_analyse, progress=progress,
                                   budget=Budget(args.file_seconds, args.file_memory_mb),
                                   parser_version=parser_version(), workers=args.workers, timings=timings.seconds)
            _timed_build(keep_result(warehouse.build_warehouse), lake_dir, db, progress, timings)
    except runlock.AnotherRunError as err:
        print(f"ogi: {err}", file=sys.stderr)
        return 1
    except OSError as err:
        print(f"ogi: run failed: {err}; the published warehouse was left as it was", file=sys.stderr)
        return 1
    with timings.stage("checks"):
        outcomes = warehouse.run_checks(db, lake_dir)
    for outcome in outcomes:
        if not outcome.passed:
            print(f"ogi: check {outcome.name}: {outcome.severity}: {outcome.description}", flush=True)
    print(skipped_files_text(db))
    if (fixed := corrections_text(db)) is not None:
        print(fixed)
    print(f"\nWarehouse: {db}  (query it: ogi query \"SELECT * FROM report_indicators\")")
    print("\nYearly comparison (table yearly_comparison; a few indicators, all are in the table):")
    print(yearly_comparison_text(db))
    # Nothing built (the warehouse was up to date): nothing to record.
    if args.dagster_record and built and built[-1].mode != warehouse.UNCHANGED:
        with timings.stage("dagster record"):
            _record_in_dagster(root, built[-1], ingested, outcomes)
    print("\n" + timings.text())
    return 0


def _record_in_dagster(root: Path, built: object, ingested: object, outcomes: list) -> None:
    """What the run built, as materialisations in the project's Dagster instance, so that
    `dagster dev` shows it: handed to a detached process (assets/recording.py), as Dagster takes
    seconds to import and to store them. Without Dagster or an instance: one line on stderr."""
    try:
        from assets.recording import start_record  # stdlib only: pipeline/ never imports Dagster

        start_record(root, built, ingested, outcomes)
    except Exception as err:  # never fail a published run over its record
        reason = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        print(f"ogi: the run was not recorded in Dagster: {reason}", file=sys.stderr)


def _timed_build(build: Callable[..., object], lake_dir: Path, db: Path, progress: Progress,
                 timings: Timings) -> None:
    """build_warehouse, timed as load, models and publish.

    A build_warehouse that takes `timings` fills them itself; otherwise the stages are told apart
    by the progress lines it prints after each of them (loaded, each model, published)."""
    import inspect
    import time

    if "timings" in inspect.signature(build).parameters:
        before = dict(timings.seconds)
        start = time.perf_counter()
        build(lake_dir, db, progress=progress, timings=timings.seconds)
        if timings.seconds == before:
            timings.add("warehouse", time.perf_counter() - start)
        return
    marks: list[tuple[float, str]] = []

    def watch(message: str) -> None:
        marks.append((time.perf_counter(), message))
        progress(message)

    start = time.perf_counter()
    build(lake_dir, db, progress=watch)
    end = time.perf_counter()
    loaded = next((t for t, m in marks if m.startswith("warehouse: loaded")), None)
    if loaded is None:  # nothing built (unchanged), or lines other than these
        timings.add("warehouse", end - start)
        return
    models_done = max((t for t, m in marks if m.startswith("warehouse: model ")), default=loaded)
    timings.add("warehouse load", loaded - start)
    timings.add("models", models_done - loaded)
    timings.add("publish", end - models_done)


def cmd_query(args: argparse.Namespace) -> int:
    from .store.output import render
    from .store.query import QueryLimitError, QueryRefusedError, WarehouseMissingError, fetch

    if not args.sql.strip():
        return _usage("query", "the SQL is empty")
    if args.db is not None and (why := _not_a_file(Path(args.db))):
        return _usage("query", f"--db {args.db}: {why}")
    params: dict[str, str] = {}
    for name, value in args.param or ():
        if name in params:
            return _usage("query", f"--param {name} is given twice")
        params[name] = value
    try:
        result = fetch(args.sql, args.db, params or None, max_rows=args.max_rows, timeout=args.timeout,
                       memory_limit=args.memory_limit)
    except (WarehouseMissingError, QueryRefusedError) as err:
        print(f"ogi: {err}", file=sys.stderr)
        return 1
    except QueryLimitError as err:
        flag = "--timeout SECONDS" if err.limit == "timeout" else "--memory-limit SIZE"
        print(f"ogi: {err} (set it with {flag})", file=sys.stderr)
        return 1
    except Exception as err:  # duckdb raises many kinds; the analyst needs its whole message (hints, LINE ^)
        message = str(err).strip()
        if params:
            message += "".join(f"\n({hint})" for fragment, hint in _PARAM_HINTS if fragment in message)
        print(f"ogi: query failed: {message}", file=sys.stderr)
        return 1
    print(render(args.format, result.columns, result.rows))
    if result.more_rows:
        note = "more rows not shown (add a WHERE or LIMIT, or raise --max-rows)"
        # a table is read by a person; csv, json and markdown are data: the note goes beside them
        if args.format == "table":
            print(f"... {note}")
        else:
            print(f"ogi: {note}", file=sys.stderr)
    return 0


def _about_a_report(command: str, work: Callable[[], int]) -> int:
    """Run a command about one report of the published warehouse (`ogi show`, `ogi correct`): what
    cannot be done is one line on stderr, exit 2 (a report named wrongly, a correction refused) or
    1 (no warehouse, a file that cannot be written)."""
    from .store import corrections, show
    from .store.query import WarehouseMissingError

    try:
        return work()
    except WarehouseMissingError as err:
        print(f"ogi: {err}", file=sys.stderr)
        return 1
    except show.AmbiguousReport as err:
        print(f"ogi: {command}: {err}\n{show.candidates_text(err)}", file=sys.stderr)
        return 2
    except (show.ShowError, corrections.CorrectionRefused, corrections.CorrectionsFileError) as err:
        print(f"ogi: {command}: {err}", file=sys.stderr)
        return 2
    except OSError as err:
        print(f"ogi: {command}: {err}", file=sys.stderr)
        return 1


def cmd_show(args: argparse.Namespace) -> int:
    """One report's values beside their source lines and issues, from the published warehouse."""
    from .store import show

    if args.db is not None and (why := _not_a_file(Path(args.db))):
        return _usage("show", f"--db {args.db}: {why}")
    db = Path(args.db) if args.db is not None else None

    def work() -> int:
        shown = show.load(show.find_report(args.report, db), db)
        print(show.to_json(shown) if args.format == "json" else show.to_text(shown))
        return 0
    return _about_a_report("show", work)


def cmd_correct(args: argparse.Namespace) -> int:
    """Add a correction of one cell to corrections.csv, checked against the published warehouse."""
    import getpass

    from .store import corrections, show
    from .store.query import DEFAULT_WAREHOUSE

    if args.db is not None and (why := _not_a_file(Path(args.db))):
        return _usage("correct", f"--db {args.db}: {why}")
    db = Path(args.db) if args.db is not None else None
    target = Path(args.file) if args.file else (db or DEFAULT_WAREHOUSE).parent / corrections.FILE_NAME

    def work() -> int:
        report_id = show.find_report(args.report, db)
        fix = corrections.prepare(report_id, args.table, args.key, args.value, reason=args.reason,
                                  evidence=args.evidence, author=args.by or getpass.getuser(), db=db)
        corrections.append(target, fix)
        was = "nothing" if fix.parsed_value is None else corrections.number_text(fix.parsed_value)
        print(f"ogi: {target}: {fix.org} {fix.year} ({report_id}) {args.table} {args.key}: {was} -> "
              f"{corrections.number_text(fix.value)}; applied from the next `ogi run`, while the document and "
              f"the parser's reading of the cell stay as they are now")
        return 0
    return _about_a_report("correct", work)


# DuckDB's messages about bound values, and what they mean for --param.
_PARAM_HINTS = (
    ("STRING_LITERAL", "--param values are text: write $NAME::INTEGER (or another type) where the query gives none"),
    ("argument count mismatch", "every --param NAME needs a $NAME in the SQL"),
    ("excess parameters", "every --param NAME needs a $NAME in the SQL"),
)


# --- usage: a wrong command line exits 2 with one line on stderr --------------------------------

def _usage(command: str, message: str) -> int:
    print(f"ogi: {command}: {message}", file=sys.stderr)
    return 2


def _not_a_folder(path: Path) -> str | None:
    if not path.exists():
        return "no such folder"
    return None if path.is_dir() else "is a file, not a folder"


def _not_a_file(path: Path) -> str | None:
    if not path.exists():
        return "no such file"
    return "is a folder, not a file" if path.is_dir() else None


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (`ogi: query: argument --format: ...`), not the usage text."""

    def error(self, message: str) -> NoReturn:
        where = self.prog.removeprefix("ogi").strip()
        self.exit(2, f"ogi: {where + ': ' if where else ''}{message} (see {self.prog} --help)\n")


def _number(kind: type, low: float, inclusive: bool, what: str) -> Callable[[str], float]:
    """An argparse type: a finite number of `kind` above `low` (or at it, when inclusive)."""
    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what}, got {text!r}") from None
        if not math.isfinite(value) or value < low or (value == low and not inclusive):
            raise argparse.ArgumentTypeError(f"{what}, got {text!r}")
        return value
    return parse


_positive_int = _number(int, 0, False, "must be a whole number of at least 1")
_finite_float = _number(float, -math.inf, False, "must be a number")
_positive_float = _number(float, 0, False, "must be a number above 0")
_non_negative_float = _number(float, 0, True, "must be a number of 0 or more")
_MEMORY = re.compile(r"\s*\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*", re.IGNORECASE)
_PARAM_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _memory(text: str) -> str:
    """A DuckDB memory limit with its unit; DuckDB itself reads -1GB or 80% as "no limit"."""
    if not _MEMORY.fullmatch(text) or float(re.sub(r"[^\d.]", "", text)) <= 0:
        raise argparse.ArgumentTypeError(f"must be a size with a unit, e.g. 500MB or 4GB, got {text!r}")
    return text


def _param(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not _PARAM_NAME.fullmatch(name):
        raise argparse.ArgumentTypeError(f"must be NAME=VALUE (used as $NAME in the SQL), got {text!r}")
    return name, value


def main(argv: list[str] | None = None) -> int:
    parser = _Parser(prog="ogi", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("parse", help="parse report files and print a summary or the schema's JSON")
    p.add_argument("files", nargs="+")
    shown = p.add_mutually_exclusive_group()
    shown.add_argument("--json", action="store_true", help="one JSON object per file, one per line")
    shown.add_argument("--table", action="store_true", help="one line per file: body, year, template, figures, issues")
    shown.add_argument("--lines", action="store_true",
                   help="print the document as the parser reads it: numbered lines (the `line` column) and "
                        "where each stands in the source (page, table, row, column)")
    p.set_defaults(func=cmd_parse)
    r = sub.add_parser("run", help="parse new reports, build the lake and the warehouse, print the comparison")
    r.add_argument("--raw-dir", help="folder of new reports (default data/raw/); data/samples/ is always read")
    r.add_argument("--root", help="project folder holding data/ (default: this checkout)")
    r.add_argument("--wait", type=_non_negative_float, default=60.0, metavar="SECONDS",
                   help="how long to wait for another run that is writing (default 60)")
    r.add_argument("--file-seconds", type=_positive_float, default=120.0, metavar="SECONDS",
                   help="time one file may take to parse; past it the file is crashed and retried next run (default 120)")
    r.add_argument("--file-memory-mb", type=_positive_int, default=2048, metavar="MB",
                   help="memory one file may take to parse (default 2048)")
    r.add_argument("--workers", type=_positive_int, default=None, metavar="N",
                   help="processes that parse files at the same time (default: one per core)")
    r.add_argument("--no-dagster-record", dest="dagster_record", action="store_false",
                   help="do not record the run's materialisations in the project's Dagster instance "
                        "($DAGSTER_HOME, else the project folder's dagster.yaml)")
    r.set_defaults(func=cmd_run)
    q = sub.add_parser("query", help="run one read-only SQL query against the warehouse")
    q.add_argument("sql")
    q.add_argument("--db", help="warehouse file (default data/warehouse.duckdb)")
    q.add_argument("--format", choices=FORMATS, default="table",
                   help="table (default; one record at a time when wider than the terminal), csv, json or markdown")
    q.add_argument("--param", action="append", type=_param, metavar="NAME=VALUE",
                   help="a value for $NAME in the SQL, as text that DuckDB casts to the type the query compares "
                        "it with (write $NAME::INTEGER where nothing gives a type); repeat for more")
    q.add_argument("--max-rows", type=_positive_int, default=100, metavar="N",
                   help="rows to read and print (default 100)")
    q.add_argument("--timeout", type=_positive_float, default=60.0, metavar="SECONDS",
                   help="stop a query still running after this many seconds (default 60)")
    q.add_argument("--memory-limit", type=_memory, default="1GB", metavar="SIZE",
                   help="DuckDB memory limit, e.g. 500MB or 4GB; a query needing more stops (default 1GB)")
    q.set_defaults(func=cmd_query)
    w = sub.add_parser("show", help="one report's values beside the lines they came from, and its issues")
    w.add_argument("report", nargs="+", metavar="REPORT",
                   help="a report id (16 hex digits), a path as stored (samples/000_x.txt) or a file on disk, "
                        "or BODY YEAR as printed in the title (高安市八景镇 2022)")
    w.add_argument("--db", help="warehouse file (default data/warehouse.duckdb)")
    w.add_argument("--format", choices=("table", "json"), default="table",
                   help="table (default: one line per value; a table row's cells shown as |) or json "
                        "(every column, the source line as stored)")
    w.set_defaults(func=cmd_show)
    c = sub.add_parser("correct", help="correct a value the source got wrong (added to data/corrections.csv)")
    c.add_argument("report", nargs="+", metavar="REPORT",
                   help="the report as `ogi show` takes it: an id, a path, or BODY YEAR (高安市八景镇 2022)")
    c.add_argument("--table", required=True, choices=("applications", "active_disclosure", "reviews_litigation"),
                   help="the tidy table of the cell")
    c.add_argument("--key", required=True,
                   help="the cell as row/column: new_received/total, normative_documents/in_force, review/total")
    c.add_argument("--value", required=True, type=_finite_float, help="the right value, in the cell's printed unit")
    c.add_argument("--reason", required=True, help="why the printed value is wrong")
    c.add_argument("--evidence", required=True, help="where the right value is shown: a URL, or the page of the "
                                                     "official document")
    c.add_argument("--by", help="who makes the correction (default: the user name)")
    c.add_argument("--db", help="warehouse file (default data/warehouse.duckdb)")
    c.add_argument("--file", help="corrections file (default: corrections.csv beside the warehouse)")
    c.set_defaults(func=cmd_correct)
    from .export.cli import register as register_export  # argparse only: the export code loads when it runs

    register_export(sub)
    try:
        args = parser.parse_args(argv)
    except SystemExit as done:  # a usage error (2) or --help (0): returned, so callers get a status
        return done.code if isinstance(done.code, int) else 2
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
