from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "data" / "samples"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED = REPO.parent / "shared"


# The files that take minutes (a build killed at every step, then run again; durations from
# `pytest --durations`): collected first, so that `make test`'s two workers do not finish on one of
# them alone while the other waits.
SLOW_FILES = ("test_warehouse_incremental.py", "test_kill_rerun.py", "test_models_incremental.py",
              "test_compact.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: i for i, name in enumerate(SLOW_FILES)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: the rest keep their order


def ogi_run_on(root: Path, files: Iterable[Path] = (), texts: dict[str, str] | None = None) -> Path:
    """`ogi run` on a project folder whose data/raw/ holds copies of ``files`` and the reports
    ``texts`` (file name -> text); returns the warehouse it published."""
    from pipeline.cli import main

    raw = root / "data" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for name, text in (texts or {}).items():
        (raw / name).write_text(text, encoding="utf-8")
    for path in files:
        shutil.copy(path, raw)
    assert main(["run", "--root", str(root), "--no-dagster-record"]) == 0
    return root / "data" / "warehouse.duckdb"


def seed_cases() -> list[tuple[Path, dict]]:
    cases = []
    for expected in sorted((FIXTURES / "seeds").glob("*.json")):
        data = json.loads(expected.read_text(encoding="utf-8"))
        cases.append((SAMPLES / data["file"], data))
    return cases


_CACHE_DIRS: list[tuple[str | None, str]] = []  # (the variable as it was, the folder made)


def pytest_configure(config) -> None:
    """The built gazetteer index goes to a folder of this run, never to the user's ~/.cache. Set
    before collection (a module may parse at import) and inherited by subprocesses (`ogi run`)."""
    made = tempfile.mkdtemp(prefix="ogi-test-cache-")
    _CACHE_DIRS.append((os.environ.get("OGI_CACHE_DIR"), made))
    os.environ["OGI_CACHE_DIR"] = made


def pytest_unconfigure(config) -> None:
    if not _CACHE_DIRS:
        return
    old, made = _CACHE_DIRS.pop()
    shutil.rmtree(made, ignore_errors=True)
    if old is None:
        os.environ.pop("OGI_CACHE_DIR", None)
    else:
        os.environ["OGI_CACHE_DIR"] = old


@pytest.fixture(scope="session")
def parsed_seeds():
    from pipeline.parse import parse_report

    return {path.name: (parse_report(path.read_bytes(), str(path)), expected) for path, expected in seed_cases()}


def rows(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    """Rows of a read-only query on a warehouse file, as an analyst would open it."""
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def one(db: Path, sql: str, params: list | None = None) -> object:
    """The single row (or single value) a query must return."""
    got = rows(db, sql, params)
    assert len(got) == 1, got
    return got[0][0] if len(got[0]) == 1 else got[0]


def materialized_project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object, object]:
    """A project root with the samples and an empty data/raw/, materialised once by the whole-graph
    job: (root, settings, result). Shared by the Dagster test modules."""
    import shutil

    from assets.run import materialize_all, settings_for

    root = tmp_path_factory.mktemp("project")
    shutil.copytree(Path(__file__).resolve().parents[1] / "data" / "samples", root / "data" / "samples")
    (root / "data" / "raw").mkdir()
    settings = settings_for(root)
    return root, settings, materialize_all(settings, raise_on_error=True)
