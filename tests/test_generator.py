"""scripts/generate.py writes reports whose truth is what they print; scripts/score_generated.py scores them.

The figures checked here are read back from the generated documents (the printed table rows) or
follow from the template's own rules (shape.toml: row totals, the balance rule, (七)总计, table 4's
group totals), never copied from the generator's output. The parser is run on one report of each
layout and one per injected defect, and must give no wrong value and the defect's issue code.
"""
from __future__ import annotations

import hashlib
import importlib.util
import json
import sys
from collections import Counter
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))

import generate as gen  # noqa: E402
import score_generated as sg  # noqa: E402
from pipeline.parse.template import load_template  # noqa: E402

SEED = 2024
SHAPE = load_template().shape
APPLICANTS = SHAPE.applicants
SCORE_CORPUS = REPO.parent / "shared" / "tools" / "score_corpus.py"
ALL_LAYOUTS = ("pipe", "tab", "stacked", "space", "glued", "nodes", "html", "docx", "pdf")


def make(layout: str, kind: str | None = None, index: int = 0) -> tuple[gen.Report, bytes, dict]:
    """Report `index` of SEED in `layout`, with defect `kind` (or none): the report, its bytes, its truth."""
    report = gen.draw(SEED, index, (layout,), {kind: 1.0} if kind else {})
    assert report.defect == kind
    return report, gen.render(report), gen.truth(report)


def score(layout: str, kind: str | None = None, index: int = 0) -> sg.Score:
    report, raw, truth = make(layout, kind, index)
    return sg.score_bytes(raw, report.file_name, truth)


# --------------------------------------------------------------------------------------------
# The generator
# --------------------------------------------------------------------------------------------

def test_the_same_seed_gives_the_same_bytes_however_the_work_is_split(tmp_path):
    one, two, later = tmp_path / "one", tmp_path / "two", tmp_path / "later"
    gen.generate(one, 24, 7, workers=1)
    gen.generate(two, 24, 7, workers=2, chunk=5)
    gen.generate(later, 6, 7, start=18, workers=1)  # reports 18..23 added on their own
    files = sorted(p.relative_to(one) for p in one.rglob("*") if p.is_file())
    assert len(files) == 48
    assert files == sorted(p.relative_to(two) for p in two.rglob("*") if p.is_file())
    for f in files:
        assert (one / f).read_bytes() == (two / f).read_bytes(), f
    for f in sorted(p.relative_to(later) for p in later.rglob("*") if p.is_file()):
        assert (later / f).read_bytes() == (one / f).read_bytes(), f
    other = tmp_path / "other"
    gen.generate(other, 1, 8, workers=1)
    assert (other / "raw" / "0000000.txt").read_bytes() != (one / "raw" / "0000000.txt").read_bytes()


def test_a_report_keeps_its_body_and_figures_whatever_layouts_are_asked_for():
    kept = ("org", "year", "template_version", "active_disclosure", "applications", "reviews_litigation")
    for i in range(20):
        mixed = gen.truth(gen.draw(SEED, i, ALL_LAYOUTS, {}))
        alone = gen.truth(gen.draw(SEED, i, ("pdf",), {}))
        assert {k: mixed[k] for k in kept} == {k: alone[k] for k in kept}, i
        assert alone["layout"] == "pdf"


def test_two_hundred_reports_are_unique_files_of_every_text_layout(tmp_path):
    counts = gen.generate(tmp_path, 200, 3)
    raws = sorted((tmp_path / "raw").iterdir())
    truths = sorted((tmp_path / "truth").iterdir())
    assert len(raws) == len(truths) == 200
    assert len({hashlib.sha256(p.read_bytes()).hexdigest() for p in raws}) == 200  # no two alike: no dedup
    layouts = Counter()
    for t in truths:
        d = json.loads(t.read_text(encoding="utf-8"))
        assert (tmp_path / d["file"]).is_file()
        layouts[d["layout"]] += 1
    assert set(layouts) == {"pipe", "tab", "stacked", "space", "glued", "nodes"}
    assert sum(counts[f"layout {k}"] for k in layouts) == 200


