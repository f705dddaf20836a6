"""`ogi export REGION`: the arguments and the command, wired into pipeline/cli.py."""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from .formats import FORMATS

PROJECT_ROOT = Path(__file__).resolve().parents[2]
_YEARS = re.compile(r"\s*(\d{4})\s*(?:-\s*(\d{4})\s*)?")


def years(text: str) -> tuple[int, int]:
    """An argparse type: 2022 or 2020-2022."""
    m = _YEARS.fullmatch(text)
    if not m:
        raise argparse.ArgumentTypeError(f"must be a year or a range of years, e.g. 2022 or 2020-2022, got {text!r}")
    lo, hi = int(m[1]), int(m[2] or m[1])
    if lo > hi:
        raise argparse.ArgumentTypeError(f"the first year comes first, e.g. {hi}-{lo}, got {text!r}")
    return lo, hi


def formats(text: str) -> list[str]:
    got = [f.strip().lower() for f in text.split(",") if f.strip()]
    bad = [f for f in got if f not in FORMATS]
    if bad or not got:
        raise argparse.ArgumentTypeError(f"must be one or more of {','.join(FORMATS)}, got {text!r}")
    return list(dict.fromkeys(got))


HELP = "write a region's indicators by year, with their change, as Excel, CSV, Parquet and an HTML page"


def register(sub: argparse._SubParsersAction) -> None:
    """Add `ogi export` to `ogi`'s subcommands."""
    p = sub.add_parser("export", help=HELP, description=HELP)
    add_arguments(p)
    p.set_defaults(func=main)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("region", help="region name (宜春市) or code (360900); a name several regions share needs the code")
    p.add_argument("--years", type=years, metavar="YEARS",
                   help="a year or a range, e.g. 2022 or 2020-2022 (default: every year with reports in the region)")
    p.add_argument("--rows", choices=("auto", "regions", "bodies"), default="auto",
                   help="rows below the whole region: the regions one level down (and the region's own bodies), "
                        "or every reporting body (default auto: bodies for a county or township, regions above)")
    p.add_argument("--format", type=formats, default=list(FORMATS), metavar="LIST",
                   help=f"comma-separated, any of {','.join(FORMATS)} (default: all)")
    p.add_argument("--out", help="folder to write to (default data/exports/ under --root)")
    p.add_argument("--db", help="warehouse file (default data/warehouse.duckdb under --root)")
    p.add_argument("--root", help="project folder holding data/ (default: this checkout)")
    p.add_argument("--rank", metavar="INDICATOR", help="indicator of the ranking chart (default applications_new)")


def main(args: argparse.Namespace) -> int:
    from ..store.query import WarehouseMissingError
    from .api import export
    from .selection import ExportError
    from .files import ExportWriteError

    root = Path(args.root) if args.root else PROJECT_ROOT
    db = Path(args.db) if args.db else root / "data" / "warehouse.duckdb"
    out = Path(args.out) if args.out else root / "data" / "exports"
    lo, hi = args.years if args.years else (None, None)
    try:
        paths = export(db, args.region, lo, hi, out, args.format, rows=args.rows, rank=args.rank)
    except (ExportError, WarehouseMissingError, ExportWriteError) as err:
        print(f"ogi: export: {err}", file=sys.stderr)
        return 1
    for path in paths:
        print(path)
    return 0
