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

    def table2_row(self, key: str, version: str) -> Label | None:
        for label in self.table2_rows:
            if label.key == key and label.version == version:
                return label
        return None

    def table3_version_rows(self, version: str) -> tuple[str, ...]:
        """Row keys that exist only in one version of table 3 (2021: （六） split in three)."""
        return tuple(label.key for label in self.table3_rows if label.version == version)

    def table3_expected(self, version: str) -> list[str]:
        seen: list[str] = []
        for label in self.table3_rows:
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
    parts = []
    for i, label in enumerate(labels):
        assert label.regex is not None
        parts.append(f"(?P<k{i}>{label.regex.pattern})")
    return re.compile("|".join(parts))


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
    return Template(
        headings=pick("section", "heading"),
        markers={t: pick(t, "marker") for t in ("active_disclosure", "applications", "reviews_litigation")},
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
