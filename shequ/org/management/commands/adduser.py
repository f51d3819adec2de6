import getpass

from django.core.exceptions import ValidationError
from django.core.management import BaseCommand, CommandError
from django.utils.translation import gettext as _

from shequ.org import services
from shequ.org.models import OrgUnit
from shequ.org.roles import DATA_RIGHTS, Duty, Role


class Command(BaseCommand):
    help = "新建一个绑定到组织单位的工作人员账号。Create a staff user bound to one unit."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--unit", required=True, help="unit code, e.g. 340603020001")
        parser.add_argument("--password", help="asked for when not given")
        parser.add_argument("--name", default="", help="full name (姓名)")
        parser.add_argument("--phone", default="")
        parser.add_argument(
            "--duty",
            default="",
            choices=Duty.values,
            help="data (default; audit for an auditor), admin or audit",
        )
        parser.add_argument(
            "--rights",
            default="",
            help="data rights granted at set-up, comma-separated: "
            + ",".join(str(r) for r in DATA_RIGHTS),
        )

    def handle(self, *args, username, role, unit, password, name, phone, duty, rights, **options):
        try:
            unit_obj = OrgUnit.objects.get(code=unit)
        except OrgUnit.DoesNotExist as exc:
            raise CommandError(f"单位代码 {unit} 不存在 (no unit with code {unit})") from exc
        if not password:
            try:
                password = getpass.getpass("Password: ")
                again = getpass.getpass("Password (again): ")
            except EOFError as exc:
                # No terminal and nothing on stdin (a script, cron, docker exec without -t).
                raise CommandError(
                    _("没有可以输入密码的终端：请用 --password 给出密码，或在终端中运行。")
                ) from exc
            if password != again:
                raise CommandError("passwords differ")
        try:
            user = services.user_create(
                actor=None,
                username=username,
                full_name=name or username,
                role=role,
                unit=unit_obj,
                password=password,
                phone=phone,
                duty=duty,
                rights=[r.strip() for r in rights.split(",") if r.strip()],
            )
        except ValidationError as exc:
            messages = (
                "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
                if hasattr(exc, "error_dict")
                else " ".join(exc.messages)
            )
            raise CommandError(messages) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"created {user.username} ({Role(role).label}) at {unit_obj.name} {unit_obj.code}"
                + (f"; duty: {user.duty}" if user.duty != Duty.DATA else "")
                + (f"; rights: {','.join(user.data_rights)}" if user.data_rights else "")
            )
        )
