"""Where things are: the ``ogi`` resource every asset and the sensor take, and the shared names.

The constants live here, at the bottom of the import graph, so that assets.py, checks.py,
schedules.py, sensors.py and definitions.py can all import them without importing each other.
"""

import importlib
import os
from collections.abc import Callable
from pathlib import Path

from dagster import ConfigurableResource, InitResourceContext, OpExecutionContext

from pipeline.store import runlock, warehouse
from pipeline.store.budget import Budget

REPO_ROOT = Path(__file__).resolve().parents[1]
# Every asset that writes the lake or a DuckDB file is in this pool; dagster.yaml gives it one slot.
POOL = "duckdb"
JOB_NAME = "ogi_all"
EXPORTS_JOB = "ogi_exports"
# Who answers for every asset (the UI's Owners; Dagster takes an e-mail or "team:<name>").
OWNERS = ["team:ogi-pipeline"]


class OgiSettings(ConfigurableResource):
    """Where things are. Relative paths are relative to ``root`` (default: the repo root)."""

    root: str = ""
    raw_dir: str = "data/raw"
    include_samples: bool = True
    samples_dir: str = "data/samples"
    lake_dir: str = "data/lake"
    warehouse_path: str = "data/warehouse.duckdb"
    # A run holds the project's write lock from start to end (see pipeline.store.runlock); a
    # second run waits this long for it, then fails with who holds it.
    run_lock_wait: float = 60.0
    # What one file may cost to parse (see pipeline.store.budget); past it the file is crashed.
    file_seconds: float = 120.0
    file_memory_mb: int = 2048
    # "module:function" with parse_report's signature; empty means pipeline.parse.parse_report.
    parse_function: str = ""
    # `ogi run` prints one line per stage; in the Dagster UI the same lines go to the run log.
    echo_progress: bool = False

    def path(self, p: str) -> Path:
        base = Path(self.root) if self.root else REPO_ROOT
        q = Path(p)
        return q if q.is_absolute() else base / q

    def raw_dirs(self) -> list[Path]:
        dirs = [self.path(self.raw_dir)]
        if self.include_samples:
            dirs.append(self.path(self.samples_dir))
        return dirs

    @property
    def lake(self) -> Path:
        return self.path(self.lake_dir)

    @property
    def warehouse(self) -> Path:
        return self.path(self.warehouse_path)

    @property
    def work(self) -> Path:
        return warehouse.working_path(self.warehouse)

    # The job runs its steps in one process (in_process executor), where the resource is set up
    # once per run: the lock is taken before the first step and let go after the last, even when
    # a step fails. A sensor evaluation has no run and takes no lock.
    def setup_for_execution(self, context: InitResourceContext) -> None:
        if context.run is not None:
            runlock.RunLock(self.warehouse.parent).acquire(self.run_lock_wait,
                                                           owner=f"dagster run {context.run.run_id[:8]}")

    def teardown_after_execution(self, context: InitResourceContext) -> None:
        if context.run is not None:
            runlock.RunLock(self.warehouse.parent).release()

    def parser_version(self) -> str | None:
        """The built-in parser's version; a parser named in settings has none, so nothing is re-parsed."""
        if self.parse_function:
            return None
        from pipeline.parse import parser_version

        return parser_version()

    def budget(self) -> Budget:
        return Budget(self.file_seconds, self.file_memory_mb)

    def parser(self) -> Callable[[bytes, str], object]:
        """What every parse step runs: the parser named in settings, else the one `ogi run` uses
        (parse_report, then the analyse step filling statement_terms and statement_themes)."""
        if not self.parse_function:
            from pipeline.analyse.step import parse_and_analyse

            return parse_and_analyse
        module, _, name = self.parse_function.partition(":")
        return getattr(importlib.import_module(module), name)

    def progress(self, context: OpExecutionContext | None, message: str, log: bool = True) -> None:
        """One progress line: to the run's log (unless `log` is false) and, with echo_progress, to stdout.

        A line in the run's log is an event Dagster stores (a few sqlite commits): a step that
        reports many small things logs one summary line instead."""
        if context is not None and log:
            context.log.info(message)
        if self.echo_progress:
            print(f"ogi: {message}", flush=True)


def settings_from_env() -> OgiSettings:
    """The settings of `dagster dev` / `dagster asset materialize`: OGI_ROOT (the folder holding
    data/, default this checkout), OGI_RAW_DIR and OGI_INCLUDE_SAMPLES."""
    return OgiSettings(
        root=os.environ.get("OGI_ROOT", ""),
        raw_dir=os.environ.get("OGI_RAW_DIR", "data/raw"),
        include_samples=os.environ.get("OGI_INCLUDE_SAMPLES", "1") not in ("0", "false", "no"),
    )
