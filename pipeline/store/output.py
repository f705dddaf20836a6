"""How query results print: one rule for nulls, numbers and wide rows in every format.

- NULL is `∅` in a table and in markdown (an empty cell would look like an empty string), an empty
  cell in csv, `null` in json.
- A column of floating-point or decimal numbers whose values are all whole prints them as integers
  (6, not 6.0): counts stored as DOUBLE read as counts. Other numbers print exactly in csv and json
  and with at most 6 decimals in a table and in markdown.
- A table wider than the terminal prints one record at a time (name, value), so a 73-column row
  stays readable; in a table that fits, a value longer than `max_colwidth` is cut with `…` and a
  note says so.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import os
import sys
import unicodedata
from collections.abc import Sequence
from decimal import Decimal

NULL_MARK = "∅"
FORMATS = ("table", "csv", "json", "markdown")
# Where output is not a terminal and COLUMNS is unset (a log, a pipe), tables up to this wide stay
# tables; wider ones print record by record.
DEFAULT_WIDTH = 200
_ESCAPES = str.maketrans({"\n": "\\n", "\r": "\\r", "\t": "\\t"})


def terminal_width() -> int:
    """COLUMNS when set, else the terminal's width, else DEFAULT_WIDTH."""
    try:
        columns = int(os.environ.get("COLUMNS", ""))
        if columns > 0:
            return columns
    except ValueError:
        pass
    if sys.stdout.isatty():
        try:
            return os.get_terminal_size(sys.stdout.fileno()).columns
        except OSError:
            pass
    return DEFAULT_WIDTH


def display_width(text: str) -> int:
    """Columns the text takes in a terminal: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def _whole_columns(rows: Sequence[Sequence[object]], n_columns: int) -> list[bool]:
    """Per column: every non-null float/decimal value is whole (NaN and infinities aside)."""
    whole = [True] * n_columns
    for row in rows:
        for i, value in enumerate(row):
            if whole[i] and isinstance(value, (float, Decimal)) and value == value and not _infinite(value) \
                    and value != int(value):
                whole[i] = False
    return whole


def _infinite(value: float | Decimal) -> bool:
    return math.isinf(value) if isinstance(value, float) else value.is_infinite()


def _numeric_columns(rows: Sequence[Sequence[object]], n_columns: int) -> list[bool]:
    """Per column: there are numbers and nothing else but NULLs (right-aligned in a table)."""
    numbers, others = [False] * n_columns, [False] * n_columns
    for row in rows:
        for i, value in enumerate(row):
            if value is not None:
                if _is_number(value):
                    numbers[i] = True
                else:
                    others[i] = True
    return [n and not o for n, o in zip(numbers, others)]


def _number_text(value: float | Decimal, whole: bool, exact: bool) -> str:
    if value != value:
        return "NaN"
    if _infinite(value):
        return "Infinity" if value > 0 else "-Infinity"
    if whole:
        return str(int(value))
    if isinstance(value, Decimal) or exact:
        return str(value) if isinstance(value, Decimal) else repr(value)
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return text if text not in ("0", "-0") else f"{value:.3g}"  # 1e-07 is not 0


def _json_default(value: object) -> object:
    """Values json cannot write itself, inside lists and structs."""
    if isinstance(value, Decimal):
        return int(value) if value == int(value) else float(value)
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def _text(value: object, whole: bool, *, exact: bool, null: str) -> str:
    """One value as text, for a table, markdown or csv."""
    if value is None:
        return null
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (float, Decimal)):
        return _number_text(value, whole, exact)
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, ensure_ascii=False, default=_json_default)
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def _json_value(value: object, whole: bool) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (float, Decimal)):
        text = _number_text(value, whole, exact=True)
        # json has no NaN or infinity; they are values, not missing ones, so they stay as text
        return json.dumps(text) if text in ("NaN", "Infinity", "-Infinity") else text
    return json.dumps(value, ensure_ascii=False, default=_json_default)


def to_csv(columns: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """RFC 4180 csv with a header row; NULL is an empty cell."""
    whole = _whole_columns(rows, len(columns))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_text(v, w, exact=True, null="") for v, w in zip(row, whole)])
    return out.getvalue().removesuffix("\n")


def to_json(columns: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A json array of one object per row, one row per line; NULL is null."""
    whole = _whole_columns(rows, len(columns))
    keys = [json.dumps(c, ensure_ascii=False) for c in columns]
    objects = ["{" + ", ".join(f"{k}: {_json_value(v, w)}" for k, v, w in zip(keys, row, whole)) + "}"
               for row in rows]
    return "[" + ",\n ".join(objects) + "]"


