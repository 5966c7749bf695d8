"""Seal the second-factor secrets stored before they were encrypted at rest (TOTP keys, recovery seeds)."""

from django.db import migrations

from apps.accounts.adapter import SEALED_PREFIX, SecondFactorAdapter

# Which field of an authenticator's data holds its secret, by authenticator type.
SECRET_FIELDS = {"totp": "secret", "recovery_codes": "seed"}


def seal(apps, schema_editor) -> None:
    Authenticator = apps.get_model("mfa", "Authenticator")
    adapter = SecondFactorAdapter()
    for authenticator in Authenticator.objects.filter(type__in=SECRET_FIELDS):
        name = SECRET_FIELDS[authenticator.type]
        value = authenticator.data.get(name)
        if isinstance(value, str) and not value.startswith(SEALED_PREFIX):
            authenticator.data[name] = adapter.encrypt(value)
            authenticator.save(update_fields=["data"])


class Migration(migrations.Migration):
    dependencies = [("mfa", "0003_authenticator_type_uniq")]

    operations = [migrations.RunPython(seal, migrations.RunPython.noop)]
