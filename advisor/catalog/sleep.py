"""Sleeping and polling: pure waiting, released entirely by asyncio.sleep."""

from advisor.catalog import CatalogRow
from advisor.model import EffectKind

ROWS = (
    CatalogRow(
        "time.sleep",
        EffectKind.SLEEP,
        "sleep",
        "time.sleep blocks the worker while it waits",
        "asyncio.sleep",
        rewrite="sleep",
    ),
    CatalogRow("asyncio.sleep", EffectKind.SLEEP, "sleep", "awaitable sleep", blocking=False),
)
