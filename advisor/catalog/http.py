"""Outbound HTTP clients. requests, urllib and pycurl block; httpx's AsyncClient and aiohttp are
awaitable, which is where async views win the most."""

from advisor.catalog import CatalogRow
from advisor.model import EffectKind

_H = EffectKind.HTTP
_VERBS = ("get", "post", "put", "patch", "delete", "head", "options", "request")

ROWS = (
    *(
        CatalogRow(
            f"requests.{verb}",
            _H,
            "external_http",
            f"requests.{verb} blocks the worker",
            f"httpx.AsyncClient.{verb}",
            rewrite="http_client",
        )
        for verb in _VERBS
    ),
    CatalogRow(
        "requests.Session",
        _H,
        "none",
        "creates a requests session (no I/O yet)",
        "httpx.AsyncClient",
        blocking=False,
        returns="requests.Session",
    ),
    CatalogRow(
        "requests.session",
        _H,
        "none",
        "creates a requests session (no I/O yet)",
        "httpx.AsyncClient",
        blocking=False,
        returns="requests.Session",
    ),
    *(
        CatalogRow(
            f"requests.Session.{verb}",
            _H,
            "external_http",
            f"requests.Session.{verb} blocks the worker",
            f"httpx.AsyncClient.{verb}",
            rewrite="http_client",
        )
        for verb in _VERBS
    ),
    *(
        CatalogRow(
            f"httpx.{verb}",
            _H,
            "external_http",
            f"httpx.{verb} is the sync API",
            f"httpx.AsyncClient.{verb}",
            rewrite="http_client",
        )
        for verb in _VERBS
    ),
    CatalogRow(
        "httpx.Client",
        _H,
        "none",
        "creates a sync httpx client",
        "httpx.AsyncClient",
        blocking=False,
        returns="httpx.Client",
    ),
    *(
        CatalogRow(
            f"httpx.Client.{verb}",
            _H,
            "external_http",
            f"httpx.Client.{verb} blocks",
            f"httpx.AsyncClient.{verb}",
            rewrite="http_client",
        )
        for verb in _VERBS
    ),
    CatalogRow(
        "httpx.AsyncClient",
        _H,
        "none",
        "creates an async httpx client",
        blocking=False,
        returns="httpx.AsyncClient",
    ),
    *(
        CatalogRow(
            f"httpx.AsyncClient.{verb}",
            _H,
            "external_http",
            "awaitable HTTP: the event loop serves others while it waits",
            blocking=False,
        )
        for verb in _VERBS
    ),
    CatalogRow(
        "aiohttp.ClientSession",
        _H,
        "none",
        "creates an aiohttp session",
        blocking=False,
        returns="aiohttp.ClientSession",
    ),
    *(
        CatalogRow(
            f"aiohttp.ClientSession.{verb}",
            _H,
            "external_http",
            "awaitable HTTP (aiohttp)",
            blocking=False,
        )
        for verb in _VERBS
    ),
    CatalogRow(
        "urllib.request.urlopen",
        _H,
        "external_http",
        "urllib.request.urlopen blocks",
        "httpx.AsyncClient.get",
        rewrite="sync_to_async",
    ),
    CatalogRow(
        "urllib3.PoolManager",
        _H,
        "none",
        "creates a urllib3 pool",
        blocking=False,
        returns="urllib3.PoolManager",
    ),
    CatalogRow(
        "urllib3.PoolManager.request",
        _H,
        "external_http",
        "urllib3 blocks",
        "httpx.AsyncClient.request",
        rewrite="sync_to_async",
    ),
    # pycurl: `Curl()` is a handle; `perform()` sends the request and waits for it.
    CatalogRow(
        "pycurl.Curl",
        _H,
        "none",
        "creates a curl handle (no I/O yet)",
        blocking=False,
        returns="pycurl.Curl",
    ),
    *(
        CatalogRow(
            f"pycurl.Curl.{method}",
            _H,
            "external_http",
            "pycurl's perform() blocks the worker",
            "httpx.AsyncClient.request",
            rewrite="sync_to_async",
        )
        for method in ("perform", "perform_rb", "perform_rs")
    ),
    CatalogRow(
        "http.client.HTTPConnection.request",
        _H,
        "external_http",
        "http.client blocks",
        "httpx.AsyncClient.request",
        rewrite="sync_to_async",
    ),
    CatalogRow(
        "http.client.HTTPSConnection.request",
        _H,
        "external_http",
        "http.client blocks",
        "httpx.AsyncClient.request",
        rewrite="sync_to_async",
    ),
)
