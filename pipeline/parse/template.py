"""The template knowledge, loaded once from labels/template.csv and labels/shape.toml.

template.csv holds the labels: a new synonym is one more line (same table/kind/key, another
pattern); no code changes. Patterns match the *compact* form of a cell: whitespace removed,
brackets and digits already half-width (see pipeline.read.text). shape.toml holds what labels do
not say: column order, which columns add up, the balance rule, table 4's groups, the section of
each table, the version a year defaults to.
"""
from __future__ import annotations

import csv
import hashlib
import math
import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

LABELS_CSV = Path(__file__).with_name("labels") / "template.csv"
SHAPE_TOML = Path(__file__).with_name("labels") / "shape.toml"


@dataclass(frozen=True)
class Label:
    table: str
    kind: str
    key: str
    version: str
    cells: tuple[str, ...]
    unit: str
    regex: re.Pattern[str] | None
    pattern: str = ""  # as written in the CSV, for searching inside a longer text


@dataclass(frozen=True)
class Template:
    headings: tuple[Label, ...]
    markers: dict[str, tuple[Label, ...]]
    table2_versions: tuple[Label, ...]
    table2_rows: tuple[Label, ...]
    table3_columns: tuple[Label, ...]
    table3_rows: tuple[Label, ...]
    table4_cells: tuple[tuple[str, str], ...]
    shape: "Shape"
    # One alternation per table so a cell is tested against all row labels in one regex call.
    table2_any: re.Pattern[str]
    table2_keys: tuple[str, ...]  # group k{i} of table2_any -> item key
    table3_any: re.Pattern[str]
    table3_keys: tuple[str, ...]
    # The section headings as one alternation, tried in the CSV's order (group k{i} -> headings[i]),
    # and each table's markers as one alternation: one regex call per line for each.
    headings_any: re.Pattern[str]
    markers_any: dict[str, re.Pattern[str]]
    any_marker: re.Pattern[str]  # any table's marker: most lines hold none
    # Asked for every report, so made once: (key, version) -> the first table-2 row label of
    # that key and version; version -> table3_expected(version).
    table2_index: dict[tuple[str, str], Label]
    table3_expected_rows: dict[str, tuple[str, ...]]

    def table2_row(self, key: str, version: str) -> Label | None:
        return self.table2_index.get((key, version))

    def table3_version_rows(self, version: str) -> tuple[str, ...]:
        """Row keys that exist only in one version of table 3 (2021: （六） split in three)."""
        return tuple(label.key for label in self.table3_rows if label.version == version)

    def table3_expected(self, version: str) -> list[str]:
        known = self.table3_expected_rows.get(version)
        return list(known) if known is not None else _expected_rows(self.table3_rows, version)


def _expected_rows(table3_rows: tuple[Label, ...], version: str) -> list[str]:
    seen: list[str] = []
    for label in table3_rows:
        if label.version in ("both", version) and label.key not in seen:
            seen.append(label.key)
    return seen


@dataclass(frozen=True)
class Shape:
    sections: dict[str, str]  # table -> section key
    default_version: tuple[tuple[int, str], ...]  # (from_year, version), newest first
    applicants: tuple[str, ...]  # table 3 columns in printed order, without org_subtotal
    applicant_parts: tuple[str, ...]  # the columns that add up to `applicant_total`
    org_columns: tuple[str, ...]  # the columns that add up to `org_subtotal`
    org_subtotal: str
    applicant_total: str
    balance: tuple[tuple[str, ...], tuple[str, ...]]  # left rows, right rows
    received: str
    carried_over: str
    processed: str  # the row that sums the outcome rows
    not_outcomes: frozenset[str]
    table4_total: str
    max_value: float  # a printed number above this is no count or amount a report can hold
    negative_columns: dict[str, frozenset[str]]  # table -> the columns that may print a negative number
    whole_number_tables: frozenset[str]  # tables that only count: a fraction there is no count

    def version_for_year(self, year: int | None) -> str:
        for from_year, version in self.default_version:
            if year is None or year >= from_year:
                return version
        return self.default_version[-1][1]

    def implausible(self, table: str, column: str, value: float | None) -> str | None:
        """Why `value` cannot be what a cell of `table`'s `column` holds, or None when it can."""
        if value is None:
            return None
        if not value <= self.max_value:  # NaN too
            return f"more than {_readable_number(self.max_value)}, beyond any count or amount a report holds"
        if value < 0 and column not in self.negative_columns.get(table, frozenset()):
            return "a negative number, in a column that counts things or sums money and cannot fall below zero"
        if table in self.whole_number_tables and not float(value).is_integer():
            return "a fraction, in a table that counts applications or cases"
        return None


def _readable_number(x: float) -> str:
    exponent = math.log10(x) if x > 0 else 0.5
    return f"10^{int(exponent)}" if exponent.is_integer() else f"{x:,.0f}"


