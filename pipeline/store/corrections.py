"""Corrections as data: ``data/corrections.csv``, read into the warehouse table ``corrections``.

The source is sometimes wrong (a total that is not the sum of its parts, a row shifted by one).
A person who checked the official document writes the right value here once; every build
applies it on top of the parsed value (``correction_status``, then the stg_ models with
``value_source = correction``). The lake is never edited.

A correction is tied to what it was made for: the document's bytes (``report_id``, the hash of
them) and the parser's reading of the cell then (``parsed_value``). When the raw report changes
(a new document for the body and year, or the old one gone) or the parser reads the cell
otherwise, the model ``correction_status`` says ``stale`` and the value is not applied: the
correction is a statement about one reading of one document, not a standing override.

The file is small and edited by people, so it is read with Python's csv module, row by row, and
a row that cannot be used is kept with its ``problem`` (shown as ``invalid``) rather than
failing the build; only a file whose header is not this one stops the build, with a message.
"""
from __future__ import annotations

import csv
import functools
import hashlib
import io
import math
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from .. import fields
from ..parse.template import Shape, load_template
from . import atomic
from .ddl import ident

FILE_NAME = "corrections.csv"
TABLE = "corrections"
# The CSV's header, in order. "table" is the word a person writes; the warehouse says table_name.
CSV_COLUMNS = ("report_id", "org", "year", "table", "key", "value", "parsed_value", "reason", "evidence",
               "author", "created_at")
# The tidy tables a correction can address, with the two columns that make a cell's key (row/column).
CELL_KEYS: dict[str, tuple[str, str]] = {
    "applications": ("outcome", "applicant"),
    "active_disclosure": ("item", "measure"),
    "reviews_litigation": ("proceeding", "result"),
}


class CorrectionsFileError(ValueError):
    """A corrections file that cannot be read as one (wrong header, not text)."""


def default_path(lake_dir: Path) -> Path:
    """Where a project keeps its corrections: beside the lake, in the data folder (data/corrections.csv)."""
    return Path(lake_dir).parent / FILE_NAME


def file_digest(path: Path | None) -> str | None:
    """sha256 of the file, None when there is none: a build input (a new correction rebuilds)."""
    if path is None or not Path(path).is_file():
        return None
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@functools.cache
def _shape() -> Shape:
    return load_template().shape


def _number(text: str) -> float | None:
    """A finite number, or None for an empty cell; ValueError otherwise."""
    text = text.strip().replace(",", "")
    if not text:
        return None
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def _row(line: int, raw: dict[str, str]) -> tuple:
    """One CSV row as a row of the table, with the reason it cannot be used (or None)."""
    get = {c: (raw.get(c) or "").strip() for c in CSV_COLUMNS}
    problems: list[str] = []
    value = parsed = year = created = None
    try:
        value = _number(get["value"])
        if value is None:
            problems.append("no value")
    except ValueError:
        problems.append(f"value {get['value']!r} is not a number")
    try:
        parsed = _number(get["parsed_value"])
    except ValueError:
        problems.append(f"parsed_value {get['parsed_value']!r} is not a number")
    if get["year"]:
        try:
            year = int(get["year"])
        except ValueError:
            problems.append(f"year {get['year']!r} is not a year")
    if get["created_at"]:
        try:
            created = datetime.fromisoformat(get["created_at"].replace("Z", "+00:00"))
            created = created if created.tzinfo else created.replace(tzinfo=timezone.utc)
        except ValueError:
            problems.append(f"created_at {get['created_at']!r} is not a date and time (ISO 8601)")
    if not get["report_id"]:
        problems.append("no report_id (the document the correction was made for: `ogi correct` fills it)")
    if get["table"] not in CELL_KEYS:
        problems.append(f"table {get['table']!r} is not one of {', '.join(CELL_KEYS)}")
    if get["key"].count("/") != 1 or "" in get["key"].split("/"):
        problems.append(f"key {get['key']!r} is not row/column (new_received/total)")
    elif value is not None and get["table"] in CELL_KEYS:
        # the parser's own bounds: a correction is held to what a printed cell may hold (a count
        # past int64 would break every later build of the models that count)
        why = _shape().implausible(get["table"], get["key"].split("/")[1], value)
        if why:
            problems.append(f"value {get['value']} is {why}")
    # an empty report_id stays "" (not NULL): the incremental build finds such rows by report_id too
    return (line, get["report_id"], get["org"] or None, year, get["table"] or None, get["key"] or None,
            value, parsed, get["reason"] or None, get["evidence"] or None, get["author"] or None, created,
            "; ".join(problems) or None)


def read_rows(path: Path | None) -> list[tuple]:
    """The file's rows as rows of the table ``corrections`` (column order of the field registry)."""
    if path is None or not Path(path).is_file():
        return []
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (UnicodeDecodeError, OSError) as err:
        raise CorrectionsFileError(f"{path}: cannot be read as UTF-8 text: {err}") from err
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = tuple(h.strip() for h in (reader.fieldnames or ()))
    if not header:
        return []
    missing = [c for c in CSV_COLUMNS if c not in header]
    if missing:
        raise CorrectionsFileError(f"{path}: the header lacks {', '.join(missing)}; it must be "
                                   f"{','.join(CSV_COLUMNS)}")
    reader.fieldnames = list(header)
    rows = []
    for raw in reader:
        if not any((v or "").strip() for v in raw.values() if isinstance(v, str)):
            continue  # a blank line
        rows.append(_row(reader.line_num, raw))
    return rows


