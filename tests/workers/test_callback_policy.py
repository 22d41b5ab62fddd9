"""The callback URL policy (``shared.callback_policy``) over every address form a client may try."""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

import pytest
from pydantic import ValidationError

from shared.callback_policy import CallbackPolicy, CallbackRefused, numeric_host, parse_networks
from shared.settings import Settings

REFUSED_HOSTS = [
    # loopback, in every spelling inet_aton / getaddrinfo accept
    "127.0.0.1",
    "127.1",
    "127.0.1",
    "2130706433",
    "0x7f000001",
    "0x7f.0.0.1",
    "0177.0.0.1",
    "017700000001",
    "127.255.255.254",
    "[::1]",
    "[0:0:0:0:0:0:0:1]",
    # unspecified
    "0.0.0.0",
    "0",
    "[::]",
    # private (RFC 1918), shared (CGNAT), benchmarking
    "10.0.0.1",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.1.1",
    "100.64.0.1",
    "100.127.255.254",
    "198.18.0.1",
    # link-local and the metadata service
    "169.254.169.254",
    "0xa9fea9fe",
    "2852039166",
    "[fe80::1]",
    "[fe80::1%25eth0]",
    # multicast, reserved, broadcast
    "224.0.0.1",
    "239.255.255.250",
    "[ff02::1]",
    "240.0.0.1",
    "255.255.255.255",
    # unique local
    "[fc00::1]",
    "[fd12:3456::1]",
    # IPv6 forms that embed a refused IPv4 address
    "[::ffff:127.0.0.1]",
    "[::ffff:7f00:1]",
    "[::ffff:169.254.169.254]",
    "[::ffff:10.0.0.1]",
    "[::127.0.0.1]",
    "[::169.254.169.254]",
    "[2002:7f00:1::1]",
    "[2002:a9fe:a9fe::]",
    "[64:ff9b::7f00:1]",
    "[64:ff9b::a9fe:a9fe]",
    # metadata host names, whatever they resolve to
    "metadata.google.internal",
    "METADATA.Google.Internal.",
    "metadata",
    "metadata.goog",
    "instance-data.ec2.internal",
]
PUBLIC_HOSTS = ["93.184.215.14", "8.8.8.8", "[2606:4700:4700::1111]", "example.org"]


@pytest.mark.parametrize("host", REFUSED_HOSTS)
def test_internal_hosts_are_refused(host: str) -> None:
    with pytest.raises(CallbackRefused):
        CallbackPolicy().check_static(f"http://{host}:8080/hook")


@pytest.mark.parametrize("host", PUBLIC_HOSTS)
def test_public_hosts_pass_the_static_check(host: str) -> None:
    parts, name, port = CallbackPolicy().check_static(f"https://{host}/hook?x=1")
    assert port == 443
    assert name == host.strip("[]").lower()
    assert parts.path == "/hook"


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.org/x",
        "file:///etc/passwd",
        "gopher://example.org:70/",
        "redis://example.org:6379/0",
        "javascript:alert(1)",
        "example.org/hook",
        "http:///no-host",
        "http://example.org:99999/",
    ],
)
def test_other_schemes_and_broken_urls_are_refused(url: str) -> None:
    with pytest.raises(CallbackRefused):
        CallbackPolicy().check_static(url)


@pytest.mark.parametrize(
    "spelling", ["127.1", "2130706433", "0x7f.0.0.1", "0177.0.0.1", "0x7f000001", "10.1", "0"]
)
def test_odd_spellings_mean_what_getaddrinfo_makes_of_them(spelling: str) -> None:
    """No DNS is involved: getaddrinfo reads numeric hosts itself (inet_aton)."""
    [entry, *_] = socket.getaddrinfo(spelling, 80, socket.AF_INET, socket.SOCK_STREAM)
    assert numeric_host(spelling) == ipaddress.ip_address(entry[4][0])


def test_host_names_are_not_numeric() -> None:
    assert numeric_host("example.org") is None
    assert numeric_host("deadbeef") is None  # letters only a hex number would use
    assert numeric_host("1.2.3.4.5") is None


def test_the_allow_list_opens_only_its_networks() -> None:
    policy = CallbackPolicy.from_setting("127.0.0.1/32, 10.20.0.0/16")
    for host in ["127.0.0.1", "2130706433", "[::ffff:127.0.0.1]", "10.20.3.4"]:
        policy.check_static(f"http://{host}/hook")
    for host in ["127.0.0.2", "10.21.0.1", "169.254.169.254", "[::1]", "metadata.google.internal"]:
        with pytest.raises(CallbackRefused):
            policy.check_static(f"http://{host}/hook")


def test_a_bad_network_in_the_setting_is_a_clear_error() -> None:
    assert parse_networks(" , ") == ()
    with pytest.raises(ValueError, match=r"not a network in CIDR form: '10\.0\.0\.0/33'"):
        parse_networks("127.0.0.1/32,10.0.0.0/33")
    with pytest.raises(ValidationError, match="callback_allowed_networks"):
        Settings(callback_allowed_networks="localhost")


class FakeResolver:
    """getaddrinfo's answer for one name, scripted; counts the questions."""

    def __init__(self, *answers: list[str]) -> None:
        self.answers = list(answers)
        self.calls: list[str] = []

    def __call__(self, host: str, port: int, family: int = 0, kind: int = 0) -> list[Any]:
        self.calls.append(host)
        addresses = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if not addresses:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [
            (socket.AF_INET6 if ":" in a else socket.AF_INET, kind, 6, "", (a, port))
            for a in addresses
        ]


def test_every_resolved_address_is_checked_and_one_bad_refuses_all() -> None:
    resolver = FakeResolver(["93.184.215.14", "10.0.0.7"])
    with pytest.raises(CallbackRefused, match=r"10\.0\.0\.7"):
        CallbackPolicy().resolve_checked("http://mixed.test/hook", resolver)
    resolver = FakeResolver(["2606:4700::1", "::ffff:169.254.169.254"])
    with pytest.raises(CallbackRefused, match=r"169\.254\.169\.254"):
        CallbackPolicy().resolve_checked("http://mixed6.test/hook", resolver)


def test_a_public_name_resolves_once_to_its_checked_addresses() -> None:
    resolver = FakeResolver(["93.184.215.14", "93.184.215.14", "2606:4700::1"])
    target = CallbackPolicy().resolve_checked("https://Receiver.Test:8443/hook", resolver)
    assert resolver.calls == ["receiver.test"]
    assert target.host == "receiver.test" and target.port == 8443
    assert [str(a) for a in target.addresses] == ["93.184.215.14", "2606:4700::1"]


def test_a_name_that_does_not_resolve_is_a_dns_error_not_a_refusal() -> None:
    with pytest.raises(socket.gaierror):
        CallbackPolicy().resolve_checked("http://nowhere.test/", FakeResolver([]))


def test_numeric_hosts_are_never_resolved() -> None:
    resolver = FakeResolver(["93.184.215.14"])
    target = CallbackPolicy().resolve_checked("http://8.8.8.8/hook", resolver)
    assert resolver.calls == []
    assert [str(a) for a in target.addresses] == ["8.8.8.8"]
