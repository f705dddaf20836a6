"""Small reports written by hand in the layouts real reports use.

The figures below are the ones printed in these documents, so a test that reads them back
checks the parser against the document, not against itself.
"""
from __future__ import annotations

NBSP = "\u00a0"

TABLE2_2021 = [
    ("第二十条第（一）项", ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
     [("规章", ["1", "0", "3"]), ("行政规范性文件", ["6", "2", "43"])]),
    ("第二十条第（五）项", ["信息内容", "本年处理决定数量"], [("行政许可", ["12"])]),
    ("第二十条第（六）项", ["信息内容", "本年处理决定数量"], [("行政处罚", ["5"]), ("行政强制", ["0"])]),
    ("第二十条第（八）项", ["信息内容", "本年收费金额（单位：万元）"], [("行政事业性收费", ["1.5"])]),
]
TABLE2_EXPECTED = {
    ("rules", "issued"): 1, ("rules", "repealed"): 0, ("rules", "in_force"): 3,
    ("normative_documents", "issued"): 6, ("normative_documents", "repealed"): 2,
    ("normative_documents", "in_force"): 43, ("licensing", "decisions"): 12, ("penalty", "decisions"): 5,
    ("coercion", "decisions"): 0, ("fees", "fee_amount"): 1.5,
}

ZERO = ["0"] * 7
TABLE3_2021 = [
    ("一、本年新收政府信息公开申请数量", ["3", "1", "0", "0", "0", "0", "4"]),
    ("二、上年结转政府信息公开申请数量", ["1", "0", "0", "0", "0", "0", "1"]),
    ("（一）予以公开", ["2", "1", "0", "0", "0", "0", "3"]),
    ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", ["1", "0", "0", "0", "0", "0", "1"]),
    ("1.属于国家秘密", ZERO), ("2.其他法律行政法规禁止公开", ZERO), ("3.危及“三安全一稳定”", ZERO),
    ("4.保护第三方合法权益", ZERO), ("5.属于三类内部事务信息", ZERO), ("6.属于四类过程性信息", ZERO),
    ("7.属于行政执法案卷", ZERO), ("8.属于行政查询事项", ZERO),
    ("1.本机关不掌握相关政府信息", ["1", "0", "0", "0", "0", "0", "1"]),
    ("2.没有现成信息需要另行制作", ZERO), ("3.补正后申请内容仍不明确", ZERO),
    ("1.信访举报投诉类申请", ZERO), ("2.重复申请", ZERO), ("3.要求提供公开出版物", ZERO),
    ("4.无正当理由大量反复申请", ZERO), ("5.要求行政机关确认或重新出具已获取信息", ZERO),
    ("1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", ZERO),
    ("2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", ZERO),
    ("3.其他", ZERO),
    ("（七）总计", ["4", "1", "0", "0", "0", "0", "5"]),
    ("四、结转下年度继续办理", ZERO),
]
TABLE3_EXPECTED = {
    "new_received": [3, 1, 0, 0, 0, 0, 4], "carried_over": [1, 0, 0, 0, 0, 0, 1],
    "granted": [2, 1, 0, 0, 0, 0, 3], "partially_granted": [1, 0, 0, 0, 0, 0, 1],
    "unable_not_held": [1, 0, 0, 0, 0, 0, 1], "total_processed": [4, 1, 0, 0, 0, 0, 5],
    "carried_forward": [0] * 7,
}
TABLE4 = ["1", "0", "0", "1", "2", "0", "1", "0", "0", "1", "0", "0", "0", "0", "0"]
TABLE4_EXPECTED = [1, 0, 0, 1, 2, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0]

APPLICANT_HEADER = ["申请人情况", "自然人", "法人或其他组织", "总计",
                    "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]
TABLE4_HEADER = ["行政复议", "行政诉讼", "结果维持", "结果纠正", "其他结果", "尚未审结", "总计",
                 "未经复议直接起诉", "复议后起诉"]

INTRO = [
    "一、总体情况",
    "（一）主动公开",
    "全年共主动公开政府信息120余条。其中，通知公告30条，政策解读5条。",
    "（二）依申请公开",
    "全年共收到政府信息公开申请4件。",
]
OUTRO = [
    "五、存在的主要问题及改进情况",
    "公开内容还不够丰富。",
    "六、其他需要报告的事项",
    "本年度未收取信息处理费。",
]


def _row(cells: list[str], layout: str) -> list[str]:
    if layout == "pipe":
        return ["| " + " | ".join(cells) + " |"]
    if layout == "tab":
        return ["\t".join(cells)]
    if layout == "space":
        return [" ".join(cells)]
    if layout == "stacked":
        # Word export: one cell per line, tab-indented, NBSP around numbers, blank line between rows.
        return [f"\t{NBSP}{c}" if c[:1].isdigit() else f"\t{c}" for c in cells] + [""]
    raise ValueError(layout)


def report(layout: str, *, title: list[str] | None = None, table2=TABLE2_2021, table3=TABLE3_2021,
           table4: list[str] | None = None, table4_inline: bool = False, headings: dict[str, str] | None = None,
           intro: list[str] | None = None, outro: list[str] | None = None, applicant_header=APPLICANT_HEADER,
           vertical_header: bool = False) -> str:
    h = {"s2": "二、主动公开政府信息情况", "s3": "三、收到和处理政府信息公开申请情况",
         "s4": "四、政府信息公开行政复议、行政诉讼情况", **(headings or {})}
    lines: list[str] = list(title or ["某某镇人民政府2023年政府信息公开工作年度报告"])
    lines += intro if intro is not None else INTRO
    lines.append(h["s2"])
    for marker, header, rows in table2:
        lines += _row([marker], layout)
        lines += _row(header, layout)
        for label, values in rows:
            lines += _row([label, *values], layout)
    lines.append(h["s3"])
    lines += _row(["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"], layout)
    if vertical_header:
        lines += ["自", "然", "人"]
        lines += _row([c for c in applicant_header if c != "自然人"], layout)
    else:
        lines += _row(applicant_header, layout)
    for label, values in table3:
        lines += _row([label, *values], layout)
    lines.append(h["s4"])
    lines += _row(TABLE4_HEADER, layout)
    t4 = table4 or TABLE4
    lines += [" ".join(t4)] if table4_inline else _row(t4, layout)
    lines += outro if outro is not None else OUTRO
    return "\n".join(lines) + "\n"
