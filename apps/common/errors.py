"""Domain errors: services raise these, one handler turns them into RFC 9457 problem details."""

from typing import Any


class VigilError(Exception):
    """Base of every domain error; `status` and `code` decide the HTTP answer."""

    status = 400
    code = "invalid"
    title = "Invalid request"

    def __init__(
        self, detail: str, *, errors: list[dict[str, Any]] | None = None, retry_after: int | None = None
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []
        self.retry_after = retry_after


class ValidationFailed(VigilError):
    status = 400
    code = "validation-failed"
    title = "The request did not validate"


class NotFound(VigilError):
    status = 404
    code = "not-found"
    title = "Not found"


class PermissionRefused(VigilError):
    status = 403
    code = "forbidden"
    title = "Forbidden"


class Conflict(VigilError):
    status = 409
    code = "conflict"
    title = "Conflict"


class AuthenticationRefused(VigilError):
    status = 401
    code = "not-authenticated"
    title = "Authentication failed"


class LimitExceeded(VigilError):
    """A quota or rate limit; `retry_after` (seconds) becomes the Retry-After header."""

    status = 429
    code = "limit-exceeded"
    title = "Limit exceeded"
