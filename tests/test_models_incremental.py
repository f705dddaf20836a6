"""The per-report models refreshed in place on an incremental build (models.update_models).

A new or re-read report can change the rows of reports that were not loaded again: the newest
document of a body and year is the current one, last year's report is compared with this year's,
and a neighbouring year chooses among the readings of a row whose digits ran together. Each test
checks such a row of an unchanged report by its expected value, and then the whole warehouse
against a forced full build of the same lake, row for row.
"""
from __future__ import annotations

import json
import shutil
import signal
from pathlib import Path
from types import SimpleNamespace

import pytest

from _fake_parser import doc, set_measure, write_doc, write_seeds
from _fake_parser import parse as fake_parse
from conftest import REPO, one, rows
from pipeline.store import lake, models, warehouse
from test_warehouse_incremental import _build_in_subprocess, _differences, _full_build_of

PER_REPORT = {"stg_reports", "correction_status", "stg_active_disclosure", "stg_applications",
              "stg_reviews_litigation", "quality_issues", "report_indicators", "report_indicator_values"}
# quality_issues reads check_results (rebuilt in full), report_indicators quality_issues, ...
LATE = ["quality_issues", "report_indicators", "report_indicator_values"]


def _ingest(lk: Path, raw: Path, version: str | None = None, parse=fake_parse) -> None:
    lake.ingest(lk, [raw], parse=parse, parser_version=version)


def _rid(wh: Path, path_part: str) -> str:
    return one(wh, "SELECT report_id FROM reports WHERE source_path LIKE ?", [f"%{path_part}"])


# --- the header line ------------------------------------------------------------------------

def _model(folder: Path, name: str, header: str, select: str) -> None:
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.sql").write_text(header + select, encoding="utf-8")


def test_the_header_line_declares_a_model_incremental_and_stays_out_of_its_description(tmp_path: Path) -> None:
    sql = tmp_path / "sql"
    _model(sql, "per_report", "-- per_report: one row per report.\n--\n"
           "-- incremental: body_key (a report's rows depend only on its body)\n--\n-- columns:\n"
           "--   report_id  the document\n--   body_key   the body\n",
           "SELECT report_id, org AS body_key FROM reports")
    _model(sql, "per_body", "-- per_body: reports per body.\n--\n-- columns:\n--   body_key  the body\n--   n  reports\n",
           "SELECT body_key, count(*) AS n FROM per_report GROUP BY body_key")
    _model(sql, "on_per_body", "-- on_per_body: declared, but reads a model rebuilt in full.\n"
           "-- incremental: body_key\n-- columns:\n--   report_id  the document\n",
           "SELECT r.report_id FROM per_report AS r JOIN per_body USING (body_key)")
    found = models.load_models(sql, ["reports"])
    assert found["per_report"].incremental == "body_key"
    assert found["per_report"].description == "one row per report."
    assert found["per_body"].incremental is None
    # a model reading a model rebuilt in full that has no report_id cannot be cut to a few reports
    # (which reports changed in it is not known): it is rebuilt in full too
    assert models.incremental_order(found) == ["per_report"]
    assert models.late_order(found) == []
    # one reading a full model with a report_id is refreshed after it, at its place in the order
    _model(sql, "per_body", "-- per_body: reports' bodies.\n--\n-- columns:\n--   report_id  the document\n"
           "--   body_key  the body\n", "SELECT report_id, body_key FROM per_report")
    found = models.load_models(sql, ["reports"])
    assert models.incremental_order(found) == ["per_report"]
    assert models.late_order(found) == ["on_per_body"] and models.late_inputs(found) == ["per_body"]

    _model(sql, "no_report", "-- no_report: x.\n-- incremental: body_key\n-- columns:\n--   body_key  the body\n",
           "SELECT org AS body_key FROM reports")
    with pytest.raises(ValueError, match="no report_id column"):
        models.load_models(sql, ["reports"])
    (sql / "no_report.sql").unlink()
    _model(sql, "other_key", "-- other_key: x.\n-- incremental: year\n-- columns:\n--   report_id  the document\n",
           "SELECT report_id FROM reports")
    with pytest.raises(ValueError, match="different incremental group columns"):
        models.load_models(sql, ["reports"])


