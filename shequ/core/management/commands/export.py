"""``shequ export <kind> FILE.xlsx|FILE.csv`` — the same file the export page gives."""

from pathlib import Path

from django.core.management import BaseCommand, CommandError
from django.http import QueryDict

from shequ.org.models import OrgUnit
from shequ.registry.models import Building, Household, Person
from shequ.registry.selectors import BuildingFilter, HouseholdFilter, PersonFilter
from shequ.registry.tables import TABLES, export_write


class Command(BaseCommand):
    help = "导出楼栋、户或人员为 Excel/CSV（可再导入）。Export buildings, households or persons."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(TABLES))
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
        data = QueryDict(mutable=True)
        if unit:
            data["unit"] = unit
        if kind == "persons":
            data["status"] = status
            queryset = PersonFilter(data, queryset=Person.objects.all()).qs
        elif kind == "buildings":
            queryset = BuildingFilter(data, queryset=Building.objects.all()).qs
        else:
            queryset = HouseholdFilter(data, queryset=Household.objects.all()).qs
        with path.open("wb") as out:
            # The system itself exports: identity numbers in full, nobody's read to log.
            count = export_write(kind, queryset, out, actor=None, fmt=fmt)
        self.stdout.write(self.style.SUCCESS(f"已导出 {count} 行到 {path}"))
