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


def _allowed(address: IpAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
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
