"""The API docs page: Swagger UI from drf-spectacular-sidecar, under a CSP admitting just what it loads."""

from csp.decorators import csp_update
from drf_spectacular.views import SpectacularSwaggerSplitView

# The split view serves its start-up script from this same URL, so no inline script needs admitting.
# What remains: the template's one inline <style> (pinned by hash; a test recomputes it) and the
# data: images of Swagger UI's stylesheet.
SWAGGER_INLINE_STYLE = "'sha256-MMpT0iDxyjALd9PdfepImGX3DBfJPXZ4IlDWdPAgtn0='"
DOCS_POLICY = {"style-src": ["'self'", SWAGGER_INLINE_STYLE], "img-src": ["'self'", "data:"]}

api_docs = csp_update(DOCS_POLICY)(SpectacularSwaggerSplitView.as_view(url_name="api:schema", permission_classes=[]))