def _load_shape(path: Path) -> Shape:
    with open(path, "rb") as fh:
        d = tomllib.load(fh)
    a = d["applications"]
    return Shape(
        sections=dict(d["sections"]),
        default_version=tuple((v["from_year"], v["version"]) for v in d["default_version"]),
        applicants=tuple(a["columns"]), applicant_parts=tuple(a["parts"]), org_columns=tuple(a["org_columns"]),
        org_subtotal=a["subtotal"], applicant_total=a["total"],
        balance=(tuple(a["balance_left"]), tuple(a["balance_right"])),
        received=a["received"], carried_over=a["carried_over"],
        processed=a["processed"], not_outcomes=frozenset(a["not_outcomes"]),
        table4_total=d["reviews_litigation"]["total"],
        max_value=float(d["plausible"]["max_value"]),
        negative_columns={table: frozenset(cols) for table, cols in d["plausible"]["negative_columns"].items()},
        whole_number_tables=frozenset(d["plausible"]["whole_number_tables"]),
    )


def _compile(match: str, pattern: str) -> re.Pattern[str] | None:
    if not pattern:
        return None
    if match == "full":
        # A leading enumeration (1. / 2、) may precede a full-cell label.
        return re.compile(rf"^(?:\d{{1,2}}[.、])?(?:{pattern})$")
    if match == "heading":
        # Section headings: optional numbering, optional markdown hashes, then the title.
        return re.compile(rf"^#*(?:[一二三四五六七八九十]+[、.]|\([一二三四五六七八九十]+\)|\d+[、.])?(?:{pattern})")
    return re.compile(pattern)


def _named_alternation(labels: tuple[Label, ...]) -> re.Pattern[str]:
    """Group k{i} is labels[i]; the first label that matches wins, as in a loop over them.
    A label without a pattern gets a group that never matches, so the indices stay aligned."""
    parts = []
    for i, label in enumerate(labels):
        parts.append(f"(?P<k{i}>{label.regex.pattern if label.regex else '(?!)'})")
    return re.compile("|".join(parts))


def _first_by_key_version(labels: tuple[Label, ...]) -> dict[tuple[str, str], Label]:
    index: dict[tuple[str, str], Label] = {}
    for label in labels:
        index.setdefault((label.key, label.version), label)
    return index


def _any_of(labels: tuple[Label, ...]) -> re.Pattern[str]:
    """Matches (searched) wherever one of the labels' patterns would."""
    return re.compile("|".join(f"(?:{label.regex.pattern})" for label in labels if label.regex) or "(?!)")


@lru_cache(maxsize=1)
def load_template(path: Path | None = None, shape_path: Path | None = None) -> Template:
    path = path or LABELS_CSV
    labels: list[Label] = []
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        for row in reader:
            if None in row:
                # An unquoted comma in a pattern shifts the columns; fail loudly rather than mis-match.
                raise ValueError(f"{path}: line {reader.line_num} has more fields than the header")
            labels.append(Label(
                table=row["table"], kind=row["kind"], key=row["key"], version=row["version"],
                cells=tuple(c for c in row["cells"].split(";") if c), unit=row["unit"],
                regex=_compile(row["match"], row["pattern"]), pattern=row["pattern"],
            ))

    def pick(table: str, kind: str) -> tuple[Label, ...]:
        return tuple(label for label in labels if label.table == table and label.kind == kind)

    table2_rows = pick("active_disclosure", "row")
    table3_rows = pick("applications", "row")
    # Both versions share the item labels; one alternative per distinct (key, pattern).
    table2_unique = tuple({(label.key, label.regex.pattern if label.regex else ""): label
                           for label in table2_rows}.values())
    headings = pick("section", "heading")
    markers = {t: pick(t, "marker") for t in ("active_disclosure", "applications", "reviews_litigation")}
    return Template(
        headings=headings,
        markers=markers,
        table2_versions=pick("active_disclosure", "version"),
        table2_rows=table2_rows,
        table3_columns=pick("applications", "column"),
        table3_rows=table3_rows,
        table4_cells=tuple(tuple(label.key.split(".")) for label in pick("reviews_litigation", "cell")),  # type: ignore[misc]
        shape=_load_shape(shape_path or SHAPE_TOML),
        table2_any=_named_alternation(table2_unique),
        table2_keys=tuple(label.key for label in table2_unique),
        table3_any=_named_alternation(table3_rows),
        table3_keys=tuple(label.key for label in table3_rows),
        headings_any=_named_alternation(headings),
        markers_any={table: _any_of(labels) for table, labels in markers.items()},
        any_marker=_any_of(tuple(label for labels in markers.values() for label in labels)),
        table2_index=_first_by_key_version(table2_rows),
        table3_expected_rows={v: tuple(_expected_rows(table3_rows, v))
                              for v in {label.version for label in table3_rows} | {"2019", "2021"}},
    )


# Applicant column order, for callers that label table-3 values (tests, exports).
APPLICANTS: tuple[str, ...] = load_template().shape.applicants


@lru_cache(maxsize=1)
def template_hash() -> str:
    """The label table and shape file as parsed: a change to either is a parser change."""
    h = hashlib.sha256()
    for path in (LABELS_CSV, SHAPE_TOML):
        h.update(path.read_bytes())
    return h.hexdigest()[:12]
