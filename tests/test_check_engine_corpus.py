"""The corpus's known source errors, found by the check engine through the real build.

`ogi run` builds a warehouse from ../shared/corpus/raw and data/samples; check_results is built
with it (the engine runs as a model). Each case below is an error the source itself printed,
read off the documents: the engine must report it with the right status, and quality_issues must
not list a finding twice.
"""
from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from conftest import SAMPLES, SHARED, ogi_run_on

CORPUS_RAW = SHARED / "corpus" / "raw"
pytestmark = pytest.mark.skipif(not CORPUS_RAW.is_dir(), reason="the shared corpus is not here")


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    return ogi_run_on(tmp_path_factory.mktemp("corpus_checks"), [*CORPUS_RAW.iterdir(), *SAMPLES.glob("*.txt")])


def found(db: Path, rule: str, source: str) -> dict[str, tuple]:
    """subject -> (status, lhs, rhs) of one rule on the document read from file ``source``."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        got = con.execute("""
            SELECT c.subject, c.status, c.lhs, c.rhs
            FROM check_results AS c JOIN stg_reports AS r USING (report_id)
            WHERE c.rule_id = ? AND r.source_path LIKE '%/' || ?""", [rule, source]).fetchall()
    finally:
        con.close()
    return {g[0]: g[1:] for g in got}


def test_hongze_2023_table4_totals(db):
    # 003_hongze-2023.pdf, table 4 (corpus README, "Real source inconsistencies"): the printed
    # totals are 0 while the results add to 11 (行政复议) and 5 (复议后起诉)
    got = found(db, "table4_total", "003_hongze-2023.pdf")
    assert got["review/total"] == ("fail", 11, 0)
    assert got["litigation_after_review/total"] == ("fail", 5, 0)


def test_hongze_2024_prose_against_table3(db):
    # 004_hongze-2024.pdf: the prose says 17 applications received, table 3 本年新收 总计 is 95
    assert found(db, "prose_applications_received", "004_hongze-2024.pdf") == {
        "new_received/total": ("fail", 17, 95)}


def test_seed_000_prose_against_table3(db):
    # sample 000 (高安市八景镇 2022): "共收到政府信息公开申请1件", table 3 new 0
    assert found(db, "prose_applications_received", "000_8ae22ee27fc68654.txt") == {
        "new_received/total": ("fail", 1, 0)}


def test_an_approximate_total_is_uncertain_not_a_fail(db):
    # 001_huaian-2024.pdf, page 1: "市政府网站主动公开各类政府信息 5500 余条", then by category
    # 规章 1 件、政策性文件 11 件, 政策解读21个 (1 + 11 + 21 = 33): against an approximate total,
    # uncertain, not a pass or a fail
    got = found(db, "prose_categories_within_total", "001_huaian-2024.pdf")
    assert got["proactive_by_category"] == ("uncertain", 33, 5500)


def test_quality_issues_lists_no_finding_twice(db):
    con = duckdb.connect(str(db), read_only=True)
    try:
        twice = con.execute("""SELECT report_id, code, field, count(*) FROM quality_issues
                               WHERE origin = 'cross_document' GROUP BY ALL HAVING count(*) > 1""").fetchall()
        # the engine's findings listed are those of the rules marked in_quality_issues only
        listed = con.execute("""SELECT DISTINCT q.code FROM quality_issues AS q
                                WHERE q.origin = 'cross_document'
                                  AND q.code NOT IN (SELECT code FROM check_results WHERE in_quality_issues)""").fetchall()
    finally:
        con.close()
    assert twice == [] and listed == []
