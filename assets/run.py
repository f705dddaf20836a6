"""`ogi run`: materialise every asset in-process (no server, no daemon) and print the outcome.

The run uses an ephemeral Dagster instance: nothing of Dagster's is written to disk and a
long-running daemon's sqlite storage is never touched. The lake and warehouse it writes are
the same as the daemon's, guarded by the library's file lock.
"""
from __future__ import annotations

import sys
from pathlib import Path

from dagster import DagsterInstance

from pipeline.store.summary import skipped_files_text, yearly_comparison_text

from .definitions import JOB_NAME, REPO_ROOT, OgiSettings, build_defs

_QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


def settings_for(repo_root: Path | None = None, raw_dir: Path | None = None, **overrides: object) -> OgiSettings:
    root = Path(repo_root) if repo_root is not None else REPO_ROOT
    fields: dict[str, object] = {"root": str(root)}
    if raw_dir is not None:
        fields["raw_dir"] = str(raw_dir)
    fields.update(overrides)
    return OgiSettings(**fields)


def materialize_all(settings: OgiSettings, instance: DagsterInstance | None = None,
                    sql_dir: Path | None = None, raise_on_error: bool = False):  # noqa: ANN201
    """One in-process run of every asset; returns Dagster's ExecuteInProcessResult."""
    defs = build_defs(settings, sql_dir=sql_dir)
    job = defs.resolve_job_def(JOB_NAME)
    if instance is None:
        with DagsterInstance.ephemeral() as inst:
            return job.execute_in_process(instance=inst, run_config=_QUIET, raise_on_error=raise_on_error)
    return job.execute_in_process(instance=instance, run_config=_QUIET, raise_on_error=raise_on_error)


def run_main(repo_root: Path | None = None, raw_dir: Path | None = None) -> int:
    """Materialise everything into <repo_root>/data, print progress, checks and the comparison.

    Returns 0 when every step succeeded (data-quality WARN checks do not fail the run).
    """
    settings = settings_for(repo_root, raw_dir, echo_progress=True)
    print(f"ogi: reading {', '.join(str(d) for d in settings.raw_dirs())}", flush=True)
    result = materialize_all(settings)
    failed = [e.step_key for e in result.get_step_failure_events()]
    for ev in result.get_asset_check_evaluations():
        if not ev.passed:
            level = ev.severity.value if ev.severity else "ERROR"
            print(f"ogi: check {ev.check_name} on {ev.asset_key.to_user_string()}: {level}: "
                  f"{ev.description or ''}", flush=True)
    if failed or not result.success:
        print(f"ogi: run failed in {', '.join(failed) or 'a step'}; the published warehouse was left as it was",
              file=sys.stderr)
        for ev in result.get_step_failure_events():
            err = ev.step_failure_data.error if ev.step_failure_data else None
            if err is not None:
                print(f"  {ev.step_key}: {err.message.strip()}", file=sys.stderr)
        return 1
    print(skipped_files_text(settings.warehouse))
    print(f"\nWarehouse: {settings.warehouse}  (query it: ogi query \"SELECT * FROM report_indicators\")")
    print("\nYearly comparison (table yearly_comparison; a few indicators, all are in the table):")
    print(yearly_comparison_text(settings.warehouse))
    return 0


def main() -> int:  # `python -m assets.run`
    return run_main()


if __name__ == "__main__":
    sys.exit(main())


__all__ = ["run_main", "materialize_all", "settings_for"]
