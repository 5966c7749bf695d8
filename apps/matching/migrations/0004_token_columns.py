import django.db.models.deletion
from django.db import migrations, models

from apps.common.token_keys import copy_match_token


class Migration(migrations.Migration):
    """Participants, told-about rows and disclosure requests carry their match's token (README: Scaling out)."""

    dependencies = [
        ("indicators", "0002_report_active_since"),
        ("matching", "0003_screen_tallies"),
    ]

    operations = [
        migrations.AddField("matchparticipant", "token", models.CharField(max_length=64, null=True)),
        migrations.AddField("toldabout", "token", models.CharField(max_length=64, null=True)),
        migrations.AddField("disclosurerequest", "token", models.CharField(max_length=64, null=True)),
        copy_match_token("matching.MatchParticipant"),
        copy_match_token("matching.ToldAbout"),
        copy_match_token("matching.DisclosureRequest"),
        migrations.AlterField("matchparticipant", "token", models.CharField(max_length=64)),
        migrations.AlterField("toldabout", "token", models.CharField(max_length=64)),
        migrations.AlterField("disclosurerequest", "token", models.CharField(max_length=64)),
        migrations.AlterField(
            "matchparticipant",
            "match",
            models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="participants",
                to="matching.match",
            ),
        ),
        migrations.AlterField(
            "matchparticipant",
            "report",
            models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="participations",
                to="indicators.report",
            ),
        ),
        migrations.AlterField(
            "toldabout",
            "match",
            models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.CASCADE, to="matching.match"),
        ),
        migrations.AlterField(
            "toldabout",
            "report",
            models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.CASCADE, to="indicators.report"),
        ),
        migrations.AlterField(
            "disclosurerequest",
            "match",
            models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.PROTECT, to="matching.match"),
        ),
        migrations.AlterField(
            "disclosurerequest",
            "target_report",
            models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="indicators.report",
            ),
        ),
        migrations.RemoveConstraint("matchparticipant", "participant_one_per_org"),
        migrations.AddConstraint(
            "matchparticipant",
            models.UniqueConstraint(fields=["match", "organisation", "token"], name="participant_one_per_org"),
        ),
        migrations.RemoveConstraint("toldabout", "told_once_per_report"),
        migrations.AddConstraint(
            "toldabout",
            models.UniqueConstraint(fields=["recipient", "report", "token"], name="told_once_per_report"),
        ),
        migrations.RemoveConstraint("disclosurerequest", "one_pending_disclosure_per_counterpart"),
        migrations.AddConstraint(
            "disclosurerequest",
            models.UniqueConstraint(
                condition=models.Q(status="pending"),
                fields=["requester", "target_report", "token"],
                name="one_pending_disclosure_per_counterpart",
            ),
        ),
    ]
