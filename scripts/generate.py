"""Synthetic annual reports in the real layouts, each with a truth file: for the benchmark and the scorer.

    .venv/bin/python scripts/generate.py OUT_DIR -n N --seed S [--formats text,html,docx,pdf]
                                         [--layouts pipe,tab,...] [--defect-rate 0.2 | kind=rate,...]
                                         [--start I] [--workers W]

writes OUT_DIR/raw/NNNNNNN.{txt,html,docx,pdf} (the reports: `ogi run --root R` reads R/data/raw, so
generate into R/data) and OUT_DIR/truth/NNNNNNN.json (what each report prints, the defect injected
and the issue code the parser should give). Report i depends only on (seed, i): the same arguments
give the same bytes, however the work is split over processes, and `--start` adds new reports to
a folder without changing the old ones.

What a report is made of:
- The body: a place of data/reference/gazetteer.csv.gz (a township, a county, a prefecture, or a
  department of a county or prefecture), named in the title as real titles do (靖安县宝峰镇,
  淮安市洪泽区人民政府, 沭阳县发展和改革局), the year 2019-2025 and the template version the
  year defaults to (shape.toml `default_version`); a few reports from 2021 on keep the 2019 table 3
  (corpus 003/004: `mixed`).
- The figures: drawn per applicant column and split over the outcome rows, so that the template's
  arithmetic holds (shape.toml: every row's total is the sum of the six applicant columns, (七)总计
  the sum of the outcome rows, the balance rule per column; table 4's group totals). Keys, cells,
  columns and the sums come from pipeline.parse.template; the printed labels and the grids (merged
  header cells included) from tests/renderings.py, the one place the printed template lives.
- The layout: the seeds' four text layouts (`pipe`: seed 002 / corpus 005 markdown; `tab`: seed
  001; `stacked`, one cell per line: seeds 000/003/004; `space`: corpus 002, a PDF text extract),
  the two crawled layouts of scripts/crawled.py (`glued`, `nodes`), and the formats of
  tests/renderings.py (a saved web page, a Word file, a PDF).
- The defects (DEFECTS below), at most one per report, drawn at the rates asked.

Text reports are written from layout skeletons built once (a format string per layout, template
version and style, with a slot per figure), so a report is a few str.format calls: about 0.2 ms
per report for those four layouts, 0.6-0.9 ms for the crawled ones (85 s of CPU for 100,000 text
reports of all layouts, measured on a loaded machine; creating 200,000 small files is a good share of
it). The crawled layouts and the other formats go through
the report model of tests/renderings.py and are slower (a PDF is ~0.3 s).
"""
from __future__ import annotations

import argparse
import csv
import gzip
import json
import os
import random
import re
import sys
import time
from bisect import bisect_right
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate, chain
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
for _p in (REPO, REPO / "tests", REPO / "scripts"):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

import renderings  # noqa: E402  (tests/renderings.py: the printed template; imports no heavy package)
from pipeline.parse.template import load_template  # noqa: E402

GAZETTEER = REPO / "data" / "reference" / "gazetteer.csv.gz"
YEARS = range(2019, 2026)
TEMPLATE = load_template()
SHAPE = TEMPLATE.shape
APPLICANTS: tuple[str, ...] = SHAPE.applicants
PARTS: tuple[str, ...] = SHAPE.applicant_parts
T4_CELLS: tuple[tuple[str, str], ...] = TEMPLATE.table4_cells

TEXT_LAYOUTS = ("pipe", "tab", "stacked", "space")  # written from skeletons (fast)
CRAWLED_LAYOUTS = ("glued", "nodes")  # scripts/crawled.py
FORMAT_LAYOUTS = {"text": TEXT_LAYOUTS + CRAWLED_LAYOUTS, "html": ("html",), "docx": ("docx",), "pdf": ("pdf",)}
EXTENSION = {"html": "html", "docx": "docx", "pdf": "pdf"}  # every other layout is .txt

# --------------------------------------------------------------------------------------------
# Defects: what is injected, where it applies, and the issue code the parser should give.
# --------------------------------------------------------------------------------------------
# `a|b`: either code is right. A blank cell of a grid (tab, pipe, one cell per line, web page, Word,
# PDF) stays in the text as an empty cell: cell_blank; but next to the empty cells a merged label
# leaves (seed 001: `一、本年新收…<tab><tab>0`) or at the end of a line it cannot be told from them,
# and the row is left open: cell_missing. Where it leaves no trace (a PDF text extract drops it, a
# crawler drops the empty text node) the row has fewer numbers than cells: cell_missing, or
# cell_ambiguous where the template's sums leave several readings.
_BLANK, _NO_TRACE = "cell_blank|cell_missing", "cell_missing|cell_ambiguous"
MISSING_CELL_ISSUE = {"pipe": _BLANK, "tab": _BLANK, "stacked": _BLANK, "html": _BLANK, "docx": _BLANK,
                      "pdf": _BLANK, "space": _NO_TRACE, "glued": _NO_TRACE, "nodes": _NO_TRACE}
DEFECTS: dict[str, dict[str, Any]] = {
    # one table-3 cell printed empty
    "missing_cell": {"table": "applications", "issue": MISSING_CELL_ISSUE},
    # section 三 prints table 2 again instead of table 3 (seed 002)
    "replaced_table": {"table": "applications", "issue": "table_missing"},
    # section 三 prints a sentence and no table 3 (the table was an image, or there was nothing to report)
    "absent_table": {"table": "applications", "issue": "table_missing"},
    # carried_forward off by a few in one applicant column and the total (row total still holds)
    "broken_balance": {"table": "applications", "issue": "balance_mismatch"},
    # the file in GBK (GB18030) instead of UTF-8; nothing to report, the encoding is read
    "gbk": {"table": None, "issue": None, "layouts": TEXT_LAYOUTS + CRAWLED_LAYOUTS + ("html",)},
    # section 一 states a number of applications received that table 3 does not give (corpus 004)
    "prose_contradiction": {"table": "applications", "issue": "narrative_table_mismatch"},
    # a saved page's navigation before the title and its login box, links and footer after 六
    # (seed 002); the crawled and web-page layouts carry page furniture already
    "web_junk": {"table": None, "issue": None, "layouts": TEXT_LAYOUTS},
}
DEFAULT_DEFECT_RATE = 0.2  # spread evenly over the kinds


def expected_issue(kind: str, layout: str) -> str | None:
    """The issue code (or codes, `a|b`) the parser should report for `kind` in `layout`."""
    issue = DEFECTS[kind]["issue"]
    return issue.get(layout) if isinstance(issue, dict) else issue


def defect_applies(kind: str, layout: str) -> bool:
    return layout in DEFECTS[kind].get("layouts", (layout,))


