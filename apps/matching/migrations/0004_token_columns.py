from django.db import migrations, models
from django.db.models import CASCADE, PROTECT

from apps.common.token_keys import copy_match_token, unconstrained_foreign_key, unique_with_token


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
        *unique_with_token("matchparticipant", "participant_one_per_org", ["match", "organisation"]),
        *unique_with_token("toldabout", "told_once_per_report", ["recipient", "report"]),
        *unique_with_token(
            "disclosurerequest",
            "one_pending_disclosure_per_counterpart",
            ["requester", "target_report"],
            condition=models.Q(status="pending"),
        ),
    ]