def test_the_per_report_models_are_the_incremental_ones() -> None:
    found = warehouse.load_models()
    assert set(models.incremental_order(found)) | set(models.late_order(found)) == PER_REPORT
    assert models.late_order(found) == LATE
    assert models.late_inputs(found) == ["check_results"]


# --- rows of reports that were not loaded again ---------------------------------------------

def _parse_open_rows(data: bytes, source: str) -> SimpleNamespace:
    """The fake parser, plus crawled-text rows left open: {"open": {item: "i|r|f;i|r|f"}} makes the
    item's issued/repealed/in_force cells NULL with those readings, as the glued-digit reader does."""
    parsed = fake_parse(data, source)
    for item, readings in json.loads(data).get("open", {}).items():
        for rec in parsed.records["active_disclosure"]:
            if rec["item"] == item and rec["measure"] in ("issued", "repealed", "in_force"):
                rec["value"], rec["readings"] = None, readings
    return parsed


def test_last_years_report_changes_this_years_rows_without_reloading_it(tmp_path: Path) -> None:
    raw, lk, wh = tmp_path / "raw", tmp_path / "lake", tmp_path / "warehouse.duckdb"
    # 高安市八景镇 2022 (seed 000: 0 carried over; 6 documents issued, 0 repealed, 43 in force), with
    # its normative-documents row left open between two readings
    write_doc(raw, "bajing_2022.json", doc("000", open={"normative_documents": "6|0|43;60|0|4"}))
    write_seeds(raw, ("004",))
    _ingest(lk, raw, parse=_parse_open_rows)
    warehouse.build_warehouse(lk, wh)
    this_year = _rid(wh, "bajing_2022.json")
    assert rows(wh, "SELECT DISTINCT value_std FROM stg_active_disclosure WHERE report_id = ? "
                    "AND item = 'normative_documents'", [this_year]) == [(None,)]  # nothing decides yet

    # the body's 2021 report arrives: 37 in force at its end (37 + 6 - 0 = 43 fits the first reading
    # only), and 1 application carried forward by a natural person where 2022 says 0 were carried over
    last = set_measure(doc("000", report__year=2021), "normative_documents", "in_force", 37)
    last["applications"]["carried_forward"] = [1, 0, 0, 0, 0, 0, 1]
    write_doc(raw, "bajing_2021.json", last)
    _ingest(lk, raw, parse=_parse_open_rows)
    result = warehouse.build_warehouse(lk, wh, max_incremental_share=0.9)
    assert result.mode == warehouse.INCREMENTAL and result.reports_loaded == 1
    # and the check engine's results of the changed bodies (check_results: refreshed, not rerun)
    assert set(result.models_refreshed) == PER_REPORT | {"check_results"}
    assert result.reports_recomputed == 2  # the new report and the other one of its body, not 004
    last_year = _rid(wh, "bajing_2021.json")

    assert rows(wh, "SELECT measure, value_std, value_source FROM stg_active_disclosure WHERE report_id = ? "
                    "AND item = 'normative_documents' ORDER BY measure", [this_year]) == [
        ("in_force", 43, f"rolled forward from {last_year} (2021)"),
        ("issued", 6, f"rolled forward from {last_year} (2021)"),
        ("repealed", 0, f"rolled forward from {last_year} (2021)")]
    assert one(wh, "SELECT normative_documents_in_force FROM report_indicators WHERE report_id = ?",
               [this_year]) == 43
    assert rows(wh, "SELECT field, detail, related_report_id FROM quality_issues WHERE report_id = ? "
                    "AND code = 'carryover_mismatch' ORDER BY field", [this_year]) == [
        ("carried_over/natural_person", "0 carried over from 2021, but the 2021 report carried forward 1 "
                                        "(natural_person)", last_year),
        ("carried_over/total", "0 carried over from 2021, but the 2021 report carried forward 1 (total)", last_year)]
    assert _differences(wh, _full_build_of(lk, tmp_path)) == {}


def _moved_to_another_body(data: bytes, source: str) -> SimpleNamespace:
    """A newer parser that reads the corrected file as another town's report."""
    parsed = fake_parse(data, source)
    if "version" in json.loads(data):
        report = parsed.records["reports"][0]
        report.update(org="高安市另一镇", township="另一镇", township_code="360983199")
    return parsed


