"""The job that materialises everything, and the nightly schedule that starts it."""

from dagster import AssetSelection, DefaultScheduleStatus, ScheduleDefinition, define_asset_job, in_process_executor

from .resources import JOB_NAME

# In one process: the run's write lock (held by the ogi resource) covers every step, and no step
# pays for starting a Python process of its own.
ogi_all_job = define_asset_job(JOB_NAME, selection=AssetSelection.all(), executor_def=in_process_executor,
                               description="Everything: ingest new files, rebuild and publish the warehouse.")

nightly = ScheduleDefinition(name="nightly", job=ogi_all_job, cron_schedule="0 2 * * *",
                             execution_timezone="Asia/Shanghai",
                             default_status=DefaultScheduleStatus.RUNNING,
                             description="Every night at 02:00 Beijing time.")
