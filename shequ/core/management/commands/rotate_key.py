"""``shequ rotate_key`` — re-encrypt every stored identity number, health fact and job file
under the current ``SHEQU_DATA_KEY`` (docs/security.md "Rotating the key")."""

from django.apps import apps
from django.core.management import BaseCommand, CommandError
from django.db import connection, transaction

from shequ.core import crypto
from shequ.core.fields import EncryptedBinaryField, reencrypt_rows


def _encrypted_models():
    for model in apps.get_models():
        fields = model._meta.concrete_fields
        text = [f for f in fields if getattr(f, "encrypted", False)]
        files = [f for f in fields if isinstance(f, EncryptedBinaryField)]
        if text or files:
            yield model, text, files


def _left_under_other_keys(model, text_fields) -> int:
    """Rows of ``model`` with a value not under the current key (or in clear)."""
    if not text_fields:
        return 0
    quote = connection.ops.quote_name
    kid = crypto.current_key().key_id
    # substr: a value is "<cipher letter><key id>:…"; names come from the model's metadata.
    stale = " OR ".join(
        f"({quote(f.column)} <> '' AND substr({quote(f.column)}, 2, 8) <> %s)" for f in text_fields
    )
    sql = f"SELECT COUNT(*) FROM {quote(model._meta.db_table)} WHERE {stale}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [kid] * len(text_fields))
        return cursor.fetchone()[0]


def _file_key_ids(model, field) -> list[tuple[int, bytes]]:
    with connection.cursor() as cursor:
        quote = connection.ops.quote_name
        sql = (
            f"SELECT {quote(model._meta.pk.column)}, {quote(field.column)} "  # noqa: S608
            f"FROM {quote(model._meta.db_table)}"
        )
        cursor.execute(sql)
        return [(pk, bytes(blob or b"")) for pk, blob in cursor.fetchall()]


def _stale_file(blob: bytes) -> bool:
    if not blob:
        return False
    if not blob.startswith(crypto.FILE_MAGIC):
        return True
    head = len(crypto.FILE_MAGIC) + 1
    return blob[head : head + 8].decode() != crypto.current_key().key_id


class Command(BaseCommand):
    help = (
        "用当前密钥 SHEQU_DATA_KEY 重新加密身份证号码、健康信息和任务文件（旧密钥为 "
        "SHEQU_DATA_KEY_OLD），分批进行，可中断后重跑。"
        " Re-encrypt identity numbers, health facts and job files under the current key."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=2000, help="每批行数 (rows per batch)")
        parser.add_argument(
            "--check",
            action="store_true",
            help="只检查：还有多少行不在当前密钥下 (count rows not yet rotated; exit 1 if any)",
        )

    def handle(self, *args, batch: int, check: bool, **options):
        key = crypto.current_key()
        self.stdout.write(f"当前密钥编号 (current key id): {key.key_id}")
        left = 0
        for model, text_fields, file_fields in _encrypted_models():
            label = model._meta.label
            if not check:
                rows = reencrypt_rows(model, batch=batch)
                files = 0
                for field in file_fields:
                    for pk, blob in _file_key_ids(model, field):
                        if _stale_file(blob):
                            with transaction.atomic():
                                plain = crypto.decrypt_bytes(blob)
                                model._default_manager.filter(pk=pk).update(**{field.name: plain})
                            files += 1
                self.stdout.write(f"{label}: 重新加密 {rows} 行，{files} 个文件")
            stale = _left_under_other_keys(model, text_fields) + sum(
                1 for f in file_fields for _pk, blob in _file_key_ids(model, f) if _stale_file(blob)
            )
            if stale:
                self.stdout.write(
                    f"{label}: {stale} 行仍不在当前密钥下 (not under the current key)"
                )
            left += stale
        if left:
            if check:
                raise CommandError(f"{left} 行尚未换用当前密钥。")
            raise CommandError(f"{left} 行未能重新加密，请检查后重跑。")
        self.stdout.write(
            self.style.SUCCESS("全部数据均在当前密钥下 (all data is under the current key).")
        )
