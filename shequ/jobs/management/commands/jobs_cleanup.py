"""``shequ jobs_cleanup`` — one round of the jobs' housekeeping, e.g. from cron."""

from django.core.management import BaseCommand

from shequ.jobs.housekeeping import housekeep


class Command(BaseCommand):
    help = (
        "把失去进程的任务标为失败，删除过期的导出文件和导入文件（任务进程也定期执行）。"
        " Fail interrupted jobs and delete expired export and import files."
    )

    def handle(self, *args, **options):
        stale, cleanup = housekeep()
        self.stdout.write(
            f"中断的任务：{stale}；删除的导出任务：{cleanup.export_jobs}；"
            f"删除的导入文件：{cleanup.import_files}"
        )
