"""A run killed with SIGKILL at every write point, then run again.

After the kill the published warehouse is the last complete one or the new complete one, never a
mix; after the rerun every report is there exactly once. The points are the ones marked with
pipeline.faults.checkpoint: before and after each Parquet file is put in place, the staging,
the manifest, the path log, each warehouse model and the publication.

Every kind of point is tried; of a run of points of the same kind (one part file per table, one
model after another in the unpublished working file), the first two and the last two: the points
in between leave the same state behind, and trying each of ~45 points cost 2 to 5 minutes.
"""
from __future__ import annotations

import os
import re
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


# A part file per table (written, then in place) and a model after another are runs of one kind.
_KIND = re.compile(r"lake: part-|warehouse: model ")


def _points_to_try(points: list[str]) -> list[int]:
    """1-based indices: every point whose kind differs from its neighbours', and the first two and
    the last two of each run of points of one kind."""
    kinds = [(m.group(0) if (m := _KIND.search(p)) else p.split("\t", 1)[-1]) for p in points]
    chosen: set[int] = set()
    start = 0
    for i in range(1, len(kinds) + 1):
        if i == len(kinds) or kinds[i] != kinds[start]:
            chosen |= {n for n in (start + 1, start + 2, i - 1, i) if start < n <= i}
            start = i
    return sorted(chosen)


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
    tried = _points_to_try(points)
    assert tried[0] == 1 and tried[-1] == len(points)
    assert any("model" in points[n - 1] for n in tried) and any("published" in points[n - 1] for n in tried)
    for n in tried:
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
    print(f"kill points tried: {len(tried)} of {len(points)}, nothing lost or duplicated")
