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

The body is scanned only when the title leaves two or more candidates tied (step 2 ranks by
the title first); a single candidate needs no context at all.

The index (the places, and an Aho-Corasick automaton that finds every name and alias) takes
about half a second to build from the CSVs, longer than the rest of `ogi parse FILE`; loading
it takes about 10 ms. It is built once and kept in a cache folder ($OGI_CACHE_DIR, else
$XDG_CACHE_HOME/ogi, else ~/.cache/ogi), in a file named by the hash of the reference files and
the index format, so an updated gazetteer is simply built again. A damaged cache file is
rebuilt; a folder that cannot be written only means building in memory each time. Scanning is
one automaton pass, linear in the text length.
"""
from __future__ import annotations

import contextlib
import csv
import gzip
import hashlib
import io
import os
import pickle
import re
import sys
import zlib
from array import array
from bisect import bisect_left
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import ahocorasick

REF_DIR = Path(__file__).resolve().parent.parent / "data" / "reference"

# Body text is scanned only for context (ancestor names such as 合水县). The places that
# matter are named early, and a report's tables and boilerplate add nothing, so the first
# 20,000 characters (a whole typical report) keep a long text from costing more.
BODY_SCAN_CHARS = 20_000

_LEVELS = ("province", "prefecture", "county", "township")
_ALIAS_FILES = ("region_aliases.csv", "region_aliases_manual.csv")
_KEY_CHARS = 2  # names are found through their first two characters (no name is shorter)
_KEY_BITS = 6  # an automaton value is row offset << 6 | the pair's length in bytes
_KEY_MASK = (1 << _KEY_BITS) - 1
_INDEX_FORMAT = 4  # raise when the cached index's layout changes: older cache files are rebuilt
_CACHE_MAGIC = "ogi-regions"
_CACHE_KEEP = 4  # index files kept in the cache folder (about 10 MB each)
# What the cache holds: automaton, entry rows, place codes, record offsets, place records.
_Parts = tuple[ahocorasick.Automaton, bytes, array, array, bytes]
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


class _Places(Mapping[str, _Place]):
    """code -> _Place, unpacked on first use.

    Loading 42k place objects takes longer than a whole `ogi parse`, and a report looks up a
    handful: the cache holds the places as UTF-8 records ("code<TAB>name<TAB>level<TAB>parent")
    in code order, their codes as integers beside them, and a lookup bisects, unpacks, memoizes.
    """

    def __init__(self, keys: array, offsets: array, blob: bytes):
        self._keys, self._offsets, self._blob = keys, offsets, blob
        self._memo: dict[str, _Place] = {}

    def _record(self, i: int) -> list[str]:
        return self._blob[self._offsets[i]:self._offsets[i + 1]].decode("utf-8").split("\t")

    def __getitem__(self, code: str) -> _Place:
        place = self._memo.get(code)
        if place is not None:
            return place
        i = bisect_left(self._keys, int(code)) if code.isdigit() else len(self._keys)
        if i == len(self._keys) or self._keys[i] != int(code):
            raise KeyError(code)
        rec_code, name, k, parent_code = self._record(i)
        if rec_code != code:  # '0360925' is not 360925
            raise KeyError(code)
        parent = self[parent_code] if parent_code else None
        names = list(parent.names if parent else (None,) * 4)
        codes = list(parent.codes if parent else (None,) * 4)
        names[int(k)], codes[int(k)] = name, code
        place = self._memo[code] = _Place(code, name, _LEVELS[int(k)], tuple(names), tuple(codes))
        return place

    def __iter__(self) -> Iterator[str]:
        return (self._record(i)[0] for i in range(len(self._keys)))

    def __len__(self) -> int:
        return len(self._keys)


def _to_units(text: str) -> str:
    """The text's UTF-8 bytes as a str of code points 0-255, the automaton's alphabet.

    pyahocorasick finds a node's child by a linear search: over the 3,000-odd characters that
    begin a Chinese place name, the root alone costs microseconds per character. Over bytes a
    node has at most a few dozen children. UTF-8 is self-synchronizing, so a name's bytes can
    only match at a character boundary.
    """
    return text.encode("utf-8", "surrogatepass").decode("latin-1")


class _Index:
    """The places, and every name and alias of the gazetteer found through its first two
    characters: an Aho-Corasick automaton holds the 24k distinct pairs.

    An automaton of the whole names has four times the nodes, and unpickling nodes is most of
    the cost of loading the index (20 ms against 2). A pair's value in the automaton packs the
    offset of its row in ``rows`` and the pair's length in bytes (``offset << 6 | bytes``). A row
    lists the names that begin with the pair, longest first, each with its entries:
    ``name<TAB>code[flag],code[flag]|name<TAB>...``, flag ``a`` for an alias and ``w`` for a
    weak alias (a stem trusted only in a title). A row is decoded when its pair is first met.
    """

    def __init__(self, automaton: ahocorasick.Automaton, rows: bytes, places: _Places):
        self.automaton = automaton
        self.rows = rows
        self.places = places
        self._decoded: dict[int, tuple[tuple[str, int, tuple[_Entry, ...]], ...]] = {}

    def _row(self, off: int) -> tuple[tuple[str, int, tuple[_Entry, ...]], ...]:
        """(name as automaton units, length in characters, entries) of the names of one row."""
        got = self._decoded.get(off)
        if got is None:
            names = []
            for item in self.rows[off:self.rows.index(b"\n", off)].split(b"|"):
                name, entries = item.split(b"\t")
                names.append((name.decode("latin-1"), len(name.decode("utf-8")), tuple(
                    _Entry(c.rstrip("aw"), c[-1] in "aw", c[-1] == "w")
                    for c in entries.decode("ascii").split(","))))
            got = self._decoded[off] = tuple(names)
        return got

    def lookup(self, name: str) -> tuple[_Entry, ...]:
        """The entries of one name (official or alias), () if the gazetteer has no such name."""
        value = self.automaton.get(_to_units(name[:_KEY_CHARS]), None)
        if value is None:
            return ()
        units = _to_units(name)
        return next((entries for n, _, entries in self._row(value >> _KEY_BITS) if n == units), ())

    def longest_at(self, text: str) -> dict[int, _Match]:
        """The longest name starting at each position, in order of position.

        One pass of the automaton finds every pair that begins a name; the row of the pair
        tells which name, if any, is there. Every pair is two characters, so pairs are met in
        the order of their start.
        """
        units = _to_units(text)
        found: list[tuple[int, int, tuple[_Entry, ...]]] = []  # (byte offset, characters, entries)
        for end, value in self.automaton.iter(units):
            start = end + 1 - (value & _KEY_MASK)
            for name, chars, entries in self._row(value >> _KEY_BITS):
                if units.startswith(name, start):
                    found.append((start, chars, entries))
                    break
        out: dict[int, _Match] = {}
        if not found:
            return out
        raw = text.encode("utf-8", "surrogatepass") if len(units) != len(text) else None
        pos = char = 0
        for start, chars, entries in found:
            # Byte offset -> character offset, decoding only the stretch since the last match.
            if raw is not None:
                char += len(raw[pos:start].decode("utf-8", "surrogatepass"))
                pos = start
            else:
                char = start
            out[char] = _Match(char, char + chars, text[char:char + chars], entries)
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


def _read_reference(ref_dir: Path) -> tuple[dict[str, tuple[str, int, str]], dict[str, list[tuple[str, str]]]]:
    """(code -> (name, level index, parent code), name or alias -> [(code, flag)]) from the CSVs."""
    places: dict[str, tuple[str, int, str]] = {}
    surfaces: dict[str, list[tuple[str, str]]] = {}
    for row in _read_csv(ref_dir / "gazetteer.csv.gz"):
        code, name, parent = row["code"], row["name"], row["parent_code"]
        # Rows are sorted by code, so a parent is always read before its children.
        if parent and parent not in places:
            raise ValueError(f"gazetteer: {code} {name} comes before its parent {parent}")
        if not code.isdigit() or "\t" in name:
            raise ValueError(f"gazetteer: bad row {code!r} {name!r}")
        places[code] = (name, _LEVELS.index(row["level"]), parent)
        surfaces.setdefault(name, []).append((code, ""))
    for fname in _ALIAS_FILES:
        path = ref_dir / fname
        if not path.exists():
            continue
        for row in _read_csv(path):
            place = places.get(row["code"])
            if place is None or place[0] != row["name"]:
                raise ValueError(f"{fname}: alias {row['alias']!r} points at {row['code']} "
                                 f"{row['name']}, which the gazetteer does not have")
            lst = surfaces.setdefault(row["alias"], [])
            if all(code != row["code"] for code, _ in lst):
                lst.append((row["code"], "w" if row["scope"] == "title" else "a"))
    return places, surfaces


def _build(ref_dir: Path) -> _Parts:
    """The index's parts, in the plain form the cache stores."""
    places, surfaces = _read_reference(ref_dir)
    by_key: dict[str, list[str]] = {}
    for name in surfaces:
        if len(name) < _KEY_CHARS or any(c in name for c in "\t|\n"):
            raise ValueError(f"gazetteer: name {name!r} is shorter than {_KEY_CHARS} characters "
                             "or holds a tab, | or a line break")
        by_key.setdefault(name[:_KEY_CHARS], []).append(name)
    automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS)
    rows = bytearray()
    for key, names in by_key.items():
        units = _to_units(key)
        automaton.add_word(units, len(rows) << _KEY_BITS | len(units))
        names.sort(key=len, reverse=True)  # of two names matching at one place, the longer first
        rows += b"|".join(name.encode("utf-8") + b"\t" + ",".join(code + flag for code, flag in surfaces[name])
                          .encode("ascii") for name in names) + b"\n"
    automaton.make_automaton()
    order = sorted(places, key=int)
    records = [f"{c}\t{places[c][0]}\t{places[c][1]}\t{places[c][2]}".encode("utf-8") for c in order]
    offsets = array("Q", [0])
    for rec in records:
        offsets.append(offsets[-1] + len(rec))
    return automaton, bytes(rows), array("Q", map(int, order)), offsets, b"".join(records)


