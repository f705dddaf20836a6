"""Each quirk of real reports, on small documents written in the layouts real reports use."""
from __future__ import annotations

import codecs
import json
import subprocess
import sys

import pytest

import docs
from pipeline.errors import NotAReportError, UnreadableError
from pipeline.parse import parse_report
from pipeline.parse.template import APPLICANTS

LAYOUTS = ("pipe", "tab", "stacked", "space")


def parse(text: str, encoding: str = "utf-8"):
    return parse_report(text.encode(encoding), "test.txt")


def t2(parsed) -> dict:
    return {(r["item"], r["measure"]): r["value"] for r in parsed.records["active_disclosure"]}


def t3(parsed, columns=APPLICANTS) -> dict:
    got: dict[str, list] = {}
    for r in parsed.records["applications"]:
        got.setdefault(r["outcome"], [None] * len(columns))[columns.index(r["applicant"])] = r["value"]
    return got


def t4(parsed) -> list:
    return [r["value"] for r in parsed.records["reviews_litigation"]]


def data_issues(parsed) -> set[str]:
    return set(parsed.issue_codes()) - {"region_unresolved", "region_ambiguous"}


@pytest.mark.parametrize("layout", LAYOUTS)
def test_every_layout_reads_the_same_figures(layout):
    parsed = parse(docs.report(layout))
    assert t2(parsed) == docs.TABLE2_EXPECTED
    got = t3(parsed)
    for outcome, values in docs.TABLE3_EXPECTED.items():
        assert got[outcome] == values, outcome
    assert got["denied_state_secret"] == [0] * 7
    assert len(got) == 25  # 2021 template: three （六） rows, no single other_processing
    assert t4(parsed) == docs.TABLE4_EXPECTED
    assert parsed.report["template_version"] == "2021"
    assert data_issues(parsed) == set()


@pytest.mark.parametrize("layout", LAYOUTS)
def test_values_keep_their_source_line(layout):
    text = docs.report(layout)
    parsed = parse(text)
    lines = text.split("\n")
    for table in ("active_disclosure", "applications", "reviews_litigation"):
        for r in parsed.records[table]:
            assert r["raw"] in lines[r["line"] - 1]


def test_table4_flattened_onto_one_line_of_15_numbers():
    parsed = parse(docs.report("stacked", table4_inline=True))
    assert t4(parsed) == docs.TABLE4_EXPECTED
    assert len({r["line"] for r in parsed.records["reviews_litigation"]}) == 1


def test_vertical_header_text_does_not_disturb_the_rows():
    parsed = parse(docs.report("stacked", vertical_header=True))
    assert t3(parsed)["new_received"] == [3, 1, 0, 0, 0, 0, 4]


def test_eighth_column_org_subtotal_is_kept():
    header = docs.APPLICANT_HEADER + ["法人或其他组织小计"]
    # The subtotal column stands after 其他 and before 总计, as the header prints it.
    rows = [(label, values[:6] + [str(sum(int(v) for v in values[1:6]))] + values[6:])
            for label, values in docs.TABLE3_2021]
    parsed = parse(docs.report("tab", table3=rows, applicant_header=header))
    columns = ("natural_person", "commercial", "research", "social_welfare", "legal_service", "other_org",
               "org_subtotal", "total")
    got = t3(parsed, columns)
    assert got["new_received"] == [3, 1, 0, 0, 0, 0, 1, 4]
    assert got["total_processed"] == [4, 1, 0, 0, 0, 0, 1, 5]
    assert data_issues(parsed) == set()


def test_slash_and_words_are_null_not_numeric():
    rows = [(label, ["/", "/", "/", "/", "/", "/", "/"]) if label.startswith("2.重复") else (label, values)
            for label, values in docs.TABLE3_2021]
    parsed = parse(docs.report("tab", table3=rows))
    assert t3(parsed)["rejected_duplicate"] == [None] * 7
    issues = [i for i in parsed.records["issues"] if i["code"] == "cell_not_numeric"]
    assert len(issues) == 7 and issues[0]["field"] == "rejected_duplicate/natural_person"


def test_blank_cell_in_a_full_row_is_null_and_keeps_its_column():
    rows = [(label, ["1", "0", "", "0", "0", "0", "1"]) if label.startswith("二、") else (label, values)
            for label, values in docs.TABLE3_2021]
    parsed = parse(docs.report("pipe", table3=rows))
    assert t3(parsed)["carried_over"] == [1, 0, None, 0, 0, 0, 1]
    assert any(i["code"] == "cell_blank" and i["field"] == "carried_over/research" for i in parsed.records["issues"])


