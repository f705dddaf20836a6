"""The HTML reader: charsets, finding the report inside a saved page, tables as grids."""
from __future__ import annotations

import codecs
import json
import time
from pathlib import Path

import pytest

from pipeline.errors import NotAReportError, UnreadableError
from pipeline.read import read_document
from pipeline.read.document import GridCell, Loc, Table, TextLine
from pipeline.read.html import read

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"
PAGE_008 = CORPUS / "raw" / "008_shuyang-fgj-2023.html"
TRUTH_008 = CORPUS / "truth" / "008_shuyang-fgj-2023.json"


def texts(doc) -> list[str]:
    return [b.text for b in doc.blocks if isinstance(b, TextLine)]


def tables(doc) -> list[Table]:
    return [b for b in doc.blocks if isinstance(b, Table)]


def grid(table: Table) -> list[list[str]]:
    return [[c.text for c in row] for row in table.rows]


def spanned(table: Table) -> list[list[bool]]:
    return [[c.spanned for c in row] for row in table.rows]


def every_text(doc) -> str:
    """All text the document carries, lines and cells, for 'this never appears' checks."""
    parts = []
    for block in doc.blocks:
        if isinstance(block, Table):
            parts.extend(c.text for row in block.rows for c in row)
        else:
            parts.append(block.text)
    return "\n".join(parts)


# --- charsets ----------------------------------------------------------------------------------

def test_gbk_bytes_declared_gb2312_read_as_gb18030():
    # 镕 is in GBK but not in GB2312: pages that say gb2312 really use GBK.
    page = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
            '<title>某局2023年报</title></head><body><p>朱镕基路１号，沭阳县</p></body></html>')
    doc = read(page.encode("gbk"))
    assert doc.kind == "html"
    assert doc.encoding == "gb18030"
    assert texts(doc) == ["朱镕基路1号,沭阳县"]  # full-width digits and comma normalised
    assert doc.meta == {"title": "某局2023年报"}


def test_declared_utf8_page_that_is_really_gbk():
    page = '<html><head><meta charset="utf-8"></head><body><p>本年新收政府信息公开申请数量</p></body></html>'
    doc = read(page.encode("gbk"))
    assert texts(doc) == ["本年新收政府信息公开申请数量"]
    assert doc.encoding == "gb18030"


def test_declared_gbk_page_that_is_really_utf8():
    # GB18030 decodes these UTF-8 bytes without error, into the wrong characters.
    page = '<html><head><meta charset="gbk"></head><body><p>总体情况</p></body></html>'
    raw = page.encode("utf-8")
    assert "鎬讳綋鎯呭喌" in raw.decode("gb18030")  # the trap: the declared charset decodes, wrongly
    doc = read(raw)
    assert texts(doc) == ["总体情况"]
    assert doc.encoding == "utf-8"


def test_bom_wins_over_declaration():
    page = '<html><head><meta charset="gbk"></head><body><p>总体情况</p></body></html>'
    doc = read(codecs.BOM_UTF8 + page.encode("utf-8"))
    assert texts(doc) == ["总体情况"]
    assert doc.encoding == "utf-8-sig"


def test_undeclared_gbk_is_sniffed():
    doc = read("<html><body><p>法人或其他组织</p></body></html>".encode("gbk"))
    assert texts(doc) == ["法人或其他组织"]
    assert doc.encoding == "gb18030"


def test_single_byte_declaration_is_not_trusted():
    # A latin-1 declaration decodes any bytes, so it cannot be checked; the bytes decide.
    page = '<html><head><meta charset="iso-8859-1"></head><body><p>行政复议</p></body></html>'
    doc = read(page.encode("utf-8"))
    assert texts(doc) == ["行政复议"]


# --- finding the article -----------------------------------------------------------------------

