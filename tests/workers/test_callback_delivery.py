"""One callback POST against real receivers on 127.0.0.1: outcomes, pinning, TLS, retries.

127.0.0.1 is refused by the default policy, so these tests allow it the way an operator
allows a trusted internal receiver: ``NEWSEVENTS_CALLBACK_ALLOWED_NETWORKS`` / the policy's
allow-list. The hostile receivers (slow drip, huge body) are in test_callback_hostile.py.
"""

from __future__ import annotations

import base64
import logging
import random
import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from shared.callback_policy import CallbackPolicy
from workers.callback_delivery import (
    CallbackRetryableError,
    host_header,
    post_result,
    redact_url,
)
from workers.callback_testing import Receivers, running_receivers
from workers.callbacks import MAX_BACKOFF_S, backoff_seconds

LOOPBACK = CallbackPolicy.from_setting("127.0.0.1/32")


@pytest.fixture
def receivers() -> Iterator[Receivers]:
    with running_receivers() as running:
        yield running


@pytest.mark.parametrize("status", [200, 201, 204])
def test_2xx_is_delivered_with_the_json_body(receivers: Receivers, status: int) -> None:
    assert post_result(receivers.url(f"/status/{status}"), '{"article_id": "a"}', LOOPBACK, 5.0)
    [request] = receivers.log.requests
    assert request.body == b'{"article_id": "a"}'
    assert request.headers["content-type"] == "application/json"
    assert request.headers["host"] == f"127.0.0.1:{receivers.port}"


@pytest.mark.parametrize("status", [400, 404, 410, 422])
def test_4xx_is_refused_for_good(receivers: Receivers, status: int) -> None:
    assert post_result(receivers.url(f"/status/{status}"), "{}", LOOPBACK, 5.0) is False


@pytest.mark.parametrize("status", [500, 502, 503, 408, 429])
def test_5xx_and_not_now_answers_are_retryable(receivers: Receivers, status: int) -> None:
    with pytest.raises(CallbackRetryableError, match=str(status)):
        post_result(receivers.url(f"/status/{status}"), "{}", LOOPBACK, 5.0)


def test_unreachable_receiver_is_retryable() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(CallbackRetryableError, match="ConnectError"):
        post_result(f"http://127.0.0.1:{port}/", "{}", LOOPBACK, 2.0)


def test_a_refused_url_is_never_contacted(
    receivers: Receivers, caplog: pytest.LogCaptureFixture
) -> None:
    """Without the allow-list, loopback is refused: no connection, no retry, one clear line."""
    caplog.set_level(logging.WARNING)
    assert post_result(receivers.url("/status/204"), "{}", CallbackPolicy(), 5.0) is False
    assert receivers.log.spans == [] and receivers.log.open_paths == []
    assert "refused by the callback policy, not sent: 127.0.0.1 is loopback" in caplog.text


@pytest.mark.parametrize("target", ["secret", "http://169.254.169.254/latest/meta-data/"])
def test_redirects_are_not_followed(
    receivers: Receivers, caplog: pytest.LogCaptureFixture, target: str
) -> None:
    caplog.set_level(logging.WARNING)
    location = receivers.url("/status/204") if target == "secret" else target
    url = receivers.url(f"/redirect?to={location}")
    assert post_result(url, "{}", LOOPBACK, 5.0) is False
    assert [r.path.partition("?")[0] for r in receivers.log.requests] == ["/redirect"]
    assert "answered 302, a redirect: not followed" in caplog.text


def test_credentials_in_the_url_become_basic_auth_and_never_reach_the_log(
    receivers: Receivers, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="httpcore")
    for path in ("/status/204", "/status/404?token=t0ken", "/redirect?to=/x&token=t0ken"):
        post_result(receivers.url(path, "al%40ice:s3cret"), "{}", LOOPBACK, 5.0)
    with pytest.raises(CallbackRetryableError):
        post_result(receivers.url("/status/503?token=t0ken", "alice:s3cret"), "{}", LOOPBACK, 5.0)
    assert receivers.log.requests[0].headers["authorization"] == "Basic " + (
        base64.b64encode(b"al@ice:s3cret").decode()
    )
    assert "s3cret" not in caplog.text and "t0ken" not in caplog.text
    assert f"http://***@127.0.0.1:{receivers.port}/status/404?***" in caplog.text


def test_redaction_hides_userinfo_and_query_but_keeps_the_rest() -> None:
    assert (
        redact_url("https://u:p@h.example:8443/a/b?k=v#f") == "https://***@h.example:8443/a/b?***"
    )
    assert redact_url("http://h.example/a") == "http://h.example/a"
    assert redact_url("http://user@h.example/?") == "http://***@h.example/"
    assert redact_url("http://[::1/") == "<unparseable URL>"


