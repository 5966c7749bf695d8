"""The screening lookup: on PostgreSQL a query written out for speed, held here to the ORM's own."""

import pytest
from django.db import connection

from apps.common.actors import Actor
from apps.indicators.models import Report
from apps.matching.reporting import report_submit, report_withdraw
from apps.matching.selectors import _screened_rows, _screened_rows_postgresql
from apps.organisations.models import OrganisationStatus
from tests.factories import OrganisationFactory, report_item, token_for

pytestmark = pytest.mark.postgres_only


def test_the_written_out_query_reads_exactly_what_the_orm_reads(rfc_key) -> None:
    assert connection.vendor == "postgresql"
    bank, exchange, police, gone = (OrganisationFactory(name=name) for name in ("Bank", "Exchange", "Police", "Gone"))
    tokens = [token_for(n) for n in range(6)]

    def report(organisation, chosen: list[str], **policy: object) -> None:
        items = [report_item(token, rfc_key.key_id, first_seen="2026-01-02T03:04:05Z") for token in chosen]
        report_submit(actor=Actor(organisation=organisation), items=items, policy=policy)

    report(bank, tokens[:4], visibility="named", audience_sectors=["exchange"], audience_exclude=[police.slug])
    report(exchange, tokens[2:5], visibility="anonymous", tlp="green")
    report(police, tokens[3:4], visibility="silent")
    report(gone, tokens[1:2])
    gone.status = OrganisationStatus.SUSPENDED
    gone.save(update_fields=["status"])
    report_withdraw(
        actor=Actor(organisation=exchange), reports=[Report.objects.get(organisation=exchange, token=tokens[4])]
    )

    pairs = [(rfc_key.key_id, token) for token in [*tokens, token_for("never")]] + [("0" * 16, tokens[0])]
    written, orm = sorted(_screened_rows_postgresql(pairs)), sorted(_screened_rows(pairs))
    assert written == orm
    assert {row[2:4] for row in written} == {(rfc_key.key_id, token) for token in tokens[:4]}
    assert {row[12] for row in written} == {None, "active"}  # the match status of matched tokens rides along
    assert {tuple(row[9]) for row in written} >= {("exchange",)}  # JSON columns arrive decoded
