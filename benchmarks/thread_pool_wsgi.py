"""The sync side of benchmarks/async_benefit.py: one process serving a WSGI application with a
fixed pool of threads, like one gunicorn `gthread` or uWSGI worker with `--threads N`. A
request that finds every thread busy waits in the queue. Stdlib only, 127.0.0.1 only:

    python benchmarks/thread_pool_wsgi.py --threads 4 --port 8000 bookshop.wsgi:application
"""

from __future__ import annotations

import argparse
import importlib
import socket
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer


class ThreadPoolServer(WSGIServer):
    request_queue_size = 256  # accepted connections wait for a thread, as in gthread

    def __init__(self, address: tuple[str, int], threads: int) -> None:
        super().__init__(address, QuietHandler)
        self.pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="wsgi")

    def process_request(self, request: Any, client_address: Any) -> None:
        self.pool.submit(self._serve, request, client_address)

    def _serve(self, request: Any, client_address: Any) -> None:
        try:
            self.finish_request(request, client_address)
        except Exception:
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("application", help="module:attribute of the WSGI application")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--port", type=int, required=True)
    arguments = parser.parse_args()
    module, _, attribute = arguments.application.partition(":")
    application = getattr(importlib.import_module(module), attribute)
    server = ThreadPoolServer(("127.0.0.1", arguments.port), max(1, arguments.threads))
    server.set_app(application)
    server.serve_forever()


if __name__ == "__main__":
    main()
