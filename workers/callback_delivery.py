"""One callback POST that a hostile receiver cannot abuse: pinned address, deadline, capped read.

``post_result`` is one delivery attempt, and everything a receiver controls is bounded:

* **where it goes**: the URL must pass ``shared.callback_policy`` (resolved once, every
  address checked) and the connection is made to the first checked address by
  ``PinnedBackend`` (the next checked one if that connection is refused): the HTTP client is
  never given a name to resolve again, so a DNS
  answer that changes between check and connect (DNS rebinding) is never used. The
  ``Host`` header, TLS SNI and certificate verification still use the URL's host name;
* **how long it takes**: one total deadline per attempt (``callback_timeout_s``) covers
  connecting, TLS, sending, the answer's headers and what we read of its body.
  ``DeadlineStream`` gives every socket operation only the time left, so a receiver that
  drips one byte every few seconds cannot stretch the attempt;
* **how much is read**: at most ``MAX_RESPONSE_BYTES`` of an answer's body, and only of an
  error answer (to log a snippet); the connection is then closed, never drained;
* **where it leads**: redirects are not followed; a 3xx is a permanent refusal;
* **what is logged**: URLs only in ``redact_url`` form (no ``user:password@``, no query
  string), an error body only as a short ASCII-escaped snippet.

httpcore is used directly (httpx's transport layer, already a dependency): it follows no
redirects, logs no request lines at INFO, and takes a network backend, which is where the
address pinning and the deadline live.
"""

from __future__ import annotations

import base64
import functools
import logging
import socket
import ssl
import time
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import SplitResult, unquote, urlsplit, urlunsplit

import certifi
import httpcore

from shared.callback_policy import (
    CallbackPolicy,
    CallbackRefused,
    CheckedTarget,
    IPAddress,
    Resolver,
)

log = logging.getLogger(__name__)

#: Most bytes of an answer's body that are ever read (for the log snippet of a 4xx).
MAX_RESPONSE_BYTES = 4096
#: Characters of a refusing receiver's body that reach the log.
SNIPPET_CHARS = 120
#: 4xx answers that mean "not now" rather than "never": retried like a 5xx.
RETRYABLE_4XX = frozenset({408, 425, 429})
#: Failures of the network or of the receiver's HTTP: temporary, worth a retry.
TRANSIENT_ERRORS: tuple[type[Exception], ...] = (
    httpcore.TimeoutException,
    httpcore.NetworkError,
    httpcore.ProtocolError,
    OSError,
)


class CallbackRetryableError(RuntimeError):
    """The receiver could not take the result now; try again later."""


def redact_url(url: str) -> str:
    """``url`` fit for a log line: credentials and query string replaced by ``***``."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable URL>"
    host = parts.netloc.rpartition("@")[2]
    netloc = f"***@{host}" if "@" in parts.netloc else host
    query = "***" if parts.query else ""
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def snippet(body: bytes) -> str:
    """The start of a body as one short ASCII line (control characters escaped)."""
    text = body[: SNIPPET_CHARS * 4].decode("utf-8", errors="replace")[:SNIPPET_CHARS]
    return ascii(text)


class DeadlineStream(httpcore.NetworkStream):
    """A network stream whose every operation ends by an absolute deadline (monotonic time)."""

    def __init__(self, inner: httpcore.NetworkStream, deadline: float) -> None:
        self._inner = inner
        self._deadline = deadline

    def _time_left(self, timeout: float | None, error: type[Exception]) -> float:
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise error("the callback attempt ran out of its total deadline")
        return left if timeout is None else min(timeout, left)

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._time_left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._time_left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        left = self._time_left(timeout, httpcore.ConnectTimeout)
        return DeadlineStream(
            self._inner.start_tls(ssl_context, server_hostname, left), self._deadline
        )

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class PinnedBackend(httpcore.NetworkBackend):
    """Connects to checked addresses whatever host httpcore asks for; never resolves a name.

    httpcore asks for the URL's host (which it also uses for SNI and the certificate
    check); this backend connects to the first of ``addresses`` that accepts the
    connection instead (a host with an IPv6 address this machine cannot route still gets
    its IPv4 one), within ``deadline``.
    """

    def __init__(self, host: str, addresses: Sequence[IPAddress], deadline: float) -> None:
        self._host = host
        self._addresses = addresses
        self._deadline = deadline
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        if host.strip("[]").lower() != self._host:
            raise httpcore.ConnectError(f"asked for host {host!r}, pinned to {self._host!r}")
        refused: httpcore.ConnectError | None = None
        for address in self._addresses:
            left = self._deadline - time.monotonic()
            if left <= 0:
                raise httpcore.ConnectTimeout("the callback attempt ran out of its total deadline")
            wait = left if timeout is None else min(timeout, left)
            try:
                stream = self._inner.connect_tcp(
                    str(address), port, wait, local_address, socket_options
                )
            except httpcore.ConnectError as error:
                refused = error
                continue
            return DeadlineStream(stream, self._deadline)
        assert refused is not None, "a checked target has at least one address"
        raise refused

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("callbacks never use unix sockets")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


@functools.lru_cache(maxsize=1)
def default_ssl_context() -> ssl.SSLContext:
    """Certificate-verifying TLS context with certifi's CA bundle (built once per process)."""
    return ssl.create_default_context(cafile=certifi.where())


