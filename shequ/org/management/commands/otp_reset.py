from django.core.management import BaseCommand, CommandError

from shequ.org.models import User
from shequ.org.otp import otp_reset


class Command(BaseCommand):
    help = (
        "删除一个账号的两步验证（手机丢失且恢复码用完时），下次登录时重新设置。"
        "Remove a user's second factor so that the next login enrols anew."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--reason", required=True, help="kept in the change log (原因)")

    def handle(self, *args, username: str, reason: str, **options):
        if not reason.strip():
            raise CommandError("须说明原因 (a reason is required)")
        try:
            user = User.objects.get(username=username)
        except User.DoesNotExist as exc:
            raise CommandError(f"没有用户 {username} (no such user)") from exc
        otp_reset(user=user, actor=None, reason=reason.strip())
        self.stdout.write(f"已删除 {username} 的两步验证；下次登录时重新设置。")
