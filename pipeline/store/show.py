"""`ogi show REPORT`: one report's values beside the lines they were read from.

Everything comes from the published warehouse (read-only, through query.fetch), never from the
raw file, so it works wherever the warehouse is copied: the report's identity, every value of
tables 2-4 and of the prose facts with its location, the cell as printed (`raw`) and the line it
stands on (`source_lines`), each quality issue beside the value it concerns, then the report's
other issues (a whole column, the report itself) with their lines.

An issue concerns a value when its table is the value's table and its field is the value's key
(`total_processed/total`) or the key's first part (a whole row, `granted`): it is printed beside
the first such value. The others are the report's other issues.

Corrections (corrections.csv, as the warehouse judged them in `correction_status`) are printed
beside the value they correct, applied or not and why; those made for another document of the
same body and year (superseded, or no longer in the warehouse) or naming no cell of it are listed
at the end.
"""
from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from .output import NULL_MARK, display_width, terminal_width
from .query import fetch
from .scan import sha256_of

# (table, heading, key columns): the tables a report's values are in, in the report's order.
TABLES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("narrative_facts", "Prose facts (section 一)", ("fact", "category")),
    ("active_disclosure", "Table 2: proactive disclosure (主动公开政府信息情况)", ("item", "measure")),
    ("applications", "Table 3: applications (收到和处理政府信息公开申请情况)", ("outcome", "applicant")),
    ("reviews_litigation", "Table 4: reviews and litigation (行政复议、行政诉讼情况)", ("proceeding", "result")),
)
_REPORT_ID = re.compile(r"[0-9a-f]{16}")
_YEAR = re.compile(r"(19|20)\d\d")
_IDENTITY = ("report_id", "title", "org", "year", "province", "prefecture", "county", "township", "department",
             "admin_level", "source_path", "source_url", "format", "encoding", "template_version")
_ISSUE = ("code", "table", "field", "detail", "line", "page", "location")
DITTO = "〃"  # the line's text was printed on the row above


class ShowError(LookupError):
    """No report, or several, answer to what was asked: `str(err)` says so for a person."""


class AmbiguousReport(ShowError):
    """Several reports answer; `candidates` lists them (report_id, org, year, source_path, is_current)."""

    def __init__(self, message: str, candidates: list[dict[str, Any]]) -> None:
        super().__init__(message)
        self.candidates = candidates


@dataclass
class Shown:
    """One report as `ogi show` prints it."""

    report: dict[str, Any]
    tables: dict[str, list[dict[str, Any]]]  # each value with `source_line` and its `issues`
    other_issues: list[dict[str, Any]]
    corrections: list[dict[str, Any]]  # beside no value: no such cell, or made for another document
    lines_stored: bool  # False: the warehouse holds no source lines for this report (built or parsed before them)
    notes: list[str] = field(default_factory=list)


def _rows(sql: str, db: Path | None, params: dict[str, object] | None = None) -> list[dict[str, Any]]:
    result = fetch(sql, db, params)
    return [dict(zip(result.columns, row)) for row in result.rows]


# --- which report ----------------------------------------------------------------------------

def find_report(words: Sequence[str], db: Path | None = None) -> str:
    """The report_id that `words` name: a report_id; a path as stored (source_files, file_paths)
    or a file on disk (hashed); `BODY YEAR`; or a body alone when it has one report.
    Raises ShowError (none) or AmbiguousReport (several)."""
    if len(words) == 2:
        body, year = words
        if not _YEAR.fullmatch(year):
            raise ShowError(f"{year!r} is not a year: give REPORT as an id, a path, or BODY YEAR")
        return _by_body(body, int(year), db)
    if len(words) != 1:
        raise ShowError("give REPORT as one id or path, or as BODY YEAR")
    word = words[0]
    if _REPORT_ID.fullmatch(word):
        if _rows("SELECT report_id FROM reports WHERE report_id = $id LIMIT 1", db, {"id": word}):
            return word
        raise ShowError(f"no report {word} in the warehouse")
    if (found := _by_stored_path(word, db)) is not None:
        return found
    on_disk = Path(word)
    if on_disk.is_file():
        return _by_content(on_disk, db)
    return _by_body(word, None, db)


