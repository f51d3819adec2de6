from csp.decorators import csp_update
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils.decorators import method_decorator


def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers: the app answers and its database does."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def api_docs(view_class):
    """Swagger UI from the locally installed sidecar. The split view serves its start-up
    script as a file of its own, so only the page's inline styles need an exception."""
    decorated = method_decorator(
        csp_update({"style-src": ["'self'", "'unsafe-inline'"]}),
        name="dispatch",
    )(view_class)
    return decorated.as_view(url_name="api-schema")
