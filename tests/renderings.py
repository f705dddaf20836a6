"""The five seed reports as government bodies also publish them: a saved web page, a Word file, a PDF.

Each seed is a plain-text report (data/samples) with its hand-verified figures
(tests/fixtures/seeds). `seed_model` keeps the seed's own prose (title, preamble, sections 一, 五
and 六, its section headings) and builds tables 2, 3 and 4 as the national template prints them,
merged header cells included, filled from the expected figures: the figures a reader must get
back from any rendering are exactly the ones the fixture lists. A null figure is an empty cell;
a table the fixture has no figures for is not printed, its section keeps the heading and a
sentence (seed 002 has no table 3).

The renderings follow what such files look like in the wild:

- `to_html`: a page saved from a county portal: scripts, styles, navigation, breadcrumb, the
  article in `<div class="TRS_Editor">` inside a layout table, Word-exported data tables with
  colspan/rowspan, `<p><span>` cells and `&nbsp;` blanks, related links and footer. Seeds 001
  and 003 declare `<meta charset="gb2312">` and are encoded GB18030, the others UTF-8.
- `to_docx`: a Word file: title, headings (Heading 1 style in even seeds, bold 黑体 paragraphs
  in odd ones), body paragraphs, tables with merged header cells, a page number in the footer.
- `to_pdf`: A4 via reportlab with WenQuanYi Micro Hei embedded, ruled tables with spans, labels
  wrapped inside narrow columns, "— n —" page numbers. Tables are kept whole on a page unless
  `split_table3`, which lets table 3 run over a page boundary inside its merged label cells (as
  Word does when saving as PDF), repeating its three header rows in even seeds and not in odd.
- `scanned_pdf`: one page holding only an image, no text layer.

Every rendering is deterministic: the same seed gives the same bytes (reportlab runs in its
invariant mode; the Word file's dates and zip times are fixed).
"""
from __future__ import annotations

import datetime
import html
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
SEED_TEXTS = REPO / "data" / "samples"
SEED_EXPECTED = TESTS / "fixtures" / "seeds"
if not SEED_TEXTS.is_dir():  # the shared copy the fixtures were made from
    SEED_TEXTS = REPO.parent / "shared" / "seeds"
    SEED_EXPECTED = SEED_TEXTS / "expected"

SEEDS: tuple[str, ...] = tuple(sorted(p.stem for p in SEED_EXPECTED.glob("*.json")))

APPLICANTS = ("natural_person", "commercial", "research", "social_welfare", "legal_service", "other_org", "total")


# --------------------------------------------------------------------------------------------
# The template: printed labels of tables 2, 3 and 4 (国办公开办函〔2019〕60号 and 〔2021〕30号)
# --------------------------------------------------------------------------------------------

# Table 2: per version, blocks of (article marker, column headings, rows of (item key, label, measure
# keys under those headings)). The grid has 4 columns; a block's last column spans what is left.
TABLE2 = {
    "2021": [
        ("第二十条第（一）项", ["本年制发件数", "本年废止件数", "现行有效件数"],
         [("rules", "规章", ["issued", "repealed", "in_force"]),
          ("normative_documents", "行政规范性文件", ["issued", "repealed", "in_force"])]),
        ("第二十条第（五）项", ["本年处理决定数量"], [("licensing", "行政许可", ["decisions"])]),
        ("第二十条第（六）项", ["本年处理决定数量"],
         [("penalty", "行政处罚", ["decisions"]), ("coercion", "行政强制", ["decisions"])]),
        ("第二十条第（八）项", ["本年收费金额（单位：{unit}）"], [("fees", "行政事业性收费", ["fee_amount"])]),
    ],
    "2019": [
        ("第二十条第（一）项", ["本年新制作数量", "本年新公开数量", "对外公开总数量"],
         [("rules", "规章", ["new_made", "new_published", "published_total"]),
          ("normative_documents", "规范性文件", ["new_made", "new_published", "published_total"])]),
        ("第二十条第（五）项", ["上一年项目数量", "本年增/减", "处理决定数量"],
         [("licensing", "行政许可", ["prior_year_items", "change", "decisions"]),
          ("other_services", "其他对外管理服务事项", ["prior_year_items", "change", "decisions"])]),
        ("第二十条第（六）项", ["上一年项目数量", "本年增/减", "处理决定数量"],
         [("penalty", "行政处罚", ["prior_year_items", "change", "decisions"]),
          ("coercion", "行政强制", ["prior_year_items", "change", "decisions"])]),
        ("第二十条第（八）项", ["上一年项目数量", "本年增/减"], [("fees", "行政事业性收费", ["prior_year_items", "change"])]),
        ("第二十条第（九）项", ["采购项目数量", "采购总金额"],
         [("procurement", "政府集中采购", ["procurement_items", "procurement_amount"])]),
    ],
}
TABLE2_2019_MEASURES = {"new_made", "new_published", "published_total", "prior_year_items", "change",
                        "procurement_items", "procurement_amount"}

