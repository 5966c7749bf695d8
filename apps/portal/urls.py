"""Routes of the portal, at the site root; every id in a URL is a public id (or, for hub pages, a slug)."""

from collections.abc import Callable
from typing import Any

from django.urls import URLPattern
from django.urls import path as django_path

from apps.common import public_ids  # noqa: F401  (registers the <pid:...> converter)
from apps.portal.views import hub_admin, joining, member, org_admin, outcomes, statistics
from apps.portal.views.common import http_errors

app_name = "portal"


def path(route: str, view: Callable[..., Any], name: str, **kwargs: Any) -> URLPattern:
    return django_path(route, http_errors(view), kwargs or None, name=name)


urlpatterns = [
    path("", member.home, "dashboard"),
    path("matches/", member.match_list, "matches"),
    path("matches/<pid:match_id>/", member.match_detail, "match"),
    path("matches/<pid:match_id>/disclosure-requests", member.disclosure_ask, "disclosure-ask"),
    path("matches/<pid:match_id>/review", member.review_record, "review-record"),
    path("matches/<pid:match_id>/disputes", member.dispute_open, "dispute-open"),
    path("outcomes/", outcomes.outcomes, "outcomes"),
    path("disputes/<pid:dispute_id>/resolve", outcomes.dispute_resolve, "dispute-resolve"),
    path("reports/", member.report_list, "reports"),
    path("reports/new/", member.report_new, "report-new"),
    path("reports/<pid:report_id>/", member.report_detail, "report"),
    path("reports/<pid:report_id>/correct", member.report_correct, "report-correct"),
    path("reports/<pid:report_id>/withdraw", member.report_withdraw, "report-withdraw"),
    path("screen/", member.screen, "screen"),
    path("record/", member.address_record, "record"),
    path("trustee-keys/", member.trustee_keys, "trustee-keys"),
    path("notifications/", member.notification_list, "notifications"),
    path("notifications/<pid:notification_id>/read", member.notification_mark, "notification-read", read=True),
    path("notifications/<pid:notification_id>/unread", member.notification_mark, "notification-unread", read=False),
    path("disclosures/", member.disclosure_list, "disclosures"),
    path("disclosures/<pid:disclosure_id>/", member.disclosure_detail, "disclosure"),
    path("disclosures/<pid:disclosure_id>/approve", member.disclosure_answer, "disclosure-approve", approve=True),
    path("disclosures/<pid:disclosure_id>/refuse", member.disclosure_answer, "disclosure-refuse", approve=False),
    path("statistics/", statistics.statistics, "statistics"),
    path("statistics/<pid:release_id>/", statistics.statistics, "statistics-release"),
    path("statistics/<pid:release_id>/<slug:table>.csv", statistics.statistics_csv, "statistics-csv"),
    # Organisation admins.
    path("people/", org_admin.people, "people"),
    path("people/<pid:membership_id>/role", org_admin.person_role, "person-role"),
    path("people/<pid:membership_id>/remove", org_admin.person_remove, "person-remove"),
    path("people/invitations", org_admin.invite, "invite"),
    path("people/invitations/<pid:invitation_id>/revoke", org_admin.invitation_revoke, "invitation-revoke"),
    path("api-keys/", org_admin.api_keys, "api-keys"),
    path("api-keys/<pid:api_key_id>/revoke", org_admin.api_key_revoke, "api-key-revoke"),
    path("webhooks/", org_admin.webhooks, "webhooks"),
    path("webhooks/<pid:webhook_id>/", org_admin.webhook_detail, "webhook"),
    path("webhooks/<pid:webhook_id>/enable", org_admin.webhook_enable, "webhook-enable", enabled=True),
    path("webhooks/<pid:webhook_id>/disable", org_admin.webhook_enable, "webhook-disable", enabled=False),
    path(
        "webhooks/<pid:webhook_id>/deliveries/<pid:delivery_id>/resend",
        org_admin.delivery_resend,
        "delivery-resend",
    ),
    path("channels/", org_admin.channels, "channels"),
    path("organisation/", org_admin.organisation_settings, "organisation"),
    path("organisation/contacts", org_admin.organisation_contacts, "organisation-contacts"),
    path("organisation/policy", org_admin.organisation_policy, "organisation-policy"),
    path("audit/", org_admin.audit_events, "audit"),
    # Hub administrators.
    path("hub/organisations/", hub_admin.organisations, "hub-organisations"),
    path("hub/organisations/<slug:slug>/", hub_admin.organisation_detail, "hub-organisation"),
    path("hub/organisations/<slug:slug>/status", hub_admin.organisation_status, "hub-organisation-status"),
    path("hub/organisations/<slug:slug>/quota", hub_admin.organisation_quota, "hub-organisation-quota"),
    path("hub/flood/", hub_admin.flood_queue, "hub-flood"),
    path("hub/flood/<pid:match_id>/review", hub_admin.flood_review, "hub-flood-review"),
    path("hub/oprf-keys/", hub_admin.oprf_keys, "hub-oprf-keys"),
    path("hub/oprf-keys/generate", hub_admin.oprf_key_generate, "hub-oprf-generate"),
    path("hub/oprf-keys/rotate", hub_admin.oprf_key_rotate, "hub-oprf-rotate"),
    path("hub/oprf-keys/retire", hub_admin.oprf_key_retire, "hub-oprf-retire"),
    path("hub/audit/", hub_admin.audit_trail, "hub-audit"),
    path("hub/statistics/", statistics.hub_statistics, "hub-statistics"),
    path("hub/statistics/<pid:release_id>/", statistics.hub_statistics, "hub-statistics-release"),
    path("hub/statistics/<pid:release_id>/<slug:table>.csv", statistics.hub_statistics_csv, "hub-statistics-csv"),
    path("hub/transparency/", statistics.transparency, "hub-transparency"),
    path(
        "hub/transparency/<pid:release_id>/report.<str:fmt>",
        statistics.transparency_download,
        "hub-transparency-download",
    ),
    path("hub/government-requests/", statistics.government_requests, "hub-government-requests"),
    path(
        "hub/government-requests/<pid:request_id>/outcome",
        statistics.government_request_outcome,
        "hub-government-request-outcome",
    ),
    path("hub/applications/", joining.applications, "hub-applications"),
    path("hub/applications/<pid:application_id>/", joining.application_detail, "hub-application"),
    path("hub/applications/<pid:application_id>/approve", joining.application_approve, "hub-application-approve"),
    path("hub/applications/<pid:application_id>/refuse", joining.application_refuse, "hub-application-refuse"),
    # Open to anyone: applying to join, and accepting an e-mailed invitation.
    path("apply/", joining.apply, "apply"),
    path("apply/sent/", joining.apply_sent, "apply-sent"),
    path("invitations/accept/", joining.invitation_accept, "invitation-accept"),
    path("invitations/<str:token>/", joining.invitation_link, "invitation"),
]