def test_a_cell_not_in_the_text_is_null_with_cell_missing():
    # One-cell-per-line: the 总计 row stops after six numbers and the next label follows.
    rows = [(label, values[:6]) if label.startswith("（七）") else (label, values) for label, values in docs.TABLE3_2021]
    parsed = parse(docs.report("stacked", table3=rows))
    assert t3(parsed)["total_processed"] == [4, 1, 0, 0, 0, 0, None]
    assert "cell_missing" in parsed.issue_codes()


def test_a_short_inline_row_is_not_placed_by_guess():
    table2 = [(m, h, [("规章", ["1", "3"]) if lab == "规章" else (lab, v) for lab, v in rows])
              for m, h, rows in docs.TABLE2_2021]
    parsed = parse(docs.report("pipe", table2=table2))
    got = t2(parsed)
    assert [got[("rules", m)] for m in ("issued", "repealed", "in_force")] == [None, None, None]
    assert got[("normative_documents", "in_force")] == 43


def test_section_holding_another_table_is_table_missing():
    text = docs.report("pipe")
    start, end = text.index("三、收到"), text.index("四、政府信息公开行政复议")
    table2 = text[text.index("二、主动公开政府信息情况") + len("二、主动公开政府信息情况"):start]
    parsed = parse(text[:start] + "三、收到和处理政府信息公开申请情况" + table2 + text[end:])
    assert parsed.records["applications"] == []
    assert "table_missing" in parsed.issue_codes()
    assert t2(parsed) == docs.TABLE2_EXPECTED


def test_sections_found_by_content_when_numbering_shifts():
    headings = {"s2": "三、主动公开政府信息情况", "s3": "一、收到和处理政府信息公开申请情况",
                "s4": "五、政府信息公开行政复议、行政诉讼情况"}
    parsed = parse(docs.report("tab", headings=headings))
    assert t2(parsed) == docs.TABLE2_EXPECTED
    assert t3(parsed)["total_processed"] == [4, 1, 0, 0, 0, 0, 5]
    assert t4(parsed) == docs.TABLE4_EXPECTED


def test_a_subsection_of_one_named_like_section_two_does_not_take_its_place():
    # Corpus 008 writes "（一）主动公开政府信息情况" inside 总体情况, then the real "二、主动公开政府信息情况".
    intro = ["一、总体情况", "（一）主动公开政府信息情况", "全年共主动公开政府信息120余条。",
             "（二）依申请公开", "全年共收到政府信息公开申请4件。"]
    parsed = parse(docs.report("tab", intro=intro))
    assert t2(parsed) == docs.TABLE2_EXPECTED
    assert "table_missing" not in parsed.issue_codes()
    facts = {f["fact"]: (f["value"], f["qualifier"]) for f in parsed.records["narrative_facts"]}
    assert facts["proactive_total"] == (120, "at_least")  # section 一 still reaches its sub-sections
    assert facts["applications_received"] == (4, "exact")


def test_web_page_junk_after_section_six_is_dropped():
    outro = docs.OUTRO + ["账号+密码登录", "网站标识码3600000001", "赣ICP备05001234号"]
    parsed = parse(docs.report("pipe", outro=outro))
    assert parsed.report["other_matters_text"] == "本年度未收取信息处理费。"


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-16", "utf-8-sig", "utf-16-le"])
def test_encodings(encoding):
    text = docs.report("tab")
    parsed = parse(text, encoding)
    assert t2(parsed) == docs.TABLE2_EXPECTED
    assert t4(parsed) == docs.TABLE4_EXPECTED
    expected = {"gbk": "gb18030", "gb18030": "gb18030", "utf-16": "utf-16", "utf-8-sig": "utf-8-sig",
                "utf-16-le": "utf-16-le"}[encoding]
    assert parsed.source["encoding"] == expected


def test_width_brackets_and_nbsp_are_normalised():
    text = docs.report("stacked").replace("（七）总计", "(七)　总计").replace("\t\u00a04\n\t\u00a01\n\t\u00a00",
                                                                         "\t\u00a0４\n\t\u00a0１\n\t\u00a00", 1)
    parsed = parse(text)
    assert t3(parsed)["total_processed"] == [4, 1, 0, 0, 0, 0, 5]


