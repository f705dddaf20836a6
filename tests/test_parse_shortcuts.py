"""The parser's shortcuts for speed (issue 11) give what the plain path gives, on constructed inputs.

- the text reader normalises the whole text at once instead of line by line;
- a line printed many times is tokenized once per document: each printing still has its own line
  number and location;
- each distinct line is matched against the section headings once.
"""
from __future__ import annotations

from pipeline.parse import parse_report
from pipeline.parse.cells import BLANK, NUM, TEXT, rows_from_lines
from pipeline.parse.lines import DocLines
from pipeline.parse.sections import find_sections
from pipeline.parse.template import load_template
from pipeline.read import read_document
from pipeline.read.document import Loc
from pipeline.read.text import normalise_line, normalise_lines


def test_whole_text_normalisation_is_the_line_by_line_one():
    # Full-width letters, digits and comma; an ideographic space; a zero-width space; a Word
    # bookmark written in full-width characters; all three kinds of line end.
    text = "ＡＢ，１\u3000x\u200b \r\ny［ｂｏｏｋｍａｒｋ:1］z\rw\n\u00a0"
    assert normalise_lines(text) == ["AB,1 x", "yz", "w", ""]
    assert normalise_lines(text) == [normalise_line(line) for line in ("ＡＢ，１\u3000x\u200b ",
                                                                       "y［ｂｏｏｋｍａｒｋ:1］z", "w", "\u00a0")]


def test_a_text_document_becomes_one_line_per_source_line():
    doc = read_document("标题\n\t0\r\n\n末行".encode())
    lines = DocLines.of(doc)
    assert lines.text == ["标题", "\t0", "", "末行"]
    assert lines.locs == [Loc(line=1), Loc(line=2), Loc(line=3), Loc(line=4)]
    assert lines.cells == [None, None, None, None]


def test_a_repeated_line_keeps_its_own_line_and_location():
    text = "本年新收政府信息公开申请数量\n\t0\n\t0\n\n\t 5件\n\t0"
    lines = DocLines.of(read_document(text.encode()))
    rows = rows_from_lines(lines, 0, 6)
    assert [row.line for row in rows] == [1, 2, 3, 5, 6]  # the empty line 4 carries nothing
    label, zero_a, zero_b, five, zero_c = rows
    assert [t.kind for t in label.tokens] == [TEXT]
    assert label.tokens[0].compact == "本年新收政府信息公开申请数量"
    for row, line in ((zero_a, 2), (zero_b, 3), (zero_c, 6)):
        assert [(t.kind, t.value) for t in row.tokens] == [(BLANK, None), (NUM, 0.0)]
        assert [row.where(t) for t in row.tokens] == [Loc(line=line)] * 2
    assert [(t.kind, t.value, t.unit) for t in five.tokens] == [(BLANK, None, None), (NUM, 5.0, "件")]


def test_records_of_a_repeated_cell_point_at_their_own_lines():
    # Table 4 stacked one number per line: fifteen "0" cells, each on its own line.
    text = "\n".join(["某县2023年政府信息公开工作年度报告", "一、总体情况", "本县依法公开政府信息。",
                      "四、政府信息公开行政复议、行政诉讼情况", "行政复议", *(["0"] * 15),
                      "五、存在的主要问题及改进情况", "无。", "六、其他需要报告的事项", "无。"])
    parsed = parse_report(text.encode(), "t4.txt")
    records = parsed.records["reviews_litigation"]
    assert [r["value"] for r in records] == [0.0] * 15
    assert [r["line"] for r in records] == list(range(6, 21))
    assert [r["location"] for r in records] == [f"line {n}" for n in range(6, 21)]


def test_a_heading_printed_again_after_the_tables_marks_a_second_report():
    headings = ["一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
                "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"]
    lines = [*headings, *headings]  # every line printed twice: the second time is a second report
    sections = find_sections(lines, load_template())
    assert sections.headings == {"s1": 0, "s2": 1, "s3": 2, "s4": 3, "s5": 4, "s6": 5}
    assert sections.repeats == 6
    assert sections.all_headings == list(range(12))
