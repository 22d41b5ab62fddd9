"""Callback receivers on 127.0.0.1, friendly and hostile, for the tests of the callback path.

Like ``shared.redis_testing`` this lives in the package so that the unit tests
(``tests/workers``) and the integration tests (real Celery workers) use the same real HTTP
servers instead of mocks. One ``Receivers`` server answers by path:

* ``/status/<code>``: that status, empty body (every request is recorded);
* ``/drip-headers``: a status line, then one header byte every ``drip_interval_s``, forever;
* ``/drip-body/<code>``: complete headers announcing 10 kB, then one body byte per interval;
* ``/huge/<code>``: headers announcing 300 MiB, then zeros as fast as the client takes them;
* ``/redirect?to=<url>``: ``302`` to ``url``;
* ``/no-read``: never reads the request body, so a large POST blocks in the sender.

Hostile handlers run until the client hangs up or ``close()``; ``open_paths`` and ``spans``
tell a test whether a delivery is still hanging on one of them, and for how long it did.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

HUGE_BYTES = 300 * 1024 * 1024
DRIP_BODY_BYTES = 10_000


@dataclass
class Received:
    """One complete request a receiver got."""

    path: str
    headers: dict[str, str]  # names lower-cased
    body: bytes


@dataclass
class ReceiverLog:
    """What the receivers saw, shared by their handler threads."""

    requests: list[Received] = field(default_factory=list)
    #: Paths of the requests being handled right now.
    open_paths: list[str] = field(default_factory=list)
    #: (path, opened, closed) of every finished request, in monotonic seconds.
    spans: list[tuple[str, float, float]] = field(default_factory=list)
    huge_bytes_sent: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        log = self.server.log
        opened = time.monotonic()
        with log.lock:
            log.open_paths.append(path)
        try:
            if path == "/no-read":
                self.server.stopped.wait()
                return
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            with log.lock:
                headers = {name.lower(): value for name, value in self.headers.items()}
                log.requests.append(Received(self.path, headers, body))
            self.answer(path)
        except OSError:
            pass  # the client hung up: what hostile receivers wait for
        finally:
            with log.lock:
                log.open_paths.remove(path)
                log.spans.append((path, opened, time.monotonic()))
            self.close_connection = True

    def answer(self, path: str) -> None:
        kind, _, argument = path.strip("/").partition("/")
        if kind == "status":
            self.send_response(int(argument))
            self.send_header("content-length", "0")
            self.end_headers()
        elif kind == "redirect":
            target = parse_qs(urlsplit(self.path).query)["to"][0]
            self.send_response(302)
            self.send_header("location", target)
            self.send_header("content-length", "0")
            self.end_headers()
        elif kind == "drip-headers":
            self.wfile.write(b"HTTP/1.1 200 OK\r\nX-Drip: ")
            self.drip(b"a" * 1_000_000)
        elif kind == "drip-body":
            self.send_response(int(argument))
            self.send_header("content-length", str(DRIP_BODY_BYTES))
            self.end_headers()
            self.drip(b"b" * DRIP_BODY_BYTES)
        elif kind == "huge":
            self.send_huge(int(argument))
        else:
            self.send_error(404)

    def drip(self, payload: bytes) -> None:
        for byte in payload:
            if self.server.stopped.wait(self.server.drip_interval_s):
                return
            self.wfile.write(bytes([byte]))
            self.wfile.flush()

    def send_huge(self, status: int) -> None:
        self.send_response(status)
        self.send_header("content-length", str(HUGE_BYTES))
        self.end_headers()
        chunk = bytes(64 * 1024)
        for _ in range(HUGE_BYTES // len(chunk)):
            if self.server.stopped.is_set():
                return
            self.wfile.write(chunk)
            with self.server.log.lock:
                self.server.log.huge_bytes_sent += len(chunk)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, drip_interval_s: float) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.log = ReceiverLog()
        self.stopped = threading.Event()
        self.drip_interval_s = drip_interval_s


class Receivers:
    """The receivers above on one loopback port, served by a background thread."""

    def __init__(self, drip_interval_s: float = 0.3) -> None:
        self._server = _Server(drip_interval_s)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.log = self._server.log
        self.port: int = self._server.server_address[1]

    def url(self, path: str, credentials: str = "") -> str:
        """``http://[credentials@]127.0.0.1:<port><path>``."""
        userinfo = f"{credentials}@" if credentials else ""
        return f"http://{userinfo}127.0.0.1:{self.port}{path}"

    def start(self) -> Receivers:
        self._thread.start()
        return self

    def close(self) -> None:
        """Release every hanging handler and stop serving."""
        self._server.stopped.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)


@contextmanager
def running_receivers(drip_interval_s: float = 0.3) -> Iterator[Receivers]:
    """``Receivers`` started for the ``with`` block and closed after it, whatever happened."""
    receivers = Receivers(drip_interval_s).start()
    try:
        yield receivers
    finally:
        receivers.close()