def test_bookmark_markers_are_removed():
    text = docs.report("tab").replace("四、政府信息公开行政复议", "[bookmark: _GoBack]四、政府信息公开行政复议")
    assert t4(parse(text)) == docs.TABLE4_EXPECTED


def test_title_split_over_two_lines_with_a_stray_line():
    parsed = parse(docs.report("tab", title=["靖安县某某镇2020年度政府信息公开", "工作年度报告", "告"]))
    assert parsed.report["title"] == "靖安县某某镇2020年度政府信息公开工作年度报告"
    assert (parsed.report["org"], parsed.report["year"]) == ("靖安县某某镇", 2020)


def test_year_from_the_statistics_period_sentence():
    title = ["某某街道办事处政府信息公开工作年度报告",
             "本报告中所列数据的统计期限自2024年1月1日起至2024年12月31日止。"]
    parsed = parse(docs.report("tab", title=title))
    assert parsed.report["year"] == 2024 and parsed.report["year_source"] == "period"


def test_no_year_anywhere_is_null_with_year_unresolved():
    parsed = parse(docs.report("tab", title=["某某镇政府信息公开工作年度报告"]))
    assert parsed.report["year"] is None
    assert "year_unresolved" in parsed.issue_codes()


def test_narrative_facts_and_qualifiers():
    parsed = parse(docs.report("tab"))
    facts = {(f["fact"], f["category"]): (f["value"], f["qualifier"]) for f in parsed.records["narrative_facts"]}
    assert facts[("proactive_total", None)] == (120, "at_least")
    assert facts[("proactive_by_category", "通知公告")] == (30, "exact")
    assert facts[("proactive_by_category", "政策解读")] == (5, "exact")
    assert facts[("applications_received", None)] == (4, "exact")


def test_no_applications_received_is_zero_and_checked_against_the_table():
    intro = ["一、总体情况", "（二）依申请公开", "本年度未收到政府信息公开申请。"]
    parsed = parse(docs.report("tab", intro=intro))
    fact = next(f for f in parsed.records["narrative_facts"] if f["fact"] == "applications_received")
    assert fact["value"] == 0
    # The table says 4 new applications: the prose contradicts it.
    assert "narrative_table_mismatch" in parsed.issue_codes()


def test_arithmetic_checks():
    rows = []
    for label, values in docs.TABLE3_2021:
        if label.startswith("（一）"):
            values = ["2", "1", "0", "0", "0", "0", "9"]  # row total wrong
        if label.startswith("四、"):
            values = ["1", "0", "0", "0", "0", "0", "1"]  # balance fails for natural_person and total
        rows.append((label, values))
    table4 = ["1", "0", "0", "1", "7"] + docs.TABLE4[5:]
    parsed = parse(docs.report("tab", table3=rows, table4=table4))
    issues = parsed.records["issues"]
    assert {(i["code"], i["field"]) for i in issues if i["code"] != "region_unresolved"} == {
        ("row_total_mismatch", "granted"), ("balance_mismatch", "natural_person"), ("balance_mismatch", "total"),
        ("review_total_mismatch", "review/total"),
    }


TABLE2_2019 = [
    ("第二十条第（一）项", ["信息内容", "本年新制作数量", "本年新公开数量", "对外公开总数量"],
     [("规章", ["0", "0", "0"]), ("规范性文件", ["2", "2", "15"])]),
    ("第二十条第（五）项", ["信息内容", "上一年项目数量", "本年增/减", "处理决定数量"],
     [("行政许可", ["10", "-2", "30"]), ("其他对外管理服务事项", ["1", "0", "4"])]),
    ("第二十条第（六）项", ["信息内容", "上一年项目数量", "本年增/减", "处理决定数量"],
     [("行政处罚", ["3", "1", "7"]), ("行政强制", ["0", "0", "0"])]),
    ("第二十条第（八）项", ["信息内容", "上一年项目数量", "本年增/减"], [("行政事业性收费", ["2", "0"])]),
    ("第二十条第（九）项", ["信息内容", "采购项目数量", "采购总金额"], [("政府集中采购", ["3", "12.5万元"])]),
]


def _table3_2019():
    rows = [r for r in docs.TABLE3_2021 if not r[0].startswith(("1.申请人", "2.申请人", "3.其他"))]
    i = next(n for n, r in enumerate(rows) if r[0].startswith("（七）"))
    return rows[:i] + [("（六）其他处理", docs.ZERO)] + rows[i:]


