from django.db import migrations

from apps.common.token_keys import KeyByToken, ReferByToken

# Every table whose rows belong to one token: hash-distributed and co-located by it under Citus.
TOKEN_TABLES = [
    "indicators.Report",
    "matching.Match",
    "matching.MatchParticipant",
    "matching.Sighting",
    "matching.ToldAbout",
    "matching.DisclosureRequest",
    "outcomes.Review",
    "outcomes.Dispute",
]
REFERENCES = [
    ("matching.MatchParticipant", "match"),
    ("matching.MatchParticipant", "report"),
    ("matching.ToldAbout", "match"),
    ("matching.ToldAbout", "report"),
    ("matching.DisclosureRequest", "match"),
    ("matching.DisclosureRequest", "target_report"),
    ("outcomes.Review", "match"),
    ("outcomes.Dispute", "match"),
    ("outcomes.Dispute", "disputer_report"),
    ("outcomes.Dispute", "report"),
    ("routing.Notification", "match"),
]


class Migration(migrations.Migration):
    """On PostgreSQL, the token tables' primary keys and the foreign keys to them become (id, token)."""

    dependencies = [
        ("matching", "0004_token_columns"),
        ("outcomes", "0002_token_columns"),
        ("routing", "0005_notification_token"),
    ]

    operations = [
        *(KeyByToken(model) for model in TOKEN_TABLES),
        *(ReferByToken(model, field) for model, field in REFERENCES),
    ]
