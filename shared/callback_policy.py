"""Which callback URLs newsevents may POST to: the guard against server-side request forgery.

A ``callback_url`` is chosen by the client, and the worker that POSTs to it sits inside
our network. Without a policy a client can make the worker reach the cloud metadata
service (169.254.169.254), Redis, the intake, or anything else only the worker can see.
So a callback may go only to a public address:

* the scheme is ``http`` or ``https``, and the URL names a host;
* the host is not a known metadata name (``metadata.google.internal`` and friends);
* the host is resolved **once** and **every** address it resolves to must be global: not
  loopback, private (RFC 1918, ULA ``fc00::/7``), link-local (``169.254/16``,
  ``fe80::/10``), multicast, unspecified, reserved, shared (CGNAT ``100.64/10``), nor
  an IPv6 form that embeds such an IPv4 address (mapped ``::ffff:a.b.c.d``, compatible
  ``::a.b.c.d``, 6to4 ``2002::/16``, NAT64 ``64:ff9b::/96``); one bad address refuses the
  whole URL, because the resolver's order is not ours to choose;
* the delivery then connects to a checked address (``workers.callback_delivery``), so a
  second, different DNS answer (DNS rebinding) is never used.

Numeric hosts in odd spellings (``2130706433``, ``127.1``, ``0x7f.0.0.1``, ``0177.0.0.1``)
are what ``inet_aton`` and ``getaddrinfo`` accept, so they are read the same way here and
land on the address they really mean.

Trusted internal receivers are allowed by network, never by name:
``NEWSEVENTS_CALLBACK_ALLOWED_NETWORKS`` (comma-separated CIDRs, empty by default) lists
networks whose addresses pass although the rules above would refuse them. A refusal is
permanent: retrying cannot change the answer.

The intake uses ``check_static`` (no DNS) to answer an obviously bad URL with 422 at
submission; the worker uses ``resolve_checked`` at delivery time.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import SplitResult, urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
#: ``socket.getaddrinfo(host, port, family, type)``; tests inject their own answers.
Resolver = Callable[[str, int, int, int], Sequence[tuple[Any, ...]]]

ALLOWED_SCHEMES = frozenset({"http", "https"})
#: Host names of cloud metadata services; refused whatever they resolve to.
METADATA_HOSTS = frozenset(
    {
        "metadata",
        "metadata.google.internal",
        "metadata.goog",
        "metadata.azure.com",
        "instance-data",
        "instance-data.ec2.internal",
        "metadata.tencentyun.com",
        "metadata.platformequinix.com",
    }
)
#: Ranges refused on top of what ``ipaddress`` calls non-global (explicit, so that a
#: Python version with other tables cannot open them).
BLOCKED_NETWORKS: tuple[IPNetwork, ...] = tuple(
    ipaddress.ip_network(cidr)
    for cidr in (
        "0.0.0.0/8",  # "this network", 0.0.0.0 included
        "10.0.0.0/8",
        "100.64.0.0/10",  # shared address space (CGNAT)
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local, cloud metadata
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.168.0.0/16",
        "198.18.0.0/15",
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, broadcast included
        "::/128",
        "::1/128",
        "::/96",  # IPv4-compatible (deprecated) addresses
        "64:ff9b::/96",  # NAT64
        "64:ff9b:1::/48",
        "2001::/32",  # Teredo
        "fc00::/7",  # unique local
        "fe80::/10",  # link-local
        "fec0::/10",  # site-local (deprecated)
        "ff00::/8",  # multicast
    )
)
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
#: What ``inet_aton`` might read as an IPv4 address (decimal, octal, hex, 1 to 4 parts).
_NUMERIC_HOST = re.compile(r"^[0-9a-fA-FxX.]+$")


class CallbackRefused(ValueError):
    """The callback URL is not allowed; delivering to it must not even be tried."""


@dataclass(frozen=True)
class CheckedTarget:
    """A callback URL that passed the policy, with the addresses the delivery may use."""

    url: SplitResult
    host: str
    port: int
    addresses: tuple[IPAddress, ...]


def parse_networks(text: str) -> tuple[IPNetwork, ...]:
    """The networks of a comma-separated CIDR list (``""`` is none); ValueError names a bad one."""
    networks = []
    for part in text.split(","):
        cidr = part.strip()
        if not cidr:
            continue
        try:
            networks.append(ipaddress.ip_network(cidr, strict=False))
        except ValueError as error:
            raise ValueError(f"not a network in CIDR form: {cidr!r} ({error})") from error
    return tuple(networks)


def numeric_host(host: str) -> IPAddress | None:
    """The address a numeric host means, in any spelling ``inet_aton`` accepts; else None."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if not _NUMERIC_HOST.match(host):
        return None
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


def embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, compatible, 6to4, NAT64), if any."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    packed = address.packed
    if packed[:12] == bytes(12) and packed[12:] not in (bytes(4), bytes(3) + b"\x01"):
        return ipaddress.IPv4Address(packed[12:])
    if address in _NAT64:
        return ipaddress.IPv4Address(packed[12:])
    return None


def address_problem(address: IPAddress) -> str | None:
    """Why ``address`` is not a public one (a short reason), or None when it is."""
    if isinstance(address, ipaddress.IPv6Address):
        inner = embedded_ipv4(address)
        if inner is not None:
            problem = address_problem(inner)
            if problem is not None:
                return f"{problem} (embedded in {address})"
    for flag in (
        "is_unspecified",
        "is_loopback",
        "is_link_local",
        "is_multicast",
        "is_reserved",
        "is_private",
    ):
        if getattr(address, flag):
            return f"{address} is {flag[3:].replace('_', '-')}"
    if any(
        address in network for network in BLOCKED_NETWORKS if network.version == address.version
    ):
        return f"{address} is in a blocked range"
    if not address.is_global:
        return f"{address} is not a global address"
    return None


@dataclass(frozen=True)
class CallbackPolicy:
    """The rules above, with the operator's allow-list of trusted internal networks."""

    allowed_networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def from_setting(cls, allowed_networks: str) -> CallbackPolicy:
        """The policy for ``NEWSEVENTS_CALLBACK_ALLOWED_NETWORKS``' value."""
        return cls(parse_networks(allowed_networks))

    def allows(self, address: IPAddress) -> bool:
        """True when ``address`` is in an allowed network (an IPv4-mapped one counts as IPv4)."""
        candidates: list[IPAddress] = [address]
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            candidates.append(address.ipv4_mapped)
        return any(
            candidate in network
            for candidate in candidates
            for network in self.allowed_networks
            if network.version == candidate.version
        )

    def check_address(self, address: IPAddress) -> None:
        """Refuse an address that is neither public nor in an allowed network."""
        if self.allows(address):
            return
        problem = address_problem(address)
        if problem is not None:
            raise CallbackRefused(problem)

    def check_static(self, url: str) -> tuple[SplitResult, str, int]:
        """Scheme, host and numeric-host checks that need no DNS; the parts of the URL."""
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as error:
            raise CallbackRefused(f"not a valid URL: {error}") from error
        scheme = parts.scheme.lower()
        if scheme not in ALLOWED_SCHEMES:
            raise CallbackRefused(f"scheme {scheme or '(none)'!r} is not http or https")
        host = (parts.hostname or "").rstrip(".").lower()
        if not host:
            raise CallbackRefused("the URL names no host")
        if host in METADATA_HOSTS:
            raise CallbackRefused(f"{host} is a cloud metadata host")
        literal = numeric_host(host)
        if literal is not None:
            self.check_address(literal)
        return parts, host, port or (443 if scheme == "https" else 80)

    def resolve_checked(self, url: str, resolver: Resolver = socket.getaddrinfo) -> CheckedTarget:
        """Check ``url``, resolve its host once and check every address; what to connect to.

        Raises ``CallbackRefused`` for a refused URL and ``OSError`` (``socket.gaierror``)
        when the name does not resolve, which may be temporary.
        """
        parts, host, port = self.check_static(url)
        literal = numeric_host(host)
        if literal is not None:
            addresses: list[IPAddress] = [literal]
        else:
            entries = resolver(host, port, 0, socket.SOCK_STREAM)
            addresses = []
            for entry in entries:
                address = ipaddress.ip_address(str(entry[4][0]).split("%", 1)[0])
                if address not in addresses:
                    addresses.append(address)
            if not addresses:
                raise socket.gaierror(f"{host} resolved to no address")
        for address in addresses:
            self.check_address(address)
        return CheckedTarget(url=parts, host=host, port=port, addresses=tuple(addresses))
