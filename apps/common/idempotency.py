"""Idempotency-Key support: a retried request gets the first answer and changes nothing twice."""

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Model

from apps.common.errors import VigilError
from apps.common.models import IdempotencyRecord

MAX_KEY_LENGTH = 200


class IdempotencyConflict(VigilError):
    status = 422
    code = "idempotency-key-reused"
    title = "Idempotency key reused"


def request_fingerprint(body: Any) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":"), default=str).encode()).hexdigest()


def _replay(record: IdempotencyRecord, fingerprint: str) -> tuple[int, Any]:
    if record.request_hash != fingerprint:
        raise IdempotencyConflict("This Idempotency-Key was used for a different request body.")
    return record.response_status, record.response_body


def idempotent(
    *, organisation: Model, key: str | None, body: Any, action: Callable[[], tuple[int, Any]]
) -> tuple[int, Any]:
    """Run `action` once per (organisation, key): its answer is stored in its own transaction."""
    if not key:
        return action()
    if len(key) > MAX_KEY_LENGTH:
        raise VigilError(f"Idempotency-Key must be at most {MAX_KEY_LENGTH} characters.")
    fingerprint = request_fingerprint(body)
    existing = IdempotencyRecord.objects.filter(organisation=organisation, key=key).first()
    if existing is not None:
        return _replay(existing, fingerprint)
    try:
        with transaction.atomic():
            # Inserted first: a concurrent retry blocks on the unique index until this commits.
            record = IdempotencyRecord.objects.create(organisation=organisation, key=key, request_hash=fingerprint)
            status, response = action()
            record.response_status, record.response_body = status, response
            record.save(update_fields=["response_status", "response_body"])
    except IntegrityError:
        record = IdempotencyRecord.objects.filter(organisation=organisation, key=key).first()
        if record is None:  # the conflict was not ours
            raise
        return _replay(record, fingerprint)
    return status, response
