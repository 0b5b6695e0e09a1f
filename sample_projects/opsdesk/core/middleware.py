import re
import time
import uuid

from asgiref.sync import iscoroutinefunction
from django.utils.decorators import sync_and_async_middleware

_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9-]{8,64}$")


class RequestTimingMiddleware:
    """Add an X-Response-Time-Ms header (old-style, sync-only middleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed_ms = (time.perf_counter() - started) * 1000
        response["X-Response-Time-Ms"] = f"{elapsed_ms:.1f}"
        return response


def _request_id(request):
    incoming = request.headers.get("X-Request-ID", "")
    if _REQUEST_ID_RE.match(incoming):
        return incoming
    return uuid.uuid4().hex


@sync_and_async_middleware
def request_id_middleware(get_response):
    """Attach request.request_id and echo it back as X-Request-ID."""
    if iscoroutinefunction(get_response):

        async def middleware(request):
            request.request_id = _request_id(request)
            response = await get_response(request)
            response["X-Request-ID"] = request.request_id
            return response

    else:

        def middleware(request):
            request.request_id = _request_id(request)
            response = get_response(request)
            response["X-Request-ID"] = request.request_id
            return response

    return middleware
