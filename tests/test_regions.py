"""Region resolution against the Ministry gazetteer (codes checked by hand against GB/T 2260)."""
from __future__ import annotations

import csv
import gzip
import json
from collections import Counter
from pathlib import Path

import pytest

from pipeline.regions import BODY_SCAN_CHARS, REF_DIR, RegionResult, _index, resolve_region

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "tests" / "fixtures" / "seeds"
SAMPLES = ROOT / "data" / "samples"

# seed id -> (province, prefecture, county, township) codes
SEED_CODES = {
    "000": ("360000", "360900", "360983", "360983101"),  # 江西省 宜春市 高安市 八景镇
    "001": ("410000", "411200", "411224", "411224105"),  # 河南省 三门峡市 卢氏县 官坡镇
    "002": ("620000", "621000", "621024", "621024100"),  # 甘肃省 庆阳市 合水县 西华池镇
    "003": ("360000", "360900", "360925", "360925101"),  # 江西省 宜春市 靖安县 宝峰镇
    "004": ("530000", "530400", "530428", "530428101"),  # 云南省 玉溪市 元江…自治县 因远镇
}
BAOFENG_JINGAN = "江西省/宜春市/靖安县/宝峰镇"
BAOFENG_YONGCHUAN = "重庆市/永川区/宝峰镇"
NO_REGION = dict(province=None, province_code=None, prefecture=None, prefecture_code=None,
                 county=None, county_code=None, township=None, township_code=None)


def _region(r: RegionResult) -> dict[str, str | None]:
    return {k: v for k, v in r.columns().items() if k in NO_REGION}


def _seed(stem: str) -> tuple[dict, str]:
    (path,) = SEEDS.glob(f"{stem}_*.json")
    report = json.loads(path.read_text(encoding="utf-8"))["report"]
    body = (SAMPLES / f"{path.stem}.txt").read_bytes().decode("utf-8")
    return report, body


@pytest.mark.parametrize("stem", sorted(SEED_CODES))
def test_seed_resolves_to_expected_region_with_codes(stem: str) -> None:
    report, body = _seed(stem)
    r = resolve_region(report["title"], report["org"], body)
    want = report["region"]
    assert (r.province, r.prefecture, r.county, r.township) == (
        want["province"], want["prefecture"], want["county"], want["township"])
    assert (r.province_code, r.prefecture_code, r.county_code, r.township_code) == SEED_CODES[stem]
    assert r.code == SEED_CODES[stem][3]
    assert r.admin_level == "township"
    assert r.department is None
    assert r.issue is None
    assert r.method == "title"


def test_seed_002_names_hezuo_county_only_in_prose_and_still_resolves() -> None:
    report, body = _seed("002")
    assert "合水县" not in report["title"] and "合水县" in body
    r = resolve_region(report["title"], report["org"], body)
    assert (r.county, r.county_code) == ("合水县", "621024")
    # 西华池镇 contains 华池, the stem of 华池县 (also in 庆阳市); it must not leak in.
    assert r.township == "西华池镇"


def test_baofeng_without_context_is_ambiguous_not_guessed() -> None:
    r = resolve_region("宝峰镇2022年政府信息公开工作年度报告", "宝峰镇", "")
    assert r.issue == "region_ambiguous"
    assert set(r.candidates) == {BAOFENG_JINGAN, BAOFENG_YONGCHUAN}
    assert _region(r) == NO_REGION
    assert r.code is None and r.admin_level is None and r.method == "none"


def test_baofeng_with_county_in_title_resolves_to_jiangxi() -> None:
    r = resolve_region("靖安县宝峰镇2020年度政府信息公开工作年度报告", "靖安县宝峰镇", "")
    assert _region(r) == dict(province="江西省", province_code="360000",
                              prefecture="宜春市", prefecture_code="360900",
                              county="靖安县", county_code="360925",
                              township="宝峰镇", township_code="360925101")
    assert r.issue is None and r.method == "title" and r.candidates == ()


def test_baofeng_in_chongqing_has_no_prefecture() -> None:
    r = resolve_region("永川区宝峰镇2022年政府信息公开工作年度报告", None, "")
    # A district of a municipality sits directly under it: no prefecture is invented.
    assert _region(r) == dict(province="重庆市", province_code="500000",
                              prefecture=None, prefecture_code=None,
                              county="永川区", county_code="500118",
                              township="宝峰镇", township_code="500118110")
    assert r.issue is None and r.admin_level == "township"


def test_baofeng_context_from_body_only() -> None:
    body = "宝峰镇人民政府2022年政府信息公开工作年度报告\n根据重庆市永川区政务公开工作安排，我镇……"
    r = resolve_region("宝峰镇人民政府2022年政府信息公开工作年度报告", "宝峰镇人民政府", body)
    assert (r.county_code, r.township_code) == ("500118", "500118110")
    assert r.method == "body" and r.issue is None


