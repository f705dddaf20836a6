"""The .docx reader: Word files built here with python-docx (plus hand-written XML where
python-docx has no API), read back as the blocks a person sees on the page."""
from __future__ import annotations

import io
import zipfile

import docx
from docx.shared import Inches
import pytest
from docx.oxml import parse_xml

from pipeline.errors import NotAReportError, UnreadableError
from pipeline.read import GridCell, Loc, Table, TextLine, read_document, sniff
from pipeline.read import docx as docx_reader

NS = ('xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
      'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
      'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
      'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
      'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
      'xmlns:v="urn:schemas-microsoft-com:vml"')

NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
NOTE_READ = "(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和)"  # full-width -> ASCII


def to_bytes(document) -> bytes:
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def append_xml(document, xml: str) -> None:
    """Put a hand-written body element (w:p, w:tbl, w:sdt) at the end of the body."""
    placeholder = document.add_paragraph()._p
    placeholder.addprevious(parse_xml(xml))
    placeholder.getparent().remove(placeholder)


def lines(doc) -> list[tuple[str, int]]:
    return [(b.text, b.loc.line) for b in doc.blocks if isinstance(b, TextLine)]


def tables(doc) -> list[Table]:
    return [b for b in doc.blocks if isinstance(b, Table)]


def texts(table: Table) -> list[list[str]]:
    return [[c.text for c in row] for row in table.rows]


def spans(table: Table) -> list[str]:
    return [" ".join("T" if c.spanned else "F" for c in row) for row in table.rows]


def cell(t: Table, r: int, c: int) -> GridCell:
    return t.rows[r - 1][c - 1]


# --- a report shaped like the template ---------------------------------------------------------

def build_report() -> bytes:
    d = docx.Document()
    d.core_properties.title = "某某区人民政府2023年政府信息公开工作年度报告"
    d.add_paragraph("某某区人民政府2023年政府信息公开工作年度报告")
    d.add_paragraph("")  # empty paragraphs are not lines
    d.add_heading("一、总体情况", level=1)
    p = d.add_paragraph("本年度主动公开政府信息１２３条。")  # full-width digits
    p.paragraph_format.tab_stops.add_tab_stop(Inches(1))  # a tab stop (w:pPr/w:tabs/w:tab) is no tab
    p.add_run().add_break()  # a line break inside one paragraph
    p.add_run("其中\t规范性文件5件。")  # python-docx writes the tab as w:tab
    d.add_paragraph("\u3000\u3000")  # ideographic spaces only: empty once normalised
    d.add_heading("三、收到和处理政府信息公开申请情况", level=1)

    t = d.add_table(rows=5, cols=10)
    t.cell(0, 0).merge(t.cell(2, 2)).text = NOTE          # 3 columns x 3 rows
    t.cell(0, 3).merge(t.cell(0, 9)).text = "申请人情况"   # 7 columns
    t.cell(1, 3).merge(t.cell(2, 3)).text = "自然人"       # 2 rows
    t.cell(1, 4).merge(t.cell(1, 8)).text = "法人或其他组织"  # 5 columns
    t.cell(1, 9).merge(t.cell(2, 9)).text = "总计"         # 2 rows
    for c, label in enumerate(["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"], 4):
        t.cell(2, c).text = label
    t.cell(3, 0).merge(t.cell(3, 2)).text = "一、本年新收政府信息公开申请数量"
    t.cell(4, 0).merge(t.cell(4, 2)).text = "二、上年结转政府信息公开申请数量"
    for c, value in enumerate(["10", "2", "0", "1", "0", "0", "13"], 3):
        t.cell(3, c).text = value
    for c, value in enumerate(["1", "0", "0", "0", "0", "0", "1"], 3):
        t.cell(4, c).text = value

    d.add_paragraph("四、政府信息公开行政复议、行政诉讼情况")
    return to_bytes(d)


def test_report_reads_in_body_order_with_numbered_lines():
    doc = read_document(build_report())
    assert doc.kind == "docx" and doc.encoding is None
    assert doc.meta == {"title": "某某区人民政府2023年政府信息公开工作年度报告"}
    assert lines(doc) == [
        ("某某区人民政府2023年政府信息公开工作年度报告", 1),
        ("一、总体情况", 2),
        ("本年度主动公开政府信息123条。", 3),
        ("其中\t规范性文件5件。", 4),
        ("三、收到和处理政府信息公开申请情况", 5),
        ("四、政府信息公开行政复议、行政诉讼情况", 6),
    ]
    kinds = [type(b).__name__ for b in doc.blocks]
    assert kinds == ["TextLine"] * 5 + ["Table", "TextLine"]