def test_2019_template():
    parsed = parse(docs.report("stacked", table2=TABLE2_2019, table3=_table3_2019()))
    got = t2(parsed)
    assert got[("licensing", "change")] == -2
    assert got[("other_services", "decisions")] == 4
    assert got[("normative_documents", "published_total")] == 15
    row = next(r for r in parsed.records["active_disclosure"] if r["measure"] == "procurement_amount")
    assert (row["value"], row["unit"]) == (12.5, "万元")
    got3 = t3(parsed)
    assert got3["other_processing"] == [0] * 7 and "other_other" not in got3
    assert parsed.report["template_version"] == "2019"
    assert data_issues(parsed) == set()


def test_hybrid_2021_table2_with_2019_table3_is_mixed():
    parsed = parse(docs.report("tab", table3=_table3_2019()))
    assert (parsed.report["table2_version"], parsed.report["table3_version"]) == ("2021", "2019")
    assert parsed.report["template_version"] == "mixed"


def test_a_synonym_is_one_line_of_the_label_table(tmp_path, monkeypatch):
    import pipeline.parse.template as template

    csv_text = template.LABELS_CSV.read_text(encoding="utf-8")
    custom = tmp_path / "template.csv"
    custom.write_text(csv_text + "active_disclosure,row,penalty,2021,full,decisions,,行政处罚决定\n", encoding="utf-8")
    table2 = [(m, h, [("行政处罚决定", v) if lab == "行政处罚" else (lab, v) for lab, v in rows])
              for m, h, rows in docs.TABLE2_2021]
    text = docs.report("tab", table2=table2)
    assert t2(parse(text))[("penalty", "decisions")] is None
    template.load_template.cache_clear()
    monkeypatch.setattr(template, "LABELS_CSV", custom)
    try:
        parsed = parse_report(text.encode(), "t.txt")
    finally:
        template.load_template.cache_clear()
    assert t2(parsed)[("penalty", "decisions")] == 5


def test_not_a_report():
    with pytest.raises(NotAReportError):
        parse("今日新闻\n市长出席会议，强调要抓好安全生产。\n责任编辑：张三\n")


@pytest.mark.parametrize("raw", [b"", b"   \n", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))])
def test_unreadable(raw):
    with pytest.raises(UnreadableError):
        parse_report(raw, "x")


def _ogi(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline.cli", *args], capture_output=True, text=True, cwd=cwd)


def test_cli_errors_are_one_line_per_file(tmp_path):
    good = tmp_path / "好 报告.txt"
    good.write_text(docs.report("tab"), encoding="utf-8")
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    binary = tmp_path / "image.txt"
    binary.write_bytes(b"\x00\x01\x02PNG" * 100)
    done = _ogi("parse", str(empty), str(good), str(binary))
    assert done.returncode == 1
    err = done.stderr.strip().split("\n")
    assert err[0] == f"ogi: {empty}: empty file"
    assert err[1].startswith(f"ogi: {binary}: binary file") and len(err) == 2
    assert "Traceback" not in done.stderr
    assert "某某镇人民政府" in done.stdout


def test_cli_json_shape(tmp_path):
    path = tmp_path / "r.txt"
    path.write_text(docs.report("pipe"), encoding="utf-8")
    done = _ogi("parse", "--json", str(path))
    assert done.returncode == 0, done.stderr
    obj = json.loads(done.stdout)
    assert set(obj) == {"source", "report", "active_disclosure", "applications", "reviews_litigation",
                        "narrative_facts", "issues"}
    assert set(obj["source"]) == {"path", "sha256", "format", "encoding"}
    assert obj["source"]["format"] == "text"
    assert set(obj["report"]["region"]) >= {"province", "prefecture", "county", "township", "code"}
    first = obj["active_disclosure"][0]
    assert first == {"item": "rules", "measure": "issued", "value": 1, "unit": None, "line": first["line"],
                     "page": None, "location": f"line {first['line']}"}
    assert obj["reviews_litigation"][4]["value"] == 2
    assert codecs.lookup(obj["source"]["encoding"])


def test_cli_table_lists_one_line_per_file(tmp_path):
    path = tmp_path / "r.txt"
    path.write_text(docs.report("tab"), encoding="utf-8")
    done = _ogi("parse", "--table", str(path))
    assert done.returncode == 0
    last = done.stdout.strip().split("\n")[-1].split()
    assert last[:4] == ["r.txt", "某某镇人民政府", "2023", "2021"]
