"""The shared record on the hub: ciphertext only, members, grants, rotation, recovery, tenant isolation."""

import pytest
from django.urls import reverse
from vigil_client import recordcrypto as rc
from vigil_client import shared_record
from vigil_client.hub import HubError
from vigil_client.record import Wallet

from apps.audit.models import AuditEvent
from apps.common.actors import Actor
from apps.common.public_ids import internal_id, public_id
from apps.organisations.models import ApiKey
from apps.organisations.services import api_key_revoke
from apps.records.models import Entry, Record, RecordMember, WrappedKey
from tests.records.conftest import PASSPHRASE

pytestmark = pytest.mark.django_db

BTC = "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"
EVM = "0x52908400098527886e0f7030069857d2e4169ee7"
KEY_ID = "0123456789abcdef"


def wallet(n: int, canonical: str = BTC, namespace: str = "btc") -> Wallet:
    return Wallet(namespace, canonical, canonical.upper() if namespace == "btc" else canonical, KEY_ID, f"{n:064x}")


def rc_entry(item: Wallet) -> dict:
    return shared_record._entry(item)


def _api_key_of(member_id: str) -> ApiKey:
    return RecordMember.objects.get(pk=internal_id("record_member", member_id)).api_key


def actions() -> list[str]:
    return list(AuditEvent.objects.order_by("id").values_list("action", flat=True))


def test_creating_the_record_stores_public_keys_sealed_keys_and_a_key_check_only(world, founder) -> None:
    record, secret, _ = founder
    stored = Record.objects.get(organisation=world.org_a)
    assert stored.generation == 1
    assert [member.kind for member in stored.members.order_by("id")] == ["client", "recovery"]
    assert record.readable
    assert record.keys[1].hex() not in str(list(WrappedKey.objects.values()))
    assert "record.created" in actions()
    assert secret.startswith(rc.RECOVERY_PREFIX)


def test_a_second_record_is_a_conflict(world, founder, new_client) -> None:
    hub, home = new_client()
    with pytest.raises(HubError) as refused:
        shared_record.init(hub, world.org_a.slug, PASSPHRASE, home)
    assert refused.value.status == 409


def test_another_organisations_record_is_not_found(world, founder) -> None:
    record, _, _ = founder
    assert world.client_b.get(reverse("api:record")).status_code == 404
    assert world.client_b.get(reverse("api:record-member", args=[record.member_id])).status_code == 404
    response = world.client_b.post(
        reverse("api:record-member", args=[record.member_id]) + "/grant",
        {"keys": [{"generation": 1, "wrapped_key": "x"}]},
        format="json",
    )
    assert response.status_code == 404


def test_a_new_member_reads_nothing_until_a_member_grants_it_the_key(world, founder, new_client) -> None:
    record, _, _ = founder
    record.save([wallet(1)])
    hub, home = new_client()
    member_id, fingerprint = shared_record.join(hub, world.org_a.slug, PASSPHRASE, home)
    colleague = shared_record.open_shared(hub, world.org_a.slug, PASSPHRASE, home)
    assert not colleague.readable
    with pytest.raises(shared_record.SharedRecordError, match="grant"):
        colleague.wallets_for_tokens([(KEY_ID, wallet(1).token)])
    with pytest.raises(HubError) as refused:
        colleague.hub.record_write(
            [{"key_id": KEY_ID, "token": wallet(2).token, "generation": 1, "ciphertext": "AA=="}]
        )
    assert refused.value.status == 403

    assert shared_record.fingerprint_of(record.hub.record_member(member_id)) == fingerprint
    record.grant(member_id)
    colleague.refresh()
    assert colleague.wallets_for_tokens([(KEY_ID, wallet(1).token)]) == {(KEY_ID, wallet(1).token): wallet(1)}
    granted = AuditEvent.objects.get(action="record.granted")
    assert granted.object_id == str(internal_id("record_member", member_id))
    assert granted.data == {"generations": [1], "by": record.member_id}


