"""One raw report in, its tidy records and quality issues out: read, then parse."""
from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from . import schema
from .cells import rows_from_lines
from .statements import fee_records, section_fee_facts, section_statements, statement_records
from .checks import Finding, check_narrative, check_table3, check_table4, run_findings
from ..errors import NotAReportError
from .identity import Identity, find_identity
from .lines import DocLines
from .unglue import unglue
from .narrative import extract_case_facts, extract_facts
from ..regions import resolve_region
from .sections import Sections, find_sections
from .tables import MISSING, OK, Cell, Table2, Table3, Table4, read_table2, read_table3, read_table4
from .template import Template, load_template
from ..read import Document, Loc, read_document

if TYPE_CHECKING:  # pandas takes ~0.4 s to import: ParsedReport.frames loads it through schema
    import pandas as pd

# Reports are tens of kilobytes; a file this large is an archive, a dump or a scrape gone wrong,
# and reading it would hold a worker for minutes.
MAX_BYTES = 20 * 1024 * 1024
FIRST_TEMPLATE_YEAR = 2019  # 国办公开办函〔2019〕60号: reports for 2019 on use the tables we read
# A cell whose number no count or amount can be (shape.toml [plausible]): NULL, raw kept.
IMPLAUSIBLE = "value_implausible"


@dataclass
class ParsedReport:
    report_id: str
    source: dict[str, Any]
    report: dict[str, Any]
    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    _frames: dict[str, pd.DataFrame] | None = field(default=None, repr=False)

    @property
    def frames(self) -> dict[str, pd.DataFrame]:
        if self._frames is None:
            self._frames = {name: schema.frame_from_records(name, self.records.get(name, []))
                            for name in schema.TABLE_NAMES}
        return self._frames

    reports = property(lambda self: self.frames["reports"])
    active_disclosure = property(lambda self: self.frames["active_disclosure"])
    applications = property(lambda self: self.frames["applications"])
    reviews_litigation = property(lambda self: self.frames["reviews_litigation"])
    narrative_facts = property(lambda self: self.frames["narrative_facts"])
    issues = property(lambda self: self.frames["issues"])
    source_lines = property(lambda self: self.frames["source_lines"])

    def issue_codes(self) -> list[str]:
        return [i["code"] for i in self.records["issues"]]

    def to_json(self) -> dict[str, Any]:
        """The JSON shape of `ogi parse --json` (report-schema.md): its keys only, so the
        source_lines records (for `ogi show`, from the warehouse) are not part of it."""
        def strip(rows: list[dict], drop: tuple[str, ...] = ("report_id",)) -> list[dict]:
            # `readings` is shown only on the cells of a row left open (crawled text)
            return [{k: _jsonable(v) for k, v in r.items() if k not in drop and (k != "readings" or v)}
                    for r in rows]

        region = {k: self.report.get(k) for k in ("province", "prefecture", "county", "township")}
        region["code"] = next((self.report.get(k) for k in ("township_code", "county_code", "prefecture_code",
                                                            "province_code") if self.report.get(k)), None)
        return {
            "source": self.source,
            "report": {"title": self.report["title"], "org": self.report["org"], "year": self.report["year"],
                       "template_version": self.report["template_version"], "region": region},
            "active_disclosure": strip(self.records["active_disclosure"], ("report_id", "raw")),
            "applications": strip(self.records["applications"], ("report_id", "raw")),
            "reviews_litigation": strip(self.records["reviews_litigation"], ("report_id", "raw")),
            "narrative_facts": strip(self.records["narrative_facts"]),
            "issues": strip(self.records["issues"]),
        }


def _count(value: float | None) -> int | None:
    # Tables 3 and 4 count (fields.toml: int); a fraction was screened out as value_implausible.
    return None if value is None else int(value)


def _jsonable(v: Any) -> Any:
    if isinstance(v, float):
        if math.isnan(v):
            return None
        return int(v) if v.is_integer() else v
    return v


def too_large(n_bytes: int) -> str | None:
    """Why a file of `n_bytes` is not read at all, or None when its size is that of a report."""
    if n_bytes <= MAX_BYTES:
        return None
    return f"file too large ({n_bytes / 1048576:.1f} MB; reports are under {MAX_BYTES // 1048576} MB)"


def parse_report(raw: bytes, source: str) -> ParsedReport:
    """Read and parse one report. Raises pipeline.errors.ReportError subclasses for unusable input."""
    if (why := too_large(len(raw))) is not None:
        raise NotAReportError(why)
    return parse_document(read_document(raw), hashlib.sha256(raw).hexdigest(), source)


