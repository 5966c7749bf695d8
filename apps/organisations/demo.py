"""A demo consortium for a first run: a bank, an exchange, an NGO and a police unit with people who sign in,
and more members without people, whose reports give the statistics enough organisations to publish."""

from dataclasses import dataclass

from allauth.mfa.adapter import get_adapter as mfa_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from apps.common.actors import SYSTEM
from apps.organisations.models import Organisation, Role, Sector
from apps.organisations.services import api_key_create, organisation_create, user_create

# Everyone else signs in as an admin; an analyst shows what the everyday role sees.
DEMO_ANALYSTS = [("Northbridge Bank", "bank-analyst")]
DEMO_MEMBERS = [
    ("Northbridge Bank", Sector.BANK, "GB", "bank-admin"),
    ("Coinharbor Exchange", Sector.EXCHANGE, "MT", "exchange-admin"),
    ("Safe Childhood Watch", Sector.NGO, "NL", "ngo-admin"),
    ("Online Child Exploitation Unit", Sector.LAW_ENFORCEMENT, "IE", "police-admin"),
]

# Members without people: enough per sector and jurisdiction that statistics cells reach k organisations.
DEMO_CONSORTIUM = [
    ("Harbourline Bank", Sector.BANK, "GB"),
    ("Eastmere Savings Bank", Sector.BANK, "GB"),
    ("Rheinfeld Handelsbank", Sector.BANK, "DE"),
    ("Kestrel Federal Bank", Sector.BANK, "US"),
    ("Pinecrest Credit Union", Sector.BANK, "US"),
    ("Ledgerline Exchange", Sector.EXCHANGE, "GB"),
    ("Northgate Digital Assets", Sector.EXCHANGE, "GB"),
    ("Meltemi Crypto Exchange", Sector.EXCHANGE, "MT"),
    ("Coastal Coin Exchange", Sector.EXCHANGE, "US"),
    ("Summit Digital Exchange", Sector.EXCHANGE, "US"),
    ("Metropolitan Cyber Crime Unit", Sector.LAW_ENFORCEMENT, "GB"),
    ("Border Financial Crime Unit", Sector.LAW_ENFORCEMENT, "GB"),
    ("Federal Child Exploitation Task Force", Sector.LAW_ENFORCEMENT, "US"),
    ("State Internet Crimes Unit", Sector.LAW_ENFORCEMENT, "US"),
    ("Regional Police Cyber Team", Sector.LAW_ENFORCEMENT, "NL"),
    ("Guardian Light Trust", Sector.NGO, "GB"),
    ("Childsafe Online Foundation", Sector.NGO, "US"),
    ("Paylark Payments", Sector.PAYMENT_PROVIDER, "SG"),
]


@dataclass(frozen=True)
class DemoCredential:
    organisation: str
    username: str
    password: str  # empty when the person existed already and only their authenticator is new
    api_key: str = ""
    totp_secret: str = ""
    totp_uri: str = ""


def _demo_authenticator(user: AbstractBaseUser) -> tuple[str, str]:
    """Give a demo person an authenticator app, stored exactly as allauth stores one activated on its page,
    and return its base32 secret and otpauth:// URI, so a newcomer can add it to an app and sign in."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret, mfa_adapter().build_totp_url(user, secret)


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
        user, password = user_create(
            actor=SYSTEM, organisation=organisation, username=username, email=f"{username}@example.org", role=Role.ADMIN
        )
        _, secret = api_key_create(
            actor=SYSTEM, organisation=organisation, name="demo", scopes=["report", "screen", "read", "manage"]
        )
        created.append(DemoCredential(organisation.slug, username, password, secret, *_demo_authenticator(user)))
    for name, username in DEMO_ANALYSTS:
        organisation = Organisation.objects.filter(name=name).first()
        if organisation is None or get_user_model().objects.filter(username=username).exists():
            continue
        user, password = user_create(
            actor=SYSTEM,
            organisation=organisation,
            username=username,
            email=f"{username}@example.org",
            role=Role.ANALYST,
        )
        created.append(DemoCredential(organisation.slug, username, password, "", *_demo_authenticator(user)))
    if not get_user_model().objects.filter(username="hub-admin").exists():
        user, password = user_create(
            actor=SYSTEM, organisation=None, username="hub-admin", email="hub-admin@example.org", hub_admin=True
        )
        created.append(DemoCredential("(hub administrator)", "hub-admin", password, "", *_demo_authenticator(user)))
    # Demo people from before second factors were required get an authenticator now (their password stands).
    demo_names = [username for *_, username in DEMO_MEMBERS + DEMO_ANALYSTS] + ["hub-admin"]
    for user in (
        get_user_model().objects.filter(username__in=demo_names).exclude(authenticator__type=Authenticator.Type.TOTP)
    ):
        membership = getattr(user, "membership", None)
        organisation_label = membership.organisation.slug if membership is not None else "(hub administrator)"
        created.append(DemoCredential(organisation_label, user.get_username(), "", "", *_demo_authenticator(user)))
    return created


@transaction.atomic
def demo_consortium_members_load() -> list[Organisation]:
    """Create the members without people, unless they were created before; returns those created."""
    if Organisation.objects.filter(name__in=[name for name, *_ in DEMO_CONSORTIUM]).exists():
        return []
    return [
        organisation_create(
            actor=SYSTEM, name=name, sector=sector, jurisdiction=jurisdiction, contact_name=f"{name} duty desk"
        )
        for name, sector, jurisdiction in DEMO_CONSORTIUM
    ]
