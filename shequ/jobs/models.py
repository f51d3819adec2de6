"""The jobs engine's data: the import and export jobs of the tabular engine."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shequ.core.fields import EncryptedBinaryField


class ImportJob(models.Model):
    """One uploaded file being (or having been) imported, with its progress and its report.

    The file itself is kept in the database, not on a disk: several app servers and the task
    worker share one database, and the job must be readable by whichever runs it. The job
    hangs on the tree by the unit of the user who started it, so jurisdiction scoping shows
    it to that unit and the units above.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("进行中")
        SUCCEEDED = "succeeded", _("已完成")
        FAILED = "failed", _("失败")

    class Phase(models.TextChoices):
        WAITING = "", _("等待开始")
        READING = "reading", _("正在读取")
        VALIDATING = "validating", _("正在校验")
        WRITING = "writing", _("正在写入")
        DONE = "done", _("结束")

    scope_field = "unit_code"

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("导入类型"), max_length=20)
    filename = models.CharField(_("文件名"), max_length=200)
    content = EncryptedBinaryField(_("文件内容"), blank=True, default=b"", editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("导入人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # The code of the unit whose subtree the import may touch (the user's unit, or the
    # --unit of the command); empty for the system acting on the whole deployment.
    unit_code = models.CharField(_("单位代码"), max_length=14, blank=True)

    dry_run = models.BooleanField(_("仅校验（试运行）"), default=False)
    update = models.BooleanField(_("更新已有记录"), default=False)
    take_good = models.BooleanField(_("只导入无误的行"), default=False)

    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    phase = models.CharField(_("阶段"), max_length=12, choices=Phase.choices, blank=True)
    message = models.TextField(_("说明"), blank=True)
    total_rows = models.PositiveIntegerField(_("总行数"), default=0)
    processed_rows = models.PositiveIntegerField(_("已校验行数"), default=0)
    created_count = models.PositiveIntegerField(_("新增"), default=0)
    updated_count = models.PositiveIntegerField(_("更新"), default=0)
    unchanged_count = models.PositiveIntegerField(_("无变化"), default=0)
    error_rows = models.PositiveIntegerField(_("有问题的行"), default=0)
    applied = models.BooleanField(_("已写入"), default=False)
    report = models.JSONField(_("问题清单"), default=dict, blank=True)

    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    # Set while the job runs, at least every JOB_HEARTBEAT_SECONDS: a running job whose
    # heartbeat stopped lost its worker (jobs/housekeeping.py).
    heartbeat_at = models.DateTimeField(_("最近心跳"), null=True, blank=True, editable=False)

    class Meta:
        db_table = "core_importjob"  # the table from before the jobs app; kept, not copied
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["unit_code", "created_at"], name="importjob_unit_created")]

    def __str__(self) -> str:
        return f"{self.kind} {self.filename}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)

    @property
    def accepted_all(self) -> bool:
        """Every row of the file was accepted (what the command's exit status reports)."""
        return self.status == self.Status.SUCCEEDED and self.error_rows == 0

    @property
    def progress(self) -> int:
        """Percent of the rows validated so far (writing is reported by ``phase``)."""
        if self.status == self.Status.SUCCEEDED:
            return 100
        if not self.total_rows:
            return 0
        return min(100, self.processed_rows * 100 // self.total_rows)

    @property
    def valid_rows(self) -> int:
        return self.created_count + self.updated_count + self.unchanged_count


class ExportJob(models.Model):
    """One export too large to build within a request: its filters, progress and file.

    The job keeps the filters as the query string the user sent, never a queryset: the task
    applies the actor's jurisdiction and role when it runs. The file is kept in the
    database, like an import's upload, for whichever app server the download reaches. Only
    the actor may see the job and download the file.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("进行中")
        SUCCEEDED = "succeeded", _("已完成")
        FAILED = "failed", _("失败")

    class Format(models.TextChoices):
        XLSX = "xlsx", "Excel (.xlsx)"
        CSV = "csv", "CSV"

    scope_field = "unit_code"

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("导出人"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    # The actor's unit when the job was asked for (the audit log's and the admin's view).
    unit_code = models.CharField(_("单位代码"), max_length=14, blank=True)
    kind = models.CharField(_("导出类型"), max_length=20)
    format = models.CharField(_("格式"), max_length=4, choices=Format.choices)
    filters = models.TextField(_("筛选条件"), blank=True, help_text=_("列表页的查询字符串。"))
    ip = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)

    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    message = models.TextField(_("说明"), blank=True)
    total_rows = models.PositiveIntegerField(_("总行数"), default=0)
    processed_rows = models.PositiveIntegerField(_("已写行数"), default=0)
    row_count = models.PositiveIntegerField(_("导出行数"), default=0)
    filename = models.CharField(_("文件名"), max_length=100, blank=True)
    content = EncryptedBinaryField(_("文件内容"), blank=True, default=b"", editable=False)
    size = models.PositiveBigIntegerField(_("文件大小"), default=0)
    downloads = models.PositiveIntegerField(_("下载次数"), default=0)

    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    # Set while the job runs, at least every JOB_HEARTBEAT_SECONDS: a running job whose
    # heartbeat stopped lost its worker (jobs/housekeeping.py).
    heartbeat_at = models.DateTimeField(_("最近心跳"), null=True, blank=True, editable=False)

    class Meta:
        db_table = "core_exportjob"  # as ImportJob
        verbose_name = _("导出任务")
        verbose_name_plural = _("导出任务")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["actor", "created_at"], name="exportjob_actor_created"),
            models.Index(fields=["created_at"], name="exportjob_created"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}.{self.format} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)

    @property
    def progress(self) -> int:
        """Percent of the rows written so far."""
        if self.status == self.Status.SUCCEEDED:
            return 100
        if not self.total_rows:
            return 0
        return min(99, self.processed_rows * 100 // self.total_rows)
