"""Starting the record of an `ogi run` in the project's Dagster instance, without importing Dagster.

Recording costs more than a small run: importing Dagster and its storage takes seconds, and its
sqlite storage commits each event on its own (a few hundredths of a second each, about thirty
events after a full build). So `ogi run` hands what it built to a detached process
(``python -m assets.record``, see record.py) and returns; the materialisations appear in the UI
a few seconds later. That process appends its errors, if any, to ``data/dagster_record.log``.

Which instance is the project's: ``$DAGSTER_HOME`` when set (as for the daemon:
``DAGSTER_HOME=$PWD dagster-daemon run``), else the ``dagster.yaml`` of the project folder, which
``dagster dev`` started there reads. Neither: nothing is recorded (InstanceNotFound).
"""
from __future__ import annotations

import dataclasses
import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

CONFIG_FILE = "dagster.yaml"
LOG_FILE = "data/dagster_record.log"  # under the project folder; *.log is git-ignored
REPO = Path(__file__).resolve().parents[1]  # where `python -m assets.record` imports from


class InstanceNotFound(LookupError):
    """No Dagster instance is configured for the project."""


def config_folder(root: Path) -> Path:
    """The folder whose dagster.yaml configures the project's instance; InstanceNotFound if none."""
    home = os.environ.get("DAGSTER_HOME")
    if home:
        if not os.path.isabs(home) or not os.path.isdir(home):
            raise InstanceNotFound(f"DAGSTER_HOME {home!r} is not an absolute path to a folder")
        return Path(home)
    if not (Path(root) / CONFIG_FILE).is_file():
        raise InstanceNotFound(f"DAGSTER_HOME is not set and {Path(root) / CONFIG_FILE} does not exist "
                               "(set DAGSTER_HOME, or leave the record out with --no-dagster-record)")
    return Path(root).resolve()


def payload(root: Path, build: object, ingest: Sequence[object] | None, outcomes: Sequence[object]) -> str:
    """What the recorder needs, as JSON: the project folder and the library's own result objects
    (BuildResult, StageResult and CommitResult, CheckOutcomes), field by field."""
    return json.dumps({
        "root": str(Path(root).resolve()),
        "build": dataclasses.asdict(build),  # type: ignore[arg-type]
        "ingest": [dataclasses.asdict(r) for r in ingest] if ingest is not None else None,  # type: ignore[arg-type]
        "outcomes": [dataclasses.asdict(o) for o in outcomes],  # type: ignore[arg-type]
    }, default=str, ensure_ascii=False)


def start_record(root: Path, build: object, ingest: Sequence[object] | None = None,
                 outcomes: Sequence[object] = ()) -> subprocess.Popen:
    """Start the detached recorder and hand it the run; returns at once (the process, for a caller
    that wants to wait). Raises InstanceNotFound, or ModuleNotFoundError without Dagster."""
    config_folder(root)
    if importlib.util.find_spec("dagster") is None:
        raise ModuleNotFoundError("Dagster is not installed")
    log = Path(root) / LOG_FILE
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as err:
        # its own session: a Ctrl-C meant for the shell's next command does not cut a record short
        proc = subprocess.Popen([sys.executable, "-m", "assets.record"], stdin=subprocess.PIPE,
                                stdout=subprocess.DEVNULL, stderr=err, cwd=REPO, start_new_session=True)
    assert proc.stdin is not None
    proc.stdin.write(payload(root, build, ingest, outcomes).encode())
    proc.stdin.close()
    return proc
