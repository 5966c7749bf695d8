"""Encryption at rest under the key-encryption key from the environment (OPRF keys, webhook secrets,
second-factor secrets): one AEAD for every secret the hub must be able to read back."""

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
