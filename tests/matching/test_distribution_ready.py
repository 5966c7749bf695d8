"""The token tables stay ready to be hash-distributed by token (README: Scaling out)."""

import re

import pytest
from django.db import connection
from django.db.models import UniqueConstraint
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.indicators.models import Report
from apps.matching.models import Match, Sighting
from tests.factories import token_for

TOKEN_TABLES = (Report, Match, Sighting)


@pytest.mark.parametrize("model", TOKEN_TABLES, ids=lambda model: model.__name__)
def test_every_unique_constraint_of_a_token_table_includes_the_token(model) -> None:
    unique = [c for c in model._meta.constraints if isinstance(c, UniqueConstraint)]
    for constraint in unique:
        assert "token" in constraint.fields, constraint
    assert not [field.name for field in model._meta.fields if field.unique and not field.primary_key]


@pytest.mark.django_db
def test_screening_reads_the_token_tables_only_by_token(world, rfc_key) -> None:
    body = {"key_id": rfc_key.key_id, "tokens": [token_for("distributed")]}
    with CaptureQueriesContext(connection) as queries:
        assert world.client_a.post(reverse("api:screen"), body, format="json").status_code == 200
    tables = [Report._meta.db_table, Match._meta.db_table, Sighting._meta.db_table]
    # The ORM quotes names; the written-out screening query (apps.matching.selectors) aliases them.
    reads = [q["sql"] for q in queries if any(re.search(rf'FROM "?{table}\b', q["sql"]) for table in tables)]
    assert reads
    assert all(re.search(r'token"? (IN|=)', sql) for sql in reads), reads