def _by_stored_path(path: str, db: Path | None) -> str | None:
    """The report of the file recorded under `path`: the content seen last under that name."""
    rows = _rows("""SELECT f.report_id, f.status, f.error FROM file_paths AS p JOIN source_files AS f USING (sha256)
                    WHERE p.path = $path ORDER BY p.last_seen DESC, p.first_seen DESC LIMIT 1""", db, {"path": path})
    rows = rows or _rows("SELECT report_id, status, error FROM source_files WHERE source_path = $path "
                         "ORDER BY ingested_at DESC LIMIT 1", db, {"path": path})
    if not rows:
        return None
    return _parsed(rows[0], path)


def _parsed(row: dict[str, Any], what: str) -> str:
    if row["status"] != "parsed" or row["report_id"] is None:
        raise ShowError(f"{what} was not read as a report: {row['status']}: {row['error']}")
    return str(row["report_id"])


def _by_content(path: Path, db: Path | None) -> str:
    """A file on disk: its bytes' hash is its id, wherever it lies now."""
    digest = sha256_of(path)  # read in chunks: any file may be named
    rows = _rows("SELECT report_id, status, error FROM source_files WHERE sha256 = $sha", db, {"sha": digest})
    if not rows:
        raise ShowError(f"{path}: this file (report id {digest[:16]}) is not in the warehouse: "
                        "put it in a raw folder and run `ogi run`")
    return _parsed(rows[0], str(path))


def _by_body(body: str, year: int | None, db: Path | None) -> str:
    """Reports of the body named exactly, else of every body whose name holds `body`."""
    where_year = "" if year is None else " AND r.year = $year"
    params: dict[str, object] = {"body": body} if year is None else {"body": body, "year": year}
    sql = ("SELECT r.report_id, r.org, r.year, r.source_path, s.is_current FROM reports AS r "
           "LEFT JOIN stg_reports AS s USING (report_id) WHERE {match}" + where_year +
           " ORDER BY r.org, r.year, s.version_rank NULLS LAST, r.report_id")
    found = (_rows(sql.format(match="r.org = $body"), db, params)
             or _rows(sql.format(match="contains(r.org, $body)"), db, params))
    what = body if year is None else f"{body} {year}"
    if not found:
        raise ShowError(f"no report of {what} in the warehouse (give an id, a path, or the body as printed "
                        "in its title and the year)")
    if len(found) > 1:
        raise AmbiguousReport(f"{len(found)} reports answer to {what}: give one by its id", found)
    return str(found[0]["report_id"])


# --- what to show ----------------------------------------------------------------------------

def load(report_id: str, db: Path | None = None) -> Shown:
    """The report's identity, values, source lines and issues from the warehouse."""
    (report,) = _rows(f"SELECT {', '.join(_IDENTITY)} FROM reports WHERE report_id = $id LIMIT 1", db,
                      {"id": report_id})
    params = {"id": report_id}
    try:
        texts = {r["line"]: r["text"] for r in _rows("SELECT line, text FROM source_lines WHERE report_id = $id",
                                                     db, params)}
        lines_stored = bool(texts)
    except duckdb.CatalogException:  # a warehouse built before source lines were kept
        texts, lines_stored = {}, False
    issues = _rows(f"SELECT {', '.join(_quoted(_ISSUE))} FROM issues WHERE report_id = $id ORDER BY rowid", db, params)
    for issue in issues:
        issue["source_line"] = texts.get(issue["line"])
    corrections = _corrections(report, db)
    placed: set[int] = set()
    tables: dict[str, list[dict[str, Any]]] = {}
    for table, _, keys in TABLES:
        records = _rows(f"SELECT * EXCLUDE (report_id, year) FROM {table} WHERE report_id = $id ORDER BY rowid",
                        db, params)
        by_key: dict[str, list[int]] = {}
        for i, issue in enumerate(issues):
            if issue["table"] == table and issue["field"] and i not in placed:
                by_key.setdefault(issue["field"], []).append(i)
        for rec in records:
            rec["key"] = "/".join(str(rec[k]) for k in keys if rec.get(k) is not None)
            rec["source_line"] = texts.get(rec["line"])
            rec["issues"] = []
            rec["corrections"] = [c for c in corrections
                                  if c["report_id"] == report_id and (c["table_name"], c["key"]) == (table, rec["key"])]
            for field_name in (rec["key"], str(rec[keys[0]])):
                for i in by_key.pop(field_name, ()):
                    rec["issues"].append(issues[i])
                    placed.add(i)
        tables[table] = records
    notes = [] if lines_stored else [
        "the warehouse holds no source lines for this report (it was built, or the report parsed, before they "
        "were kept): the cells as printed are shown; `ogi parse --lines FILE` numbers the file's lines"]
    shown_beside = {id(c) for recs in tables.values() for r in recs for c in r["corrections"]}
    return Shown(report, tables, [x for i, x in enumerate(issues) if i not in placed],
                 [c for c in corrections if id(c) not in shown_beside], lines_stored, notes)


