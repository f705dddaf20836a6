"""Region + years -> the frames an export is made of, read from the SQL models and nothing else.

An export never computes a figure: values per year come from `region_year_indicators` (a
region) or `report_indicator_values` (a body), changes from `yearly_comparison` (like with like:
the bodies that reported in both years, plus the all-bodies change labelled as such), issues
from `quality_issues`, meanings from the warehouse's column comments (the models' SQL headers).
Columns are selected by name, and a model that gains columns changes nothing here.

Rows ("units"): first the whole region, then either the regions one level down (from the
gazetteer, with or without reports) plus the bodies of the region that lie in none of them (its
own government and departments), or every body of the region that reported in the years.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from ..store.query import WarehouseMissingError

if TYPE_CHECKING:
    import pandas as pd

LEVELS = ("province", "prefecture", "county", "township")
GROUPS_FILE = Path(__file__).with_name("groups.toml")
# yearly_comparison columns an export shows for each pair of years, in this order when present
CHANGE_COLUMNS = ("change", "change_ratio", "n_bodies", "all_bodies_change")
# rows: the whole region, a region one level down (its level), a body
TOTAL, BODY = "total", "body"


class ExportError(ValueError):
    """A selection that cannot be exported; `str(err)` says why, for a person."""


class ExportEmptyError(ExportError):
    """The region has no reports in the years asked for: nothing is written."""


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    level: str
    within: str  # the regions above it, e.g. 江西省 for 宜春市; "" for a province


@dataclass(frozen=True)
class Group:
    key: str
    title: str
    indicators: tuple[str, ...]
    rest: bool = False
    open: bool = False


@dataclass(frozen=True)
class Layout:
    """groups.toml: how indicators are arranged, and what the HTML page charts."""

    groups: tuple[Group, ...]
    trends: tuple[str, ...]
    rank: str
    outcomes: tuple[tuple[str, str], ...]  # (indicator, label)


@lru_cache(maxsize=1)
def layout() -> Layout:
    with open(GROUPS_FILE, "rb") as fh:
        d = tomllib.load(fh)
    groups = tuple(Group(g["key"], g["title"], tuple(g["indicators"]), bool(g.get("rest", False)),
                         bool(g.get("open", False))) for g in d["group"])
    if sum(g.rest for g in groups) != 1:
        raise ValueError(f"{GROUPS_FILE}: exactly one group must have rest = true")
    charts = d["charts"]
    return Layout(groups, tuple(charts["trends"]), charts["rank"],
                  tuple((o["indicator"], o["label"]) for o in charts["outcomes"]))


@dataclass
class Selection:
    """What one export holds. Frames are long (tidy); exports reshape them, never add to them."""

    region: Region
    year_from: int
    year_to: int
    rows: str                   # "regions" or "bodies"
    units: pd.DataFrame         # unit, row, code, name: the export's rows, in order
    values: pd.DataFrame        # unit, indicator, kind, year, value
    changes: pd.DataFrame       # unit, indicator, kind, previous_year, year, and CHANGE_COLUMNS present
    issues: pd.DataFrame        # quality_issues rows of the reports in the selection
    meanings: dict[str, str]    # indicator or "model.column" -> its comment in the warehouse
    kinds: dict[str, str] = field(default_factory=dict)  # indicator -> count, yuan, share
    built_at: str = ""
    themes: pd.DataFrame | None = None  # theme_counts rows of the region and years (section 五)

    @cached_property
    def years(self) -> list[int]:
        return sorted(int(y) for y in self.values["year"].dropna().unique())

    @cached_property
    def pairs(self) -> list[tuple[int, int]]:
        got = self.changes[["previous_year", "year"]].drop_duplicates()
        return sorted((int(a), int(b)) for a, b in got.itertuples(index=False, name=None))

    @property
    def span(self) -> str:
        return str(self.year_from) if self.year_from == self.year_to else f"{self.year_from}-{self.year_to}"

    @property
    def title(self) -> str:
        below = "bodies" if self.rows == "bodies" else "regions one level down"
        return f"{self.region.name} {self.span}: {below}"

    def indicators(self) -> list[tuple[Group, list[str]]]:
        """Each group with the indicators of the selection it holds, in groups.toml order."""
        present = list(dict.fromkeys(self.values["indicator"]))
        listed = {i for g in layout().groups for i in g.indicators}
        out = []
        for g in layout().groups:
            names = [i for i in g.indicators if i in present]
            if g.rest:
                names += sorted(i for i in present if i not in listed)
            if names:
                out.append((g, names))
        return out


def _frame(con: duckdb.DuckDBPyConnection, sql: str, params: dict | None = None) -> pd.DataFrame:
    return con.execute(sql, params or {}).df()


def connect(warehouse: Path) -> duckdb.DuckDBPyConnection:
    """The published warehouse, read-only (it is replaced, never written, by a run)."""
    if not Path(warehouse).exists():
        raise WarehouseMissingError(f"no warehouse at {warehouse}: run `ogi run` first")
    return duckdb.connect(str(warehouse), read_only=True)


def resolve_region(con: duckdb.DuckDBPyConnection, region: str) -> Region:
    """A region by its code or its gazetteer name; a name several regions share is refused."""
    found = _frame(con, """SELECT code, name, level, concat_ws('', province, prefecture, county) AS above
                         FROM gazetteer WHERE code = $r OR name = $r ORDER BY code""",
                   {"r": region.strip()})
    if found.empty:
        raise ExportError(f"no region named or coded {region!r} in the gazetteer")
    if len(found) > 1:
        which = ", ".join(f"{r.name} {r.code} (in {(r.above or '').removesuffix(r.name) or 'China'})"
                          for r in found.itertuples())
        raise ExportError(f"{region} names {len(found)} regions: {which}; give the code instead")
    r = found.iloc[0]
    # the names above it: the gazetteer row names the region itself too, except for a township
    within = str(r["above"] or "").removesuffix(str(r["name"]))
    return Region(str(r["code"]), str(r["name"]), str(r["level"]), within)


def select(warehouse: Path, region: str, year_from: int | None = None, year_to: int | None = None,
           rows: str = "auto") -> Selection:
    """The frames of an export of `region` (name or code) over `year_from`..`year_to`.

    Years default to the first and last with reports in the region. `rows`: "regions" (one
    level down), "bodies", or "auto" (bodies for a county or township, regions above).
    Raises ExportEmptyError when the region has no report in those years.
    """
    con = connect(warehouse)
    try:
        return _select(con, region, year_from, year_to, rows)
    finally:
        con.close()


def _select(con: duckdb.DuckDBPyConnection, region: str, year_from: int | None, year_to: int | None,
            rows: str) -> Selection:
    import pandas as pd

    reg = resolve_region(con, region)
    code_col = f"{reg.level}_code"  # a column name from LEVELS, never from the caller
    span = _frame(con, f"SELECT min(year) AS lo, max(year) AS hi FROM report_indicators WHERE {code_col} = $c",
                 {"c": reg.code})
    lo = year_from if year_from is not None else span["lo"][0]
    hi = year_to if year_to is not None else span["hi"][0]
    if pd.isna(lo) or pd.isna(hi):
        raise ExportEmptyError(f"no reports for {reg.name} in any year")
    lo, hi = int(lo), int(hi)
    if lo > hi:
        raise ExportError(f"the first year {lo} is after the last year {hi}")
    where = {"c": reg.code, "lo": lo, "hi": hi}
    bodies = _frame(con, f"""SELECT body_key, arg_max(org, year) AS name, any_value(province_code) AS province_code,
                                  any_value(prefecture_code) AS prefecture_code,
                                  any_value(county_code) AS county_code, any_value(township_code) AS township_code
                           FROM report_indicators
                           WHERE {code_col} = $c AND year BETWEEN $lo AND $hi
                           GROUP BY body_key ORDER BY body_key""", where)
    span_text = str(lo) if lo == hi else f"{lo}-{hi}"
    if bodies.empty:
        raise ExportEmptyError(f"no reports for {reg.name} in {span_text}")
    mode = rows if rows != "auto" else ("bodies" if reg.level in ("county", "township") else "regions")
    if mode not in ("regions", "bodies"):
        raise ExportError(f"rows must be regions, bodies or auto, not {rows!r}")

    units = [(TOTAL, reg.code, reg.name)]
    if mode == "regions":
        children = _frame(con, "SELECT code, name, level FROM gazetteer WHERE parent_code = $c ORDER BY code",
                             {"c": reg.code})
        units += [(str(c.level), str(c.code), str(c.name)) for c in children.itertuples()]
        inside = set(children["code"])
        code_cols = [f"{lv}_code" for lv in LEVELS]
        own = bodies[~bodies[code_cols].isin(inside).any(axis=1)]  # in none of the regions below
    else:
        own = bodies
    units += [(BODY, str(b.body_key), str(b.name)) for b in own.itertuples()]
    unit_frame = pd.DataFrame(units, columns=["row", "code", "name"])
    # a county government's body_key is the county's code: rows are told apart by unit, not code
    unit_frame.insert(0, "unit", [unit_id(r, c) for r, c, _ in units])
    region_codes = [c for r, c, _ in units if r != BODY]
    body_keys = [c for r, c, _ in units if r == BODY]

    keys = {"regions": region_codes, "bodies": body_keys, "lo": lo, "hi": hi}
    values = _frame(con, """
        SELECT 'region:' || region_code AS unit, indicator, kind, year, value
        FROM region_year_indicators
        WHERE region_code IN (SELECT unnest($regions::VARCHAR[])) AND year BETWEEN $lo AND $hi
        UNION ALL
        SELECT 'body:' || body_key AS unit, indicator, kind, year, value
        FROM report_indicator_values
        WHERE body_key IN (SELECT unnest($bodies::VARCHAR[])) AND year BETWEEN $lo AND $hi""", keys)
    changes = _frame(con, """
        SELECT * FROM yearly_comparison
        WHERE ((scope = 'body' AND key IN (SELECT unnest($bodies::VARCHAR[])))
               OR (scope <> 'body' AND key IN (SELECT unnest($regions::VARCHAR[]))))
          AND previous_year >= $lo AND year <= $hi""", keys)
    kept = ["key", "indicator", "kind", "previous_year", "year"] + [c for c in CHANGE_COLUMNS if c in changes.columns]
    changes = changes.assign(unit=[unit_id(BODY if s == "body" else "region", k)
                                   for s, k in zip(changes["scope"], changes["key"])])[["unit", *kept[1:]]]

    # the reports' own issues, and the corrections made for an earlier document of the same body and
    # year (stale: superseded, or no longer in the warehouse), which concern these reports now
    issues = _frame(con, f"""
        WITH chosen AS (SELECT report_id, org, year FROM report_indicators
                        WHERE {code_col} = $c AND year BETWEEN $lo AND $hi)
        SELECT q.* FROM quality_issues AS q
        WHERE q.report_id IN (SELECT report_id FROM chosen)
           OR (q.origin = 'correction' AND (q.related_report_id IN (SELECT report_id FROM chosen)
                                            OR (q.body_key IS NULL AND (q.org, q.year) IN (SELECT org, year FROM chosen))))
        ORDER BY q.year, q.org, q.code, q.line""", where)

    comments = _frame(con, """SELECT table_name, column_name, comment FROM duckdb_columns()
                            WHERE table_name IN ('report_indicators', 'region_year_indicators',
                                                 'report_indicator_values', 'yearly_comparison',
                                                 'quality_issues')
                              AND comment IS NOT NULL""")
    meanings = {f"{t}.{c}": str(m) for t, c, m in comments.itertuples(index=False, name=None)}
    meanings.update({c: m for key, m in meanings.items() for t, c in [key.split(".", 1)] if t == "report_indicators"})
    kinds = dict(values[["indicator", "kind"]].drop_duplicates().itertuples(index=False, name=None))
    # What the bodies say is wrong (section 五), from the model theme_counts, as it stands.
    themes = _frame(con, """
        SELECT year, admin_level, kind, theme, n_reports, n_statements FROM theme_counts
        WHERE level = $level AND region_code = $c AND year BETWEEN $lo AND $hi
        ORDER BY year, kind DESC, admin_level, n_reports DESC, n_statements DESC, theme""",
                    {**where, "level": reg.level}) if _has_table(con, "theme_counts") else None
    built = _frame(con, "SELECT max(built_at)::VARCHAR AS built_at FROM build_info") \
        if _has_table(con, "build_info") else None
    return Selection(reg, lo, hi, mode, unit_frame, values, changes, issues, meanings, kinds,
                     str(built["built_at"][0]) if built is not None and not built.empty else "", themes)


def unit_id(row: str, code: str) -> str:
    """The key of an export row: body:<body_key> or region:<region code>."""
    return f"body:{code}" if row == BODY else f"region:{code}"


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    got = _frame(con, "SELECT count(*) AS n FROM duckdb_tables() WHERE table_name = $n", {"n": name})
    return bool(got["n"][0])
