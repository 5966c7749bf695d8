"""Take over who-was-told and disclosure requests from routing, keeping every row: the models enter
the state on their old tables, which are then renamed."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0001_initial"),
        ("matching", "0001_initial"),
        ("organisations", "0003_organisation_default_policy"),
        ("routing", "0003_told_about_and_disclosure_move_to_matching"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="DisclosureRequest",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "legal_basis",
                            models.CharField(
                                choices=[
                                    ("safe_harbour", "Information-sharing safe harbour"),
                                    ("court_order", "Court order"),
                                    ("mutual_legal_assistance", "Mutual legal assistance"),
                                    ("consent", "Consent"),
                                    ("other", "Other"),
                                ],
                                max_length=32,
                            ),
                        ),
                        ("message", models.TextField(max_length=2000)),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("pending", "Pending"),
                                    ("approved", "Approved"),
                                    ("refused", "Refused"),
                                    ("expired", "Expired unanswered"),
                                ],
                                default="pending",
                                max_length=16,
                            ),
                        ),
                        ("answer_reason", models.TextField(blank=True, max_length=2000)),
                        ("case_note", models.TextField(blank=True, max_length=5000)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("expires_at", models.DateTimeField()),
                        ("answered_at", models.DateTimeField(blank=True, null=True)),
                        ("match", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, to="matching.match")),
                        (
                            "requester",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="organisations.organisation",
                            ),
                        ),
                        (
                            "target",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="organisations.organisation",
                            ),
                        ),
                        (
                            "target_report",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT, related_name="+", to="indicators.report"
                            ),
                        ),
                    ],
                    options={
                        "db_table": "routing_disclosurerequest",
                        "constraints": [
                            models.UniqueConstraint(
                                condition=models.Q(("status", "pending")),
                                fields=("requester", "target_report"),
                                name="one_pending_disclosure_per_counterpart",
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="ToldAbout",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("match", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="matching.match")),
                        (
                            "recipient",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT, to="organisations.organisation"
                            ),
                        ),
                        (
                            "report",
                            models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="indicators.report"),
                        ),
                    ],
                    options={
                        "db_table": "routing_toldabout",
                        "constraints": [
                            models.UniqueConstraint(fields=("recipient", "report"), name="told_once_per_report")
                        ],
                    },
                ),
            ],
        ),
        migrations.AlterModelTable(name="disclosurerequest", table=None),
        migrations.AlterModelTable(name="toldabout", table=None),
    ]
