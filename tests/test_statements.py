"""Section 五 as statements and section 六's fee facts (pipeline/parse/statements.py).

The expected statements were read by a person from the seed files; the section's lines come from
the same functions parse_document uses (read, unglue, sections), never from copied parser code."""
from __future__ import annotations

import pytest

from pipeline.parse.lines import DocLines
from pipeline.parse.sections import find_sections
from pipeline.parse.statements import (MEASURE, PROBLEM, STATED_NONE, fee_facts, fee_records,
                                       section_fee_facts, section_statements, split_statements,
                                       statement_records)
from pipeline.parse.template import load_template
from pipeline.parse.unglue import unglue
from pipeline.read import read_document

from conftest import SHARED

SEEDS = SHARED / "seeds"
CORPUS = SHARED / "corpus" / "raw"


def _doc(path):
    template = load_template()
    lines = unglue(DocLines.of(read_document(path.read_bytes())), template)
    return lines, find_sections(lines.text, template)


def _seed(prefix: str):
    return next(SEEDS.glob(f"{prefix}_*.txt"))


def _statements(path):
    lines, sections = _doc(path)
    return section_statements(lines, sections.span("s5"))


def _by_kind(stmts, kind):
    return [s for s in stmts if s.kind == kind]


# (seed, problems' starts, measures' starts), as printed after the list marker.
SEED_STATEMENTS = [
    ("000", ["政务公开专干“不专”", "缺乏政务公开专业人才培养机制", "全要素全流程“五公开”存在偏差"],
     ["扩大公开信息的覆盖面", "提高政府信息公开业务水平和质量", "完善公开制度", "加大监督、检查和考核力度"]),
    ("001", ["群众及企业了解不够", "职能信息发布不规范", "重大决策预决策不到位"],
     ["政府政务公开专项工作负责人及时和镇综合办", "及时向镇主要领导汇报", "及时汇报党政一把手"]),
    ("002", ["信息主动公开力度还不够足", "信息公开形式单一", "信息公开工作缺乏专业人员"],
     ["梳理工作流程", "进一步加强公开内容丰富规范", "加强工作人员培训"]),
    ("004", ["对政务公开工作的重要性还认识不够", "公开内容比较简单", "重点领域政府信息公开深度不够"],
     ["进一步健全完善公开制度体系", "着力深化重点领域信息公开"]),
]


@pytest.mark.parametrize("seed,problems,measures", SEED_STATEMENTS, ids=[c[0] for c in SEED_STATEMENTS])
def test_seed_statements(seed, problems, measures):
    stmts = _statements(_seed(seed))
    got_p, got_m = _by_kind(stmts, PROBLEM), _by_kind(stmts, MEASURE)
    assert len(got_p) == len(problems) and len(got_m) == len(measures)
    for got, want in ((got_p, problems), (got_m, measures)):
        assert [s.order for s in got] == list(range(1, len(want) + 1))
        for s, start in zip(got, want):
            assert s.text.startswith(start), (s.text, start)
    # problems come before measures in all four
    assert stmts[: len(problems)] == got_p


def test_seed_statement_lines_and_markers():
    s000 = _statements(_seed("000"))
    assert [s.line for s in s000] == [412, 412, 412, 413, 413, 413, 413]
    assert [s.marker for s in s000[:3]] == ["一是", "二是", "三是"]
    s001 = _statements(_seed("001"))
    assert [(s.line, s.marker) for s in s001[:3]] == [(78, "- 1."), (79, "- 2."), (80, "- 3.")]
    assert [s.line for s in s001[3:]] == [84, 86, 88]
    # the list separator is dropped, the sentence's own full stop kept
    assert s000[4].text == "提高政府信息公开业务水平和质量,注重培养政府信息公开工作队伍"
    assert s000[6].text.endswith("推动政府信息公开工作的开展。")


def test_seed_002_intro_sentences_are_not_statements():
    texts = [s.text for s in _statements(_seed("002"))]
    assert not any(t.startswith(("尽管我镇", "下一步,我镇将")) for t in texts)


