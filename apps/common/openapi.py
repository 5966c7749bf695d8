"""The OpenAPI schema as the hub behaves: paged lists, public ids, and every problem+json answer."""

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent, is_serializer
from drf_spectacular.utils import OpenApiParameter

from apps.common.pagination import IdCursorPagination
from apps.common.problems import PROBLEM_CONTENT_TYPE

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details.",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "description": "Each invalid field, by JSON pointer into the request.",
            "items": {
                "type": "object",
                "required": ["pointer", "detail"],
                "properties": {"pointer": {"type": "string"}, "detail": {"type": "string"}},
            },
        },
    },
}
PROBLEMS = {
    400: "The request did not validate; `errors` names each field.",
    401: "No API key or session, or a wrong, revoked or expired key.",
    403: "The key lacks every scope this needs, or the organisation is not active.",
    404: "Nothing by that id (or cursor) that the caller may see.",
    409: "The object's state forbids this, or the Idempotency-Key was used for another body.",
    413: "The request body is larger than the hub accepts.",
    415: "The request body is not JSON.",
    429: "A rate limit or quota; retry after Retry-After seconds.",
    503: "A service the hub depends on is briefly unreachable; retry after Retry-After seconds.",
}
RETRY_AFTER = {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait before retrying."}}
BODY_METHODS = {"POST", "PUT", "PATCH"}


class VigilAutoSchema(AutoSchema):
    """Views may add statuses the rules below cannot see with `problem_statuses = {"POST": {409}}`."""

    def _get_paginator(self) -> IdCursorPagination | None:
        # Views page through `apps.common.api.paginated_response`; a view answering a bare list says
        # so with `pagination_class = None`.
        if self.method != "GET":
            return None
        pagination_class = getattr(self.view, "pagination_class", IdCursorPagination)
        return pagination_class() if pagination_class else None

    def _get_response_bodies(self, direction: str = "response") -> dict[str, Any]:
        serializer = self.get_response_serializers()
        if direction != "response":
            return super()._get_response_bodies(direction)
        if self.method == "DELETE" and is_serializer(serializer):
            # Deletes here answer 200 with the object as it ends (revoked, withdrawn), not 204.
            responses = {"200": self._get_response_for_code(serializer, "200", direction=direction)}
        else:
            responses = super()._get_response_bodies(direction)
        problem = ResolvedComponent(
            name="Problem", type=ResolvedComponent.SCHEMA, object="Problem", schema=PROBLEM_SCHEMA
        )
        self.registry.register_on_missing(problem)
        for status in sorted(self._problem_statuses()):
            answer: dict[str, Any] = {
                "description": PROBLEMS[status],
                "content": {PROBLEM_CONTENT_TYPE: {"schema": problem.ref}},
            }
            if status in (429, 503):
                answer["headers"] = RETRY_AFTER
            responses.setdefault(str(status), answer)
        return responses

    def _problem_statuses(self) -> set[int]:
        statuses = {400, 503}  # a malformed URL or query anywhere; the database or broker away anywhere
        if self.view.get_permissions():
            statuses |= {401, 403}
        # An id in the path, or a cursor that is stale or forged.
        if "{" in self.path or (self._get_paginator() and self._is_list_view()):
            statuses.add(404)
        if self.method in BODY_METHODS:
            statuses |= {413, 415}
        if self.view.get_throttles():  # the view's own rule, asked with this operation's method
            statuses.add(429)
        headers = [p for p in self.get_override_parameters() if isinstance(p, OpenApiParameter)]
        if any(p.name.lower() == "idempotency-key" for p in headers):
            statuses.add(409)
        declared = getattr(self.view, "problem_statuses", {})
        return statuses | set(declared.get(self.method, ()))