def test_the_current_report_moves_with_a_correction_and_back_when_the_correction_leaves_the_body(
        tmp_path: Path) -> None:
    raw, lk, wh = tmp_path / "raw", tmp_path / "lake", tmp_path / "warehouse.duckdb"
    write_seeds(raw, ("000", "001", "003"))
    _ingest(lk, raw, version="1")
    warehouse.build_warehouse(lk, wh)
    original = _rid(wh, "000.json")

    # a corrected 八景镇 2022: the newest document of the body and year is current, the original is not
    write_doc(raw, "000_corrected.json", doc("000", version=2))
    _ingest(lk, raw, version="1")
    result = warehouse.build_warehouse(lk, wh, max_incremental_share=0.9)
    assert result.mode == warehouse.INCREMENTAL and result.reports_recomputed == 2
    corrected = _rid(wh, "000_corrected.json")
    assert rows(wh, "SELECT report_id, is_current, n_versions, current_report_id FROM stg_reports "
                    "WHERE org = '高安市八景镇' ORDER BY is_current") == [
        (original, False, 2, corrected), (corrected, True, 2, corrected)]
    assert rows(wh, "SELECT DISTINCT is_current FROM stg_applications WHERE report_id = ?", [original]) == [(False,)]
    assert rows(wh, "SELECT report_id FROM report_indicators WHERE org = '高安市八景镇'") == [(corrected,)]
    assert one(wh, "SELECT count(*) FROM quality_issues WHERE code = 'duplicate_report'") == 2
    assert _differences(wh, _full_build_of(lk, tmp_path / "a")) == {}

    # a newer parser reads the corrected file (only it is in the folder now) as another town's
    # report: the original, not loaded again, is current again and no longer a duplicate
    aside = tmp_path / "aside"
    aside.mkdir()
    for name in ("000.json", "001.json", "003.json"):
        (raw / name).rename(aside / name)
    _ingest(lk, raw, version="2", parse=_moved_to_another_body)
    result = warehouse.build_warehouse(lk, wh, max_incremental_share=0.9)
    assert result.mode == warehouse.INCREMENTAL and result.reports_loaded == 1
    assert result.reports_recomputed == 2  # the moved report and the original it left behind
    assert rows(wh, "SELECT report_id, org, is_current, n_versions FROM stg_reports WHERE report_id IN (?, ?) "
                    "ORDER BY org", [original, corrected]) == [
        (original, "高安市八景镇", True, 1), (corrected, "高安市另一镇", True, 1)]
    assert rows(wh, "SELECT DISTINCT is_current FROM stg_applications WHERE report_id = ?", [original]) == [(True,)]
    assert one(wh, "SELECT count(*) FROM report_indicators WHERE report_id IN (?, ?)", [original, corrected]) == 2
    assert one(wh, "SELECT count(*) FROM quality_issues WHERE code = 'duplicate_report'") == 0
    assert _differences(wh, _full_build_of(lk, tmp_path / "b")) == {}


def test_a_report_in_no_changed_body_keeps_its_rows_untouched(tmp_path: Path) -> None:
    raw, lk, wh = tmp_path / "raw", tmp_path / "lake", tmp_path / "warehouse.duckdb"
    write_seeds(raw, ("000", "003"))
    _ingest(lk, raw)
    warehouse.build_warehouse(lk, wh)
    work = warehouse.working_path(wh)
    # a mark only a rerun of the model would wipe: 003's rows are not recomputed for 004's arrival
    import duckdb
    con = duckdb.connect(str(work))
    con.execute("UPDATE stg_reviews_litigation SET line = -1 WHERE report_id = "
                "(SELECT report_id FROM reports WHERE org = '靖安县宝峰镇')")
    con.close()
    write_seeds(raw, ("004",))
    _ingest(lk, raw)
    result = warehouse.build_warehouse(lk, wh, max_incremental_share=0.9)
    assert result.mode == warehouse.INCREMENTAL and result.reports_recomputed == 1
    assert one(wh, "SELECT count(*) FROM stg_reviews_litigation WHERE line = -1") == 15  # 3 proceedings x 5


