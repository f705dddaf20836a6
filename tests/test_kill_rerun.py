"""A run killed with SIGKILL at every write point, then run again.

After the kill the published warehouse is the last complete one or the new complete one, never a
mix; after the rerun every report is there exactly once. The points are the ones marked with
pipeline.faults.checkpoint: before and after each Parquet file is put in place, the staging,
the manifest, the path log, each warehouse model and the publication.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import docs
from conftest import REPO, SAMPLES, one
from pipeline.parse import parse_report
from pipeline.store import lake
from pipeline.store.warehouse import build_warehouse

RUN = """
import sys
from pathlib import Path
from pipeline.parse import parse_report
from pipeline.store import lake
from pipeline.store.warehouse import build_warehouse
root = Path(sys.argv[1])
lake.ingest(root / "lake", [root / "raw"], parse=parse_report)
build_warehouse(root / "lake", root / "warehouse.duckdb")
"""


def _state(db: Path) -> dict:
    # One query, so the figures come from one snapshot of the file.
    names = ("reports", "distinct", "built_reports", "indicators", "applications", "logged")
    return dict(zip(names, one(db, """
        SELECT (SELECT count(*) FROM reports), (SELECT count(DISTINCT report_id) FROM reports),
               (SELECT n_reports FROM build_info), (SELECT count(*) FROM report_indicators),
               (SELECT count(*) FROM applications), (SELECT count(*) FROM ingest_log)""")))


@pytest.fixture(scope="module")
def baseline(tmp_path_factory) -> tuple[Path, dict, dict]:
    """A complete warehouse of three reports, and two new files waiting in the raw folder."""
    root = tmp_path_factory.mktemp("kill")
    raw = root / "raw"
    raw.mkdir()
    for name in ("000_8ae22ee27fc68654.txt", "001_ba2450cc1c30b59a.txt", "003_d0913d7d57e43191.txt"):
        shutil.copy(SAMPLES / name, raw / name)
    lake.ingest(root / "lake", [raw], parse=parse_report)
    build_warehouse(root / "lake", root / "warehouse.duckdb")
    before = _state(root / "warehouse.duckdb")
    (raw / "新 报告 1.txt").write_text(docs.report("tab", title=["靖安县双溪镇2022年政府信息公开工作年度报告"]))
    shutil.copy(SAMPLES / "004_7a0999e20e1424be.txt", raw / "因远镇.txt")
    done = root.parent / "kill-complete"
    shutil.copytree(root, done)
    lake.ingest(done / "lake", [done / "raw"], parse=parse_report)
    build_warehouse(done / "lake", done / "warehouse.duckdb")
    after = _state(done / "warehouse.duckdb")
    return root, before, after


def _run(root: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", RUN, str(root)], cwd=REPO, capture_output=True, text=True,
                          env={**os.environ, **env}, timeout=600)


def test_kill_at_every_write_point_then_rerun(baseline, tmp_path):
    root, before, after = baseline
    assert (before["reports"], after["reports"]) == (3, 5)
    probe = tmp_path / "probe"
    shutil.copytree(root, probe)
    log = tmp_path / "points.log"
    assert _run(probe, OGI_KILL_LOG=str(log)).returncode == 0
    points = log.read_text(encoding="utf-8").splitlines()
    assert len(points) >= 20  # every Parquet file, the manifest, the path log, each model, the publication

    outcomes = []
    for n in range(1, len(points) + 1):
        work = tmp_path / f"k{n}"
        shutil.copytree(root, work)
        killed = _run(work, OGI_KILL_AT=str(n))
        assert killed.returncode == -signal.SIGKILL, (points[n - 1], killed.stderr[-2000:])
        seen = _state(work / "warehouse.duckdb")
        # Old or new, never a mix: the published file is one of the two complete states.
        assert seen in (before, after), (points[n - 1], seen)
        outcomes.append(seen == after)
        lake.ingest(work / "lake", [work / "raw"], parse=parse_report)
        build_warehouse(work / "lake", work / "warehouse.duckdb")
        assert _state(work / "warehouse.duckdb") == after, points[n - 1]
        assert lake.lake_row_counts(work / "lake")["reports"] == after["reports"]
        shutil.rmtree(work)
    # The kill points span the whole run: before publication the old state, after it the new.
    assert outcomes[0] is False and outcomes[-1] is True
    print(f"kill points tried: {len(points)}, nothing lost or duplicated")