def to_markdown(columns: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A GitHub-flavoured markdown table; NULL is NULL_MARK, numbers right-aligned."""
    whole = _whole_columns(rows, len(columns))
    numeric = _numeric_columns(rows, len(columns))

    def cell(text: str) -> str:
        return text.replace("\\", "\\\\").replace("|", "\\|").replace("\r\n", "<br>").replace("\n", "<br>")

    lines = ["| " + " | ".join(cell(c) for c in columns) + " |",
             "|" + "|".join("---:" if n else "---" for n in numeric) + "|"]
    for row in rows:
        lines.append("| " + " | ".join(cell(_text(v, w, exact=False, null=NULL_MARK))
                                      for v, w in zip(row, whole)) + " |")
    return "\n".join(lines)


def _clip(text: str, limit: int) -> tuple[str, bool]:
    if display_width(text) <= limit:
        return text, False
    out, used = [], 0
    for ch in text:
        w = display_width(ch)
        if used + w > limit - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…", True


def _pad(text: str, width: int, right: bool) -> str:
    gap = " " * (width - display_width(text))
    return gap + text if right else text + gap


def to_table(columns: Sequence[str], rows: Sequence[Sequence[object]], *, width: int | None = None,
             max_colwidth: int = 40) -> str:
    """Columns side by side when they fit in `width` (default: the terminal's), else one record at a
    time. NULL is NULL_MARK; tabs and line breaks inside a value show as \\t and \\n."""
    if not columns:
        return "(no rows)"
    width = terminal_width() if width is None else width
    whole = _whole_columns(rows, len(columns))
    numeric = _numeric_columns(rows, len(columns))
    texts = [[_text(v, w, exact=False, null=NULL_MARK).translate(_ESCAPES) for v, w in zip(row, whole)]
             for row in rows]
    clipped, cut = [], False
    for row in texts:
        cells = []
        for text in row:
            text, was_cut = _clip(text, max_colwidth)
            cells.append(text)
            cut |= was_cut
        clipped.append(cells)
    widths = [max([display_width(c)] + [display_width(row[i]) for row in clipped]) for i, c in enumerate(columns)]
    if rows and sum(widths) + 2 * (len(widths) - 1) > width:
        return _records(columns, texts)
    lines = ["  ".join(_pad(c, w, n) for c, w, n in zip(columns, widths, numeric)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(_pad(t, w, n) for t, w, n in zip(row, widths, numeric)).rstrip() for row in clipped]
    if not rows:
        lines.append("(no rows)")
    if cut:
        lines.append(f"(values longer than {max_colwidth} columns are cut at …; --format csv or json prints them whole)")
    return "\n".join(lines)


def _records(columns: Sequence[str], texts: list[list[str]]) -> str:
    """One block per row: `name  value` lines, names padded to one width, values whole."""
    name_width = max(display_width(c) for c in columns)
    blocks = []
    for n, row in enumerate(texts, 1):
        lines = [f"-- row {n} " + "-" * max(0, name_width - 4)]
        lines += [f"{_pad(c, name_width, False)}  {t}".rstrip() for c, t in zip(columns, row)]
        blocks.append("\n".join(lines))
    return "\n".join(blocks)


_RENDERERS = {"csv": to_csv, "json": to_json, "markdown": to_markdown}


def render(fmt: str, columns: Sequence[str], rows: Sequence[Sequence[object]], *, width: int | None = None) -> str:
    """The rows in one of FORMATS (`width` is the table's, default the terminal's)."""
    if fmt == "table":
        return to_table(columns, rows, width=width)
    if fmt not in _RENDERERS:
        raise ValueError(f"unknown format {fmt!r}: choose one of {', '.join(FORMATS)}")
    return _RENDERERS[fmt](columns, rows)
