"""A stand-in for pipeline.parse_report that turns a seed fixture (tests/fixtures/seeds/*.json)
into tidy frames. It lets the lake and warehouse tests control every figure, region code and
duplicate without depending on the real parser's progress; test_assets.py runs the real one.

Input bytes are JSON: a seed's content, optionally with "region_codes" and "version" keys (the
version only changes the bytes, i.e. a corrected report).
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from types import SimpleNamespace

from pipeline.errors import NotAReportError
from pipeline.parse.schema import TABLE_NAMES

SEEDS = Path(__file__).parent / "fixtures" / "seeds"
from pipeline.parse.template import APPLICANTS  # noqa: E402
REVIEW_LAYOUT = [(p, r) for p in ("review", "litigation_direct", "litigation_after_review")
                 for r in ("upheld", "corrected", "other", "pending", "total")]

# Made-up but well-formed codes: the fixtures name regions, the region resolver is not ours.
CODES = {
    "江西省": "360000", "宜春市": "360900", "高安市": "360983", "靖安县": "360925",
    "八景镇": "360983101", "宝峰镇": "360925102",
    "河南省": "410000", "三门峡市": "411200", "卢氏县": "411224", "官坡镇": "411224104",
    "甘肃省": "620000", "庆阳市": "621000", "合水县": "621024", "西华池镇": "621024100",
    "云南省": "530000", "玉溪市": "530400", "元江哈尼族彝族傣族自治县": "530428", "因远镇": "530428101",
}


def seed(name: str) -> dict:
    return json.loads(next(SEEDS.glob(f"{name}_*.json")).read_text(encoding="utf-8"))


def seed_bytes(name: str, **overrides: object) -> bytes:
    d = seed(name)
    d.update(overrides)
    return json.dumps(d, ensure_ascii=False, sort_keys=True).encode("utf-8")


def parse(raw: bytes, source: str) -> SimpleNamespace:
    try:
        d = json.loads(raw)
    except ValueError as err:
        raise NotAReportError(f"{source}: not a report") from err
    if "report" not in d:
        raise NotAReportError(f"{source}: not a report")
    rid = hashlib.sha256(raw).hexdigest()[:16]
    rep = d["report"]
    region = rep.get("region") or {}
    codes = d.get("region_codes", {})
    row = {"report_id": rid, "sha256": hashlib.sha256(raw).hexdigest(), "source_path": source,
           "encoding": "utf-8", "title": rep.get("title"), "org": rep.get("org"), "year": rep.get("year"),
           "template_version": rep.get("template_version"), "table2_version": rep.get("template_version"),
           "table3_version": rep.get("template_version"), "admin_level": "township", "region_method": "title"}
    for level in ("province", "prefecture", "county", "township"):
        name = region.get(level)
        row[level] = name
        row[f"{level}_code"] = codes.get(level, CODES.get(name))
    # The same shape as ParsedReport.records: plain rows per table, which is what the lake reads.
    records: dict[str, list[dict]] = {n: [] for n in TABLE_NAMES}
    records["reports"] = [row]
    records["active_disclosure"] = [
        {"report_id": rid, "item": a["item"], "measure": a["measure"], "value": a["value"], "unit": a["unit"], "line": 10 + i}
        for i, a in enumerate(d["active_disclosure"])]
    for outcome, values in (d.get("applications") or {}).items():
        for applicant, v in zip(APPLICANTS, values):
            records["applications"].append({"report_id": rid, "outcome": outcome, "applicant": applicant, "value": v,
                                            "line": 100})
    records["reviews_litigation"] = [
        {"report_id": rid, "proceeding": p, "result": r, "value": v, "line": 200}
        for (p, r), v in zip(REVIEW_LAYOUT, d.get("reviews_litigation") or [])]
    records["narrative_facts"] = [{"report_id": rid, "line": 5 + i, **f} for i, f in enumerate(d.get("narrative_facts") or [])]
    records["issues"] = [
        {"report_id": rid, "code": c, "table": "applications", "field": "natural_person" if c == "balance_mismatch" else None,
         "detail": c} for c in d.get("issues") or []]
    return SimpleNamespace(records=records)


def write_seeds(folder: Path, names: tuple[str, ...] = ("000", "001", "002", "003", "004"), **overrides: object) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / f"{name}.json").write_bytes(seed_bytes(name, **overrides))


def doc(name: str, **changes: object) -> dict:
    """A seed's content with top-level keys replaced and "applications.<outcome>" /
    "report.<field>" paths set, for building scenarios."""
    d = seed(name)
    for key, value in changes.items():
        head, _, rest = key.partition("__")
        if rest:
            d.setdefault(head, {})[rest] = value
        else:
            d[head] = value
    return d


def write_doc(folder: Path, filename: str, d: dict) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / filename
    path.write_bytes(json.dumps(d, ensure_ascii=False, sort_keys=True).encode("utf-8"))
    return path


def set_measure(d: dict, item: str, measure: str, value: float, unit: str | None = None) -> dict:
    for a in d["active_disclosure"]:
        if a["item"] == item and a["measure"] == measure:
            a["value"], a["unit"] = value, unit if unit is not None else a["unit"]
            return d
    d["active_disclosure"].append({"item": item, "measure": measure, "value": value, "unit": unit})
    return d
