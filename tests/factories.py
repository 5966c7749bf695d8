"""factory_boy factories for the test world."""

import factory
from django.contrib.auth import get_user_model

from apps.organisations.keys import key_generate
from apps.organisations.models import ApiKey, Membership, Organisation, OrganisationStatus, Role, Sector


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Member {n}")
    slug = factory.LazyAttribute(lambda o: o.name.lower().replace(" ", "-"))
    sector = Sector.BANK
    jurisdiction = "GB"
    status = OrganisationStatus.ACTIVE
    contact_email = factory.LazyAttribute(lambda o: f"desk@{o.slug}.example.org")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    password = factory.django.Password("correct horse battery staple")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Role.ANALYST


class ApiKeyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ApiKey

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"key {n}")
    scopes = factory.LazyFunction(lambda: ["read"])

    @classmethod
    def with_secret(cls, **kwargs: object) -> tuple[ApiKey, str]:
        """A key together with its secret, as the member system would hold it."""
        full, prefix, digest = key_generate()
        return cls(prefix=prefix, secret_hash=digest, **kwargs), full


def token_for(n: int | str) -> str:
    """A deterministic well-formed token for tests (real tokens come from the VOPRF)."""
    import hashlib

    return hashlib.sha256(f"test-token-{n}".encode()).hexdigest()


def report_item(token: str, key_id: str, **overrides: object) -> dict:
    """One item of a report batch, as a member system would send it."""
    return {"token": token, "key_id": key_id, "namespace": "btc", "category": "osec_payment", **overrides}
