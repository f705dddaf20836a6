"""The sensor that starts the job when new report files land in the raw folders."""

import hashlib

from dagster import DefaultSensorStatus, RunRequest, SensorEvaluationContext, SkipReason, sensor

from pipeline.store import lake

from .resources import JOB_NAME, OgiSettings


@sensor(name="new_report_files", job_name=JOB_NAME, minimum_interval_seconds=60,
        default_status=DefaultSensorStatus.RUNNING,
        description="Starts a run when a file with content the lake has not seen lands in the raw folders.")
def new_report_files(context: SensorEvaluationContext, ogi: OgiSettings) -> RunRequest | SkipReason:
    new = sorted({f.sha256 for f in lake.find_new_files(ogi.raw_dirs(), ogi.lake)})
    if not new:
        return SkipReason("no new report files")
    key = hashlib.sha256("".join(new).encode()).hexdigest()[:16]
    if key == context.cursor:
        return SkipReason(f"{len(new)} new files; a run for them was already requested")
    context.update_cursor(key)
    # run_key: the same set of new files never starts two runs, even if the cursor is lost
    return RunRequest(run_key=f"new-files-{key}", tags={"ogi/new_files": str(len(new))})
