"""The pages that tokenise in the browser: the hub renders only choices, and no field could ever post an address."""

import json
import re

import pytest
from django.urls import reverse

from apps.oprf.models import KeyStatus, OprfKey, Trustee

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


def _split(key: OprfKey, *urls: str, threshold: int = 2) -> None:
    """Publish `key` as split among trustees at `urls` (commitments are not checked by the pages)."""
    OprfKey.objects.filter(pk=key.pk).update(threshold=threshold)
    for index, url in enumerate(urls, start=1):
        Trustee.objects.create(key=key, index=index, name=f"t{index}", url=url, commitment=bytes(32))


def _connect_src(response) -> list[str] | None:
    directives = [part.split() for part in response["Content-Security-Policy"].split(";") if part.strip()]
    return {name: values for name, *values in directives}.get("connect-src")


@pytest.mark.parametrize("name", ["portal:report-new", "portal:screen", "portal:reports"])
def test_a_tokeniser_page_may_connect_to_exactly_the_hub_and_the_trustees_of_a_usable_key(alice, rfc_key, name) -> None:
    _split(rfc_key, "https://T1.example:8443/vigil", "https://t2.example", "http://127.0.0.1:8103/")
    retired = OprfKey.objects.create(key_id="0" * 16, public_key=bytes(32), status=KeyStatus.RETIRED, threshold=2)
    Trustee.objects.create(key=retired, index=1, name="old", url="https://old.example", commitment=bytes(32))

    assert _connect_src(alice.get(reverse(name))) == [
        "'self'",
        "http://127.0.0.1:8103",
        "https://t1.example:8443",
        "https://t2.example",
    ]
    assert _connect_src(alice.get(reverse("portal:dashboard"))) is None  # pages that do not tokenise gain nothing


def test_under_a_whole_key_a_tokeniser_page_connects_to_the_hub_alone_and_says_nothing_of_trustees(alice) -> None:
    response = alice.get(reverse("portal:screen"))
    assert _connect_src(response) is None  # default-src 'self'
    assert "data-split-key" not in response.content.decode()
    assert "not split" in alice.get(reverse("portal:trustee-keys")).content.decode()


def test_the_trustee_keys_page_has_a_field_per_trustee_that_is_never_posted_and_the_pages_point_at_it(
    alice, bob, rfc_key
) -> None:
    _split(rfc_key, "https://t1.example", "https://t2.example", "https://t3.example")
    html = alice.get(reverse("portal:trustee-keys")).content.decode()
    main = html.split('<main id="main">', 1)[1]
    assert "<form" not in main
    fields = re.findall(r"<input\b[^>]*>", main)
    assert [re.search(r'data-trustee-key="([^"]+)"', field).group(1) for field in fields] == ["t1", "t2", "t3"]
    assert not [field for field in fields if " name=" in field] and all('type="password"' in f for f in fields)
    assert "never to the hub" in main and "session storage" in main
    notice = alice.get(reverse("portal:screen")).content.decode()
    assert "split 2 of 3 among trustees (t1, t2, t3)" in notice and reverse("portal:trustee-keys") in notice
    assert bob.get(reverse("portal:trustee-keys")).status_code == 403  # a viewer tokenises nothing
