"""Import of the registry through pages and the API (exports: ``export_views``).

The upload page stores the file as an import job and hands it to the task worker; the
status page polls the job (HTMX, every second) until it ends, then shows the counts and
every problem by row and column.
"""

import io

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from shequ.core.forms import StyledForm, add_service_errors
from shequ.core.tabular import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE
from shequ.jobs.exports import export_jobs_of
from shequ.jobs.import_jobs import (
    import_job_get,
    import_job_may_run_again,
    import_job_run_again,
    import_jobs_visible,
    job_outcome,
    problem_rows_write,
)
from shequ.jobs.imports import MAX_REPORTED_ERRORS, import_job_create
from shequ.jobs.models import ImportJob
from shequ.jobs.tasks import enqueue_import_job
from shequ.org.permissions import action_required, staff_required
from shequ.org.roles import Action, can
from shequ.registry.tables import KIND_TITLES, TABLES

KIND_CHOICES = [
    ("persons", gettext_lazy("人员")),
    ("households", gettext_lazy("户（房屋）")),
    ("buildings", gettext_lazy("楼栋")),
]
ERRORS_ON_PAGE = 200


def _file_response(content: bytes, *, basename: str, fmt: str) -> HttpResponse:
    extension = "csv" if fmt == "csv" else "xlsx"
    response = HttpResponse(
        content, content_type=CSV_CONTENT_TYPE if fmt == "csv" else XLSX_CONTENT_TYPE
    )
    response["Content-Disposition"] = f'attachment; filename="{basename}.{extension}"'
    return response


def _fmt(request: HttpRequest) -> str:
    return "csv" if request.GET.get("format") == "csv" else "xlsx"


