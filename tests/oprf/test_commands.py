"""`manage.py oprf_key`: generate, import, rotate, list, retire, ensure."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.oprf.models import KeyStatus, OprfKey
from tests.rfc_vectors import RFC_PUBLIC, VOPRF

pytestmark = pytest.mark.django_db


def _run(*args: str, capsys) -> str:
    call_command("oprf_key", *args)
    return capsys.readouterr().out


def test_import_makes_the_rfc_key_current_unless_told_not_to(capsys) -> None:
    generated = _run("generate", capsys=capsys).split()[0]
    imported = _run("import", "--secret-hex", VOPRF["skSm"], "--no-activate", capsys=capsys).split()
    assert imported[1] == "pending"
    assert bytes(OprfKey.objects.get(key_id=imported[0]).public_key) == RFC_PUBLIC
    rotated = _run("rotate", capsys=capsys).split()
    assert rotated == [imported[0], "current"]
    assert OprfKey.objects.get(key_id=generated).status == KeyStatus.PREVIOUS
    listing = _run("list", capsys=capsys)
    assert RFC_PUBLIC.hex() in listing
    assert VOPRF["skSm"] not in listing
    assert _run("retire", generated, capsys=capsys).split() == [generated, "retired"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["import", "--secret-hex", "nothex"], "must be hex"),
        (["import", "--secret-hex", "abcd"], "32 bytes"),
        (["retire", "0000000000000000"], "No OPRF key"),
    ],
)
def test_bad_input_is_a_clear_error(args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("oprf_key", *args)
