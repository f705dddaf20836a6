"""pipeline/analyse: segmentation with the domain dictionary, terms, IDF, keywords and themes."""
from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.analyse.idf import IdfTable, learn_idf, needs_rebuild
from pipeline.analyse.keywords import top_keywords
from pipeline.analyse.segment import USERDICT, read_word_list, segment, tokenizer
from pipeline.analyse.terms import stopwords, term_counts, terms
from pipeline.analyse.themes import taxonomy, themes_of
from pipeline.parse.lines import DocLines
from pipeline.parse.sections import find_sections
from pipeline.parse.statements import section_statements
from pipeline.parse.template import load_template
from pipeline.parse.unglue import unglue
from pipeline.read import read_document

from conftest import REPO, SHARED


def _statements(path: Path):
    template = load_template()
    lines = unglue(DocLines.of(read_document(path.read_bytes())), template)
    return section_statements(lines, find_sections(lines.text, template).span("s5"))


def _seed(prefix: str) -> Path:
    return next((SHARED / "seeds").glob(f"{prefix}_*.txt"))


def test_tokenizer_loads_once_and_caches_under_the_project_cache():
    assert tokenizer() is tokenizer()
    cache = Path(os.environ["OGI_CACHE_DIR"]) / "jieba"  # conftest points it at this run's folder
    assert Path(tokenizer().tmp_dir) == cache
    assert (cache / "jieba.cache").is_file()


def test_domain_terms_stay_whole():
    for word in read_word_list(USERDICT):
        assert segment(word) == [word], word
    assert segment("群众对政府信息公开工作知晓率不够") == ["群众", "对", "政府信息公开", "工作", "知晓率", "不够"]


def test_every_theme_term_is_a_word_and_not_a_stop_word():
    stop = stopwords()
    for theme, words in taxonomy().items():
        for word in words:
            assert segment(word) == [word], (theme, word)
            assert word not in stop, (theme, word)


def test_terms_drop_boilerplate_single_characters_and_numbers():
    text = "进一步加强政务公开工作,2023年配齐3名专职人员。"
    assert terms(text) == ["政务公开", "配齐", "专职人员"]
    assert term_counts("政务公开、政务公开和公开栏") == {"政务公开": 2, "公开栏": 1}
    assert terms("") == []


def test_learn_idf_and_lookup():
    table = learn_idf([["政务公开", "公开栏"], ["政务公开", "政务公开"], ["政务公开", "知晓率"], []])
    assert table.n_docs == 4
    assert dict(table.df) == {"政务公开": 3, "公开栏": 1, "知晓率": 1}  # a repeat counts once
    assert table.idf("政务公开") == pytest.approx(math.log(5 / 4) + 1)
    assert table.idf("公开栏") == pytest.approx(math.log(5 / 2) + 1)
    assert table.idf("从未见过") == table.unseen == pytest.approx(math.log(5) + 1)
    assert table.as_dict() == {t: table.idf(t) for t in ("政务公开", "公开栏", "知晓率")}
    back = IdfTable.from_records(table.records())
    assert back == table
    assert IdfTable.from_records([]).n_docs == 0


def test_rebuild_rule():
    assert not needs_rebuild(100, 100)
    assert not needs_rebuild(100, 120)  # grew by exactly a fifth
    assert needs_rebuild(100, 121)
    assert needs_rebuild(100, 111, share=0.1)
    assert needs_rebuild(0, 1) and not needs_rebuild(0, 0)


def test_top_keywords_by_tf_idf():
    table = IdfTable({"政务公开": 3, "公开栏": 1}, 4)
    counts = {"政务公开": 2, "公开栏": 1, "信息员": 1}
    got = top_keywords(counts, table, k=3)
    # tf * idf: 信息员 1/4 * (ln 5 + 1) = 0.652 (unseen), 政务公开 2/4 * (ln 5/4 + 1) = 0.612,
    # 公开栏 1/4 * (ln 5/2 + 1) = 0.479
    assert [t for t, _ in got] == ["信息员", "政务公开", "公开栏"]
    assert got[0][1] == pytest.approx(0.25 * (math.log(5) + 1))
    assert got[1][1] == pytest.approx(0.5 * (math.log(5 / 4) + 1))
    assert [t for t, _ in top_keywords(counts, table, k=2, fallback=0.0)] == ["政务公开", "公开栏"]
    assert top_keywords({}, table) == []


def test_themes_of_seed_statements():
    s000 = _statements(_seed("000"))
    assert s000[0].text.startswith("政务公开专干“不专”")
    assert themes_of(segment(s000[0].text)) == {"staffing": ["专干", "人员变动", "身兼数职", "多面手"]}
    s003 = _statements(_seed("003"))
    assert s003[1].text == "群众对政府信息公开工作知晓率不够。"
    assert themes_of(segment(s003[1].text)) == {"public_awareness": ["知晓率"]}
    assert set(themes_of(segment(s003[5].text))) == {"training"}  # 组织…培训会,加强业务交流和指导
    s004 = _statements(_seed("004"))
    # 公开内容比较简单,公开面还不够广,有时公开连续性不强,部分公开栏目更新较为迟缓。
    assert themes_of(segment(s004[1].text)) == {
        "content_coverage": ["公开内容", "公开面"], "timeliness": ["连续性", "更新", "迟缓"],
        "platforms_channels": ["公开栏目"]}
    s002 = _statements(_seed("002"))
    assert "staffing" in themes_of(segment(s002[2].text))  # 缺乏专业人员,工作人员为兼职人员
    assert themes_of(segment("")) == {}


def test_parse_does_not_load_jieba():
    code = ("import sys; from pipeline.parse import parse_report; import pipeline.cli; "
            f"p = {str(_seed('000'))!r}; parse_report(open(p, 'rb').read(), p); "
            "print(sorted(m for m in sys.modules if m == 'jieba' or m.startswith('pipeline.analyse')))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
