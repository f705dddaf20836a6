"""The job that materialises everything, the exports job, and the nightly schedules that start them."""

from dagster import AssetSelection, DefaultScheduleStatus, ScheduleDefinition, define_asset_job, in_process_executor

from .exports import EXPORTS
from .resources import EXPORTS_JOB, JOB_NAME

# In one process: the run's write lock (held by the ogi resource) covers every step, and no step
# pays for starting a Python process of its own.
# The exports are their own job: writing every province's workbooks and pages takes longer than a
# night with few new reports, and a failed export must not mark the warehouse's run failed.
ogi_all_job = define_asset_job(JOB_NAME, selection=AssetSelection.all() - AssetSelection.assets(EXPORTS),
                               executor_def=in_process_executor,
                               description="Everything: ingest new files, rebuild and publish the warehouse.")
exports_job = define_asset_job(EXPORTS_JOB, selection=AssetSelection.assets(EXPORTS), executor_def=in_process_executor,
                               description="The exports (data/exports/) from the published warehouse.")

nightly = ScheduleDefinition(name="nightly", job=ogi_all_job, cron_schedule="0 2 * * *",
                             execution_timezone="Asia/Shanghai",
                             default_status=DefaultScheduleStatus.RUNNING,
                             description="Every night at 02:00 Beijing time.")

nightly_exports = ScheduleDefinition(name="nightly_exports", job=exports_job, cron_schedule="30 3 * * *",
                                     execution_timezone="Asia/Shanghai",
                                     default_status=DefaultScheduleStatus.RUNNING,
                                     description="Every night at 03:30 Beijing time, after the 02:00 run.")
