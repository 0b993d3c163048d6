"""The client's address behind a load balancer: one function for the audit trail, lockout and
rate limits, which a forged X-Forwarded-For header can neither dodge nor turn against others."""

import pytest
from django.core.cache import cache
from django.test import RequestFactory
from django.urls import reverse

from audit.models import AuditEvent
from dspt_portal.client_address import (
    address_in_networks,
    client_address,
    client_ip,
    networks_parse,
)

from .conftest import PASSWORD

PROXY = "10.0.0.1"  # the load balancer, as the portal sees it


@pytest.mark.parametrize(
    ("remote_addr", "forwarded_for", "proxy_count", "expected"),
    [
        # No trusted proxy: the header is the client's own words and never believed.
        ("192.0.2.10", "", 0, "192.0.2.10"),
        ("192.0.2.10", "203.0.113.5", 0, "192.0.2.10"),
        ("192.0.2.10", "203.0.113.5, 198.51.100.1", 0, "192.0.2.10"),
        # One proxy: it appended the address it saw, the rightmost entry.
        (PROXY, "198.51.100.7", 1, "198.51.100.7"),
        (PROXY, "203.0.113.5, 198.51.100.7", 1, "198.51.100.7"),  # forged entry on the left
        (PROXY, "203.0.113.5,198.51.100.7", 1, "198.51.100.7"),
        # Two proxies (CDN, then load balancer): the second entry from the right.
        (PROXY, "203.0.113.5, 198.51.100.7, 172.16.0.4", 2, "198.51.100.7"),
        # Fewer entries than proxies: the request did not come the configured way.
        (PROXY, "", 1, PROXY),
        (PROXY, "198.51.100.7", 2, PROXY),
        # Ports and IPv6 as some load balancers write them; nonsense is no address at all.
        (PROXY, "198.51.100.7:51234", 1, "198.51.100.7"),
        (PROXY, "[2001:db8::7]:443", 1, "2001:db8::7"),
        (PROXY, "2001:DB8::7", 1, "2001:db8::7"),
        (PROXY, "198.51.100.7, not-an-address", 1, None),
        ("", "", 0, None),
        ("unix:socket", "", 0, None),
    ],
)
def test_client_address(remote_addr, forwarded_for, proxy_count, expected):
    assert (
        client_address(
            remote_addr=remote_addr, forwarded_for=forwarded_for, proxy_count=proxy_count
        )
        == expected
    )


def test_client_ip_reads_the_configured_proxy_count(settings):
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.7")
    settings.DSPT_TRUSTED_PROXY_COUNT = 0
    assert client_ip(request) == PROXY
    settings.DSPT_TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "198.51.100.7"


def test_networks():
    networks = networks_parse(["10.20.0.0/16", "2001:db8::/32", "192.0.2.4"])
    assert address_in_networks("10.20.3.4", networks)
    assert address_in_networks("2001:db8::1", networks)
    assert address_in_networks("192.0.2.4", networks)
    assert not address_in_networks("10.21.0.1", networks)
    assert not address_in_networks("192.0.2.5", networks)
    assert not address_in_networks(None, networks)
    with pytest.raises(ValueError, match=r"'10\.0\.0\.0/33' is not an address"):
        networks_parse(["10.0.0.0/33"])


# --- Rate limits --------------------------------------------------------------------------------


@pytest.fixture
def limits(settings, db):
    settings.DSPT_RATE_LIMITS_ENABLED = True
    settings.DSPT_RATE_LIMITS = {"search": 2, "verify": 2}
    cache.clear()
    yield
    cache.clear()


def search(client, **extra):
    return client.get(reverse("organisation-search"), {"q": "care"}, **extra).status_code


def test_a_forged_header_does_not_dodge_the_limit_without_a_proxy(client, settings, limits):
    settings.DSPT_TRUSTED_PROXY_COUNT = 0
    assert search(client, HTTP_X_FORWARDED_FOR="203.0.113.1") == 200
    assert search(client, HTTP_X_FORWARDED_FOR="203.0.113.2") == 200
    # A third "different" address is still the same connection.
    assert search(client, HTTP_X_FORWARDED_FOR="203.0.113.3") == 429


def test_people_behind_one_proxy_are_limited_separately(client, settings, limits):
    settings.DSPT_TRUSTED_PROXY_COUNT = 1
    first = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "198.51.100.7"}
    second = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "198.51.100.8"}
    assert search(client, **first) == 200
    assert search(client, **first) == 200
    assert search(client, **first) == 429
    # Someone else behind the same load balancer is not caught by the first person's limit.
    assert search(client, **second) == 200
    # Nor can the first dodge it by writing another address in front of the proxy's entry.
    forged = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "203.0.113.9, 198.51.100.7"}
    assert search(client, **forged) == 429


# --- Lockout (django-axes) and the audit trail ---------------------------------------------------


def sign_in(client, email, password, **extra):
    return client.post(
        reverse("sign-in"), {"username": email, "password": password}, **extra
    ).status_code


def test_lockout_holds_per_client_behind_a_proxy(client, settings, member):
    settings.DSPT_TRUSTED_PROXY_COUNT = 1
    attacker = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "203.0.113.66"}
    for _ in range(5):
        sign_in(client, member.email, "wrong-password-1", **attacker)
    assert sign_in(client, member.email, PASSWORD, **attacker) == 429
    # Writing a different address in front does not unlock it.
    forged = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "192.0.2.1, 203.0.113.66"}
    assert sign_in(client, member.email, PASSWORD, **forged) == 429
    # The real person, behind the same load balancer, is not locked out with the attacker.
    person = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "198.51.100.7"}
    assert sign_in(client, member.email, PASSWORD, **person) == 302

    failed = AuditEvent.objects.filter(event="sign_in_failed", user=member)
    assert set(failed.values_list("ip_address", flat=True)) == {"203.0.113.66"}
    signed_in = AuditEvent.objects.get(event="signed_in", user=member)
    assert signed_in.ip_address == "198.51.100.7"


def test_a_forged_header_without_a_proxy_does_not_dodge_lockout(client, settings, member):
    settings.DSPT_TRUSTED_PROXY_COUNT = 0
    for number in range(5):
        sign_in(
            client, member.email, "wrong-password-1", HTTP_X_FORWARDED_FOR=f"203.0.113.{number}"
        )
    assert sign_in(client, member.email, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.1") == 429
