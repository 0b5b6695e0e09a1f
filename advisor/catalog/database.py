"""Django ORM and raw SQL. Building a queryset is free; evaluating it runs a query. Django's
async ORM methods (4.1+) still run the query in a thread (../shared/django-async-api.md §1),
so the DB time of a view stays in a thread whatever the view is."""

from advisor.catalog import CatalogRow
from advisor.model import EffectKind

_D = EffectKind.DB
QS = "django.db.models.QuerySet"
MODEL = "django.db.models.Model"

# Methods that return a new QuerySet and run no query (ref/models/querysets.txt).
LAZY_QUERYSET_METHODS = frozenset(
    {
        "all",
        "filter",
        "exclude",
        "order_by",
        "reverse",
        "distinct",
        "values",
        "values_list",
        "dates",
        "datetimes",
        "none",
        "union",
        "intersection",
        "difference",
        "select_related",
        "prefetch_related",
        "extra",
        "annotate",
        "alias",
        "defer",
        "only",
        "using",
        "select_for_update",
        "raw",
        "fetch_mode",
        "get_queryset",
    }
)
# Evaluating methods returning a model instance (the rest return data or counts).
INSTANCE_METHODS = frozenset(
    {"get", "first", "last", "earliest", "latest", "create"}
    | {"aget", "afirst", "alast", "aearliest", "alatest", "acreate"}
)

_READS = {
    "get": ("aget", "4.1"),
    "first": ("afirst", "4.1"),
    "last": ("alast", "4.1"),
    "earliest": ("aearliest", "4.1"),
    "latest": ("alatest", "4.1"),
    "count": ("acount", "4.1"),
    "exists": ("aexists", "4.1"),
    "contains": ("acontains", "4.1"),
    "aggregate": ("aaggregate", "4.1"),
    "in_bulk": ("ain_bulk", "4.1"),
    "explain": ("aexplain", "4.1"),
}
_WRITES = {
    "create": ("acreate", "4.1"),
    "get_or_create": ("aget_or_create", "4.1"),
    "update_or_create": ("aupdate_or_create", "4.1"),
    "bulk_create": ("abulk_create", "4.1"),
    "bulk_update": ("abulk_update", "4.1"),
    "update": ("aupdate", "4.1"),
    "delete": ("adelete", "4.1"),
}
_RELATED_WRITES = {
    "add": ("aadd", "4.2"),
    "remove": ("aremove", "4.2"),
    "clear": ("aclear", "4.2"),
    "set": ("aset", "4.2"),
}
_INSTANCE = {
    "save": ("asave", "4.2"),
    "delete": ("adelete", "4.2"),
    "refresh_from_db": ("arefresh_from_db", "4.2"),
}
_INSTANCE_SYNC_ONLY = ("full_clean", "clean_fields", "validate_unique", "validate_constraints")

# The async variants themselves: awaitable, but the query still runs in a worker thread.
_ASYNC_VARIANTS = {
    **{alt: f"{QS}" for alt, _ in _READS.values()},
    **{alt: f"{QS}" for alt, _ in _WRITES.values()},
    **{alt: f"{QS}" for alt, _ in _RELATED_WRITES.values()},
    "aiterator": QS,
    **{alt: MODEL for alt, _ in _INSTANCE.values()},
}

