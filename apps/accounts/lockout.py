"""django-axes glue: whose failures count together, and the answer once they are too many."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from apps.accounts.selectors import lockout_username
from apps.common.problems import PROBLEM_CONTENT_TYPE, problem_body


def axes_username(request: HttpRequest, credentials: dict[str, Any] | None = None) -> str:
    """AXES_USERNAME_CALLABLE: the canonical account name of the sign-in, whatever spelling was typed."""
    login = (credentials or {}).get("username") or request.POST.get("username") or ""
    return lockout_username(login=str(login))


def cool_off_minutes() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict[str, Any] | None = None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: a page for people, problem+json under /api/. Said the same way for every
    name, known or not, so the lockout reveals no more than a wrong password does."""
    minutes = cool_off_minutes()
    if request.path.startswith("/api/"):
        body = problem_body(
            status=429,
            code="sign-in-locked",
            title="Too many failed sign-ins",
            detail=f"Too many failed sign-ins for this account from this address; try again in {minutes} minutes.",
        )
        response: HttpResponse = JsonResponse(body, status=429, content_type=PROBLEM_CONTENT_TYPE)
    else:
        response = render(request, "accounts/locked_out.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = str(minutes * 60)
    return response