def cache_dir() -> Path | None:
    """Where the built index is kept: $OGI_CACHE_DIR, else $XDG_CACHE_HOME/ogi, else ~/.cache/ogi."""
    if os.environ.get("OGI_CACHE_DIR"):
        return Path(os.environ["OGI_CACHE_DIR"])
    if os.environ.get("XDG_CACHE_HOME"):
        return Path(os.environ["XDG_CACHE_HOME"]) / "ogi"
    try:
        return Path.home() / ".cache" / "ogi"
    except RuntimeError:  # no $HOME and no password entry: no cache
        return None


def _cache_key(ref_dir: Path) -> str:
    """What the index is built from: the reference files' bytes, this format, and the automaton
    library (its pickle is an image of its nodes: another build of the library must not read it)."""
    h = hashlib.sha256(f"{_INDEX_FORMAT}|{sys.version_info[:2]}|".encode())
    lib = os.stat(ahocorasick.__file__)
    h.update(f"{Path(ahocorasick.__file__).name}|{lib.st_size}|{lib.st_mtime_ns}|".encode())
    for fname in ("gazetteer.csv.gz", *_ALIAS_FILES):
        path = ref_dir / fname
        h.update(f"{fname}:".encode())
        h.update(path.read_bytes() if path.exists() else b"-")
    return h.hexdigest()


