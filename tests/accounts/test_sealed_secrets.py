"""Second-factor secrets are sealed at rest: the database alone signs nobody in."""

import importlib
import json

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.apps import apps

from apps.accounts.adapter import SEALED_PREFIX
from tests.accounts.conftest import enrol, stored_secret

pytestmark = pytest.mark.django_db
seal_migration = importlib.import_module("apps.accounts.migrations.0001_seal_second_factor_secrets")


def test_an_authenticator_app_secret_is_stored_sealed_and_read_back(world) -> None:
    Authenticator.objects.filter(user=world.charlie).delete()
    secret = enrol(world.charlie)
    stored = Authenticator.objects.get(user=world.charlie, type=Authenticator.Type.TOTP).data
    assert stored["secret"].startswith(SEALED_PREFIX)
    assert secret not in json.dumps(stored)
    assert stored_secret(world.charlie) == secret


def test_the_recovery_code_seed_is_stored_sealed_and_the_codes_still_work(world) -> None:
    codes = RecoveryCodes.activate(world.alice)
    stored = Authenticator.objects.get(user=world.alice, type=Authenticator.Type.RECOVERY_CODES).data
    assert stored["seed"].startswith(SEALED_PREFIX)
    assert codes.validate_code(codes.generate_codes()[0])


def test_secrets_stored_before_sealing_are_sealed_by_the_migration(world) -> None:
    authenticator = Authenticator.objects.get(user=world.alice, type=Authenticator.Type.TOTP)
    plain = stored_secret(world.alice)
    Authenticator.objects.filter(pk=authenticator.pk).update(data={"secret": plain})
    seal_migration.seal(apps, None)
    authenticator.refresh_from_db()
    assert authenticator.data["secret"].startswith(SEALED_PREFIX)
    assert stored_secret(world.alice) == plain
