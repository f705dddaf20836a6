"""The PDF reader: real reports from the corpus, and small PDFs drawn here with reportlab.

Expected values are what a person reads on the page: the corpus figures come from the
hand-verified truth files, and the drawn PDFs hold exactly the figures drawn below.
"""
from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from conftest import SHARED
from pipeline.errors import NotAReportError, UnreadableError
from pipeline.read import read_document
from pipeline.read import pdf as pdf_reader
from pipeline.read.document import Document, Table, TextLine

CORPUS = SHARED / "corpus"
A4_W, A4_H = 595.0, 842.0
_SPACE = re.compile(r"\s+")


def compact(text: str) -> str:
    return _SPACE.sub("", text)


def tables(doc: Document) -> list[Table]:
    return [b for b in doc.blocks if isinstance(b, Table)]


def text_lines(doc: Document) -> list[TextLine]:
    return [b for b in doc.blocks if isinstance(b, TextLine)]


def row_by_label(doc: Document, label: str) -> tuple[Table, int, list]:
    """(table, 0-based row, printed cells) of the first table row with a cell reading `label`."""
    for table in tables(doc):
        for r, row in enumerate(table.rows):
            if any(not c.spanned and label in compact(c.text) for c in row):
                return table, r, list(row)
    raise AssertionError(f"no table row labelled {label!r}")


def values_after_label(row: list, label: str) -> list[str]:
    """The printed cells right of the label cell, as printed."""
    at = max(i for i, c in enumerate(row) if not c.spanned and label in compact(c.text))
    return [c.text for c in row[at + 1:] if not c.spanned]


# --- the corpus ------------------------------------------------------------------------------


def corpus_doc(name: str) -> tuple[Document, dict]:
    path = CORPUS / "raw" / f"{name}.pdf"
    if not path.exists():
        pytest.skip(f"corpus not found at {path}")
    truth = json.loads((CORPUS / "truth" / f"{name}.json").read_text(encoding="utf-8"))
    return read_document(path.read_bytes()), truth


@pytest.fixture(scope="module")
def huaian():
    return corpus_doc("001_huaian-2024")


@pytest.fixture(scope="module")
def hongze23():
    return corpus_doc("003_hongze-2023")


@pytest.fixture(scope="module")
def hongze24():
    return corpus_doc("004_hongze-2024")


def test_huaian_table3_new_received_row_and_its_total(huaian):
    doc, truth = huaian
    table, r, row = row_by_label(doc, "一、本年新收政府信息公开申请数量")
    assert values_after_label(row, "本年新收") == ["3001", "53", "0", "0", "61", "4", "3119"]
    assert [str(v) for v in truth["applications"]["new_received"]] == values_after_label(row, "本年新收")
    # 总计 by its header column, not by position from the end
    total_col = next(c.loc.col for hr in table.rows[:3] for c in hr if not c.spanned and compact(c.text) == "总计")
    assert row[total_col - 1].text == "3119"
    assert row[total_col - 1].loc.page == 4 and row[total_col - 1].loc.table == table.loc.table


def test_huaian_every_table3_row_equals_the_truth(huaian):
    doc, truth = huaian
    labels = {
        "carried_over": "二、上年结转", "granted": "(一)予以公开", "denied_state_secret": "1.属于国家秘密",
        "denied_query_matter": "8.属于行政查询事项", "unable_not_held": "1.本机关不掌握相关政府信息",
        "unable_needs_creation": "2.没有现成信息需要另行制作", "rejected_confirmation": "5.要求行政机关确认或重新出具已获取信息",
        "other_no_correction": "1、申请人无正当理由逾期不补正", "other_other": "3、其他", "total_processed": "(七)总计",
        "carried_forward": "四、结转下年度继续办理",
    }
    for key, label in labels.items():
        _, _, row = row_by_label(doc, label)
        assert values_after_label(row, label) == [str(v) for v in truth["applications"][key]], key


def test_huaian_table3_continues_on_page_5_as_a_second_table(huaian):
    doc, _ = huaian
    first, _, _ = row_by_label(doc, "一、本年新收")
    second, r, row = row_by_label(doc, "2.没有现成信息需要另行制作")
    assert (first.loc.page, second.loc.page) == (4, 5)
    assert second.loc.table == first.loc.table + 1
    assert r == 0  # the first row on page 5
    assert doc.blocks.index(first) < doc.blocks.index(second)