TABLE3_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
# Table 3 body: (group label or None, sub-group label or None, row label, outcome key).
_DENIED = [("1.属于国家秘密", "denied_state_secret"), ("2.其他法律行政法规禁止公开", "denied_prohibited_by_law"),
           ("3.危及“三安全一稳定”", "denied_three_safeties"), ("4.保护第三方合法权益", "denied_third_party"),
           ("5.属于三类内部事务信息", "denied_internal_affairs"), ("6.属于四类过程性信息", "denied_process_info"),
           ("7.属于行政执法案卷", "denied_enforcement_file"), ("8.属于行政查询事项", "denied_query_matter")]
_UNABLE = [("1.本机关不掌握相关政府信息", "unable_not_held"), ("2.没有现成信息需要另行制作", "unable_needs_creation"),
           ("3.补正后申请内容仍不明确", "unable_unclear")]
_REJECTED = [("1.信访举报投诉类申请", "rejected_petition"), ("2.重复申请", "rejected_duplicate"),
             ("3.要求提供公开出版物", "rejected_publication"), ("4.无正当理由大量反复申请", "rejected_excessive"),
             ("5.要求行政机关确认或重新出具已获取信息", "rejected_confirmation")]
_OTHER_2021 = [("1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", "other_no_correction"),
               ("2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", "other_no_fee"),
               ("3.其他", "other_other")]
TABLE3_2021_OUTCOMES = {key for _, key in _OTHER_2021}

TABLE4_RESULTS = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]


# --------------------------------------------------------------------------------------------
# The model
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Cell:
    """One printed cell of a grid: its top-left position and spans. `role` is head, label or value.
    A newline in `text` is a line break the author typed (Word: a second paragraph)."""

    row: int
    col: int
    text: str
    rowspan: int = 1
    colspan: int = 1
    role: str = "value"


@dataclass(frozen=True)
class Grid:
    key: str  # active_disclosure | applications | reviews_litigation
    n_rows: int
    n_cols: int
    cells: tuple[Cell, ...]
    col_widths_cm: tuple[float, ...]  # printed widths; they add up to the A4 text width
    header_rows: int  # rows that make the table's header (repeated over a page break if asked)

    def row_cells(self, r: int) -> list[Cell]:
        return sorted((c for c in self.cells if c.row == r), key=lambda c: c.col)


@dataclass(frozen=True)
class Para:
    text: str
    kind: str = "body"  # body | subheading | signature


@dataclass(frozen=True)
class Section:
    key: str  # s1..s6
    heading: str
    paragraphs: tuple[Para, ...] = ()
    table: Grid | None = None
    note: str | None = None  # the sentence printed where a table is missing


@dataclass(frozen=True)
class ReportModel:
    name: str
    variant: int  # the seed's number: picks the charset, heading style, repeated header rows...
    title: str
    org: str
    year: int
    region: dict = field(hash=False)
    template_version: str
    preamble: tuple[Para, ...]
    sections: tuple[Section, ...]
    expected: dict = field(repr=False, compare=False, hash=False, default_factory=dict)

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)


# --------------------------------------------------------------------------------------------
# Seed text -> prose
# --------------------------------------------------------------------------------------------

_HEADINGS = [
    ("s1", "一、总体情况", r"总体情况"),
    ("s2", "二、主动公开政府信息情况", r"主动公开政府信息(?:的)?情况"),
    ("s3", "三、收到和处理政府信息公开申请情况", r"收到和处理政府信息公开申请(?:的)?情况"),
    ("s4", "四、政府信息公开行政复议、行政诉讼情况", r"政府信息公开行政复议.{0,2}行政诉讼"),
    ("s5", "五、存在的主要问题及改进情况", r"存在的主要问题"),
    ("s6", "六、其他需要报告的事项", r"其他需要报告的事项"),
]
_NUMBERING = r"^(?:[一二三四五六]|\d)\s*[、.．]\s*"
_BOOKMARK = re.compile(r"\[bookmark:[^\]]*\]")
_SUBHEADING = re.compile(r"^[（(][一二三四五六七八九十\d]+[)）]\s*[^，。：:,；;]{1,16}$")
_SIGNATURE = re.compile(r"^(?:\S{2,20}(?:人民政府|办公室|委员会)|\d{4}年\d{1,2}月\d{1,2}日)$")
# The crawl kept the login box of the page the text came from (seed 002); it is no part of the report.
_PAGE_JUNK = re.compile(r"^(?:账号\+密码登录|手机\+密码登录|还没有账号[?？]|立即注册)$")


def _clean(line: str) -> str:
    return _BOOKMARK.sub("", line).replace("\u00a0", " ").replace("\u3000", " ").strip()


