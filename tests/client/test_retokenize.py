"""What the CLI and the portal must agree on to finish each other's re-tokenisation."""

from vigil_client.retokenize import idempotency_key

# frontend/test/retokenize.test.js expects the same key for the same reports.
OLD_REPORTS = ["rep_bbbbbbbbbbbbbbbbbbbbbbbbbb", "rep_aaaaaaaaaaaaaaaaaaaaaaaaaa"]


def test_a_batchs_idempotency_key_depends_on_its_old_reports_not_their_order():
    assert idempotency_key(OLD_REPORTS) == "vigil-retokenize-6e921cab63ccbacb808e0ba696f91b56"
    assert idempotency_key(OLD_REPORTS[::-1]) == idempotency_key(OLD_REPORTS)
    assert idempotency_key(OLD_REPORTS[:1]) != idempotency_key(OLD_REPORTS)
