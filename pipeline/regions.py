"""Place a report's issuing body in province > prefecture > county > township, with codes.

Reference data is ``data/reference/gazetteer.csv.gz`` (Ministry of Civil Affairs code table as
of 2025-12-31, built by ``scripts/build_gazetteer.py``) plus two alias files:
``region_aliases.csv`` (generated: 元江县 for 元江哈尼族彝族傣族自治县, stems such as 高安) and
``region_aliases_manual.csv`` (hand entries, e.g. OCR confusions such as 沐阳县 -> 沭阳县).

Codes: province/prefecture/county codes are 6-digit GB/T 2260 codes; township codes are the
Ministry's 9-digit codes. They are *not* the statistics bureau's 12-digit 统计用区划代码, whose
first 9 digits can name a different township: never put the two schemes in one column.

Places without a real prefecture (districts of 北京/天津/上海/重庆, 省直辖县级行政区划 such as
仙桃市 or 济源市, 新疆's corps cities) have null prefecture fields; townships directly under a
prefecture (东莞市, 中山市, 儋州市, 嘉峪关市, ...) have null county fields. Nothing is invented
to fill the gap, so roll-ups must treat a null level as "skipped", not "unknown".

How a body is placed:
1. The "head" is the org, else the title up to its year, else the first line of the body.
   A longest-match scan finds the leading chain of adjacent places in it (靖安县|宝峰镇); the
   last one is the target, and whatever follows the chain is a department (生态环境局,
   人民政府办公室) unless it is just 人民政府/办事处.
2. Every gazetteer entry with the target's name (or alias) is a candidate. Candidates are
   scored by how many of their ancestors are named in the title/org, then in the body, then by
   how many unique places in the text lie under them. A single best candidate wins; a tie,
   including the no-context tie of a shared name, is reported as ``region_ambiguous`` and not
   guessed.
3. A head that names no place (or an unknown one: 幸福里镇) is ``region_unresolved``.

The index is built once per process (``_index``), and scanning is linear in the text length:
each position walks a prefix set at most as deep as the longest name (15 characters).
"""
from __future__ import annotations

import csv
import gzip
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

REF_DIR = Path(__file__).resolve().parent.parent / "data" / "reference"

# Body text is scanned only for context (ancestor names such as 合水县). The places that
# matter are named early, and a report's tables and boilerplate add nothing, so the first
# 20,000 characters (a whole typical report) keep a long text from costing more.
BODY_SCAN_CHARS = 20_000

_LEVELS = ("province", "prefecture", "county", "township")
_WS_RE = re.compile(r"[\s\u3000]+")
# The head of a title ends where the year or the report-kind words begin.
_HEAD_END_RE = re.compile(
    r"\d|[〇零一二三四五六七八九]{2,}年|年度|关于|(?:人民)?政府信息公开|信息公开|政务公开|工作年度报告|年报"
)
_LEADING_YEAR_RE = re.compile(r"^(?:\d{4}|[〇零一二三四五六七八九]{4})年度?")
_HEAD_JUNK_RE = re.compile(r"^[\W_]+|[\W_]+$")
# What may follow a place in the head without making the body a department.
_NOT_DEPARTMENT = frozenset({"人民政府", "政府", "办事处", "街道办事处", "人民政府办事处", "公所"})
_DEPARTMENT_RE = re.compile(r"(?:局|委员会|委|办公室|办公厅|办|中心|所|站|院|厅|署|队|馆|部|会|处|室|社)$")
# A place-like word (not in the gazetteer) standing where the body's own name belongs.
_UNKNOWN_PLACE_RE = re.compile(
    r"^(?P<name>[\u4e00-\u9fff]{1,12}?(?:街道|苏木|镇|乡|县|市|区|旗|州|盟))"
    r"(?:人民政府|政府|街道办事处|办事处)?$"
)


