"""A stand-in for every third-party HTTP service the bookshop talks to.

It answers the recommender, the three carriers, parcel tracking, the payment
provider and the status endpoint with canned JSON, and records each request.

From tests::

    with StubUpstream(latency_ms=0) as stub:
        with override_settings(UPSTREAM_BASE_URL=stub.url):
            ...
        assert stub.paths() == [...]

Standalone (matches the default ``UPSTREAM_BASE_URL``)::

    python -m bookshop.stub_upstream --port 8901 --latency-ms 100
"""
from __future__ import annotations

import argparse
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

# Canned data -----------------------------------------------------------------

# The recommender always suggests these ISBNs (minus the one asked about).
RECOMMENDED_ISBNS = ["9780000000011", "9780000000028", "9780000000035", "9780000000042"]

CARRIER_QUOTES = {
    "fastpost": {"price": "6.50", "days": 1},
    "parcelco": {"price": "4.20", "days": 3},
    "swiftship": {"price": "5.10", "days": 2},
}

# A charge made with this source token is declined.
DECLINED_TOKEN = "tok_declined"


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict = field(default_factory=dict)
    body: object = None
    time: float = 0.0


class _Handler(BaseHTTPRequestHandler):
    server_version = "BookshopStubUpstream/1.0"

    def do_GET(self):
        self._handle("GET")

    def do_POST(self):
        self._handle("POST")

    def _handle(self, method):
        stub = self.server.stub
        parts = urlsplit(self.path)
        query = {k: v[0] if len(v) == 1 else v for k, v in parse_qs(parts.query).items()}
        body = None
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            raw = self.rfile.read(length)
            try:
                body = json.loads(raw)
            except ValueError:
                body = raw.decode("utf-8", "replace")
        stub._record(RecordedRequest(method, parts.path, query, body, time.time()))
        if stub.latency_ms:
            time.sleep(stub.latency_ms / 1000)
        status, payload = stub.respond(method, parts.path, query, body)
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format, *args):
        if self.server.stub.verbose:
            super().log_message(format, *args)


class StubUpstream:
    """Threaded HTTP server on 127.0.0.1 answering the bookshop's upstream calls."""

    def __init__(self, host="127.0.0.1", port=0, latency_ms=0, verbose=False):
        self.host = host
        self.port = port
        self.latency_ms = latency_ms
        self.verbose = verbose
        self._lock = threading.Lock()
        self._log: list[RecordedRequest] = []
        self._tracking_polls: dict[str, int] = {}
        self._charge_count = 0
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # Lifecycle ---------------------------------------------------------------

    def start(self):
        server = ThreadingHTTPServer((self.host, self.port), _Handler)
        server.daemon_threads = True
        server.stub = self
        self._server = server
        self.port = server.server_address[1]
        self._thread = threading.Thread(
            target=server.serve_forever, args=(0.05,), name="stub-upstream", daemon=True
        )
        self._thread.start()
        return self

    def stop(self):
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = None
            self._thread = None

    def serve_forever(self):
        """Run in the foreground (used by the command line)."""
        server = ThreadingHTTPServer((self.host, self.port), _Handler)
        server.daemon_threads = True
        server.stub = self
        self._server = server
        self.port = server.server_address[1]
        print(f"stub upstream listening on {self.url} (latency {self.latency_ms} ms)", flush=True)
        try:
            server.serve_forever()
        finally:
            server.server_close()
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    @property
    def url(self):
        return f"http://{self.host}:{self.port}"

    # Request log -------------------------------------------------------------

    def _record(self, entry):
        with self._lock:
            self._log.append(entry)

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._log)

    def calls(self, method=None, path_prefix=""):
        return [
            r
            for r in self.requests
            if (method is None or r.method == method) and r.path.startswith(path_prefix)
        ]

    def paths(self):
        return [r.path for r in self.requests]

    def reset(self):
        """Forget the request log and all per-parcel / per-charge state."""
        with self._lock:
            self._log.clear()
            self._tracking_polls.clear()
            self._charge_count = 0

    # Canned responses ---------------------------------------------------------

    def respond(self, method, path, query, body):
        segments = [s for s in path.split("/") if s]
        if method == "GET" and segments == ["status"]:
            services = ["recommender", "carriers", "tracking", "payments"]
            return 200, {"status": "ok", "services": services}
        if method == "GET" and segments == ["recommender", "similar"]:
            isbn = query.get("isbn", "")
            limit = int(query.get("limit", len(RECOMMENDED_ISBNS)))
            similar = [i for i in RECOMMENDED_ISBNS if i != isbn][:limit]
            return 200, {"isbn": isbn, "similar": similar}
        is_quote = len(segments) == 3 and segments[0] == "carriers" and segments[2] == "quote"
        if method == "GET" and is_quote:
            carrier = segments[1]
            if carrier not in CARRIER_QUOTES:
                return 404, {"error": f"unknown carrier {carrier}"}
            quote = CARRIER_QUOTES[carrier]
            return 200, {
                "carrier": carrier,
                "price": quote["price"],
                "currency": "EUR",
                "days": quote["days"],
                "postcode": query.get("postcode", ""),
                "weight_g": query.get("weight_g", ""),
            }
        if method == "GET" and len(segments) == 2 and segments[0] == "tracking":
            number = segments[1]
            with self._lock:
                polls = self._tracking_polls.get(number, 0) + 1
                self._tracking_polls[number] = polls
            # First poll of a parcel: still on its way; from the second on: delivered.
            status = "in_transit" if polls == 1 else "delivered"
            return 200, {"tracking_number": number, "status": status, "polls": polls}
        if method == "POST" and segments == ["payments", "charges"]:
            body = body if isinstance(body, dict) else {}
            if body.get("source") == DECLINED_TOKEN:
                return 402, {"status": "declined", "reason": "card_declined"}
            if "amount" not in body:
                return 400, {"status": "error", "reason": "amount is required"}
            with self._lock:
                self._charge_count += 1
                charge_id = f"ch_{self._charge_count:05d}"
            return 201, {
                "id": charge_id,
                "status": "succeeded",
                "amount": body["amount"],
                "currency": body.get("currency", "EUR"),
                "reference": body.get("reference", ""),
            }
        return 404, {"error": f"no stub for {method} {path}"}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8901)
    parser.add_argument("--latency-ms", type=int, default=0)
    args = parser.parse_args(argv)
    stub = StubUpstream(args.host, args.port, args.latency_ms, verbose=True)
    try:
        stub.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
