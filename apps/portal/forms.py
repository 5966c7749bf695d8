"""Portal forms: they check the shape of what is typed; the services decide whether it may be done."""

from datetime import UTC
from typing import Any

import pycountry
from django import forms
from django.contrib.auth.validators import UnicodeUsernameValidator

from apps.common.errors import ValidationFailed
from apps.common.scopes import Scope
from apps.indicators.models import Category, Report, Tlp, Visibility
from apps.matching.models import LegalBasis
from apps.organisations.models import Organisation, Role, Sector
from apps.outcomes.disputes import RESOLUTIONS
from apps.outcomes.models import DisputeState, OutcomeKind
from apps.routing.models import Channel, Event
from apps.statistics.models import AuthorityKind, RequestKind, RequestOutcome
from apps.statistics.periods import period_parse


class ReportCorrectionForm(forms.Form):
    category = forms.ChoiceField(choices=Category.choices)
    visibility = forms.ChoiceField(choices=Visibility.choices)
    tlp = forms.ChoiceField(choices=Tlp.choices, label="TLP")
    audience_sectors = forms.MultipleChoiceField(
        choices=Sector.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: every sector.",
    )
    sighting_alerts = forms.BooleanField(required=False, label="Tell us when a member screens this wallet")

    @classmethod
    def for_report(cls, report: Report, data: Any = None) -> "ReportCorrectionForm":
        initial = {name: getattr(report, name) for name in cls.base_fields}
        return cls(data=data, initial=initial)

    def item(self, report: Report) -> tuple[dict[str, Any], dict[str, Any]]:
        """The report again, as one item and policy of a batch, with only the corrected fields changed:
        re-reporting a token is how a correction is made, so nothing else may silently reset."""
        slugs = dict(
            Organisation.objects.filter(pk__in=[*report.audience_include, *report.audience_exclude]).values_list(
                "id", "slug"
            )
        )
        item = {
            "token": report.token,
            "key_id": report.key_id,
            "namespace": report.namespace,
            "category": self.cleaned_data["category"],
            "confidence": report.confidence,
            "first_seen": report.first_seen,
            "last_seen": report.last_seen,
            "value_amount": report.value_amount,
            "value_currency": report.value_currency,
            "reference": report.reference,
        }
        policy = {
            "visibility": self.cleaned_data["visibility"],
            "tlp": self.cleaned_data["tlp"],
            "audience_sectors": self.cleaned_data["audience_sectors"],
            "audience_include": [slugs[pk] for pk in report.audience_include if pk in slugs],
            "audience_exclude": [slugs[pk] for pk in report.audience_exclude if pk in slugs],
            "expires_at": report.expires_at,
            "sighting_alerts": self.cleaned_data["sighting_alerts"],
        }
        return item, policy


class DisclosureAskForm(forms.Form):
    participant = forms.CharField(max_length=40, widget=forms.HiddenInput)
    legal_basis = forms.ChoiceField(choices=LegalBasis.choices, label="Legal basis")
    message = forms.CharField(
        max_length=2000, widget=forms.Textarea(attrs={"rows": 3}), label="Why you ask (the counterpart reads this)"
    )


class DisclosureApproveForm(forms.Form):
    case_note = forms.CharField(
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Case note (shown to the requester only)",
    )


class DisclosureRefuseForm(forms.Form):
    reason = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 2}), label="Reason for refusing")


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class ApiKeyForm(forms.Form):
    name = forms.CharField(max_length=100)
    scopes = forms.MultipleChoiceField(choices=Scope.choices, widget=forms.CheckboxSelectMultiple)
    expires_at = forms.DateTimeField(
        required=False,
        label="Expires (UTC, optional)",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
    )

    def clean_expires_at(self) -> Any:
        value = self.cleaned_data["expires_at"]
        # The hub runs on UTC; the label says so, and the value is read as such.
        return value.astimezone(UTC) if value is not None else None


class WebhookForm(forms.Form):
    url = forms.URLField(max_length=500, label="Endpoint URL", assume_scheme="https")
    events = forms.MultipleChoiceField(
        choices=Event.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: every event.",
    )