def test_pdf_wrapped_lines_and_unlisted_sentences():
    # corpus 003 (PDF): a framing sentence, one unlisted problem, an intro, then 一是 split over
    # two lines ("…以下工作:一" / "是扎实推进…")
    stmts = _statements(CORPUS / "003_hongze-2023.pdf")
    assert [(s.kind, s.order) for s in stmts] == [(PROBLEM, 1), (MEASURE, 1), (MEASURE, 2), (MEASURE, 3)]
    assert stmts[0].text.startswith("如依申请公开工作规范性还有待提高")
    assert stmts[1].text.startswith("扎实推进依申请公开工作,全面梳理和优化工作流程")
    assert stmts[1].line == 88  # where "一" stands
    # corpus 001: "…流动性过快的问题。" fills its line; the next starts 针对存在问题 (measures)
    huaian = _statements(CORPUS / "001_huaian-2024.pdf")
    assert [s.kind for s in huaian] == [PROBLEM, PROBLEM, MEASURE, MEASURE]
    assert huaian[1].text.endswith("流动性过快的问题。")
    assert huaian[3].text.startswith("建立健全“传帮带”机制")


def test_crawled_text_nodes_and_glued_headings():
    # 011: "市" in its own text node joins the sentence around it
    stmts = _statements(CORPUS / "011_sanming-2021-crawled.txt")
    assert [s.text for s in _by_kind(stmts, PROBLEM)] == [
        "市政务公开领导小组协调作用有待进一步提升", "基层政府政务公开标准化规范化工作有待进一步深化",
        "政府信息主动公开和政策解读有待进一步提质增效", "政务公开平台建设有待进一步完善。"]
    assert len(_by_kind(stmts, MEASURE)) == 5
    # 010: "(一)存在的主要问题2019年…" and "(二)改进措施1.充实…" glued in one line
    stmts = _statements(CORPUS / "010_pingtan-junshan-2019-crawled.txt")
    assert [s.marker for s in stmts] == ["一是", "二是", "三是", "四是", "1.", "2.", "3."]
    assert [s.kind for s in stmts] == [PROBLEM] * 4 + [MEASURE] * 3


def _split(*lines: str, wrapped: bool = False):
    return split_statements(list(lines), 10, wrapped)


def test_list_styles():
    for problems, measures in [
        (["1.公开栏更新不及时。", "2.群众知晓率不高。"], ["1.定期更新公开栏。", "2.加强宣传。"]),
        (["（一）公开栏更新不及时。", "（二）群众知晓率不高。"], ["（一）定期更新公开栏。", "（二）加强宣传。"]),
        (["①公开栏更新不及时;", "②群众知晓率不高。"], ["①定期更新公开栏;", "②加强宣传。"]),
        (["- 公开栏更新不及时", "- 群众知晓率不高"], ["- 定期更新公开栏", "- 加强宣传"]),
        (["一是公开栏更新不及时;二是群众知晓率不高。"], ["一是定期更新公开栏;二是加强宣传。"]),
    ]:
        got = _split("存在问题:", *problems, "改进措施:", *measures)
        assert [(s.kind, s.order, s.text.rstrip("。")) for s in got] == [
            (PROBLEM, 1, "公开栏更新不及时"), (PROBLEM, 2, "群众知晓率不高"),
            (MEASURE, 1, "定期更新公开栏"), (MEASURE, 2, "加强宣传")], problems


def test_intro_sentences():
    got = _split("(一)存在的主要问题", "主要有以下两点:", "1.专职人员不足。", "2.公开内容单一。",
                 "(二)改进措施", "具体如下:", "1.配齐专职人员。")
    assert [(s.kind, s.text) for s in got] == [(PROBLEM, "专职人员不足。"), (PROBLEM, "公开内容单一。"),
                                               (MEASURE, "配齐专职人员。")]


def test_no_headings_one_paragraph_and_sentences():
    got = _split("今年我镇政务公开工作取得一定成效,但仍存在一些不足,主要表现在:一是公开栏更新不及时;"
                 "二是群众知晓率不高。下一步,我镇将抓好以下工作:一是定期更新公开栏;二是加强宣传。")
    assert [(s.kind, s.order, s.text) for s in got] == [
        (PROBLEM, 1, "公开栏更新不及时"), (PROBLEM, 2, "群众知晓率不高。"),
        (MEASURE, 1, "定期更新公开栏"), (MEASURE, 2, "加强宣传。")]
    # no list at all: the intro is dropped, each "；" clause is a statement, the kind from 针对
    got = _split("仍存在一些不足,主要是:信息更新不够及时;政策解读形式单一。",
                 "针对存在问题,我局将加强政策解读,丰富解读形式。")
    assert [(s.kind, s.text) for s in got] == [(PROBLEM, "信息更新不够及时"), (PROBLEM, "政策解读形式单一。"),
                                               (MEASURE, "针对存在问题,我局将加强政策解读,丰富解读形式。")]


