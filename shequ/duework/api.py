"""The API of due work: GET /tasks/ (filters as the page), GET /tasks/{id}/,
POST /tasks/{id}/complete/ and /cancel/; GET/POST /calendar-days/ (the staff's additions to
the official working-day calendar)."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from shequ.core.api import ConflictSerializer, ListPagination, ListRowSerializer, UidLookup
from shequ.duework import selectors, services
from shequ.duework.models import CalendarDay, Task
from shequ.org.roles import Action


class TaskSerializer(ListRowSerializer):
    id = serializers.UUIDField(source="uid", read_only=True)
    person = serializers.UUIDField(
        source="person.uid", default=None, read_only=True, allow_null=True
    )
    person_name = serializers.CharField(
        source="person.name", default=None, read_only=True, allow_null=True
    )
    assignee = serializers.CharField(
        source="assignee.username", default=None, read_only=True, allow_null=True
    )
    done_by = serializers.CharField(
        source="done_by.username", default=None, read_only=True, allow_null=True
    )
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Task
        fields = [
            "id",
            "kind",
            "title",
            "person",
            "person_name",
            "unit_code",
            "grid_code",
            "assignee",
            "due_date",
            "state",
            "overdue",
            "done_at",
            "done_by",
            "outcome",
            "version",
            "created_at",
        ]
        read_only_fields = fields

    def get_overdue(self, task: Task) -> bool:
        # Today once a page (the list passes it), not once a row.
        on = self.context.get("today") or selectors.today()
        return task.state == Task.State.OPEN and task.due_date < on


class TaskCompleteSerializer(serializers.Serializer):
    outcome = serializers.CharField(max_length=200)
    version = serializers.IntegerField(min_value=1, required=False)


class TaskCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)
    version = serializers.IntegerField(min_value=1, required=False)


class TaskViewSet(UidLookup, viewsets.GenericViewSet):
    """Due work in the caller's jurisdiction; ``?mine=true`` the caller's own."""

    serializer_class = TaskSerializer
    filterset_class = selectors.TaskFilter
    # The page's ids first from the task table's indexes, then those rows with their joins;
    # a count that stops at the cap (core.api.ListPagination).
    pagination_class = ListPagination
    write_actions = {"complete": Action.READ_REGISTRY, "cancel": Action.READ_REGISTRY}

    def get_queryset(self):
        return selectors.tasks_listed(self.request.user)

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        context = {"today": selectors.today()}
        return self.get_paginated_response(TaskSerializer(page, many=True, context=context).data)

    def retrieve(self, request, id=None):
        return Response(TaskSerializer(selectors.task_get(request.user, id)).data)

    @extend_schema(
        request=TaskCompleteSerializer, responses={200: TaskSerializer, 409: ConflictSerializer}
    )
    @action(detail=True, methods=["post"])
    def complete(self, request, id=None):
        """Mark the task done with its outcome."""
        task = selectors.task_get(request.user, id)
        data = TaskCompleteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.task_complete(actor=request.user, task=task, **data.validated_data)
        return Response(TaskSerializer(task).data)

    @extend_schema(
        request=TaskCancelSerializer, responses={200: TaskSerializer, 409: ConflictSerializer}
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, id=None):
        """Cancel a task that is no longer due, with the reason."""
        task = selectors.task_get(request.user, id)
        data = TaskCancelSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.task_cancel(actor=request.user, task=task, **data.validated_data)
        return Response(TaskSerializer(task).data)


class CalendarDaySerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(
        source="created_by.username", default=None, read_only=True, allow_null=True
    )

    class Meta:
        model = CalendarDay
        fields = ["date", "is_working", "note", "created_by", "created_at"]
        read_only_fields = ["created_by", "created_at"]
        extra_kwargs = {"date": {"validators": []}}


class CalendarDayViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Days set as working or not over the official calendar; POST sets one (city staff)."""

    serializer_class = CalendarDaySerializer
    write_action = Action.MANAGE_RULES
    queryset = CalendarDay.objects.none()

    def get_queryset(self):
        return selectors.calendar_days()

    def create(self, request):
        data = CalendarDaySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        day = services.calendar_day_set(actor=request.user, **data.validated_data)
        return Response(CalendarDaySerializer(day).data, status=status.HTTP_201_CREATED)


def register_api(router) -> None:
    router.register("tasks", TaskViewSet, basename="task")
    router.register("calendar-days", CalendarDayViewSet, basename="calendar-day")