def test_template_table_3_header_grid():
    (t,) = tables(read_document(build_report()))
    assert t.loc == Loc(table=1)
    assert texts(t) == [
        [NOTE_READ] * 3 + ["申请人情况"] * 7,
        [NOTE_READ] * 3 + ["自然人"] + ["法人或其他组织"] * 5 + ["总计"],
        [NOTE_READ] * 3 + ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"],
        ["一、本年新收政府信息公开申请数量"] * 3 + ["10", "2", "0", "1", "0", "0", "13"],
        ["二、上年结转政府信息公开申请数量"] * 3 + ["1", "0", "0", "0", "0", "0", "1"],
    ]
    # F: printed at this position; T: a position covered by a merged cell printed elsewhere
    assert spans(t) == [
        "F T T F T T T T T T",
        "T T T F F T T T T F",
        "T T T T F F F F F T",
        "F T T F F F F F F F",
        "F T T F F F F F F F",
    ]
    for r, row in enumerate(t.rows, 1):
        for c, gc in enumerate(row, 1):
            assert gc.loc == Loc(table=1, row=r, col=c)
    assert cell(t, 2, 5) == GridCell("法人或其他组织", Loc(table=1, row=2, col=5), False)
    assert cell(t, 3, 10) == GridCell("总计", Loc(table=1, row=3, col=10), True)


def test_document_lines_print_each_merged_cell_once():
    doc = read_document(build_report())
    assert doc.lines()[5:8] == [
        f"{NOTE_READ}\t申请人情况",
        "自然人\t法人或其他组织\t总计",
        "商业企业\t科研机构\t社会公益组织\t法律服务机构\t其他",
    ]


# --- what is not on the page --------------------------------------------------------------------

TEXT_BOXES = f"""<w:p {NS}>
  <w:r><w:t>正文前</w:t></w:r>
  <w:r><mc:AlternateContent>
    <mc:Choice Requires="wps"><w:drawing><wp:inline><a:graphic><a:graphicData
        uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"><wps:wsp><wps:txbx>
      <w:txbxContent><w:p><w:r><w:t>文本框甲</w:t></w:r></w:p></w:txbxContent>
    </wps:txbx></wps:wsp></a:graphicData></a:graphic></wp:inline></w:drawing></mc:Choice>
    <mc:Fallback><w:pict><v:shape><v:textbox>
      <w:txbxContent><w:p><w:r><w:t>文本框甲</w:t></w:r></w:p></w:txbxContent>
    </v:textbox></v:shape></w:pict></mc:Fallback>
  </mc:AlternateContent></w:r>
  <w:r><w:pict><v:shape><v:textbox><w:txbxContent><w:p><w:r><w:t>文本框乙</w:t></w:r></w:p></w:txbxContent></v:textbox></v:shape></w:pict></w:r>
  <w:r><w:drawing><wp:anchor><a:graphic><a:graphicData
      uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"><wps:wsp><wps:txbx>
    <w:txbxContent><w:p><w:r><w:t>文本框丙</w:t></w:r></w:p></w:txbxContent>
  </wps:txbx></wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing></w:r>
  <w:r><w:t>正文后</w:t></w:r>
</w:p>"""


def test_text_boxes_headers_footers_and_comments_are_left_out():
    d = docx.Document()
    d.sections[0].header.paragraphs[0].text = "页眉文字"
    d.sections[0].footer.paragraphs[0].text = "页脚文字"
    p = d.add_paragraph("有批注的正文")
    d.add_comment(p.runs, text="批注文字", author="审核人")
    append_xml(d, TEXT_BOXES)
    doc = read_document(to_bytes(d))
    assert lines(doc) == [("有批注的正文", 1), ("正文前正文后", 2)]