def test_not_markers_and_debris():
    # "统一是" holds no 一是 marker; a page number is not a statement
    got = _split("存在问题:标准不统一是主要问题。", "— 7 —")
    assert [(s.kind, s.text, s.marker) for s in got] == [(PROBLEM, "标准不统一是主要问题。", None)]
    assert _split() == [] and _split("", "  ") == []


def test_wrapped_lines_join():
    got = _split("存在问题:一是政务公开专职人员配备不足,多为兼职人", "员。二是公开内容更新不够及时。", wrapped=True)
    assert [(s.text, s.line) for s in got] == [("政务公开专职人员配备不足,多为兼职人员。", 10),
                                               ("公开内容更新不够及时。", 11)]


def test_records_carry_location():
    stmts = _split("存在问题:一是人员不足。")
    rows = statement_records("r1", stmts, lambda line: {"line": line, "page": None, "location": f"line {line}"})
    assert rows == [{"report_id": "r1", "kind": PROBLEM, "order": 1, "text": "人员不足。", "marker": "一是",
                     "line": 10, "page": None, "location": "line 10"}]


# Section 六, read from the files: (file, [(value, qualifier, line)])
FEES = [
    (SEEDS / "000_8ae22ee27fc68654.txt", []),  # 无
    (SEEDS / "001_ba2450cc1c30b59a.txt", [(0.0, STATED_NONE, 92)]),  # 不存在收取信息处理费的情况
    (SEEDS / "002_976608e17cd77bd0.txt", [(0.0, STATED_NONE, 48)]),  # 本年度没有产生信息公开处理费
    (SEEDS / "003_d0913d7d57e43191.txt", []),
    (SEEDS / "004_7a0999e20e1424be.txt", []),
    (CORPUS / "001_huaian-2024.pdf", [(3940.0, "exact", 120)]),  # 全年收取…信息处理费 3940 元
    (CORPUS / "003_hongze-2023.pdf", [(0.0, "exact", 98)]),  # …信息处理费 0 元
    (CORPUS / "004_hongze-2024.pdf", [(0.0, "exact", 102)]),
    (CORPUS / "005_shanghai-stcsm-2024-extract.md", [(0.0, STATED_NONE, 207)]),  # 未发生政府信息公开收费事项
    (CORPUS / "006_shanghai-govoffice-2025-extract.md", [(0.0, STATED_NONE, 215)]),  # 未收取信息公开处理费
    (CORPUS / "007_shuyang-2025-extract.txt", [(380.0, "exact", 186)]),  # 共计380元, 其中民政局…收取380元
    (CORPUS / "008_shuyang-fgj-2023.html", [(0.0, STATED_NONE, 68)]),  # 未发生收费情况
    (CORPUS / "009_pingtan-2021-crawled.txt", [(0.0, STATED_NONE, 57)]),  # 无收取信息处理费情况
    (CORPUS / "010_pingtan-junshan-2019-crawled.txt", []),
    (CORPUS / "011_sanming-2021-crawled.txt", []),
]


@pytest.mark.parametrize("path,want", FEES, ids=[p.name[:12] for p, _ in FEES])
def test_fee_facts(path, want):
    lines, sections = _doc(path)
    facts = section_fee_facts(lines, sections.span("s6"))
    assert [(f.value, f.qualifier, f.line) for f in facts] == want
    assert all(f.fact == "fees_charged" and f.category is None for f in facts)


def test_fee_evidence_and_constructed():
    lines, sections = _doc(CORPUS / "001_huaian-2024.pdf")
    (fact,) = section_fee_facts(lines, sections.span("s6"))
    assert fact.evidence == "2024 年,市政府严格落实《政府信息公开信息处理费管理办法》,全年收取政府信息公开信息处理费 3940 元。"
    assert [(f.value, f.qualifier) for f in fee_facts(["全年共收取信息处理费1.5万元。"], 1)] == [(15000.0, "exact")]
    assert [(f.value, f.qualifier) for f in fee_facts(["共收取信息处理费 1,200 元。"], 1)] == [(1200.0, "exact")]
    # naming the regulation states nothing about fees
    assert fee_facts(["严格落实《政府信息公开信息处理费管理办法》,规范收费行为。"], 1) == []
    assert fee_facts(["无。"], 1) == [] and fee_facts([], 1) == []
    rows = fee_records("r1", fee_facts(["本年度未收取信息处理费。"], 5), lambda line: {"line": line})
    assert rows == [{"report_id": "r1", "fact": "fees_charged", "value": 0.0, "qualifier": STATED_NONE,
                     "category": None, "evidence": "本年度未收取信息处理费。", "line": 5}]
