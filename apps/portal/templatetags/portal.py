"""Presentation filters and tags: opaque ids and short tokens, never sequential row ids."""

from django import template

from apps.common.public_ids import public_id as make_public_id
from apps.oprf.selectors import split_key_current
from apps.organisations.models import Organisation
from apps.records.selectors import record_exists

register = template.Library()


@register.filter
def public_id(pk: int, kind: str) -> str:
    """The public id of row `pk` of `kind`: `{{ report.pk|public_id:"report" }}`."""
    return make_public_id(kind, pk)


@register.filter
def short_token(token: str) -> str:
    return f"{token[:12]}…" if token else ""


@register.filter
def has_shared_record(organisation: Organisation) -> bool:
    """Whether the shared record exists, so the page's code need not ask for one that does not."""
    return record_exists(organisation=organisation)


@register.inclusion_tag("portal/partials/split_key.html")
def split_key_notice() -> dict[str, object]:
    """On a page that tokenises: whether the current key is split, and among whom, to point at the trustee keys page."""
    return {"split_key": split_key_current()}