def test_huaian_wrapped_labels_are_one_cell(huaian):
    doc, _ = huaian
    cells = {c.text for t in tables(doc) for row in t.rows for c in row}
    assert "(二)部分公开(区分处理的,只计这一情形,不计其他情形)" in cells
    assert "三、本年度办理结果" in cells  # printed one character per line in a narrow column
    assert "5.要求行政机关确认或重新出具已获取信息" in cells
    assert any(compact(c) == "商业企业" for c in cells)  # header wrapped as 商业企 / 业


def test_huaian_table2_and_table4(huaian):
    doc, truth = huaian
    _, _, row = row_by_label(doc, "规章")
    assert values_after_label(row, "规章") == ["1", "0", "11"]
    _, _, row = row_by_label(doc, "行政许可")
    assert values_after_label(row, "行政许可") == ["447228"]
    _, _, row = row_by_label(doc, "行政处罚")
    assert values_after_label(row, "行政处罚") == ["3985758"]
    _, _, row = row_by_label(doc, "行政事业性收费")
    assert values_after_label(row, "行政事业性收费") == ["96171.6"]
    review = next(t for t in tables(doc) if compact(t.rows[0][0].text) == "行政复议")
    assert [c.text for c in review.rows[-1]] == [str(v) for v in truth["reviews_litigation"]]
    assert review.loc.page == 5


def test_huaian_title_headings_and_no_page_numbers(huaian):
    doc, _ = huaian
    first = doc.blocks[0]
    assert isinstance(first, TextLine) and first.loc.page == 1 and first.loc.line == 1
    # the title, printed large and centred over two lines, is one line
    assert compact(first.text) == "淮安市人民政府2024年政府信息公开工作年度报告"
    texts = [t.text for t in text_lines(doc)]
    for heading in ("一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
                    "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"):
        assert heading in texts
    # every page's footer "- N -" is gone
    assert not [t for t in texts if re.fullmatch(r"-\s*\d+\s*-", t)]
    assert all(b.loc.page is not None for b in doc.blocks)
    assert doc.kind == "pdf" and doc.meta["pages"] == "6"
    assert "WPS" in doc.meta["producer"]


def test_huaian_text_lines_keep_their_page_and_line(huaian):
    doc, _ = huaian
    line = next(t for t in text_lines(doc) if t.text.startswith("六、其他需要报告的事项"))
    assert line.loc.page == 6
    fee = next(t for t in text_lines(doc) if "3940" in t.text)
    assert fee.loc.page == 6 and fee.loc.line == line.loc.line + 2


def test_hongze23_tables_and_printed_inconsistency(hongze23):
    doc, truth = hongze23
    _, _, row = row_by_label(doc, "一、本年新收")
    assert values_after_label(row, "本年新收") == ["21", "0", "0", "0", "0", "0", "21"]
    # the last row on page 3 has no bottom border (the table goes on); it is still a table row
    table, _, row = row_by_label(doc, "2.没有现成信息需要另行制作")
    assert table.loc.page == 3 and values_after_label(row, "没有现成信息需要另行制作") == ["3", "0", "0", "0", "0", "0", "3"]
    _, _, row = row_by_label(doc, "(六)其他处理")
    assert values_after_label(row, "(六)其他处理") == ["0"] * 7
    _, _, row = row_by_label(doc, "行政事业性收费")
    assert values_after_label(row, "行政事业性收费") == ["7730.28"]
    review = next(t for t in tables(doc) if compact(t.rows[0][0].text) == "行政复议")
    # 行政复议 prints 10 1 0 0 and a total of 0: as printed, not corrected
    assert [c.text for c in review.rows[-1]] == [str(v) for v in truth["reviews_litigation"]]
    assert [c.text for c in review.rows[-1][:5]] == ["10", "1", "0", "0", "0"]
    assert compact(doc.blocks[0].text) == "洪泽区人民政府2023年政府信息公开工作年度报告"


def test_hongze23_prose_in_invisible_boxes_stays_text(hongze23):
    # WPS draws a white box behind every prose line; they make no table
    doc, _ = hongze23
    texts = [t.text for t in text_lines(doc)]
    assert "一、总体情况" in texts and "二、主动公开政府信息情况" in texts
    assert len(tables(doc)) == 5


