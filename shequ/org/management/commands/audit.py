from django.core.management import BaseCommand, CommandError

from shequ.org.audit_chain import CHAINS, prune, retention_days, verify


class Command(BaseCommand):
    help = (
        "审计日志：verify 校验哈希链，prune 删除超过保存期限的记录。"
        " Audit log: verify walks the hash chains and names the first row that was changed;"
        " prune deletes rows older than AUDIT_RETENTION_DAYS (at least 184) and keeps the"
        " chains verifiable."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        sub.add_parser("verify", help="walk both chains; exit 1 at the first changed row")
        sub.add_parser("prune", help="delete rows older than the retention (a cron job)")

    def handle(self, *args, subcommand: str, **options):
        if subcommand == "verify":
            self._verify()
        else:
            self._prune()

    def _verify(self) -> None:
        broken = []
        for chain in CHAINS.values():
            verdict = verify(chain)
            name = chain.model._meta.db_table
            if verdict.ok:
                self.stdout.write(f"{name}: {verdict.message}")
            else:
                broken.append(verdict.message)
                self.stderr.write(f"{name}: {verdict.message}")
        if broken:
            raise CommandError("audit chain broken: " + "; ".join(broken))

    def _prune(self) -> None:
        try:
            days = retention_days()
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        for chain in CHAINS.values():
            try:
                pruned = prune(chain)
            except ValueError as exc:
                raise CommandError(f"refused to prune: {exc}") from exc
            name = chain.model._meta.db_table
            self.stdout.write(f"{name}: {pruned.rows} rows older than {days} days deleted")
