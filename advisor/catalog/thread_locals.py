"""Thread-locals: state that async code shares across requests on one thread."""

from advisor.catalog import CatalogRow
from advisor.model import EffectKind

ROWS = (
    CatalogRow(
        "threading.local",
        EffectKind.THREAD_LOCAL,
        "none",
        "threading.local is shared by every request on the event loop thread",
        "contextvars.ContextVar",
        blocking=False,
    ),
)