@dataclass(frozen=True)
class RegionResult:
    province: str | None
    province_code: str | None
    prefecture: str | None
    prefecture_code: str | None
    county: str | None
    county_code: str | None
    township: str | None
    township_code: str | None
    admin_level: str | None  # province | prefecture | county | township | department | None
    department: str | None  # e.g. '生态环境局' when the body is a department, else None
    method: str  # 'title' | 'body' | 'alias' | 'none'
    issue: str | None  # None | 'region_unresolved' | 'region_ambiguous'
    candidates: tuple[str, ...] = ()
    detail: str | None = None

    @property
    def code(self) -> str | None:
        """The most specific code known."""
        return self.township_code or self.county_code or self.prefecture_code or self.province_code

    def columns(self) -> dict[str, str | None]:
        """The region columns of the ``reports`` frame (see pipeline.parse.schema.REGION_COLUMNS)."""
        return {
            "province": self.province,
            "province_code": self.province_code,
            "prefecture": self.prefecture,
            "prefecture_code": self.prefecture_code,
            "county": self.county,
            "county_code": self.county_code,
            "township": self.township,
            "township_code": self.township_code,
            "admin_level": self.admin_level,
            "department": self.department,
            "region_method": self.method,
        }


@dataclass(frozen=True, slots=True)
class _Place:
    code: str
    name: str
    level: str
    names: tuple[str | None, str | None, str | None, str | None]  # province..township
    codes: tuple[str | None, str | None, str | None, str | None]

    @property
    def ancestors(self) -> tuple[str, ...]:
        return tuple(c for c in self.codes if c and c != self.code)

    @property
    def path(self) -> str:
        return "/".join(n for n in self.names if n)


@dataclass(frozen=True, slots=True)
class _Entry:
    code: str
    alias: bool  # matched through an alias, not the official name
    weak: bool  # a bare stem (高安): a candidate only inside a head, context elsewhere


@dataclass(frozen=True, slots=True)
class _Match:
    start: int
    end: int
    surface: str
    entries: tuple[_Entry, ...]

    @property
    def weak(self) -> bool:
        return all(e.weak for e in self.entries)


class _Index:
    def __init__(self, places: dict[str, _Place], entries: dict[str, tuple[_Entry, ...]]):
        self.places = places
        self.entries = entries
        self.prefixes = frozenset(s[:k] for s in entries for k in range(1, len(s) + 1))

    def longest_at(self, text: str) -> dict[int, _Match]:
        """The longest name starting at each position (a walk of at most 15 characters)."""
        prefixes, entries = self.prefixes, self.entries
        n = len(text)
        out: dict[int, _Match] = {}
        for i in range(n):
            if text[i] not in prefixes:
                continue
            best = 0
            j = i + 1
            while j <= n and text[i:j] in prefixes:
                if text[i:j] in entries:
                    best = j
                j += 1
            if best:
                out[i] = _Match(i, best, text[i:best], entries[text[i:best]])
        return out

    def scan(self, text: str, at: dict[int, _Match] | None = None) -> list[_Match]:
        """Longest matches at every position, minus those inside a longer match.

        Keeping overlapping matches (not only a greedy left-to-right tiling) matters when a
        short name starts inside a long one; dropping contained ones keeps 华池 (华池县's stem)
        out of 西华池镇.
        """
        n = len(text)
        out: list[_Match] = []
        reach = 0
        for m in (self.longest_at(text) if at is None else at).values():
            if m.end > reach:
                out.append(m)
                reach = m.end
        if not any(m.weak for m in out):
            return out
        # A stem straddling a real name is an artifact of the boundary: 东莞市|南城街道 reads
        # 市南 (市南区's stem) across it. Drop weak matches that overlap a strong one.
        strong_end = [0] * len(out)
        last = 0
        for k, m in enumerate(out):
            strong_end[k] = last
            if not m.weak:
                last = max(last, m.end)
        keep: list[_Match] = []
        next_start = n + 1
        for k in range(len(out) - 1, -1, -1):
            m = out[k]
            if not (m.weak and (strong_end[k] > m.start or next_start < m.end)):
                keep.append(m)
            if not m.weak:
                next_start = m.start
        keep.reverse()
        return keep


def _read_csv(path: Path) -> Iterator[dict[str, str]]:
    # Streamed: holding all 42k rows as dicts at once would double the loader's peak memory.
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", newline="") as fh:
        yield from csv.DictReader(fh)