def _compact(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _split_sections(lines: list[str]) -> dict[str, tuple[int, str]]:
    """Section key -> (line index of its heading, heading as printed), found in order."""
    found: dict[str, tuple[int, str]] = {}
    start = 0
    for key, _, pattern in _HEADINGS:
        rx = re.compile(_NUMBERING + pattern)
        for i in range(start, len(lines)):
            text = _clean(lines[i])
            if len(text) <= 40 and rx.match(text):
                found[key] = (i, text)
                start = i + 1
                break
    return found


def _paras(lines: list[str], *, section6: bool = False) -> tuple[Para, ...]:
    out: list[Para] = []
    for line in lines:
        text = _clean(line)
        if not text or _PAGE_JUNK.match(text):
            continue
        text = re.sub(r"^[-•]\s+", "", text)  # a list bullet of the text export
        if section6 and out and _SIGNATURE.match(text):
            out.append(Para(text, "signature"))
        elif _SUBHEADING.match(text):
            out.append(Para(text, "subheading"))
        else:
            out.append(Para(text))
    return tuple(out)


# --------------------------------------------------------------------------------------------
# Expected figures -> template grids
# --------------------------------------------------------------------------------------------

def _num(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def _grid(key: str, cells: list[Cell], widths: list[float], header_rows: int) -> Grid:
    n_rows = max(c.row + c.rowspan for c in cells)
    n_cols = len(widths)
    covered = set()
    for c in cells:
        for r in range(c.row, c.row + c.rowspan):
            for k in range(c.col, c.col + c.colspan):
                assert (r, k) not in covered, (key, r, k)
                covered.add((r, k))
    assert len(covered) == n_rows * n_cols, (key, n_rows, n_cols, len(covered))
    return Grid(key, n_rows, n_cols, tuple(cells), tuple(widths), header_rows)


def table2_version(expected: dict) -> str:
    measures = {r["measure"] for r in expected.get("active_disclosure") or []}
    if measures & TABLE2_2019_MEASURES:
        return "2019"
    return "2021" if measures else expected["report"]["template_version"]


def table3_version(expected: dict) -> str:
    outcomes = set(expected.get("applications") or {})
    if outcomes & TABLE3_2021_OUTCOMES:
        return "2021"
    if "other_processing" in outcomes:
        return "2019"
    return expected["report"]["template_version"]


def _table2(expected: dict) -> Grid | None:
    figures = {(r["item"], r["measure"]): (r["value"], r["unit"]) for r in expected.get("active_disclosure") or []}
    if not figures:
        return None
    cells: list[Cell] = []
    r = 0
    for marker, header, rows in TABLE2[table2_version(expected)]:
        cells.append(Cell(r, 0, marker, colspan=4, role="head"))
        r += 1
        cells.append(Cell(r, 0, "信息内容", role="head"))
        unit = next((u for (item, _), (_, u) in figures.items() if item == rows[0][0] and u), "万元")
        for k, label in enumerate(header):
            span = 4 - (1 + k) if k == len(header) - 1 else 1
            cells.append(Cell(r, 1 + k, label.format(unit=unit), colspan=span, role="head"))
        r += 1
        for item, label, measures in rows:
            cells.append(Cell(r, 0, label, role="label"))
            for k, measure in enumerate(measures):
                value, unit = figures.get((item, measure), (None, None))
                text = _num(value)
                if text and measure == "procurement_amount" and unit:
                    text += unit  # printed in the cell: "63365元"
                span = 4 - (1 + k) if k == len(measures) - 1 else 1
                cells.append(Cell(r, 1 + k, text, colspan=span))
            r += 1
    return _grid("active_disclosure", cells, [4.2, 3.8, 3.8, 3.8], header_rows=0)


def _table3(expected: dict) -> Grid | None:
    figures = expected.get("applications")
    if not figures:
        return None
    version = table3_version(expected)
    cells = [
        Cell(0, 0, TABLE3_NOTE, rowspan=3, colspan=3, role="head"),
        Cell(0, 3, "申请人情况", colspan=7, role="head"),
        Cell(1, 3, "自然人", rowspan=2, role="head"),
        Cell(1, 4, "法人或其他组织", colspan=5, role="head"),
        Cell(1, 9, "总计", rowspan=2, role="head"),
        *(Cell(2, 4 + k, label, role="head")
          for k, label in enumerate(["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"])),
    ]

    def values(r: int, outcome: str) -> None:
        row = figures.get(outcome) or [None] * 7
        cells.extend(Cell(r, 3 + k, _num(v)) for k, v in enumerate(row))

    r = 3
    for label, outcome in (("一、本年新收政府信息公开申请数量", "new_received"),
                           ("二、上年结转政府信息公开申请数量", "carried_over")):
        cells.append(Cell(r, 0, label, colspan=3, role="label"))
        values(r, outcome)
        r += 1
    groups: list[tuple[str, list[tuple[str, str]] | str]] = [
        ("（一）予以公开", "granted"),
        ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", "partially_granted"),
        ("（三）不予公开", _DENIED), ("（四）无法提供", _UNABLE), ("（五）不予处理", _REJECTED),
        ("（六）其他处理", _OTHER_2021 if version == "2021" else "other_processing"),
        ("（七）总计", "total_processed"),
    ]
    first = r
    for label, sub in groups:
        if isinstance(sub, str):
            cells.append(Cell(r, 1, label, colspan=2, role="label"))
            values(r, sub)
            r += 1
        else:
            cells.append(Cell(r, 1, label, rowspan=len(sub), role="label"))
            for sub_label, outcome in sub:
                cells.append(Cell(r, 2, sub_label, role="label"))
                values(r, outcome)
                r += 1
    cells.append(Cell(first, 0, "三、本年度办理结果", rowspan=r - first, role="label"))
    cells.append(Cell(r, 0, "四、结转下年度继续办理", colspan=3, role="label"))
    values(r, "carried_forward")
    return _grid("applications", cells, [1.4, 2.4, 4.0] + [1.1] * 7, header_rows=3)


def _table4(expected: dict, upheld_label: str) -> Grid | None:
    figures = expected.get("reviews_litigation")
    if not figures:
        return None
    results = [upheld_label] + TABLE4_RESULTS[1:]
    cells = [
        Cell(0, 0, "行政复议", colspan=5, role="head"),
        Cell(0, 5, "行政诉讼", colspan=10, role="head"),
        *(Cell(1, k, _two_lines(label), rowspan=2, role="head") for k, label in enumerate(results)),
        Cell(1, 5, "未经复议直接起诉", colspan=5, role="head"),
        Cell(1, 10, "复议后起诉", colspan=5, role="head"),
        *(Cell(2, 5 + k, _two_lines(label), role="head") for k, label in enumerate(results * 2)),
        *(Cell(3, k, _num(v)) for k, v in enumerate(figures)),
    ]
    return _grid("reviews_litigation", cells, [1.04] * 15, header_rows=3)


def _two_lines(label: str) -> str:
    """结果维持 is typed as 结果⏎维持 in narrow template columns; 总计 stays on one line."""
    return label[:2] + "\n" + label[2:] if len(label) == 4 else label


_MISSING_NOTE = {
    "s2": "本年度主动公开政府信息情况无相关统计数据。",
    "s3": "本年度无相关统计数据。",
    "s4": "本年度无政府信息公开行政复议、行政诉讼情况统计数据。",
}


@lru_cache(maxsize=None)
def seed_model(name: str) -> ReportModel:
    """The seed `name` (with or without .txt) as a model: its prose and the template's tables."""
    name = name.removesuffix(".txt").removesuffix(".json")
    expected = json.loads((SEED_EXPECTED / f"{name}.json").read_text(encoding="utf-8"))
    text = (SEED_TEXTS / f"{name}.txt").read_text(encoding="utf-8")
    lines = text.split("\n")
    found = _split_sections(lines)
    assert set(found) == {k for k, _, _ in _HEADINGS}, (name, sorted(found))
    order = [k for k, _, _ in _HEADINGS]

    def body(key: str) -> list[str]:
        i = order.index(key)
        end = found[order[i + 1]][0] if i + 1 < len(order) else len(lines)
        return lines[found[key][0] + 1:end]

    exp = expected["report"]
    title_compact = _compact(exp["title"])
    preamble = tuple(p for p in _paras(lines[:found["s1"][0]])
                     if len(p.text) > 1 and _compact(p.text) not in title_compact)
    upheld = "结果维护" if "结果维护" in text else "结果维持"  # seed 003 prints the template's typo
    tables = {"s2": _table2(expected), "s3": _table3(expected), "s4": _table4(expected, upheld)}
    sections = []
    for key, _, _ in _HEADINGS:
        heading = found[key][1]
        if key in tables:
            grid = tables[key]
            sections.append(Section(key, heading, table=grid, note=None if grid else _MISSING_NOTE[key]))
        else:
            sections.append(Section(key, heading, paragraphs=_paras(body(key), section6=key == "s6")))
    return ReportModel(name=name, variant=int(name[:3]), title=exp["title"], org=exp["org"], year=exp["year"],
                       region=exp["region"], template_version=exp["template_version"], preamble=preamble,
                       sections=tuple(sections), expected=expected)


def has_table3(name: str) -> bool:
    return seed_model(name).section("s3").table is not None


# --------------------------------------------------------------------------------------------
# HTML: a page saved from a county portal
# --------------------------------------------------------------------------------------------

_PROVINCE_ABBR = {"江西省": "赣", "河南省": "豫", "甘肃省": "陇", "云南省": "滇", "湖南省": "湘", "湖北省": "鄂",
                  "四川省": "蜀", "广东省": "粤", "浙江省": "浙", "江苏省": "苏", "山东省": "鲁", "河北省": "冀"}
_PX_PER_CM = 37.8
_E = html.escape


def _site(model: ReportModel) -> str:
    return (model.region.get("county") or model.region.get("prefecture") or "") + "人民政府"


def _html_cell(cell: Cell, grid: Grid) -> str:
    width = round(sum(grid.col_widths_cm[cell.col:cell.col + cell.colspan]) * _PX_PER_CM)
    attrs = f' width="{width}"'
    if cell.colspan > 1:
        attrs += f' colspan="{cell.colspan}"'
    if cell.rowspan > 1:
        attrs += f' rowspan="{cell.rowspan}"'
    style = "border:solid windowtext 1.0pt;padding:0cm 5.4pt 0cm 5.4pt;"
    align = "left" if cell.role == "label" and cell.colspan < 3 and cell.col > 0 else "center"
    if not cell.text:
        inner = '<p class="MsoNormal" align="center" style="text-align:center"><span>&nbsp;</span></p>'
    else:
        font = "font-size:10.5pt;font-family:宋体" if cell.role != "value" else "font-size:10.5pt;font-family:'Times New Roman'"
        inner = "".join(
            f'<p class="MsoNormal" align="{align}" style="text-align:{align}"><span style="{font}">{_E(part)}</span></p>'
            for part in cell.text.split("\n"))
    return f'<td{attrs} valign="center" style="{style}">{inner}</td>'


def _html_table(grid: Grid) -> str:
    width = round(sum(grid.col_widths_cm) * _PX_PER_CM)
    out = [f'<table class="MsoNormalTable" border="1" cellspacing="0" cellpadding="0" width="{width}" '
           f'style="width:{width}px;border-collapse:collapse;border:none" align="center"><tbody>']
    for r in range(grid.n_rows):
        out.append('<tr style="height:22.7pt">' + "".join(_html_cell(c, grid) for c in grid.row_cells(r)) + "</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def _html_para(p: Para) -> str:
    if p.kind == "subheading":
        return (f'<p style="text-indent:2em;line-height:2"><strong><span style="font-family:楷体_GB2312;'
                f'font-size:16pt">{_E(p.text)}</span></strong></p>')
    if p.kind == "signature":
        return f'<p style="text-align:right;line-height:2"><span style="font-family:仿宋_GB2312;font-size:16pt">{_E(p.text)}</span></p>'
    return f'<p style="text-indent:2em;line-height:2"><span style="font-family:仿宋_GB2312;font-size:16pt">{_E(p.text)}</span></p>'


def to_html(model: ReportModel) -> bytes:
    gb = model.variant % 2 == 1
    site = _site(model)
    county = model.region.get("county") or ""
    abbr = _PROVINCE_ABBR.get(model.region.get("province") or "", "京")
    pub = f"{model.year + 1}-01-{18 + model.variant:02d}"
    body: list[str] = []
    if model.variant % 2 == 0:  # editors often paste the title again at the top of the article
        body.append(f'<p style="text-align:center"><strong><span style="font-size:22pt;font-family:方正小标宋简体">'
                    f'{_E(model.title)}</span></strong></p>')
    body += [_html_para(p) for p in model.preamble]
    for s in model.sections:
        body.append(f'<p style="text-indent:2em;line-height:2"><strong><span style="font-family:黑体;font-size:16pt">'
                    f'{_E(s.heading)}</span></strong></p>')
        body += [_html_para(p) for p in s.paragraphs]
        if s.table is not None:
            body.append(_html_table(s.table))
        elif s.note:
            body.append(_html_para(Para(s.note)))
    article = "\n".join(body)
    charset = "gb2312" if gb else "utf-8"
    page = f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta charset="{charset}">
<meta http-equiv="X-UA-Compatible" content="IE=edge">
<meta name="SiteName" content="{_E(site)}">
<meta name="ColumnName" content="年度报告">
<meta name="ArticleTitle" content="{_E(model.title)}">
<meta name="PubDate" content="{pub} 09:30">
<meta name="ContentSource" content="{_E(model.org)}">
<title>{_E(model.title)}_{_E(site)}</title>
<link rel="stylesheet" type="text/css" href="/images/common.css">
<style type="text/css">
body {{ margin: 0; font: 14px/1.5 "Microsoft YaHei", 微软雅黑, SimSun; color: #333; }}
.nav ul li {{ float: left; width: 150px; text-align: center; }}
.location {{ height: 40px; line-height: 40px; border-bottom: 1px solid #ddd; }}
.TRS_Editor p {{ margin: 0; font-size: 16px; line-height: 2; }}
.TRS_Editor table {{ margin: 10px auto; }}
.footer {{ background: #b5141b; color: #fff; text-align: center; }}
</style>
<script type="text/javascript" src="/images/jquery-1.11.3.min.js"></script>
<script type="text/javascript">
var siteName = "{_E(site)}";
var _hmt = _hmt || [];
function doZoom(size) {{ document.getElementById("zoom").style.fontSize = size + "px"; }}
// 无障碍浏览与长者模式
document.write('<scr' + 'ipt src="/images/wza.js"></scr' + 'ipt>');
</script>
</head>
<body>
<div class="topbar"><div class="w1200"><span>欢迎访问{_E(site)}门户网站！</span> <a href="javascript:;" id="wza">无障碍</a> <a href="javascript:;">长者模式</a> <a href="/">网站地图</a></div></div>
<div class="header"><div class="w1200"><a href="/"><img src="/images/logo.png" alt="{_E(site)}" /></a>
<form action="/search" method="get"><input type="text" name="q" value="请输入关键字" /><input type="submit" value="搜索" /></form></div></div>
<div class="nav"><ul>
<li><a href="/">首页</a></li><li><a href="/xwzx/">新闻中心</a></li><li class="on"><a href="/zwgk/">政务公开</a></li>
<li><a href="/zwfw/">政务服务</a></li><li><a href="/hdjl/">互动交流</a></li><li><a href="/zjxx/">走进{_E(county)}</a></li>
</ul></div>
<div class="location w1200">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; <a href="/zwgk/ndbg/">年度报告</a></div>
<table width="1200" border="0" align="center" cellpadding="0" cellspacing="0" class="main">
<tr>
<td width="240" valign="top" class="left">
<div class="lm_title">政府信息公开</div>
<ul class="lm_list"><li><a href="/zwgk/gkzn/">政府信息公开指南</a></li><li><a href="/zwgk/gkzd/">政府信息公开制度</a></li>
<li><a href="/zwgk/fdzdgknr/">法定主动公开内容</a></li><li class="on"><a href="/zwgk/ndbg/">政府信息公开年报</a></li></ul>
</td>
<td width="20">&nbsp;</td>
<td valign="top" class="right">
<div class="article">
<h1 class="article_title">{_E(model.title)}</h1>
<div class="article_info">发布时间：{pub} &nbsp;&nbsp; 来源：{_E(model.org)} &nbsp;&nbsp; 浏览次数：<span id="hits"></span> &nbsp;&nbsp; 字体：[<a href="javascript:doZoom(18)">大</a> <a href="javascript:doZoom(16)">中</a> <a href="javascript:doZoom(14)">小</a>]</div>
<div class="TRS_Editor" id="zoom">
{article}
</div>
<div class="xglj"><div class="xglj_title">相关链接</div><ul>
<li><a href="/zwgk/ndbg/{model.year - 1}/">{_E(model.org)}{model.year - 1}年政府信息公开工作年度报告</a></li>
<li><a href="/zwgk/ndbg/{model.year}/">{_E(site)}{model.year}年政府信息公开工作年度报告</a></li>
<li><a href="http://www.gov.cn/zhengce/content/2019-04/15/content_5382991.htm">中华人民共和国政府信息公开条例</a></li>
</ul></div>
<div class="article_tools"><a href="javascript:window.print()">【打印本页】</a> <a href="javascript:window.close()">【关闭窗口】</a></div>
</div>
</td>
</tr>
</table>
<div class="footer">
<p>版权所有：{_E(site)}办公室 &nbsp; 主办：{_E(site)}办公室 &nbsp; 承办：{_E(county)}大数据中心</p>
<p><a href="https://beian.miit.gov.cn/" target="_blank">{abbr}ICP备0500{4183 + model.variant}号-1</a> &nbsp; <img src="/images/ga.png" />{abbr}公网安备 {20231000000101 + 7 * model.variant}号</p>
<p>建议使用1366×768分辨率 IE9以上版本浏览器浏览本网站</p>
</div>
<script type="text/javascript">document.getElementById("hits").innerHTML = "{1024 + 37 * model.variant}";</script>
</body>
</html>
"""
    return page.encode("gb18030" if gb else "utf-8")


# --------------------------------------------------------------------------------------------
# DOCX
# --------------------------------------------------------------------------------------------

def _docx_font(run, name: str, size: float | None = None, bold: bool | None = None) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.name = name
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)
    if size is not None:
        run.font.size = Pt(size)
    if bold is not None:
        run.font.bold = bold


def to_docx(model: ReportModel) -> bytes:
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt, RGBColor

    doc = docx.Document()
    doc.core_properties.title = model.title
    doc.core_properties.author = "Administrator"
    saved_at = datetime.datetime(model.year + 1, 1, 15, 9, 30)
    doc.core_properties.created = doc.core_properties.modified = saved_at
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Cm(21.0), Cm(29.7)
    sec.top_margin, sec.bottom_margin, sec.left_margin, sec.right_margin = Cm(3.7), Cm(3.5), Cm(2.8), Cm(2.6)
    normal = doc.styles["Normal"]
    normal.font.name = "仿宋_GB2312"
    normal.font.size = Pt(16)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "仿宋_GB2312")

    footer = sec.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run("— ")
    fld = OxmlElement("w:fldSimple")
    fld.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    t = OxmlElement("w:t")
    t.text = "1"
    run.append(t)
    fld.append(run)
    footer._p.append(fld)
    footer.add_run(" —")

    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _docx_font(title.add_run(model.title), "方正小标宋简体", 22, True)

    def para(p: Para) -> None:
        par = doc.add_paragraph()
        if p.kind == "signature":
            par.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        else:
            par.paragraph_format.first_line_indent = Pt(32)
        run = par.add_run(p.text)
        if p.kind == "subheading":
            _docx_font(run, "楷体_GB2312", 16, True)

    def heading(text: str) -> None:
        if model.variant % 2 == 0:
            h = doc.add_heading(level=1)
            run = h.add_run(text)
            _docx_font(run, "黑体", 16, False)
            run.font.color.rgb = RGBColor(0, 0, 0)
        else:
            h = doc.add_paragraph()
            h.paragraph_format.first_line_indent = Pt(32)
            _docx_font(h.add_run(text), "黑体", 16, True)

    for p in model.preamble:
        para(p)
    for s in model.sections:
        heading(s.heading)
        for p in s.paragraphs:
            para(p)
        if s.table is not None:
            _docx_table(doc, s.table)
        elif s.note:
            para(Para(s.note))
    out = io.BytesIO()
    doc.save(out)
    return _fixed_zip_times(out.getvalue(), saved_at)


def _fixed_zip_times(raw: bytes, when: datetime.datetime) -> bytes:
    """The same .docx bytes on every run: python-docx stamps zip entries with the current time."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=when.timetuple()[:6]), src.read(info.filename),
                         compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _docx_table(doc, grid: Grid) -> None:
    from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm

    table = doc.add_table(rows=grid.n_rows, cols=grid.n_cols)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    # Table.cell() rebuilds the whole grid on each call; take the cells once, before any merge.
    tcs = table._cells
    at = lambda r, k: tcs[r * grid.n_cols + k]  # noqa: E731
    for k, w in enumerate(grid.col_widths_cm):
        table.columns[k].width = Cm(w)
        for r in range(grid.n_rows):
            at(r, k).width = Cm(w)
    for c in grid.cells:
        cell = at(c.row, c.col)
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        for i, part in enumerate(c.text.split("\n") if c.text else []):
            par = cell.paragraphs[0] if i == 0 else cell.add_paragraph()
            left = c.role == "label" and c.col > 0 and c.colspan < 3
            par.alignment = WD_ALIGN_PARAGRAPH.LEFT if left else WD_ALIGN_PARAGRAPH.CENTER
            _docx_font(par.add_run(part), "宋体", 10.5)
        if not c.text:
            cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    # Spans never overlap, so the corner cells of later merges are not removed by earlier ones.
    for c in grid.cells:
        if c.rowspan > 1 or c.colspan > 1:
            at(c.row, c.col).merge(at(c.row + c.rowspan - 1, c.col + c.colspan - 1))


# --------------------------------------------------------------------------------------------
# PDF
# --------------------------------------------------------------------------------------------

FONT = "WQY"


@lru_cache(maxsize=1)
def font_path() -> str:
    import paperang_p2_fonts_cjk

    return str(Path(paperang_p2_fonts_cjk.__file__).resolve().parent / "fonts" / "wqy-microhei.ttc")


@lru_cache(maxsize=1)
def _register_font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont(FONT, font_path(), subfontIndex=0))
    return FONT


@lru_cache(maxsize=1)
def _styles() -> dict:
    from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
    from reportlab.lib.styles import ParagraphStyle

    _register_font()
    base = dict(fontName=FONT, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", fontSize=18, leading=28, alignment=TA_CENTER, spaceAfter=12, **base),
        "heading": ParagraphStyle("heading", fontSize=13, leading=22, firstLineIndent=26, spaceBefore=4,
                                  keepWithNext=1, **base),
        "subheading": ParagraphStyle("subheading", fontSize=12, leading=21, firstLineIndent=24, **base),
        "body": ParagraphStyle("body", fontSize=12, leading=21, firstLineIndent=24, alignment=TA_LEFT, **base),
        "signature": ParagraphStyle("signature", fontSize=12, leading=21, alignment=TA_RIGHT, **base),
        "cell": ParagraphStyle("cell", fontSize=9, leading=11.5, alignment=TA_CENTER, **base),
        "cell_left": ParagraphStyle("cell_left", fontSize=9, leading=11.5, alignment=TA_LEFT, **base),
    }


@lru_cache(maxsize=1)
def _table_classes():
    from reportlab.platypus import Table

    class BreakableTable(Table):
        """A table that may break inside the merged label cells of its body, as Word's PDF export
        does (reportlab itself never breaks inside a rowspan); never inside its header rows."""

        header_rows = 3

        def _getFirstPossibleSplitRowPosition(self, availHeight, ignoreSpans=0):
            n = super()._getFirstPossibleSplitRowPosition(availHeight, ignoreSpans=1)
            return n if n >= self.header_rows or n == 0 else 0

    return Table, BreakableTable


def _pdf_table(grid: Grid, *, breakable: bool, repeat_header: bool):
    from reportlab.lib import colors
    from reportlab.lib.units import cm
    from reportlab.platypus import Paragraph, TableStyle

    Table, BreakableTable = _table_classes()
    st = _styles()
    data: list[list] = [["" for _ in range(grid.n_cols)] for _ in range(grid.n_rows)]
    commands = [
        ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (0, 0), (-1, -1), "CENTER"),
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("FONTSIZE", (0, 0), (-1, -1), 9),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
    ]
    for c in grid.cells:
        if c.role == "value":
            data[c.row][c.col] = c.text
        else:
            left = c.role == "label" and c.col > 0 and c.colspan < 3
            data[c.row][c.col] = Paragraph(_E(c.text.replace("\n", "")), st["cell_left" if left else "cell"])
        if c.rowspan > 1 or c.colspan > 1:
            commands.append(("SPAN", (c.col, c.row), (c.col + c.colspan - 1, c.row + c.rowspan - 1)))
    cls = BreakableTable if breakable else Table
    return cls(data, colWidths=[w * cm for w in grid.col_widths_cm],
               repeatRows=grid.header_rows if repeat_header else 0, style=TableStyle(commands), hAlign="CENTER")


def _page_number(canvas, doc) -> None:
    canvas.saveState()
    canvas.setFont(FONT, 10.5)
    canvas.drawCentredString(doc.pagesize[0] / 2, 1.6 * 28.3465, f"— {doc.page} —")
    canvas.restoreState()


def to_pdf(model: ReportModel, split_table3: bool = False) -> bytes:
    """A4 report. Each table stays whole on one page with its heading, unless `split_table3`: then
    table 3 follows the prose where it falls and runs over a page boundary."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import cm
    from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer

    if split_table3 and model.section("s3").table is None:
        raise ValueError(f"{model.name} has no table 3 to split")
    st = _styles()
    _, BreakableTable = _table_classes()

    def story(pad: float) -> list:
        flow: list = [Paragraph(_E(model.title), st["title"])]
        flow += [Paragraph(_E(p.text), st[p.kind]) for p in model.preamble]
        for s in model.sections:
            head = Paragraph(_E(s.heading), st["heading"])
            if s.table is None:
                flow += [head, *(Paragraph(_E(p.text), st[p.kind]) for p in s.paragraphs)]
                if s.note:
                    flow.append(Paragraph(_E(s.note), st["body"]))
            elif s.key == "s3" and split_table3:
                if pad:
                    flow.append(Spacer(1, pad))
                flow += [head, Spacer(1, 4), _pdf_table(s.table, breakable=True, repeat_header=model.variant % 2 == 0)]
            else:
                flow.append(KeepTogether([head, Spacer(1, 4), _pdf_table(s.table, breakable=False, repeat_header=False)]))
        return flow

    def build(pad: float) -> tuple[bytes, set[int]]:
        pages: set[int] = set()  # pages that hold a part of table 3 (the only breakable table)

        class Doc(SimpleDocTemplate):
            def afterFlowable(self, flowable):
                if isinstance(flowable, BreakableTable):
                    pages.add(self.page)

        buf = io.BytesIO()
        doc = Doc(buf, pagesize=A4, topMargin=3.0 * cm, bottomMargin=2.8 * cm, leftMargin=2.7 * cm,
                  rightMargin=2.7 * cm, author="Administrator", creator="Microsoft® Word 2016",
                  title=model.title if model.variant % 2 == 0 else f"Microsoft Word - {model.title}.docx")
        with _invariant():
            doc.build(story(pad), onFirstPage=_page_number, onLaterPages=_page_number)
        return buf.getvalue(), pages

    raw, pages = build(0)
    if split_table3 and len(pages) < 2:
        # The prose before table 3 ended near the top of a page, so the table fits whole: start it
        # half a page lower so it must run over the boundary. (None of the five seeds needs this.)
        raw, pages = build((29.7 - 3.0 - 2.8) * cm / 2)
        assert len(pages) >= 2, (model.name, pages)
    return raw


class _invariant:
    """reportlab's invariant mode (fixed dates and ids: the same bytes each run), for one build."""

    def __enter__(self):
        from reportlab import rl_config

        self.saved = rl_config.invariant
        rl_config.invariant = 1

    def __exit__(self, *exc):
        from reportlab import rl_config

        rl_config.invariant = self.saved


def scanned_pdf() -> bytes:
    """One A4 page holding a gray 'scan' image and nothing else: no text layer."""
    from PIL import Image, ImageDraw
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    img = Image.new("L", (620, 877), 236)
    draw = ImageDraw.Draw(img)
    draw.rectangle((60, 60, 560, 817), outline=120, width=3)
    draw.rectangle((180, 90, 440, 120), fill=90)  # where the title was
    for y in range(160, 780, 22):  # lines of 'text' as gray bars
        draw.rectangle((90, y, 530 - (y * 7) % 90, y + 9), fill=150)
    buf = io.BytesIO()
    with _invariant():
        c = canvas.Canvas(buf, pagesize=A4)
        c.drawImage(ImageReader(img), 0, 0, width=A4[0], height=A4[1])
        c.showPage()
        c.save()
    return buf.getvalue()


# --------------------------------------------------------------------------------------------
# One rendering per (seed, format), built once
# --------------------------------------------------------------------------------------------

FORMATS = ("html", "docx", "pdf", "pdf-split")
EXTENSIONS = {"html": "html", "docx": "docx", "pdf": "pdf", "pdf-split": "pdf"}


@lru_cache(maxsize=None)
def rendering(name: str, fmt: str) -> bytes:
    model = seed_model(name)
    if fmt == "html":
        return to_html(model)
    if fmt == "docx":
        return to_docx(model)
    if fmt == "pdf":
        return to_pdf(model)
    if fmt == "pdf-split":
        return to_pdf(model, split_table3=True)
    raise ValueError(fmt)