ROWS = (
    *(
        CatalogRow(
            f"{owner}.{name}",
            _D,
            "db_write" if name in ("asave", "adelete", "aupdate", "acreate") else "db_query",
            f"{name}() is awaitable but runs its query in a worker thread (sync_to_async)",
            blocking=False,
        )
        for name, owner in _ASYNC_VARIANTS.items()
    ),
    CatalogRow(
        f"{QS}.__aiter__",
        _D,
        "db_query",
        "async for over a queryset: its query runs in a worker thread",
        blocking=False,
    ),
    *(
        CatalogRow(
            f"{QS}.{name}",
            _D,
            "db_query",
            f"QuerySet.{name}() runs a query",
            f"{QS}.{alt}",
            since,
            rewrite="orm_method",
        )
        for name, (alt, since) in _READS.items()
    ),
    *(
        CatalogRow(
            f"{QS}.{name}",
            _D,
            "db_write",
            f"QuerySet.{name}() writes to the database",
            f"{QS}.{alt}",
            since,
            rewrite="orm_method",
        )
        for name, (alt, since) in _WRITES.items()
    ),
    *(
        CatalogRow(
            f"{QS}.{name}",
            _D,
            "db_write",
            f"related manager .{name}() writes",
            f"{QS}.{alt}",
            since,
            rewrite="orm_method",
        )
        for name, (alt, since) in _RELATED_WRITES.items()
    ),
    CatalogRow(
        f"{QS}.iterator",
        _D,
        "db_query",
        "QuerySet.iterator() streams a query",
        f"{QS}.aiterator",
        "4.1",
        rewrite="orm_iterate",
    ),
    CatalogRow(
        f"{QS}.__iter__",
        _D,
        "db_query",
        "iterating a queryset runs its query",
        f"async for over {QS}",
        "4.1",
        rewrite="orm_iterate",
    ),
    CatalogRow(
        f"{QS}.__len__",
        _D,
        "db_query",
        "list()/len()/bool() evaluates the queryset",
        "[x async for x in qs]",
        "4.1",
        rewrite="orm_evaluate",
    ),
    CatalogRow(
        f"{QS}.__getitem__",
        _D,
        "db_query",
        "indexing a queryset runs a query",
        f"{QS}.afirst",
        "4.1",
        rewrite="sync_to_async",
    ),
    CatalogRow(
        f"{QS}.__contains__",
        _D,
        "db_query",
        "`x in qs` evaluates the queryset",
        f"{QS}.acontains",
        "4.1",
        rewrite="sync_to_async",
    ),
    CatalogRow(
        f"{QS}.__render__",
        _D,
        "db_query",
        "a lazy queryset in a template context runs its query while rendering, "
        "which raises SynchronousOnlyOperation in an async view",
        "evaluate it first: [x async for x in qs]",
        "4.1",
        rewrite="orm_evaluate",
    ),
    *(
        CatalogRow(
            f"{MODEL}.{name}",
            _D,
            "db_write",
            f"Model.{name}() runs a query",
            f"{MODEL}.{alt}",
            since,
            rewrite="orm_method",
        )
        for name, (alt, since) in _INSTANCE.items()
    ),
    *(
        CatalogRow(
            f"{MODEL}.{name}",
            _D,
            "db_query",
            f"Model.{name}() queries for uniqueness",
            None,
            rewrite="sync_to_async",
        )
        for name in _INSTANCE_SYNC_ONLY
    ),
    CatalogRow(
        f"{MODEL}.__related__",
        _D,
        "db_query",
        "reading a foreign key on an instance runs a query unless it was select_related",
        "select_related() up front, or await the related manager's aget()",
        "4.1",
        rewrite="sync_to_async",
    ),
    CatalogRow(
        "django.shortcuts.get_object_or_404",
        _D,
        "db_query",
        "get_object_or_404 runs a query",
        "django.shortcuts.aget_object_or_404",
        "5.0",
        rewrite="orm_shortcut",
    ),
    CatalogRow(
        "django.shortcuts.get_list_or_404",
        _D,
        "db_query",
        "get_list_or_404 runs a query",
        "django.shortcuts.aget_list_or_404",
        "5.0",
        rewrite="orm_shortcut",
    ),
    CatalogRow(
        "django.shortcuts.aget_object_or_404",
        _D,
        "db_query",
        "async shortcut (query still runs in a thread)",
        blocking=False,
    ),
    CatalogRow(
        "django.shortcuts.aget_list_or_404",
        _D,
        "db_query",
        "async shortcut (query still runs in a thread)",
        blocking=False,
    ),
    CatalogRow(
        "django.db.models.prefetch_related_objects",
        _D,
        "db_query",
        "prefetch_related_objects runs queries",
        "django.db.models.aprefetch_related_objects",
        "5.0",
        rewrite="sync_to_async",
    ),
    CatalogRow(
        "django.db.connection.cursor",
        _D,
        "db_query",
        "raw SQL through a cursor (no async API in any version)",
        None,
        rewrite="sync_to_async",
    ),
    CatalogRow(
        "django.db.connections.*",
        _D,
        "db_query",
        "raw database connection use",
        None,
        rewrite="sync_to_async",
    ),
    CatalogRow(
        "django.http.HttpRequest.user",
        _D,
        "db_query",
        "request.user loads the user (a session and a user query) on first access",
        "django.http.HttpRequest.auser",
        "5.0",
        rewrite="request_user",
    ),
    CatalogRow(
        "django.http.HttpRequest.session",
        _D,
        "db_query",
        "request.session loads the session from its store on first access",
        "request.session.aget (and the other a* session methods)",
        "5.1",
        rewrite="sync_to_async",
    ),
    CatalogRow(
        "django.forms.ModelForm.save",
        _D,
        "db_write",
        "ModelForm.save() writes",
        None,
        rewrite="sync_to_async",
    ),
    CatalogRow(
        "django.forms.ModelForm.is_valid",
        _D,
        "db_query",
        "ModelForm validation checks unique constraints",
        None,
        rewrite="sync_to_async",
    ),
    CatalogRow(
        "django.contrib.auth.authenticate",
        _D,
        "db_query",
        "authenticate() queries",
        "django.contrib.auth.aauthenticate",
        "5.0",
        rewrite="auth_function",
    ),
    CatalogRow(
        "django.contrib.auth.login",
        _D,
        "db_write",
        "login() writes the session",
        "django.contrib.auth.alogin",
        "5.0",
        rewrite="auth_function",
    ),
    CatalogRow(
        "django.contrib.auth.logout",
        _D,
        "db_write",
        "logout() flushes the session",
        "django.contrib.auth.alogout",
        "5.0",
        rewrite="auth_function",
    ),
)
