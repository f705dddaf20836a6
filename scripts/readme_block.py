"""Rewrite one generated block of README.md, or check that it is up to date (``--check``).

Shared by the scripts that render part of the README from where it is defined once
(data_dictionary.py, rules_doc.py).
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def main(argv: list[str] | None, description: str, update: Callable[[str], str], what: str, script: str) -> int:
    """Write ``update(README)`` back, or with --check exit 1 when it would change the file."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--check", action="store_true", help="only check that README.md is up to date")
    args = ap.parse_args(argv)
    text = README.read_text(encoding="utf-8")
    new = update(text)
    if args.check:
        if new != text:
            print(f"README.md {what} is out of date: run scripts/{script}", file=sys.stderr)
            return 1
        return 0
    README.write_text(new, encoding="utf-8")
    return 0