def create_table(con: duckdb.DuckDBPyConnection, path: Path | None, name: str = TABLE) -> int:
    """The table ``name`` (``corrections``, or a temp table to compare with) holding the file's
    rows, typed by the field registry; empty when there is no file. Returns its row count."""
    types = fields.duckdb_types(TABLE)
    temp = "TEMP " if name != TABLE else ""
    con.execute(f"CREATE OR REPLACE {temp}TABLE {ident(name)} ("
                + ", ".join(f"{ident(c)} {t}" for c, t in types.items()) + ")")
    rows = read_rows(path)
    if rows:
        con.executemany(f"INSERT INTO {ident(name)} VALUES ({', '.join('?' * len(types))})", rows)
    return len(rows)


# --- adding one (ogi correct) ----------------------------------------------------------------

@dataclass(frozen=True)
class Correction:
    report_id: str
    org: str | None
    year: int | None
    table: str
    key: str
    value: float
    parsed_value: float | None
    reason: str
    evidence: str
    author: str
    created_at: datetime

    def csv_row(self) -> list[str]:
        return [self.report_id, self.org or "", "" if self.year is None else str(self.year), self.table, self.key,
                number_text(self.value), "" if self.parsed_value is None else number_text(self.parsed_value),
                self.reason, self.evidence, self.author,
                self.created_at.astimezone(timezone.utc).isoformat(timespec="seconds")]


def append(path: Path, correction: Correction) -> None:
    """Add one row to the file (created with its header when new), replacing it in one rename:
    a reader, or a build, sees the file before or after, never half a row."""
    path = Path(path)
    old = path.read_bytes() if path.is_file() else b""
    if old:
        read_rows(path)  # a file with a wrong header is not appended to: the error says why
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    if not old.strip():
        writer.writerow(CSV_COLUMNS)
        old = b""
    elif not old.endswith(b"\n"):
        old += b"\n"
    writer.writerow(correction.csv_row())

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as f:
            f.write(old + out.getvalue().encode("utf-8"))

    def failed(err: OSError) -> OSError:
        return OSError(f"cannot write {path}: {err}")

    path.parent.mkdir(parents=True, exist_ok=True)
    atomic.write_atomic(path, write, failed=failed, written="corrections: written", placed="corrections: placed")


class CorrectionRefused(ValueError):
    """A correction `ogi correct` will not write: `str(err)` says why, for a person."""


def prepare(report_id: str, table: str, key: str, value: float, *, reason: str, evidence: str, author: str,
            db: Path | None = None, now: datetime | None = None) -> Correction:
    """A correction of one cell of a report in the published warehouse, checked: the table is one a
    correction can address, the key names exactly one cell of the document, the document is the
    current one of its body and year, the value is one such a cell may hold and differs from what
    the parser reads (recorded as ``parsed_value``, which the correction is then tied to)."""
    from .query import fetch  # the warehouse is read only here, not by the build

    if table not in CELL_KEYS:
        raise CorrectionRefused(f"table {table!r} cannot be corrected: one of {', '.join(CELL_KEYS)}")
    row_col, col_col = CELL_KEYS[table]
    parts = key.split("/")
    if len(parts) != 2 or not all(parts):
        raise CorrectionRefused(f"key {key!r} is not {row_col}/{col_col} (e.g. new_received/total)")
    if not reason.strip() or not evidence.strip():
        raise CorrectionRefused("a correction needs its reason and its evidence (a URL, or the page of the "
                                "official document)")
    cells = fetch(f"SELECT {ident(row_col)} || '/' || {ident(col_col)} AS key, value FROM {ident(table)} "
                  "WHERE report_id = $id", db, {"id": report_id}).rows
    found = [v for k, v in cells if k == key]
    if len(found) != 1:
        same_row = sorted({k for k, _ in cells if k.split("/")[0] == parts[0]})
        hint = (f"; the document's {parts[0]} cells: {', '.join(same_row)}" if same_row else
                f"; it has {len(cells)} cells in {table}" if cells else f"; it has no {table} table")
        raise CorrectionRefused(f"{table} {key} is {'printed twice' if found else 'no cell'} in report "
                                f"{report_id}{hint}")
    parsed = found[0]
    (org, year, is_current, current), = fetch(
        "SELECT org, year, is_current, current_report_id FROM stg_reports WHERE report_id = $id", db,
        {"id": report_id}).rows
    if not is_current:
        raise CorrectionRefused(f"report {report_id} is superseded by {current} for {org} {year}: correct that one")
    problem = _row(0, {"report_id": report_id, "table": table, "key": key, "value": repr(float(value))})[-1]
    if problem:
        raise CorrectionRefused(problem)
    if parsed is not None and float(parsed) == float(value):
        raise CorrectionRefused(f"the parser reads {key} as {number_text(parsed)} already: nothing to correct")
    return Correction(report_id, org, year, table, key, float(value), None if parsed is None else float(parsed),
                      reason.strip(), evidence.strip(), author.strip(), now or datetime.now(timezone.utc))


def number_text(x: float) -> str:
    """A number as a person writes it: 12, not 12.0; a fraction in full (repr), read back the same."""
    return str(int(x)) if float(x).is_integer() else repr(float(x))
