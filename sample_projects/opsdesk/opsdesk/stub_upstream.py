"""A tiny stand-in for every upstream service opsdesk talks to.

It answers the health endpoints, the service status/metrics API, the chat
service, the pager and the CI server with canned JSON. It uses only the
standard library, so it can run next to the project without Django.

From tests::

    stub = StubUpstream(latency_ms=0).start()
    ...  # override_settings(UPSTREAM_BASE_URL=stub.url)
    stub.calls()  # [("GET", "/health/api"), ...]
    stub.stop()

Standalone (from the project directory)::

    python -m opsdesk.stub_upstream --port 8902 --latency-ms 100
"""
import argparse
import itertools
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import NamedTuple
from urllib.parse import parse_qs, urlsplit


class RecordedRequest(NamedTuple):
    method: str
    path: str
    query: dict
    body: object  # parsed JSON if possible, else the raw text (or None)
    headers: dict


def _health(component):
    return 200, {"component": component, "status": "ok", "checked_at": _now()}


def _now():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class _Routes:
    """Canned answers. Each handler gets (match, body) and returns (status, payload)."""

    def __init__(self):
        self._ids = itertools.count(1001)
        self._routes = [
            ("GET", r"/health/(?P<component>api|database|queue)", self.health),
            ("GET", r"/services/(?P<slug>[-\w]+)/status", self.service_status),
            ("GET", r"/services/(?P<slug>[-\w]+)/metrics", self.service_metrics),
            ("POST", r"/chat/api/messages", self.chat_message),
            ("POST", r"/pager/api/pages", self.pager_page),
            ("GET", r"/pager/api/oncall", self.pager_oncall),
            ("POST", r"/ci/api/pipelines", self.ci_create_pipeline),
            ("GET", r"/ci/api/pipelines/(?P<pipeline_id>[-\w]+)", self.ci_pipeline),
        ]

    def dispatch(self, method, path, body):
        for route_method, pattern, handler in self._routes:
            if route_method != method:
                continue
            match = re.fullmatch(pattern, path)
            if match:
                return handler(match, body)
        return 404, {"error": "not found", "method": method, "path": path}

    def health(self, match, body):
        return _health(match["component"])

    def service_status(self, match, body):
        return 200, {
            "service": match["slug"],
            "status": "operational",
            "region": "eu-west-1",
            "checked_at": _now(),
        }

    def service_metrics(self, match, body):
        return 200, {
            "service": match["slug"],
            "p95_ms": 182,
            "error_rate": 0.002,
            "requests_per_minute": 5400,
        }

    def chat_message(self, match, body):
        channel = body.get("channel") if isinstance(body, dict) else None
        return 201, {"ok": True, "id": f"msg-{next(self._ids)}", "channel": channel}

    def pager_page(self, match, body):
        target = body.get("engineer") if isinstance(body, dict) else None
        return 201, {"page_id": f"page-{next(self._ids)}", "status": "triggered", "engineer": target}

    def pager_oncall(self, match, body):
        return 200, {
            "schedule": "primary",
            "engineer": "Grace Hopper",
            "contact": "grace@example.com",
            "until": "2030-01-01T09:00:00Z",
        }

    def ci_create_pipeline(self, match, body):
        return 201, {"pipeline_id": f"pl-{next(self._ids)}", "status": "queued"}

    def ci_pipeline(self, match, body):
        return 200, {
            "pipeline_id": match["pipeline_id"],
            "status": "running",
            "stages": [
                {"name": "build", "status": "passed"},
                {"name": "test", "status": "passed"},
                {"name": "deploy", "status": "running"},
            ],
        }


class StubUpstream:
    """Threaded HTTP server on 127.0.0.1 that logs every request it sees."""

    def __init__(self, host="127.0.0.1", port=0, latency_ms=0, verbose=False):
        self.host = host
        self.port = port
        self.latency_ms = latency_ms
        self.verbose = verbose
        self._routes = _Routes()
        self._lock = threading.Lock()
        self._log = []
        self._overrides = {}
        self._server = None
        self._thread = None

    # -- lifecycle ---------------------------------------------------------
    def _bind(self):
        self._server = ThreadingHTTPServer((self.host, self.port), self._make_handler())
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]

    def start(self):
        """Serve from a background daemon thread; returns self."""
        self._bind()
        # A short poll interval keeps stop() (shutdown) fast in test teardown.
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.02},
            name="stub-upstream",
            daemon=True,
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

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    @property
    def url(self):
        return f"http://{self.host}:{self.port}"

    # -- request log -------------------------------------------------------
    def requests(self):
        """Every recorded request, oldest first (a copy)."""
        with self._lock:
            return list(self._log)

    def calls(self):
        """[(method, path), ...] for every recorded request, oldest first."""
        with self._lock:
            return [(r.method, r.path) for r in self._log]

    def last_request(self, method, path):
        for recorded in reversed(self.requests()):
            if recorded.method == method and recorded.path == path:
                return recorded
        return None

    def reset(self):
        """Forget the request log and every response override."""
        with self._lock:
            self._log.clear()
            self._overrides.clear()

    # -- canned response overrides -----------------------------------------
    def set_response(self, method, path, status, payload):
        """Answer method+path with this status/JSON payload until reset()."""
        with self._lock:
            self._overrides[(method.upper(), path)] = (status, payload)

    def _record(self, recorded):
        with self._lock:
            self._log.append(recorded)
            return self._overrides.get((recorded.method, recorded.path))

    def _make_handler(self):
        stub = self

        class Handler(BaseHTTPRequestHandler):
            server_version = "OpsdeskStub/1.0"
            protocol_version = "HTTP/1.1"

            def _handle(self):
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = None
                if raw:
                    try:
                        body = json.loads(raw)
                    except ValueError:
                        body = raw.decode("utf-8", "replace")
                recorded = RecordedRequest(
                    method=self.command,
                    path=parts.path,
                    query={k: v[-1] for k, v in parse_qs(parts.query).items()},
                    body=body,
                    headers={k.lower(): v for k, v in self.headers.items()},
                )
                override = stub._record(recorded)
                if stub.latency_ms:
                    time.sleep(stub.latency_ms / 1000)
                if override is not None:
                    status, payload = override
                else:
                    status, payload = stub._routes.dispatch(self.command, parts.path, body)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = _handle
            do_POST = _handle
            do_PUT = _handle
            do_PATCH = _handle
            do_DELETE = _handle

            def log_message(self, format, *args):  # keep test output quiet
                if stub.verbose:
                    super().log_message(format, *args)

        return Handler


def main(argv=None):
    parser = argparse.ArgumentParser(description="Run the opsdesk upstream stub server.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--latency-ms", type=int, default=0, help="fixed delay per request")
    parser.add_argument("--quiet", action="store_true", help="do not log requests")
    args = parser.parse_args(argv)

    stub = StubUpstream(
        host=args.host, port=args.port, latency_ms=args.latency_ms, verbose=not args.quiet
    )
    stub._bind()
    print(f"opsdesk stub upstream listening on {stub.url} (latency {stub.latency_ms} ms)", flush=True)
    try:
        stub._server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        stub._server.server_close()


if __name__ == "__main__":
    main()
