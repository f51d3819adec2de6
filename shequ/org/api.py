"""REST API of the organisation tree, staff users and audit logs."""

import django_filters
from django.contrib.auth import authenticate, logout
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from shequ.core.api import ConflictSerializer, ReasonSerializer, edit_version
from shequ.core.identifiers import redact_id_numbers
from shequ.core.web import client_ip
from shequ.org import selectors, services
from shequ.org.audit import audit_sign_in
from shequ.org.audit_display import masked_changes
from shequ.org.auth import api_token_issue, api_token_revoke, api_tokens_revoke
from shequ.org.models import ApiToken, AuditEvent, OrgUnit, RightRequest, SensitiveAccess, User
from shequ.org.otp import otp_check, otp_enrolled, otp_required
from shequ.org.permissions import StaffApiRequest, is_staff_member
from shequ.org.roles import DATA_RIGHTS, Action, Duty, Role
from shequ.org.scoping import get_in_scope_or_404, subtree_q


class UnitFilterMixin(django_filters.FilterSet):
    unit = django_filters.CharFilter(method="filter_unit", label="单位代码（含下级）")

    def filter_unit(self, queryset, name, value):
        return queryset.filter(subtree_q(queryset.model.scope_field, value.strip()))


# --- Tokens -------------------------------------------------------------------------------


class LoginThrottle(AnonRateThrottle):
    scope = "login"


class TokenRequestSerializer(serializers.Serializer):
    # As long as a user name may be: axes records every failed name (PostgreSQL refused a
    # longer one with a 500).
    username = serializers.CharField(max_length=User._meta.get_field("username").max_length)
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)
    otp = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=20,
        help_text=gettext_lazy(
            "两步验证码（验证器应用中的 6 位数字或一个恢复码）；须两步验证的账号必填"
        ),
    )


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()


class TokenView(APIView):
    """Exchange a user name and password for an API token (login throttling applies). The
    token ends after API_TOKEN_HOURS, at logout and when the password changes."""

    authentication_classes = []
    permission_classes = []
    throttle_classes = [LoginThrottle]

    @extend_schema(request=TokenRequestSerializer, responses=TokenResponseSerializer, tags=["auth"])
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(
            request._request,
            username=data.validated_data["username"],
            password=data.validated_data["password"],
        )
        if user is None or not user.is_active:
            return Response(
                {"detail": _("用户名或密码错误，或账号已锁定。")},
                status=status.HTTP_400_BAD_REQUEST,
            )
        if user.must_change_password:
            return Response(
                {
                    "detail": _("管理员重设了您的密码：请先在网页上登录并修改密码，再申请令牌。"),
                    "code": "password_change_required",
                },
                status=status.HTTP_403_FORBIDDEN,
            )
        if otp_required(user):
            refusal = self._second_factor_refusal(user, data.validated_data.get("otp", ""))
            if refusal:
                return Response(refusal, status=status.HTTP_400_BAD_REQUEST)
        audit_sign_in(
            action="auth.token", user=user, username=user.username, ip=client_ip(request._request)
        )
        return Response({"token": api_token_issue(user=user)})

    @staticmethod
    def _second_factor_refusal(user, code: str) -> dict | None:
        if not otp_enrolled(user):
            return {"detail": _("该账号须先在网页登录并设置两步验证，才能取得 API 令牌。")}
        if not code.strip():
            return {"otp": [_("该账号须提供两步验证码（验证器应用中的 6 位数字或一个恢复码）。")]}
        if otp_check(user=user, code=code) is None:
            return {"otp": [_("两步验证码不正确或已用过。")]}
        return None


