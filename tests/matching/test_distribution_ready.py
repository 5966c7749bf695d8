"""The token tables stay ready to be hash-distributed by token (README: Scaling out)."""

import re

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import UniqueConstraint
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.common.actors import Actor
from apps.indicators.models import Report
from apps.matching.models import DisclosureRequest, Match, MatchParticipant, Sighting, ToldAbout
from apps.matching.reporting import report_submit
from apps.outcomes.models import Dispute, Review
from tests.factories import report_item, token_for

TOKEN_TABLES = (Report, Match, MatchParticipant, Sighting, ToldAbout, DisclosureRequest, Review, Dispute)
TABLE_NAMES = {model._meta.db_table for model in TOKEN_TABLES}

# Every key of the schema: (table, kind, columns, referenced table, referenced columns), kind as in
# pg_constraint (p, u, f) or "i" for a unique index that is not a constraint (a partial one).
KEYS_SQL = """
SELECT c.conrelid::regclass::text, c.contype, pg_temp.columns(c.conrelid, c.conkey),
       c.confrelid::regclass::text, pg_temp.columns(c.confrelid, c.confkey)
FROM pg_constraint c WHERE c.connamespace = current_schema()::regnamespace AND c.contype IN ('p', 'u', 'f')
UNION ALL
SELECT i.indrelid::regclass::text, 'i', pg_temp.columns(i.indrelid, i.indkey::int2[]), '-', '{}'
FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
WHERE i.indisunique AND t.relnamespace = current_schema()::regnamespace
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
"""
# The names of a key's columns in the key's order (created for the session, used by KEYS_SQL).
COLUMNS_SQL = """
CREATE OR REPLACE FUNCTION pg_temp.columns(relation oid, numbers int2[]) RETURNS text[] LANGUAGE sql AS $$
  SELECT coalesce(array_agg(a.attname::text ORDER BY k.position), '{}')
  FROM unnest(numbers) WITH ORDINALITY AS k(number, position)
  JOIN pg_attribute a ON a.attrelid = relation AND a.attnum = k.number
$$
"""


def _keys() -> list[tuple[str, str, list[str], str, list[str]]]:
    with connection.cursor() as cursor:
        cursor.execute(COLUMNS_SQL)
        cursor.execute(KEYS_SQL)
        return cursor.fetchall()


@pytest.mark.parametrize("model", TOKEN_TABLES, ids=lambda model: model.__name__)
def test_every_unique_constraint_of_a_token_table_includes_the_token(model) -> None:
    unique = [c for c in model._meta.constraints if isinstance(c, UniqueConstraint)]
    for constraint in unique:
        assert "token" in constraint.fields, constraint
    assert not [field.name for field in model._meta.fields if field.unique and not field.primary_key]


@pytest.mark.postgres_only
@pytest.mark.django_db
def test_the_primary_key_of_every_token_table_is_its_id_and_token() -> None:
    primary = {table: columns for table, kind, columns, _, _ in _keys() if kind == "p"}
    assert {table: primary[table] for table in TABLE_NAMES} == {table: ["id", "token"] for table in TABLE_NAMES}


@pytest.mark.postgres_only
@pytest.mark.django_db
def test_every_unique_key_of_a_token_table_in_the_database_includes_the_token() -> None:
    unique = [(table, columns) for table, kind, columns, _, _ in _keys() if table in TABLE_NAMES and kind in "ui"]
    assert unique  # the tables have unique keys besides their primary keys
    assert [(table, columns) for table, columns in unique if "token" not in columns] == []


@pytest.mark.postgres_only
@pytest.mark.django_db
def test_every_foreign_key_to_a_token_table_refers_to_its_id_and_token() -> None:
    references = [(table, columns, target, to) for table, kind, columns, target, to in _keys() if kind == "f"]
    to_token_tables = [reference for reference in references if reference[2] in TABLE_NAMES]
    # Participants, told-about rows, disclosure requests, reviews, disputes and notifications refer to them.
    assert len(to_token_tables) == 11
    assert [r for r in to_token_tables if r[1][1:] != ["token"] or r[3] != ["id", "token"]] == []


@pytest.mark.postgres_only
@pytest.mark.django_db
def test_a_participant_with_another_token_than_its_match_is_refused(world, rfc_key) -> None:
    token = token_for("co-located")
    for organisation in (world.org_a, world.org_b):
        report_submit(actor=Actor(organisation=organisation), items=[report_item(token, rfc_key.key_id)])
    participant = MatchParticipant.objects.get(organisation=world.org_a)
    assert participant.token == token == participant.match.token == participant.report.token

    with pytest.raises(IntegrityError), transaction.atomic():
        MatchParticipant.objects.filter(pk=participant.pk).update(token=token_for("elsewhere"))
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


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