def test_only_a_member_holding_the_key_can_grant_it(world, founder, new_client) -> None:
    hub_one, home_one = new_client()
    hub_two, home_two = new_client()
    shared_record.join(hub_one, world.org_a.slug, PASSPHRASE, home_one)
    second, _ = shared_record.join(hub_two, world.org_a.slug, PASSPHRASE, home_two)
    ungranted = shared_record.open_shared(hub_one, world.org_a.slug, PASSPHRASE, home_one)
    forged = rc.wrap_record_key(rc.keypair()[1], rc.new_record_key(), organisation=world.org_a.slug, generation=1)
    with pytest.raises(HubError) as refused:
        ungranted.hub.record_grant(second, [{"generation": 1, "wrapped_key": forged}])
    assert refused.value.status == 403
    assert not WrappedKey.objects.filter(member__pk__isnull=False, granted_by__isnull=False).exists()


def test_a_grant_of_a_key_that_is_not_the_records_is_refused_by_the_recipient(world, founder, new_client) -> None:
    record, _, _ = founder
    hub, home = new_client()
    member_id, _ = shared_record.join(hub, world.org_a.slug, PASSPHRASE, home)
    colleague_public = bytes.fromhex(record.hub.record_member(member_id)["public_key"])
    bogus = rc.wrap_record_key(colleague_public, rc.new_record_key(), organisation=world.org_a.slug, generation=1)
    record.hub.record_grant(member_id, [{"generation": 1, "wrapped_key": bogus}])
    with pytest.raises(shared_record.SharedRecordError, match="not the record's"):
        shared_record.open_shared(hub, world.org_a.slug, PASSPHRASE, home)


def test_removing_a_client_requires_a_rotation_and_it_cannot_read_what_is_written_after(
    world, founder, new_client
) -> None:
    record, _, _ = founder
    hub, home = new_client()
    member_id, _ = shared_record.join(hub, world.org_a.slug, PASSPHRASE, home)
    record.grant(member_id)
    leaver = shared_record.open_shared(hub, world.org_a.slug, PASSPHRASE, home)
    old_keys = dict(leaver.keys)
    record.save([wallet(1)])

    api_key_revoke(actor=Actor(organisation=world.org_a, user=world.alice), api_key=_api_key_of(member_id))
    assert Record.objects.get().rotation_required
    assert "record.member_removed" in actions()
    with pytest.raises(HubError) as refused:
        record.hub.record_write(
            [
                {
                    "key_id": KEY_ID,
                    "token": wallet(2).token,
                    "generation": 1,
                    "ciphertext": rc.encrypt_entry(
                        record.keys[1], rc_entry(wallet(2)), organisation=world.org_a.slug, generation=1
                    ),
                }
            ]
        )
    assert refused.value.status == 409

    record.refresh()
    record.save([wallet(2, EVM, "evm")])  # rotates first
    assert record.generation == 2
    assert "record.rotated" in actions()
    written_after = Entry.objects.get(token=wallet(2).token)
    assert written_after.generation == 2
    assert 2 not in old_keys
    with pytest.raises(rc.TamperedError):
        rc.decrypt_entry(
            old_keys[1],
            written_after.ciphertext,
            organisation=world.org_a.slug,
            key_id=KEY_ID,
            token=wallet(2).token,
            generation=1,
        )
    with pytest.raises(HubError) as gone:
        hub.record()
    assert gone.value.status == 401


def test_older_entries_are_rewrapped_under_the_new_key_with_progress(world, founder) -> None:
    record, _, _ = founder
    record.save([wallet(n) for n in range(1, 4)])
    record.rotate()
    assert record.progress == {"total": 3, "current": 0}
    assert record.rewrap() == (3, 0)
    record.refresh()
    assert record.progress == {"total": 3, "current": 3}
    assert record.wallets_for_tokens([(KEY_ID, wallet(2).token)])[(KEY_ID, wallet(2).token)] == wallet(2)


