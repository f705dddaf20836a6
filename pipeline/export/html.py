"""Selection -> one self-contained HTML page: the tables and three charts (trends per row, the mix
of application outcomes as stacked bars, a ranking), drawn by Vega-Lite through altair.

Self-contained: the Vega, Vega-Lite and vega-embed JavaScript is inlined (vl-convert-python ships
the bundle, the one `altair.Chart.save(..., inline=True)` uses), the data is in the specs, and
vega-embed's action menu (links to the online editor) is off: viewing the page needs no network.
Chinese labels: the charts and the page name a list of CJK-capable fonts, so whichever the
viewer's system has draws 宜春市 (Linux, macOS and Windows each have one of them).
"""
from __future__ import annotations

import html
import json
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import layout as lay
from .selection import BODY, TOTAL, Selection, layout
from .files import write_file

if TYPE_CHECKING:
    import pandas as pd

FONT = '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "PingFang SC", ' \
       '"Hiragino Sans GB", "Microsoft YaHei", sans-serif'
EMBED_OPTIONS = {"actions": False, "renderer": "svg"}


def _text(value: Any, fmt: str) -> str:
    import pandas as pd

    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if fmt == "text":
        return str(value)
    v = float(value)
    return {
        "count": f"{v:,.0f}" if v == round(v) else f"{v:,.2f}",
        "count_change": f"{v:+,.0f}" if v == round(v) else f"{v:+,.2f}",
        "share": f"{v:.1%}",
        "share_change": f"{v * 100:+.1f} pt",  # fraction points, printed as percentage points
        "ratio": f"{v:+.1%}",
        "int": f"{v:.0f}",
    }[fmt]


def _table(frame: pd.DataFrame, cols: list[lay.Column]) -> str:
    n_unit = len(lay.UNIT_COLUMNS)
    top = [f'<th rowspan="2">{html.escape(c.heading)}</th>' for c in cols[:n_unit]]
    j = n_unit
    while j < len(cols):
        k = j
        while k + 1 < len(cols) and cols[k + 1].indicator == cols[j].indicator:
            k += 1
        top.append(f'<th colspan="{k - j + 1}">{html.escape(cols[j].indicator)}</th>')
        j = k + 1
    sub = [f"<th>{html.escape(c.heading)}</th>" for c in cols[n_unit:]]
    body = []
    for row in frame.itertuples(index=False, name=None):
        cells = "".join(f'<td class="{c.fmt}">{html.escape(_text(v, c.fmt))}</td>' for c, v in zip(cols, row))
        body.append(f'<tr class="{"total" if row[0] == TOTAL else ""}">{cells}</tr>')
    return (f'<div class="scroll"><table><thead><tr>{"".join(top)}</tr><tr>{"".join(sub)}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></div>')


_PLURAL = {BODY: "bodies", "province": "provinces", "prefecture": "prefectures", "county": "counties",
           "township": "townships"}


def _plural(rows: pd.Series) -> str:
    """What the charted rows are: "counties", or "rows" for a mix (regions and the region's own bodies)."""
    kinds = set(rows)
    return _PLURAL.get(next(iter(kinds)), "rows") if len(kinds) == 1 else "rows"


def chart_frame(sel: Selection) -> pd.DataFrame:
    """sel.values with each row's label (its name; name and code where two rows share a name)."""
    units = sel.units.copy()
    dup = units["name"].duplicated(keep=False)
    units["label"] = units["name"].where(~dup, units["name"] + " " + units["code"])
    frame = sel.values.merge(units[["unit", "row", "label"]], on="unit", how="inner")
    frame["year"] = frame["year"].astype(int)
    order = {u: i for i, u in enumerate(units["unit"])}
    return frame.assign(order=frame["unit"].map(order)).sort_values(["order", "year"])


