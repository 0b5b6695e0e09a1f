"""Streaming responses: a long-lived response holds a sync worker for the whole stream; an
async iterator (4.2+ under ASGI) releases it between chunks."""

from advisor.catalog import CatalogRow
from advisor.model import EffectKind

ROWS = (
    CatalogRow(
        "django.http.StreamingHttpResponse",
        EffectKind.STREAMING,
        "streaming",
        "StreamingHttpResponse holds the worker for the whole stream",
        "an async generator (served natively under ASGI from Django 4.2)",
        "4.2",
        rewrite="streaming",
    ),
)
