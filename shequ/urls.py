"""URLs: pages under i18n patterns (Chinese at /, English at /en/), the API under /api/."""

from django.conf.urls.i18n import i18n_patterns
from django.contrib.auth import views as django_auth_views
from django.urls import include, path, re_path
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from shequ.benefits.urls import register_api as register_benefits_api
from shequ.core import views as core_views
from shequ.core.schema import SchemaView
from shequ.desk.urls import register_api as register_desk_api
from shequ.duework.urls import register_api as register_duework_api
from shequ.health.urls import register_api as register_health_api
from shequ.org import api as org_api
from shequ.org import auth_views
from shequ.org import views as org_views
from shequ.org.api import NotFoundView
from shequ.org.permissions import staff_required
from shequ.outbox.urls import register_api as register_outbox_api
from shequ.registry.urls import register_api as register_registry_api
from shequ.rulebook.urls import register_api as register_rulebook_api
from shequ.supplies.api import register_api as register_supplies_api

# No ".json" suffix routes: the viewsets' actions take no ``format`` argument (a suffix
# answered 500), and ``?format=`` and the Accept header already choose the renderer.
router = DefaultRouter(trailing_slash=True)
router.include_format_suffixes = False
router.register("org-units", org_api.OrgUnitViewSet, basename="org-unit")
router.register("users", org_api.UserViewSet, basename="user")
router.register("right-requests", org_api.RightRequestViewSet, basename="right-request")
router.register("audit-events", org_api.AuditEventViewSet, basename="audit-event")
router.register("sensitive-accesses", org_api.SensitiveAccessViewSet, basename="sensitive-access")
register_registry_api(router)
register_rulebook_api(router)
register_duework_api(router)
register_outbox_api(router)
register_health_api(router)
register_supplies_api(router)
register_desk_api(router)
register_benefits_api(router)

api_urlpatterns = [
    path("auth/token/", org_api.TokenView.as_view(), name="api-token"),
    path("auth/logout/", org_api.LogoutView.as_view(), name="api-logout"),
    path("me/", org_api.MeView.as_view(), name="api-me"),
    path("", include(router.urls)),
]

urlpatterns = [
    path("api/v1/", include(api_urlpatterns)),
    path("api/schema/", SchemaView.as_view(), name="api-schema"),
    # Staff only (SPECTACULAR_SETTINGS); a browser without a session goes to the login page.
    path(
        "api/docs/",
        staff_required(core_views.api_docs(SpectacularSwaggerSplitView)),
        name="api-docs",
    ),
    # Last of the API: a detail route with a malformed id (ids are UUIDs in the routes) or an
    # unknown path answers the API's JSON 404, not the site's HTML page.
    re_path(r"^api/.*/$", NotFoundView.as_view()),
    path("i18n/setlang/", set_language, name="set_language"),
    path("healthz/", core_views.healthz, name="healthz"),
]

urlpatterns += i18n_patterns(
    path("", org_views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/otp/", auth_views.otp_verify, name="otp_verify"),
    path("accounts/otp/setup/", auth_views.otp_setup, name="otp_setup"),
    path("accounts/otp/recovery-codes/", auth_views.otp_recovery_codes, name="otp_recovery_codes"),
    path(
        "accounts/password/done/",
        django_auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("", include("shequ.org.urls")),
    path("", include("shequ.registry.urls")),
    path("", include("shequ.rulebook.urls")),
    path("", include("shequ.duework.urls")),
    path("", include("shequ.outbox.urls")),
    path("", include("shequ.health.urls")),
    path("", include("shequ.supplies.urls")),
    path("", include("shequ.desk.urls")),
    path("", include("shequ.benefits.urls")),
    prefix_default_language=False,
)
