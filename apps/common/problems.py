"""RFC 9457 problem details for every API error, including Django's own 404 and 500."""

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler

from apps.common.errors import VigilError

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
    if isinstance(exc, VigilError):
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


def _problem_response(status: int, code: str, title: str, detail: str) -> JsonResponse:
    return JsonResponse(
        problem_body(status=status, code=code, title=title, detail=detail),
        status=status,
        content_type=PROBLEM_CONTENT_TYPE,
    )


def api_not_found(request: HttpRequest) -> HttpResponse:
    return _problem_response(404, "not-found", "Not found", f"No API resource at {request.path}.")


def handler404(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith("/api/"):
        return api_not_found(request)
    return defaults.page_not_found(request, exception)


def handler500(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        return _problem_response(500, "server-error", "Server error", "The hub failed; the error is logged.")
    return defaults.server_error(request)