class _IndexUnpickler(pickle.Unpickler):
    # The cache is data: nothing but the automaton and arrays may be rebuilt from it.
    _ALLOWED = {("ahocorasick", "Automaton"), ("array", "array"), ("array", "_array_reconstructor")}

    def find_class(self, module: str, name: str) -> object:
        if (module, name) not in self._ALLOWED:
            raise pickle.UnpicklingError(f"{module}.{name} is not allowed in the region index cache")
        return super().find_class(module, name)


def _read_cache(path: Path, key: str) -> _Parts | None:
    """The cached parts, or None when the file is missing, of another key or format, or damaged."""
    try:
        data = path.read_bytes()
        n = data.index(b"\n")
        magic, fmt, got_key, crc, size = data[:n].decode("ascii").split(" ")
        payload = memoryview(data)[n + 1:]
        # The automaton is unpickled by C code that trusts its bytes: check them first.
        if (magic, fmt, got_key) != (_CACHE_MAGIC, str(_INDEX_FORMAT), key) or int(size) != len(payload) \
                or int(crc) != zlib.crc32(payload):
            return None
        stream = io.BytesIO(data)  # shares data's buffer: no copy of the payload
        stream.seek(n + 1)
        parts = _IndexUnpickler(stream).load()
        automaton, rows, keys, offsets, blob = parts
        if not (isinstance(automaton, ahocorasick.Automaton) and isinstance(rows, bytes)
                and isinstance(keys, array) and isinstance(offsets, array) and isinstance(blob, bytes)
                and len(offsets) == len(keys) + 1 and offsets[-1] == len(blob)):
            return None
        return parts
    except Exception:  # any damage at all means "build it again", never a failed parse
        return None


