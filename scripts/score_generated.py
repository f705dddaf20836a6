"""Accuracy of the parser on a folder written by scripts/generate.py, cell by cell and defect by defect.

    .venv/bin/python scripts/score_generated.py DIR [--workers W] [-v] [--limit N]

DIR holds raw/ and truth/ (as generate.py writes them). Each report is parsed in-process
(`parse_report`) and compared with its truth the way ../shared/tools/score_corpus.py compares the
corpus (the truth files have the corpus shape, so `seed_truth_cells` reads them too):

- cells: every figure the truth gives (a null in the truth is a cell the report leaves empty and is
  not counted); right when the parser gives the same number, an abstention when it gives null, a
  wrong value when it gives another number. Wrong values must be 0: each is listed.
- identity: year, template version and region (the code of the deepest place the parser names,
  against the gazetteer code the body was drawn from; null is an abstention).
- defects: per kind injected, whether the parser reported the issue code the truth expects, on the
  table (and, for a missing cell, the row) it is about. GBK files must be read as GB18030 and a
  page's furniture must not change the title. False alarms: issues that claim a defect (any code but region_*,
  cells_from_run and cell_ambiguous)
  on the reports with no defect, by code.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

APPLICANTS = ("natural_person", "commercial", "research", "social_welfare", "legal_service", "other_org", "total")
PROCEEDINGS = ("review", "litigation_direct", "litigation_after_review")
RESULTS = ("upheld", "corrected", "other", "pending", "total")
REGION_CODES = ("township_code", "county_code", "prefecture_code", "province_code")
# Issues that are no claim about a defect of the document, so no false alarm on a clean report: where
# a body lies (a shared place name is rightly left ambiguous), a crawled row split by the sums
# (cells_from_run says how a value was read) and an abstention (cell_ambiguous: counted in the cells).
NOT_DATA_ISSUES = frozenset({"region_unresolved", "region_ambiguous", "cells_from_run", "cell_ambiguous"})

Cell = tuple[str, str, str]


def truth_cells(t: dict[str, Any]) -> dict[Cell, float]:
    """The figures of a truth file: score_corpus.seed_truth_cells, nulls left out."""
    cells: dict[Cell, float] = {}
    for c in t.get("active_disclosure") or []:
        if c.get("value") is not None:
            cells[("t2", c["item"], c["measure"])] = c["value"]
    for row, values in (t.get("applications") or {}).items():
        for applicant, v in zip(APPLICANTS, values or []):
            if v is not None:
                cells[("t3", row, applicant)] = v
    for i, v in enumerate(t.get("reviews_litigation") or []):
        if v is not None:
            cells[("t4", PROCEEDINGS[i // 5], RESULTS[i % 5])] = v
    return cells


def parsed_cells(records: dict[str, list[dict]]) -> dict[Cell, float | None]:
    """The parser's figures, keyed as truth_cells (score_corpus.parsed_cells on the records)."""
    cells: dict[Cell, float | None] = {}
    for r in records.get("active_disclosure", []):
        cells[("t2", r["item"], r["measure"])] = r["value"]
    for r in records.get("applications", []):
        cells[("t3", r["outcome"], r["applicant"])] = r["value"]
    for r in records.get("reviews_litigation", []):
        cells[("t4", r["proceeding"], r["result"])] = r["value"]
    return cells


def same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return abs(float(a) - float(b)) < 1e-6


