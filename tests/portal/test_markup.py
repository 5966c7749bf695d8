"""Pages keep to the strict content security policy and to accessible forms: no inline script or style,
nothing loaded from elsewhere, and every visible form field labelled."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

PAGES = {
    "alice": ["portal:dashboard", "portal:matches", "portal:reports", "portal:notifications", "portal:disclosures",
              "portal:report-new", "portal:screen", "portal:record", "portal:people", "portal:api-keys",
              "portal:webhooks", "portal:channels", "portal:organisation", "portal:audit"],
    "ops": ["portal:hub-organisations", "portal:hub-flood", "portal:hub-oprf-keys", "portal:hub-audit"],
}  # fmt: skip
CASES = [(who, name) for who, names in PAGES.items() for name in names]


@pytest.mark.parametrize(("who", "name"), CASES)
def test_a_page_has_no_inline_script_or_style_and_loads_nothing_from_elsewhere(request, who, name) -> None:
    response = request.getfixturevalue(who).get(reverse(name))
    html = response.content.decode()
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None
    assert "<style" not in html and " style=" not in html and " on" + "click=" not in html
    assert re.search(r'(src|href)="(https?:)?//', html) is None


@pytest.mark.parametrize(("who", "name"), CASES)
def test_every_visible_field_has_a_label(request, who, name) -> None:
    html = request.getfixturevalue(who).get(reverse(name)).content.decode()
    labelled = set(re.findall(r'<label[^>]*for="([^"]+)"', html))
    fields = re.findall(r"<(?:input|select|textarea)\b[^>]*>", html)
    for field in fields:
        if re.search(r'type="(hidden|submit)"', field):
            continue
        field_id = re.search(r'id="([^"]+)"', field)
        assert field_id and field_id.group(1) in labelled, field