def parse_document(doc: Document, sha: str, source: str) -> ParsedReport:
    """Document -> tidy records and issues. `sha` is the sha256 of the bytes the document was read from."""
    report_id = sha[:16]
    template = load_template()
    lines = unglue(DocLines.of(doc), template)
    sections = find_sections(lines.text, template)
    identity = find_identity(lines.text, sections.first_boundary(), doc.meta.get("crawled_title"))
    findings: list[Finding] = []

    spans = sections.table_spans
    t2 = t3 = None
    t4 = None
    if "active_disclosure" in spans:
        t2 = read_table2(rows_from_lines(lines, *spans["active_disclosure"]), template, identity.year)
    if "applications" in spans:
        t3 = read_table3(rows_from_lines(lines, *spans["applications"]), template)
    if "reviews_litigation" in spans:
        t4 = read_table4(rows_from_lines(lines, *spans["reviews_litigation"]), template)
    _screen_values(t2, t3, t4, template)

    found_any = bool((t2 and t2.found) or (t3 and t3.found) or t4)
    if not found_any:
        _reject_without_tables(identity, sections)
    if sections.repeats:
        findings.append(Finding("multiple_reports", "reports", None,
                                f"section headings repeat from line {sections.repeats + 1}: the file holds more "
                                "than one report; only the first is read", sections.repeats + 1))

    s1 = sections.span("s1")
    if s1 is None:
        s1 = (identity.title_line or 0, sections.first_boundary())
    facts = extract_facts(lines.text[s1[0]:s1[1]], s1[0] + 1)
    if (s4 := sections.span("s4")) is not None:  # section 四's own prose counts its cases too
        facts += extract_case_facts(lines.text[s4[0] + 1:s4[1]], s4[0] + 2)

    records: dict[str, list[dict[str, Any]]] = {name: [] for name in schema.TABLE_NAMES}
    where = _where_memo(lines)
    _table2_records(report_id, t2, spans, template, records, findings, where)
    _table3_records(report_id, t3, spans, template, records, findings, where,
                    t2_inside=_table2_in_section3(lines.text, spans))
    _table4_records(report_id, t4, spans, template, records, findings, where)
    if t3 is not None and t3.found:
        findings += check_table3(t3, template)
    if t4 is not None:
        findings += check_table4(t4.cells, template)
    for table, t in (("active_disclosure", t2), ("applications", t3), ("reviews_litigation", t4)):
        findings += run_findings(table, t.runs if t is not None else [])
    findings += check_narrative(facts, t3 if t3 and t3.found else None, template)
    if identity.year is None:
        findings.append(Finding("year_unresolved", "reports", "year",
                                "no year in the title and no 统计期限 sentence", identity.title_line))

    region = resolve_region(identity.title, identity.org, "\n".join(lines.text))
    if region.issue:
        findings.append(Finding(region.issue, "reports", "region", region.detail or "", identity.title_line))

    t2_version = t2.version if t2 and t2.found else None
    t3_version = t3.version if t3 and t3.found else None
    versions = {v for v in (t2_version, t3_version) if v}
    template_version = versions.pop() if len(versions) == 1 else ("mixed" if versions else None)

    records["narrative_facts"] = [
        {"report_id": report_id, "fact": f.fact, "value": f.value, "qualifier": f.qualifier,
         "category": f.category, "evidence": f.evidence, **where(f.line)} for f in facts
    ]
    # Sections 五 and 六 as data: the problems and measures a body names, and the fees it says it charged.
    records["narrative_facts"] += fee_records(report_id, section_fee_facts(lines, sections.span("s6")), where)
    records["problem_statements"] = statement_records(report_id, section_statements(lines, sections.span("s5")),
                                                      where)
    records["issues"] = [
        {"report_id": report_id, "code": f.code, "table": f.table, "field": f.field, "detail": f.detail,
         **where(f.line)} for f in findings
    ]
    report = {
        "report_id": report_id, "sha256": sha, "source_path": source, "format": doc.kind,
        "source_url": doc.meta.get("crawled_url"), "encoding": doc.encoding,
        "title": identity.title, "org": identity.org, "year": identity.year, "year_source": identity.year_source,
        "template_version": template_version, "table2_version": t2_version, "table3_version": t3_version,
        "n_lines": len(lines.text),
        "problems_text": _section_text(lines.text, sections, "s5"),
        "other_matters_text": _section_text(lines.text, sections, "s6"),
        **region.columns(),
    }
    records["reports"] = [report]
    records["source_lines"] = _source_lines(report_id, lines, records, where)
    return ParsedReport(report_id=report_id,
                        source={"path": source, "sha256": sha, "format": doc.kind, "encoding": doc.encoding},
                        report=report, records=records)


