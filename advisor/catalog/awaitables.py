"""Calls that are already async-friendly: wrappers that move sync work off the loop."""

from advisor.catalog import CatalogRow
from advisor.model import EffectKind

ROWS = (
    CatalogRow(
        "asgiref.sync.sync_to_async",
        EffectKind.AWAITABLE,
        "thread_hop",
        "runs sync code in a worker thread",
        blocking=False,
    ),
    CatalogRow(
        "asyncio.gather", EffectKind.AWAITABLE, "none", "awaits calls concurrently", blocking=False
    ),
    CatalogRow(
        "asyncio.wait_for", EffectKind.AWAITABLE, "none", "awaits with a timeout", blocking=False
    ),
)