@lru_cache(maxsize=1)
def _index() -> _Index:
    places: dict[str, _Place] = {}
    surfaces: dict[str, list[_Entry]] = {}
    empty = (None, None, None, None)
    for row in _read_csv(REF_DIR / "gazetteer.csv.gz"):
        code, name, level = row["code"], row["name"], row["level"]
        # Rows are sorted by code, so a parent is always loaded before its children; copying
        # the parent's path shares its strings instead of holding 40k copies of 江西省.
        parent = places.get(row["parent_code"])
        if row["parent_code"] and parent is None:
            raise ValueError(f"gazetteer: {code} {name} comes before its parent {row['parent_code']}")
        k = _LEVELS.index(level)
        names, codes = list(parent.names if parent else empty), list(parent.codes if parent else empty)
        names[k], codes[k] = name, code
        places[code] = _Place(code, name, level, tuple(names), tuple(codes))
        surfaces.setdefault(name, []).append(_Entry(code, False, False))
    for fname in ("region_aliases.csv", "region_aliases_manual.csv"):
        path = REF_DIR / fname
        if not path.exists():
            continue
        for row in _read_csv(path):
            place = places.get(row["code"])
            if place is None or place.name != row["name"]:
                raise ValueError(f"{fname}: alias {row['alias']!r} points at {row['code']} "
                                 f"{row['name']}, which the gazetteer does not have")
            lst = surfaces.setdefault(row["alias"], [])
            if all(e.code != row["code"] for e in lst):
                lst.append(_Entry(row["code"], True, row["scope"] == "title"))
    return _Index(places, {s: tuple(v) for s, v in surfaces.items()})


def _norm(text: str | None) -> str:
    # OCR and web copies put spaces inside names (靖 安 县); no name contains whitespace.
    return _WS_RE.sub("", text or "")


def _head_of(text: str) -> str:
    text = _LEADING_YEAR_RE.sub("", text)  # 2022年靖安县人民政府…: the name follows the year
    m = _HEAD_END_RE.search(text)
    return _HEAD_JUNK_RE.sub("", text[: m.start()] if m else text)


def _first_line(body: str) -> str:
    for line in body[:2000].splitlines():
        if line.strip():
            return line
    return ""


def _leading_chain(idx: _Index, head: str) -> list[_Match]:
    """The first run of adjacent places in ``head``.

    Links are looked up among the longest names at *every* position, not only the scan's
    non-overlapping ones: in 汾阳市西河街道 the scan sees 市西河街道 (a 贵阳 township) across
    the boundary, while the chain wants 西河街道 right after 汾阳市.
    A weak stem joins only when a strong place follows it (靖安|宝峰镇) or when it is the
    whole name (靖安 + 人民政府); otherwise 公安 in 靖安县公安局 or 公安局 would read as 公安县.
    """
    at = idx.longest_at(head)
    for first in idx.scan(head, at):
        chain = [first]
        while (nxt := at.get(chain[-1].end)) is not None:
            chain.append(nxt)
        while chain and chain[-1].weak:
            rest = head[chain[-1].end:]
            if (rest in _NOT_DEPARTMENT or not rest) and len(chain) == 1 and first.start == 0:
                break
            chain.pop()
        if chain:
            return chain
    return []


def _codes(matches: list[_Match], idx: _Index | None = None) -> set[str]:
    """Codes named by ``matches``; with ``idx``, weak stems count only for provinces.

    In prose, stems such as 资源, 合作, 振兴 are ordinary words far more often than 资源县 or
    合作市, so outside the title only the province short forms (江西, 广西) are trusted.
    """
    return {e.code for m in matches for e in m.entries
            if idx is None or not e.weak or idx.places[e.code].level == "province"}


def _under(matches: list[_Match], idx: _Index) -> set[str]:
    """Ancestors of the places named unambiguously (unique names only: 城关镇 proves nothing)."""
    out: set[str] = set()
    for m in matches:
        if len(m.entries) == 1 and not m.entries[0].weak:
            out.update(idx.places[m.entries[0].code].ancestors)
    return out


def _result(place: _Place | None, *, level: str | None, department: str | None, method: str,
            issue: str | None = None, candidates: tuple[str, ...] = (),
            detail: str | None = None) -> RegionResult:
    names = place.names if place else (None,) * 4
    codes = place.codes if place else (None,) * 4
    return RegionResult(
        province=names[0], province_code=codes[0],
        prefecture=names[1], prefecture_code=codes[1],
        county=names[2], county_code=codes[2],
        township=names[3], township_code=codes[3],
        admin_level=level, department=department, method=method, issue=issue,
        candidates=candidates, detail=detail,
    )