TRS_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8">
<title>某区人民政府2023年政府信息公开工作年度报告_某区人民政府</title>
<script>var msg = "脚本里的文字";</script><style>.nav{color:red}</style>
</head><body>
<!-- 注释里的文字 -->
<nav><a href="/">首页</a><a href="/xxgk">信息公开</a></nav>
<table width="100%"><tr>
<td class="left"><ul><li><a href="/jgzn">机构职能</a></li><li><a href="/zcwj">政策文件</a></li></ul></td>
<td class="main">
  <div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/nb">年度报告</a></div>
  <h1 class="detail-title">某区人民政府2023年政府信息公开工作年度报告</h1>
  <div class="info">发布日期：2024-01-20 <a href="javascript:print()">打印本页</a></div>
  <div class="TRS_Editor">
    <p>一、总体情况</p>
    <p>本年度共主动公开信息120条。</p>
    <p>三、收到和处理政府信息公开申请情况</p>
    <table border="1">
      <tr><td>项目</td><td>自然人</td><td>总计</td></tr>
      <tr><td>一、本年新收政府信息公开申请数量</td><td>5</td><td>5</td></tr>
    </table>
    <p>四、政府信息公开行政复议、行政诉讼情况</p>
    <p>五、存在的主要问题及改进情况</p>
    <p>六、其他需要报告的事项</p>
    <p>无。</p>
  </div>
  <div class="share">分享到：微信 微博</div>
  <div class="related">相关链接：<a href="/nb/2022">某区人民政府2022年政府信息公开工作年度报告</a></div>
</td></tr></table>
<footer>版权所有：某区人民政府 苏ICP备12345678号</footer>
<form><input value="请输入关键词"><button>搜索</button></form>
<script>document.write("统计代码");</script>
</body></html>"""


def test_trs_article_inside_layout_table_without_chrome():
    doc = read(TRS_PAGE.encode("utf-8"))
    assert texts(doc) == [
        "某区人民政府2023年政府信息公开工作年度报告",  # the <h1> above the article, kept as its title
        "一、总体情况",
        "本年度共主动公开信息120条。",
        "三、收到和处理政府信息公开申请情况",
        "四、政府信息公开行政复议、行政诉讼情况",
        "五、存在的主要问题及改进情况",
        "六、其他需要报告的事项",
        "无。",
    ]
    [table] = tables(doc)
    assert grid(table) == [["项目", "自然人", "总计"], ["一、本年新收政府信息公开申请数量", "5", "5"]]
    assert doc.meta["title"] == "某区人民政府2023年政府信息公开工作年度报告_某区人民政府"
    text = every_text(doc)
    for chrome in ("首页", "信息公开\n", "机构职能", "当前位置", "发布日期", "打印", "分享到", "相关链接",
                   "2022年", "版权所有", "ICP备", "脚本", "注释", "统计代码", "关键词", "搜索"):
        assert chrome not in text, chrome


def test_chrome_beside_report_paragraphs_without_a_wrapper():
    page = """<html><body><div class="content">
      <div>您现在的位置：首页 &gt; 政务公开</div>
      <p>某局2023年政府信息公开工作年度报告</p>
      <p>一、总体情况</p><p>二、主动公开政府信息情况</p>
      <p>三、收到和处理政府信息公开申请情况</p><p>五、存在的主要问题及改进情况</p>
      <p>六、其他需要报告的事项</p><p>某局 2024年1月10日</p>
      <div>【打印本页】【关闭窗口】</div>
    </div><div class="foot">版权所有 某局</div></body></html>"""
    assert texts(read(page.encode())) == [
        "某局2023年政府信息公开工作年度报告", "一、总体情况", "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项",
        "某局 2024年1月10日"]


def test_title_in_the_articles_own_header_is_kept():
    page = """<html><body><header><a href="/">某市政府网</a></header>
      <article><header><h1>某市2023年政府信息公开工作年度报告</h1></header>
      <p>一、总体情况</p><p>三、收到和处理政府信息公开申请情况</p><p>六、其他需要报告的事项</p></article>
      <footer>网站标识码 123</footer></body></html>"""
    assert texts(read(page.encode())) == [
        "某市2023年政府信息公开工作年度报告", "一、总体情况", "三、收到和处理政府信息公开申请情况", "六、其他需要报告的事项"]


def test_linked_report_titles_are_not_the_title():
    page = """<html><head><title>某县2023年政府信息公开工作年度报告</title></head><body>
      <div class="side"><h3 class="tit"><a href="/2022">某县2022年政府信息公开工作年度报告</a></h3></div>
      <div class="c"><p>一、总体情况</p><p>四、政府信息公开行政复议、行政诉讼情况</p><p>六、其他需要报告的事项</p></div>
      </body></html>"""
    assert texts(read(page.encode()))[:2] == ["某县2023年政府信息公开工作年度报告", "一、总体情况"]


def test_title_from_page_title_when_no_heading_shows_it():
    page = """<html><head><title>某县2023年政府信息公开工作年度报告</title></head><body>
      <div class="nav"><a href="/">首页</a></div>
      <div class="c"><p>一、总体情况</p><p>四、政府信息公开行政复议、行政诉讼情况</p><p>六、其他需要报告的事项</p></div>
      </body></html>"""
    assert texts(read(page.encode()))[:2] == ["某县2023年政府信息公开工作年度报告", "一、总体情况"]


# --- text lines --------------------------------------------------------------------------------

def test_block_elements_and_br_give_lines_numbered_in_order():
    page = """<html><body>
      <h2>一、总体情况</h2>
      <p>第一行<br>第二行<br/><br>&nbsp;&nbsp;第三行 有　 空格</p>
      <ul><li>甲</li><li><span>乙</span><b>丙</b></li></ul>
      <div>外层<div>内层</div>尾巴</div>
      <p>   </p><p>&nbsp;</p>
      <blockquote>引用</blockquote>
      <pre>预排  一行
