"""Routes of the REST API, version 1."""

from django.urls import path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView

from apps.audit.api import views as audit
from apps.common import public_ids  # noqa: F401  (registers the <pid:...> converter)
from apps.common.docs import api_docs
from apps.common.problems import api_not_found
from apps.matching.api import disclosures
from apps.matching.api import reports as indicators
from apps.matching.api import views as matching
from apps.oprf.api import views as oprf
from apps.organisations.api import views as organisations
from apps.outcomes.api import stix
from apps.outcomes.api import views as outcomes
from apps.records.api import views as records
from apps.routing.api import views as routing
from apps.statistics.api import views as statistics

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(permission_classes=[]), name="schema"),
    path("docs/", api_docs, name="docs"),
    path("organisation", organisations.OrganisationDetailApi.as_view(), name="organisation"),
    path("members", organisations.MembershipListApi.as_view(), name="members"),
    path("members/<pid:membership_id>", organisations.MembershipDetailApi.as_view(), name="member"),
    path("api-keys", organisations.ApiKeyListApi.as_view(), name="api-keys"),
    path("api-keys/<pid:api_key_id>", organisations.ApiKeyDetailApi.as_view(), name="api-key"),
    path("audit-events", audit.AuditEventListApi.as_view(), name="audit-events"),
    path("audit-events/<pid:event_id>", audit.AuditEventDetailApi.as_view(), name="audit-event"),
    path("oprf/keys", oprf.OprfKeyListApi.as_view(), name="oprf-keys"),
    path("oprf/evaluate", oprf.OprfEvaluateApi.as_view(), name="oprf-evaluate"),
    path("reports", indicators.ReportListApi.as_view(), name="reports"),
    path("reports/<pid:report_id>", indicators.ReportDetailApi.as_view(), name="report"),
    path("matches", matching.MatchListApi.as_view(), name="matches"),
    path("matches/<pid:match_id>", matching.MatchDetailApi.as_view(), name="match"),
    path("matches/<pid:match_id>/review", outcomes.ReviewApi.as_view(), name="match-review"),
    path("matches/<pid:match_id>/disputes", outcomes.DisputeOpenApi.as_view(), name="match-disputes"),
    path("reviews", outcomes.ReviewListApi.as_view(), name="reviews"),
    path("disputes", outcomes.DisputeListApi.as_view(), name="disputes"),
    path("disputes/<pid:dispute_id>", outcomes.DisputeDetailApi.as_view(), name="dispute"),
    path("disputes/<pid:dispute_id>/resolve", outcomes.DisputeResolveApi.as_view(), name="dispute-resolve"),
    path("outcomes/precision", outcomes.PrecisionApi.as_view(), name="outcomes-precision"),
    path("export/stix", stix.StixExportApi.as_view(), name="export-stix"),
    path("screen", matching.ScreenApi.as_view(), name="screen"),
    path("notifications", routing.NotificationListApi.as_view(), name="notifications"),
    path("notifications/<pid:notification_id>/read", routing.NotificationMarkApi.as_view(), name="notification-read"),
    path(
        "notifications/<pid:notification_id>/unread",
        routing.NotificationMarkApi.as_view(read=False),
        name="notification-unread",
    ),
    path("notification-channels", routing.ChannelsApi.as_view(), name="notification-channels"),
    path("webhooks", routing.WebhookListApi.as_view(), name="webhooks"),
    path("webhooks/<pid:webhook_id>", routing.WebhookDetailApi.as_view(), name="webhook"),
    path("webhooks/<pid:webhook_id>/deliveries", routing.DeliveryListApi.as_view(), name="webhook-deliveries"),
    path(
        "webhooks/<pid:webhook_id>/deliveries/<pid:delivery_id>/resend",
        routing.DeliveryResendApi.as_view(),
        name="webhook-delivery-resend",
    ),
    path("record", records.RecordApi.as_view(), name="record"),
    path("record/members", records.MemberListApi.as_view(), name="record-members"),
    path("record/members/<pid:member_id>", records.MemberDetailApi.as_view(), name="record-member"),
    path("record/members/<pid:member_id>/grant", records.GrantApi.as_view(), name="record-grant"),
    path("record/rotate", records.RotateApi.as_view(), name="record-rotate"),
    path("record/recovery", records.RecoveryApi.as_view(), name="record-recovery"),
    path("record/entries", records.EntryListApi.as_view(), name="record-entries"),
    path("record/entries/lookup", records.EntryLookupApi.as_view(), name="record-entry-lookup"),
    path("disclosures", disclosures.DisclosureListApi.as_view(), name="disclosures"),
    path("disclosures/<pid:disclosure_id>", disclosures.DisclosureDetailApi.as_view(), name="disclosure"),
    path(
        "disclosures/<pid:disclosure_id>/approve", disclosures.DisclosureAnswerApi.as_view(), name="disclosure-approve"
    ),
    path(
        "disclosures/<pid:disclosure_id>/refuse",
        disclosures.DisclosureAnswerApi.as_view(approve=False),
        name="disclosure-refuse",
    ),
    path("statistics", statistics.ReleaseListApi.as_view(), name="statistics"),
    path("statistics/<pid:release_id>", statistics.ReleaseDetailApi.as_view(), name="statistics-release"),
    # Last: any other path under the API is a problem+json 404, in debug mode too; it changes
    # nothing, so no CSRF check may answer a stray POST with an HTML 403 first.
    re_path(r"^.*$", csrf_exempt(api_not_found)),
]
