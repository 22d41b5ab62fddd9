"""How one callback POST is judged: delivered, refused for good (4xx) or worth a retry."""

from __future__ import annotations

import random
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from workers.callbacks import MAX_BACKOFF_S, CallbackRetryableError, backoff_seconds, post_result


class StatusFromPath(BaseHTTPRequestHandler):
    """Answers a POST to ``/<status>`` with that status; remembers the bodies it got."""

    bodies: list[bytes] = []  # noqa: RUF012 - one test server at a time

    def do_POST(self) -> None:
        self.bodies.append(self.rfile.read(int(self.headers.get("content-length", "0"))))
        self.send_response(int(self.path.strip("/")))
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def base_url() -> Iterator[str]:
    StatusFromPath.bodies = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), StatusFromPath)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


@pytest.mark.parametrize("status", [200, 201, 204])
def test_2xx_is_delivered_with_the_json_body(base_url: str, status: int) -> None:
    assert post_result(f"{base_url}/{status}", '{"article_id": "a"}', 5.0) is True
    assert StatusFromPath.bodies == [b'{"article_id": "a"}']


@pytest.mark.parametrize("status", [400, 404, 410, 422])
def test_4xx_is_refused_for_good(base_url: str, status: int) -> None:
    assert post_result(f"{base_url}/{status}", "{}", 5.0) is False


@pytest.mark.parametrize("status", [500, 502, 503])
def test_5xx_is_retryable(base_url: str, status: int) -> None:
    with pytest.raises(CallbackRetryableError, match=str(status)):
        post_result(f"{base_url}/{status}", "{}", 5.0)


def test_unreachable_receiver_is_retryable() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(CallbackRetryableError, match="ConnectError"):
        post_result(f"http://127.0.0.1:{port}/", "{}", 2.0)


def test_backoff_doubles_with_jitter_and_is_capped() -> None:
    rng = random.Random(7)
    for retries, base in [(0, 1.0), (1, 2.0), (3, 8.0)]:
        assert 0.75 * base <= backoff_seconds(retries, rng) <= 1.25 * base
    assert backoff_seconds(30, rng) <= 1.25 * MAX_BACKOFF_S