def test_hongze24_tables(hongze24):
    doc, truth = hongze24
    _, _, row = row_by_label(doc, "一、本年新收")
    assert values_after_label(row, "本年新收") == ["95", "0", "0", "0", "0", "0", "95"]
    _, _, row = row_by_label(doc, "1.本机关不掌握相关政府信息")
    assert values_after_label(row, "本机关不掌握相关政府信息") == ["31", "0", "0", "0", "0", "0", "31"]
    _, _, row = row_by_label(doc, "行政许可")
    assert values_after_label(row, "行政许可") == ["9487"]
    _, _, row = row_by_label(doc, "行政事业性收费")
    assert values_after_label(row, "行政事业性收费") == ["7545"]
    review = next(t for t in tables(doc) if compact(t.rows[0][0].text) == "行政复议")
    assert [c.text for c in review.rows[-1]] == [str(v) for v in truth["reviews_litigation"]]
    assert compact(doc.blocks[0].text) == "淮安市洪泽区人民政府2024年政府信息公开工作年度报告"


# --- drawn PDFs --------------------------------------------------------------------------------


def _font() -> str:
    pytest.importorskip("reportlab")
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    import paperang_p2_fonts_cjk

    path = Path(paperang_p2_fonts_cjk.__file__).parent / "fonts" / "wqy-microhei.ttc"
    if "WQY" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("WQY", str(path), subfontIndex=0))
    return "WQY"


class Page:
    """A reportlab canvas in top-down coordinates, as the reader sees the page."""

    def __init__(self, c):
        self.c = c

    def text(self, x: float, top: float, s: str, size: float = 12, centred: bool = False) -> None:
        self.c.setFont("WQY", size)
        y = A4_H - top - size * 0.85  # baseline under a line whose top is `top`
        if centred:
            self.c.drawCentredString(A4_W / 2, y, s)
        else:
            self.c.drawString(x, y, s)

    def hline(self, x0: float, x1: float, top: float) -> None:
        self.c.line(x0, A4_H - top, x1, A4_H - top)

    def vline(self, x: float, top: float, bottom: float) -> None:
        self.c.line(x, A4_H - top, x, A4_H - bottom)


def _furniture(p: Page, n: int, footer: str) -> None:
    p.text(60, 30, "测试县人民政府办公室 政务公开", size=9)  # running header, every page
    p.text(0, 800, footer, size=10, centred=True)


# Table 3 of the drawn report: columns (left x of each) and the rows drawn on each page.
X = [60, 160, 230, 300, 370]  # label | 自然人 | 商业企业 (narrow) | 总计 | right edge
ROW_H = 40


def _table_rows(p: Page, top: float, rows: list[tuple[list[str], list[str]]],
                open_top: bool = False, open_bottom: bool = False) -> float:
    """Rows of (label lines, numbers) as a ruled grid drawn cell by cell, as Word does."""
    for i, (label, numbers) in enumerate(rows):
        t, b = top + i * ROW_H, top + (i + 1) * ROW_H
        if i or not open_top:
            p.hline(X[0], X[-1], t)
        for x in X:
            p.vline(x, t, b)
        for k, line in enumerate(label):
            p.text(X[0] + 3, t + 3 + k * 12, line, size=10)
        for col, num in enumerate(numbers):
            p.text(X[col + 1] + 5, t + 14, num, size=10)
    bottom = top + len(rows) * ROW_H
    if not open_bottom:
        p.hline(X[0], X[-1], bottom)
    return bottom


