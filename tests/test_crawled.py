"""Crawled web text: glued digit runs and cells broken over text nodes, read by the template's sums.

The small documents here are written as a crawler saves a page (a header, then the whole report
on one line with the cells run together, or one text node per line); the figures are the ones
printed in them. The real crawled files 009-011 of ../shared/corpus are read against their
hand-checked truth.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

import docs
from conftest import REPO
from pipeline.parse import parse_report
from pipeline.parse.glued import Run, readings
from pipeline.parse.template import APPLICANTS, load_template

CORPUS = REPO.parent / "shared" / "corpus"
HEADER = ("标题: 某某镇人民政府2023年政府信息公开工作年度报告\n发布时间: 2024-01-20 10:00\n文号: \n"
          "原文链接: https://www.example.gov.cn/xxgk/2024/t1.htm\n==================== 正文 ====================\n")
ZEROS = "0000000"


def glued_report(table3: dict[str, str], table2: dict[str, str] | None = None, table4: str = "0" * 15) -> bytes:
    """One line after the header: labels followed by their digits, no separator, as crawled."""
    t2 = {"规章": "000", "行政规范性文件": "000", "行政许可": "0", "行政处罚": "0", "行政强制": "0",
          "行政事业性收费": "0", **(table2 or {})}
    rows3 = "".join(label + table3.get(label, ZEROS) for label, _ in docs.TABLE3_2021)
    body = ("当前位置：首页 政务公开 年度报告 某某镇人民政府2023年政府信息公开工作年度报告 相关链接： --> "
            "一、总体情况全年共主动公开政府信息120余条。"
            "二、主动公开政府信息情况第二十条第（一）项信息内容本年制发件数本年废止件数现行有效件数"
            f"规章 {t2['规章']}行政规范性文件{t2['行政规范性文件']}第二十条第（五）项信息内容本年处理决定数量"
            f"行政许可{t2['行政许可']}第二十条第（六）项信息内容本年处理决定数量行政处罚{t2['行政处罚']}"
            f"行政强制{t2['行政强制']}第二十条第（八）项信息内容本年收费金额（单位：万元）"
            f"行政事业性收费{t2['行政事业性收费']}"
            "三、收到和处理政府信息公开申请情况（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
            "申请人情况自然人法人或其他组织总计商业企业科研机构社会公益组织法律服务机构其他" + rows3 +
            "四、政府信息公开行政复议、行政诉讼情况行政复议行政诉讼结果维持结果纠正其他结果尚未审结总计"
            "未经复议直接起诉复议后起诉结果维持结果纠正其他结果尚未审结总计结果维持结果纠正其他结果尚未审结总计" + table4 +
            "五、存在的主要问题及改进情况工作人员多为兼职。六、其他需要报告的事项无。 附件下载")
    return (HEADER + body).encode()


LABEL = {key: label for (label, _), key in zip(docs.TABLE3_2021, load_template().table3_expected("2021"))}


def t3(parsed) -> dict[str, list]:
    got: dict[str, list] = {}
    for r in parsed.records["applications"]:
        got.setdefault(r["outcome"], [None] * 7)[APPLICANTS.index(r["applicant"])] = r["value"]
    return got


def issues(parsed, code: str) -> list[dict]:
    return [i for i in parsed.records["issues"] if i["code"] == code]


def test_the_crawler_header_gives_title_year_and_source_url():
    parsed = parse_report(glued_report({}), "page.txt")
    assert parsed.report["title"] == "某某镇人民政府2023年政府信息公开工作年度报告"
    assert (parsed.report["org"], parsed.report["year"]) == ("某某镇人民政府", 2023)
    assert parsed.report["source_url"] == "https://www.example.gov.cn/xxgk/2024/t1.htm"


def test_a_row_decided_alone_by_its_total():
    # 21710000218: of its 31 readings as seven cells only 217|1|0|0|0|0|218 has 总计 = the sum.
    rows = {LABEL["new_received"]: "21710000218", LABEL["granted"]: "21710000218",
            LABEL["total_processed"]: "21710000218"}
    parsed = parse_report(glued_report(rows), "page.txt")
    got = t3(parsed)
    assert got["new_received"] == [217, 1, 0, 0, 0, 0, 218]
    assert got["total_processed"] == [217, 1, 0, 0, 0, 0, 218]
    assert got["denied_state_secret"] == [0] * 7
    note = next(i for i in issues(parsed, "cells_from_run") if i["field"] == "new_received")
    assert "217|1|0|0|0|0|218" in note["detail"] and "21710000218" in note["detail"]
    assert not issues(parsed, "cell_ambiguous")


def test_a_row_decided_by_the_column_sums():
    # 270020130 alone: 27|0|0|2|0|1|30 or 2|7|0|0|20|1|30. The new-applications row is printed
    # with gaps (27 0 0 2 0 1 30); the balance rule and (七) = the sum of the outcome rows decide.
    rows = {LABEL["new_received"]: "27 0 0 2 0 1 30", LABEL["granted"]: "270020130",
            LABEL["total_processed"]: "270020130"}
    parsed = parse_report(glued_report(rows), "page.txt")
    got = t3(parsed)
    assert got["granted"] == [27, 0, 0, 2, 0, 1, 30]
    assert got["total_processed"] == [27, 0, 0, 2, 0, 1, 30]
    assert not issues(parsed, "cell_ambiguous")


def test_a_row_the_sums_cannot_decide_is_null_with_its_candidates():
    # Both readings of 270020130 satisfy every sum when every row that could tell them apart is glued the same way.
    rows = {LABEL[k]: "270020130" for k in ("new_received", "granted", "total_processed")}
    parsed = parse_report(glued_report(rows), "page.txt")
    got = t3(parsed)
    assert got["granted"][0] is None and got["granted"][1] is None
    assert got["granted"][5:] == [1, 30]  # the cells both readings agree on are read
    detail = next(i["detail"] for i in issues(parsed, "cell_ambiguous") if i["field"] == "granted/natural_person")
    assert "27|0|0|2|0|1|30" in detail and "2|7|0|0|20|1|30" in detail


def test_a_table2_row_without_arithmetic_stays_open_with_its_candidates():
    parsed = parse_report(glued_report({}, {"行政规范性文件": "693665", "行政许可": "2293"}), "page.txt")
    t2 = {(r["item"], r["measure"]): r["value"] for r in parsed.records["active_disclosure"]}
    assert t2[("normative_documents", "issued")] is None and t2[("normative_documents", "in_force")] is None
    assert t2[("rules", "issued")] == 0 and t2[("rules", "in_force")] == 0  # 000 reads one way only
    assert t2[("licensing", "decisions")] == 2293  # one cell: the whole run
    detail = next(i["detail"] for i in issues(parsed, "cell_ambiguous") if i["field"] == "normative_documents/issued")
    assert "69|3|665" in detail and "6|93|665" in detail


def test_table4_glued_is_split_by_its_three_group_totals():
    # 009's table 4: 1,0,2,0,3 | 12,0,0,0,12 | 0,0,0,0,0
    parsed = parse_report(glued_report({}, table4="10203120001200000"), "page.txt")
    assert [r["value"] for r in parsed.records["reviews_litigation"]] == [1, 0, 2, 0, 3, 12, 0, 0, 0, 12, 0, 0, 0, 0, 0]


def test_a_digit_run_too_long_to_search_abstains():
    parsed = parse_report(glued_report({LABEL["new_received"]: "7" * 400}), "page.txt")
    assert t3(parsed)["new_received"] == [None] * 7
    cells = [i for i in parsed.records["issues"] if (i["field"] or "").startswith("new_received/")]
    assert cells and all(i["code"] in ("cell_ambiguous", "cell_missing") for i in cells)
    assert readings(Run.glued("9" * 400), 15) is None  # the search gives up at its bound


def test_one_text_node_per_line_joins_a_number_broken_over_two_nodes():
    lines = ["标题：某某镇人民政府2023年政府信息公开工作年度报告", "原始链接：https://www.example.gov.cn/a.htm", "正文：",
             "一、总体情况", "全年共收到政府信息公开申请162件。", "三、收到和处理政府信息公开申请情况",
             "申请人情况", "自然人", "商业", "企业", "总计"]
    rows = {"new_received": ["160", "0", "0", "2", "0", "0", "1", "62"],  # 总计 162 broken as 1 / 62
            "total_processed": ["1", "60", "0", "0", "2", "0", "0", "1", "62"], "granted": ["160", "0", "0", "2", "0", "0", "162"]}
    for (label, _), key in zip(docs.TABLE3_2021, load_template().table3_expected("2021")):
        lines += [label, *rows.get(key, ["0"] * 7)]
    lines += ["四、政府信息公开行政复议、行政诉讼情况", *(["0"] * 15), "五、存在的主要问题及改进情况", "无。"]
    parsed = parse_report("\r\n".join(lines).encode(), "nodes.txt")
    got = t3(parsed)
    assert got["new_received"] == [160, 0, 0, 2, 0, 0, 162]
    assert got["total_processed"] == [160, 0, 0, 2, 0, 0, 162]
    assert parsed.report["year"] == 2023


@pytest.mark.parametrize("name", ["009_pingtan-2021-crawled", "010_pingtan-junshan-2019-crawled",
                                  "011_sanming-2021-crawled"])
def test_real_crawled_pages_every_value_right_or_abstained(name):
    truth = json.loads((CORPUS / "truth" / f"{name}.json").read_text(encoding="utf-8"))
    parsed = parse_report((CORPUS / "raw" / f"{name}.txt").read_bytes(), name)
    assert parsed.report["year"] == truth["year"]
    want = {("t2", r["item"], r["measure"]): r["value"] for r in truth["active_disclosure"]}
    want |= {("t3", k, a): v for k, vals in truth["applications"].items() for a, v in zip(APPLICANTS, vals)}
    want |= {("t4", *cell): v for cell, v in zip(load_template().table4_cells, truth["reviews_litigation"])}
    got = {("t2", r["item"], r["measure"]): r["value"] for r in parsed.records["active_disclosure"]}
    got |= {("t3", r["outcome"], r["applicant"]): r["value"] for r in parsed.records["applications"]}
    got |= {("t4", r["proceeding"], r["result"]): r["value"] for r in parsed.records["reviews_litigation"]}
    wrong = {k: (v, got[k]) for k, v in want.items() if got.get(k) is not None and got[k] != v}
    assert wrong == {}
    right = sum(1 for k, v in want.items() if got.get(k) == v)
    assert right >= 0.95 * len(want)
    abstained = [k for k, v in want.items() if got.get(k) is None and v is not None]
    flagged = {(i["field"] or "") for i in parsed.records["issues"] if i["code"] in ("cell_ambiguous", "cell_missing")}
    assert all(f"{k[1]}/{k[2]}" in flagged for k in abstained)  # every abstention says why


def test_a_table2_row_decided_by_the_previous_years_report(tmp_path: Path) -> None:
    import duckdb

    from pipeline.store import lake
    from pipeline.store.warehouse import build_warehouse

    # 2022, printed in full: 599 normative documents in force. 2023, crawled: 行政规范性文件693665,
    # whose ten readings include only one with 599 + issued - repealed = in force: 69 | 3 | 665.
    t2 = [(marker, header, [(label, ["10", "4", "599"] if label == "行政规范性文件" else values)
                            for label, values in rows]) for marker, header, rows in docs.TABLE2_2021]
    prev = docs.report("tab", title=["某某镇人民政府2022年政府信息公开工作年度报告"], table2=t2).encode()
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "2022.txt").write_bytes(prev)
    (raw / "2023.txt").write_bytes(glued_report({}, {"行政规范性文件": "693665"}))
    lake.ingest(tmp_path / "lake", [raw], parse=parse_report)
    build_warehouse(tmp_path / "lake", tmp_path / "w.duckdb")
    con = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
    try:
        got = {m: (v, s, src) for m, v, s, src in con.execute(
            "SELECT measure, value, value_std, value_source FROM stg_active_disclosure "
            "WHERE year = 2023 AND item = 'normative_documents'").fetchall()}
    finally:
        con.close()
    source = f"rolled forward from {parse_report(prev, 'x').report_id} (2022)"
    assert got == {"issued": (None, 69, source), "repealed": (None, 3, source), "in_force": (None, 665, source)}