def charts(sel: Selection, rank: str | None = None) -> list[tuple[str, dict]]:
    """(heading, Vega-Lite spec) of each chart; charts without data are left out."""
    import altair as alt

    data = chart_frame(sel)
    parts = data[data["row"] != TOTAL]  # the whole region would flatten the rows' scale
    below = _plural(parts["row"])
    order = list(dict.fromkeys(data["label"]))
    out: list[tuple[str, dict]] = []

    def axis(ind: str) -> alt.Axis:
        return alt.Axis(format="%" if sel.kinds.get(ind) == "share" else ",d", title=ind)

    with alt.data_transformers.disable_max_rows():
        trends = []
        for ind in layout().trends:
            d = parts[(parts["indicator"] == ind) & parts["value"].notna()]
            if d.empty:
                continue
            trends.append(alt.Chart(d[["label", "year", "value"]]).mark_line(point=True).encode(
                x=alt.X("year:O", title=None, axis=alt.Axis(labelAngle=0)),
                y=alt.Y("value:Q", axis=axis(ind)),
                color=alt.Color("label:N", title=None, sort=order),
                tooltip=["label", "year", alt.Tooltip("value:Q", format=".4~r")],
            ).properties(width=260, height=200, title=ind))
        if trends:
            out.append((f"Trends of the {below}: {sel.region.name}, {sel.span}",
                        _spec(alt.hconcat(*trends).resolve_scale(color="shared"))))

        labels = dict(layout().outcomes)
        d = data[data["indicator"].isin(labels) & data["value"].notna()].copy()
        if not d.empty:
            d["outcome"] = d["indicator"].map(labels)
            mix = alt.Chart(d[["label", "year", "outcome", "value"]]).mark_bar().encode(
                y=alt.Y("label:N", title=None, sort=order),
                x=alt.X("value:Q", stack="zero", axis=alt.Axis(format="%", title="share of applications processed")),
                color=alt.Color("outcome:N", title=None, sort=list(labels.values())),
                order=alt.Order("outcome_order:Q"),
                tooltip=["label", "year", "outcome", alt.Tooltip("value:Q", format=".1%")],
            ).transform_calculate(
                outcome_order=f"indexof({json.dumps(list(labels.values()), ensure_ascii=False)}, datum.outcome)",
            ).properties(width=360).facet(column=alt.Column("year:O", title=None))
            out.append((f"Outcome of applications processed: {sel.region.name}, {sel.span}", _spec(mix)))

        ind = rank or layout().rank
        d = parts[(parts["indicator"] == ind) & parts["value"].notna()]
        if not d.empty:
            last = int(d["year"].max())
            d = d[d["year"] == last]
            ranking = alt.Chart(d[["label", "value"]]).mark_bar().encode(
                y=alt.Y("label:N", title=None, sort="-x"),
                x=alt.X("value:Q", axis=axis(ind)),
                tooltip=["label", alt.Tooltip("value:Q", format=".4~r")],
            ).properties(width=420)
            out.append((f"Ranking of the {below} by {ind}, {last}", _spec(ranking)))
    return out


def _spec(chart: Any) -> dict:
    spec = chart.configure(font=FONT).configure_axis(labelFont=FONT, titleFont=FONT) \
        .configure_legend(labelFont=FONT, titleFont=FONT).configure_title(font=FONT).to_dict()
    return spec


def _script_json(value: Any) -> str:
    """JSON safe inside a <script> element: no "</" can close it early."""
    return json.dumps(value, ensure_ascii=False).replace("</", "<\\/")


@lru_cache(maxsize=1)
def _bundle() -> str:
    """vega-embed + Vega-Lite + Vega as one script, for the Vega-Lite version altair writes.

    vl-convert bundles it anew on each call (about 10 s here), so it is kept in the cache
    folder the gazetteer index uses, under a name made of both versions.
    """
    import importlib.metadata

    import altair as alt
    import vl_convert as vlc

    from ..regions import cache_dir

    vl_version = "_".join(alt.SCHEMA_VERSION.split(".")[:2])  # "v6.4.1" -> "v6_4", as altair asks for it
    folder = cache_dir()
    cached = folder / f"vega-bundle-{importlib.metadata.version('vl-convert-python')}-{vl_version}.js" \
        if folder is not None else None
    if cached is not None and cached.is_file():
        return cached.read_text(encoding="utf-8")
    text = vlc.javascript_bundle(vl_version=vl_version)
    if cached is not None:
        try:
            write_file(cached, lambda tmp: tmp.write_text(text, encoding="utf-8"))
        except OSError:  # a read-only cache costs time, not the export
            pass
    return text