_CORRECTION = ("line", "report_id", "table_name", "key", "value", "parsed_value", "parsed_value_now", "status",
               "detail", "reason", "evidence", "author", "created_at")


def _corrections(report: dict[str, Any], db: Path | None) -> list[dict[str, Any]]:
    """The corrections of this document, and those of its body and year made for another one."""
    try:
        return _rows(f"""SELECT {', '.join(_quoted(_CORRECTION))} FROM correction_status
                         WHERE report_id = $id OR current_report_id = $id
                            OR (body_key IS NULL AND org = $org AND year = $year)
                         ORDER BY line""", db, {"id": report["report_id"], "org": report["org"],
                                                "year": report["year"]})
    except duckdb.CatalogException:  # a warehouse built before corrections
        return []


def _quoted(names: Sequence[str]) -> list[str]:
    return [f'"{n}"' for n in names]  # `table` is a keyword


# --- how it prints ---------------------------------------------------------------------------

def _value(rec: dict[str, Any]) -> str:
    v = rec.get("value")
    if v is None:
        return NULL_MARK
    text = str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)
    if rec.get("unit"):
        text += f" {rec['unit']}"
    if rec.get("qualifier") == "at_least":
        text = f"≥{text}"
    return text


def _corrected(rec: dict[str, Any]) -> str:
    """' → 5' when a correction is applied to the value (the value column shows the print)."""
    applied = [c for c in rec.get("corrections", ()) if c["status"] == "applied"]
    return f" → {_value({'value': applied[0]['value'], 'unit': rec.get('unit')})}" if applied else ""


def _printed(text: str | None) -> str:
    """A source line on one screen line: surrounding blanks dropped, a table row's cells (tabs) shown as |."""
    if text is None:
        return NULL_MARK
    return " | ".join(part.strip() for part in text.strip().split("\t")).replace("\n", " ")


def _clip(text: str, limit: int) -> str:
    if display_width(text) <= limit:
        return text
    out, used = [], 0
    for ch in text:
        used += display_width(ch)
        if used > limit - 1:
            break
        out.append(ch)
    return "".join(out) + "…"


def _pad(text: str, width: int) -> str:
    return text + " " * (width - display_width(text))


def _identity_lines(r: dict[str, Any]) -> list[str]:
    region = " / ".join(x for x in (r["province"], r["prefecture"], r["county"], r["township"]) if x)
    level = ", ".join(x for x in (r["admin_level"], r["department"]) if x)
    fmt = f"{r['format'] or NULL_MARK}" + (f" ({r['encoding']})" if r["encoding"] else "")
    out = [f"report    {r['report_id']}",
           f"title     {r['title'] or NULL_MARK}",
           f"body      {r['org'] or NULL_MARK}    year {r['year'] or NULL_MARK}    "
           f"template {r['template_version'] or NULL_MARK}",
           f"region    {region or NULL_MARK}" + (f"  ({level})" if level else ""),
           f"source    {r['source_path']}    format {fmt}"]
    if r["source_url"]:
        out.append(f"url       {r['source_url']}")
    return out


def _issue_text(issue: dict[str, Any], indent: str, with_field: bool) -> list[str]:
    where = f" ({issue['location']})" if issue["location"] else ""
    what = f" {issue['table']}/{issue['field']}" if with_field and issue["field"] else (
        f" {issue['table']}" if with_field and issue["table"] else "")
    out = [f"{indent}! {issue['code']}{what}{where}: {issue['detail']}"]
    if with_field and issue["source_line"] is not None:
        out.append(f"{indent}  {issue['location'] or ''}: {_printed(issue['source_line'])}")
    return out