class LogoutView(APIView):
    """End the token this request carries (or, from a browser session, the session and every
    token of its user)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None}, tags=["auth"])
    def post(self, request):
        if isinstance(request.auth, ApiToken):
            api_token_revoke(token=request.auth)
            audit_sign_in(
                action="auth.logout",
                user=request.user,
                username=request.user.username,
                ip=client_ip(request._request),
            )
        else:
            with transaction.atomic():
                api_tokens_revoke(user=request.user, actor=request.user, reason=_("退出登录"))
            logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Organisation units -------------------------------------------------------------------


class OrgUnitSerializer(serializers.ModelSerializer):
    # mypy: a field named `parent` clashes with the type of DRF's Field.parent (a serializer
    # never has both: declared fields leave the class), and a related field's model is unsaid.
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)  # type: ignore[assignment,var-annotated]
    delegate = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)  # type: ignore[var-annotated]
    level_name = serializers.CharField(source="get_level_display", read_only=True)
    kind_name = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = OrgUnit
        fields = [
            "code",
            "name",
            "level",
            "level_name",
            "kind",
            "kind_name",
            "parent",
            "delegate",
            "is_active",
            "closed_at",
            "closed_reason",
            "version",
        ]
        read_only_fields = fields


class OrgUnitCreateSerializer(serializers.Serializer):
    parent = serializers.CharField(help_text=gettext_lazy("上级单位代码"))  # type: ignore[assignment]
    code = serializers.CharField(max_length=14)
    name = serializers.CharField(max_length=80)
    kind = serializers.ChoiceField(choices=OrgUnit.Kind.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class OrgUnitRenameSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=80)
    reason = serializers.CharField(max_length=500)
    version = edit_version()


class DelegateSerializer(serializers.Serializer):
    delegate = serializers.CharField(
        allow_null=True, help_text=gettext_lazy("代管单位代码；null 交还街道")
    )
    reason = serializers.CharField(max_length=500)


class OrgUnitFilter(UnitFilterMixin):
    search = django_filters.CharFilter(method="filter_search", label="名称或代码")
    parent = django_filters.CharFilter(field_name="parent__code")

    class Meta:
        model = OrgUnit
        fields = ["level", "kind", "is_active"]

    def filter_search(self, queryset, name, value):
        return queryset.filter(Q(name__contains=value) | Q(code__startswith=value))


class OrgUnitViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The organisation tree inside the caller's jurisdiction; ``?unit=CODE`` for a subtree."""

    request: StaffApiRequest  # staff only: IsStaffMember, the default permission
    serializer_class = OrgUnitSerializer
    filterset_class = OrgUnitFilter
    lookup_field = "code"
    write_actions = {
        "create": Action.MANAGE_ORG,
        "partial_update": Action.MANAGE_ORG,
        "close": Action.MANAGE_ORG,
        "reopen": Action.MANAGE_ORG,
        "delegate": Action.MANAGE_ORG,
    }

    def get_queryset(self):
        return selectors.org_units_visible(self.request.user).order_by("code")

    @extend_schema(request=OrgUnitCreateSerializer, responses={201: OrgUnitSerializer})
    def create(self, request):
        data = OrgUnitCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        parent = get_in_scope_or_404(OrgUnit.objects.all(), request.user, code=values.pop("parent"))
        unit = services.org_unit_create(actor=request.user, parent=parent, **values)
        return Response(OrgUnitSerializer(unit).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=OrgUnitRenameSerializer, responses={200: OrgUnitSerializer, 409: ConflictSerializer}
    )
    def partial_update(self, request, code=None):
        unit = self.get_object()
        data = OrgUnitRenameSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        unit = services.org_unit_rename(actor=request.user, unit=unit, **data.validated_data)
        return Response(OrgUnitSerializer(unit).data)

    @extend_schema(request=ReasonSerializer, responses=OrgUnitSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, code=None):
        """Close (撤销) an empty unit; it stays in the tree, inactive."""
        unit = self.get_object()
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        unit = services.org_unit_close(actor=request.user, unit=unit, **data.validated_data)
        return Response(OrgUnitSerializer(unit).data)

    @extend_schema(request=ReasonSerializer, responses=OrgUnitSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, code=None):
        unit = self.get_object()
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        unit = services.org_unit_reopen(actor=request.user, unit=unit, **data.validated_data)
        return Response(OrgUnitSerializer(unit).data)

    @extend_schema(request=DelegateSerializer, responses=OrgUnitSerializer)
    @action(detail=True, methods=["post"])
    def delegate(self, request, code=None):
        """Name the street or neighbouring community that manages a blind zone."""
        zone = self.get_object()
        data = DelegateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        delegate_code = data.validated_data["delegate"]
        delegate = (
            get_in_scope_or_404(OrgUnit.objects.all(), request.user, code=delegate_code)
            if delegate_code
            else None
        )
        zone = services.blind_zone_delegate(
            actor=request.user, zone=zone, delegate=delegate, reason=data.validated_data["reason"]
        )
        return Response(OrgUnitSerializer(zone).data)


# --- Users --------------------------------------------------------------------------------


RIGHT_FIELD_CHOICES = [str(right) for right in DATA_RIGHTS]


class UserSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uid", read_only=True)
    unit = serializers.CharField(source="unit_id", read_only=True)
    data_rights = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "full_name",
            "phone",
            "role",
            "duty",
            "data_rights",
            "must_change_password",
            "unit",
            "is_active",
            "last_login",
            "version",
        ]
        read_only_fields = fields


class UserCreateSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    full_name = serializers.CharField(max_length=50)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    role = serializers.ChoiceField(choices=Role.choices)
    duty = serializers.ChoiceField(
        choices=Duty.choices,
        required=False,
        default="",
        help_text=gettext_lazy("data（默认；审计员为 audit）、admin 或 audit"),
    )
    rights = serializers.ListField(
        child=serializers.ChoiceField(choices=RIGHT_FIELD_CHOICES),
        required=False,
        default=list,
        help_text=gettext_lazy("申请的数据权限，经第二人审批后生效"),
    )
    unit = serializers.CharField(help_text=gettext_lazy("单位代码"))
    password = serializers.CharField(write_only=True, trim_whitespace=False)


class UserUpdateSerializer(serializers.Serializer):
    full_name = serializers.CharField(max_length=50, required=False)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    role = serializers.ChoiceField(choices=Role.choices, required=False)
    duty = serializers.ChoiceField(choices=Duty.choices, required=False)
    unit = serializers.CharField(required=False)
    reason = serializers.CharField(max_length=500)
    version = edit_version()


class UserRightsSerializer(serializers.Serializer):
    rights = serializers.ListField(
        child=serializers.ChoiceField(choices=RIGHT_FIELD_CHOICES), allow_empty=True
    )
    reason = serializers.CharField(max_length=500)


class PasswordResetSerializer(serializers.Serializer):
    password = serializers.CharField(write_only=True, trim_whitespace=False)
    reason = serializers.CharField(max_length=500)


class RightRequestSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uid", read_only=True)
    user = serializers.UUIDField(source="user.uid", read_only=True)
    username = serializers.CharField(source="user.username", read_only=True)
    unit = serializers.CharField(source="unit_code", read_only=True)
    rights = serializers.ListField(child=serializers.CharField(), read_only=True)
    requested_by = serializers.CharField(
        source="requested_by.username", default=None, read_only=True
    )

    class Meta:
        model = RightRequest
        fields = [
            "id",
            "user",
            "username",
            "unit",
            "rights",
            "status",
            "requested_by",
            "requested_at",
            "reason",
        ]
        read_only_fields = fields


class DecisionSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    reason = serializers.CharField(max_length=500)


class UserFilter(UnitFilterMixin):
    class Meta:
        model = User
        fields = ["role", "is_active"]


class UserViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Staff users of the caller's subtree (administrators only)."""

    request: StaffApiRequest  # staff only: IsStaffMember, the default permission
    serializer_class = UserSerializer
    filterset_class = UserFilter
    lookup_field = "uid"
    read_action = Action.MANAGE_USERS
    write_action = Action.MANAGE_USERS

    def get_queryset(self):
        return selectors.users_visible(self.request.user).order_by("username")

    def _unit(self, code: str) -> OrgUnit:
        return get_in_scope_or_404(OrgUnit.objects.all(), self.request.user, code=code)

    @extend_schema(request=UserCreateSerializer, responses={201: UserSerializer})
    def create(self, request):
        data = UserCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values["unit"] = self._unit(values["unit"])
        user = services.user_create(actor=request.user, **values)
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=UserUpdateSerializer, responses={200: UserSerializer, 409: ConflictSerializer}
    )
    def partial_update(self, request, uid=None):
        target = self.get_object()
        data = UserUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        user = services.user_update(
            actor=request.user,
            user=target,
            full_name=values.get("full_name", target.full_name),
            phone=values.get("phone", target.phone),
            role=values.get("role", target.role),
            duty=values.get("duty"),
            unit=self._unit(values["unit"]) if "unit" in values else target.unit,
            reason=values["reason"],
            version=values["version"],
        )
        return Response(UserSerializer(user).data)

    @extend_schema(request=UserRightsSerializer, responses=UserSerializer)
    @action(detail=True, methods=["post"])
    def rights(self, request, uid=None):
        """Set the account's data rights: removals take effect at once, additions wait for
        a second administrator's approval (``/api/v1/right-requests/``)."""
        target = self.get_object()
        data = UserRightsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.user_set_rights(actor=request.user, user=target, **data.validated_data)
        target.refresh_from_db()
        return Response(UserSerializer(target).data)

    @extend_schema(request=PasswordResetSerializer, responses=UserSerializer)
    @action(detail=True, methods=["post"])
    def password(self, request, uid=None):
        """An administrator's password reset: the user must change it at the next login."""
        target = self.get_object()
        data = PasswordResetSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_set_password(actor=request.user, user=target, **data.validated_data)
        return Response(UserSerializer(user).data)

    @extend_schema(request=ReasonSerializer, responses=UserSerializer)
    @action(detail=True, methods=["post"])
    def deactivate(self, request, uid=None):
        target = self.get_object()
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_set_active(
            actor=request.user, user=target, active=False, reason=data.validated_data["reason"]
        )
        return Response(UserSerializer(user).data)


class RightRequestViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Pending requests for data rights that the caller may decide (approvers only)."""

    request: StaffApiRequest  # staff only: IsStaffMember, the default permission
    serializer_class = RightRequestSerializer
    lookup_field = "uid"
    read_action = Action.APPROVE_RIGHTS
    write_action = Action.APPROVE_RIGHTS

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema is generated without a user
            return RightRequest.objects.none()
        return selectors.right_requests_pending(self.request.user)

    @extend_schema(request=DecisionSerializer, responses=RightRequestSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, uid=None):
        """Approve (``"approve": true``) or refuse a request, with a reason."""
        pending = selectors.right_request_get(request.user, uid)
        data = DecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        decided = services.right_request_decide(
            actor=request.user,
            request=pending,
            approve=data.validated_data["approve"],
            reason=data.validated_data["reason"],
        )
        return Response(RightRequestSerializer(decided).data)


class MeView(APIView):
    """The caller: user, role, unit and what the role may do."""

    @extend_schema(responses=UserSerializer, tags=["auth"])
    def get(self, request):
        from shequ.org.roles import can

        body = UserSerializer(request.user).data
        body["unit_name"] = request.user.unit.name if request.user.unit else ""
        body["actions"] = sorted(a.value for a in Action if can(request.user, a))
        return Response(body)


# --- Audit logs ------------------------------------------------------------------------


class _MaskedLabel(serializers.CharField):
    """A log row's label with its identity number re-masked (``audit_display``)."""

    def to_representation(self, value):
        return redact_id_numbers(super().to_representation(value))


class AuditEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(
        source="actor.username", default=None, read_only=True, allow_null=True
    )
    target_label = _MaskedLabel(read_only=True)
    changes = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_changes(self, event) -> dict:
        return masked_changes(event.changes)

    class Meta:
        model = AuditEvent
        fields = [
            "at",
            "actor",
            "action",
            "target_type",
            "target_id",
            "target_label",
            "unit_code",
            "reason",
            "changes",
            "ip",
        ]
        read_only_fields = fields


class SensitiveAccessSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", read_only=True)
    target_label = _MaskedLabel(read_only=True)

    class Meta:
        model = SensitiveAccess
        fields = [
            "at",
            "actor",
            "target_type",
            "target_id",
            "target_label",
            "unit_code",
            "fields",
            "purpose",
            "channel",
            "ip",
        ]
        read_only_fields = fields


class AuditFilter(UnitFilterMixin):
    actor = django_filters.CharFilter(field_name="actor__username")
    since = django_filters.DateFilter(field_name="at", lookup_expr="date__gte")
    until = django_filters.DateFilter(field_name="at", lookup_expr="date__lte")

    class Meta:
        model = AuditEvent
        fields = ["action", "target_type", "target_id"]


class SensitiveAccessFilter(AuditFilter):
    class Meta:
        model = SensitiveAccess
        fields = ["purpose", "channel", "target_type", "target_id"]


class AuditEventViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The change log (who changed what, when and why) of the caller's jurisdiction."""

    request: StaffApiRequest  # staff only: IsStaffMember, the default permission
    serializer_class = AuditEventSerializer
    filterset_class = AuditFilter
    read_action = Action.VIEW_AUDIT

    def get_queryset(self):
        return selectors.audit_events(self.request.user)


class SensitiveAccessViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The log of sensitive reads (unmasked identity numbers, health data)."""

    request: StaffApiRequest  # staff only: IsStaffMember, the default permission
    serializer_class = SensitiveAccessSerializer
    filterset_class = SensitiveAccessFilter
    read_action = Action.VIEW_AUDIT

    def get_queryset(self):
        return selectors.sensitive_accesses(self.request.user)


class _StaffOnly(BasePermission):
    def has_permission(self, request, view) -> bool:
        return is_staff_member(request.user)


class NotFoundView(APIView):
    """Any path under the API that names nothing, a malformed id (``/persons/123/``) included:
    the API's JSON 404 instead of the site's HTML page. Authentication comes first, as on
    every route, so an anonymous caller cannot tell paths that exist from those that do not."""

    permission_classes = [_StaffOnly]
    schema = None  # not an endpoint of the contract

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        raise exceptions.NotFound()
