"""The template's own arithmetic, checked on one report. Findings become `issues` rows."""
from __future__ import annotations

from dataclasses import dataclass

from .narrative import Fact
from .tables import Cell, Table3
from .template import ORG_COLUMNS

_SIX = ("natural_person", *ORG_COLUMNS)


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


def check_table3(t3: Table3) -> list[Finding]:
    out: list[Finding] = []
    col = {name: i for i, name in enumerate(t3.columns)}

    def cell(outcome: str, applicant: str) -> Cell | None:
        row = t3.rows.get(outcome)
        return row.cells[col[applicant]] if row and applicant in col else None

    for applicant in t3.columns:
        parts = [_v(cell(k, applicant)) for k in ("new_received", "carried_over", "total_processed", "carried_forward")]
        if any(p is None for p in parts):
            continue
        left, right = parts[0] + parts[1], parts[2] + parts[3]
        if left != right:
            line = t3.rows["total_processed"].line
            out.append(Finding("balance_mismatch", "applications", applicant,
                               f"new {_fmt(parts[0])} + carried over {_fmt(parts[1])} = {_fmt(left)}, but processed "
                               f"{_fmt(parts[2])} + carried forward {_fmt(parts[3])} = {_fmt(right)}", line))
    for outcome, row in t3.rows.items():
        values = [_v(cell(outcome, a)) for a in _SIX]
        total = _v(cell(outcome, "total"))
        if total is None or any(v is None for v in values):
            continue
        s = sum(values)  # type: ignore[arg-type]
        if s != total:
            out.append(Finding("row_total_mismatch", "applications", outcome,
                               f"the six applicant columns sum to {_fmt(s)}, the printed total is {_fmt(total)}", row.line))
    return out


def check_table4(cells: list[Cell], layout: tuple[tuple[str, str], ...]) -> list[Finding]:
    out: list[Finding] = []
    for start in range(0, len(cells), 5):
        proceeding = layout[start][0]
        parts = [c.value for c in cells[start:start + 4]]
        total = cells[start + 4].value
        if total is None or any(p is None for p in parts):
            continue
        s = sum(parts)  # type: ignore[arg-type]
        if s != total:
            out.append(Finding("review_total_mismatch", "reviews_litigation", f"{proceeding}/total",
                               f"upheld+corrected+other+pending = {_fmt(s)}, the printed total is {_fmt(total)}",
                               cells[start + 4].line))
    return out


def check_narrative(facts: list[Fact], t3: Table3 | None) -> list[Finding]:
    """Prose count of applications against table 3.

    Many reports count carried-over applications as received (corpus 007: 749 = 713 + 36), so
    both readings are accepted before calling it a contradiction.
    """
    if t3 is None:
        return []
    received = next((f for f in facts if f.fact == "applications_received" and f.qualifier == "exact"), None)
    if received is None:
        return []
    col = {name: i for i, name in enumerate(t3.columns)}
    new = t3.rows.get("new_received")
    carried = t3.rows.get("carried_over")
    new_total = new.cells[col["total"]].value if new else None
    if new_total is None:
        return []
    carried_total = carried.cells[col["total"]].value if carried else None
    accepted = {new_total} | ({new_total + carried_total} if carried_total is not None else set())
    if received.value in accepted:
        return []
    return [Finding("narrative_table_mismatch", "applications", "new_received/total",
                    f"the prose says {_fmt(received.value)} applications received (\u201c{received.evidence}\u201d), "
                    f"table 3 says {_fmt(new_total)} new", received.line)]
