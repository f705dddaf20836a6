"""One writer per project: a second run waits for the first or stops saying who is writing.

Reproduces the reliability issue's first case: two `ogi run` started a moment apart once
published a warehouse with half its tables. Now the run lock (pipeline.store.runlock) is held from
the first write to the publish, by `ogi run` and by the Dagster job alike, and dies with its process.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from assets.run import materialize_all, settings_for
from conftest import REPO, SAMPLES
from pipeline.cli import main

HOLD = """
import sys, time
from pathlib import Path
from pipeline.store import runlock
runlock.RunLock(Path(sys.argv[1])).acquire(owner="a test holder")
print("held", flush=True)
time.sleep(120)
"""


def _project(tmp_path: Path) -> Path:
    shutil.copytree(SAMPLES, tmp_path / "data" / "samples")
    return tmp_path


@pytest.fixture()
def holder(tmp_path: Path):
    root = _project(tmp_path)
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(root / "data")], stdout=subprocess.PIPE, text=True,
                            cwd=REPO)
    assert proc.stdout.readline().strip() == "held"
    yield root, proc
    proc.kill()
    proc.wait()


def _tables(db: Path) -> set[str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    finally:
        con.close()


def test_a_second_ogi_run_stops_naming_the_run_that_writes(holder, capsys) -> None:
    root, proc = holder
    assert main(["run", "--root", str(root), "--wait", "0.5"]) == 1
    err = capsys.readouterr().err
    assert f"another run is writing (pid {proc.pid}, since " in err and "a test holder" in err
    assert not (root / "data" / "warehouse.duckdb").exists()  # nothing was written
    assert not (root / "data" / "lake" / "_manifest.parquet").exists()


def test_a_killed_run_leaves_no_lock_behind(holder) -> None:
    root, proc = holder
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert main(["run", "--root", str(root), "--wait", "0"]) == 0
    assert "report_indicators" in _tables(root / "data" / "warehouse.duckdb")


def test_a_dagster_run_waits_for_the_lock_too(holder) -> None:
    root, _ = holder
    result = materialize_all(settings_for(root, run_lock_wait=0.5))
    assert not result.success
    assert not (root / "data" / "warehouse.duckdb").exists()


def test_two_ogi_runs_started_together_both_finish_and_publish_every_table(tmp_path: Path) -> None:
    root = _project(tmp_path)
    cmd = [sys.executable, "-m", "pipeline.cli", "run", "--root", str(root), "--wait", "600"]
    first = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    second = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    outs = [p.communicate(timeout=600) for p in (first, second)]
    assert [first.returncode, second.returncode] == [0, 0], [o[1][-500:] for o in outs]
    tables = _tables(root / "data" / "warehouse.duckdb")
    assert {"reports", "report_indicators", "ingest_log", "quality_issues", "yearly_comparison"} <= tables
    con = duckdb.connect(str(root / "data" / "warehouse.duckdb"), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM reports").fetchone()[0] == 5  # no report twice
    finally:
        con.close()