# The records that point at a line of the document: their lines are kept as printed.
_POINTING = ("active_disclosure", "applications", "reviews_litigation", "narrative_facts", "issues")


def _source_lines(report_id: str, lines: DocLines, records: dict[str, list[dict[str, Any]]],
                  where: Where) -> list[dict[str, Any]]:
    """The lines any record or issue points at, each once, as the parser read them: what a reader
    needs to check a value against its source without the file (a few dozen lines of a
    document's hundreds, so the lake stays small)."""
    n = len(lines.text)
    wanted = sorted({line for table in _POINTING for r in records[table]
                     if (line := r["line"]) is not None and 0 < line <= n})
    return [{"report_id": report_id, **where(line), "text": lines.text[line - 1]} for line in wanted]


def _reject_without_tables(identity: Identity, sections: Sections) -> None:
    """A text with none of the three tables is a report only if it says so and is recent enough."""
    if identity.year is not None and identity.year < FIRST_TEMPLATE_YEAR:
        raise NotAReportError(f"a {identity.year} report in the pre-2019 format: none of the template's tables")
    if identity.title is None or len(sections.headings) < 3:
        raise NotAReportError("not an annual report: no title, no section headings and none of the "
                              "template's tables")
    # Otherwise a report whose tables are missing (images in the original, say): keep its prose.


def _plausible(table: str, column: str, cell: Cell, template: Template) -> Cell:
    """The cell, or, when its number cannot be what the column holds (more than 10^12, or negative
    where the template has no negatives: shape.toml [plausible]), the cell as printed with no value
    and status value_implausible, so that no record, check or SQL model ever uses the number."""
    why = template.shape.implausible(table, column, cell.value)
    if why is None:
        return cell
    printed = cell.raw or f"{cell.value:g}"
    return cell._replace(value=None, status=IMPLAUSIBLE,
                         detail=f"the cell prints {printed!r}: {why}; kept as printed (raw), NULL as a number")


def _screen_values(t2: Table2 | None, t3: Table3 | None, t4: Table4 | None, template: Template) -> None:
    """Every cell of the three tables through `_plausible`, before the records and the checks read
    them: the cells a record is made of are the screened ones, whichever table they are in."""
    top = template.shape.max_value

    whole = template.shape.whole_number_tables

    def screen(table: str, columns: tuple[str, ...], cells: list[Cell]) -> list[Cell]:
        # A value in [0, max_value] (whole, where the table counts) is plausible in any column:
        # only the others need a closer look.
        counts = table in whole
        return [c if c.value is None or (0 <= c.value <= top and not (counts and c.value % 1))
                else _plausible(table, columns[i] if i < len(columns) else "", c, template)
                for i, c in enumerate(cells)]

    if t2 is not None:
        for label, arow in t2.rows.values():
            arow.cells = screen("active_disclosure", label.cells, arow.cells)
    if t3 is not None:
        for arow in t3.rows.values():
            arow.cells = screen("applications", t3.columns, arow.cells)
    if t4 is not None:
        t4.cells = screen("reviews_litigation", tuple(result for _, result in template.table4_cells), t4.cells)


def _where(lines: DocLines, line: int | None, loc: Loc | None = None) -> dict[str, Any]:
    """The location columns of a record: document line, PDF page, and the source location."""
    loc = loc or lines.loc(line)
    return {"line": line, "page": loc.page if loc else None, "location": str(loc) if loc else None}


# The records of the three tables end in their location columns: line, raw, page, location
# (`where(line, loc)`, loc the cell's own location where it has one).
Where = Callable[..., dict[str, Any]]


def _where_memo(lines: DocLines) -> Where:
    """`_where` for one document, each (line, loc) computed once. Callers merge the returned
    dict into their record and never change it."""
    memo: dict[tuple[int | None, Loc | None], dict[str, Any]] = {}
    by_line: dict[int | None, dict[str, Any]] = {}
    locs = lines.locs
    n = len(locs)

    def where(line: int | None, loc: Loc | None = None) -> dict[str, Any]:
        # A cell of a text line stands where its line does (the very Loc object): keyed by the
        # line alone, as is a record without a location of its own; hashing the Loc costs more
        # than everything else here. Grid cells have locations of their own.
        if loc is None or (line is not None and 0 < line <= n and locs[line - 1] is loc):
            got = by_line.get(line)
            if got is None:
                got = by_line[line] = _where(lines, line)
            return got
        got = memo.get((line, loc))
        if got is None:
            got = memo[line, loc] = _where(lines, line, loc)
        return got

    return where