第二行</pre>
    </body></html>"""
    doc = read(page.encode())
    assert texts(doc) == ["一、总体情况", "第一行", "第二行", "第三行 有 空格", "甲", "乙丙",
                          "外层", "内层", "尾巴", "引用", "预排 一行", "第二行"]
    assert [b.loc for b in doc.blocks] == [Loc(line=n) for n in range(1, 13)]


def test_line_break_inside_chinese_words_is_no_space():
    # Word exports break lines between spans; between two Chinese characters that is no space.
    page = "<html><body><p><span>申请人情</span>\n<span>况</span> 2023\n年</p></body></html>"
    assert texts(read(page.encode())) == ["申请人情况 2023 年"]


def test_line_numbers_skip_tables():
    page = """<html><body><p>甲</p>
      <table><tr><td>a</td><td>b</td></tr></table><p>乙</p>
      <table><tr><td>c</td><td>d</td></tr></table></body></html>"""
    doc = read(page.encode())
    assert [(type(b).__name__, b.loc) for b in doc.blocks] == [
        ("TextLine", Loc(line=1)), ("Table", Loc(table=1)), ("TextLine", Loc(line=2)), ("Table", Loc(table=2))]


# --- tables ------------------------------------------------------------------------------------

SPAN_TABLE = """<html><body><table border="1">
<tr><td colspan="3" rowspan="3">（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</td>
    <td colspan="7">申请人情况</td></tr>
<tr><td rowspan="2">自然人</td><td colspan="5">法人或其他组织</td><td rowspan="2">总计</td></tr>
<tr><td>商业企业</td><td>科研机构</td><td>社会公益组织</td><td>法律服务机构</td><td>其他</td></tr>
<tr><td colspan="3">一、本年新收政府信息公开申请数量</td>
    <td>5</td><td>1</td><td>0</td><td>0</td><td>0</td><td>0</td><td>6</td></tr>
