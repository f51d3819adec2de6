"""``shequ db_worker`` — django-tasks-db's worker, with the jobs' housekeeping beside it.

When it starts and every ``JOB_HOUSEKEEPING_SECONDS`` after, a thread fails the jobs whose
worker died and deletes the files kept past their time (``shequ.jobs.housekeeping``).
"""

import os

from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands import db_worker

from shequ.jobs.housekeeping import start_housekeeping


class Command(db_worker.Command):
    help = (
        "运行后台任务进程（导入、导出等）；同时把失去进程的任务标为失败，并删除过期文件。"
        " Run the task worker, with the jobs' housekeeping."
    )

    def handle(self, *args, **options):
        # With --reload the first process only watches the files; its child does the work.
        if not options.get("reload") or os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
            start_housekeeping()
        return super().handle(*args, **options)
