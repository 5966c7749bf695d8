"""API key format: `vigil_<public id>_<secret>`, recognisable by secret scanners, stored as a hash."""

import hashlib
import hmac
import secrets

from django.views.decorators.debug import sensitive_variables

KEY_PREFIX = "vigil_"


@sensitive_variables()
def key_generate() -> tuple[str, str, str]:
    """Return (full key to show once, public prefix to store, hash to store)."""
    public = secrets.token_hex(6)
    full = f"{KEY_PREFIX}{public}_{secrets.token_urlsafe(32)}"
    return full, public, key_hash(full)


@sensitive_variables()
def key_hash(full_key: str) -> str:
    # The secret has 256 bits of entropy, so a fast hash suffices (no password stretching needed).
    return hashlib.sha256(full_key.encode()).hexdigest()


@sensitive_variables()
def key_parse_prefix(full_key: str) -> str | None:
    if not full_key.startswith(KEY_PREFIX):
        return None
    public, sep, secret = full_key[len(KEY_PREFIX) :].partition("_")
    if not sep or not public or not secret:
        return None
    return public


@sensitive_variables()
def key_matches(full_key: str, stored_hash: str) -> bool:
    return hmac.compare_digest(key_hash(full_key), stored_hash)
