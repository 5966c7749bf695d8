"""Signing in as the hub does it: password, then a code from the person's authenticator app."""

import time

import pytest
from allauth.mfa.adapter import get_adapter
from allauth.mfa.app_settings import TOTP_PERIOD
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from apps.accounts.selectors import user_for_login

PASSWORD = "correct horse battery staple"
LOGIN = reverse("accounts:login")
SECOND_FACTOR = reverse("mfa_authenticate")


@pytest.fixture(autouse=True)
def _forget_used_codes() -> None:
    # allauth remembers used TOTP codes in the cache, which outlives a test's database.
    cache.clear()


def totp_code(secret: str, offset: int = 0) -> str:
    """The code an authenticator app shows now, computed with allauth's own HOTP function."""
    return format_hotp_value(hotp_value(secret, int(time.time()) // TOTP_PERIOD + offset))


def stored_secret(user: object) -> str:
    authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    return get_adapter().decrypt(authenticator.data["secret"])


def enrol(user: object) -> str:
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def sign_in_password(client: Client, login: str, password: str = PASSWORD, **extra: str):
    return client.post(LOGIN, {"login": login, "password": password}, **extra)


def sign_in(client: Client, login: str, password: str = PASSWORD, code: str | None = None, **extra: str):
    """The password, then (if it was taken) the second factor's code; returns the last answer."""
    response = sign_in_password(client, login, password, **extra)
    if response.status_code == 302 and response["Location"].startswith(SECOND_FACTOR):
        if code is None:
            code = totp_code(stored_secret(user_for_login(login=login)))
        response = client.post(SECOND_FACTOR, {"code": code}, **extra)
    return response
