"""The template's own arithmetic, checked on one report. Findings become `issues` rows."""
from __future__ import annotations

from dataclasses import dataclass

from .narrative import Fact
from .tables import Cell, RunNote, Table3
from .template import Template


@dataclass(frozen=True)
class Finding:
    code: str
    table: str
    field: str | None
    detail: str
    line: int | None


def _v(cell: Cell | None) -> float | None:
    return None if cell is None else cell.value


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _terms(keys: tuple[str, ...], values: list[float]) -> str:
    return " + ".join(f"{k.replace('_', ' ')} {_fmt(v)}" for k, v in zip(keys, values))


def check_table3(t3: Table3, template: Template) -> list[Finding]:
    shape = template.shape
    out: list[Finding] = []
    col = {name: i for i, name in enumerate(t3.columns)}

    def cell(outcome: str, applicant: str) -> Cell | None:
        row = t3.rows.get(outcome)
        return row.cells[col[applicant]] if row and applicant in col else None

    left_keys, right_keys = shape.balance
    for applicant in t3.columns:
        left_parts = [_v(cell(k, applicant)) for k in left_keys]
        right_parts = [_v(cell(k, applicant)) for k in right_keys]
        if any(p is None for p in (*left_parts, *right_parts)):
            continue
        left, right = sum(left_parts), sum(right_parts)  # type: ignore[arg-type]
        if left != right:
            line = t3.rows[right_keys[0]].line
            out.append(Finding("balance_mismatch", "applications", applicant,
                               f"{_terms(left_keys, left_parts)} = {_fmt(left)}, but "  # type: ignore[arg-type]
                               f"{_terms(right_keys, right_parts)} = {_fmt(right)}", line))  # type: ignore[arg-type]
    parts = [col.get(a) for a in shape.applicant_parts]
    total_at = col.get(shape.applicant_total)
    for outcome, row in t3.rows.items():
        if total_at is None or None in parts:
            break  # a column the table does not have: no row total can be checked
        cells = row.cells
        values = [cells[j].value for j in parts]  # type: ignore[index]
        total = cells[total_at].value
        if total is None or None in values:
            continue
        s = sum(values)  # type: ignore[arg-type]
        if s != total:
            out.append(Finding("row_total_mismatch", "applications", outcome,
                               f"the {len(values)} applicant columns sum to {_fmt(s)}, the printed total is "
                               f"{_fmt(total)}", row.line))
    return out


def check_table4(cells: list[Cell], template: Template) -> list[Finding]:
    """Each proceeding's results add up to its total (the group's cell whose result is the total)."""
    out: list[Finding] = []
    groups: dict[str, list[tuple[str, Cell]]] = {}
    for (proceeding, result), cell in zip(template.table4_cells, cells):
        groups.setdefault(proceeding, []).append((result, cell))
    for proceeding, members in groups.items():
        total = next((c for r, c in members if r == template.shape.table4_total), None)
        parts = [(r, c.value) for r, c in members if r != template.shape.table4_total]
        if total is None or total.value is None or any(v is None for _, v in parts):
            continue
        s = sum(v for _, v in parts)  # type: ignore[misc]
        if s != total.value:
            out.append(Finding("review_total_mismatch", "reviews_litigation", f"{proceeding}/total",
                               f"{'+'.join(r for r, _ in parts)} = {_fmt(s)}, the printed total is "
                               f"{_fmt(total.value)}", total.line))
    return out


def check_narrative(facts: list[Fact], t3: Table3 | None, template: Template) -> list[Finding]:
    """Prose count of applications against table 3.

    Many reports count carried-over applications as received (corpus 007: 749 = 713 + 36), so
    both readings are accepted before calling it a contradiction.
    """
    if t3 is None:
        return []
    received = next((f for f in facts if f.fact == "applications_received" and f.qualifier == "exact"), None)
    if received is None:
        return []
    shape = template.shape
    col = {name: i for i, name in enumerate(t3.columns)}
    new = t3.rows.get(shape.received)
    carried = t3.rows.get(shape.carried_over)
    new_total = new.cells[col[shape.applicant_total]].value if new else None
    if new_total is None:
        return []
    carried_total = carried.cells[col[shape.applicant_total]].value if carried else None
    accepted = {new_total} | ({new_total + carried_total} if carried_total is not None else set())
    if received.value in accepted:
        return []
    return [Finding("narrative_table_mismatch", "applications", f"{shape.received}/{shape.applicant_total}",
                    f"the prose says {_fmt(received.value)} applications received (\u201c{received.evidence}\u201d), "
                    f"table 3 says {_fmt(new_total)} new", received.line)]


def run_findings(table: str, notes: list[RunNote]) -> list[Finding]:
    """Rows whose cells were split out of run-together digits: where a reading was taken, say so
    (the cells left open carry their own cell_ambiguous / cell_missing)."""
    return [Finding("cells_from_run", table, note.key,
                    f"the digits {note.text!r} read as {'|'.join(note.cells)}: the only split the "
                    "template's sums allow", note.line)
            for note in notes if note.cells is not None]
