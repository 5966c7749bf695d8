"""Encryption at rest of OPRF secret keys under the key-encryption key from the environment."""

import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

_NONCE_BYTES = 12


def _aead() -> AESGCM:
    return AESGCM(bytes.fromhex(settings.KEY_ENCRYPTION_KEY))


def _associated_data(key_id: str) -> bytes:
    # Binding the key id means a ciphertext copied onto another key's row fails to decrypt.
    return f"vigil-oprf-key:{key_id}".encode()


def secret_encrypt(secret_key: bytes, *, key_id: str) -> bytes:
    nonce = os.urandom(_NONCE_BYTES)
    return nonce + _aead().encrypt(nonce, secret_key, _associated_data(key_id))


def secret_decrypt(ciphertext: bytes, *, key_id: str) -> bytes:
    return _aead().decrypt(ciphertext[:_NONCE_BYTES], ciphertext[_NONCE_BYTES:], _associated_data(key_id))