</table></body></html>"""


def test_colspan_and_rowspan_expand_into_a_grid():
    [table] = tables(read(SPAN_TABLE.encode()))
    note = "(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和)"
    who = "申请人情况"
    org = "法人或其他组织"
    assert grid(table) == [
        [note, note, note, who, who, who, who, who, who, who],
        [note, note, note, "自然人", org, org, org, org, org, "总计"],
        [note, note, note, "自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"],
        ["一、本年新收政府信息公开申请数量"] * 3 + ["5", "1", "0", "0", "0", "0", "6"],
    ]
    F, T = False, True
    assert spanned(table) == [
        [F, T, T, F, T, T, T, T, T, T],
        [T, T, T, F, F, T, T, T, T, F],
        [T, T, T, T, F, F, F, F, F, T],
        [F, T, T, F, F, F, F, F, F, F],
    ]
    assert table.loc == Loc(table=1)
    assert table.rows[3][9] == GridCell("6", Loc(table=1, row=4, col=10), False)
    assert table.rows[2][3] == GridCell("自然人", Loc(table=1, row=3, col=4), True)


def test_ragged_rows_are_padded_with_unprinted_blanks():
    page = "<table><tr><td>a</td><td>b</td><td>c</td></tr><tr><td>d</td></tr></table>"
    [table] = tables(read(page.encode()))
    assert grid(table) == [["a", "b", "c"], ["d", "", ""]]
    assert spanned(table) == [[False, False, False], [False, True, True]]


def test_cell_paragraphs_breaks_spans_and_blanks():
    page = """<table>
      <tr><td><p><span>商业</span><span><o:p></o:p></span></p><p><span>企业</span></p></td>
          <td><span>自然</span><span>人</span></td>
          <td>本年<br>新收</td></tr>
      <tr><td>&nbsp;</td><td><p><o:p>&nbsp;</o:p></p><p>总<span>计</span></p></td><td>２６</td></tr>
    </table>"""
    [table] = tables(read(page.encode()))
    assert grid(table) == [["商业\n企业", "自然人", "本年\n新收"], ["", "总计", "26"]]
    assert spanned(table) == [[False] * 3, [False] * 3]  # a printed blank cell is not a span


def test_vertical_header_text_is_one_word():
    page = """<table>
      <tr><td rowspan="2">申<br>请<br>人<br>情<br>况</td><td><p>办</p><p>理</p></td>
          <td style="writing-mode: vertical-lr"><p>办理</p><p>结果</p></td>
          <td style="layout-flow:vertical-ideographic">结 果</td></tr>
      <tr><td>1</td><td>2</td><td>3</td></tr>
    </table>"""
    [table] = tables(read(page.encode()))
    assert grid(table) == [["申请人情况", "办理", "办理结果", "结果"], ["申请人情况", "1", "2", "3"]]


def test_layout_tables_are_read_as_blocks():
    page = """<html><body><table><tr>
      <td><p>一、总体情况</p><table><tr><td>单格布局表</td></tr></table></td>
      <td><p>二、主动公开政府信息情况</p>
          <table><tr><td>信息内容</td><td>本年制发件数</td></tr><tr><td>规章</td><td>0</td></tr></table>
          <p>三、收到和处理政府信息公开申请情况</p></td>
    </tr></table></body></html>"""
    doc = read(page.encode())
    assert [b.text if isinstance(b, TextLine) else grid(b) for b in doc.blocks] == [
        "一、总体情况", "单格布局表", "二、主动公开政府信息情况",
        [["信息内容", "本年制发件数"], ["规章", "0"]], "三、收到和处理政府信息公开申请情况"]
    assert [b.loc for b in doc.blocks] == [Loc(line=1), Loc(line=2), Loc(line=3), Loc(table=1), Loc(line=4)]


def test_content_misplaced_in_a_table_comes_before_it():
    page = """<table>注:单位为件<p>说明</p><tr><td>规章</td><td>0</td></tr></table>
      <table><form><tr><td>行政许可</td><td>3</td></tr></form></table>"""
    doc = read(page.encode())
    assert [b.text if isinstance(b, TextLine) else grid(b) for b in doc.blocks] == [
        "注:单位为件", "说明", [["规章", "0"]], [["行政许可", "3"]]]


def test_thead_tbody_th_and_caption():
    page = """<table><caption>表一</caption><thead><tr><th>项目</th><th>数量</th></tr></thead>
      <tbody><tr><td>规章</td><td>0</td></tr></tbody></table>"""
    doc = read(page.encode())
    assert texts(doc) == ["表一"]
    assert grid(tables(doc)[0]) == [["项目", "数量"], ["规章", "0"]]


# --- errors and hostile input --------------------------------------------------------------------

def test_empty_bytes_are_unreadable():
    with pytest.raises(UnreadableError):
        read(b"")
    with pytest.raises(UnreadableError):
        read(b"  \n ")


def test_page_without_text_is_not_a_report():
    page = "<html><head><title>t</title><script>var a=1;</script></head><body><div>&nbsp;</div><nav>首页</nav></body></html>"
    with pytest.raises(NotAReportError) as err:
        read(page.encode())
    assert str(err.value) == "web page without text"


def test_huge_spans_are_capped():
    page = ('<table><tr><td colspan="100000" rowspan="100000">a</td><td>b</td></tr>'
            + "<tr><td>c</td></tr>" * 3 + "</table>")
    start = time.perf_counter()
    [table] = tables(read(page.encode()))
    assert time.perf_counter() - start < 2
    assert len(table.rows) == 4  # rowspan never reaches past the rows the table has
    assert {len(row) for row in table.rows} == {100}
    assert table.rows[0][0] == GridCell("a", Loc(table=1, row=1, col=1), False)
    assert table.rows[3][99].text == "a" and table.rows[3][99].spanned


def test_overlapping_spans_do_not_blow_up():
    # Every row's cells overlap the first cell's spans; the work must stay linear in the grid.
    rows = "".join(f'<tr><td rowspan="1000" colspan="100">{i}</td><td rowspan="1000">x</td></tr>' for i in range(300))
    start = time.perf_counter()
    doc = read(f"<table>{rows}</table>".encode())
    assert time.perf_counter() - start < 5
    [table] = tables(doc)
    assert (len(table.rows), len(table.rows[0])) == (300, 100)
    assert table.rows[299][99] == GridCell("0", Loc(table=1, row=300, col=100), True)


def test_deep_nesting_does_not_crash():
    # libxml2 stops building the tree 255 levels down; what came before is kept.
    page = "<html><body><p>浅</p>" + "<div><span>" * 3000 + "深" + "</span></div>" * 3000 + "</body></html>"
    start = time.perf_counter()
    assert texts(read(page.encode())) == ["浅"]
    assert time.perf_counter() - start < 2


def test_nesting_past_the_depth_guard_reads_as_usual():
    # 240 levels: libxml2 keeps them, the reader stops recursing at 200 and walks the rest flat.
    page = ("<html><body>" + "<div><span>" * 120 + "深<b>处</b><p>另一段</p><table><tr><td>格</td></tr></table>"
            + "</span></div>" * 120 + "<p>浅</p></body></html>")
    assert texts(read(page.encode())) == ["深处", "另一段", "格", "浅"]


# --- dispatch ----------------------------------------------------------------------------------

def test_txt_named_file_holding_html_is_read_as_html(tmp_path):
    path = tmp_path / "2023年报.txt"
    path.write_bytes("<html><body><p>一、总体情况</p><table><tr><td>规章</td><td>0</td></tr></table></body></html>"
                     .encode("gbk"))
    doc = read_document(path.read_bytes())
    assert doc.kind == "html"
    assert texts(doc) == ["一、总体情况"]
    assert grid(tables(doc)[0]) == [["规章", "0"]]


# --- the real saved page 008 -------------------------------------------------------------------

needs_008 = pytest.mark.skipif(not PAGE_008.exists(), reason="shared corpus not available")


@pytest.fixture(scope="module")
def doc_008():
    return read_document(PAGE_008.read_bytes())


@pytest.fixture(scope="module")
def truth_008():
    return json.loads(TRUTH_008.read_text(encoding="utf-8"))


def as_cell(value) -> str:
    """A truth value as the page prints it: null is a blank cell."""
    return "" if value is None else str(value)


@needs_008
def test_008_page(doc_008):
    assert doc_008.kind == "html"
    assert doc_008.encoding == "utf-8"
    assert doc_008.meta == {"title": "沭阳县发展和改革局2023年政府信息公开年度报告-沭阳县发改局"}


@needs_008
def test_008_title_and_sections_are_lines_and_chrome_is_not(doc_008):
    lines = texts(doc_008)
    assert lines[0] == "沭阳县发展和改革局2023年政府信息公开年度报告"  # from the <h1> above the article
    for heading in ("一、总体情况", "(一)主动公开政府信息情况", "二、主动公开政府信息情况",
                    "三、收到和处理政府信息公开申请情况", "四、政府信息公开行政复议、行政诉讼情况",
                    "五、存在的主要问题及整改措施", "六、其他需要报告的事项"):
        assert heading in lines, heading
    assert lines[-2:] == ["沭阳县发展和改革局", "2024年1月17日"]
    assert any("共收到依申请信息公开26件" in line for line in lines)
    text = every_text(doc_008)
    for chrome in ("繁體版", "无障碍", "适老化", "智能问答", "走进沭阳", "办事服务", "数据开放", "星期",
                   "标题:", "采集时间", "索引号", "发布机构", "文件下载", "websiteId", "function"):
        assert chrome not in text, chrome
    # the site's <title>, h2 and h3 (their words also occur inside report sentences)
    for chrome in ("沭阳县人民政府", "沭阳县发改局", "政府信息公开"):
        assert chrome not in lines, chrome


@needs_008
def test_008_has_three_grids(doc_008):
    found = tables(doc_008)
    assert [t.loc for t in found] == [Loc(table=1), Loc(table=2), Loc(table=3)]
    # 二: four 第二十条 blocks of 4+3+4+3 rows; 三: 3 header rows + 25 rows, 3 label + 7 applicant
    # columns; 四: 2 header rows of 行政复议 / 行政诉讼, a row of result labels, one row of figures.
    assert [(len(t.rows), {len(r) for r in t.rows}) for t in found] == [(14, {4}), (28, {10}), (4, {15})]


# The template numbers its tables 二/三/四 by section; the document numbers them 1/2/3.

@needs_008
def test_008_proactive_disclosure_table(doc_008, truth_008):
    table = grid(tables(doc_008)[0])
    assert table[0] == ["第二十条第(一)项"] * 4
    assert table[1] == ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"]
    figures = {(a["item"], a["measure"]): as_cell(a["value"]) for a in truth_008["active_disclosure"]}
    assert table[3] == ["规范性文件", figures["normative_documents", "issued"],
                        figures["normative_documents", "repealed"], figures["normative_documents", "in_force"]]
    assert table[13] == ["行政事业性收费", figures["fees", "fee_amount"], "0", "0"]  # one cell, colspan 3


@needs_008
def test_008_applications_table(doc_008, truth_008):
    table = tables(doc_008)[1]
    cells = grid(table)
    assert cells[0][3] == "申请人情况"
    assert cells[1][3] == "自然人"  # a blank <p> then 自然 + 人 split across spans
    assert cells[1][9] == "总计"
    assert cells[2][4:9] == ["商业\n企业", "科研\n机构", "社会公益组织", "法律服务机构", "其他"]
    new = table.rows[3]
    assert [c.text for c in new[:3]] == ["一、本年新收政府信息公开申请数量"] * 3
    assert [c.spanned for c in new[:3]] == [False, True, True]
    assert new[3] == GridCell("26", Loc(table=2, row=4, col=4), False)   # 自然人
    assert new[9] == GridCell("26", Loc(table=2, row=4, col=10), False)  # 总计
    assert [(c.text, c.spanned) for c in new[4:9]] == [("", False)] * 5  # printed blank organisation cells
    # 三、本年度办理结果 spans 22 rows of column 1; (三)不予公开 spans 8 rows of column 2.
    assert [row[0] for row in cells[5:27]] == ["三、本年度办理结果"] * 22
    assert [row[0].spanned for row in table.rows[5:27]] == [False] + [True] * 21
    assert cells[7][1:3] == ["(三)不予公开", "1.属于国家秘密"]
    assert cells[26][1] == "(七)总计"
    # Every application row against the hand transcription, in template order.
    rows = truth_008["applications"]
    assert len(rows) == 25
    for (key, values), row in zip(rows.items(), cells[3:]):
        assert row[3:] == [as_cell(v) for v in values], key


@needs_008
def test_008_reviews_and_litigation_table(doc_008, truth_008):
    cells = grid(tables(doc_008)[2])
    assert cells[0][0] == "行政复议" and cells[0][5] == "行政诉讼"
    assert cells[1][5] == "未经复议直接起诉" and cells[1][10] == "复议后起诉"
    assert cells[3] == [as_cell(v) for v in truth_008["reviews_litigation"]]
    assert cells[3][3] == "1"  # 尚未审结