def test_an_error_body_is_logged_as_a_short_escaped_snippet(
    caplog: pytest.LogCaptureFixture,
) -> None:
    forged = b"\x1b[31m\nCRITICAL forged line\r\n" + b"x" * 5000

    class Forger(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["content-length"]))
            self.send_response(400)
            self.send_header("content-length", str(len(forged)))
            self.end_headers()
            self.wfile.write(forged)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Forger)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    caplog.set_level(logging.WARNING)
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        assert post_result(url, "{}", LOOPBACK, 5.0) is False
    finally:
        server.shutdown()
        server.server_close()
    [record] = [r for r in caplog.records if "refused with 400" in r.getMessage()]
    line = record.getMessage()
    assert "\n" not in line and "\x1b" not in line and "\r" not in line
    assert "\\x1b[31m\\nCRITICAL forged line" in line
    assert len(line) < 400


class ScriptedResolver:
    """A DNS that answers differently each time (the rebinding attack); "a,b" is two addresses."""

    def __init__(self, *answers: str) -> None:
        self.answers = list(answers)
        self.calls = 0

    def __call__(self, host: str, port: int, family: int = 0, kind: int = 0) -> list[Any]:
        answer = self.answers[min(self.calls, len(self.answers) - 1)]
        self.calls += 1
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in answer.split(",")]


def test_dns_rebinding_the_checked_address_is_the_one_connected(receivers: Receivers) -> None:
    """First answer allowed (our receiver), every later one the metadata service: unused."""
    resolver = ScriptedResolver("127.0.0.1", "169.254.169.254")
    url = f"http://rebind.test:{receivers.port}/status/204"
    assert post_result(url, "{}", LOOPBACK, 5.0, resolver=resolver) is True
    assert resolver.calls == 1
    [request] = receivers.log.requests
    assert request.headers["host"] == f"rebind.test:{receivers.port}"


def test_dns_rebinding_a_first_private_answer_is_refused(receivers: Receivers) -> None:
    resolver = ScriptedResolver("169.254.169.254", "127.0.0.1")
    url = f"http://rebind.test:{receivers.port}/status/204"
    assert post_result(url, "{}", LOOPBACK, 5.0, resolver=resolver) is False
    assert resolver.calls == 1
    assert receivers.log.spans == [] and receivers.log.open_paths == []


def test_a_refused_connection_falls_back_to_the_next_checked_address(
    receivers: Receivers,
) -> None:
    """Nothing listens on 127.0.0.2 (the receiver is bound to 127.0.0.1): the next one serves."""
    resolver = ScriptedResolver("127.0.0.2,127.0.0.1")
    url = f"http://two.test:{receivers.port}/status/204"
    policy = CallbackPolicy.from_setting("127.0.0.0/8")
    assert post_result(url, "{}", policy, 5.0, resolver=resolver) is True
    assert len(receivers.log.requests) == 1


def test_ipv6_hosts_are_bracketed_in_the_host_header() -> None:
    assert host_header("2606:4700::1", 8443) == "[2606:4700::1]:8443"
    assert host_header("receiver.test", None) == "receiver.test"


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for ``callback.test`` (made with the openssl command)."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is not installed")
    directory = tmp_path_factory.mktemp("tls")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=callback.test"),
            *("-addext", "subjectAltName=DNS:callback.test"),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


@pytest.fixture
def tls_receiver(tls_files: tuple[Path, Path]) -> Iterator[tuple[int, list[str]]]:
    """An HTTPS receiver on 127.0.0.1 answering 204; records the SNI names it was asked for."""
    cert, key = tls_files
    names: list[str] = []
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

    def remember_sni(_sock: ssl.SSLObject, name: str | None, _context: ssl.SSLContext) -> None:
        names.append(str(name))

    context.sni_callback = remember_sni

    class Ok(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["content-length"]))
            self.send_response(204)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Ok)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1], names
    server.shutdown()
    server.server_close()


def test_https_verifies_the_certificate_and_sends_sni_for_the_name_not_the_address(
    tls_files: tuple[Path, Path], tls_receiver: tuple[int, list[str]]
) -> None:
    port, names = tls_receiver
    trusting = ssl.create_default_context(cafile=str(tls_files[0]))
    resolver = ScriptedResolver("127.0.0.1")
    url = f"https://callback.test:{port}/hook"
    assert post_result(url, "{}", LOOPBACK, 5.0, resolver, ssl_context=trusting) is True
    assert names == ["callback.test"]
    # The same receiver reached under another name fails the certificate check.
    with pytest.raises(CallbackRetryableError, match=r"CERTIFICATE_VERIFY_FAILED|hostname"):
        post_result(f"https://other.test:{port}/hook", "{}", LOOPBACK, 5.0, resolver, trusting)
    # And without trusting the self-signed certificate, nothing is delivered.
    with pytest.raises(CallbackRetryableError, match="CERTIFICATE_VERIFY_FAILED"):
        post_result(url, "{}", LOOPBACK, 5.0, resolver)


def test_backoff_doubles_with_jitter_and_is_capped() -> None:
    rng = random.Random(7)
    for retries, base in [(0, 1.0), (1, 2.0), (3, 8.0)]:
        assert 0.75 * base <= backoff_seconds(retries, rng) <= 1.25 * base
    assert backoff_seconds(30, rng) <= 1.25 * MAX_BACKOFF_S