def _shared(places: list[_Place]) -> _Place | None:
    """The deepest place every candidate lies in, as a partial place, or None."""
    names: list[str | None] = [None] * 4
    codes: list[str | None] = [None] * 4
    for k in range(4):
        vals = {p.codes[k] for p in places}
        if len(vals) != 1 or None in vals:
            break
        names[k], codes[k] = places[0].names[k], places[0].codes[k]
    if not any(codes):
        return None
    return _Place(next(c for c in reversed(codes) if c), "", "", tuple(names), tuple(codes))


def resolve_region(title: str | None, org: str | None, body: str) -> RegionResult:
    """Place the body that issued a report. See the module docstring for the rules."""
    idx = _index()
    title_n, org_n = _norm(title), _norm(org)
    body_n = _norm((body or "")[:BODY_SCAN_CHARS])

    heads = [
        (org_n, "title"),
        (_head_of(title_n), "title"),
        # Only the body's first line may name the body itself: further down, prose names the
        # superiors and neighbours (根据江西省…), which are context, not the issuer.
        (_head_of(_norm(_first_line(body or ""))), "body"),
    ]
    chain: list[_Match] = []
    head, source = "", "none"
    for text, src in heads:
        if not text:
            continue
        chain = _leading_chain(idx, text)
        if chain:
            head, source = text, src
            break
        unknown = _UNKNOWN_PLACE_RE.match(text)
        if unknown:
            return _result(None, level=None, department=None, method="none",
                           issue="region_unresolved",
                           detail=f"{unknown['name']!r} is not in the gazetteer")
    if not chain:
        return _result(None, level=None, department=None, method="none",
                       issue="region_unresolved", detail="no place name in the title, org or first line")

    target = chain[-1]
    rest = head[target.end:]
    department = unknown_below = None
    if rest and rest not in _NOT_DEPARTMENT:
        if _DEPARTMENT_RE.search(rest):
            # 中共靖安县委办公室: the party committee's name borrows the place's last character.
            department = target.surface[-1] + rest if rest.startswith("委") else rest
        elif m := _UNKNOWN_PLACE_RE.match(rest):
            unknown_below = m["name"]  # 靖安县幸福里镇: the county is known, the body is not

    title_matches = idx.scan(title_n + "|" + org_n)  # '|' stops a match across the two
    body_matches = idx.scan(body_n)
    title_ctx = _codes(title_matches) | _codes(chain[:-1])
    body_ctx = _codes(body_matches, idx)
    under = _under(title_matches + body_matches, idx)

    cands = [idx.places[e.code] for e in target.entries]
    via_alias = {e.code: e.alias for e in target.entries}

    def score(p: _Place) -> tuple[int, int, int]:
        anc = p.ancestors
        return (sum(a in title_ctx for a in anc), sum(a in body_ctx for a in anc), int(p.code in under))

    scores = {p.code: score(p) for p in cands}
    best = max(scores.values())
    top = [p for p in cands if scores[p.code] == best]
    if len(top) > 1:
        shared = _shared(top)
        return _result(shared, level="department" if department else None, department=department,
                       method=source if shared else "none", issue="region_ambiguous",
                       candidates=tuple(sorted(p.path for p in top)),
                       detail=f"{target.surface!r} names {len(top)} places and the text does not "
                              f"tell them apart: {', '.join(sorted(p.code for p in top)[:10])}"
                              f"{', ...' if len(top) > 10 else ''}")

    place = top[0]
    if via_alias[place.code]:
        method = "alias"
    elif source == "body" or (len(cands) > 1 and sum(s[0] == best[0] for s in scores.values()) > 1):
        method = "body"  # the head alone left a tie; the body's context broke it
    else:
        method = "title"
    if unknown_below:
        return _result(place, level=None, department=None, method=method,
                       issue="region_unresolved",
                       detail=f"{unknown_below!r} (under {place.path}) is not in the gazetteer")
    detail = f"{target.surface!r} is an alias of {place.name}" if via_alias[place.code] else None
    return _result(place, level="department" if department else place.level,
                   department=department, method=method, detail=detail)
