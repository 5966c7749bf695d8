"""Who-was-told and disclosure requests belong to matching now; their tables and rows move with them
(see matching 0002), so here they leave the state only."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("routing", "0002_disclosure_requests"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name="toldabout",
                    name="match",
                ),
                migrations.RemoveField(
                    model_name="toldabout",
                    name="recipient",
                ),
                migrations.RemoveField(
                    model_name="toldabout",
                    name="report",
                ),
                migrations.DeleteModel(
                    name="DisclosureRequest",
                ),
                migrations.DeleteModel(
                    name="ToldAbout",
                ),
            ],
        ),
    ]