@dataclass
class Score:
    """One report's score (and, added up, a folder's)."""
    reports: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (file, error)
    cells: int = 0
    right: int = 0
    abstained: int = 0
    wrong: list[tuple[str, str, float, float]] = field(default_factory=list)  # (file, cell, truth, parsed)
    exact: int = 0  # reports with every cell right and the year right
    year_right: int = 0
    version_right: int = 0
    region: Counter = field(default_factory=Counter)  # right / wrong / abstained
    region_wrong: list[tuple[str, str, str]] = field(default_factory=list)
    defects: Counter = field(default_factory=Counter)  # "kind", and "kind reported|other|silent"
    missed: list[tuple[str, str, str, list[str]]] = field(default_factory=list)  # (file, kind, expected, codes given)
    false_alarms: Counter = field(default_factory=Counter)  # code -> clean reports raising it
    false_alarm_files: dict[str, list[str]] = field(default_factory=dict)
    by_layout: dict[str, list[int]] = field(default_factory=dict)  # layout -> [cells, right, wrong, reports]

    def add(self, other: "Score") -> None:
        for name in ("reports", "cells", "right", "abstained", "exact", "year_right", "version_right"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.failed += other.failed
        self.wrong += other.wrong
        self.region += other.region
        self.region_wrong += other.region_wrong
        self.defects += other.defects
        self.missed += other.missed
        self.false_alarms += other.false_alarms
        for code, files in other.false_alarm_files.items():
            self.false_alarm_files.setdefault(code, []).extend(files)
        for layout, figures in other.by_layout.items():
            mine = self.by_layout.setdefault(layout, [0, 0, 0, 0])
            for k, v in enumerate(figures):
                mine[k] += v


def _defect_verdict(defect: dict[str, Any], issues: list[dict], parsed: Any, t: dict[str, Any]) -> str:
    """reported (the expected code, on the table and row it is about), other (another issue on that
    table and row: flagged, not named as expected) or silent."""
    kind, expected = defect["kind"], defect.get("expected_issue")
    if expected is None:
        if kind == "gbk":
            ok = (parsed.source.get("encoding") or "").lower().startswith("gb")
        else:  # web_junk: the page's furniture is not taken for the title
            ok = parsed.report.get("title") == t["report"]["title"]
        return "reported" if ok else "silent"
    codes = set(expected.split("|"))
    row = (defect.get("field") or "").split("/")[0] if kind == "missing_cell" else None
    verdict = "silent"
    for issue in issues:
        if defect.get("table") and issue["table"] != defect["table"]:
            continue
        if row and (issue["field"] or "").split("/")[0] != row:
            continue
        if issue["code"] in codes:
            return "reported"
        if issue["code"] not in NOT_DATA_ISSUES or issue["code"] == "cell_ambiguous":
            verdict = "other"
    return verdict


def score_one(raw_path: Path, t: dict[str, Any]) -> Score:
    return score_bytes(raw_path.read_bytes(), raw_path.name, t)


def score_bytes(raw: bytes, name: str, t: dict[str, Any]) -> Score:
    """One report (its bytes and its truth) parsed and scored."""
    from pipeline.errors import ReportError
    from pipeline.parse import parse_report

    s = Score(reports=1)
    layout = t.get("layout", "?")
    want = truth_cells(t)
    s.by_layout[layout] = [len(want), 0, 0, 1]
    s.cells = len(want)
    try:
        parsed = parse_report(raw, name)
    except ReportError as err:
        s.failed.append((name, f"{type(err).__name__}: {err}"))
        return s
    got = parsed_cells(parsed.records)
    for cell, value in want.items():
        g = got.get(cell)
        if same(g, value):
            s.right += 1
        elif g is None:
            s.abstained += 1
        else:
            s.wrong.append((name, "/".join(cell), value, g))
    s.by_layout[layout][1:3] = [s.right, len(s.wrong)]
    rep = parsed.report
    s.year_right = int(rep.get("year") == t["year"])
    s.version_right = int(rep.get("template_version") == t["template_version"])
    s.exact = int(s.right == s.cells and s.year_right == 1)
    want_code = (t["report"].get("region") or {}).get("code")
    got_code = next((rep.get(k) for k in REGION_CODES if rep.get(k)), None)
    if want_code:
        verdict = "abstained" if got_code is None else "right" if got_code == want_code else "wrong"
        s.region[verdict] += 1
        if verdict == "wrong":
            s.region_wrong.append((name, t["org"], f"{want_code} != {got_code}"))
    issues = parsed.records["issues"]
    for defect in t.get("defects") or []:
        s.defects[defect["kind"]] += 1
        verdict = _defect_verdict(defect, issues, parsed, t)
        s.defects[f"{defect['kind']} {verdict}"] += 1
        if verdict != "reported":
            s.missed.append((name, defect["kind"], defect.get("expected_issue") or "-",
                             sorted({i["code"] for i in issues})))
    if not t.get("defects"):
        for code in sorted({i["code"] for i in issues} - NOT_DATA_ISSUES):
            s.false_alarms[code] += 1
            s.false_alarm_files[code] = [name]
    return s


def _score_chunk(args: tuple[str, list[str]]) -> Score:
    folder, names = args
    total = Score()
    for name in names:
        t = json.loads((Path(folder) / "truth" / name).read_text(encoding="utf-8"))
        total.add(score_one(Path(folder) / t["file"], t))
    return total


def score_folder(folder: Path, workers: int = 1, limit: int | None = None) -> Score:
    names = sorted(p.name for p in (folder / "truth").iterdir() if p.suffix == ".json")[:limit]
    chunks = [(str(folder), names[i:i + 100]) for i in range(0, len(names), 100)]
    total = Score()
    if workers <= 1 or len(chunks) <= 1:
        for chunk in chunks:
            total.add(_score_chunk(chunk))
        return total
    from pipeline.parse.template import load_template

    load_template()  # once, before forking
    with ProcessPoolExecutor(workers) as pool:
        for part in pool.map(_score_chunk, chunks):
            total.add(part)
    return total


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def report_lines(s: Score, verbose: bool = False, show: int = 10) -> list[str]:
    """The score as printed: totals, per layout, defects, then the cases to look at."""
    pct = lambda a, b: f"{100 * a / b:.1f}%" if b else "-"  # noqa: E731
    out = [f"reports {s.reports}: {s.exact} exact, {len(s.failed)} not read; "
           f"cells {s.right}/{s.cells} right ({pct(s.right, s.cells)}), {s.abstained} abstained, "
           f"{len(s.wrong)} wrong values",
           f"identity: year {s.year_right}/{s.reports}, template version {s.version_right}/{s.reports}, region "
           f"{s.region['right']} right, {s.region['wrong']} wrong, {s.region['abstained']} abstained"]
    out.append("by layout: " + ", ".join(f"{k} {pct(v[1], v[0])} ({v[3]} reports, {v[2]} wrong)"
                                          for k, v in sorted(s.by_layout.items())))
    kinds = sorted(k for k in s.defects if " " not in k)
    if kinds:
        def one(k: str) -> str:
            extra = ", ".join(f"{s.defects[f'{k} {v}']} {v}" for v in ("other", "silent") if s.defects[f"{k} {v}"])
            return f"{k} {s.defects[k + ' reported']}/{s.defects[k]}" + (f" ({extra})" if extra else "")
        out.append("defects reported with the expected issue code: " + ", ".join(one(k) for k in kinds))
        out.append("  (other: the row or table flagged with another code; silent: nothing said)")
    clean = s.reports - sum(s.defects[k] for k in kinds)
    alarms = ", ".join(f"{code} {n}" for code, n in s.false_alarms.most_common())
    out.append(f"false alarms on the {clean} clean reports: {alarms or 'none'}")
    limit = None if verbose else show
    for name, cell, want, got in s.wrong[:limit]:
        out.append(f"  WRONG {name} {cell}: truth {_num(want)}, parsed {_num(got)}")
    for name, kind, expected, codes in s.missed[:limit]:
        out.append(f"  MISSED {name} {kind}: expected {expected}, got {', '.join(codes) or 'no issue'}")
    for name, error in s.failed[:limit]:
        out.append(f"  FAILED {name}: {error}")
    for name, org, detail in s.region_wrong[:limit]:
        out.append(f"  REGION {name} {org}: {detail}")
    for code, files in sorted(s.false_alarm_files.items()):
        out.append(f"  FALSE ALARM {code}: {', '.join(sorted(files)[:limit])}")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("folder", type=Path, help="a folder written by scripts/generate.py (raw/ and truth/)")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--limit", type=int, default=None, help="score only the first N reports")
    ap.add_argument("-v", action="store_true", help="list every wrong value, missed defect and false alarm")
    args = ap.parse_args(argv)
    s = score_folder(args.folder, args.workers, args.limit)
    print("\n".join(report_lines(s, args.v)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
