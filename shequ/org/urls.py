from django.urls import path

from shequ.org import views

app_name = "org"

urlpatterns = [
    path("org/", views.tree, name="tree"),
    path("org/<str:code>/", views.unit_detail, name="unit"),
    path("org/<str:code>/new/", views.unit_create, name="unit_create"),
    path("org/<str:code>/rename/", views.unit_rename, name="unit_rename"),
    path("org/<str:code>/close/", views.unit_close, name="unit_close"),
    path("org/<str:code>/reopen/", views.unit_reopen, name="unit_reopen"),
    path("org/<str:code>/delegate/", views.zone_delegate, name="zone_delegate"),
    path("users/", views.user_list, name="user_list"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<uuid:uid>/", views.user_edit, name="user_edit"),
    path(
        "users/<uuid:uid>/deactivate/",
        views.user_set_active,
        {"active": False},
        name="user_deactivate",
    ),
    path(
        "users/<uuid:uid>/activate/", views.user_set_active, {"active": True}, name="user_activate"
    ),
    path("users/<uuid:uid>/password/", views.user_password, name="user_password"),
    path("users/<uuid:uid>/rights/", views.user_rights, name="user_rights"),
    path("users/approvals/", views.right_requests, name="right_requests"),
    path("users/approvals/<uuid:uid>/", views.right_request_decide, name="right_request_decide"),
    path("audit/", views.audit_events, name="audit_events"),
    path("audit/sensitive/", views.sensitive_accesses, name="sensitive_accesses"),
]
