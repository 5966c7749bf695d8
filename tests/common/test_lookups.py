"""`__any`: membership in a list, as `__in` answers it, on every database."""

import pytest

from apps.common.actors import Actor
from apps.indicators.models import Report
from apps.matching.reporting import report_submit
from tests.factories import report_item, token_for

pytestmark = pytest.mark.django_db


def test_any_finds_exactly_the_rows_in_the_list(world, rfc_key) -> None:
    tokens = [token_for(f"any-{n}") for n in range(3)]
    report_submit(actor=Actor(organisation=world.org_a), items=[report_item(t, rfc_key.key_id) for t in tokens])
    wanted = {tokens[0], tokens[2], token_for("any-never")}
    found = set(Report.objects.filter(token__any=wanted).values_list("token", flat=True))
    assert (
        found == set(Report.objects.filter(token__in=wanted).values_list("token", flat=True)) == {tokens[0], tokens[2]}
    )
    assert not Report.objects.filter(token__any=[]).exists()


def test_any_takes_a_list_not_a_string(world) -> None:
    with pytest.raises(TypeError, match="list"):
        Report.objects.filter(token__any="abc").exists()
