"""A grid cell printing one number split by a PDF text layer ("1 2"): the sum rule decides.

The documents are written here as web pages with one <td> per cell, the way a grid reaches the
table readers from any format; the figures are the ones printed in them.
"""
from __future__ import annotations

import docs
from pipeline.parse import parse_report


def _page(table3: list[tuple[str, list[str]]], table4: list[str]) -> bytes:
    def rows(cells_of_rows: list[list[str]]) -> str:
        return "".join("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>" for cells in cells_of_rows)

    t2 = [[label, *values] for _, _, items in docs.TABLE2_2021 for label, values in items]
    body = ["<h1>某某镇人民政府2023年政府信息公开工作年度报告</h1>", *(f"<p>{line}</p>" for line in docs.INTRO),
            "<p>二、主动公开政府信息情况</p>",
            "<table>" + rows([["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"], *t2]) + "</table>",
            "<p>三、收到和处理政府信息公开申请情况</p>",
            "<table>" + rows([["申请人情况", "自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"],
                              *([label, *values] for label, values in table3)]) + "</table>",
            "<p>四、政府信息公开行政复议、行政诉讼情况</p>",
            "<table>" + rows([["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 3, table4]) + "</table>",
            *(f"<p>{line}</p>" for line in docs.OUTRO)]
    return ("<html><head><meta charset='utf-8'></head><body>" + "".join(body) + "</body></html>").encode()


def _t3(parsed) -> dict[tuple[str, str], float | None]:
    return {(r["outcome"], r["applicant"]): r["value"] for r in parsed.records["applications"]}


def test_a_split_number_the_row_total_confirms_is_read_joined():
    table3 = [(label, list(values)) for label, values in docs.TABLE3_2021]
    table3[0] = ("一、本年新收政府信息公开申请数量", ["1 2", "1", "0", "0", "0", "0", "13"])  # 12 + 1 = 13
    parsed = parse_report(_page(table3, docs.TABLE4), "split.html")
    got = _t3(parsed)
    assert got[("new_received", "natural_person")] == 12
    assert got[("new_received", "total")] == 13
    assert not [i for i in parsed.records["issues"] if i["code"] == "cell_ambiguous"]


def test_a_split_number_the_total_does_not_confirm_is_null_with_cell_ambiguous():
    table3 = [(label, list(values)) for label, values in docs.TABLE3_2021]
    table3[0] = ("一、本年新收政府信息公开申请数量", ["1 2", "1", "0", "0", "0", "0", "4"])  # 12 + 1 != 4
    parsed = parse_report(_page(table3, docs.TABLE4), "split.html")
    assert _t3(parsed)[("new_received", "natural_person")] is None
    issue = next(i for i in parsed.records["issues"] if i["code"] == "cell_ambiguous")
    assert issue["field"] == "new_received/natural_person"
    assert "1 2" in issue["detail"]
    assert issue["location"].startswith("table 2, row 2")


def test_a_split_total_in_table4_is_decided_by_its_group():
    table4 = list(docs.TABLE4)
    table4[0:5] = ["5", "3", "2", "1", "1 1"]  # 5 + 3 + 2 + 1 = 11
    parsed = parse_report(_page(list(docs.TABLE3_2021), table4), "split.html")
    values = [r["value"] for r in parsed.records["reviews_litigation"]]
    assert values[:5] == [5, 3, 2, 1, 11]
    assert values[5:] == docs.TABLE4_EXPECTED[5:]
