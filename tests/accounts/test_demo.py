"""The demo consortium: every demo person can sign in with the printed password and authenticator secret."""

import re
from io import StringIO

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.core.management import call_command

from apps.organisations.demo import DEMO_MEMBERS
from tests.accounts.conftest import sign_in, stored_secret, totp_code

pytestmark = pytest.mark.django_db


def load_demo() -> str:
    out = StringIO()
    call_command("load_demo", "--wallets", "0", stdout=out)  # the consortium's size does not matter here
    return out.getvalue()


def test_load_demo_prints_a_secret_that_signs_in(client) -> None:
    output = load_demo()
    user, password = re.search(r"user (bank-admin)\s+password (\S+)", output).groups()
    secret = re.search(r"TOTP secret ([A-Z2-7]+)", output).group(1)
    uri = re.search(r"(otpauth://totp/\S+)", output).group(1)
    assert f"secret={secret}" in uri and "issuer=Vigil%20hub" in uri
    assert secret == stored_secret(get_user_model().objects.get(username=user))
    response = sign_in(client, user, password, code=totp_code(secret))
    assert response.status_code == 302
    assert client.get("/accounts/").status_code == 200


def test_every_demo_person_gets_an_authenticator_and_a_rerun_creates_nothing(client) -> None:
    output = load_demo()
    # An admin per organisation, the bank's analyst and the hub administrator.
    assert output.count("TOTP secret") == len(DEMO_MEMBERS) + 2
    assert "already loaded" in load_demo()


def test_a_rerun_gives_an_authenticator_to_demo_people_from_before_second_factors(client) -> None:
    load_demo()
    Authenticator.objects.filter(user__username="ngo-admin").delete()
    output = load_demo()
    assert re.search(r"user ngo-admin\s+password \(unchanged\)", output)
    assert output.count("TOTP secret") == 1
