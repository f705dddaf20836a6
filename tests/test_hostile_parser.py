"""Hostile input at the parser: each case has a clear outcome, never a traceback or a guess."""
from __future__ import annotations

import pytest

import docs
from conftest import SAMPLES
from pipeline.errors import NotAReportError, UnreadableError
from pipeline.parse import parse_report
from pipeline.parse.report import MAX_BYTES

SEED000 = (SAMPLES / "000_8ae22ee27fc68654.txt").read_bytes()
SEED001 = (SAMPLES / "001_ba2450cc1c30b59a.txt").read_bytes()

OLD_2015 = """某某县人民政府2015年政府信息公开工作年度报告
一、概述
2015年，我县认真贯彻落实《中华人民共和国政府信息公开条例》。
二、主动公开政府信息情况
全年主动公开政府信息1200条。
三、依申请公开政府信息情况
全年共受理政府信息公开申请12件，均已按时答复。
四、政府信息公开的收费及减免情况
本年度未收取任何费用。
五、因政府信息公开申请行政复议、提起行政诉讼的情况
本年度未发生因政府信息公开申请行政复议、提起行政诉讼的情况。
六、政府信息公开工作存在的主要问题及改进措施
公开内容还不够全面。
七、其他需要报告的事项
无。
"""

NEWS = """市政府召开常务会议
　　11月20日，市长主持召开市政府常务会议，研究部署安全生产、冬季供暖等工作。
　　会议指出，要压实责任，确保群众温暖过冬。会议还研究了其他事项。
责任编辑：李四
【打印本页】【关闭窗口】
"""


def test_empty_and_whitespace_files():
    for raw in (b"", b"\n\n  \r\n"):
        with pytest.raises(UnreadableError, match="empty"):
            parse_report(raw, "empty.txt")


@pytest.mark.parametrize("raw, reason", [
    (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, "binary"),  # an image
    (b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(range(256)) * 8, "binary"),  # a zip, not a Word file
    # A PDF is read as a PDF whatever its name; a broken one gets the PDF library's reason.
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nstream\n" + bytes(range(256)) * 8, "PDF"),
])
def test_binary_files_are_unreadable(raw, reason):
    with pytest.raises(UnreadableError, match=reason):
        parse_report(raw, "x.txt")


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-16", "utf-16-le", "utf-16-be", "utf-8-sig"])
def test_seed_in_other_encodings_reads_the_same(encoding):
    base = parse_report(SEED000, "a")
    # GBK has no NBSP; a GBK report has plain spaces where the UTF-8 one has NBSP.
    text = SEED000.decode("utf-8")
    other = parse_report((text.replace("\u00a0", " ") if encoding == "gbk" else text).encode(encoding), "b")
    assert other.records["applications"] == [dict(r, report_id=other.report_id) for r in base.records["applications"]]
    assert other.report["org"] == "高安市八景镇"


def test_mixed_bytes_keep_what_reads():
    # A UTF-8 report with a few GBK bytes pasted in: the report is read, the encoding says so.
    raw = SEED000.replace("我镇".encode(), "我镇".encode("gbk"), 3)
    parsed = parse_report(raw, "mixed.txt")
    assert "replaced" in parsed.source["encoding"]
    assert parsed.report["year"] == 2022
    ad = {(r["item"], r["measure"]): r["value"] for r in parsed.records["active_disclosure"]}
    assert ad[("normative_documents", "in_force")] == 43


def test_random_bytes_in_no_encoding_are_unreadable():
    raw = bytes((i * 7919 + 13) % 256 for i in range(5000)).replace(b"\x00", b"\x01")
    with pytest.raises(UnreadableError):
        parse_report(raw, "noise.bin")


def test_truncated_in_section_three():
    text = SEED000.decode("utf-8")
    cut = text.index("3.危及")
    parsed = parse_report(text[:cut].encode(), "cut.txt")
    rows = {(r["outcome"], r["applicant"]): r["value"] for r in parsed.records["applications"]}
    assert rows[("granted", "natural_person")] == 1
    assert rows[("denied_three_safeties", "total")] is None
    codes = set(parsed.issue_codes())
    assert {"cell_missing", "table_missing"} <= codes  # rows after the cut, and all of table 4
    assert parsed.records["reviews_litigation"] == []


def test_very_large_file_is_refused_with_its_size():
    raw = SEED000 + b"\n" + b"x" * (MAX_BYTES + 1)
    with pytest.raises(NotAReportError, match="too large"):
        parse_report(raw, "big.txt")


def test_a_2015_report_in_the_old_format():
    with pytest.raises(NotAReportError, match="2015 report in the pre-2019 format"):
        parse_report(OLD_2015.encode(), "old.txt")


def test_a_news_page_is_not_a_report():
    with pytest.raises(NotAReportError, match="not an annual report"):
        parse_report(NEWS.encode(), "news.html")


def test_two_bodies_in_one_file_reads_the_first_and_says_so():
    parsed = parse_report(SEED000 + b"\n" + SEED001, "two.txt")
    assert parsed.report["org"] == "高安市八景镇"
    ad = {(r["item"], r["measure"]): r["value"] for r in parsed.records["active_disclosure"]}
    assert ad[("normative_documents", "issued")] == 6
    issue = next(i for i in parsed.records["issues"] if i["code"] == "multiple_reports")
    assert "more than one report" in issue["detail"]


def test_report_with_tables_missing_keeps_its_prose():
    # A current-template report whose tables were images: kept, with every table missing.
    text = docs.report("tab")
    text = text[:text.index("二、主动公开")] + "二、主动公开政府信息情况\n（表格见附件）\n三、收到和处理政府信息公开申请情况\n" \
        "（表格见附件）\n四、政府信息公开行政复议、行政诉讼情况\n（表格见附件）\n" + "\n".join(docs.OUTRO)
    parsed = parse_report(text.encode(), "images.txt")
    assert parsed.issue_codes().count("table_missing") == 3
    assert any(f["fact"] == "proactive_total" for f in parsed.records["narrative_facts"])