def _correction_text(c: dict[str, Any], indent: str, with_key: bool) -> list[str]:
    what = f" {c['table_name']}/{c['key']}" if with_key else ""
    made = ", ".join(x for x in (c["author"], f"{c['created_at']:%Y-%m-%d}" if c["created_at"] else None) if x)
    out = [f"{indent}✎ correction {c['status']}{what} (corrections.csv line {c['line']}): {c['detail']}"]
    out.append(f"{indent}  why: {c['reason'] or NULL_MARK}; evidence: {c['evidence'] or NULL_MARK}"
               + (f"; by {made}" if made else ""))
    return out


def to_text(shown: Shown, width: int | None = None) -> str:
    """The report for a person: identity, then per table one line per value (key, value,
    location, the cell as printed, the source line), each issue under the value it concerns."""
    width = terminal_width() if width is None else width
    out = _identity_lines(shown.report)
    out += [f"note      {n}" for n in shown.notes]
    for table, heading, _ in TABLES:
        records = shown.tables[table]
        n_values = sum(1 for r in records if r.get("value") is not None)
        out += ["", f"{heading}: {n_values} values of {len(records)}" if records else f"{heading}: none"]
        if not records:
            continue
        printed_cell = "evidence" if table == "narrative_facts" else "raw"
        header = ["key", "value", "location", "cell" if printed_cell == "raw" else "clause", "source line"]
        cells = [[r["key"], _value(r) + _corrected(r), r["location"] or NULL_MARK,
                  NULL_MARK if r.get(printed_cell) is None else _printed(r[printed_cell])] for r in records]
        widths = [max(display_width(x) for x in col) for col in zip(header[:4], *cells)]
        widths[3] = min(widths[3], 24)
        used = sum(widths) + 2 * 4
        room = max(20, width - used)
        out.append("  ".join(_pad(h, w) for h, w in zip(header, [*widths, 0])).rstrip())
        previous = None
        for rec, row in zip(records, cells):
            same = rec["line"] is not None and rec["line"] == previous
            line = DITTO if same else _printed(rec["source_line"]) if rec["source_line"] is not None else (
                NULL_MARK if rec["line"] is None or not shown.lines_stored else "")
            row = [*row[:3], _clip(row[3], widths[3]), _clip(line, room)]
            out.append("  ".join(_pad(x, w) for x, w in zip(row, [*widths, 0])).rstrip())
            for c in rec["corrections"]:
                out += _correction_text(c, "    ", with_key=False)
            for issue in rec["issues"]:
                out += _issue_text(issue, "    ", with_field=False)
                if issue["line"] != rec["line"] and issue["source_line"] is not None:  # e.g. the prose it contradicts
                    out.append(_clip(f"      {issue['location']}: {_printed(issue['source_line'])}", width))
            previous = rec["line"]
    out += ["", f"Other issues: {len(shown.other_issues)}" if shown.other_issues else "Other issues: none"]
    for issue in shown.other_issues:
        out += _issue_text(issue, "    ", with_field=True)
    if shown.corrections:
        out += ["", f"Corrections beside no value (no such cell, or made for another document of this body and "
                    f"year): {len(shown.corrections)}"]
        for c in shown.corrections:
            out += _correction_text(c, "    ", with_key=True)
    return "\n".join(out)


def _jsonable(v: Any) -> Any:
    return int(v) if isinstance(v, float) and v.is_integer() else v


def to_json(shown: Shown) -> str:
    """The same as data: {"report", "tables": {table: [value, ...]}, "issues"}; each value keeps its
    columns, with `source_line` (the line as stored, tabs between cells) and `issues`."""
    def clean(rec: dict[str, Any]) -> dict[str, Any]:
        return {k: ([clean(i) for i in v] if k in ("issues", "corrections") else _jsonable(v)) for k, v in rec.items()}

    data = {"report": shown.report, "notes": shown.notes,
            "tables": {t: [clean(r) for r in rows] for t, rows in shown.tables.items()},
            "issues": [clean(i) for i in shown.other_issues],
            "corrections": [clean(c) for c in shown.corrections]}
    return json.dumps(data, ensure_ascii=False, indent=1, default=str)


def candidates_text(err: AmbiguousReport) -> str:
    """The reports that answered, one line each, for the reader to pick one by id."""
    lines = [f"  {c['report_id']}  {c['org'] or NULL_MARK}  {c['year'] or NULL_MARK}  {c['source_path']}"
             + ("" if c.get("is_current") in (None, True) else "  (superseded by a newer document)")
             for c in err.candidates]
    return "\n".join(lines)