def _write_cache(path: Path, key: str, parts: _Parts) -> None:
    """Write atomically (temporary file, then rename); a folder we cannot write is no error."""
    import tempfile  # only after a build: not on the common path

    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = pickle.dumps(parts, protocol=5)
        header = f"{_CACHE_MAGIC} {_INDEX_FORMAT} {key} {zlib.crc32(payload)} {len(payload)}\n"
        fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(header.encode("ascii"))
            fh.write(payload)
        os.replace(tmp, path)
        tmp = None
        _prune(path.parent, keep=path)
    except Exception:  # read-only, full or missing folder: the index in memory serves this process
        pass
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _prune(folder: Path, keep: Path) -> None:
    """Remove all but the newest few index files: each gazetteer or format change leaves one
    behind, and a few checkouts with different gazetteers may share the folder."""
    files = sorted(folder.glob("regions-*.idx"), key=lambda f: f.stat().st_mtime_ns, reverse=True)
    for old in files[_CACHE_KEEP:]:
        if old != keep:
            with contextlib.suppress(OSError):
                old.unlink()


def load_index(ref_dir: Path, cache: Path | None) -> _Index:
    """The index of ``ref_dir``'s gazetteer: read from ``cache`` when a file there was built from
    the same reference files, else built (about half a second) and saved there for next time."""
    key = _cache_key(ref_dir)
    path = cache / f"regions-{key[:24]}.idx" if cache is not None else None
    parts = _read_cache(path, key) if path is not None else None
    if parts is None:
        parts = _build(ref_dir)
        if path is not None:
            _write_cache(path, key, parts)
    automaton, rows, keys, offsets, blob = parts
    return _Index(automaton, rows, _Places(keys, offsets, blob))


@lru_cache(maxsize=1)
def _index() -> _Index:
    return load_index(REF_DIR, cache_dir())


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

    def heads() -> Iterator[tuple[str, str]]:  # lazily: the org or title settles most reports
        yield org_n, "title"
        yield _head_of(title_n), "title"
        # Only the body's first line may name the body itself: further down, prose names the
        # superiors and neighbours (根据江西省…), which are context, not the issuer.
        yield _head_of(_norm(_first_line(body or ""))), "body"

    chain: list[_Match] = []
    head, source = "", "none"
    for text, src in heads():
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

    cands = [idx.places[e.code] for e in target.entries]
    via_alias = {e.code: e.alias for e in target.entries}

    # Context only ranks candidates, and the score below compares title context first: one
    # candidate needs no context, and the body is scanned only when the title leaves a tie.
    title_ctx: set[str] = set()
    body_ctx: set[str] = set()
    under: set[str] = set()
    if len(cands) > 1:
        title_matches = idx.scan(title_n + "|" + org_n)  # '|' stops a match across the two
        title_ctx = _codes(title_matches) | _codes(chain[:-1])
        in_title = [sum(a in title_ctx for a in p.ancestors) for p in cands]
        body_matches: list[_Match] = []
        if in_title.count(max(in_title)) > 1:
            body_matches = idx.scan(_norm((body or "")[:BODY_SCAN_CHARS]))
            body_ctx = _codes(body_matches, idx)
        under = _under(title_matches + body_matches, idx)

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
