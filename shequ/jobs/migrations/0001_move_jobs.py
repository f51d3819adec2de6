"""The import and export jobs move from core to the jobs app: the tables stay (``db_table``),
only Django's record of which app owns them changes."""

import django.db.models.deletion
import uuid
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("core", "0002_export_job"),  # the tables are there
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ExportJob",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("uid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                        (
                            "unit_code",
                            models.CharField(blank=True, max_length=14, verbose_name="单位代码"),
                        ),
                        ("kind", models.CharField(max_length=20, verbose_name="导出类型")),
                        (
                            "format",
                            models.CharField(
                                choices=[("xlsx", "Excel (.xlsx)"), ("csv", "CSV")],
                                max_length=4,
                                verbose_name="格式",
                            ),
                        ),
                        (
                            "filters",
                            models.TextField(
                                blank=True,
                                help_text="列表页的查询字符串。",
                                verbose_name="筛选条件",
                            ),
                        ),
                        (
                            "ip",
                            models.GenericIPAddressField(
                                blank=True, null=True, verbose_name="IP 地址"
                            ),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("queued", "排队中"),
                                    ("running", "进行中"),
                                    ("succeeded", "已完成"),
                                    ("failed", "失败"),
                                ],
                                default="queued",
                                max_length=10,
                                verbose_name="状态",
                            ),
                        ),
                        ("message", models.TextField(blank=True, verbose_name="说明")),
                        (
                            "total_rows",
                            models.PositiveIntegerField(default=0, verbose_name="总行数"),
                        ),
                        (
                            "processed_rows",
                            models.PositiveIntegerField(default=0, verbose_name="已写行数"),
                        ),
                        (
                            "row_count",
                            models.PositiveIntegerField(default=0, verbose_name="导出行数"),
                        ),
                        (
                            "filename",
                            models.CharField(blank=True, max_length=100, verbose_name="文件名"),
                        ),
                        (
                            "content",
                            models.BinaryField(blank=True, default=b"", verbose_name="文件内容"),
                        ),
                        (
                            "size",
                            models.PositiveBigIntegerField(default=0, verbose_name="文件大小"),
                        ),
                        (
                            "downloads",
                            models.PositiveIntegerField(default=0, verbose_name="下载次数"),
                        ),
                        (
                            "created_at",
                            models.DateTimeField(auto_now_add=True, verbose_name="提交时间"),
                        ),
                        (
                            "started_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="开始时间"),
                        ),
                        (
                            "finished_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="结束时间"),
                        ),
                        (
                            "actor",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="导出人",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "导出任务",
                        "verbose_name_plural": "导出任务",
                        "db_table": "core_exportjob",
                        "ordering": ["-created_at", "-id"],
                        "indexes": [
                            models.Index(
                                fields=["actor", "created_at"], name="exportjob_actor_created"
                            ),
                            models.Index(fields=["created_at"], name="exportjob_created"),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="ImportJob",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("uid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                        ("kind", models.CharField(max_length=20, verbose_name="导入类型")),
                        ("filename", models.CharField(max_length=200, verbose_name="文件名")),
                        (
                            "content",
                            models.BinaryField(blank=True, default=b"", verbose_name="文件内容"),
                        ),
                        (
                            "unit_code",
                            models.CharField(blank=True, max_length=14, verbose_name="单位代码"),
                        ),
                        (
                            "dry_run",
                            models.BooleanField(default=False, verbose_name="仅校验（试运行）"),
                        ),
                        ("update", models.BooleanField(default=False, verbose_name="更新已有记录")),
                        (
                            "take_good",
                            models.BooleanField(default=False, verbose_name="只导入无误的行"),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("queued", "排队中"),
                                    ("running", "进行中"),
                                    ("succeeded", "已完成"),
                                    ("failed", "失败"),
                                ],
                                default="queued",
                                max_length=10,
                                verbose_name="状态",
                            ),
                        ),
                        (
                            "phase",
                            models.CharField(
                                blank=True,
                                choices=[
                                    ("", "等待开始"),
                                    ("reading", "正在读取"),
                                    ("validating", "正在校验"),
                                    ("writing", "正在写入"),
                                    ("done", "结束"),
                                ],
                                max_length=12,
                                verbose_name="阶段",
                            ),
                        ),
                        ("message", models.TextField(blank=True, verbose_name="说明")),
                        (
                            "total_rows",
                            models.PositiveIntegerField(default=0, verbose_name="总行数"),
                        ),
                        (
                            "processed_rows",
                            models.PositiveIntegerField(default=0, verbose_name="已校验行数"),
                        ),
                        (
                            "created_count",
                            models.PositiveIntegerField(default=0, verbose_name="新增"),
                        ),
                        (
                            "updated_count",
                            models.PositiveIntegerField(default=0, verbose_name="更新"),
                        ),
                        (
                            "unchanged_count",
                            models.PositiveIntegerField(default=0, verbose_name="无变化"),
                        ),
                        (
                            "error_rows",
                            models.PositiveIntegerField(default=0, verbose_name="有问题的行"),
                        ),
                        ("applied", models.BooleanField(default=False, verbose_name="已写入")),
                        (
                            "report",
                            models.JSONField(blank=True, default=dict, verbose_name="问题清单"),
                        ),
                        (
                            "created_at",
                            models.DateTimeField(auto_now_add=True, verbose_name="提交时间"),
                        ),
                        (
                            "started_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="开始时间"),
                        ),
                        (
                            "finished_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="结束时间"),
                        ),
                        (
                            "actor",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="导入人",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "导入任务",
                        "verbose_name_plural": "导入任务",
                        "db_table": "core_importjob",
                        "ordering": ["-created_at", "-id"],
                        "indexes": [
                            models.Index(
                                fields=["unit_code", "created_at"], name="importjob_unit_created"
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
