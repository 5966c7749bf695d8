"""The pages that tokenise in the browser: the hub renders only choices, and no field could ever post an address."""

import json
import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["portal:report-new", "portal:screen", "portal:record"])
def test_a_tokeniser_page_has_no_form_and_no_named_field_so_nothing_typed_there_is_ever_posted(alice, name) -> None:
    html = alice.get(reverse(name)).content.decode()
    main = html.split('<main id="main">', 1)[1]
    assert "<form" not in main
    fields = re.findall(r"<(?:input|select|textarea)\b[^>]*>", main)
    assert fields and not [field for field in fields if " name=" in field]
    assert 'src="/static/portal/vigil.js"' in main


def test_the_report_page_gives_the_contract_vocabularies_and_starts_from_the_organisation_policy(alice, portal) -> None:
    organisation = portal.world.org_a
    organisation.default_policy = {"visibility": "silent", "tlp": "red", "audience_sectors": ["ngo"]}
    organisation.save()
    html = alice.get(reverse("portal:report-new")).content.decode()
    vocabulary = json.loads(re.search(r'data-vocabulary="([^"]+)"', html).group(1).replace("&quot;", '"'))
    assert vocabulary["category"][0] == "osec_payment" and "law_enforcement" in vocabulary["sector"]
    assert '<option value="silent" selected>' in html and '<option value="red" selected>' in html
    assert 'value="ngo" checked' in html and 'value="bank" checked' not in html


def test_a_viewer_may_open_the_record_page_but_not_the_report_page(bob) -> None:
    assert bob.get(reverse("portal:record")).status_code == 200
    assert bob.get(reverse("portal:report-new")).status_code == 403
