"""OPRF secret keys at rest, encrypted under the key-encryption key and bound to their key id."""

from django.views.decorators.debug import sensitive_variables

from apps.common.crypto import aead_decrypt, aead_encrypt


@sensitive_variables()
def secret_encrypt(secret_key: bytes, *, key_id: str) -> bytes:
    return aead_encrypt(secret_key, associated=f"vigil-oprf-key:{key_id}")


@sensitive_variables()
def secret_decrypt(ciphertext: bytes, *, key_id: str) -> bytes:
    return aead_decrypt(ciphertext, associated=f"vigil-oprf-key:{key_id}")


def share_key_id(key_id: str, index: int) -> str:
    """What a trustee's share is bound to at rest: its key and its place, so no two can be swapped."""
    return f"{key_id}/share/{index}"
