"""A small demo consortium for a first run: one bank, one exchange, one NGO and one police unit."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from apps.common.actors import SYSTEM
from apps.organisations.models import Organisation, Role, Sector
from apps.organisations.services import api_key_create, organisation_create, user_create

DEMO_MEMBERS = [
    ("Northbridge Bank", Sector.BANK, "GB", "bank-admin"),
    ("Coinharbor Exchange", Sector.EXCHANGE, "MT", "exchange-admin"),
    ("Safe Childhood Watch", Sector.NGO, "NL", "ngo-admin"),
    ("Online Child Exploitation Unit", Sector.LAW_ENFORCEMENT, "IE", "police-admin"),
]


@dataclass(frozen=True)
class DemoCredential:
    organisation: str
    username: str
    password: str
    api_key: str = ""


@transaction.atomic
def demo_load() -> list[DemoCredential]:
    """Create the members that are missing and return their fresh credentials."""
    created: list[DemoCredential] = []
    for name, sector, jurisdiction, username in DEMO_MEMBERS:
        if Organisation.objects.filter(name=name).exists():
            continue
        organisation = organisation_create(
            actor=SYSTEM,
            name=name,
            sector=sector,
            jurisdiction=jurisdiction,
            contact_name=f"{name} duty desk",
            contact_email=f"{username}@example.org",
        )
        _, password = user_create(
            actor=SYSTEM, organisation=organisation, username=username, email=f"{username}@example.org", role=Role.ADMIN
        )
        _, secret = api_key_create(
            actor=SYSTEM, organisation=organisation, name="demo", scopes=["report", "screen", "read", "manage"]
        )
        created.append(DemoCredential(organisation.slug, username, password, secret))
    if not get_user_model().objects.filter(username="hub-admin").exists():
        _, password = user_create(
            actor=SYSTEM, organisation=None, username="hub-admin", email="hub-admin@example.org", hub_admin=True
        )
        created.append(DemoCredential("(hub administrator)", "hub-admin", password))
    return created
