"""allauth glue: nobody signs up, one answer for every failed sign-in, client addresses as the hub sees them,
and second-factor secrets sealed at rest."""

import base64
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context
from allauth.mfa.adapter import DefaultMFAAdapter
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.views.decorators.debug import sensitive_variables

from apps.accounts.forms import INVALID_SIGN_IN
from apps.accounts.selectors import user_has_second_factor
from apps.common.crypto import aead_decrypt, aead_encrypt
from apps.organisations.context import client_ip


class AccountAdapter(DefaultAccountAdapter):
    # allauth words a failure by whether an e-mail or a name was typed; one sentence for both reveals nothing.
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "username_password_mismatch": INVALID_SIGN_IN,
        "email_password_mismatch": INVALID_SIGN_IN,
    }

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # People arrive by invitation: an organisation admin or a hub administrator creates them.
        return False

    def is_reauthentication_required(self, *, app: str, **kwargs: Any) -> bool:
        # A person setting up their first second factor has just been sent here by the hub; asking for the
        # password again would protect nothing (they hold no factor yet). Any later change asks as usual.
        request = context.request
        user = getattr(request, "user", None)
        if (
            app == "allauth.mfa"
            and user is not None
            and user.is_authenticated
            and not user_has_second_factor(user=user)
        ):
            return False
        return super().is_reauthentication_required(app=app, **kwargs)

    def get_client_ip(self, request: HttpRequest) -> str:
        # REMOTE_ADDR as TrustedProxyMiddleware left it, the address axes and the audit trail record too.
        ip = client_ip(request)
        if not ip:
            raise PermissionDenied("Unable to determine client IP address")
        return ip


class SecondFactorAdapter(DefaultMFAAdapter):
    """Second-factor secrets (the TOTP key, the recovery-code seed) are stored encrypted under the
    key-encryption key from the environment, never in the clear: a database dump must not sign anyone in."""

    @sensitive_variables()
    def encrypt(self, text: str) -> str:
        return SEALED_PREFIX + base64.b64encode(aead_encrypt(text.encode(), associated=_ASSOCIATED)).decode()

    @sensitive_variables()
    def decrypt(self, encrypted_text: str) -> str:
        if not encrypted_text.startswith(SEALED_PREFIX):
            raise ValueError("a second-factor secret is stored unsealed")
        sealed = base64.b64decode(encrypted_text.removeprefix(SEALED_PREFIX))
        return aead_decrypt(sealed, associated=_ASSOCIATED).decode()


SEALED_PREFIX = "sealed:v1:"
_ASSOCIATED = "vigil-second-factor"
