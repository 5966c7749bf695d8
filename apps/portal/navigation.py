"""The navigation each person sees: pages whose scopes their role holds, or the hub administrator's pages."""

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import reverse

from apps.common.scopes import Scope
from apps.organisations.models import ROLE_SCOPES
from apps.portal.access import is_hub_admin, membership_of


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    scopes: frozenset[str]


READ_OR_REPORT = frozenset({Scope.READ, Scope.REPORT})
MEMBER_PAGES = (
    NavItem("Dashboard", "portal:dashboard", frozenset(Scope.values)),
    NavItem("Matches", "portal:matches", READ_OR_REPORT),
    NavItem("Reports", "portal:reports", READ_OR_REPORT),
    NavItem("Report wallets", "portal:report-new", frozenset({Scope.REPORT})),
    NavItem("Screen a wallet", "portal:screen", frozenset({Scope.SCREEN})),
    NavItem("Address record", "portal:record", frozenset({Scope.READ, Scope.REPORT, Scope.SCREEN})),
    NavItem("Trustee keys", "portal:trustee-keys", frozenset({Scope.REPORT, Scope.SCREEN})),
    NavItem("Notifications", "portal:notifications", frozenset({Scope.READ, Scope.REPORT, Scope.SCREEN})),
    NavItem("Disclosures", "portal:disclosures", READ_OR_REPORT),
    NavItem("Statistics", "portal:statistics", READ_OR_REPORT),
    NavItem("Outcomes", "portal:outcomes", READ_OR_REPORT),
    NavItem("People", "portal:people", frozenset({Scope.MANAGE})),
    NavItem("API keys", "portal:api-keys", frozenset({Scope.MANAGE})),
    NavItem("Webhooks", "portal:webhooks", frozenset({Scope.MANAGE})),
    NavItem("Channels", "portal:channels", frozenset({Scope.MANAGE})),
    NavItem("Organisation", "portal:organisation", frozenset({Scope.MANAGE})),
    NavItem("Audit events", "portal:audit", frozenset({Scope.MANAGE})),
)
HUB_PAGES = (
    NavItem("Applications", "portal:hub-applications", frozenset()),
    NavItem("Organisations", "portal:hub-organisations", frozenset()),
    NavItem("Flood control", "portal:hub-flood", frozenset()),
    NavItem("OPRF keys", "portal:hub-oprf-keys", frozenset()),
    NavItem("Audit trail", "portal:hub-audit", frozenset()),
    NavItem("Statistics", "portal:hub-statistics", frozenset()),
    NavItem("Transparency report", "portal:hub-transparency", frozenset()),
    NavItem("Government requests", "portal:hub-government-requests", frozenset()),
)


def navigation_for(request: HttpRequest) -> list[dict[str, object]]:
    if is_hub_admin(request):
        items = list(HUB_PAGES)
    else:
        membership = membership_of(request)
        granted = ROLE_SCOPES.get(membership.role, frozenset()) if membership else frozenset()
        items = [item for item in MEMBER_PAGES if item.scopes & granted]
    current = request.resolver_match.view_name if request.resolver_match else None
    return [{"label": item.label, "url": reverse(item.url_name), "current": current == item.url_name} for item in items]
