"""allauth glue: nobody signs up, one answer for every failed sign-in, and client addresses as the hub sees them."""

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from apps.accounts.forms import INVALID_SIGN_IN
from apps.accounts.selectors import user_has_second_factor
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
