"""Webhook targets written as IPv6 forms that carry an IPv4 address are judged by that address."""

import ipaddress

import pytest

from apps.routing.ssrf import _allowed, embedded_ipv4


@pytest.fixture(autouse=True)
def _production_rules(settings) -> None:
    settings.VIGIL_WEBHOOK_ALLOW_LOOPBACK = False


def _teredo(server: str, client: str) -> str:
    """2001:0000:<server>:<flags>:<port ^ 0xffff>:<client ^ 0xffffffff> (RFC 4380)."""
    server_int = int(ipaddress.IPv4Address(server))
    client_int = int(ipaddress.IPv4Address(client)) ^ 0xFFFFFFFF
    return str(ipaddress.IPv6Address((0x20010000 << 96) | (server_int << 64) | (0xFFFF << 32) | client_int))


FORMS = {
    "ipv4-compatible": lambda v4: f"::{v4}",
    "ipv4-mapped": lambda v4: f"::ffff:{v4}",
    "ipv4-translated": lambda v4: f"::ffff:0:{v4}",
    "nat64 well-known": lambda v4: f"64:ff9b::{v4}",
    "6to4": lambda v4: str(ipaddress.IPv6Address((0x2002 << 112) | (int(ipaddress.IPv4Address(v4)) << 80) | 1)),
    "teredo client": lambda v4: _teredo("8.8.4.4", v4),
    "teredo server": lambda v4: _teredo(v4, "8.8.4.4"),
}
UNSAFE_IPV4 = ["127.0.0.1", "10.1.2.3", "192.168.0.10", "169.254.169.254", "100.64.0.1"]


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("ipv4", UNSAFE_IPV4)
def test_an_embedded_loopback_private_or_metadata_address_is_refused(form: str, ipv4: str) -> None:
    address = ipaddress.ip_address(FORMS[form](ipv4))
    assert ipaddress.IPv4Address(ipv4) in embedded_ipv4(address)
    assert not _allowed(address)


@pytest.mark.parametrize("form", FORMS)
def test_an_embedded_public_address_is_judged_by_that_address(form: str) -> None:
    assert _allowed(ipaddress.ip_address(FORMS[form]("8.8.8.8")))


@pytest.mark.parametrize("ipv4", UNSAFE_IPV4)
@pytest.mark.parametrize("prefix_length", [48, 56, 64, 96])
def test_local_use_nat64_is_refused_whatever_length_its_operator_cut_the_prefix(ipv4: str, prefix_length: int) -> None:
    # RFC 6052: the IPv4 address follows the prefix, skipping bits 64-71.
    v4 = ipaddress.IPv4Address(ipv4).packed
    prefix = ipaddress.IPv6Address("64:ff9b:1::").packed[: prefix_length // 8]
    body = (prefix + v4 + bytes(16))[:15] if prefix_length < 96 else prefix + v4
    packed = body[:8] + b"\x00" + body[8:15] if prefix_length < 96 else body
    address = ipaddress.IPv6Address(packed)
    assert address in ipaddress.ip_network("64:ff9b:1::/48")
    assert not _allowed(address)


def test_plain_ipv6_loopback_and_unspecified_stay_themselves(settings) -> None:
    assert embedded_ipv4(ipaddress.ip_address("::1")) is None
    assert not _allowed(ipaddress.ip_address("::1"))
    settings.VIGIL_WEBHOOK_ALLOW_LOOPBACK = True
    assert _allowed(ipaddress.ip_address("::1"))


def test_a_public_ipv6_address_without_an_embedded_one_is_allowed() -> None:
    assert embedded_ipv4(ipaddress.ip_address("2606:4700:4700::1111")) is None
    assert _allowed(ipaddress.ip_address("2606:4700:4700::1111"))
