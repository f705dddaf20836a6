"""The memos shared by the reports one process parses (issue 11) change no output.

Labels, headers, "0" cells and all-zero glued rows recur from report to report, so their tokens,
pattern matches and digit readings are kept across reports (pipeline.parse.memo). What a report
parses to must not depend on which reports came before it.
"""
from __future__ import annotations

from pipeline.parse import parse_report
from pipeline.parse.glued import Run, readings, shared_readings
from pipeline.parse.memo import Memo
from pipeline.read.text import crawler_header

STACKED = "\n".join([
    "某县2023年政府信息公开工作年度报告", "一、总体情况", "本县依法公开政府信息。",
    "三、收到和处理政府信息公开申请情况", "本年新收政府信息公开申请数量", *(["\t0"] * 6), "\t{n}",
    "四、政府信息公开行政复议、行政诉讼情况", *(["0"] * 15),
    "五、存在的主要问题及改进情况", "无。", "六、其他需要报告的事项", "无。"])


def _records(text: str, name: str) -> dict:
    parsed = parse_report(text.encode(), name)
    return {table: [dict(r) for r in rows] for table, rows in parsed.records.items()}


def test_a_memo_empties_when_full_or_for_another_owner():
    memo = Memo(2)
    owner, other = object(), object()
    data = memo.fresh(owner)
    data.update(a=1, b=2)
    assert memo.fresh(owner) == {}  # full: emptied before the next report uses it
    memo.fresh(owner)["a"] = 1
    assert memo.fresh(owner) == {"a": 1}
    assert memo.fresh(other) == {}  # matches made with another template are not reused


def test_a_report_parses_the_same_whatever_was_parsed_before():
    first = _records(STACKED.format(n=7), "a.txt")
    _records(STACKED.format(n=9), "b.txt")  # the same labels and zero lines, another total
    again = _records(STACKED.format(n=7), "a.txt")
    assert again == first
    values = [r["value"] for r in first["applications"] if r["outcome"] == "new_received"]
    assert values == [0.0] * 6 + [7.0]
    assert [r["line"] for r in first["applications"] if r["outcome"] == "new_received"] == list(range(6, 13))
    assert [r["value"] for r in first["reviews_litigation"]] == [0.0] * 15


def test_shared_readings_are_the_readings():
    sums = (((0, 1, 2, 3, 4, 5), 6),)
    run = Run.glued("21710000218")  # 217|1|0|0|0|0|218, the only split whose total adds up
    assert shared_readings(run, 7, sums) == tuple(readings(run, 7, sums=sums)) == (
        ("217", "1", "0", "0", "0", "0", "218"),)
    assert shared_readings(run, 7, sums) == (("217", "1", "0", "0", "0", "0", "218"),)  # from the memo
    too_long = Run.glued("9" * 400)
    assert shared_readings(too_long, 15) is None  # the search gives up at its bound ...
    assert shared_readings(too_long, 15) is None  # ... and the memo keeps that answer


def test_a_crawler_header_needs_the_line_that_opens_the_body():
    header = ["标题:某县2023年政府信息公开工作年度报告", "原文链接:http://example.gov.cn/1.html"]
    assert crawler_header([*header, "==== 正文 ====", "一、总体情况"]) == {
        "crawled_title": "某县2023年政府信息公开工作年度报告", "crawled_url": "http://example.gov.cn/1.html"}
    assert crawler_header([*header, "一、总体情况"]) == {}