class ChannelsForm(forms.Form):
    """One row of channel tick boxes per event."""

    def __init__(self, *args: Any, current: dict[str, list[str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for event, label in Event.choices:
            self.fields[event] = forms.MultipleChoiceField(
                choices=Channel.choices,
                required=False,
                widget=forms.CheckboxSelectMultiple,
                label=label,
                initial=current.get(event, []),
            )


class ContactsForm(forms.Form):
    contact_name = forms.CharField(max_length=200, required=False, label="Contact name")
    contact_email = forms.EmailField(required=False, label="Contact e-mail")
    contact_phone = forms.CharField(max_length=50, required=False, label="Contact phone")


class DefaultPolicyForm(forms.Form):
    visibility = forms.ChoiceField(choices=Visibility.choices)
    tlp = forms.ChoiceField(choices=Tlp.choices, label="TLP")
    audience_sectors = forms.MultipleChoiceField(
        choices=Sector.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: every sector.",
    )
    sighting_alerts = forms.BooleanField(required=False, label="Sighting alerts on new reports")


class StatusChangeForm(forms.Form):
    transition = forms.ChoiceField(
        choices=[("approve", "Approve"), ("suspend", "Suspend"), ("reinstate", "Reinstate")],
        widget=forms.HiddenInput,
    )
    reason = forms.CharField(max_length=500, required=False, label="Reason")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("transition") == "suspend" and not data.get("reason", "").strip():
            self.add_error("reason", "Give a reason for suspending.")
        return data


class QuotaForm(forms.Form):
    daily_evaluation_quota = forms.IntegerField(
        min_value=0,
        required=False,
        label="Evaluations per UTC day",
        help_text="Empty: the hub's default.",
    )


class OprfRetireForm(forms.Form):
    key_id = forms.RegexField(regex=r"^[0-9a-f]{16}$", widget=forms.HiddenInput)


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("release", "Release"), ("dismiss", "Dismiss")], widget=forms.HiddenInput)


def _jurisdictions() -> list[tuple[str, str]]:
    countries = sorted(((country.alpha_2, country.name) for country in pycountry.countries), key=lambda c: c[1])
    return [("", "Choose a country or territory"), *countries]


class ApplicationForm(forms.Form):
    name = forms.CharField(max_length=200, label="Organisation name")
    sector = forms.ChoiceField(choices=Sector.choices)
    jurisdiction = forms.ChoiceField(choices=_jurisdictions, help_text="Where the organisation is established.")
    contact_name = forms.CharField(max_length=200, label="Contact name", help_text="Who will be its first admin.")
    contact_email = forms.EmailField(label="Contact e-mail", help_text="The invitation to join is sent here.")
    contact_phone = forms.CharField(max_length=50, required=False, label="Contact phone")
    purpose = forms.CharField(
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        label="Statement of purpose",
        help_text="What the organisation does against child sexual exploitation and how it would use the hub.",
    )
    attested = forms.BooleanField(
        label="I attest that this application is true and that I may make it for the organisation."
    )


class ApplicationRefuseForm(forms.Form):
    reason = forms.CharField(
        max_length=2000, widget=forms.Textarea(attrs={"rows": 3}), label="Reason for refusing (sent to the applicant)"
    )


class InvitationForm(forms.Form):
    email = forms.EmailField(label="E-mail address")
    role = forms.ChoiceField(choices=Role.choices, initial=Role.ANALYST, label="Their role")


class InvitationAcceptForm(forms.Form):
    username = forms.CharField(
        max_length=150,
        label="User name",
        validators=[UnicodeUsernameValidator()],
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
        help_text="Letters, digits and . + - _ only (you may also sign in with your e-mail address).",
    )
    password1 = forms.CharField(
        label="Password", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}), strip=False
    )
    password2 = forms.CharField(
        label="Password again", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}), strip=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", "The two passwords differ.")
        return data


class ReleaseForm(forms.Form):
    period = forms.CharField(
        max_length=20, required=False, help_text="2026Q4, 2026-11 or 2026; empty: the twelve months to date."
    )
    k = forms.IntegerField(min_value=2, max_value=1000, required=False, help_text="Empty: the hub's setting.")
    epsilon = forms.FloatField(
        min_value=0.01, max_value=10, required=False, help_text="Privacy budget for noise; empty: no noise."
    )

    def clean_period(self) -> Any:
        text = self.cleaned_data["period"].strip()
        try:
            return period_parse(text) if text else None
        except ValidationFailed:
            raise forms.ValidationError("Use 2026Q4, 2026-11 or 2026.") from None

    def release_arguments(self) -> dict[str, Any]:
        return {
            "period": self.cleaned_data["period"],
            "k": self.cleaned_data["k"],
            "epsilon": self.cleaned_data["epsilon"],
        }


class GovernmentRequestForm(forms.Form):
    received_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    authority = forms.ChoiceField(choices=AuthorityKind.choices)
    jurisdiction = forms.ChoiceField(choices=[(c.alpha_2, c.name) for c in pycountry.countries])
    kind = forms.ChoiceField(choices=RequestKind.choices)
    outcome = forms.ChoiceField(choices=RequestOutcome.choices)
    summary = forms.CharField(
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For hub administrators only; never published.",
    )


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(choices=RequestOutcome.choices)


class ReviewOutcomeForm(forms.Form):
    outcome = forms.ChoiceField(choices=OutcomeKind.choices, label="What the match led to")
    amount = forms.DecimalField(
        max_digits=30, decimal_places=10, min_value=0, required=False, label="Amount frozen (funds frozen only)"
    )
    currency = forms.CharField(max_length=12, required=False, label="Currency (funds frozen only)")
    reason = forms.CharField(
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Why it is a false positive (counterparts who see you read this)",
    )
    note = forms.CharField(
        max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Note (yours alone)"
    )


class DisputeForm(forms.Form):
    participant = forms.CharField(max_length=40, widget=forms.HiddenInput)
    reason = forms.CharField(
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Why this report is wrong (its reporter reads this)",
    )


class DisputeResolveForm(forms.Form):
    resolution = forms.ChoiceField(choices=[(state, DisputeState(state).label) for state in RESOLUTIONS])
    category = forms.ChoiceField(
        choices=[("", "—"), *Category.choices], required=False, label="New category (when correcting)"
    )
    response = forms.CharField(
        max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Your answer"
    )