# --------------------------------------------------------------------------------------------
# The template: row keys, cells and sums from pipeline.parse.template
# --------------------------------------------------------------------------------------------

@lru_cache(maxsize=None)
def table2_rows(version: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(item, measures) in the order the template lists them."""
    return tuple((label.key, label.cells) for label in TEMPLATE.table2_rows if label.version == version)


@lru_cache(maxsize=None)
def table3_rows(version: str) -> tuple[str, ...]:
    return tuple(TEMPLATE.table3_expected(version))


@lru_cache(maxsize=None)
def table3_outcomes(version: str) -> tuple[str, ...]:
    """The rows (七)总计 adds up: every row but the four the balance rule is made of."""
    return tuple(k for k in table3_rows(version) if k not in SHAPE.not_outcomes)


@lru_cache(maxsize=1)
def table4_groups() -> dict[str, list[int]]:
    """proceeding -> indexes of its cells in table 4's row; the last is the group's total."""
    groups: dict[str, list[int]] = {}
    for i, (proceeding, _) in enumerate(T4_CELLS):
        groups.setdefault(proceeding, []).append(i)
    for proceeding, idx in groups.items():
        assert T4_CELLS[idx[-1]][1] == SHAPE.table4_total, proceeding
    return groups


UNITS = {label.key: label.unit for label in TEMPLATE.table2_rows if label.unit and label.unit != "printed"}
PRINTED_UNIT = {label.key for label in TEMPLATE.table2_rows if label.unit == "printed"}

# --------------------------------------------------------------------------------------------
# Bodies from the gazetteer
# --------------------------------------------------------------------------------------------

DEPARTMENTS = ("发展和改革局", "教育局", "公安局", "民政局", "司法局", "财政局", "人力资源和社会保障局", "自然资源局",
               "生态环境局", "住房和城乡建设局", "交通运输局", "水利局", "农业农村局", "商务局", "文化广电和旅游局",
               "卫生健康委员会", "退役军人事务局", "应急管理局", "审计局", "市场监督管理局", "统计局", "医疗保障局",
               "人民政府办公室", "城市管理局", "林业局")
# Share of bodies per kind: most reports come from townships and county departments.
BODY_KINDS = (("township", 0.45), ("county", 0.12), ("county_department", 0.33), ("prefecture", 0.02),
              ("prefecture_department", 0.08))
# How many applications a body of each kind receives in a year: (share with none, typical, cap).
APPLICATION_SCALE = {"township": (0.55, 2, 40), "county": (0.05, 40, 2000), "county_department": (0.45, 4, 200),
                     "prefecture": (0.0, 400, 20000), "prefecture_department": (0.2, 20, 2000)}


@dataclass(frozen=True, slots=True)
class Place:
    code: str
    name: str
    level: str
    province: str
    province_code: str
    prefecture: str
    prefecture_code: str
    county: str
    county_code: str


@lru_cache(maxsize=1)
def places() -> dict[str, tuple[Place, ...]]:
    """level -> places; townships and counties keep only those whose parent is named (no blank chain)."""
    out: dict[str, list[Place]] = {"township": [], "county": [], "prefecture": []}
    with gzip.open(GAZETTEER, "rt", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["level"] not in out:
                continue
            out[row["level"]].append(Place(row["code"], row["name"], row["level"], row["province"],
                                           row["province_code"], row["prefecture"], row["prefecture_code"],
                                           row["county"], row["county_code"]))
    return {k: tuple(v) for k, v in out.items()}


@dataclass(slots=True)
class Body:
    kind: str
    org: str  # as printed in the title
    place: Place
    department: str | None
    context: str  # a phrase naming the body's parents, for the preamble (real reports name them)

    def region(self) -> dict[str, str | None]:
        p = self.place
        township = p.name if p.level == "township" else None
        return {"province": p.province or None, "prefecture": p.prefecture or None, "county": p.county or None,
                "township": township, "code": p.code, "department": self.department}


def _pick(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    u = rng.random() * sum(w for _, w in weighted)
    for key, w in weighted:
        u -= w
        if u < 0:
            return key
    return weighted[-1][0]


def draw_body(rng: random.Random) -> Body:
    kind = _pick(rng, BODY_KINDS)
    table = places()
    if kind == "township":
        p = rng.choice(table["township"])
        parent = p.county or p.prefecture or p.province
        suffix = "办事处" if p.name.endswith("街道") else rng.choice(("人民政府", "人民政府", ""))
        org = f"{parent}{p.name}{suffix}"
        return Body(kind, org, p, None, f"{p.prefecture}{p.county}" if p.county else parent)
    if kind in ("county", "county_department"):
        p = rng.choice(table["county"])
        parent = p.prefecture or p.province
        head = f"{parent}{p.name}" if rng.random() < 0.5 or kind == "county" else p.name
        if kind == "county":
            return Body(kind, f"{head}人民政府", p, None, parent)
        dept = rng.choice(DEPARTMENTS)
        return Body(kind, f"{head}{dept}", p, dept, parent)
    p = rng.choice(table["prefecture"])
    if kind == "prefecture":
        return Body(kind, f"{p.name}人民政府", p, None, p.province)
    dept = rng.choice(DEPARTMENTS)
    return Body(kind, f"{p.name}{dept}", p, dept, p.province)


# --------------------------------------------------------------------------------------------
# Figures that satisfy the template's arithmetic
# --------------------------------------------------------------------------------------------

# Share of each applicant part column (natural persons file most applications).
APPLICANT_WEIGHTS = dict(zip(PARTS, (0.86, 0.07, 0.01, 0.01, 0.03, 0.02)))
# Share of each outcome (2019's single other_processing row takes the three 2021 rows' share).
OUTCOME_WEIGHTS = {"granted": 0.42, "partially_granted": 0.08, "unable_not_held": 0.22, "unable_needs_creation": 0.03,
                   "unable_unclear": 0.03, "rejected_petition": 0.03, "rejected_duplicate": 0.03,
                   "rejected_publication": 0.01, "rejected_excessive": 0.01, "rejected_confirmation": 0.01,
                   "other_no_correction": 0.03, "other_no_fee": 0.005, "other_other": 0.02,
                   "other_processing": 0.055}
DENIED_WEIGHT = 0.01  # each of the eight 不予公开 reasons


def _split(rng: random.Random, count: int, cum: list[float]) -> list[int]:
    """`count` items over len(cum) keys with cumulative weights `cum` (a multinomial draw in at most 40 chunks)."""
    out = [0] * len(cum)
    if count <= 0:
        return out
    chunks = min(count, 40)
    size, extra = divmod(count, chunks)
    top, last = cum[-1], len(cum) - 1
    for j in range(chunks):
        out[min(bisect_right(cum, rng.random() * top), last)] += size + (1 if j < extra else 0)
    return out


@dataclass(frozen=True)
class Table3Shape:
    """Where each row of one version's table 3 stands, for building its columns by position."""
    rows: tuple[str, ...]
    outcome_at: tuple[int, ...]  # row index of each outcome row (the rows (七)总计 adds up)
    outcome_cum: list[float]
    received: int
    carried_over: int
    processed: int
    forward: int


@lru_cache(maxsize=None)
def table3_shape(version: str) -> Table3Shape:
    rows = tuple(table3_rows(version))
    at = {k: i for i, k in enumerate(rows)}
    outcomes = table3_outcomes(version)
    (received, carried), (processed, forward) = SHAPE.balance
    return Table3Shape(rows, tuple(at[k] for k in outcomes),
                       list(accumulate(OUTCOME_WEIGHTS.get(k, DENIED_WEIGHT) for k in outcomes)),
                       at[received], at[carried], at[processed], at[forward])


APPLICANT_CUM = list(accumulate(APPLICANT_WEIGHTS[k] for k in PARTS))
# The template prints the six parts, then their total: a row is its parts' column values and their sum.
assert APPLICANTS == (*PARTS, SHAPE.applicant_total), APPLICANTS


def _count(rng: random.Random, none_share: float, typical: float, cap: int) -> int:
    if rng.random() < none_share:
        return 0
    return max(1, min(cap, int(rng.lognormvariate(0, 1.0) * typical)))


def draw_table3(rng: random.Random, kind: str, version: str) -> dict[str, list[int]]:
    """outcome -> [7 values in APPLICANTS order]; every sum of the template holds.

    Built column by column: each applicant column's new and carried-over applications are either
    processed (split over the outcome rows, which (七)总计 adds up) or carried forward, so the
    balance rule holds per column; the total column is each row's sum."""
    ts = table3_shape(version)
    none_share, typical, cap = APPLICATION_SCALE[kind]
    new_total = _count(rng, none_share, typical, cap)
    new = _split(rng, new_total, APPLICANT_CUM)
    carried_total = 0 if new_total == 0 or rng.random() < 0.6 else max(1, int(new_total * rng.uniform(0, 0.1)))
    carried = _split(rng, carried_total, APPLICANT_CUM)
    n = len(ts.rows)
    columns = []
    for j in range(len(PARTS)):
        col = [0] * n
        available = new[j] + carried[j]
        if available:
            forward = 0 if rng.random() < 0.7 else rng.randint(0, max(1, available // 8))
            for at, k in zip(ts.outcome_at, _split(rng, available - forward, ts.outcome_cum)):
                col[at] = k
            col[ts.received], col[ts.carried_over] = new[j], carried[j]
            col[ts.processed], col[ts.forward] = available - forward, forward
        columns.append(col)
    return {row: [*parts, sum(parts)] for row, parts in zip(ts.rows, zip(*columns))}


def draw_table4(rng: random.Random, kind: str) -> list[int]:
    scale = 0.0 if kind == "township" else 1.0 if "department" in kind else 2.5
    out = [0] * len(T4_CELLS)
    for idx in table4_groups().values():
        cases = 0 if rng.random() < 0.7 else max(1, int(rng.expovariate(1.0) * scale * 2))
        for i in idx[:-1]:
            out[i] = 0
        for _ in range(cases):
            out[idx[rng.choices(range(len(idx) - 1), (0.6, 0.1, 0.2, 0.1))[0]]] += 1
        out[idx[-1]] = sum(out[i] for i in idx[:-1])
    return out


# Table 2 measures: (none share, typical, cap); amounts (typical, in cents) may have decimals; the
# measures shape.toml lets go below zero are changes.
AMOUNTS = {"fee_amount": 2000, "procurement_amount": 5_000_000}
SIGNED = SHAPE.negative_columns.get("active_disclosure", frozenset())
_T2_SCALE = {"issued": (0.6, 3, 60), "repealed": (0.8, 2, 40), "in_force": (0.3, 30, 900), "new_made": (0.6, 3, 60),
             "new_published": (0.6, 3, 60), "published_total": (0.3, 30, 900), "decisions": (0.3, 80, 60000),
             "prior_year_items": (0.3, 20, 2000), "procurement_items": (0.5, 5, 500)}


def _amount(rng: random.Random, cents_typical: int) -> tuple[float, str]:
    """(value, text) of an amount with at most two decimals, as printed (no trailing zeros)."""
    cents = 0 if rng.random() < 0.5 else int(rng.lognormvariate(0, 1.2) * cents_typical)
    whole, frac = divmod(cents, 100)
    text = f"{whole}.{frac:02d}".rstrip("0").rstrip(".")
    return cents / 100, text


_SIGNED, _AMOUNT, _COUNT = 0, 1, 2


@lru_cache(maxsize=None)
def _table2_plan(version: str, small: bool) -> tuple[tuple[str, str, int, Any, str | None], ...]:
    """(item, measure, how it is drawn, its scale, unit) per table 2 cell: the lookups done once."""
    plan = []
    for item, measures in table2_rows(version):
        unit = UNITS.get(item)
        for measure in measures:
            if measure in SIGNED:
                plan.append((item, measure, _SIGNED, None, unit))
            elif measure in AMOUNTS:
                plan.append((item, measure, _AMOUNT, AMOUNTS[measure], unit))
            else:
                none_share, typical, cap = _T2_SCALE[measure]
                if small:
                    typical, cap = max(1, typical // 10), max(5, cap // 100)
                plan.append((item, measure, _COUNT, (none_share, typical, cap), unit))
    return tuple(plan)


def draw_table2(rng: random.Random, kind: str, version: str) -> list[tuple[str, str, float, str, str | None]]:
    """[(item, measure, value, text, unit)] in template order."""
    out = []
    for item, measure, how, scale, unit in _table2_plan(version, kind == "township"):
        if how == _COUNT:
            v = _count(rng, *scale)
            out.append((item, measure, v, str(v), unit))
        elif how == _SIGNED:  # 本年增/减: mostly 0, now and then a fall
            v = rng.choice((0, 0, 0, rng.randint(-5, 10)))
            out.append((item, measure, v, str(v), unit))
        else:
            value, text = _amount(rng, scale)
            if item in PRINTED_UNIT:
                unit = rng.choice(("元", "万元")) if value else None
            out.append((item, measure, value, text, unit))
    return out


# --------------------------------------------------------------------------------------------
# A drawn report
# --------------------------------------------------------------------------------------------

@dataclass(slots=True)
class Report:
    index: int
    seed: int
    fmt: str
    layout: str
    body: Body
    year: int
    t2_version: str
    t3_version: str
    title: str
    table2: list[tuple[str, str, float, str, str | None]]
    table3: dict[str, list[int]]
    table4: list[int]
    proactive: int
    received_stated: int  # the number of applications section 一 states
    defect: str | None
    defect_field: str | None = None  # e.g. granted/commercial
    style: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"{self.index:07d}"

    @property
    def file_name(self) -> str:
        return f"{self.name}.{EXTENSION.get(self.layout, 'txt')}"

    @property
    def printed_table3(self) -> bool:
        return self.defect not in ("replaced_table", "absent_table")

    @property
    def template_version(self) -> str:
        """The version of the tables printed: `mixed` when table 2 and table 3 differ (corpus 003/004)."""
        return self.t2_version if self.t2_version == self.t3_version or not self.printed_table3 else "mixed"


def parse_rates(spec: str) -> dict[str, float]:
    """`0.2` (spread evenly over the kinds) or `missing_cell=0.05,gbk=0.02` -> kind -> rate."""
    spec = spec.strip()
    if "=" not in spec:
        rate = float(spec)
        return {k: rate / len(DEFECTS) for k in DEFECTS}
    rates = {}
    for part in spec.split(","):
        kind, _, value = part.partition("=")
        if kind.strip() not in DEFECTS:
            raise ValueError(f"unknown defect {kind!r}: one of {', '.join(DEFECTS)}")
        rates[kind.strip()] = float(value)
    if sum(rates.values()) > 1:
        raise ValueError("defect rates add up to more than 1")
    return rates


def _layouts(formats: tuple[str, ...], layouts: tuple[str, ...] | None) -> tuple[str, ...]:
    allowed = tuple(x for f in formats for x in FORMAT_LAYOUTS[f])
    if layouts:
        unknown = set(layouts) - set(allowed)
        if unknown:
            raise ValueError(f"layouts {sorted(unknown)} are not in the formats {formats}")
        return tuple(x for x in allowed if x in layouts)
    return allowed


def _format_of(layout: str) -> str:
    return next(f for f, ls in FORMAT_LAYOUTS.items() if layout in ls)


def draw(seed: int, index: int, layouts: tuple[str, ...], rates: dict[str, float]) -> Report:
    """Report `index` of `seed`: the same report whatever process draws it."""
    rng = random.Random(f"ogi-generate|{seed}|{index}")  # a str seed is hashed with SHA-512: stable
    # One random() (always the same draws from the stream) picks the layout, so that a report keeps
    # its body and figures whatever layouts are asked for.
    layout = layouts[int(rng.random() * len(layouts))]
    body = draw_body(rng)
    year = rng.choice(YEARS)
    version = SHAPE.version_for_year(year)
    t3_version = "2019" if version == "2021" and rng.random() < 0.03 else version  # hybrid (corpus 003/004)
    title = rng.choice(("{org}{year}年政府信息公开工作年度报告", "{org}{year}年度政府信息公开工作年度报告",
                        "{org}{year}年信息公开工作年度报告")).format(org=body.org, year=year)
    table2 = draw_table2(rng, body.kind, version)
    table3 = draw_table3(rng, body.kind, t3_version)
    table4 = draw_table4(rng, body.kind)
    proactive = max(1, int(rng.lognormvariate(0, 1.0) * (60 if body.kind == "township" else 400)))
    new_total = table3[SHAPE.received][-1]
    carried_total = table3[SHAPE.carried_over][-1]
    # Many reports count carried-over applications as received (corpus 007); both readings are right.
    received = new_total + carried_total if carried_total and rng.random() < 0.3 else new_total
    brackets = rng.choice(("full", "half"))
    style = {"brackets": brackets if layout in TEXT_LAYOUTS else "full",
             "pipe": rng.choice(("markdown", "trailing")), "pad": rng.random() < 0.5, "blank_lines": rng.random() < 0.4,
             "upheld": "结果维护" if rng.random() < 0.05 else "结果维持", "variant": rng.randrange(6)}
    report = Report(index, seed, _format_of(layout), layout, body, year, version, t3_version, title, table2,
                    table3, table4, proactive, received, None, style=style)
    u = rng.random()
    for kind, rate in rates.items():
        u -= rate
        if u < 0:
            if defect_applies(kind, layout):
                inject(report, kind, rng)
            break
    return report


def inject(report: Report, kind: str, rng: random.Random) -> None:
    report.defect = kind
    col = {a: i for i, a in enumerate(APPLICANTS)}
    if kind == "missing_cell":
        row = rng.choice(list(report.table3))
        applicant = rng.choice(APPLICANTS)
        report.defect_field = f"{row}/{applicant}"
    elif kind == "broken_balance":
        applicant = rng.choice(PARTS)
        delta = rng.randint(1, 5)
        forward = report.table3[SHAPE.balance[1][1]]
        forward[col[applicant]] += delta
        forward[col[SHAPE.applicant_total]] += delta
        report.defect_field = applicant
    elif kind == "prose_contradiction":
        new_total = report.table3[SHAPE.received][-1]
        carried_total = report.table3[SHAPE.carried_over][-1]
        if new_total > 10 and rng.random() < 0.5:
            report.received_stated = rng.randint(1, new_total - 1)
        else:
            report.received_stated = new_total + carried_total + rng.randint(1, 30)
        report.defect_field = f"{SHAPE.received}/{SHAPE.applicant_total}"


# --------------------------------------------------------------------------------------------
# Truth
# --------------------------------------------------------------------------------------------

def _jsonable(x: float) -> float | int:
    return int(x) if float(x).is_integer() else x


def truth(report: Report) -> dict[str, Any]:
    """The figures as printed, in the shape of ../shared/corpus/truth (and the seeds' expected files):
    `active_disclosure` [{item, measure, value, unit}], `applications` {outcome: [7]} (null: the table
    is not printed; a null value: the cell is empty), `reviews_litigation` [15], plus `defects`."""
    t3: dict[str, list[int | None]] | None = {k: list(v) for k, v in report.table3.items()} or None
    if not report.printed_table3:
        t3 = None
    elif report.defect == "missing_cell" and t3 is not None:
        row, applicant = report.defect_field.split("/")  # type: ignore[union-attr]
        t3[row][APPLICANTS.index(applicant)] = None
    defects = []
    if report.defect:
        defects.append({"kind": report.defect, "table": DEFECTS[report.defect]["table"],
                        "field": report.defect_field, "expected_issue": expected_issue(report.defect, report.layout)})
    issues = sorted({d["expected_issue"] for d in defects if d["expected_issue"]})
    region = report.body.region()
    return {
        "file": f"raw/{report.file_name}", "generator": {"seed": report.seed, "index": report.index},
        "format": report.fmt, "layout": report.layout,
        "encoding": "gb18030" if report.defect == "gbk" else "utf-8",  # docx/pdf never get gbk
        "org": report.body.org, "year": report.year, "template_version": report.template_version,
        "report": {"title": report.title, "org": report.body.org, "year": report.year,
                   "template_version": report.template_version, "region": region},
        "active_disclosure": [{"item": i, "measure": m, "value": _jsonable(v), "unit": u}
                              for i, m, v, _, u in report.table2],
        "applications": t3,
        "reviews_litigation": list(report.table4),
        "narrative": {"proactive_total": report.proactive, "applications_received": report.received_stated},
        "defects": defects,
        "issues": issues,
    }


def truth_json(report: Report) -> bytes:
    """The truth file's bytes: compact UTF-8 JSON (the C encoder: as fast as writing it by hand)."""
    return json.dumps(truth(report), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# --------------------------------------------------------------------------------------------
# Text layouts: skeletons with a slot per figure, built once
# --------------------------------------------------------------------------------------------

_SLOT = re.compile("\x01(\\d+)\x02")
HEADINGS = {key: heading for key, heading, _ in renderings._HEADINGS}  # 一、总体情况 ...
_HALF = (("（", "("), ("）", ")"), ("，", ","), ("：", ":"), ("；", ";"))


def _half(text: str) -> str:
    """Half-width brackets and punctuation, as some editors type them (seed 002). Chained
    str.replace: str.translate is ten times slower on CJK text."""
    for full, half in _HALF:
        text = text.replace(full, half)
    return text


def _slot(k: int) -> str:
    return f"\x01{k}\x02"


def _to_format(text: str) -> str:
    """Text with slots -> a str.format string (braces the text holds escaped)."""
    return _SLOT.sub(r"{\1}", text.replace("{", "{{").replace("}", "}}"))


@lru_cache(maxsize=None)
def slots(t2_version: str, t3_version: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]], int]:
    """The figure behind each slot: table 2 (item, measure) pairs, table 3 (outcome, applicant), then table 4."""
    t2 = [(item, m) for item, measures in table2_rows(t2_version) for m in measures]
    t3 = [(row, a) for row in table3_rows(t3_version) for a in APPLICANTS]
    return t2, t3, len(T4_CELLS)


def _slot_expected(t2_version: str, t3_version: str) -> dict[str, Any]:
    """An `expected` dict for renderings' grid builders whose figures are slots."""
    t2, t3, n4 = slots(t2_version, t3_version)
    k = 0
    ad = []
    for item, measure in t2:
        unit = UNITS.get(item)
        ad.append({"item": item, "measure": measure, "value": _slot(k), "unit": unit})
        k += 1
    apps: dict[str, list[str]] = {}
    for row, _ in t3:
        apps.setdefault(row, []).append(_slot(k))
        k += 1
    t4 = [_slot(k + i) for i in range(n4)]
    return {"report": {"template_version": t3_version}, "active_disclosure": ad, "applications": apps,
            "reviews_litigation": t4}


def _grid_rows(grid: renderings.Grid) -> list[list[tuple[renderings.Cell | None, bool]]]:
    """Per grid row, per column: (the cell starting there or None, covered by a row span from above)."""
    start = {(c.row, c.col): c for c in grid.cells}
    below: set[tuple[int, int]] = set()  # first column of a cell continued from a row above
    side: set[tuple[int, int]] = set()  # columns covered by a cell's column span
    for c in grid.cells:
        for r in range(c.row, c.row + c.rowspan):
            for k in range(c.col, c.col + c.colspan):
                if (r, k) == (c.row, c.col):
                    continue
                (below if k == c.col and r > c.row else side).add((r, k))
    return [[(start.get((r, k)), (r, k) in below) for k in range(grid.n_cols) if (r, k) not in side or (r, k) in below]
            for r in range(grid.n_rows)]


def _render_grid(grid: renderings.Grid, layout: str, style: tuple) -> list[str]:
    pipe, pad = style
    lines: list[str] = []
    if layout in ("tab", "pipe"):
        # A Word table saved as text: every grid position, merged ones blank.
        start = {(c.row, c.col): c for c in grid.cells}
        for r in range(grid.n_rows):
            cells = [start[(r, k)].text.replace("\n", " ") if (r, k) in start else "" for k in range(grid.n_cols)]
            if layout == "tab":
                lines.append("\t".join(cells))
            elif pipe == "markdown":
                lines.append("| " + " | ".join(cells) + " |")
                if r == 0:
                    lines.append("|" + "---|" * grid.n_cols)
            else:
                lines.append(" | ".join(cells) + " |")
        return lines
    if layout == "stacked":
        # Word's text export, one cell per line: each cell once (a row-span continuation is an empty
        # cell), a tab before each, a paragraph break inside a cell its own line, a blank line per row.
        for row in _grid_rows(grid):
            for cell, continued in row:
                if cell is None:
                    lines.append("\t")
                    continue
                first, *rest = cell.text.split("\n")
                lead = " " if pad and cell.role == "value" else ""
                lines.append(f"\t{lead}{first}")
                lines.extend(rest)
            lines.append("")
        return lines
    if layout == "space":
        # A PDF text extract: the cells of a row that start on it, one space apart; a label spanning
        # several rows on a line of its own; empty cells leave nothing.
        for r in range(grid.n_rows):
            row = grid.row_cells(r)
            for c in row:
                if c.rowspan > 1 and c.role == "label":
                    lines.append(c.text.replace("\n", ""))
            texts = [c.text.replace("\n", "") for c in row if not (c.rowspan > 1 and c.role == "label")]
            line = " ".join(t for t in texts if t)
            if line:
                lines.append(line)
        return lines
    raise ValueError(layout)


@lru_cache(maxsize=None)
def slot_grids(t2_version: str, t3_version: str, upheld: str) -> dict[str, renderings.Grid]:
    """The three tables as tests/renderings.py prints them, a slot in each value cell."""
    expected = _slot_expected(t2_version, t3_version)
    grids = {"s2": renderings._table2(expected), "s3": renderings._table3(expected),
             "s4": renderings._table4(expected, upheld)}
    # Every figure of the template printed exactly once: a row the template has and the printed
    # grids lack (or the other way round) fails here, not as a silently missing figure.
    t2, t3, n4 = slots(t2_version, t3_version)
    printed = sorted(int(m.group(1)) for g in grids.values() for c in g.cells for m in _SLOT.finditer(c.text))
    assert printed == list(range(len(t2) + len(t3) + n4)), (t2_version, t3_version)
    return grids


class _IndexedGrid(renderings.Grid):
    """A Grid whose rows are looked up, not searched: `Grid.row_cells` sorts all the cells for each
    row, a third of the time a crawled report took to render. Same cells, same answers."""

    def row_cells(self, r: int) -> list[renderings.Cell]:
        cells = self.cells
        return [cells[p] for p in self.row_index[r]]  # type: ignore[attr-defined]


_GRID_INDEX: dict[int, tuple[tuple[tuple[int, int], ...], tuple[tuple[int, ...], ...]]] = {}


def _grid_index(grid: renderings.Grid) -> tuple[tuple[tuple[int, int], ...], tuple[tuple[int, ...], ...]]:
    """For a slot grid (cached for good, so its id is stable): (position in grid.cells, slot) of each
    value cell, and per row the positions of the cells that start on it, left to right."""
    found = _GRID_INDEX.get(id(grid))
    if found is None:
        values = tuple((pos, int(m.group(1))) for pos, cell in enumerate(grid.cells)
                       if (m := _SLOT.fullmatch(cell.text)))
        rows: list[list[tuple[int, int]]] = [[] for _ in range(grid.n_rows)]
        for pos, c in enumerate(grid.cells):
            rows[c.row].append((c.col, pos))
        found = _GRID_INDEX[id(grid)] = (values, tuple(tuple(pos for _, pos in sorted(r)) for r in rows))
    return found


_SMALL_CELLS: dict[tuple[int, str], renderings.Cell] = {}


def _value_cell(slot_cell: renderings.Cell, text: str) -> renderings.Cell:
    """The cell of a slot with its figure; cells of small figures (most are 0) made once and shared
    (a frozen dataclass costs microseconds to build, and a report has some 200 figures)."""
    if len(text) > 2:
        return renderings.Cell(slot_cell.row, slot_cell.col, text, slot_cell.rowspan, slot_cell.colspan, slot_cell.role)
    key = (id(slot_cell), text)
    cell = _SMALL_CELLS.get(key)
    if cell is None:
        cell = _SMALL_CELLS[key] = renderings.Cell(slot_cell.row, slot_cell.col, text, slot_cell.rowspan,
                                                   slot_cell.colspan, slot_cell.role)
    return cell


def _fill(grid: renderings.Grid, values: list[str]) -> renderings.Grid:
    """A slot grid with the report's figures: new value cells, the header and label cells shared.
    (Building the grids anew per report cost more than all the rest of a crawled report.)"""
    value_cells, row_index = _grid_index(grid)
    cells = list(grid.cells)
    for pos, k in value_cells:
        cells[pos] = _value_cell(cells[pos], values[k])
    out = _IndexedGrid(grid.key, grid.n_rows, grid.n_cols, tuple(cells), grid.col_widths_cm, grid.header_rows)
    object.__setattr__(out, "row_index", row_index)
    return out


class _CrawledCell:
    """What scripts/crawled.py reads of a value cell (text, column, role): a plain slotted object
    costs a tenth of a frozen renderings.Cell, and a report has some 200 figures."""

    __slots__ = ("text", "col", "role")

    def __init__(self, text: str, col: int, role: str) -> None:
        self.text, self.col, self.role = text, col, role


@dataclass(frozen=True, slots=True)
class _CrawledGrid:
    """A filled slot grid as scripts/crawled.py reads it: its size and its rows' cells, left to right."""
    n_rows: int
    n_cols: int
    rows: tuple[list, ...]

    def row_cells(self, r: int) -> list:
        return self.rows[r]


_ROW_PLANS: dict[int, tuple[tuple[tuple[Any, int, int, str], ...], ...]] = {}


def _row_plan(grid: renderings.Grid) -> tuple[tuple[tuple[Any, int, int, str], ...], ...]:
    """Per row of a slot grid (cached for good: its id is stable), its cells left to right as
    (the cell, -1, ...) for a printed label or header, or (None, slot, column, role) for a figure."""
    plan = _ROW_PLANS.get(id(grid))
    if plan is None:
        value_at = dict(_grid_index(grid)[0])
        rows: list[list[tuple[int, tuple[Any, int, int, str]]]] = [[] for _ in range(grid.n_rows)]
        for pos, c in enumerate(grid.cells):
            k = value_at.get(pos)
            rows[c.row].append((c.col, (c, -1, c.col, c.role) if k is None else (None, k, c.col, c.role)))
        plan = _ROW_PLANS[id(grid)] = tuple(tuple(e for _, e in sorted(r, key=lambda x: x[0])) for r in rows)
    return plan


def _fill_crawled(grid: renderings.Grid, values: list[str]) -> _CrawledGrid:
    """`_fill` for the crawled layouts, which read only each row's cells' text, column and role."""
    rows = tuple([c if k < 0 else _CrawledCell(values[k], col, role) for c, k, col, role in row]
                 for row in _row_plan(grid))
    return _CrawledGrid(grid.n_rows, grid.n_cols, rows)


@lru_cache(maxsize=None)
def table_skeletons(layout: str, t2_version: str, t3_version: str, upheld: str, pipe: str, pad: bool,
                    brackets: str) -> dict[str, str]:
    """Format strings for the three tables (and table 2 standing in section 三) of one layout and style."""
    out = {}
    for key, grid in slot_grids(t2_version, t3_version, upheld).items():
        text = "\n".join(_render_grid(grid, layout, (pipe, pad)))
        if brackets == "half":
            text = _half(text)
        out[key] = _to_format(text)
    return out


# --------------------------------------------------------------------------------------------
# Prose
# --------------------------------------------------------------------------------------------

_OPENINGS = (
    "{year}年，{org}坚持以习近平新时代中国特色社会主义思想为指导，认真贯彻落实《中华人民共和国政府信息公开条例》，"
    "紧紧围绕中心工作，扎实推进政务公开，切实保障人民群众的知情权、参与权、表达权和监督权。",
    "{year}年，{org}严格落实上级关于政务公开工作的部署要求，坚持以公开为常态、不公开为例外，"
    "不断提升政府信息公开的质量和实效。",
    "{year}年，{org}在上级政务公开办公室的指导下，进一步健全工作机制，规范公开流程，持续推进决策、执行、管理、服务、结果公开。",
)
_CHANNELS = ("门户网站", "政府网站", "微信公众号", "政务新媒体", "公开栏")
_CATEGORIES = ("通知公告", "政策解读", "人事信息", "财政预决算", "工作动态", "规划计划", "应急管理")
_MANAGEMENT = ("严格落实政府信息公开保密审查制度，坚持“先审查、后公开”和“一事一审”原则，全年未发生泄密事件。",
               "进一步规范政府信息公开流程，明确专人负责信息的收集、审核和发布，确保信息公开及时、准确。")
_PLATFORM = ("充分发挥政府网站第一平台作用，及时更新政府信息公开专栏，同时通过政务新媒体等渠道拓宽公开范围。",
             "加强政府网站信息公开专栏建设，优化栏目设置，方便群众查阅。")
_OVERSIGHT = ("将政府信息公开工作纳入年度目标考核，主动接受社会监督，全年未发生因政府信息公开引发的责任追究情况。",
              "建立健全政府信息公开工作考核、社会评议和责任追究制度，定期开展自查自纠。")
_PROBLEMS = ("政府信息公开工作仍存在一些不足：一是公开内容的全面性和及时性有待提高；二是政策解读形式不够丰富；"
             "三是工作人员业务能力有待进一步提升。",
             "存在的问题：信息公开的深度和广度还不够，基层政务公开标准化规范化水平有待提高。")
_IMPROVEMENTS = ("下一步，我们将加强业务培训，规范公开流程，拓宽公开渠道，不断提升政府信息公开工作质量。",
                 "改进措施：一是加强组织领导；二是强化队伍建设；三是完善公开机制，推动政务公开工作再上新台阶。")
_FEES = ("本年度未收取政府信息公开信息处理费。", "{year}年度，{org}未发出政府信息公开信息处理费收费通知，未收取信息处理费。",
         "本年度无其他需要报告的事项。")


def _preamble(report: Report) -> str:
    body = report.body
    phone = f"0{report.index * 7919 % 900 + 100}-{(report.index * 48271 + 12345678) % 90000000 + 10000000}"
    return (f"本报告依据《中华人民共和国政府信息公开条例》和《国务院办公厅政府信息与政务公开办公室关于政府信息公开"
            f"工作年度报告有关事项的通知》要求，由{body.org}编制。本报告所列数据的统计期限自{report.year}年1月1日起至"
            f"{report.year}年12月31日止。本报告电子版可在{body.context}人民政府门户网站查阅或下载。如对本报告有任何疑问，"
            f"请与{body.org}办公室联系（电话：{phone}）。")


def _section1(report: Report, rng: random.Random) -> list[tuple[str, str]]:
    """[(kind, text)] of section 一: body paragraphs and sub-headings."""
    fmt = {"year": report.year, "org": report.body.org}
    cats = rng.sample(_CATEGORIES, 2)
    n1 = rng.randint(0, report.proactive // 3)
    n2 = rng.randint(0, report.proactive // 3)
    channel = rng.choice(_CHANNELS)
    if report.received_stated:
        received = f"全年共收到政府信息公开申请{report.received_stated}件，均已按法定时限和程序办理答复。"
    else:
        received = "全年未收到政府信息公开申请。"
    return [("body", rng.choice(_OPENINGS).format(**fmt)),
            ("subheading", "（一）主动公开"),
            ("body", f"全年通过{channel}等渠道主动公开政府信息{report.proactive}条，其中{cats[0]}{n1}条，{cats[1]}{n2}条。"),
            ("subheading", "（二）依申请公开"), ("body", received),
            ("subheading", "（三）政府信息管理"), ("body", rng.choice(_MANAGEMENT)),
            ("subheading", "（四）政府信息公开平台建设"), ("body", rng.choice(_PLATFORM)),
            ("subheading", "（五）监督保障"), ("body", rng.choice(_OVERSIGHT))]


def _closing(report: Report, rng: random.Random) -> tuple[list[str], list[str], list[str]]:
    fmt = {"year": report.year, "org": report.body.org}
    s5 = [rng.choice(_PROBLEMS), rng.choice(_IMPROVEMENTS)]
    s6 = [rng.choice(_FEES).format(**fmt)]
    signature = [report.body.org, f"{report.year + 1}年1月{rng.randint(10, 31)}日"]
    return s5, s6, signature


def _junk(report: Report) -> tuple[list[str], list[str]]:
    """A saved page's furniture around the article (seed 002 keeps its login box after 六)."""
    site = (report.body.place.county or report.body.place.prefecture or report.body.place.province) + "人民政府"
    head = [f"{site}门户网站", "首页 > 政务公开 > 政府信息公开 > 政府信息公开年报",
            f"发布时间：{report.year + 1}-01-{15 + report.index % 14:02d} 09:30  来源：{report.body.org}  浏览次数：{report.index % 5000}",
            "【字体：大 中 小】 【打印】 【关闭】", ""]
    tail = ["", "【打印本页】 【关闭窗口】", "账号+密码登录", "手机+密码登录", "还没有账号?", "相关链接",
            f"版权所有：{site}  主办：{site}办公室", f"网站标识码：{3600000000 + report.index % 99999}  ICP备05004183号-1"]
    return head, tail


# --------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------

def _values(report: Report) -> list[str]:
    """The figures as printed, in slot order ('' for an empty cell)."""
    values = [row[3] for row in report.table2]
    rows = table3_rows(report.t3_version)
    if report.table3:
        t3 = list(map(str, chain.from_iterable(report.table3[row] for row in rows)))
        if report.defect == "missing_cell":
            row, applicant = report.defect_field.split("/")  # type: ignore[union-attr]
            t3[rows.index(row) * len(APPLICANTS) + APPLICANTS.index(applicant)] = ""
        values += t3
    else:
        values += [""] * (len(rows) * len(APPLICANTS))
    values += map(str, report.table4)
    return values


def _procurement_text(report: Report, values: list[str]) -> None:
    """The procurement amount prints its unit in the cell (seed 003: `63365元`)."""
    for k, (item, _, _, text, unit) in enumerate(report.table2):
        if item in PRINTED_UNIT and unit and text:  # only the amount has a unit (draw_table2)
            values[k] = text + unit


def render_text(report: Report, rng: random.Random) -> str:
    st = report.style
    tables = table_skeletons(report.layout, report.t2_version, report.t3_version, st["upheld"], st["pipe"],
                             st["pad"], st["brackets"])
    values = _values(report)
    _procurement_text(report, values)
    heads = HEADINGS
    gap = "\n" if st["blank_lines"] else ""
    out: list[str] = []
    junk_head, junk_tail = _junk(report) if report.defect == "web_junk" else ([], [])
    out += junk_head
    out.append(report.title)
    out.append(gap)
    out.append(_preamble(report))
    out.append(heads["s1"])
    out += [text + gap for _, text in _section1(report, rng)]
    out.append(heads["s2"])
    out.append(tables["s2"].format(*values))
    out.append(heads["s3"])
    if report.defect == "replaced_table":
        out.append(tables["s2"].format(*values))
    elif report.defect == "absent_table":
        out.append(renderings._MISSING_NOTE["s3"])
    else:
        out.append(tables["s3"].format(*values))
    out.append(heads["s4"])
    out.append(tables["s4"].format(*values))
    s5, s6, signature = _closing(report, rng)
    out.append(heads["s5"])
    out += s5
    out.append(heads["s6"])
    out += s6
    out += signature
    out += junk_tail
    text = "\n".join(out) + "\n"
    if st["brackets"] == "half":
        text = _half(text)
    return text


def model(report: Report, rng: random.Random) -> renderings.ReportModel:
    """The report as a tests/renderings.py model, for the crawled layouts and the other formats
    (the crawled layouts get light grids: scripts/crawled.py reads only rows of cell texts)."""
    Para, Section = renderings.Para, renderings.Section
    values = _values(report)
    _procurement_text(report, values)
    slotted = slot_grids(report.t2_version, report.t3_version, report.style["upheld"])
    fill = _fill_crawled if report.layout in CRAWLED_LAYOUTS else _fill
    grid2 = fill(slotted["s2"], values)
    grids = {"s2": grid2, "s3": grid2 if report.defect == "replaced_table" else
             None if report.defect == "absent_table" else fill(slotted["s3"], values),
             "s4": fill(slotted["s4"], values)}
    s1 = tuple(Para(text, kind) for kind, text in _section1(report, rng))
    s5, s6, signature = _closing(report, rng)
    prose = {"s1": s1, "s5": tuple(Para(t) for t in s5),
             "s6": tuple(Para(t) for t in s6) + tuple(Para(t, "signature") for t in signature)}
    sections = []
    for key, heading, _ in renderings._HEADINGS:
        if key in grids:
            grid = grids[key]
            sections.append(Section(key, heading, table=grid, note=None if grid else renderings._MISSING_NOTE[key]))
        else:
            sections.append(Section(key, heading, paragraphs=prose[key]))
    region = {k: v for k, v in report.body.region().items() if k in ("province", "prefecture", "county") and v}
    return renderings.ReportModel(name=report.name, variant=_html_variant(report), title=report.title,
                                  org=report.body.org, year=report.year, region=region,
                                  template_version=report.template_version,
                                  preamble=(Para(_preamble(report)),), sections=tuple(sections))


def _html_variant(report: Report) -> int:
    """renderings' variant: odd pages are GB-encoded, so a GBK defect takes an odd one and a clean page an even one."""
    base = 2 * report.style["variant"]
    return base + 1 if report.defect == "gbk" else base


def render(report: Report) -> bytes:
    # Prose draws its own generator so that the figures above never depend on the layout.
    rng = random.Random(f"ogi-generate-prose|{report.seed}|{report.index}")
    layout = report.layout
    if layout in TEXT_LAYOUTS:
        text = render_text(report, rng)
        return text.encode("gb18030" if report.defect == "gbk" else "utf-8")
    import crawled  # scripts/crawled.py

    m = model(report, rng)
    if layout in CRAWLED_LAYOUTS:
        raw = (crawled.to_glued if layout == "glued" else crawled.to_nodes)(m, seed=report.seed)
        return raw.decode("utf-8").encode("gb18030") if report.defect == "gbk" else raw
    if layout == "html":
        return renderings.to_html(m)
    if layout == "docx":
        return renderings.to_docx(m)
    if layout == "pdf":
        return renderings.to_pdf(m, split_table3=report.printed_table3 and report.style["variant"] % 3 == 0)
    raise ValueError(layout)


# --------------------------------------------------------------------------------------------
# Writing a folder
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Job:
    out: str
    seed: int
    start: int
    stop: int
    layouts: tuple[str, ...]
    rates: tuple[tuple[str, float], ...]


_WRITE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_TRUNC


def _write(dir_fd: int, name: str, data: bytes) -> None:
    # os.open relative to an open folder: a third less time than open() on small files, and no
    # path to build and walk per file; writing the files is most of the cost here.
    fd = os.open(name, _WRITE_FLAGS, 0o644, dir_fd=dir_fd)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


def run_job(job: Job) -> Counter:
    rates = dict(job.rates)
    counts: Counter = Counter()
    raw_fd = os.open(Path(job.out) / "raw", os.O_RDONLY | os.O_DIRECTORY)
    truth_fd = os.open(Path(job.out) / "truth", os.O_RDONLY | os.O_DIRECTORY)
    try:
        for i in range(job.start, job.stop):
            report = draw(job.seed, i, job.layouts, rates)
            data = render(report)
            _write(raw_fd, report.file_name, data)
            _write(truth_fd, f"{report.name}.json", truth_json(report))
            counts[f"layout {report.layout}"] += 1
            counts[f"defect {report.defect or 'none'}"] += 1
            counts["bytes"] += len(data)
    finally:
        os.close(raw_fd)
        os.close(truth_fd)
    return counts


def generate(out: Path, n: int, seed: int = 0, *, formats: tuple[str, ...] = ("text",),
             layouts: tuple[str, ...] | None = None, rates: dict[str, float] | None = None, start: int = 0,
             workers: int | None = None, chunk: int = 1000) -> Counter:
    """Write reports start .. start+n-1 of `seed` into out/raw and their truth into out/truth."""
    chosen = _layouts(formats, layouts)
    rates = {k: DEFAULT_DEFECT_RATE / len(DEFECTS) for k in DEFECTS} if rates is None else rates
    (out / "raw").mkdir(parents=True, exist_ok=True)
    (out / "truth").mkdir(parents=True, exist_ok=True)
    jobs = [Job(str(out), seed, a, min(a + chunk, start + n), chosen, tuple(rates.items()))
            for a in range(start, start + n, chunk)]
    workers = workers or min(len(jobs), os.cpu_count() or 1)
    total: Counter = Counter()
    if workers <= 1 or len(jobs) == 1:
        for job in jobs:
            total += run_job(job)
        return total
    places()  # load the gazetteer before forking: the workers share it
    with ProcessPoolExecutor(workers) as pool:
        for counts in pool.map(run_job, jobs):
            total += counts
    return total


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out", type=Path, help="folder: reports go to OUT/raw, truth files to OUT/truth")
    ap.add_argument("-n", type=int, required=True, help="number of reports")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--start", type=int, default=0, help="index of the first report (add to a folder)")
    ap.add_argument("--formats", default="text", help=f"comma-separated: {', '.join(FORMAT_LAYOUTS)}")
    ap.add_argument("--layouts", default="", help="only these layouts, e.g. pipe,tab (default: all of the formats)")
    ap.add_argument("--defect-rate", default=str(DEFAULT_DEFECT_RATE),
                    help=f"share of reports with a defect (spread over the kinds), or kind=rate,...: {', '.join(DEFECTS)}")
    ap.add_argument("--workers", type=int, default=0, help="processes (default: the cores)")
    args = ap.parse_args(argv)
    formats = tuple(f for f in args.formats.split(",") if f)
    unknown = set(formats) - set(FORMAT_LAYOUTS)
    if unknown:
        ap.error(f"unknown formats {sorted(unknown)}")
    t0 = time.perf_counter()
    counts = generate(args.out, args.n, args.seed, formats=formats,
                      layouts=tuple(x for x in args.layouts.split(",") if x) or None,
                      rates=parse_rates(args.defect_rate), start=args.start, workers=args.workers or None)
    dt = time.perf_counter() - t0
    print(f"wrote {args.n} reports ({counts['bytes'] / 1e6:.1f} MB) to {args.out}/raw and their truth to "
          f"{args.out}/truth in {dt:.1f} s ({args.n / dt:.0f} reports/s)")
    for key in sorted(k for k in counts if k != "bytes"):
        print(f"  {key}: {counts[key]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