def _cell_findings(table: str, field_name: str, cell: Cell) -> list[Finding]:
    if cell.status == OK:
        return []
    detail = cell.detail or (f"the cell holds {cell.raw!r}, not a number" if cell.raw else "the cell is empty")
    return [Finding(cell.status, table, field_name, detail, cell.line)]


def _missing_table(table: str, detail: str, line: int | None) -> Finding:
    return Finding("table_missing", table, None, detail, line)


def _table2_records(report_id: str, t2: Table2 | None, spans: dict, template: Template, records: dict,
                    findings: list, where: Where) -> None:
    table = "active_disclosure"
    if t2 is None:
        findings.append(_missing_table(table, "no section 二 and no 第二十条 rows", None))
        return
    if not t2.found:
        findings.append(_missing_table(table, "section 二 holds none of the template's row labels",
                                       spans[table][0] + 1))
        return
    for label in template.table2_rows:
        if label.version != t2.version:
            continue
        if label.key not in t2.rows:
            detail = f"row {label.key} not found in table 2"
            for measure in label.cells:
                records[table].append({"report_id": report_id, "item": label.key, "measure": measure, "value": None,
                                       "unit": None, "line": None, "raw": None, **where(None)})
                findings.append(Finding(MISSING, table, f"{label.key}/{measure}", detail, None))
            continue
        _, arow = t2.rows[label.key]
        # A row left open keeps its readings, so a neighbouring year's report can choose among them.
        readings = ";".join("|".join(cut) for cut in arow.readings) if len(arow.readings) > 1 else None
        for measure, cell in zip(label.cells, arow.cells):
            unit = _unit(label.unit, cell)
            records[table].append({"report_id": report_id, "item": label.key, "measure": measure, "unit": unit,
                                   "readings": readings if cell.value is None else None, "value": cell.value,
                                   "line": cell.line, "raw": cell.raw, **where(cell.line, cell.loc)})
            if cell.status != OK:
                findings += _cell_findings(table, f"{label.key}/{measure}", cell)


def _unit(template_unit: str, cell: Cell) -> str | None:
    if template_unit == "printed":
        return cell.unit if cell.unit in ("元", "万元") else None
    return template_unit or None


def _table2_in_section3(lines: list[str], spans: dict) -> bool:
    if "applications" not in spans:
        return False
    start, end = spans["applications"]
    return any("第二十条" in line for line in lines[start:end])


def _table3_records(report_id: str, t3: Table3 | None, spans: dict, template: Template, records: dict,
                    findings: list, where: Where, t2_inside: bool) -> None:
    table = "applications"
    if t3 is None:
        findings.append(_missing_table(table, "no section 三 and no table 3 markers", None))
        return
    if not t3.found:
        what = "repeats table 2" if t2_inside else "holds none of the template's row labels"
        findings.append(_missing_table(table, f"section 三 {what}", spans[table][0] + 1))
        return
    add = records[table].append  # ~140 records a report
    for outcome in template.table3_expected(t3.version or "2021"):
        arow = t3.rows.get(outcome)
        if arow is None or not arow.has_values:
            line = arow.line if arow else None
            detail = (arow.cells[0].detail if arow else None) or f"row {outcome} not found in table 3"
            for applicant in t3.columns:
                add({"report_id": report_id, "outcome": outcome, "applicant": applicant,
                     "value": None, "line": line, "raw": None, **where(line)})
            findings.append(Finding(MISSING, table, outcome, detail, line))
            continue
        for applicant, cell in zip(t3.columns, arow.cells):
            add({"report_id": report_id, "outcome": outcome, "applicant": applicant,
                 "value": _count(cell.value), "line": cell.line, "raw": cell.raw, **where(cell.line, cell.loc)})
            if cell.status != OK:
                findings += _cell_findings(table, f"{outcome}/{applicant}", cell)


def _table4_records(report_id: str, t4: Table4 | None, spans: dict, template, records: dict,
                    findings: list, where: Where) -> None:
    table = "reviews_litigation"
    if t4 is None:
        line = spans[table][0] + 1 if table in spans else None
        findings.append(_missing_table(table, "no numbers in section 四" if line else "no section 四", line))
        return
    for (proceeding, result), cell in zip(template.table4_cells, t4.cells):
        records[table].append({"report_id": report_id, "proceeding": proceeding, "result": result,
                               "value": _count(cell.value), "line": cell.line, "raw": cell.raw,
                               **where(cell.line, cell.loc)})
        if cell.status != OK:
            findings += _cell_findings(table, f"{proceeding}/{result}", cell)


def _section_text(lines: list[str], sections: Sections, key: str) -> str | None:
    span = sections.span(key)
    if span is None:
        return None
    text = "\n".join(line.strip() for line in lines[span[0] + 1:span[1]] if line.strip())
    return text or None