class ImportForm(StyledForm):
    kind = forms.ChoiceField(label=gettext_lazy("导入内容"), choices=KIND_CHOICES)
    file = forms.FileField(
        label=gettext_lazy("文件"),
        help_text=gettext_lazy("Excel（.xlsx）或 CSV（UTF-8 或 GB18030），第一行为模板中的列名。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    dry_run = forms.BooleanField(
        label=gettext_lazy("仅校验（试运行），不写入"),
        required=False,
        help_text=gettext_lazy("先看看哪些行有问题；什么都不会改变。"),
    )
    take_good = forms.BooleanField(
        label=gettext_lazy("只导入无误的行"),
        required=False,
        help_text=gettext_lazy(
            "不勾选时，只要有一行有问题就什么都不写入；勾选后写入无误的行，并列出未导入的行。"
        ),
    )
    update = forms.BooleanField(
        label=gettext_lazy("更新已有记录"),
        required=False,
        help_text=gettext_lazy(
            "已在本辖区登记的楼栋、户和人员按文件更新（与现有记录相同的行计为“无变化”）；"
            "不勾选时，这些行报为重复。"
        ),
    )


@action_required(Action.IMPORT_REGISTRY)
def import_start(request: HttpRequest) -> HttpResponse:
    """Upload a file; the job runs in the task worker and its page shows the progress."""
    initial = {"kind": request.GET.get("kind") if request.GET.get("kind") in TABLES else None}
    form = ImportForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = import_job_create(
                actor=request.user,
                kind=form.cleaned_data["kind"],
                filename=upload.name,
                content=upload,
                dry_run=form.cleaned_data["dry_run"],
                update=form.cleaned_data["update"],
                take_good=form.cleaned_data["take_good"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            enqueue_import_job(job)
            return redirect("registry:import_status", uid=job.uid)
    jobs = list(import_jobs_visible(request.user)[:20])
    may_export = can(request.user, Action.EXPORT_REGISTRY)
    # A large export runs as a job: list the user's own, so a closed status page loses nothing.
    exports = list(export_jobs_of(request.user).order_by("-created_at")[:10]) if may_export else []
    for job in (*jobs, *exports):
        job.kind_title = KIND_TITLES.get(job.kind, job.kind)
    return render(
        request,
        "registry/import_start.html",
        {
            "form": form,
            "kinds": KIND_CHOICES,
            "jobs": jobs,
            "exports": exports,
            "keep_days": settings.EXPORT_JOB_KEEP_DAYS,
            "may_export": may_export,
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def import_status(request: HttpRequest, uid) -> HttpResponse:
    """A job's progress, counts and problems; the fragment is polled until the job ends.
    POST runs a failed job again (an interrupted one keeps its file)."""
    job = import_job_get(request.user, uid)
    if request.method == "POST":
        try:
            import_job_run_again(actor=request.user, job=job)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            enqueue_import_job(job)
        return redirect("registry:import_status", uid=job.uid)
    if request.GET.get("download") == "problems":
        if not can(request.user, Action.IMPORT_REGISTRY):
            raise PermissionDenied(_("只有可以导入的角色能下载原始行。"))
        buffer = io.BytesIO()
        fmt = _fmt(request)
        problem_rows_write(job, buffer, fmt)
        return _file_response(buffer.getvalue(), basename=f"problems-{job.kind}", fmt=fmt)
    errors = job.report.get("errors", [])
    context = {
        "job": job,
        "outcome": job_outcome(job),
        "errors": errors[:ERRORS_ON_PAGE],
        "errors_hidden": max(len(errors) - ERRORS_ON_PAGE, 0) + job.report.get("more", 0),
        "errors_capped": job.report.get("more", 0),
        "max_reported": MAX_REPORTED_ERRORS,
        "kind_title": KIND_TITLES.get(job.kind, job.kind),
        "may_import": can(request.user, Action.IMPORT_REGISTRY),
        "may_run_again": job.actor_id == request.user.pk
        and can(request.user, Action.IMPORT_REGISTRY)
        and import_job_may_run_again(job),
    }
    if request.headers.get("HX-Request"):
        return render(request, "registry/import_progress.html", context)
    return render(request, "registry/import_status.html", context)


@action_required(Action.IMPORT_REGISTRY)
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    """An empty sheet with the kind's headers, the required ones highlighted."""
    table = TABLES.get(kind)
    if table is None:
        raise Http404
    buffer = io.BytesIO()
    fmt = _fmt(request)
    table.write_template(buffer, fmt)
    return _file_response(buffer.getvalue(), basename=f"template-{kind}", fmt=fmt)


# --- API: /api/v1/imports/ ------------------------------------------------------------------


class ImportJobSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uid", read_only=True)
    actor = serializers.CharField(
        source="actor.username", default=None, read_only=True, allow_null=True
    )
    progress = serializers.IntegerField(
        read_only=True, help_text=gettext_lazy("已校验的行占总行数的百分比（写入阶段见 phase）。")
    )
    accepted_all = serializers.BooleanField(
        read_only=True,
        help_text=gettext_lazy("文件的每一行都通过了校验（命令行退出码 0 的条件）。"),
    )
    outcome = serializers.SerializerMethodField(help_text=gettext_lazy("结果说明。"))
    created = serializers.IntegerField(source="created_count", read_only=True)
    updated = serializers.IntegerField(source="updated_count", read_only=True)
    unchanged = serializers.IntegerField(source="unchanged_count", read_only=True)

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "kind",
            "filename",
            "actor",
            "dry_run",
            "update",
            "take_good",
            "status",
            "phase",
            "progress",
            "total_rows",
            "processed_rows",
            "created",
            "updated",
            "unchanged",
            "error_rows",
            "applied",
            "accepted_all",
            "outcome",
            "message",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    def get_outcome(self, job: ImportJob) -> str:
        return job_outcome(job)


class ImportProblemSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text=gettext_lazy("表格中的行号（第 1 行是列名）。"))
    column = serializers.CharField(help_text=gettext_lazy("列名；空表示整行。"))
    message = serializers.CharField()


class ImportJobDetailSerializer(ImportJobSerializer):
    errors = serializers.SerializerMethodField(
        help_text=gettext_lazy("每个问题：行号、列名、说明。")
    )
    errors_not_listed = serializers.SerializerMethodField(
        help_text=gettext_lazy("超出上限未列出的问题数。")
    )
    rejected_rows = serializers.SerializerMethodField(
        help_text=gettext_lazy("有问题的行，如 “3, 7-9”。")
    )
    taken_rows = serializers.SerializerMethodField(help_text=gettext_lazy("已写入的行（写入时）。"))

    class Meta(ImportJobSerializer.Meta):
        fields = [
            *ImportJobSerializer.Meta.fields,
            "errors",
            "errors_not_listed",
            "rejected_rows",
            "taken_rows",
        ]
        read_only_fields = fields

    @extend_schema(responses=ImportProblemSerializer(many=True))
    def get_errors(self, job: ImportJob) -> list[dict]:
        return [
            {"row": row, "column": column, "message": message}
            for row, column, message in job.report.get("errors", [])
        ]

    def get_errors_not_listed(self, job: ImportJob) -> int:
        return job.report.get("more", 0)

    def get_rejected_rows(self, job: ImportJob) -> str:
        return job.report.get("rejected", "")

    def get_taken_rows(self, job: ImportJob) -> str:
        return job.report.get("taken", "")


class ImportJobCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[k for k, _label in KIND_CHOICES])
    file = serializers.FileField(help_text=gettext_lazy(".xlsx 或 .csv，第一行为模板中的列名。"))
    dry_run = serializers.BooleanField(default=False, help_text=gettext_lazy("只校验，不写入。"))
    update = serializers.BooleanField(
        default=False, help_text=gettext_lazy("更新已在辖区登记的记录。")
    )
    take_good = serializers.BooleanField(
        default=False, help_text=gettext_lazy("写入无误的行（默认：有一行有问题就不写入）。")
    )


class ImportJobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Import jobs of the user's jurisdiction; POST a file to start one (202, then poll)."""

    lookup_field = "uid"
    write_action = Action.IMPORT_REGISTRY
    parser_classes = [MultiPartParser, FormParser]
    filterset_fields = ["kind", "status"]
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        return import_jobs_visible(self.request.user)

    def get_serializer_class(self):
        if self.action == "list":
            return ImportJobSerializer
        return ImportJobDetailSerializer

    @extend_schema(request=ImportJobCreateSerializer, responses={202: ImportJobDetailSerializer})
    def create(self, request):
        data = ImportJobCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        job = import_job_create(
            actor=request.user,
            kind=data.validated_data["kind"],
            filename=upload.name,
            content=upload,
            dry_run=data.validated_data["dry_run"],
            update=data.validated_data["update"],
            take_good=data.validated_data["take_good"],
        )
        enqueue_import_job(job)
        job.refresh_from_db()  # a synchronous task backend has already run it
        return Response(ImportJobDetailSerializer(job).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={202: ImportJobDetailSerializer})
    @action(detail=True, methods=["post"], url_path="run-again")
    def run_again(self, request, uid=None):
        """Run a failed job again with its file and options (an interrupted job keeps its
        file; only the user who started it may): 202 with the job queued, then poll."""
        job = import_job_get(request.user, uid)
        import_job_run_again(actor=request.user, job=job)
        enqueue_import_job(job)
        job = import_job_get(request.user, uid)  # a synchronous task backend has run it
        return Response(ImportJobDetailSerializer(job).data, status=status.HTTP_202_ACCEPTED)