def drawn_report() -> bytes:
    font = _font()
    from reportlab.lib.colors import Color, white
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(A4_W, A4_H))
    c.setTitle("政府信息公开工作年度报告")
    p = Page(c)

    # page 1: title over two large centred lines, prose, a table laid out by position only
    _furniture(p, 1, "- 1 -")
    p.text(0, 80, "测试县人民政府", size=22, centred=True)
    p.text(0, 110, "2024年政府信息公开工作年度报告", size=22, centred=True)
    p.text(60, 160, "一、总体情况", size=14)
    p.text(60, 185, "本年度共收到政府信息公开申请16件，均按期答复。", size=12)
    p.text(60, 220, "二、主动公开政府信息情况", size=14)
    for k, cells in enumerate([("信息内容", "本年制发件数", "本年废止件数", "现行有效件数"),
                               ("规章", "1", "0", "11"), ("行政规范性文件", "8", "26", "66")]):
        for x, cell in zip((60, 200, 300, 400), cells):
            p.text(x, 250 + k * 22, cell, size=11)
    c.showPage()

    # page 2: a ruled table whose header merges cells, with labels wrapped in narrow columns;
    # it runs off the page with no bottom border
    _furniture(p, 2, "第 2 页")
    p.text(60, 60, "三、收到和处理政府信息公开申请情况", size=14)
    top = 90
    # header row 1: the left cell spans two rows, 申请人情况 spans the three number columns
    p.hline(X[0], X[-1], top)
    p.hline(X[1], X[-1], top + ROW_H)
    for x in (X[0], X[-1]):
        p.vline(x, top, top + 2 * ROW_H)
    for x in X[2:-1]:
        p.vline(x, top + ROW_H, top + 2 * ROW_H)
    p.vline(X[1], top, top + 2 * ROW_H)
    p.text(X[0] + 3, top + 30, "(勾稽关系)", size=10)
    p.text(X[1] + 40, top + 14, "申请人情况", size=10)
    p.text(X[1] + 5, top + ROW_H + 14, "自然人", size=10)
    p.text(X[2] + 5, top + ROW_H + 6, "商业企", size=10)  # wrapped in its narrow column
    p.text(X[2] + 5, top + ROW_H + 20, "业", size=10)
    p.text(X[3] + 5, top + ROW_H + 14, "总计", size=10)
    rows = [
        (["一、本年新收政府", "信息公开申请数量"], ["12", "3", "15"]),
        (["二、上年结转政府", "信息公开申请数量"], ["1 2", "0", "12"]),  # 12 split by the text layer
        (["(二)部分公开(区分", "处理的,只计这一情", "形,不计其他情形)"], ["4", "0", "4"]),
    ]
    c.setFillColor(Color(0.78, 0.85, 0.95))  # shaded cell: a background, no border
    c.rect(X[1] + 1, A4_H - (top + 2 * ROW_H + ROW_H - 1), X[2] - X[1] - 2, ROW_H - 2, stroke=0, fill=1)
    c.setFillColor(Color(0, 0, 0))
    _table_rows(p, top + 2 * ROW_H, rows, open_bottom=True)
    c.showPage()

    # page 3: the table goes on with no top border; then prose over an invisible white box,
    # a table ruled with thin filled bars (Word's export), and a bare page number
    _furniture(p, 3, "")
    bottom = _table_rows(p, 60, [(["(七)总计"], ["17", "3", "20"]), (["四、结转下年度", "继续办理"], ["0", "0", "0"])],
                         open_top=True)
    c.setFillColor(white)
    c.rect(60, A4_H - bottom - 60, 400, 27, stroke=0, fill=1)
    c.setFillColor(Color(0, 0, 0))
    p.text(60, bottom + 40, "四、政府信息公开行政复议、行政诉讼情况", size=14)
    bars_top = bottom + 80
    for k in range(3):  # horizontal bars
        c.rect(60, A4_H - (bars_top + k * 30) - 0.5, 300, 0.5, stroke=0, fill=1)
    for x in (60, 160, 260, 360):  # vertical bars
        c.rect(x, A4_H - (bars_top + 60), 0.5, 60, stroke=0, fill=1)
    for x, s in zip((65, 165, 265), ("结果维持", "结果纠正", "总计")):
        p.text(x, bars_top + 8, s, size=10)
    for x, s in zip((65, 165, 265), ("2", "1", "3")):
        p.text(x, bars_top + 38, s, size=10)
    p.text(0, 800, "3", size=10, centred=True)
    c.showPage()
    c.save()
    return buf.getvalue()


@pytest.fixture(scope="module")
def drawn() -> Document:
    return pdf_reader.read(drawn_report())


def test_drawn_title_is_one_line_after_the_running_header(drawn):
    first = drawn.blocks[0]
    assert first.text == "测试县人民政府2024年政府信息公开工作年度报告"
    assert first.loc.page == 1 and first.loc.line == 2  # line 1 is the running header, dropped


def test_drawn_page_furniture_is_dropped(drawn):
    texts = [t.text for t in text_lines(drawn)]
    assert not [t for t in texts if "政务公开" in t]  # the running header
    assert "- 1 -" not in texts and "第 2 页" not in texts and "3" not in texts
    assert "本年度共收到政府信息公开申请16件,均按期答复。" in texts


