"""Storing a batch: a first report goes in by COPY on PostgreSQL, a repeat by one upsert; both keep every
value exactly as the same report stored through the ORM keeps it."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection

from apps.common.actors import Actor
from apps.indicators.models import Report
from apps.indicators.services import reports_store, reports_validate
from apps.matching.reporting import report_submit, report_withdraw
from tests.factories import OrganisationFactory, report_item, token_for

# Text a hand-built COPY would get wrong: quotes, the CSV separator, a line break, a backslash and the
# NULL marker itself, beside an empty string that must stay empty.
AWKWARD = 'said "no", then\nleft \\N behind \\ here'


def _stored(report: Report) -> dict:
    return {field.name: getattr(report, field.name) for field in Report._meta.concrete_fields if field.name != "id"}


@pytest.mark.postgres_only
def test_a_first_report_copied_in_keeps_every_value_as_the_orm_would_store_it(rfc_key) -> None:
    assert connection.vendor == "postgresql"
    organisation = OrganisationFactory(name="Bank")
    audience = OrganisationFactory(name="Ally")
    items = [
        report_item(
            token_for(1), rfc_key.key_id, reference=AWKWARD, value_amount="1234.5678901234",
            value_currency="BTC", first_seen="2026-01-02T03:04:05Z", last_seen="2026-02-03T04:05:06+01:00",
        ),
        report_item(token_for(2), rfc_key.key_id, namespace="evm", category="sextortion", confidence="high"),
    ]  # fmt: skip
    policy = {"visibility": "anonymous", "audience_include": [audience.slug], "tlp": "green", "sighting_alerts": False}
    result = report_submit(actor=Actor(organisation=organisation), items=items, policy=policy)
    assert result.created == 2

    copied = Report.objects.get(token=token_for(1))
    assert copied.reference == AWKWARD and copied.value_amount == Decimal("1234.5678901234")
    assert copied.first_seen == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert copied.last_seen == datetime(2026, 2, 3, 3, 5, 6, tzinfo=UTC)
    assert copied.audience_include == [audience.pk] and copied.audience_sectors == []
    assert Report.objects.get(token=token_for(2)).reference == ""  # empty, not NULL
    assert copied.sighting_alerts is False and copied.visibility == "anonymous" and copied.tlp == "green"

    # The ORM (what SQLite runs) stores the same validated rows with the same values.
    twin = OrganisationFactory(name="Twin")
    for row in reports_validate(organisation=twin, items=items, batch_policy=policy):
        orm = Report.objects.create(organisation=twin, **row)
        copied = Report.objects.get(organisation=organisation, token=row["token"])
        skip = {"organisation", "created_at", "updated_at", "active_since", "expires_at"}
        assert {k: v for k, v in _stored(copied).items() if k not in skip} == {
            k: v for k, v in _stored(Report.objects.get(pk=orm.pk)).items() if k not in skip
        }


@pytest.mark.postgres_only
def test_a_batch_mixing_first_and_repeated_reports_answers_each_with_its_own_report(rfc_key) -> None:
    organisation = OrganisationFactory(name="Bank")
    actor = Actor(organisation=organisation)
    report_submit(actor=actor, items=[report_item(token_for(1), rfc_key.key_id)])
    first = Report.objects.get(token=token_for(1))
    items = [report_item(token_for(n), rfc_key.key_id, category="grooming") for n in (1, 2, 3)]
    result = report_submit(actor=actor, items=items)
    assert (result.created, result.updated) == (2, 1)
    assert Report.objects.get(token=token_for(1)).pk == first.pk
    assert set(Report.objects.filter(organisation=organisation).values_list("category", flat=True)) == {"grooming"}
    assert [item["result"] for item in result.reports] == ["updated", "created", "created"]


def test_storing_says_which_tokens_were_the_organisations_and_which_others_reported_in_any_status(
    rfc_key,
) -> None:
    bank, exchange = OrganisationFactory(name="Bank"), OrganisationFactory(name="Exchange")
    report_submit(actor=Actor(organisation=bank), items=[report_item(token_for(n), rfc_key.key_id) for n in (1, 2)])
    report_withdraw(actor=Actor(organisation=bank), reports=list(Report.objects.filter(token=token_for(2))))
    report_submit(actor=Actor(organisation=exchange), items=[report_item(token_for(3), rfc_key.key_id)])
    items = [report_item(token_for(n), rfc_key.key_id) for n in (1, 2, 3, 4)]
    rows = reports_validate(organisation=exchange, items=items, batch_policy={})
    stored = reports_store(organisation=exchange, rows=rows)
    pairs = [(rfc_key.key_id, token_for(n)) for n in (1, 2, 3, 4)]
    assert stored.existing == {pairs[2]}
    assert stored.elsewhere == {pairs[0], pairs[1]}  # the bank's withdrawn report counts
    assert set(stored.ids) == set(pairs)
    assert stored.ids[pairs[2]] == Report.objects.get(organisation=exchange, token=token_for(3)).pk