def page(sel: Selection, rank: str | None = None) -> str:
    specs = charts(sel, rank)
    e = html.escape
    sections = []
    for i, (heading, _) in enumerate(specs):
        sections.append(f'<section><h2>{e(heading)}</h2><div class="chart" id="chart{i}"></div></section>')
    tables = []
    for group, names in sel.indicators():
        frame, cols = lay.wide(sel, names)
        tables.append(f'<details{" open" if group.open else ""}><summary>{e(group.title)}'
                      f'</summary>{_table(frame, cols)}</details>')
    defs = "".join(f"<tr><td>{e(ind)}</td><td>{e(sel.kinds.get(ind, ''))}</td>"
                   f"<td>{e(sel.meanings.get(ind, ''))}</td></tr>"
                   for _, names in sel.indicators() for ind in names)
    m = sel.meanings
    notes = "".join(f"<li><b>{e(p)}</b>: {e(m.get(f'yearly_comparison.{c}', ''))}</li>"
                    for c, (p, _, _) in lay.CHANGE_HEADINGS.items() if c in sel.changes.columns)
    issues = sel.issues
    issue_rows = "".join("<tr>" + "".join(f"<td>{e('' if v is None else str(v))}</td>" for v in r) + "</tr>"
                         for r in issues.astype(object).where(issues.notna(), None).itertuples(index=False, name=None))
    issue_head = "".join(f"<th>{e(c)}</th>" for c in issues.columns)
    calls = "\n".join(f"vegaEmbed('#chart{i}', specs[{i}], options).catch(console.error);" for i in range(len(specs)))
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(sel.title)}</title>
<style>
body {{ font-family: {FONT}; margin: 1.5em; color: #222; }}
h1 {{ font-size: 1.5em; margin-bottom: 0.2em; }}
h2 {{ font-size: 1.1em; margin-top: 1.5em; }}
.sub {{ color: #555; margin-top: 0; }}
.scroll {{ overflow-x: auto; }}
table {{ border-collapse: collapse; font-size: 12px; }}
th, td {{ border: 1px solid #ccc; padding: 2px 6px; white-space: nowrap; }}
th {{ background: #dde5f0; position: sticky; top: 0; }}
td.count, td.count_change, td.share, td.share_change, td.ratio, td.int {{ text-align: right; }}
tr.total td {{ font-weight: bold; background: #f4f6fa; }}
details {{ margin: 0.6em 0; }} summary {{ cursor: pointer; font-weight: bold; }}
</style>
<script>
{_bundle()}
</script>
</head>
<body>
<h1>{e(sel.title)}</h1>
<p class="sub">{e(sel.region.within + sel.region.name)} ({e(sel.region.level)} {e(sel.region.code)}), reports of
{e(sel.span)}. Warehouse built {e(sel.built_at or 'unknown')}. Every figure is read from the warehouse's SQL
models; this page computes none.</p>
<ul class="sub">
<li><b>year columns</b>: {e(m.get('region_year_indicators.value', ''))}</li>
{notes}
</ul>
{''.join(sections)}
<h2>Tables</h2>
{''.join(tables)}
<details><summary>Definitions</summary><table><thead><tr><th>indicator</th><th>kind</th><th>meaning</th></tr></thead>
<tbody>{defs}</tbody></table></details>
<details><summary>Quality issues behind the figures ({len(issues)})</summary><div class="scroll"><table>
<thead><tr>{issue_head}</tr></thead><tbody>{issue_rows}</tbody></table></div></details>
<script>
const specs = {_script_json([s for _, s in specs])};
const options = {_script_json(EMBED_OPTIONS)};
{calls}
</script>
</body>
</html>
"""


def write_html(sel: Selection, dest: Path, rank: str | None = None) -> Path:
    text = page(sel, rank)
    return write_file(dest, lambda tmp: tmp.write_text(text, encoding="utf-8"))
