import time

from django.conf import settings
from django.core.management import BaseCommand, CommandError, call_command
from django.db import connection

from shequ.core.demo import DemoContext
from shequ.jobs.demo_runner import demo_logins, run_demo


class Command(BaseCommand):
    help = "载入确定性的演示数据（同一 --seed 得到同样的数据）。Load deterministic demo data."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        parser.add_argument(
            "--persons",
            type=int,
            default=None,
            help="active persons in the whole city (default: 示范街道's 21,333 plus about 40 "
            "per other community, about 39,000); a smaller number scales every unit down "
            "(the seed's exact figures hold only at the default), a larger one adds to the "
            "other communities; about 1%% departed or deceased records come on top",
        )
        parser.add_argument("--reset", action="store_true", help="empty a non-empty database first")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing (but print the logins) when demo data are already loaded",
        )

    def handle(self, *args, seed: int, persons: int | None, reset: bool, if_empty: bool, **options):
        from shequ.org.divisions import load_divisions
        from shequ.org.models import Division, OrgUnit

        # The demo's logins share one printed password: never on a production server.
        if not settings.DEBUG:
            raise CommandError(
                "演示数据只能在 DEBUG=1 时载入（演示账号的密码是公开的）。"
                " The demo creates logins with a published password; run it with DEBUG=1."
            )
        # Checked before anything else: a bad argument must not empty a database first.
        if persons is not None and persons < 0:
            raise CommandError("--persons must be zero or more")
        if OrgUnit.objects.exists():
            if if_empty and not reset:
                logins = demo_logins()
                if not logins:
                    self.stdout.write(
                        "数据库已有数据，但不是演示数据：未载入演示数据。"
                        " The database holds data that are not the demo; nothing loaded."
                    )
                    return
                self.stdout.write(
                    "演示数据已载入，未做改动。Demo data already loaded; nothing changed."
                )
                self._print_logins(logins)
                return
            if not reset:
                raise CommandError(
                    "数据库不是空的：演示数据只能载入空数据库。加 --reset 先清空（将删除全部数据）。"
                    " The database is not empty; add --reset to empty it first."
                )
            self.stdout.write("emptying the database …")
            call_command("flush", interactive=False, verbosity=0)
            load_divisions(Division)
        started = time.perf_counter()
        ctx = DemoContext(
            seed=seed, persons=persons if persons is not None else -1, log=self.stdout.write
        )
        self.stdout.write(f"loading demo data (seed {seed}) into {connection.vendor} …")
        run_demo(ctx)
        self.stdout.write(
            self.style.SUCCESS(f"demo loaded in {time.perf_counter() - started:.1f} s")
        )
        self._print_logins(demo_logins())

    def _print_logins(self, logins: list[tuple[str, str, str, str]]) -> None:
        if not logins:
            return
        self.stdout.write("\n演示账号 Demo logins (user / password / role · unit):")
        width = max(len(login[0]) for login in logins)
        for username, role, unit, password in logins:
            self.stdout.write(f"  {username.ljust(width)}  {password}  {role} · {unit}")