def test_drawn_table_without_ruling_is_split_at_the_gutters(drawn):
    texts = [t.text for t in text_lines(drawn)]
    assert "信息内容\t本年制发件数\t本年废止件数\t现行有效件数" in texts
    assert "规章\t1\t0\t11" in texts
    assert "行政规范性文件\t8\t26\t66" in texts
    line = next(t for t in text_lines(drawn) if t.text.startswith("规章"))
    assert line.loc.page == 1


def test_drawn_ruled_table_over_a_page_break(drawn):
    first, second = tables(drawn)[:2]
    assert (first.loc.page, first.loc.table, second.loc.page, second.loc.table) == (2, 1, 3, 2)
    printed = [[c.text for c in row if not c.spanned] for row in first.rows]
    assert printed[0] == ["(勾稽关系)", "申请人情况"]
    assert printed[1] == ["自然人", "商业企业", "总计"]
    # the last row on page 2 has no bottom border and is still read, label joined
    assert printed[2:] == [["一、本年新收政府信息公开申请数量", "12", "3", "15"],
                           ["二、上年结转政府信息公开申请数量", "1 2", "0", "12"],
                           ["(二)部分公开(区分处理的,只计这一情形,不计其他情形)", "4", "0", "4"]]
    # the first row on page 3 has no top border
    assert [[c.text for c in row] for row in second.rows] == [["(七)总计", "17", "3", "20"],
                                                               ["四、结转下年度继续办理", "0", "0", "0"]]
    cell = second.rows[0][3]
    assert (cell.loc.page, cell.loc.table, cell.loc.row, cell.loc.col) == (3, 2, 1, 4)


def test_drawn_merged_cells_are_spanned_copies(drawn):
    first = tables(drawn)[0]
    head = first.rows[0]
    assert [(c.text, c.spanned) for c in head] == [("(勾稽关系)", False), ("申请人情况", False),
                                                   ("申请人情况", True), ("申请人情况", True)]
    assert (first.rows[1][0].text, first.rows[1][0].spanned) == ("(勾稽关系)", True)
    assert all(len(row) == 4 for row in first.rows)
    # Document.lines() prints each merged cell once
    assert "(勾稽关系)\t申请人情况" in drawn.lines()


def test_drawn_invisible_box_and_thin_bars(drawn):
    texts = [t.text for t in text_lines(drawn)]
    assert "四、政府信息公开行政复议、行政诉讼情况" in texts  # over a white box: still text
    bars = tables(drawn)[2]
    assert bars.loc.page == 3
    assert [[c.text for c in row] for row in bars.rows] == [["结果维持", "结果纠正", "总计"], ["2", "1", "3"]]


def test_drawn_blocks_follow_the_page_top_to_bottom(drawn):
    order = [b.text if isinstance(b, TextLine) else f"table {b.loc.table}" for b in drawn.blocks]
    assert order.index("三、收到和处理政府信息公开申请情况") < order.index("table 1") < order.index("table 2") \
        < order.index("四、政府信息公开行政复议、行政诉讼情况") < order.index("table 3")
    assert drawn.meta["pages"] == "3" and drawn.meta["title"] == "政府信息公开工作年度报告"


def test_page_cap(monkeypatch):
    monkeypatch.setattr(pdf_reader, "MAX_PAGES", 2)
    doc = pdf_reader.read(drawn_report())
    assert {b.loc.page for b in doc.blocks} == {1, 2}
    assert doc.meta["pages"] == "3" and doc.meta["pages_read"] == "2"


# --- what is no report, or no PDF ---------------------------------------------------------------


def test_scanned_pdf_has_no_text_layer():
    _font()
    from PIL import Image
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    image = Image.new("RGB", (200, 280), "white")
    image.paste((0, 0, 0), (20, 20, 180, 30))  # a "line of print" in the scan
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(A4_W, A4_H))
    for _ in range(2):
        c.drawImage(ImageReader(image), 0, 0, A4_W, A4_H)
        c.showPage()
    c.save()
    with pytest.raises(NotAReportError) as err:
        read_document(buf.getvalue())
    assert str(err.value) == "scanned PDF, no text layer"


def _one_page(text: str = "2024年政府信息公开工作年度报告", **canvas_args) -> bytes:
    _font()
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(A4_W, A4_H), **canvas_args)
    c.setFont("WQY", 12)
    c.drawString(72, 700, text)
    c.showPage()
    c.save()
    return buf.getvalue()


