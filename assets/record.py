"""What an `ogi run` built, recorded in the project's Dagster instance.

`ogi run` calls the library directly, not Dagster; without this record the UI (``dagster dev``)
would show every asset as "Never materialized" after it. After a run publishes, each asset it
updated gets a runless materialisation (``DagsterInstance.report_runless_asset_event``) with the
same metadata a Dagster run gives it (row counts, column schemas with their DuckDB types), and
the data checks it evaluated are recorded against their asset checks. A run that found nothing
changed records the ingest assets only, as the Dagster job does (it skips the rest).

The instance is the one ``dagster dev`` uses for the project (recording.config_folder):
``$DAGSTER_HOME`` when set, else the ``dagster.yaml`` of the project folder (the repo root, or
``ogi run --root``). Relative paths in that file are read from its folder, whatever the current
directory.

`ogi run` does not call this in its own process (see recording.py): it starts
``python -m assets.record`` and writes the run to its stdin as JSON (recording.payload).
"""
from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from dagster import AssetKey, AssetMaterialization, DagsterInstance, MetadataValue
from dagster._core.instance.config import dagster_instance_config
from dagster._core.instance.ref import InstanceRef

from pipeline.store import lake, warehouse

from . import checks
from .recording import config_folder
from .metadata import describe, model_schema, table_metadata

RECORDED_BY = "recorded by `ogi run` (the library run without Dagster)"
PUBLISHED = "published_warehouse"


def _anchored(value: object, folder: Path) -> object:
    """The config with every relative ``base_dir`` made absolute against ``folder``: Dagster reads
    them against the current directory, which for `ogi run` can be anywhere."""
    if isinstance(value, Mapping):
        return {k: (str(folder / v) if k == "base_dir" and isinstance(v, str) and not os.path.isabs(v)
                    else _anchored(v, folder)) for k, v in value.items()}
    return value


@contextmanager
def project_instance(root: Path) -> Iterator[DagsterInstance]:
    """The project's persistent Dagster instance, opened for the time of the block."""
    folder = config_folder(root)
    config, _ = dagster_instance_config(str(folder))
    overrides = {k: _anchored(v, folder) for k, v in config.items() if isinstance(v, Mapping)}
    with DagsterInstance.from_ref(InstanceRef.from_dir(str(folder), overrides=overrides)) as instance:
        yield instance


def materializations(build: warehouse.BuildResult, ingest: tuple[lake.StageResult, lake.CommitResult] | None = None,
                     sql_dir: Path = warehouse.SQL_DIR) -> list[AssetMaterialization]:
    """The materialisations a Dagster run doing the same work would have recorded."""
    out: list[AssetMaterialization] = []

    def add(key: str, metadata: dict[str, object]) -> None:
        out.append(AssetMaterialization(asset_key=AssetKey(key), description=RECORDED_BY, metadata=metadata))

    if ingest is not None:
        staged, committed = ingest
        add("raw_report_files", {"files": staged.n_files, "new_files": staged.n_files - staged.n_known})
        add("parsed_reports", {"files": staged.n_files, "already_in_lake": staged.n_known,
                               "parsed": staged.n_parsed, "rejected": staged.n_rejected})
        add("parquet_lake", {"reports_added": committed.n_reports, "rejected_files_recorded": committed.n_rejected,
                             "batch_id": committed.batch_id or "none (nothing new)",
                             "files_written": committed.files_written, "orphans_removed": committed.orphans_removed})
    if build.mode == warehouse.UNCHANGED or not build.models:
        return out  # nothing was loaded or published
    db = Path(build.warehouse_path)
    models = warehouse.load_models(sql_dir)
    columns = describe(db, build.models)  # the models' names and types as published
    for name, rows in build.rows.items():
        schema = model_schema(models[name], columns.get(name)) if name in models else None
        add(name, {**table_metadata(db, name, rows, schema), "build": build.mode})
    add(PUBLISHED, {"path": MetadataValue.path(str(db)), "bytes": db.stat().st_size,
                    "storage_version": warehouse.STORAGE_VERSION,
                    "published_at": time.strftime("%Y-%m-%d %H:%M:%S %z")})
    return out


def record_run(root: Path, build: warehouse.BuildResult,
               ingest: tuple[lake.StageResult, lake.CommitResult] | None = None,
               outcomes: Sequence[warehouse.CheckOutcome] = (), instance: DagsterInstance | None = None) -> int:
    """Record one `ogi run` in the project's instance (or ``instance``); returns the number of
    events written. Raises InstanceNotFound when no instance is configured."""
    events = [*materializations(build, ingest), *checks.evaluations(list(outcomes))]
    if instance is not None:
        return _report(instance, events)
    with project_instance(root) as opened:
        return _report(opened, events)


def _report(instance: DagsterInstance, events: Sequence[object]) -> int:
    for event in events:
        instance.report_runless_asset_event(event)  # type: ignore[arg-type]
    return len(events)


def _from_payload(data: dict) -> tuple[Path, warehouse.BuildResult, tuple | None, list[warehouse.CheckOutcome]]:
    build = warehouse.BuildResult(**{**data["build"], "warehouse_path": Path(data["build"]["warehouse_path"]),
                                     "built_at": None})
    ingest = None
    if data["ingest"] is not None:
        staged, committed = data["ingest"]
        ingest = (lake.StageResult(**staged), lake.CommitResult(**committed))
    return Path(data["root"]), build, ingest, [warehouse.CheckOutcome(**o) for o in data["outcomes"]]


def main() -> int:
    """`python -m assets.record`: record the run given as JSON on stdin (what `ogi run` starts)."""
    root, build, ingest, outcomes = _from_payload(json.loads(sys.stdin.read()))
    try:
        record_run(root, build, ingest, outcomes)
    except Exception as err:
        print(f"{time.strftime('%Y-%m-%d %H:%M:%S %z')} ogi: the run that published {build.warehouse_path} was "
              f"not recorded in Dagster: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
