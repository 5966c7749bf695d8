from django.db import migrations, models
from django.db.models import PROTECT

from apps.common.token_keys import copy_match_token, unconstrained_foreign_key, unique_with_token


class Migration(migrations.Migration):
    """Reviews and disputes carry their match's token (README: Scaling out)."""

    dependencies = [
        ("matching", "0004_token_columns"),
        ("outcomes", "0001_initial"),
    ]

    operations = [
        migrations.AddField("review", "token", models.CharField(max_length=64, null=True)),
        migrations.AddField("dispute", "token", models.CharField(max_length=64, null=True)),
        copy_match_token("outcomes.Review"),
        copy_match_token("outcomes.Dispute"),
        migrations.AlterField("review", "token", models.CharField(max_length=64)),
        migrations.AlterField("dispute", "token", models.CharField(max_length=64)),
        unconstrained_foreign_key("review", "match", "matching.match", PROTECT, related_name="reviews"),
        unconstrained_foreign_key("dispute", "match", "matching.match", PROTECT, related_name="disputes"),
        unconstrained_foreign_key("dispute", "disputer_report", "indicators.report", PROTECT, related_name="+"),
        unconstrained_foreign_key("dispute", "report", "indicators.report", PROTECT, related_name="disputes"),
        *unique_with_token("review", "review_one_per_participant", ["match", "organisation"]),
        *unique_with_token(
            "dispute", "one_open_dispute_per_report", ["disputer", "report"], condition=models.Q(state="open")
        ),
    ]
