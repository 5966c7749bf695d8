"""Webhook secrets: generated in the Standard Webhooks `whsec_` form, stored encrypted."""

import base64
import os

from django.views.decorators.debug import sensitive_variables

from apps.common.crypto import aead_decrypt, aead_encrypt

_SECRET_BYTES = 32


@sensitive_variables()
def webhook_secret_generate() -> str:
    return "whsec_" + base64.b64encode(os.urandom(_SECRET_BYTES)).decode()


@sensitive_variables()
def webhook_secret_encrypt(secret: str, *, endpoint_label: str) -> bytes:
    return aead_encrypt(secret.encode(), associated=f"vigil-webhook-secret:{endpoint_label}")


@sensitive_variables()
def webhook_secret_decrypt(ciphertext: bytes, *, endpoint_label: str) -> str:
    return aead_decrypt(ciphertext, associated=f"vigil-webhook-secret:{endpoint_label}").decode()