def _columns(row: list) -> dict:
    return dict(zip(APPLICANTS, row))


def test_the_truth_keeps_the_templates_arithmetic():
    """Every sum shape.toml names holds in the truth, except the one a defect breaks on purpose."""
    rates = gen.parse_rates("0.5")
    (left_a, left_b), (right_a, right_b) = SHAPE.balance
    kinds = Counter()
    for i in range(300):
        t = gen.truth(gen.draw(SEED, i, gen.FORMAT_LAYOUTS["text"], rates))
        kind = t["defects"][0]["kind"] if t["defects"] else None
        kinds[kind] += 1
        assert 2019 <= t["year"] <= 2025
        assert t["template_version"] in (SHAPE.version_for_year(t["year"]), "mixed")
        t4 = t["reviews_litigation"]
        for k in range(0, 15, 5):  # each proceeding: upheld + corrected + other + pending = total
            assert sum(t4[k:k + 4]) == t4[k + 4], (i, t4)
        apps = t["applications"]
        if apps is None:
            assert kind in ("replaced_table", "absent_table")
            continue
        if kind == "missing_cell":
            continue  # one cell is null: no sum through it can be checked
        outcomes = [k for k in apps if k not in SHAPE.not_outcomes]
        broken = set()
        for a in APPLICANTS:
            col = {row: _columns(values)[a] for row, values in apps.items()}
            assert col[SHAPE.processed] == sum(col[o] for o in outcomes), (i, a)
            if col[left_a] + col[left_b] != col[right_a] + col[right_b]:
                broken.add(a)
        for row, values in apps.items():
            parts = _columns(values)
            assert sum(parts[a] for a in SHAPE.applicant_parts) == parts[SHAPE.applicant_total], (i, row)
        if kind == "broken_balance":
            assert broken == {t["defects"][0]["field"], SHAPE.applicant_total}, i
        else:
            assert broken == set(), i
    assert set(kinds) == {None, *gen.DEFECTS}  # every kind was drawn


def test_the_truth_is_what_the_document_prints():
    """Rows read off a tab-separated report by their printed labels, and table 4's row of numbers."""
    _, raw, truth = make("tab")
    lines = raw.decode("utf-8").replace("（", "(").replace("）", ")").split("\n")  # either bracket width

    def numbers_after(label: str) -> list[int]:
        line = next(x for x in lines if label in x)
        return [int(c) for c in line.split(label, 1)[1].split("\t") if c.strip()]

    apps = truth["applications"]
    assert numbers_after("一、本年新收政府信息公开申请数量") == apps["new_received"]
    assert numbers_after("(一)予以公开") == apps["granted"]
    assert numbers_after("(七)总计") == apps["total_processed"]
    assert numbers_after("四、结转下年度继续办理") == apps["carried_forward"]
    table4 = next(i for i, x in enumerate(lines) if x.startswith("四、政府信息公开行政复议")) + 4
    assert [int(c) for c in lines[table4].split("\t")] == truth["reviews_litigation"]
    assert truth["report"]["title"] in lines[0]


def test_defects_come_at_the_rates_asked():
    rates = gen.parse_rates("missing_cell=0.2,gbk=0.1")
    drawn = Counter(gen.draw(SEED, i, ("tab",), rates).defect for i in range(1000))
    assert 150 <= drawn["missing_cell"] <= 250 and 60 <= drawn["gbk"] <= 140  # binomial, +-4 sd
    assert set(drawn) == {None, "missing_cell", "gbk"}
    assert gen.parse_rates("0.7") == {k: pytest.approx(0.1) for k in gen.DEFECTS}
    with pytest.raises(ValueError):
        gen.parse_rates("no_such_defect=0.1")
    with pytest.raises(ValueError):
        gen.parse_rates("gbk=0.6,web_junk=0.6")


