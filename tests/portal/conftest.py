"""The portal's test world: the shared Alice/Bob/Charlie world, plus Dora (org A analyst) and a hub administrator."""

from dataclasses import dataclass

import pytest
from django.apps import apps
from django.test import Client

from apps.common.actors import Actor
from apps.indicators.models import Report
from apps.matching.reporting import report_submit
from apps.matching.selectors import match_list_visible_to
from apps.organisations.models import Role
from tests.factories import MembershipFactory, UserFactory, report_item, token_for


def give_second_factor(user: object) -> None:
    """Members sign in with a second factor where the accounts app requires one; these tests start signed in."""
    if not apps.is_installed("allauth.mfa"):
        return
    from allauth.mfa.models import Authenticator  # only when the app is installed
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    if not Authenticator.objects.filter(user=user).exists():
        TOTP.activate(user, generate_totp_secret())


@dataclass
class Portal:
    world: object
    dora: object  # org A analyst
    hub_admin: object
    key_id: str

    def client_for(self, user: object) -> Client:
        give_second_factor(user)
        client = Client()
        client.force_login(user)
        return client

    def report(self, organisation: object, *tokens: str, **policy: object) -> list[Report]:
        items = [report_item(token, self.key_id) for token in tokens]
        report_submit(actor=Actor(organisation=organisation), items=items, policy=policy)
        return list(Report.objects.filter(organisation=organisation, token__in=tokens))

    def match_between_a_and_b(self, token: str = token_for("shared"), visibility: str = "anonymous") -> str:
        """Org A and org B both report `token`; returns the match's public id as org A sees it."""
        self.report(self.world.org_a, token, visibility="named")
        self.report(self.world.org_b, token, visibility=visibility)
        return match_list_visible_to(organisation=self.world.org_a)[0]["id"]


@pytest.fixture
def portal(world, rfc_key) -> Portal:
    dora = MembershipFactory(organisation=world.org_a, role=Role.ANALYST, user__username="dora").user
    hub_admin = UserFactory(username="ops", is_staff=True)
    return Portal(world, dora, hub_admin, rfc_key.key_id)


@pytest.fixture
def alice(portal) -> Client:
    return portal.client_for(portal.world.alice)


@pytest.fixture
def bob(portal) -> Client:
    return portal.client_for(portal.world.bob)


@pytest.fixture
def dora(portal) -> Client:
    return portal.client_for(portal.dora)


@pytest.fixture
def charlie(portal) -> Client:
    return portal.client_for(portal.world.charlie)


@pytest.fixture
def ops(portal) -> Client:
    return portal.client_for(portal.hub_admin)
