"""Exports of the registry through pages and the API.

An export applies the list pages' own filters, so a user exports exactly what the list
shows. A small one is written within the request; one of more than
``settings.EXPORT_JOB_MIN_ROWS`` rows becomes an export job for the task worker, and the
page redirects to the job's status (polled with HTMX until the download link appears). The
API always answers with a job (202), to poll and then download.
"""

import io

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from shequ.core.tabular import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE
from shequ.core.web import client_ip
from shequ.jobs.exports import (
    export_file_name,
    export_job_create,
    export_job_download,
    export_job_get,
    export_jobs_of,
    export_needs_job,
    exporter_for,
    exporters,
)
from shequ.jobs.models import ExportJob
from shequ.jobs.tasks import enqueue_export_job
from shequ.org.permissions import action_required, staff_required
from shequ.org.roles import Action
from shequ.registry.tables import KIND_TITLES, TABLES


def file_response(content: bytes, *, filename: str, fmt: str) -> HttpResponse:
    response = HttpResponse(
        content, content_type=CSV_CONTENT_TYPE if fmt == "csv" else XLSX_CONTENT_TYPE
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@action_required(Action.EXPORT_REGISTRY)
def export(request: HttpRequest, kind: str) -> HttpResponse:
    """What the list page shows (same filters, same jurisdiction), as .xlsx or ?format=csv;
    a large export goes to the task worker and the user to its status page."""
    if kind not in TABLES:
        raise Http404
    user = request.user
    fmt = "csv" if request.GET.get("format") == "csv" else "xlsx"
    filters = request.GET.copy()
    filters.pop("format", None)
    exporter = exporter_for(kind)
    try:
        queryset = exporter.select(user, filters)
    except ValidationError as exc:
        return HttpResponseBadRequest(" ".join(exc.messages), content_type="text/plain")
    ip = client_ip(request)
    if export_needs_job(queryset):
        job = export_job_create(actor=user, kind=kind, fmt=fmt, filters=filters, ip=ip)
        enqueue_export_job(job)
        return redirect("registry:export_status", uid=job.uid)
    buffer = io.BytesIO()
    exporter.write(queryset, buffer, actor=user, fmt=fmt, ip=ip)
    return file_response(buffer.getvalue(), filename=export_file_name(kind, fmt), fmt=fmt)


def _kind_title(kind: str) -> str:
    """The title another app's exporter gives its kind (a stock list), else the kind."""
    found = exporters().get(kind)
    return str(found.title) if found else kind


@staff_required
def export_status(request: HttpRequest, uid) -> HttpResponse:
    """An export job's progress, then its download link; the fragment is polled until the
    job ends. Only the user who asked for it sees it."""
    job = export_job_get(request.user, uid)
    context = {
        "job": job,
        "kind_title": KIND_TITLES.get(job.kind) or _kind_title(job.kind),
        "keep_days": settings.EXPORT_JOB_KEEP_DAYS,
    }
    if request.headers.get("HX-Request"):
        return render(request, "registry/export_progress.html", context)
    return render(request, "registry/export_status.html", context)


@staff_required
def export_file(request: HttpRequest, uid) -> HttpResponse:
    """The finished job's file, for the user who asked for it (logged)."""
    job = export_job_get(request.user, uid, with_content=True)
    if job.status != ExportJob.Status.SUCCEEDED:
        return redirect("registry:export_status", uid=job.uid)
    content = export_job_download(actor=request.user, job=job)
    return file_response(content, filename=job.filename, fmt=job.format)


# --- API: /api/v1/exports/ ------------------------------------------------------------------


class ExportJobSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uid", read_only=True)
    progress = serializers.IntegerField(
        read_only=True, help_text=gettext_lazy("已写行数占总行数的百分比。")
    )
    filters = serializers.SerializerMethodField(
        help_text=gettext_lazy("筛选条件（与列表页的查询参数相同）。")
    )
    file = serializers.SerializerMethodField(
        help_text=gettext_lazy("完成后下载文件的地址；未完成时为空。")
    )

    class Meta:
        model = ExportJob
        fields = [
            "id",
            "kind",
            "format",
            "filters",
            "status",
            "progress",
            "total_rows",
            "processed_rows",
            "row_count",
            "size",
            "filename",
            "message",
            "file",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    def get_filters(self, job: ExportJob) -> dict[str, str]:
        return QueryDict(job.filters).dict()

    def get_file(self, job: ExportJob) -> str | None:
        if job.status != ExportJob.Status.SUCCEEDED:
            return None
        path = f"/api/v1/exports/{job.uid}/file/"
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class ExportJobCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        # Every installed app's kinds (the "exporters" hook), set when the serializer is made.
        choices=[],
        help_text=gettext_lazy(
            "persons、households、buildings、flows（流动记录），或其他业务登记的清单"
            "（如 stock-levels、stock-movements、stock-dispensings、requisitions）。"
        ),
    )
    format = serializers.ChoiceField(choices=ExportJob.Format.values, default="xlsx")
    filters = serializers.DictField(
        child=serializers.CharField(allow_blank=True),
        required=False,
        default=dict,
        help_text='列表的筛选参数，如 {"unit": "340603020001", "population_type": "inflow"}；'
        "人员默认只含在册人员（status=all 为全部）。",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = sorted(exporters())


class ExportJobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Your export jobs; POST one (202), poll it, then GET its file. Others' jobs are 404."""

    lookup_field = "uid"
    # Each kind names the right its export needs (people's data: export_registry; stock
    # lists: reading them), checked by ``export_job_create``; asking needs a data account.
    write_action = Action.READ_REGISTRY
    serializer_class = ExportJobSerializer
    # The model, for the schema (which has no user); the rows come from get_queryset.
    queryset = ExportJob.objects.none()
    filterset_fields = ["kind", "status"]
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        return export_jobs_of(self.request.user)

    @extend_schema(request=ExportJobCreateSerializer, responses={202: ExportJobSerializer})
    def create(self, request):
        data = ExportJobCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        filters = QueryDict(mutable=True)
        filters.update(data.validated_data["filters"])
        job = export_job_create(
            actor=request.user,
            kind=data.validated_data["kind"],
            fmt=data.validated_data["format"],
            filters=filters,
            ip=client_ip(request),
        )
        enqueue_export_job(job)
        job.refresh_from_db()  # a synchronous task backend has already run it
        return Response(
            self.get_serializer(job).data,
            status=status.HTTP_202_ACCEPTED,
            headers={"Location": request.build_absolute_uri(f"/api/v1/exports/{job.uid}/")},
        )

    @extend_schema(
        responses={
            (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): (
                OpenApiTypes.BINARY
            ),
            (200, "text/csv"): OpenApiTypes.BINARY,
            409: OpenApiResponse(description=gettext_lazy("导出尚未完成或已失败。")),
        }
    )
    @action(detail=True, methods=["get"])
    def file(self, request, uid=None):
        """The finished export's file (xlsx or csv); each download is logged."""
        job = export_job_get(request.user, uid, with_content=True)
        if job.status != ExportJob.Status.SUCCEEDED:
            return Response(
                {"detail": _("导出尚未完成。") if not job.is_finished else job.message},
                status=status.HTTP_409_CONFLICT,
            )
        content = export_job_download(actor=request.user, job=job)
        return file_response(content, filename=job.filename, fmt=job.format)
