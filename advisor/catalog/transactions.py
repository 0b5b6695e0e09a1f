"""Transactions: not supported from async code in any version (§4.1)."""

from advisor.catalog import CatalogRow
from advisor.model import EffectKind

_X = EffectKind.TRANSACTION
_ADVICE = "move the block into a sync function and await sync_to_async(fn)()"

ROWS = (
    CatalogRow(
        "django.db.transaction.atomic",
        _X,
        "none",
        "transaction.atomic cannot be entered from async code",
        _ADVICE,
        rewrite="atomic_block",
    ),
    CatalogRow(
        "django.db.transaction.on_commit",
        _X,
        "none",
        "on_commit is sync-only",
        _ADVICE,
        rewrite="sync_to_async",
    ),
    CatalogRow(
        "django.db.models.QuerySet.select_for_update",
        _X,
        "none",
        "select_for_update needs a transaction",
        _ADVICE,
        blocking=False,
    ),
)
