"""RFC 9457 problem details for every API error, including Django's own 404 and 500."""

import sys
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler

from apps.common.errors import VigilError
from apps.common.faults import RETRY_AFTER_SECONDS, is_transient

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://vigil.invalid/problems/"


def problem_body(*, status: int, code: str, title: str, detail: str, **extra: Any) -> dict[str, Any]:
    return {"type": PROBLEM_TYPE_BASE + code, "title": title, "status": status, "detail": detail, **extra}


def _flatten_validation(data: Any, prefix: str = "") -> list[dict[str, str]]:
    """DRF nests validation errors by field; flatten them to a list of pointer/message pairs."""
    if isinstance(data, dict):
        out: list[dict[str, str]] = []
        for key, value in data.items():
            out += _flatten_validation(value, f"{prefix}/{key}")
        return out
    if isinstance(data, list) and data and all(isinstance(item, str) for item in data):
        return [{"pointer": prefix or "/", "detail": str(item)} for item in data]
    if isinstance(data, list):
        out = []
        for index, value in enumerate(data):
            out += _flatten_validation(value, f"{prefix}/{index}")
        return out
    return [{"pointer": prefix or "/", "detail": str(data)}]


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if is_transient(exc):
        response = Response(_unavailable_body(), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    elif isinstance(exc, VigilError):
        body = problem_body(status=exc.status, code=exc.code, title=exc.title, detail=exc.detail)
        if exc.errors:
            body["errors"] = exc.errors
        response = Response(body, status=exc.status)
        if exc.retry_after is not None:
            response["Retry-After"] = str(exc.retry_after)
    else:
        response = exception_handler(exc, context)
        if response is None:
            return None
        if isinstance(exc, exceptions.ValidationError):
            response.data = problem_body(
                status=response.status_code,
                code="validation-failed",
                title="The request did not validate",
                detail="One or more fields are invalid.",
                errors=_flatten_validation(exc.detail),
            )
        else:
            detail = response.data.get("detail", "") if isinstance(response.data, dict) else ""
            code = getattr(getattr(exc, "detail", None), "code", None) or "error"
            response.data = problem_body(
                status=response.status_code,
                code=str(code).replace("_", "-"),
                title=response.status_text,
                detail=str(detail),
            )
    response.content_type = PROBLEM_CONTENT_TYPE
    return response


def _unavailable_body() -> dict[str, Any]:
    return problem_body(
        status=503,
        code="service-unavailable",
        title="Service unavailable",
        detail="A service the hub depends on is briefly unreachable; retry after the Retry-After delay.",
    )


def problem_response(status: int, code: str, title: str, detail: str) -> JsonResponse:
    return JsonResponse(
        problem_body(status=status, code=code, title=title, detail=detail),
        status=status,
        content_type=PROBLEM_CONTENT_TYPE,
    )


def service_unavailable(request: HttpRequest) -> HttpResponse:
    """The answer while the database or broker is unreachable: problem+json under /api/, text elsewhere."""
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(_unavailable_body(), status=503, content_type=PROBLEM_CONTENT_TYPE)
    else:
        response = HttpResponse(_unavailable_body()["detail"], status=503, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def request_too_large(max_bytes: int) -> JsonResponse:
    return problem_response(
        413, "request-too-large", "Request too large", f"The request body must be at most {max_bytes} bytes."
    )


def api_not_found(request: HttpRequest) -> HttpResponse:
    return problem_response(404, "not-found", "Not found", f"No API resource at {request.path}.")


def handler400(request: HttpRequest, exception: Exception) -> HttpResponse:
    if not request.path.startswith("/api/"):
        return defaults.bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig):
        return request_too_large(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    return problem_response(400, "bad-request", "Bad request", "The request could not be read.")


def handler404(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith("/api/"):
        return api_not_found(request)
    return defaults.page_not_found(request, exception)


def handler500(request: HttpRequest) -> HttpResponse:
    # Called while the failure is being handled, so the exception is still at hand.
    if is_transient(sys.exc_info()[1]):
        return service_unavailable(request)
    if request.path.startswith("/api/"):
        return problem_response(500, "server-error", "Server error", "The hub failed; the error is logged.")
    return defaults.server_error(request)
