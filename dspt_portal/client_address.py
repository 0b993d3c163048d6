"""The client's address: the one function the audit trail, lockout and rate limits all use.

Behind a load balancer REMOTE_ADDR is the balancer's own address, so every person would share one
lockout and one rate limit. Each trusted proxy appends the address it received the request from to
X-Forwarded-For; with DSPT_TRUSTED_PROXY_COUNT proxies in front of the portal, the client is the
entry that many places from the right. Anything further left was written by the client and is
never believed. With a count of 0 (the default) the header is ignored altogether.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def address_parse(value: str) -> str | None:
    """A normalised IP address from `value` (which may carry a port), or None."""
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [2001:db8::1]:443
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # 192.0.2.1:443
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_address(*, remote_addr: str, forwarded_for: str, proxy_count: int) -> str | None:
    """The client's address from the connection and the X-Forwarded-For header (plain rule)."""
    if proxy_count <= 0:
        return address_parse(remote_addr)
    hops = [part for part in (p.strip() for p in forwarded_for.split(",")) if part]
    if len(hops) < proxy_count:
        # Not every trusted proxy added itself: the request did not come the configured way,
        # so nothing in the header can be trusted. The connection's own address is all there is.
        return address_parse(remote_addr)
    return address_parse(hops[-proxy_count])


def client_ip(request) -> str | None:
    """The address the request came from, as configured by DSPT_TRUSTED_PROXY_COUNT."""
    return client_address(
        remote_addr=request.META.get("REMOTE_ADDR") or "",
        forwarded_for=request.META.get("HTTP_X_FORWARDED_FOR") or "",
        proxy_count=settings.DSPT_TRUSTED_PROXY_COUNT,
    )


def address_in_networks(address: str | None, networks) -> bool:
    """Whether `address` is inside one of `networks` (CIDR strings or ip_network objects)."""
    if address is None:
        return False
    ip = ipaddress.ip_address(address)
    return any(ip in ipaddress.ip_network(str(network), strict=False) for network in networks)


def networks_parse(values: list[str]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """CIDR strings to networks; raises ValueError naming the first one that is not valid."""
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value, strict=False))
        except ValueError as error:
            raise ValueError(f"{value!r} is not an address or network (CIDR)") from error
    return tuple(networks)
