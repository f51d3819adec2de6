"""``shequ export <kind> FILE.xlsx|FILE.csv`` — the same rows and file as the export page,
through the exporter the app registered, for the whole city (or ``--unit``'s subtree)."""

from pathlib import Path

from django.core.management import BaseCommand, CommandError
from django.http import QueryDict

from shequ.jobs.exports import SYSTEM_READER, exporter_for, exporters
from shequ.org.models import OrgUnit


class Command(BaseCommand):
    help = "导出楼栋、户、人员或流动记录为 Excel/CSV（可再导入）。Export a kind of records."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(exporters()))
        parser.add_argument("file", help="FILE.xlsx or FILE.csv")
        parser.add_argument("--unit", help="only this unit's subtree (code)")
        parser.add_argument(
            "--status",
            default="active",
            help="persons: active (default), departed, deceased, cancelled or all",
        )

    def handle(self, *args, kind, file, unit, status, **options):
        path = Path(file)
        fmt = path.suffix.lower().lstrip(".")
        if fmt not in ("xlsx", "csv"):
            raise CommandError("文件名须以 .xlsx 或 .csv 结尾。")
        if unit and not OrgUnit.objects.filter(code=unit).exists():
            raise CommandError(f"单位代码 {unit} 不存在。")
        # The list page's filters, as its form sends them (kinds without a status ignore it).
        data = QueryDict(mutable=True)
        data["status"] = status
        if unit:
            data["unit"] = unit
        exporter = exporter_for(kind)
        queryset = exporter.select(SYSTEM_READER, data)
        with path.open("wb") as out:
            # The system itself exports (actor None): identity numbers in full, no read logged.
            count = exporter.write(queryset, out, actor=None, fmt=fmt)
        self.stdout.write(self.style.SUCCESS(f"已导出 {count} 行到 {path}"))