def test_tracked_changes_keep_insertions_and_drop_deletions():
    d = docx.Document()
    append_xml(d, f"""<w:p {NS}><w:r><w:t>受理申请</w:t></w:r>
        <w:ins w:id="1" w:author="甲" w:date="2024-01-01T00:00:00Z"><w:r><w:t>15件</w:t></w:r></w:ins>
        <w:del w:id="2" w:author="甲" w:date="2024-01-01T00:00:00Z"><w:r><w:delText>12件</w:delText></w:r></w:del>
        <w:del w:id="4" w:author="乙"><w:r><w:t>（旧）</w:t></w:r></w:del>
        <w:r><w:t>。</w:t></w:r></w:p>""")  # some converters write deleted text as w:t
    # a paragraph whose only text was deleted is gone altogether
    append_xml(d, f"""<w:p {NS}><w:del w:id="3" w:author="甲"><w:r><w:delText>整段删除</w:delText></w:r></w:del></w:p>""")
    assert lines(read_document(to_bytes(d))) == [("受理申请15件。", 1)]


def test_content_controls_are_read_in_place():
    d = docx.Document()
    d.add_paragraph("控件前")
    append_xml(d, f"""<w:sdt {NS}><w:sdtPr><w:alias w:val="单位名称"/></w:sdtPr><w:sdtContent>
        <w:p><w:r><w:t>某某局</w:t></w:r></w:p></w:sdtContent></w:sdt>""")
    d.add_paragraph("控件后")
    assert lines(read_document(to_bytes(d))) == [("控件前", 1), ("某某局", 2), ("控件后", 3)]


# --- table details -------------------------------------------------------------------------------

def test_cell_paragraphs_and_line_breaks_join_with_newline():
    d = docx.Document()
    t = d.add_table(rows=1, cols=2)
    t.cell(0, 0).text = "第一段"
    t.cell(0, 0).add_paragraph("第二段")
    t.cell(0, 0).add_paragraph("")  # an empty paragraph adds no blank line
    run = t.cell(0, 1).paragraphs[0].add_run("商业")
    run.add_break()
    t.cell(0, 1).paragraphs[0].add_run("企业")
    (table,) = tables(read_document(to_bytes(d)))
    assert texts(table) == [["第一段\n第二段", "商业\n企业"]]
    assert spans(table) == ["F F"]


def tc(text: str, props: str = "") -> str:
    return f"<w:tc><w:tcPr>{props}</w:tcPr><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:tc>"


def test_grid_before_after_and_ragged_rows_are_padded():
    d = docx.Document()
    append_xml(d, f"""<w:tbl {NS}><w:tblGrid>{'<w:gridCol w:w="1000"/>' * 4}</w:tblGrid>
        <w:tr>{tc("A")}{tc("B")}{tc("C")}{tc("D")}</w:tr>
        <w:tr><w:trPr><w:gridBefore w:val="1"/><w:gridAfter w:val="1"/></w:trPr>{tc("E")}{tc("F")}</w:tr>
        <w:tr>{tc("G")}</w:tr>
        <w:tr>{tc("H", '<w:vMerge w:val="restart"/>')}{tc("I", '<w:gridSpan w:val="3"/>')}</w:tr>
        <w:tr>{tc("", '<w:vMerge/>')}{tc("J")}{tc("K")}{tc("L")}</w:tr>
    </w:tbl>""")
    (t,) = tables(read_document(to_bytes(d)))
    assert texts(t) == [["A", "B", "C", "D"], ["", "E", "F", ""], ["G", "", "", ""],
                        ["H", "I", "I", "I"], ["H", "J", "K", "L"]]
    assert spans(t) == ["F F F F", "T F F T", "F T T T", "F F T T", "T F F F"]


def test_absurd_grid_span_is_capped():
    d = docx.Document()
    append_xml(d, f"""<w:tbl {NS}><w:tr>{tc("宽", '<w:gridSpan w:val="2000000000"/>')}{tc("尾")}</w:tr>
        <w:tr>{tc("下", '<w:gridSpan w:val="abc"/>')}</w:tr></w:tbl>""")
    (t,) = tables(read_document(to_bytes(d)))
    assert len(t.rows[0]) == 101  # 100 columns at most for one cell, then the next cell
    assert t.rows[0][0] == GridCell("宽", Loc(table=1, row=1, col=1), False)
    assert t.rows[0][100] == GridCell("尾", Loc(table=1, row=1, col=101), False)
    assert t.rows[1][0] == GridCell("下", Loc(table=1, row=2, col=1), False)  # bad span counts as 1
    assert all(c.spanned for c in t.rows[1][1:])