def test_a_rotation_must_seal_the_new_key_to_every_current_member(world, founder, new_client) -> None:
    record, _, _ = founder
    hub, home = new_client()
    shared_record.join(hub, world.org_a.slug, PASSPHRASE, home)
    only_me = {
        "generation": 2,
        "key_check": "0" * 32,
        "keys": {
            record.member_id: rc.wrap_record_key(rc.keypair()[1], rc.new_record_key(), organisation="x", generation=2)
        },
    }
    with pytest.raises(HubError) as refused:
        record.hub.record_rotate(only_me)
    assert refused.value.status == 400
    assert "missing" in str(refused.value)
    assert Record.objects.get().generation == 1


def test_a_tampered_entry_is_shown_as_tampered_never_as_an_address(world, founder) -> None:
    record, _, _ = founder
    record.save([wallet(1), wallet(2, EVM, "evm")])
    first, second = Entry.objects.order_by("token")
    first.ciphertext, second.ciphertext = second.ciphertext, first.ciphertext  # swapped between tokens
    first.save()
    second.save()
    found = record.wallets_for_tokens([(KEY_ID, wallet(1).token), (KEY_ID, wallet(2).token)])
    assert all(isinstance(item, shared_record.Tampered) for item in found.values())

    raw = bytearray(rc._unb64(first.ciphertext))
    raw[-1] ^= 1
    first.ciphertext = rc._b64(bytes(raw))
    first.save()
    assert isinstance(record.wallets_for_tokens([(KEY_ID, first.token)])[(KEY_ID, first.token)], shared_record.Tampered)


def test_the_recovery_secret_reopens_the_record_and_its_use_is_audited(world, founder, new_client, tmp_path) -> None:
    record, secret, home = founder
    record.save([wallet(1)])
    (shared_record.key_path(world.org_a.slug, home)).unlink()  # the laptop is lost
    member_id = shared_record.recover(record.hub, world.org_a.slug, secret, "a new passphrase", home)
    assert member_id != record.member_id
    reopened = shared_record.open_shared(record.hub, world.org_a.slug, "a new passphrase", home)
    assert reopened.wallets_for_tokens([(KEY_ID, wallet(1).token)]) == {(KEY_ID, wallet(1).token): wallet(1)}
    assert {"record.recovery_used", "record.member_rekeyed"} <= set(actions())


def test_a_wrong_recovery_secret_is_refused(world, founder) -> None:
    record, _, home = founder
    wrong = rc.recovery_secret(rc.keypair()[0])
    with pytest.raises(shared_record.SharedRecordError, match="not the recovery secret"):
        shared_record.recover(record.hub, world.org_a.slug, wrong, PASSPHRASE, home)


def test_entries_are_refused_all_or_nothing(world, founder) -> None:
    record, _, _ = founder
    good = {
        "key_id": KEY_ID,
        "token": wallet(1).token,
        "generation": 1,
        "ciphertext": rc.encrypt_entry(
            record.keys[1], rc_entry(wallet(1)), organisation=world.org_a.slug, generation=1
        ),
    }
    unpadded = good | {"token": wallet(2).token, "ciphertext": rc._b64(b"\0" * 60)}
    with pytest.raises(HubError) as refused:
        record.hub.record_write([good, unpadded])
    assert refused.value.status == 400
    assert refused.value.problem["errors"][0]["pointer"] == "/entries/1/ciphertext"
    assert not Entry.objects.exists()


def test_the_record_member_list_names_people_and_clients_not_other_organisations(world, founder) -> None:
    body = world.client_a.get(reverse("api:record-members")).json()
    assert sorted(member["kind"] for member in body["results"]) == ["client", "recovery"]
    assert all(member["id"].startswith("rmb_") for member in body["results"])
    assert world.client_b.get(reverse("api:record-members")).status_code == 404


def test_public_ids_of_members_are_opaque(world, founder) -> None:
    record, _, _ = founder
    assert record.member_id == public_id("record_member", Record.objects.get().members.get(kind="client").pk)
