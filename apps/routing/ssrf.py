"""Webhook targets must be public: refuse loopback, private, link-local and metadata addresses.

Checked at registration and again at every delivery (DNS may change), and the delivery then
connects to the address that was checked, so a rebinding DNS answer cannot slip past.
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

from apps.common.errors import ValidationFailed

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    address: IpAddress


_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")  # deprecated ::a.b.c.d (RFC 4291 2.5.5.1)
_IPV4_TRANSLATED = ipaddress.IPv6Network("::ffff:0:0:0/96")  # ::ffff:0:a.b.c.d (RFC 2765)
_NAT64_WELL_KNOWN = ipaddress.IPv6Network("64:ff9b::/96")  # RFC 6052
_NAT64_LOCAL_USE = ipaddress.IPv6Network("64:ff9b:1::/48")  # RFC 8215
_SIX_TO_FOUR = ipaddress.IPv6Network("2002::/16")  # RFC 3056
_TEREDO = ipaddress.IPv6Network("2001::/32")  # RFC 4380


def _rfc6052_ipv4(address: ipaddress.IPv6Address, prefix_length: int) -> ipaddress.IPv4Address:
    """The IPv4 address inside an RFC 6052 address for a given prefix length; bits 64-71 are skipped."""
    packed = address.packed
    if prefix_length == 96:
        return ipaddress.IPv4Address(packed[12:])
    without_u = packed[:8] + packed[9:]
    start = prefix_length // 8
    return ipaddress.IPv4Address(without_u[start : start + 4])


def embedded_ipv4(address: IpAddress) -> list[ipaddress.IPv4Address] | None:
    """Every IPv4 address an IPv6 address carries (and may reach, via a translator or tunnel), or None.

    The local-use NAT64 prefix may be cut at /48, /56, /64 or /96 by its operator, so each reading
    is returned and all of them must pass.
    """
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    low32 = ipaddress.IPv4Address(address.packed[12:])
    if address.ipv4_mapped is not None:
        return [address.ipv4_mapped]
    if address in _IPV4_TRANSLATED or address in _NAT64_WELL_KNOWN:
        return [low32]
    # :: and ::1 are themselves (unspecified, loopback), not IPv4 addresses 0.0.0.0 and 0.0.0.1.
    if address in _IPV4_COMPATIBLE and int(address) > 1:
        return [low32]
    if address in _NAT64_LOCAL_USE:
        return [_rfc6052_ipv4(address, length) for length in (48, 56, 64, 96)]
    if address in _SIX_TO_FOUR and address.sixtofour is not None:
        return [address.sixtofour]
    if address in _TEREDO and address.teredo is not None:
        server, client = address.teredo
        return [server, client]
    return None


def _allowed(address: IpAddress) -> bool:
    # An IPv6 form that embeds an IPv4 address is judged by what it embeds: ::ffff:169.254.169.254
    # reaches the metadata service as surely as the IPv4 address does.
    embedded = embedded_ipv4(address)
    if embedded is not None:
        return all(_allowed(ipv4) for ipv4 in embedded)
    if address.is_loopback:
        return settings.VIGIL_WEBHOOK_ALLOW_LOOPBACK
    # is_global is false for private, link-local (169.254.0.0/16, the cloud metadata range),
    # shared, reserved, multicast and unspecified addresses.
    return address.is_global and not address.is_multicast


def webhook_target(url: str) -> Target:
    """Parse, resolve and check a webhook URL; the first allowed address is the one to use."""
    parts = urlsplit(url)
    allowed_schemes = {"https", "http"} if settings.VIGIL_WEBHOOK_ALLOW_HTTP else {"https"}
    if parts.scheme not in allowed_schemes:
        raise ValidationFailed(f"Webhook URLs must use {' or '.join(sorted(allowed_schemes))}.")
    if not parts.hostname:
        raise ValidationFailed("The webhook URL has no host.")
    if parts.username or parts.password:
        raise ValidationFailed("Put no credentials in the webhook URL; verify the signature instead.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise ValidationFailed("The webhook URL has an invalid port.") from None
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise ValidationFailed(f"The webhook host {parts.hostname!r} does not resolve.") from None
    addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]
    if not addresses or not all(_allowed(address) for address in addresses):
        raise ValidationFailed(
            f"The webhook host {parts.hostname!r} resolves to a loopback, private, link-local or reserved address."
        )
    return Target(scheme=parts.scheme, host=parts.hostname, port=port, address=addresses[0])
