"""Encryption at rest under the key-encryption key from the environment (OPRF keys, webhook secrets)."""

import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.views.decorators.debug import sensitive_variables

_NONCE_BYTES = 12


def _aead() -> AESGCM:
    return AESGCM(bytes.fromhex(settings.KEY_ENCRYPTION_KEY))


@sensitive_variables()
def aead_encrypt(plaintext: bytes, *, associated: str) -> bytes:
    """AES-256-GCM; `associated` binds the ciphertext to its row, so it cannot be moved to another."""
    nonce = os.urandom(_NONCE_BYTES)
    return nonce + _aead().encrypt(nonce, plaintext, associated.encode())


@sensitive_variables()
def aead_decrypt(ciphertext: bytes, *, associated: str) -> bytes:
    return _aead().decrypt(ciphertext[:_NONCE_BYTES], ciphertext[_NONCE_BYTES:], associated.encode())


@sensitive_variables()
def secret_encrypt(secret_key: bytes, *, key_id: str) -> bytes:
    return aead_encrypt(secret_key, associated=f"vigil-oprf-key:{key_id}")


@sensitive_variables()
def secret_decrypt(ciphertext: bytes, *, key_id: str) -> bytes:
    return aead_decrypt(ciphertext, associated=f"vigil-oprf-key:{key_id}")
