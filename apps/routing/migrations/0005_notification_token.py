from django.db import migrations, models
from django.db.models import PROTECT

from apps.common.token_keys import copy_match_token, unconstrained_foreign_key


class Migration(migrations.Migration):
    """A notification about a match carries the match's token (README: Scaling out)."""

    dependencies = [
        ("matching", "0004_token_columns"),
        ("routing", "0004_alter_channelchoice_event_alter_notification_event"),
    ]

    operations = [
        migrations.AddField("notification", "token", models.CharField(blank=True, default="", max_length=64)),
        copy_match_token("routing.Notification"),
        migrations.AlterField("notification", "token", models.CharField(blank=True, max_length=64)),
        unconstrained_foreign_key("notification", "match", "matching.match", PROTECT, null=True, blank=True),
    ]
