"""A local webhook receiver for tests and for trying webhooks out.

:class:`WebhookReceiver` is a real HTTP server (``http.server`` in a thread) on 127.0.0.1 that
records every request and answers with scripted status codes::

    with WebhookReceiver(statuses=[500, 200]) as receiver:
        ...  # register receiver.url as a webhook, send events
        receiver.wait_for(2)
        assert receiver.requests[1].headers["X-Logistics-Event"] == "order.planned"
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

__all__ = ["ReceivedRequest", "WebhookReceiver"]


@dataclass(frozen=True)
class ReceivedRequest:
    """One request the receiver got."""

    path: str
    headers: dict[str, str]
    body: bytes
    status: int


class WebhookReceiver:
    """An HTTP server on 127.0.0.1 (a free port) recording the requests it receives.

    Parameters
    ----------
    statuses
        Status codes to answer, in order; once used up, every request gets ``default``.
    default
        Status of requests beyond ``statuses``.
    delay_s
        Seconds to wait before answering (to test timeouts).
    """

    def __init__(
        self, statuses: Iterable[int] = (), *, default: int = 200, delay_s: float = 0.0
    ) -> None:
        self._statuses = list(statuses)
        self._default = default
        self._delay_s = delay_s
        self._lock = threading.Condition()
        self.requests: list[ReceivedRequest] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                if receiver._delay_s:
                    time.sleep(receiver._delay_s)
                with receiver._lock:
                    status = receiver._statuses.pop(0) if receiver._statuses else receiver._default
                    receiver.requests.append(
                        ReceivedRequest(self.path, dict(self.headers.items()), body, status)
                    )
                    receiver._lock.notify_all()
                payload = b'{"ok": true}' if status < 300 else b'{"error": "scripted failure"}'
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: object) -> None:
                pass  # keep test output quiet

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The URL to register (``http://127.0.0.1:<port>/hook``)."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/hook"

    def wait_for(self, count: int, timeout_s: float = 10.0) -> list[ReceivedRequest]:
        """Wait until ``count`` requests arrived and return them.

        Raises
        ------
        TimeoutError
            Fewer arrived within ``timeout_s``.
        """
        with self._lock:
            if not self._lock.wait_for(lambda: len(self.requests) >= count, timeout_s):
                raise TimeoutError(
                    f"{len(self.requests)} webhook request(s) received in {timeout_s} s, "
                    f"expected {count}"
                )
            return list(self.requests)

    def __enter__(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
