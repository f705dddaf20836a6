"""Section 五 analysed end to end: the analyse step in the lake's ingest, the statements' IDF kept in
the lake, and the SQL models built on them (statement_keywords, theme_counts, theme_shares,
recurring_problems, promises_then_problems)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipeline.analyse.idf import IdfTable
from pipeline.analyse.keywords import top_keywords
from pipeline.analyse.step import analyse_records, parse_and_analyse
from pipeline.parse import parse_report
from pipeline.store import lake
from pipeline.store.warehouse import build_inputs, build_warehouse

from conftest import FIXTURES, SAMPLES, one, rows

MULTIYEAR = FIXTURES / "multiyear"
SEED_000 = next(SAMPLES.glob("000_*.txt"))
BAOFENG_2021 = "宝峰镇 2021.txt"
# 宝峰镇's section 五, the same in 2021 and 2022 (read from the fixture files)
BAOFENG_P2 = "公开内容比较简单,公开面还不够广,有时公开连续性不强,部分公开栏目更新较为迟缓。"
BAOFENG_P3 = "重点领域政府信息公开深度不够。深度不够、质量不高、内容不全等问题,仍然不同程度存在。"
BAOFENG_M2 = ("着力深化重点领域信息公开。加大推进权责清单、公共资源配置、重大项目建设、就业创业等重点领域信息公开力度,"
              "分专题进行梳理、汇总,切实提升公开质量和实效,更好地服务经济社会发展和民生改善。")


def _build(root: Path, folders: list[Path]) -> Path:
    lake.ingest(root / "lake", folders, parse=parse_and_analyse)
    build_warehouse(root / "lake", root / "warehouse.duckdb")
    return root / "warehouse.duckdb"


@pytest.fixture(scope="module")
def samples(tmp_path_factory) -> Path:
    return _build(tmp_path_factory.mktemp("samples"), [SAMPLES])


@pytest.fixture(scope="module")
def multiyear(tmp_path_factory) -> Path:
    return _build(tmp_path_factory.mktemp("multiyear"), [MULTIYEAR])


SEED_000_ID = "report_id = (SELECT report_id FROM reports WHERE source_path LIKE '%/000_%')"


def test_parse_report_alone_leaves_the_analysis_empty():
    parsed = parse_report(SEED_000.read_bytes(), str(SEED_000))
    assert len(parsed.records["problem_statements"]) == 7
    assert parsed.records["statement_terms"] == [] and parsed.records["statement_themes"] == []
    assert len(parsed.frames["statement_themes"]) == 0  # an empty frame with its columns


def test_analyse_records_by_value():
    records = {"problem_statements": [
        {"report_id": "r1", "kind": "problem", "order": 1, "text": "群众对政府信息公开工作知晓率不够。"},
        {"report_id": "r1", "kind": "measure", "order": 1, "text": "加强业务培训,配齐专职人员和信息员。"}]}
    got = analyse_records(records)
    assert got["statement_themes"] == [
        {"report_id": "r1", "kind": "problem", "order": 1, "theme": "public_awareness", "matched_terms": "知晓率"},
        {"report_id": "r1", "kind": "measure", "order": 1, "theme": "staffing", "matched_terms": "专职人员、信息员"},
        {"report_id": "r1", "kind": "measure", "order": 1, "theme": "training", "matched_terms": "业务培训"}]
    terms = {(r["kind"], r["term"]): r["count"] for r in got["statement_terms"]}
    # 工作, 加强, 不够 are stop words (data/stopwords.txt); 对, 和 single characters
    assert terms == {("problem", "群众"): 1, ("problem", "政府信息公开"): 1, ("problem", "知晓率"): 1,
                     ("measure", "业务培训"): 1, ("measure", "配齐"): 1,
                     ("measure", "专职人员"): 1, ("measure", "信息员"): 1}
    assert analyse_records({}) == {"statement_terms": [], "statement_themes": []}


def test_seed_000_statements_and_themes_in_the_warehouse(samples):
    assert rows(samples, f"SELECT kind, count(*) FROM problem_statements WHERE {SEED_000_ID} "
                         "GROUP BY kind ORDER BY kind") == [("measure", 4), ("problem", 3)]
    # problem 1: 政务公开专干“不专”。…人员变动大,…干部大多身兼数职,是业务上的多面手…
    assert rows(samples, f"SELECT theme, matched_terms FROM statement_themes WHERE {SEED_000_ID} "
                         "AND kind = 'problem' AND \"order\" = 1") == [("staffing", "专干、人员变动、身兼数职、多面手")]
    # measure 2: 提高政府信息公开业务水平和质量,注重培养政府信息公开工作队伍
    assert rows(samples, f"SELECT theme, matched_terms FROM statement_themes WHERE {SEED_000_ID} "
                         "AND kind = 'measure' AND \"order\" = 2 ORDER BY theme") == [
        ("staffing", "队伍"), ("training", "业务水平、培养")]
    assert one(samples, f"SELECT year FROM statement_themes WHERE {SEED_000_ID} LIMIT 1") == 2022


def test_idf_learnt_from_the_samples_and_keywords_use_it(samples):
    # 30 statements in the five samples (3+4, 3+3, 3+3, 3+3, 3+2)
    assert one(samples, "SELECT count(*) FROM problem_statements") == 30
    assert one(samples, "SELECT min(n_docs) = max(n_docs) AND min(n_docs) = 30 FROM statement_idf")
    # every term of statement_terms was learnt; its df is the statements it occurs in
    assert one(samples, "SELECT count(*) FROM (SELECT DISTINCT term FROM statement_terms) t "
                        "ANTI JOIN statement_idf USING (term)") == 0
    assert one(samples, "SELECT df FROM statement_idf WHERE term = '政务公开'") == \
        one(samples, "SELECT count(*) FROM problem_statements WHERE text LIKE '%政务公开%'")
    # The model ranks as pipeline/analyse/keywords.py does, for seed 000's second problem.
    idf = IdfTable.from_records([{"term": t, "df": d, "n_docs": n}
                                 for t, d, n in rows(samples, "SELECT term, df, n_docs FROM statement_idf")])
    counts = dict(rows(samples, f"SELECT term, count FROM statement_terms WHERE {SEED_000_ID} "
                                "AND kind = 'problem' AND \"order\" = 2"))
    want = top_keywords(counts, idf)
    got = rows(samples, f"SELECT term, tf_idf FROM statement_keywords WHERE {SEED_000_ID} "
                        "AND kind = 'problem' AND \"order\" = 2 ORDER BY rank")
    assert [t for t, _ in got] == [t for t, _ in want]
    assert [v for _, v in got] == pytest.approx([v for _, v in want])


def test_yichun_townships_problems_by_year(samples):
    # The README's question on the bundled data: 靖安县宝峰镇 (2020) and 高安市八景镇 (2022, seed 000)
    # are 宜春市's townships; 八景镇 names staffing (problem 1) and training (problem 2: 学习)
    got = rows(samples, "SELECT year, theme, n_reports FROM theme_counts WHERE level = 'prefecture' "
                        "AND region_name = '宜春市' AND admin_level = 'township' AND kind = 'problem'")
    assert (2022, "staffing", 1) in got and (2022, "training", 1) in got
    assert {y for y, _, _ in got} == {2020, 2022}
    assert one(samples, "SELECT share FROM theme_shares WHERE level = 'prefecture' AND region_name = '宜春市' "
                        "AND admin_level = 'township' AND year = 2022 AND theme = 'staffing' "
                        "AND kind = 'problem'") == 1.0


def test_recurring_problems_of_baofeng(multiyear):
    got = rows(multiyear, "SELECT theme, first_year, last_year, n_years, years, statements FROM recurring_problems "
                          "WHERE org = '靖安县宝峰镇' ORDER BY theme")
    by_theme = {r[0]: r[1:] for r in got}
    # problem 2 names 公开内容 and 公开面, problem 3 重点领域 and 深度: content coverage, both years
    years, statements = by_theme["content_coverage"][3], by_theme["content_coverage"][4]
    assert by_theme["content_coverage"][:3] == (2021, 2022, 2)
    assert years == [2021, 2022]
    assert statements == [f"2021: {BAOFENG_P2}", f"2021: {BAOFENG_P3}", f"2022: {BAOFENG_P2}", f"2022: {BAOFENG_P3}"]
    # 连续性, 更新, 迟缓 in problem 2: timeliness, both years
    assert by_theme["timeliness"][4] == [f"2021: {BAOFENG_P2}", f"2022: {BAOFENG_P2}"]


def test_promises_then_problems_of_baofeng(multiyear):
    # 2021's measure 二是 promised 重点领域 disclosure; 2022 names 公开内容 and 重点领域 problems again
    got = rows(multiyear, "SELECT promise_year, problem_year, measures, problems FROM promises_then_problems "
                          "WHERE org = '靖安县宝峰镇' AND theme = 'content_coverage'")
    assert got == [(2021, 2022, [BAOFENG_M2], [BAOFENG_P2, BAOFENG_P3])]


def _idf_file(lake_dir: Path) -> tuple[int, object]:
    t = pq.read_table(lake_dir / lake.IDF_NAME)
    return t["n_docs"][0].as_py(), t["learnt_at"][0].as_py()


def test_idf_rebuilt_after_growth_kept_when_not(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    for f in SAMPLES.glob("*.txt"):
        shutil.copy(f, raw)
    lake_dir = tmp_path / "lake"
    lake.ingest(lake_dir, [raw], parse=parse_and_analyse)
    assert _idf_file(lake_dir)[0] == 30
    first = build_inputs(lake_dir)["statement_idf"]
    # 宝峰镇 2021 adds 5 statements: 35 is not more than a fifth over 30, the idf is kept
    shutil.copy(MULTIYEAR / BAOFENG_2021, raw)
    assert lake.ingest(lake_dir, [raw], parse=parse_and_analyse)[1].idf_learnt is False
    assert _idf_file(lake_dir)[0] == 30
    assert build_inputs(lake_dir)["statement_idf"] == first
    # the rest of the fixture (7 more reports of 3 problems and 2 measures each): 70 > 36, learnt again
    for f in MULTIYEAR.glob("*.txt"):
        shutil.copy(f, raw)
    assert lake.ingest(lake_dir, [raw], parse=parse_and_analyse)[1].idf_learnt is True
    n_docs, _ = _idf_file(lake_dir)
    assert n_docs == 30 + 8 * 5
    assert build_inputs(lake_dir)["statement_idf"] != first  # a new idf means a new warehouse
