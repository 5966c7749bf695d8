from django.db import migrations, models
from django.db.models import CASCADE, PROTECT

from apps.common.token_keys import copy_match_token, unconstrained_foreign_key


class Migration(migrations.Migration):
    """Participants, told-about rows and disclosure requests carry their match's token (README: Scaling out)."""

    dependencies = [
        ("indicators", "0002_report_active_since"),
        ("matching", "0003_screen_tallies"),
    ]

    operations = [
        *(
            migrations.AddField(model, "token", models.CharField(max_length=64, null=True))
            for model in ("matchparticipant", "toldabout", "disclosurerequest")
        ),
        copy_match_token("matching.MatchParticipant"),
        copy_match_token("matching.ToldAbout"),
        copy_match_token("matching.DisclosureRequest"),
        *(
            migrations.AlterField(model, "token", models.CharField(max_length=64))
            for model in ("matchparticipant", "toldabout", "disclosurerequest")
        ),
        unconstrained_foreign_key("matchparticipant", "match", "matching.match", CASCADE, related_name="participants"),
        unconstrained_foreign_key(
            "matchparticipant", "report", "indicators.report", CASCADE, related_name="participations"
        ),
        unconstrained_foreign_key("toldabout", "match", "matching.match", CASCADE),
        unconstrained_foreign_key("toldabout", "report", "indicators.report", CASCADE),
        unconstrained_foreign_key("disclosurerequest", "match", "matching.match", PROTECT),
        unconstrained_foreign_key("disclosurerequest", "target_report", "indicators.report", PROTECT, related_name="+"),
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
