"""Sockets and SDKs that do network I/O with blocking clients."""

from advisor.catalog import CatalogRow
from advisor.model import EffectKind

_N = EffectKind.NETWORK

ROWS = (
    CatalogRow(
        "socket.socket", _N, "none", "creates a socket", blocking=False, returns="socket.socket"
    ),
    *(
        CatalogRow(
            f"socket.socket.{m}",
            _N,
            "network",
            f"socket.{m} blocks",
            "asyncio streams",
            rewrite="sync_to_async",
        )
        for m in ("connect", "recv", "send", "sendall", "accept")
    ),
    CatalogRow(
        "socket.create_connection",
        _N,
        "network",
        "opens a TCP connection",
        "asyncio.open_connection",
        rewrite="sync_to_async",
    ),
    CatalogRow(
        "boto3.client", _N, "none", "creates a boto3 client", blocking=False, returns="boto3.client"
    ),
    CatalogRow(
        "boto3.resource",
        _N,
        "none",
        "creates a boto3 resource",
        blocking=False,
        returns="boto3.client",
    ),
    CatalogRow(
        "boto3.client.*",
        _N,
        "external_http",
        "AWS SDK call blocks",
        "aioboto3",
        rewrite="sync_to_async",
    ),
    CatalogRow(
        "psycopg.connect",
        EffectKind.DB,
        "db_query",
        "direct psycopg connection",
        "psycopg.AsyncConnection.connect",
        rewrite="sync_to_async",
    ),
    CatalogRow(
        "psycopg2.connect",
        EffectKind.DB,
        "db_query",
        "direct psycopg2 connection",
        "psycopg (3) AsyncConnection",
        rewrite="sync_to_async",
    ),
    CatalogRow(
        "stripe.*",
        _N,
        "external_http",
        "the stripe SDK blocks on HTTP",
        "stripe's async methods (*_async)",
        rewrite="sync_to_async",
    ),
)
