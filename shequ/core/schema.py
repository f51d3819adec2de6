"""The API's OpenAPI schema view (its own module: drf-spectacular's views import DRF's
settings, which import ``core.api``)."""

from typing import ClassVar

from django.conf import settings
from django.http import HttpResponse
from django.utils import translation
from drf_spectacular.views import SpectacularAPIView
from rest_framework.response import Response


class SchemaView(SpectacularAPIView):
    """The OpenAPI schema, built once per process, language and version: it is the same for
    every staff member (public), and building it took ~0.5 s of CPU a request. Its text is
    kept too, per format: writing it as YAML took another 0.1-0.2 s a request."""

    _built: ClassVar[dict[tuple[str, str | None], dict]] = {}
    _rendered: ClassVar[dict[tuple[str, str | None, str], tuple[bytes, list]]] = {}

    def _get_schema_response(self, request):
        version = self.api_version or request.version or self._get_version_parameter(request)
        key = (translation.get_language(), version)
        schema = self._built.get(key)
        if schema is None:
            generator = self.generator_class(
                urlconf=self.urlconf, api_version=version, patterns=self.patterns
            )
            schema = generator.get_schema(request=request, public=self.serve_public)
            # Kept only for the site's languages and no named version: ``?lang=`` and
            # ``?version=`` take any text, which must not grow the process without bound.
            if version is None and key[0] in dict(settings.LANGUAGES):
                self._built[key] = schema
        response = Response(
            data=schema,
            headers={
                "Content-Disposition": f'inline; filename="{self._get_filename(request, version)}"'
            },
        )
        if key in self._built:
            response.schema_key = key  # type: ignore[attr-defined]  # for finalize_response
        return response

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        key = getattr(response, "schema_key", None)
        if key is None:
            return response
        key = (*key, request.accepted_renderer.format)
        kept = self._rendered.get(key)
        if kept is None:
            response.render()
            self._rendered[key] = (response.content, list(response.items()))
            return response
        content, headers = kept
        answer = HttpResponse(content)
        for name, value in headers:
            answer[name] = value
        return answer