def test_body_first_line_names_the_body_when_title_and_org_are_missing() -> None:
    body = "官坡镇人民政府2023年政府信息公开工作年度报告\n一、总体情况\n根据河南省有关要求……"
    r = resolve_region(None, None, body)
    assert (r.township_code, r.method, r.issue) == ("411224105", "body", None)


def test_title_context_beats_body_context() -> None:
    body = "学习借鉴重庆市永川区宝峰镇经验。"
    r = resolve_region("靖安县宝峰镇2022年政府信息公开工作年度报告", "靖安县宝峰镇", body)
    assert r.township_code == "360925101"


def test_body_context_beyond_the_scan_limit_is_ignored() -> None:
    body = "宝峰镇" + "。" * BODY_SCAN_CHARS + "靖安县"
    r = resolve_region("宝峰镇2022年政府信息公开工作年度报告", "宝峰镇", body)
    assert r.issue == "region_ambiguous"


@pytest.mark.parametrize(("org", "department"), [
    ("靖安县生态环境局", "生态环境局"),
    ("靖安县人民政府办公室", "人民政府办公室"),
    ("靖安县公安局", "公安局"),  # not 公安县 (湖北): a stem never extends a chain of places
    ("中共靖安县委办公室", "县委办公室"),
])
def test_department_of_a_county(org: str, department: str) -> None:
    r = resolve_region(f"{org}2022年政府信息公开工作年度报告", org, "")
    assert r.admin_level == "department"
    assert r.department == department
    assert _region(r) == dict(province="江西省", province_code="360000",
                              prefecture="宜春市", prefecture_code="360900",
                              county="靖安县", county_code="360925",
                              township=None, township_code=None)
    assert r.code == "360925" and r.issue is None


def test_department_name_from_title_when_org_missing() -> None:
    r = resolve_region("高安市发展和改革委员会2023年政府信息公开工作年度报告", None, "")
    assert (r.admin_level, r.department, r.county_code) == ("department", "发展和改革委员会", "360983")


def test_year_before_the_name() -> None:
    r = resolve_region("2022年靖安县人民政府政府信息公开工作年度报告", None, "")
    assert (r.county_code, r.admin_level) == ("360925", "county")


def test_municipality_district_with_context_and_without() -> None:
    r = resolve_region("北京市朝阳区人民政府2022年政府信息公开工作年度报告", None, "")
    assert (r.province_code, r.prefecture_code, r.county_code) == ("110000", None, "110105")
    r = resolve_region("朝阳区人民政府2022年政府信息公开工作年度报告", None, "")
    assert r.issue == "region_ambiguous"
    assert set(r.candidates) == {"北京市/朝阳区", "吉林省/长春市/朝阳区"}


def test_township_directly_under_a_prefecture() -> None:
    r = resolve_region("东莞市南城街道办事处2022年政府信息公开工作年度报告", None, "")
    assert (r.prefecture_code, r.county_code, r.township_code) == ("441900", None, "441900004")
    assert r.admin_level == "township" and r.department is None


def test_people_government_suffix_is_not_a_department() -> None:
    r = resolve_region("官坡镇人民政府2023年政府信息公开工作年度报告", "官坡镇人民政府", "")
    assert r.admin_level == "township" and r.department is None
    r = resolve_region("卢氏县人民政府2023年政府信息公开工作年度报告", None, "")
    assert (r.admin_level, r.county_code, r.township) == ("county", "411224", None)


def test_short_alias_of_autonomous_county() -> None:
    r = resolve_region("元江县因远镇2022年政府信息公开工作年度报告", "元江县因远镇", "")
    assert (r.county, r.county_code) == ("元江哈尼族彝族傣族自治县", "530428")
    assert (r.township, r.township_code) == ("因远镇", "530428101")
    assert r.issue is None

    r = resolve_region("元江县人民政府2022年政府信息公开工作年度报告", None, "")
    assert (r.county_code, r.admin_level, r.method) == ("530428", "county", "alias")


def test_ocr_alias_is_marked_alias() -> None:
    r = resolve_region("沐阳县人民政府2021年政府信息公开工作年度报告", None, "")
    assert (r.county, r.county_code, r.prefecture_code) == ("沭阳县", "321322", "321300")
    assert r.method == "alias"


def test_county_stem_gives_context_in_title() -> None:
    r = resolve_region("靖安宝峰镇2021年政府信息公开工作年度报告", None, "")
    assert r.township_code == "360925101"


def test_name_that_is_not_a_place_is_unresolved() -> None:
    r = resolve_region("幸福里镇人民政府2022年政府信息公开工作年度报告", "幸福里镇人民政府",
                       "幸福里镇人民政府2022年政府信息公开工作年度报告\n本镇位于江西省靖安县。")
    assert r.issue == "region_unresolved"
    assert _region(r) == NO_REGION
    assert r.method == "none" and "幸福里镇" in (r.detail or "")