def test_a_gbk_file_is_gbk_and_a_defect_leaves_other_files_alone():
    _, clean, _ = make("tab")
    _, gbk, truth = make("tab", "gbk")
    assert gbk.decode("gb18030") == clean.decode("utf-8")
    with pytest.raises(UnicodeDecodeError):
        gbk.decode("utf-8")
    assert truth["encoding"] == "gb18030" and truth["defects"][0]["expected_issue"] is None


@pytest.mark.skipif(not SCORE_CORPUS.is_file(), reason="no ../shared/tools/score_corpus.py")
def test_the_corpus_scorer_reads_a_generated_truth_file_the_same_way():
    spec = importlib.util.spec_from_file_location("score_corpus", SCORE_CORPUS)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    for kind in (None, "missing_cell", "replaced_table"):
        _, _, truth = make("tab", kind)
        theirs = {cell: value for cell, (value, _) in module.seed_truth_cells(truth).items()}
        assert theirs == sg.truth_cells(truth)
        assert truth["year"] == truth["report"]["year"]


# --------------------------------------------------------------------------------------------
# The parser on generated reports
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("layout", ALL_LAYOUTS)
def test_a_clean_report_of_each_layout_parses_without_a_wrong_value(layout):
    s = score(layout)
    assert not s.failed and s.wrong == []
    assert s.year_right == 1 and s.version_right == 1
    if layout not in gen.CRAWLED_LAYOUTS:  # crawled text may leave a cell open; nothing else should
        assert s.right == s.cells
    assert not s.false_alarms


DEFECT_CASES = [("tab", kind) for kind in gen.DEFECTS] + [
    ("space", "missing_cell"), ("html", "missing_cell"), ("glued", "missing_cell"), ("pdf", "broken_balance"),
    ("html", "gbk"), ("nodes", "gbk"), ("stacked", "web_junk"), ("docx", "replaced_table")]


@pytest.mark.parametrize("layout,kind", DEFECT_CASES)
def test_an_injected_defect_is_reported_with_its_issue_code(layout, kind):
    s = score(layout, kind)
    assert not s.failed and s.wrong == []
    assert s.defects[f"{kind} reported"] == 1, s.missed


# Realistic layouts the parser once read with wrong values; each names the report of SEED that showed it.
# Small hand-written versions of each are in tests/test_crawled_gaps.py.
ONCE_WRONG = [
    pytest.param("stacked", "missing_cell", 11, id="stacked-empty-cell-line-shifts-the-row"),
    pytest.param("nodes", "missing_cell", 11, id="nodes-dropped-blank-node-read-positionally"),
    pytest.param("glued", None, 32, id="glued-minus-sign-of-change-dropped"),
    pytest.param("nodes", None, 25, id="nodes-decimal-number-broken-over-nodes"),
]


@pytest.mark.parametrize("layout,kind,index", ONCE_WRONG)
def test_reports_once_read_wrong_give_no_wrong_value(layout, kind, index):
    assert score(layout, kind, index).wrong == []


# --------------------------------------------------------------------------------------------
# The benchmark's reading of `ogi run`
# --------------------------------------------------------------------------------------------

def test_the_benchmark_reads_the_stage_timings_ogi_run_prints():
    import benchmark

    output = ("ogi: warehouse: published /tmp/x/data/warehouse.duckdb\n"
              "Stage timings (wall seconds):\n"
              "  scan              0.52 s\n"
              "  parse            81.07 s\n"
              "  build warehouse  12.40 s\n"
              "  total            94.00 s\n"
              "\nWarehouse: /tmp/x/data/warehouse.duckdb\n")
    assert benchmark.stage_timings(output) == [("scan", 0.52), ("parse", 81.07), ("build warehouse", 12.4),
                                               ("total", 94.0)]
    assert benchmark.stage_timings("ogi: every file was read as a report\n") == []