# --- when the kept models cannot be trusted -------------------------------------------------

def test_models_changed_run_in_full_and_a_kill_then_leaves_no_incremental_base(tmp_path: Path) -> None:
    root = tmp_path / "root"
    raw, lk, wh = root / "raw", root / "lake", root / "warehouse.duckdb"
    write_seeds(raw, ("000", "003"))
    _ingest(lk, raw)
    warehouse.build_warehouse(lk, wh)
    write_seeds(raw, ("004",))
    _ingest(lk, raw)
    # other models: every report counts one more issue
    changed = tmp_path / "sql"
    shutil.copytree(REPO / "sql", changed)
    path = changed / "report_indicators.sql"
    text = path.read_text(encoding="utf-8")
    assert text.count("coalesce(q.n_quality_issues, 0) AS") == 1
    path.write_text(text.replace("coalesce(q.n_quality_issues, 0) AS", "coalesce(q.n_quality_issues, 0) + 1 AS"),
                    encoding="utf-8")

    probe = tmp_path / "probe"
    shutil.copytree(root, probe)
    log = tmp_path / "points.log"
    assert _build_in_subprocess(probe, changed, OGI_KILL_LOG=str(log)).returncode == 0
    # the changed models ran in full over the updated lake tables, not refreshed from the old ones
    assert one(probe / "warehouse.duckdb", "SELECT count(*) FROM report_indicators WHERE n_quality_issues = 0") == 0
    points = log.read_text(encoding="utf-8").splitlines()
    last_model = max(i for i, p in enumerate(points, 1) if "warehouse: model " in p)

    # killed after the last model, before publishing: the working file holds the changed models'
    # tables over the new lake rows. Built again with the models as they were, it is a full build.
    killed = _build_in_subprocess(root, changed, OGI_KILL_AT=str(last_model))
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    result = warehouse.build_warehouse(lk, wh, max_incremental_share=0.9)
    assert result.mode == warehouse.FULL
    assert _differences(wh, _full_build_of(lk, tmp_path)) == {}


def test_changed_rules_run_the_engine_in_full_on_an_incremental_build(tmp_path: Path) -> None:
    """check_results is refreshed for the changed bodies only while the rules are those it was made
    by; the rules' hash is a build input, and a build whose kept file was made by other rules runs
    every rule again (here a mark only such a run wipes: a result of an unchanged body edited)."""
    import duckdb

    raw, lk, wh = tmp_path / "raw", tmp_path / "lake", tmp_path / "warehouse.duckdb"
    write_seeds(raw, ("000", "003"))
    _ingest(lk, raw)
    warehouse.build_warehouse(lk, wh)

    def mark_and_add(seed: str, rules_hash: str | None) -> warehouse.BuildResult:
        con = duckdb.connect(str(warehouse.working_path(wh)))
        con.execute("UPDATE check_results SET detail = 'mark' WHERE report_id = "
                    "(SELECT report_id FROM reports WHERE org = '靖安县宝峰镇')")
        if rules_hash is not None:  # the kept file says it was made by other rules
            built = json.loads(con.execute("SELECT built_from FROM build_info").fetchone()[0])
            con.execute("UPDATE build_info SET built_from = ?", [json.dumps({**built, "rules": rules_hash})])
        con.close()
        write_seeds(raw, (seed,))
        _ingest(lk, raw)
        return warehouse.build_warehouse(lk, wh, max_incremental_share=0.9)

    # same rules: 宝峰镇 (003) is in no changed body, its results are not recomputed
    result = mark_and_add("004", None)
    assert result.mode == warehouse.INCREMENTAL and "check_results" in result.models_refreshed
    assert one(wh, "SELECT count(*) FROM check_results WHERE detail = 'mark'") > 0
    # other rules: every result is made again
    result = mark_and_add("002", "other rules")
    assert result.mode == warehouse.INCREMENTAL and "check_results" not in result.models_refreshed
    assert one(wh, "SELECT count(*) FROM check_results WHERE detail = 'mark'") == 0
    assert _differences(wh, _full_build_of(lk, tmp_path)) == {}
