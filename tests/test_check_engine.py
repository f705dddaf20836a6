"""The check engine (pipeline/store/check_engine.py) and its rules (pipeline/store/rules.toml).

One small warehouse is built by the real pipeline (`ogi run --root TMP`) from tiny reports written
here in the layout of data/samples (tab-separated rows), with figures set by hand so that each rule
passes on some subjects and fails on others; the bundled sample 000 and the crawled corpus report
009 are added for the source's own errors and for cells left ambiguous.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from pipeline.store.check_engine import RuleError, load_rules, render_rules_markdown, run_rules

from conftest import SAMPLES, SHARED, ogi_run_on

# --- tiny reports ------------------------------------------------------------------------------

T3_LABELS = {
    "new_received": "一、本年新收政府信息公开申请数量",
    "carried_over": "二、上年结转政府信息公开申请数量",
    "granted": "（一）予以公开",
    "partially_granted": "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
    "denied_state_secret": "1.属于国家秘密",
    "denied_prohibited_by_law": "2.其他法律行政法规禁止公开",
    "denied_three_safeties": "3.危及“三安全一稳定”",
    "denied_third_party": "4.保护第三方合法权益",
    "denied_internal_affairs": "5.属于三类内部事务信息",
    "denied_process_info": "6.属于四类过程性信息",
    "denied_enforcement_file": "7.属于行政执法案卷",
    "denied_query_matter": "8.属于行政查询事项",
    "unable_not_held": "1.本机关不掌握相关政府信息",
    "unable_needs_creation": "2.没有现成信息需要另行制作",
    "unable_unclear": "3.补正后申请内容仍不明确",
    "rejected_petition": "1.信访举报投诉类申请",
    "rejected_duplicate": "2.重复申请",
    "rejected_publication": "3.要求提供公开出版物",
    "rejected_excessive": "4.无正当理由大量反复申请",
    "rejected_confirmation": "5.要求行政机关确认或重新出具已获取信息",
    "other_no_correction": "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    "other_no_fee": "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    "other_other": "3.其他",
    "other_processing": "（六）其他处理",
    "total_processed": "（七）总计",
    "carried_forward": "四、结转下年度继续办理",
}
ROWS_2021 = [k for k in T3_LABELS if k != "other_processing"]
ROWS_2019 = [k for k in T3_LABELS if k not in ("other_no_correction", "other_no_fee", "other_other")]
APPLICANTS = ["natural_person", "commercial", "research", "social_welfare", "legal_service", "other_org", "total"]


def _row(*cells: object) -> str:
    return "\t".join(str(c) for c in cells)


def _table2_2021(t2: dict[str, tuple]) -> list[str]:
    rules = t2.get("rules", (0, 0, 0))
    normative = t2.get("normative_documents", (0, 0, 0))
    return ["第二十条第（一）项", _row("信息内容", "本年制发件数", "本年废止件数", "现行有效件数"),
            _row("规章", *rules), _row("行政规范性文件", *normative),
            "第二十条第（五）项", _row("信息内容", "本年处理决定数量"), _row("行政许可", 0),
            "第二十条第（六）项", _row("信息内容", "本年处理决定数量"), _row("行政处罚", 0), _row("行政强制", 0),
            "第二十条第（八）项", _row("信息内容", "本年收费金额（单位：万元）"), _row("行政事业性收费", 0)]


def _table2_2019(t2: dict[str, tuple]) -> list[str]:
    def items(key: str) -> tuple:
        return t2.get(key, (0, 0, 0))
    return ["第二十条第（一）项", _row("信息内容", "本年新制作数量", "本年新公开数量", "对外公开总数量"),
            _row("规章", 0, 0, 0), _row("规范性文件", 0, 0, 0),
            "第二十条第（五）项", _row("信息内容", "上一年项目数量", "本年增/减", "处理决定数量"),
            _row("行政许可", *items("licensing")), _row("其他对外管理服务事项", *items("other_services")),
            "第二十条第（六）项", _row("信息内容", "上一年项目数量", "本年增/减", "处理决定数量"),
            _row("行政处罚", *items("penalty")), _row("行政强制", *items("coercion")),
            "第二十条第（八）项", _row("信息内容", "上一年项目数量", "本年增/减"),
            _row("行政事业性收费", *t2.get("fees", (0, 0))),
            "第二十条第（九）项", _row("信息内容", "采购项目数量", "采购总金额"),
            _row("政府集中采购", *t2.get("procurement", (0, 0)))]


def report(org: str, year: int, *, version: str = "2021", prose: str = "", t2: dict | None = None,
           t3: dict | None = None, t4: list | None = None, extra: str = "无。") -> str:
    """A report in the national template, tables as tab-separated rows; every cell 0 unless given."""
    t3 = t3 or {}
    lines = [f"{org}{year}年政府信息公开工作年度报告", "", "一、总体情况", prose or f"{year}年，本单位依法做好政府信息公开工作。",
             "二、主动公开政府信息情况", *(_table2_2021 if version == "2021" else _table2_2019)(t2 or {}),
             "三、收到和处理政府信息公开申请情况", "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）",
             _row("申请人情况", "自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计")]
    for outcome in ROWS_2021 if version == "2021" else ROWS_2019:
        lines.append(_row(T3_LABELS[outcome], *t3.get(outcome, [0] * 7)))
    lines += ["四、政府信息公开行政复议、行政诉讼情况", _row("行政复议", "", "", "", "", "行政诉讼"),
              _row("结果维持", "结果纠正", "其他结果", "尚未审结", "总计", "未经复议直接起诉", "复议后起诉"),
              _row(*(t4 or [0] * 15)), "五、存在的主要问题及改进情况", "无。", "六、其他需要报告的事项", extra]
    return "\n".join(lines) + "\n"


def one(n: int, total: int | None = None) -> list[int]:
    """A table 3 row with n natural-person applications (and the total, n unless given)."""
    return [n, 0, 0, 0, 0, 0, n if total is None else total]


REPORTS: dict[str, str] = {
    # 双溪镇: everything holds, inside each report and from 2021 to 2022.
    "双溪镇 2021.txt": report(
        "靖安县双溪镇", 2021, prose="2021年，本镇主动公开政府信息50条，“双溪发布”微信公众号发布信息70条。全年共收到政府信息公开申请2件。",
        t2={"normative_documents": (3, 0, 7)},
        t3={"new_received": one(2), "granted": one(1), "total_processed": one(1), "carried_forward": one(1)}),
    "双溪镇 2022.txt": report(
        "靖安县双溪镇", 2022, prose="2022年，本镇主动公开政府信息60条，政府网站发布信息45条。全年共收到政府信息公开申请4件。",
        t2={"normative_documents": (2, 1, 8)},  # 7 + 2 - 1 = 8
        t3={"new_received": one(3), "carried_over": one(1), "granted": one(4), "total_processed": one(4)},
        t4=[1, 0, 0, 0, 1] + [0] * 10),
    # 宝峰镇: 2021 carried 2 forward, 2022 carried 1 over; in force 5 + 1 - 0 is not 9; in 2022 a row
    # whose applicant columns do not add up, a table 4 total short of its results, prose with 余.
    "宝峰镇 2021.txt": report(
        "靖安县宝峰镇", 2021, t2={"normative_documents": (0, 0, 5)},
        t3={"new_received": one(2), "carried_forward": one(2)}),
    "宝峰镇 2022.txt": report(
        "靖安县宝峰镇", 2022,
        prose="2022年，本镇主动公开政府信息120余条，其中通知公告100条，政策解读50条。全年收到政府信息公开申请10余件。",
        t2={"normative_documents": (1, 0, 9)},
        t3={"new_received": one(1), "carried_over": one(1), "granted": [2, 1, 0, 0, 0, 0, 2],
            "total_processed": one(2)},
        t4=[1, 1, 0, 0, 1] + [0] * 10),
    # 水口乡: 2021 only (others reported 2022), a blank cell, and a second document for the year.
    "水口乡 2021.txt": report(
        "靖安县水口乡", 2021, t3={"rejected_duplicate": ["", 0, 0, 0, 0, 0, 0]}),
    "水口乡 2021 重发.txt": report(
        "靖安县水口乡", 2021, t3={"rejected_duplicate": ["", 0, 0, 0, 0, 0, 0]}, extra="本报告为更正后重新发布。"),
    # 仁首镇: 2019 template in 2020 and (a late adopter) 2021: the 上一年项目数量 roll forward, the
    # procurement amount's unit.
    "仁首镇 2020.txt": report(
        "靖安县仁首镇", 2020, version="2019",
        t2={"licensing": (10, 2, 5), "penalty": (4, -1, 0), "fees": (3, 0), "procurement": (2, "5000元")}),
    "仁首镇 2021.txt": report(
        "靖安县仁首镇", 2021, version="2019",
        t2={"licensing": (12, 0, 1), "penalty": (5, 0, 0), "fees": (3, 0), "procurement": (1, "3000")}),
    # A 2019 layout in a 2022 report, a 2021 layout in a 2020 report.
    "璪都镇 2022.txt": report("靖安县璪都镇", 2022, version="2019"),
    "香田乡 2020.txt": report("靖安县香田乡", 2020,
                             prose="2020年，未发生因政府信息公开申请引起的行政复议和行政诉讼。"),  # and table 4 is 0
    # The year before corpus 009 (平潭综合实验区 2021, whose 行政规范性文件 cells ran together).
    "平潭 2020.txt": report("平潭综合实验区", 2020, t2={"normative_documents": (1, 0, 660)}),
}


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    """The warehouse `ogi run` builds from the reports above, sample 000 and corpus 009, with
    check_results made by the engine (on a copy: the published file stays as built)."""
    root = tmp_path_factory.mktemp("checks")
    built = ogi_run_on(root, [SAMPLES / "000_8ae22ee27fc68654.txt",
                              SHARED / "corpus" / "raw" / "009_pingtan-2021-crawled.txt"], REPORTS)
    path = root / "checked.duckdb"
    shutil.copy(built, path)
    con = duckdb.connect(str(path))
    try:
        assert run_rules(con) == con.execute("SELECT count(*) FROM check_results").fetchone()[0]
    finally:
        con.close()
    return path


def results(db: Path, rule: str, org: str, year: int | None = None) -> dict[str, tuple]:
    """subject -> (status, lhs, rhs, detail, cells) of one rule on the current report(s) of a body."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        got = con.execute("""
            SELECT c.subject, c.status, c.lhs, c.rhs, c.detail, c.cells
            FROM check_results AS c JOIN stg_reports AS r USING (report_id)
            WHERE c.rule_id = ? AND r.org = ? AND (? IS NULL OR c.year = ?) AND r.is_current
            ORDER BY c.subject""", [rule, org, year, year]).fetchall()
    finally:
        con.close()
    subjects = [g[0] for g in got]
    assert len(subjects) == len(set(subjects)), got
    return {g[0]: (g[1], g[2], g[3], g[4], json.loads(g[5])) for g in got}


def statuses(db: Path, rule: str, org: str, year: int | None = None) -> dict[str, str]:
    return {k: v[0] for k, v in results(db, rule, org, year).items()}


ALL_PASS = dict.fromkeys(APPLICANTS, "pass")


# --- inside one report ---------------------------------------------------------------------------

def test_balance_rule(db):
    assert statuses(db, "balance_rule", "靖安县双溪镇", 2022) == ALL_PASS
    # a pass names the cells it read by table, key and line, in the order of the text (the report
    # above: a title, a blank line, section 一's heading and prose, a blank line, then the tables)
    got = results(db, "balance_rule", "靖安县双溪镇", 2022)["natural_person"][4]
    assert [c.split("@")[0] for c in got] == [
        "applications:new_received/natural_person", "applications:carried_over/natural_person",
        "applications:total_processed/natural_person", "applications:carried_forward/natural_person"]
    lines = [int(c.split("@")[1]) for c in got]
    assert lines == sorted(lines) and lines[1] == lines[0] + 1
    # sample 000: 0 new + 0 carried over, but 1 processed + 0 carried forward (自然人); the 总计
    # column's （七） cell is not in the text
    got = results(db, "balance_rule", "高安市八景镇", 2022)
    assert got["natural_person"][:3] == ("fail", 0, 1)
    assert got["total"][0] == "not_assessable" and got["total"][1:3] == (None, None)
    assert "total_processed/total" in got["total"][3]
    assert {k: v[0] for k, v in got.items() if k not in ("natural_person", "total")} == dict.fromkeys(
        APPLICANTS[1:6], "pass")


def test_row_total(db):
    got = statuses(db, "row_total", "靖安县宝峰镇", 2022)
    assert got.pop("granted") == "fail"  # 2 + 1 printed as 2
    assert set(got.values()) == {"pass"} and len(got) == len(ROWS_2021) - 1
    detail = results(db, "row_total", "靖安县宝峰镇", 2022)["granted"][3]
    assert "3 ≠" in detail and "2" in detail
    # a blank cell: the row cannot be checked
    assert statuses(db, "row_total", "靖安县水口乡", 2021)["rejected_duplicate"] == "not_assessable"


def test_outcomes_add_up_to_total_processed(db):
    assert statuses(db, "outcomes_sum", "靖安县双溪镇", 2022) == ALL_PASS
    got = results(db, "outcomes_sum", "靖安县宝峰镇", 2022)
    assert got["commercial"][:3] == ("fail", 1, 0)
    assert {k: v[0] for k, v in got.items() if k != "commercial"} == dict.fromkeys(
        [a for a in APPLICANTS if a != "commercial"], "pass")
    assert statuses(db, "outcomes_sum", "靖安县水口乡", 2021)["natural_person"] == "not_assessable"
    # 2019 template: the single （六） row is an outcome row
    assert statuses(db, "outcomes_sum", "靖安县仁首镇", 2021) == ALL_PASS


def test_table4_totals(db):
    assert statuses(db, "table4_total", "靖安县双溪镇", 2022) == dict.fromkeys(
        ["litigation_after_review/total", "litigation_direct/total", "review/total"], "pass")
    got = results(db, "table4_total", "靖安县宝峰镇", 2022)
    assert got["review/total"][:3] == ("fail", 2, 1)
    assert got["litigation_direct/total"][0] == got["litigation_after_review/total"][0] == "pass"
    # the four results (one line: ordered by key), then the total
    assert [c["key"] for c in got["review/total"][4]] == ["review/corrected", "review/other", "review/pending",
                                                          "review/upheld", "review/total"]


def test_prose_applications_against_table3(db):
    # sample 000: "共收到政府信息公开申请1件", table 3 new 0
    got = results(db, "prose_applications_received", "高安市八景镇", 2022)["new_received/total"]
    assert got[:3] == ("fail", 1, 0)
    cells = {c["key"]: c for c in got[4]}
    assert cells["applications_received"]["printed"] == "我镇共收到政府信息公开申请1件"  # the clause, as printed
    assert cells["new_received/total"]["value"] == 0 and cells["new_received/total"]["line"] is not None
    assert statuses(db, "prose_applications_received", "靖安县双溪镇", 2021) == {"new_received/total": "pass"}
    # 4 received = 3 new + 1 carried over: the prose counts carried-over applications
    assert results(db, "prose_applications_received", "靖安县双溪镇", 2022)["new_received/total"][:3] == (
        "pass", 4, 4)
    # "10余件" against 1 new: approximate, so uncertain and not a failure
    got = results(db, "prose_applications_received", "靖安县宝峰镇", 2022)["new_received/total"]
    assert got[0] == "uncertain" and "10余件" in got[3]


def test_prose_proactive_counts(db):
    # 120余条 in total, 100 + 50 by category: uncertain, not fail
    got = results(db, "prose_categories_within_total", "靖安县宝峰镇", 2022)["proactive_by_category"]
    assert got[:3] == ("uncertain", 150, 120)
    # no channel publishes more than the total: 45 of 60 holds, 70 of 50 does not
    assert [v[:3] for v in results(db, "prose_channel_within_total", "靖安县双溪镇", 2022).values()] == [
        ("pass", 45, 60)]
    assert [v[:3] for v in results(db, "prose_channel_within_total", "靖安县双溪镇", 2021).values()] == [
        ("fail", 70, 50)]


def test_template_version_against_year(db):
    assert statuses(db, "template_2019_after_2021", "靖安县璪都镇") == {
        "active_disclosure": "fail", "applications": "fail"}
    assert statuses(db, "template_2019_after_2021", "靖安县仁首镇", 2021) == {
        "active_disclosure": "pass", "applications": "pass"}  # 2021: a late adopter
    assert statuses(db, "template_2021_before_2021", "靖安县香田乡") == {
        "active_disclosure": "fail", "applications": "fail"}
    assert statuses(db, "template_2021_before_2021", "靖安县双溪镇", 2021) == {
        "active_disclosure": "pass", "applications": "pass"}


def test_procurement_amount_unit(db):
    assert statuses(db, "procurement_amount_unit", "靖安县仁首镇", 2020) == {
        "procurement/procurement_amount": "pass"}  # 5000元
    assert statuses(db, "procurement_amount_unit", "靖安县仁首镇", 2021) == {
        "procurement/procurement_amount": "fail"}  # 3000, no unit


def test_duplicate_report(db):
    con = duckdb.connect(str(db), read_only=True)
    try:
        got = con.execute("""SELECT c.status, c.is_current, c.related_report_id IS NOT NULL
                             FROM check_results AS c JOIN stg_reports AS r USING (report_id)
                             WHERE c.rule_id = 'duplicate_report' AND r.org = '靖安县水口乡'
                             ORDER BY c.is_current""").fetchall()
        others = con.execute("""SELECT DISTINCT c.status FROM check_results AS c JOIN stg_reports AS r USING (report_id)
                                WHERE c.rule_id = 'duplicate_report' AND r.org <> '靖安县水口乡'""").fetchall()
    finally:
        con.close()
    assert got == [("fail", False, True), ("fail", True, False)]
    assert others == [("pass",)]


# --- across a body's years -----------------------------------------------------------------------

def test_carryover_between_consecutive_years(db):
    assert statuses(db, "carryover", "靖安县双溪镇", 2022) == {f"carried_over/{a}": "pass" for a in APPLICANTS}
    got = results(db, "carryover", "靖安县宝峰镇", 2022)
    assert got["carried_over/natural_person"][:3] == got["carried_over/total"][:3] == ("fail", 1, 2)
    assert {k: v[0] for k, v in got.items() if k not in ("carried_over/natural_person", "carried_over/total")} == {
        f"carried_over/{a}": "pass" for a in APPLICANTS[1:6]}
    # the rule's own sentence for a fail, as quality_issues has always printed it
    assert got["carried_over/total"][3] == "1 carried over from 2021, but the 2021 report carried forward 2 (total)"
    # the cells of both reports, each with its report and location
    cells = got["carried_over/total"][4]
    assert [c["key"] for c in cells] == ["carried_over/total", "carried_forward/total"]
    assert cells[0]["report_id"] != cells[1]["report_id"] and all(c["location"] for c in cells)
    assert not results(db, "carryover", "靖安县宝峰镇", 2021)  # no 2020 report: nothing to compare


def test_in_force_rolls_forward(db):
    assert statuses(db, "in_force_rollforward", "靖安县双溪镇", 2022) == {
        "normative_documents/in_force": "pass", "rules/in_force": "pass"}
    got = results(db, "in_force_rollforward", "靖安县宝峰镇", 2022)
    assert got["normative_documents/in_force"][:3] == ("fail", 6, 9) and got["rules/in_force"][0] == "pass"
    # corpus 009: 行政规范性文件693665 has several readings: uncertain
    got = results(db, "in_force_rollforward", "平潭综合实验区", 2021)["normative_documents/in_force"]
    assert got[0] == "uncertain" and "693665" in got[3]


def test_prior_year_items_roll_forward(db):
    assert statuses(db, "prior_year_items_rollforward", "靖安县仁首镇", 2021) == {
        "licensing": "pass",        # 10 + 2 = 12
        "other_services": "pass",
        "penalty": "fail",          # 4 - 1 = 3, printed 5
        "coercion": "pass",
        "fees": "pass",
    }


def test_body_that_stopped_reporting(db):
    assert statuses(db, "body_reported_again", "靖安县水口乡", 2022) == {"report of 2022": "fail"}
    assert statuses(db, "body_reported_again", "靖安县双溪镇", 2022) == {"report of 2022": "pass"}
    # 2023 has no report in the warehouse: a 2022 body is not asked for one
    assert not results(db, "body_reported_again", "靖安县双溪镇", 2023)


# --- the rule file and the engine ---------------------------------------------------------------

def test_every_result_follows_the_contract(db):
    con = duckdb.connect(str(db), read_only=True)
    try:
        bad = con.execute("""SELECT * FROM check_results WHERE status NOT IN ('pass', 'fail', 'uncertain', 'not_assessable')
                             OR report_id IS NULL OR detail IS NULL OR body_key IS NULL""").fetchall()
        rules = {r[0] for r in con.execute("SELECT DISTINCT rule_id FROM check_results").fetchall()}
    finally:
        con.close()
    assert bad == []
    assert rules == {r.id for r in load_rules().rules}  # every rule evaluated something here


def test_readme_lists_every_rule_with_its_sentence():
    text = render_rules_markdown()
    for rule in load_rules().rules:
        assert f"`{rule.id}`" in text and rule.sentence in text


def test_readme_list_of_checks_is_the_one_rendered_from_the_rule_file():
    import subprocess
    import sys
    repo = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, str(repo / "scripts" / "rules_doc.py"), "--check"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_readme_block_is_replaced_between_its_markers():
    import importlib.util
    repo = Path(__file__).resolve().parents[1]
    spec = importlib.util.spec_from_file_location("rules_doc", repo / "scripts" / "rules_doc.py")
    rules_doc = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(rules_doc)
    stale = f"intro\n{rules_doc.START}\n- `gone_rule` (info): old\n{rules_doc.END}\nafter\n"
    new = rules_doc.update(stale)
    assert "gone_rule" not in new and new.startswith("intro\n") and new.endswith(f"{rules_doc.END}\nafter\n")
    assert "- `carryover` (warning; code `carryover_mismatch`, in quality_issues;" in new
    with pytest.raises(ValueError):
        rules_doc.update("no markers")


def test_rule_file_is_checked(tmp_path):
    bad = tmp_path / "rules.toml"
    bad.write_text('[[rule]]\nid = "x"\ncode = "x"\nscope = "galaxy"\nseverity = "error"\noperator = "="\n'
                   'sentence = "s"\nlhs = "a"\nrhs = "b"\nsql = "SELECT 1"\n', encoding="utf-8")
    with pytest.raises(RuleError, match="rule x: scope 'galaxy'"):
        load_rules(bad)


def test_rule_sql_without_the_contract_columns_is_refused(tmp_path):
    rules = tmp_path / "rules.toml"
    rules.write_text('[[rule]]\nid = "half"\ncode = "half"\nscope = "report"\nseverity = "info"\noperator = "="\n'
                     'sentence = "s"\nlhs = "a"\nrhs = "b"\nsql = "SELECT 1 AS lhs"\n'
                     '[[view]]\nname = "rule_cells"\nsql = "SELECT {\'value\': 1.0} AS cell"\n', encoding="utf-8")
    con = duckdb.connect()
    con.execute("CREATE TABLE stg_reports (report_id VARCHAR, body_key VARCHAR, year BIGINT, is_current BOOLEAN)")
    with pytest.raises(RuleError, match="rule half: its SQL returns no report_id, related_report_id"):
        run_rules(con, load_rules(rules))


def test_a_changed_rule_file_is_a_changed_build_input(tmp_path, monkeypatch):
    from pipeline.store import check_engine, warehouse
    before = warehouse.build_inputs(tmp_path)
    edited = tmp_path / "rules.toml"
    edited.write_text(check_engine.RULES_PATH.read_text(encoding="utf-8") + "\n# a new rule would go here\n",
                      encoding="utf-8")
    monkeypatch.setattr(check_engine, "RULES_PATH", edited)
    after = warehouse.build_inputs(tmp_path)
    assert {k for k in before if before[k] != after[k]} == {"rules"}


def test_the_engine_is_a_model_after_stg_reports_that_quality_issues_reads_after_it():
    from pipeline.store import models, warehouse
    found = warehouse.load_models()
    order = models.model_order(found)
    assert order.index("stg_reports") < order.index("check_results") < order.index("quality_issues")
    assert found["check_results"].incremental is None  # rebuilt in full on every build
    assert "check_results" in found["quality_issues"].deps
    # quality_issues reads it, so it and the indicators are refreshed after it (late), not before
    assert {"quality_issues", "report_indicators", "report_indicator_values"} <= set(models.late_order(found))
    assert not {"quality_issues", "report_indicators", "report_indicator_values"} & set(models.incremental_order(found))


def test_the_results_do_not_depend_on_the_batches(db, tmp_path):
    """The engine runs over batches of bodies; one report per batch (the bodies spread over as
    many batches as there are reports) gives the same results as one batch for all: the rules
    across a body's years still see every year of the body, body_reported_again every year."""
    path = tmp_path / "batched.duckdb"
    shutil.copy(db, path)
    con = duckdb.connect(str(path))
    try:
        whole = con.execute("SELECT * FROM check_results ORDER BY ALL").fetchall()
        n_reports = con.execute("SELECT count(*) FROM stg_reports").fetchone()[0]
        assert n_reports > 10
        run_rules(con, batch_reports=1)
        assert con.execute("SELECT * FROM check_results ORDER BY ALL").fetchall() == whole
        # and the cross-year rules did compare something in this fixture
        assert con.execute("SELECT count(*) FROM check_results WHERE scope = 'body_years' AND status = 'fail'"
                           ).fetchone()[0] > 0
    finally:
        con.close()