def test_one_page_reads():
    doc = read_document(_one_page())
    assert [(b.text, b.loc.page, b.loc.line) for b in doc.blocks] == [("2024年政府信息公开工作年度报告", 1, 1)]


def test_encrypted_pdf_is_unreadable():
    with pytest.raises(UnreadableError) as err:
        read_document(_one_page(encrypt="pw"))
    assert "encrypted" in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize("cut", [0.5, 0.9])
def test_truncated_pdf_is_unreadable(cut):
    raw = _one_page()
    with pytest.raises(UnreadableError) as err:
        read_document(raw[: int(len(raw) * cut)])
    assert str(err.value).startswith("broken PDF") and "\n" not in str(err.value)


def test_garbage_after_the_pdf_header_is_unreadable():
    with pytest.raises(UnreadableError) as err:
        read_document(b"%PDF-1.7\n" + bytes(range(256)) * 40)
    assert "\n" not in str(err.value)


def test_double_rules_and_fake_bold():
    """A double outer rule 3.5pt apart makes no sliver column; a heading printed twice 0.4pt
    apart (fake bold) reads once."""
    _font()
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(A4_W, A4_H))
    p = Page(c)
    x0, x1, top = 60, 360, 100
    for d in (0, 3.5):
        p.hline(x0 - d, x1 + d, top - d)
        p.hline(x0 - d, x1 + d, top + 60 + d)
        p.vline(x0 - d, top - d, top + 60 + d)
        p.vline(x1 + d, top - d, top + 60 + d)
    p.hline(x0, x1, top + 30)
    for x in (160, 260):
        p.vline(x, top, top + 60)
    for x, s in zip((65, 165, 265), ("尚未审结", "结果纠正", "总计")):
        p.text(x, top + 8, s, size=10)
    for x, s in zip((65, 165, 265), ("0", "1", "1")):
        p.text(x, top + 38, s, size=10)
    p.text(60, 200, "五、存在的主要问题及改进情况", size=14)
    p.text(60.4, 200.3, "五、存在的主要问题及改进情况", size=14)
    c.showPage()
    c.save()
    doc = pdf_reader.read(buf.getvalue())
    table, line = doc.blocks
    assert [[(cell.text, cell.spanned) for cell in row] for row in table.rows] == [
        [("尚未审结", False), ("结果纠正", False), ("总计", False)], [("0", False), ("1", False), ("1", False)]]
    assert (line.text, line.loc.line) == ("五、存在的主要问题及改进情况", 1)


def test_ocr_text_layer_over_a_scan_is_read():
    """A scan with an OCR'd, invisible text layer is a text PDF, not a scan without one."""
    _font()
    from PIL import Image
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(A4_W, A4_H))
    c.drawImage(ImageReader(Image.new("RGB", (200, 280), "white")), 0, 0, A4_W, A4_H)
    text = c.beginText(72, 700)
    text.setFont("WQY", 12)
    text.setTextRenderMode(3)  # invisible, as OCR tools write it
    text.textLine("一、本年新收政府信息公开申请数量")
    c.drawText(text)
    c.showPage()
    c.save()
    doc = read_document(buf.getvalue())
    assert [b.text for b in doc.blocks] == ["一、本年新收政府信息公开申请数量"]


@pytest.mark.parametrize("turn", [0, 90, 180, 270])
def test_sideways_page_reads_in_the_text_direction(turn):
    """Text shown turned on the page (a landscape page under /Rotate, a table printed sideways)
    reads along its own lines, ruled tables included."""
    _font()
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(A4_H, A4_W))  # landscape, in the content's own terms
    c.setPageRotation(turn)
    c.setFont("WQY", 12)
    c.drawString(72, 500, "二、主动公开政府信息情况")
    for y in (400, 380, 360):
        c.line(72, y, 372, y)
    for x in (72, 222, 372):
        c.line(x, 360, x, 400)
    for y, label, value in ((385, "行政许可", "9487"), (365, "行政处罚", "2776")):
        c.drawString(80, y, label)
        c.drawString(230, y, value)
    c.showPage()
    c.save()
    doc = pdf_reader.read(buf.getvalue())
    line, table = doc.blocks
    assert line.text == "二、主动公开政府信息情况"
    assert [[cell.text for cell in row] for row in table.rows] == [["行政许可", "9487"], ["行政处罚", "2776"]]
