"""Django's cache. The a* methods (4.0+) exist on every backend but run in a thread."""

from advisor.catalog import CatalogRow
from advisor.model import EffectKind

_METHODS = (
    "get",
    "set",
    "add",
    "delete",
    "get_many",
    "set_many",
    "get_or_set",
    "has_key",
    "incr",
    "decr",
    "touch",
    "delete_many",
    "clear",
)

ROWS = (
    CatalogRow(
        "django.contrib.sessions.backends.cache.SessionStore",
        EffectKind.CACHE,
        "cache",
        "request.session loads the session from the cache (SESSION_ENGINE) on first access",
        "request.session.aget (and the other a* session methods)",
        "5.1",
        rewrite="sync_to_async",
    ),
    *(
        CatalogRow(
            f"django.core.cache.cache.{m}",
            EffectKind.CACHE,
            "cache",
            f"cache.{m}() talks to the cache backend",
            f"django.core.cache.cache.a{m}",
            "4.0",
            rewrite="sync_to_async",
        )
        for m in _METHODS
    ),
    *(
        CatalogRow(
            f"django.core.cache.cache.a{m}",
            EffectKind.CACHE,
            "cache",
            "async cache API (runs in a thread)",
            blocking=False,
        )
        for m in _METHODS
    ),
    CatalogRow(
        "django.core.cache.caches.*",
        EffectKind.CACHE,
        "cache",
        "a named cache backend",
        "the a* cache methods",
        "4.0",
        rewrite="sync_to_async",
    ),
    CatalogRow(
        "redis.Redis",
        EffectKind.NETWORK,
        "none",
        "creates a redis client",
        "redis.asyncio.Redis",
        blocking=False,
        returns="redis.Redis",
    ),
    CatalogRow(
        "redis.Redis.*",
        EffectKind.NETWORK,
        "network",
        "redis call blocks",
        "redis.asyncio.Redis",
        rewrite="sync_to_async",
    ),
)
