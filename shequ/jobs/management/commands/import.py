"""``shequ import <kind> FILE`` — the web import's engine, run at once from the command line."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management import BaseCommand, CommandError

from shequ.jobs.import_jobs import job_outcome
from shequ.jobs.imports import import_job_create, import_job_run, importers
from shequ.org.models import OrgUnit


class Command(BaseCommand):
    help = (
        "导入 Excel/CSV 文件（楼栋、户、人员），逐行校验并报告问题；全部通过时退出码为 0。"
        " Import an .xlsx/.csv file; exit status 0 only when every row was accepted."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(importers()), help="what the file holds")
        parser.add_argument("file", help="an .xlsx or .csv file with the template's headers")
        parser.add_argument("--dry-run", action="store_true", help="validate only, write nothing")
        parser.add_argument(
            "--update", action="store_true", help="update records already registered in scope"
        )
        parser.add_argument(
            "--take-good",
            action="store_true",
            help="write the rows without problems even when other rows have some",
        )
        parser.add_argument(
            "--unit", help="only touch this unit's subtree (code); default: the whole deployment"
        )

    def handle(self, *args, kind, file, dry_run, update, take_good, unit, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"文件不存在：{file}")
        if unit and not OrgUnit.objects.filter(code=unit).exists():
            raise CommandError(f"单位代码 {unit} 不存在。")
        try:
            job = import_job_create(
                actor=None,
                kind=kind,
                filename=path.name,
                content=b"",
                dry_run=dry_run,
                update=update,
                take_good=take_good,
                unit_code=unit,
                keep_content=False,  # the file stays on disk; the job keeps the report
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        with path.open("rb") as handle:
            import_job_run(job, source=handle)

        for row, column, message in job.report.get("errors", []):
            where = f"第{row}行" + (f" [{column}]" if column else "")
            self.stdout.write(f"{where} {message}")
        if job.report.get("more"):
            self.stdout.write(f"……另有 {job.report['more']} 个问题未列出。")
        self.stdout.write(
            f"共 {job.total_rows} 行：新增 {job.created_count}，更新 {job.updated_count}，"
            f"无变化 {job.unchanged_count}，有问题 {job.error_rows}"
            + ("（试运行，未写入）" if job.dry_run else "")
        )
        outcome = job_outcome(job)
        if not job.accepted_all:
            raise CommandError(outcome, returncode=1)
        self.stdout.write(self.style.SUCCESS(outcome))