def test_unknown_township_under_a_known_county_keeps_the_county() -> None:
    r = resolve_region("靖安县幸福里镇2022年政府信息公开工作年度报告", None, "")
    assert r.issue == "region_unresolved"
    assert (r.county_code, r.township_code, r.admin_level) == ("360925", None, None)


def test_title_with_no_place_at_all() -> None:
    r = resolve_region("2022年政府信息公开工作年度报告", None, "一、总体情况\n本机关认真贯彻条例。")
    assert r.issue == "region_unresolved"
    assert _region(r) == NO_REGION
    assert r.method == "none" and r.code is None and r.admin_level is None


def test_nothing_at_all() -> None:
    r = resolve_region(None, None, "")
    assert r.issue == "region_unresolved" and r.code is None


def test_spaces_inside_names_are_ignored() -> None:
    r = resolve_region("官 坡 镇 人民政府 2023 年政府信息公开工作年度报告", None, "")
    assert r.township_code == "411224105"


def test_columns_keys() -> None:
    r = resolve_region("官坡镇2023年政府信息公开工作年度报告", None, "")
    assert list(r.columns()) == [
        "province", "province_code", "prefecture", "prefecture_code", "county", "county_code",
        "township", "township_code", "admin_level", "department", "region_method"]
    assert r.columns()["region_method"] == "title"


def test_index_is_built_once() -> None:
    assert _index() is _index()


def test_gazetteer_counts_and_code_schemes() -> None:
    with gzip.open(REF_DIR / "gazetteer.csv.gz", "rt", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert Counter(r["level"] for r in rows) == {
        "province": 33, "prefecture": 333, "county": 2845, "township": 38723}
    for r in rows:
        # 9-digit Ministry township codes, 6-digit GB/T 2260 above; never 12-digit stats codes.
        assert len(r["code"]) == (9 if r["level"] == "township" else 6), r
        assert r["province_code"] and r["code"].startswith(r["province_code"][:2])
    by_code = {r["code"]: r for r in rows}
    assert by_code["110105"]["prefecture_code"] == ""  # 北京市朝阳区
    assert by_code["429004"]["prefecture_code"] == ""  # 仙桃市, 省直辖县级行政区划
    assert by_code["441900003"]["county_code"] == ""  # a 东莞市 township, no county level
    assert by_code["530428101"]["county"] == "元江哈尼族彝族傣族自治县"


def test_longest_name_at_every_position_even_inside_a_longer_one() -> None:
    # 合水 (a stem) and 合水县 start at 0: the longer wins. 华池 (华池县's stem) starts inside
    # 西华池镇: longest_at keeps it, scan drops it as contained.
    at = _index().longest_at("合水县西华池镇")
    assert {k: (m.surface, m.end, [(e.code, e.weak) for e in m.entries]) for k, m in at.items()} == {
        0: ("合水县", 3, [("621024", False)]),
        3: ("西华池镇", 7, [("621024100", False)]),
        4: ("华池", 6, [("621023", True)]),
    }
    assert [(m.start, m.surface) for m in _index().scan("合水县西华池镇")] == [(0, "合水县"), (3, "西华池镇")]


def test_positions_are_characters_whatever_their_encoded_size() -> None:
    # An emoji (outside the BMP), a space and a lone surrogate (as a lenient decoder may leave)
    # between names: positions stay string indexes.
    text = "😀靖安县 宝峰镇\ud800高安市"
    at = _index().longest_at(text)
    assert {k: (m.surface, m.end) for k, m in at.items()} == {1: ("靖安县", 4), 5: ("宝峰镇", 8), 9: ("高安市", 12)}
    assert all(text[m.start:m.end] == m.surface for m in at.values())
    assert sorted(e.code for e in at[5].entries) == ["360925101", "500118110"]
    assert _index().longest_at("") == {} and _index().longest_at("abc 123") == {}


def test_body_is_scanned_only_when_the_title_leaves_a_tie(monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline import regions

    scanned: list[str] = []
    scan = regions._Index.scan

    def spy(self, text, at=None):
        scanned.append(text)
        return scan(self, text, at)

    monkeypatch.setattr(regions._Index, "scan", spy)
    body = "宝峰镇人民政府2022年政府信息公开工作年度报告\n根据重庆市永川区政务公开工作安排，我镇……"
    r = resolve_region("靖安县宝峰镇2022年政府信息公开工作年度报告", "靖安县宝峰镇", body)
    assert r.township_code == "360925101"  # the title names the county: one candidate
    assert not any("永川区" in t for t in scanned)
    r = resolve_region("宝峰镇人民政府2022年政府信息公开工作年度报告", "宝峰镇人民政府", body)
    assert r.township_code == "500118110" and r.method == "body"  # a tie the body breaks
    assert any("永川区" in t for t in scanned)