def test_layout_table_with_nested_table_reads_as_blocks():
    d = docx.Document()
    d.add_paragraph("前言")
    outer = d.add_table(rows=1, cols=2)
    outer.cell(0, 0).text = "左栏说明"
    inner = outer.cell(0, 1).add_table(rows=2, cols=2)
    for (r, c), text in {(0, 0): "项目", (0, 1): "数量", (1, 0): "受理", (1, 1): "5"}.items():
        inner.cell(r, c).text = text
    d.add_paragraph("结尾")
    d.add_table(rows=1, cols=1).cell(0, 0).text = "后表"
    doc = read_document(to_bytes(d))
    assert [type(b).__name__ for b in doc.blocks] == ["TextLine", "TextLine", "Table", "TextLine", "Table"]
    assert lines(doc) == [("前言", 1), ("左栏说明", 2), ("结尾", 3)]
    first, second = tables(doc)
    assert first.loc == Loc(table=1) and texts(first) == [["项目", "数量"], ["受理", "5"]]
    assert first.rows[1][1].loc == Loc(table=1, row=2, col=2)
    assert second.loc == Loc(table=2) and texts(second) == [["后表"]]


# --- files that are not (readable) .docx ----------------------------------------------------------

def test_ole_doc_is_rejected_before_the_reader():
    raw = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(2048)
    with pytest.raises(NotAReportError, match=r"^Word 97-2003 \.doc: save it as \.docx$"):
        read_document(raw)


def test_zip_without_document_xml_is_not_docx():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("word/styles.xml", "<styles/>")
        zf.writestr("readme.txt", "hello")
    raw = buf.getvalue()
    assert sniff(raw) != "docx"
    with pytest.raises(UnreadableError) as err:
        read_document(raw)
    assert ".docx" not in str(err.value)
    with pytest.raises(UnreadableError, match="no word/document.xml"):
        docx_reader.read(raw)  # called directly, the reader says what is missing


def zip_with_document(xml: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", xml)
    return buf.getvalue()


def test_xml_that_does_not_parse_is_unreadable():
    raw = zip_with_document(b'<w:document xmlns:w="x"><w:body><w:p><w:r><w:t>truncated')
    with pytest.raises(UnreadableError, match=r"^corrupt \.docx: word/document.xml: "):
        read_document(raw)


def test_damaged_compressed_data_is_unreadable():
    raw = bytearray(build_report())
    with zipfile.ZipFile(io.BytesIO(bytes(raw))) as zf:
        info = zf.getinfo("word/document.xml")
    name_len, extra_len = int.from_bytes(raw[info.header_offset + 26:info.header_offset + 28], "little"), \
        int.from_bytes(raw[info.header_offset + 28:info.header_offset + 30], "little")
    start = info.header_offset + 30 + name_len + extra_len
    for i in range(start + 20, start + info.compress_size - 20, 7):
        raw[i] ^= 0x5A
    with pytest.raises(UnreadableError, match=r"^corrupt \.docx: "):
        read_document(bytes(raw))


def test_not_a_zip_is_unreadable():
    with pytest.raises(UnreadableError, match=r"^corrupt \.docx: "):
        docx_reader.read(b"PK\x03\x04 this is not really a zip")


def test_word_file_without_text_is_not_a_report():
    d = docx.Document()
    d.add_paragraph("")
    d.add_paragraph("\u3000 ")
    d.add_table(rows=2, cols=2)  # a table of empty cells is no text either
    with pytest.raises(NotAReportError, match=r"^Word file without text$"):
        read_document(to_bytes(d))


def test_document_xml_over_the_size_cap_is_refused_unread(monkeypatch):
    raw = zip_with_document(b"<w:document/>" + b" " * 5000)
    monkeypatch.setattr(docx_reader, "_MAX_XML_BYTES", 1000)
    with pytest.raises(UnreadableError, match="would expand to"):
        docx_reader.read(raw)


def test_entities_are_not_expanded():
    xml = (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x "\xe5\xb1\x95\xe5\xbc\x80">]>'
           b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
           b'<w:body><w:p><w:r><w:t>A&x;B</w:t></w:r></w:p></w:body></w:document>')
    doc = docx_reader.read(zip_with_document(xml))
    assert doc.blocks == (TextLine("AB", Loc(line=1)),)  # the entity stays unexpanded, the text around it stays