def host_header(name: str, port: int | None) -> str:
    """The ``Host`` header: the URL's (ASCII) host, bracketed if IPv6, and its explicit port."""
    shown = f"[{name}]" if ":" in name else name
    return f"{shown}:{port}" if port is not None else shown


def basic_auth(parts: SplitResult) -> list[tuple[str, str]]:
    """An ``Authorization: Basic`` header from the URL's ``user:password@``, if it has one."""
    if parts.username is None:
        return []
    pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
    return [("authorization", "Basic " + base64.b64encode(pair).decode("ascii"))]


def request_target(parts: SplitResult) -> bytes:
    """Path and query, as sent on the request line."""
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    return target.encode("ascii", errors="strict")


def send(
    target: CheckedTarget,
    body: bytes,
    deadline: float,
    ssl_context: ssl.SSLContext,
) -> tuple[int, bytes]:
    """POST ``body`` to a checked address; the status and at most the capped body."""
    parts = target.url
    try:
        name = target.host if target.host.isascii() else target.host.encode("idna").decode()
        path = request_target(parts)
    except UnicodeError as error:
        raise CallbackRefused(f"URL is not ASCII-encodable: {error}") from error
    url = httpcore.URL(scheme=parts.scheme.lower(), host=name, port=target.port, target=path)
    headers = [
        ("host", host_header(name, parts.port)),
        ("content-type", "application/json"),
        ("user-agent", "newsevents-callback"),
        *basic_auth(parts),
    ]
    backend = PinnedBackend(name, target.addresses, deadline)
    left = max(0.0, deadline - time.monotonic())
    timeouts = {"connect": left, "read": left, "write": left, "pool": left}
    with (
        httpcore.ConnectionPool(
            ssl_context=ssl_context, max_connections=1, retries=0, network_backend=backend
        ) as pool,
        pool.stream(
            "POST", url, headers=headers, content=body, extensions={"timeout": timeouts}
        ) as response,
    ):
        if 200 <= response.status < 300:
            return response.status, b""
        received = b""
        for chunk in response.iter_stream():
            received += chunk
            if len(received) >= MAX_RESPONSE_BYTES:
                break
        return response.status, received[:MAX_RESPONSE_BYTES]


def post_result(
    url: str,
    result_json: str,
    policy: CallbackPolicy,
    deadline_s: float,
    resolver: Resolver = socket.getaddrinfo,
    ssl_context: ssl.SSLContext | None = None,
) -> bool:
    """One delivery attempt: True when delivered, False when refused for good (logged).

    Raises ``CallbackRetryableError`` on a DNS failure, a network error, a timeout of the
    total deadline, a 5xx or a "not now" 4xx (408, 425, 429).
    """
    deadline = time.monotonic() + deadline_s
    shown = redact_url(url)
    try:
        target = policy.resolve_checked(url, resolver)
        status, body = send(
            target, result_json.encode("utf-8"), deadline, ssl_context or default_ssl_context()
        )
    except CallbackRefused as refusal:
        log.warning("callback to %s refused by the callback policy, not sent: %s", shown, refusal)
        return False
    except TRANSIENT_ERRORS as error:
        raise CallbackRetryableError(f"{type(error).__name__}: {error}") from error
    if 200 <= status < 300:
        return True
    if status >= 500 or status in RETRYABLE_4XX:
        raise CallbackRetryableError(f"receiver answered {status}")
    if 300 <= status < 400:
        log.warning(
            "callback to %s answered %d, a redirect: not followed, giving up", shown, status
        )
        return False
    log.warning(
        "callback to %s refused with %d, not retrying; body starts %s", shown, status, snippet(body)
    )
    return False
