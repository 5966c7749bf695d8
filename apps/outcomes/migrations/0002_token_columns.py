import django.db.models.deletion
from django.db import migrations, models

from apps.common.token_keys import copy_match_token


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
        migrations.AlterField(
            "review",
            "match",
            models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="reviews",
                to="matching.match",
            ),
        ),
        migrations.AlterField(
            "dispute",
            "match",
            models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="disputes",
                to="matching.match",
            ),
        ),
        migrations.AlterField(
            "dispute",
            "disputer_report",
            models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="indicators.report",
            ),
        ),
        migrations.AlterField(
            "dispute",
            "report",
            models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="disputes",
                to="indicators.report",
            ),
        ),
        migrations.RemoveConstraint("review", "review_one_per_participant"),
        migrations.AddConstraint(
            "review",
            models.UniqueConstraint(fields=["match", "organisation", "token"], name="review_one_per_participant"),
        ),
        migrations.RemoveConstraint("dispute", "one_open_dispute_per_report"),
        migrations.AddConstraint(
            "dispute",
            models.UniqueConstraint(
                condition=models.Q(state="open"),
                fields=["disputer", "report", "token"],
                name="one_open_dispute_per_report",
            ),
        ),
    ]
