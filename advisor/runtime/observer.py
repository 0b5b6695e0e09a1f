"""Ground truth from a real project's own test run: routes, per-view SQL and HTTP, test outcomes.

Standalone (stdlib + Django, with ``probe.py`` beside it): ``advisor observe`` and the
accuracy harness copy this package into a folder the project's interpreter imports at
start. It does nothing unless ``ADVISOR_OBSERVE_OUT`` names the JSON file to write, so other
programs in that environment are unaffected. It works under any test runner: Django's
``manage.py test`` / ``runtests.py`` and pytest (loaded as a plugin with ``-p``).

What it records, and where each hook sits:

* Nothing is installed until ``django.setup()`` returns (every runner calls it), so the
  project's settings are loaded and importing Django's internals is safe.
* A request through the test client is attributed through ``BaseHandler._get_response``
  (and its async twin): ``request.resolver_match`` names the view and the route.
* A view called directly with a ``RequestFactory`` request (``MyView.as_view()(request)``,
  DRF's ``APIView``/``ViewSet.as_view``) is attributed through a wrapper that ``as_view``
  returns; it opens a window only when no request window is open already.
* SQL: ``execute_wrappers`` on every connection, current and future; transaction control
  (savepoints under ``TestCase``) is counted apart.
* HTTP attempts: the client libraries' choke points (``requests.Session.send``,
  ``httpx`` sends, ``http.client.HTTPConnection.putrequest`` as the catch-all), plus test
  doubles: a ``unittest.mock.patch`` (``autospec`` included) whose original is an HTTP
  client module, class or call (``requests``, ``requests.Session.post``, ``pycurl.Curl``…)
  counts each call made on the double while a view runs; so does a double a test assigns
  by hand in place of a client's own sending method (``requests.Session.get = Mock(...)``).
* Routes: at exit, every URLconf the run used (``ROOT_URLCONF`` after setup and each one in
  force during a request, ``override_settings`` included) is walked with Django's resolver.
* Test outcomes per test id: ``unittest.TestResult`` for unittest runners, a pytest plugin
  hook for pytest, with the exception type of each failure.
"""

from __future__ import annotations

import atexit
import contextvars
import functools
import http.client
import inspect
import json
import os
import sys
import threading
import time
import unittest
import unittest.mock
from collections.abc import Callable
from typing import Any

from . import probe

OUTPUT_ENV = "ADVISOR_OBSERVE_OUT"  # the JSON file to write; "{pid}" is replaced per process
ROOT_ENV = "ADVISOR_OBSERVE_ROOT"  # the project's folder: frames there form an effect's chain
OBSERVED_SCHEMA = 1
_MAX_SITES = 20
_MAX_CHAIN = 8
_TX_PREFIXES = (
    "SAVEPOINT",
    "RELEASE SAVEPOINT",
    "ROLLBACK TO SAVEPOINT",
    "BEGIN",
    "COMMIT",
    "ROLLBACK",
)
_MAX_LISTED = 12
_AUTH_TABLES = ('"django_session"', '"auth_user"')

# What a double can stand in for: client modules, client classes, and calls that send.
_HTTP_MODULES = (
    "requests",
    "httpx",
    "urllib3",
    "pycurl",
    "aiohttp",
    "urllib.request",
    "http.client",
)
_HTTP_CLASSES = {
    "Session",
    "Client",
    "AsyncClient",
    "Curl",
    "PoolManager",
    "HTTPConnection",
    "HTTPSConnection",
    "ClientSession",
    "OpenerDirector",
    "HTTPConnectionPool",
}
_HTTP_CALLS = {
    "get",
    "post",
    "put",
    "patch",
    "delete",
    "head",
    "options",
    "request",
    "send",
    "urlopen",
    "perform",
    "urlretrieve",
    "stream",
}

_CURRENT: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "advisor_observe_window", default=None
)
_IN_CLIENT: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "advisor_observe_in_client", default=False
)


class _State:
    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []
        self.urlconfs: list[str] = []
        self.tests: dict[str, dict[str, Any]] = {}
        self.current_test: str | None = None
        self.http_doubles: dict[int, tuple[Any, str]] = {}
        self.db_doubles: dict[int, tuple[Any, str]] = {}
        self.lock = threading.Lock()
        self.installed = False
        self.root_urlconf: str | None = None  # the settings' own, before any override
        # Project methods whose own code sends HTTP: (class, attribute, function).
        self.standins: list[tuple[type, str, Any]] = []
        # Where a client's own sending methods live: (module or client class, attribute).
        self.sending_slots: list[tuple[Any, str]] = []
        self.slot_modules_seen = -1
        self.scanned: set[str] = set()
        self.modules_seen = 0
        self.pid = os.getpid()
        self.forked = False
        self.root = os.path.realpath(os.environ.get(ROOT_ENV) or os.getcwd())


STATE = _State()


# Windows ---------------------------------------------------------------------------------


def _open(kind: str, method: str, path: str) -> dict[str, Any]:
    _check_process()
    record: dict[str, Any] = {
        "_open": True,
        "_depth": _depth(sys._getframe(2)),
        "kind": kind,
        "method": method,
        "path": path,
        "test": STATE.current_test,
        "view": None,
        "route": None,
        "url_name": None,
        "urlconf": None,
        "framework": False,
        "view_is_async": False,
        "sql": 0,
        "sql_ms": 0.0,
        "auth_sql": 0,
        "sleeps": 0,
        "tx": 0,
        "http": 0,
        "http_ms": 0.0,
        "statements": [],
        "http_calls": [],
        "sites": {},
        "db_doubles": 0,
        "db_calls": [],
        "_doubles": {
            key: _double_count(double, how) for key, (double, how) in STATE.http_doubles.items()
        },
        "_db_doubles": {
            key: _double_count(double, how) for key, (double, how) in STATE.db_doubles.items()
        },
    }
    with STATE.lock:
        STATE.records.append(record)
    record["_standins"] = _count_hand_written_doubles(record)
    record["_assigned"] = _count_assigned_client_doubles(record)
    return record


def _close(record: dict[str, Any]) -> None:
    record.pop("_open", None)
    for owner, attribute, value in record.pop("_standins", ()):
        _replace(owner, attribute, value)
    for owner, attribute, value, counting in record.pop("_assigned", ()):
        if vars(owner).get(attribute) is counting:  # unless the window assigned another
            _replace(owner, attribute, value)
    for doubles, before, count, listed in (
        (STATE.http_doubles, "_doubles", "http", "http_calls"),
        (STATE.db_doubles, "_db_doubles", "db_doubles", "db_calls"),
    ):
        seen = record.pop(before, {})
        for key, (double, how) in list(doubles.items()):
            calls = _double_count(double, how) - seen.get(key, 0)
            if calls > 0:
                record[count] += calls
                if len(record[listed]) < _MAX_LISTED:
                    record[listed].append(f"test double of {how} x{calls}")


def _add_sql(record: dict[str, Any], sql: str, seconds: float) -> None:
    text = " ".join(str(sql).split())
    if text.upper().startswith(_TX_PREFIXES):
        record["tx"] += 1
        return
    record["sql"] += 1
    record["sql_ms"] += seconds * 1000
    # The lazy session/user loads behind `request.user` / `request.session`.
    if any(table in text for table in _AUTH_TABLES):
        record["auth_sql"] += 1
    if len(record["statements"]) < _MAX_LISTED:
        record["statements"].append(text[:160])
    _add_site(record, "db")


def _add_http(record: dict[str, Any], description: str, seconds: float = 0.0) -> None:
    record["http"] += 1
    record["http_ms"] += seconds * 1000
    if len(record["http_calls"]) < _MAX_LISTED:
        record["http_calls"].append(description[:160])
    _add_site(record, "http")


def _depth(frame: Any) -> int:
    depth = 0
    while frame is not None:
        depth += 1
        frame = frame.f_back
    return depth


def _add_site(record: dict[str, Any], kind: str) -> None:
    """Count the effect at its innermost project frame, with the chain of project frames
    from the view down to it (outermost first). Frames above the window (the test, the
    test client) are left out; a call on another thread (sync_to_async) keeps its own."""
    start = sys._getframe(2)
    total = _depth(start)
    opened_at = int(record.get("_depth", 0))
    keep_above = opened_at if total > opened_at else 0
    chain: list[str] = []
    frame: Any = start
    position = total
    while frame is not None and position > keep_above and len(chain) < _MAX_CHAIN:
        filename = frame.f_code.co_filename
        if (
            filename.startswith(STATE.root)
            and "site-packages" not in filename
            and filename != __file__
        ):
            relative = os.path.relpath(filename, STATE.root)
            name = getattr(frame.f_code, "co_qualname", frame.f_code.co_name)
            chain.append(f"{relative}:{frame.f_lineno} {name}")
        frame = frame.f_back
        position -= 1
    if not chain:
        return
    sites: dict[str, Any] = record["sites"]
    key = f"{kind} {chain[0]}"
    if key in sites:
        sites[key]["count"] += 1
    elif len(sites) < _MAX_SITES:
        sites[key] = {"kind": kind, "count": 1, "chain": chain[::-1]}


def view_identity(func: Any) -> str:
    return probe.view_identity(func)


def _view_file(func: Any) -> str | None:
    return probe.view_source(func)[0]


def _replace(owner: Any, name: str, value: Any) -> None:
    """Put `value` in place of `owner.name` (a monkeypatch, for the whole run)."""
    setattr(owner, name, value)


# Installation -------------------------------------------------------------------------------


def _install() -> None:
    if STATE.installed:
        return
    STATE.installed = True
    from django.conf import settings

    urlconf = getattr(settings, "ROOT_URLCONF", None)
    STATE.root_urlconf = urlconf if isinstance(urlconf, str) else None
    if isinstance(urlconf, str) and urlconf:
        STATE.urlconfs.append(urlconf)
    _install_handler()
    _install_as_view()
    _install_sql()
    _install_http()
    _install_doubles()
    _install_sleeps()
    # Models are imported by now: remember their sending methods before a test's setUp can
    # replace one by hand (views modules are scanned as windows open).
    _scan_standins()


def _current_urlconf(request: Any) -> str | None:
    from django.conf import settings

    urlconf = getattr(request, "urlconf", None) or getattr(settings, "ROOT_URLCONF", None)
    if isinstance(urlconf, str) and urlconf:
        if urlconf not in STATE.urlconfs:
            STATE.urlconfs.append(urlconf)
        return urlconf
    return None


def _finish_client(record: dict[str, Any], request: Any) -> None:
    match = getattr(request, "resolver_match", None)
    record["urlconf"] = _current_urlconf(request)
    if match is None:
        return
    record["view"] = view_identity(match.func)
    record["route"] = getattr(match, "route", None)
    record["url_name"] = match.view_name
    record["file"] = _view_file(match.func)
    record["framework"] = not _in_project(record["file"])
    from asgiref.sync import iscoroutinefunction

    record["view_is_async"] = iscoroutinefunction(match.func)


def _in_project(filename: str | None) -> bool:
    if not filename:
        return False
    real = os.path.realpath(filename)
    return real.startswith(STATE.root) and "site-packages" not in real


def _follow_stream(response: Any, record: dict[str, Any]) -> Any:
    """A streaming body runs after the view returns, while the client reads it: its work is
    the view's, so each chunk is produced inside the view's window again."""
    if not getattr(response, "streaming", False):
        return response
    if getattr(response, "is_async", False):
        response.streaming_content = _async_in_window(response.streaming_content, record)
    else:
        response.streaming_content = _in_window(response.streaming_content, record)
    return response


def _in_window(iterable: Any, record: dict[str, Any]) -> Any:
    iterator = iter(iterable)
    try:
        while True:
            token = _CURRENT.set(record)
            try:
                chunk = next(iterator)
            except StopIteration:
                return
            finally:
                _CURRENT.reset(token)
            yield chunk
    finally:
        close = getattr(iterator, "close", None)
        if close is not None:
            close()


async def _async_in_window(iterable: Any, record: dict[str, Any]) -> Any:
    iterator = aiter(iterable)
    while True:
        token = _CURRENT.set(record)
        try:
            chunk = await anext(iterator)
        except StopAsyncIteration:
            return
        finally:
            _CURRENT.reset(token)
        yield chunk


def _install_sleeps() -> None:
    import asyncio

    original_sleep = time.sleep
    original_async_sleep = asyncio.sleep

    @functools.wraps(original_sleep)
    def sleep(seconds: float) -> None:
        record = _CURRENT.get()
        if record is not None and seconds > 0:
            record["sleeps"] += 1
        original_sleep(seconds)

    @functools.wraps(original_async_sleep)
    async def async_sleep(delay: float, *args: Any, **kwargs: Any) -> Any:
        record = _CURRENT.get()
        if record is not None and delay > 0:
            record["sleeps"] += 1
        return await original_async_sleep(delay, *args, **kwargs)

    _replace(time, "sleep", sleep)
    _replace(asyncio, "sleep", async_sleep)


def _install_handler() -> None:
    from django.core.handlers.base import BaseHandler

    original_sync = BaseHandler._get_response
    original_async = BaseHandler._get_response_async

    @functools.wraps(original_sync)
    def _get_response(handler: Any, request: Any) -> Any:
        record = _open("client", str(request.method), str(request.path_info))
        token = _CURRENT.set(record)
        try:
            response = original_sync(handler, request)
        finally:
            _CURRENT.reset(token)
            _close(record)
            _finish_client(record, request)
        return _follow_stream(response, record)

    @functools.wraps(original_async)
    async def _get_response_async(handler: Any, request: Any) -> Any:
        record = _open("client", str(request.method), str(request.path_info))
        token = _CURRENT.set(record)
        try:
            response = await original_async(handler, request)
        finally:
            _CURRENT.reset(token)
            _close(record)
            _finish_client(record, request)
        return _follow_stream(response, record)

    _replace(BaseHandler, "_get_response", _get_response)
    _replace(BaseHandler, "_get_response_async", _get_response_async)


def _direct_window(view: Any, cls: Any) -> Any:
    """Wrap a view callable from as_view() so a direct call (RequestFactory) opens a window."""
    from asgiref.sync import iscoroutinefunction, markcoroutinefunction

    def start(args: tuple[Any, ...]) -> tuple[dict[str, Any], Any]:
        request = args[0] if args else None
        record = _open(
            "direct", str(getattr(request, "method", "?")), str(getattr(request, "path_info", "?"))
        )
        record["view"] = f"{cls.__module__}.{cls.__qualname__}"
        record["file"] = _view_file(cls)
        record["framework"] = not _in_project(record["file"])
        record["view_is_async"] = iscoroutinefunction(view)
        return record, _CURRENT.set(record)

    if iscoroutinefunction(view):

        async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
            if _CURRENT.get() is not None:
                return await view(*args, **kwargs)
            record, token = start(args)
            try:
                return await view(*args, **kwargs)
            finally:
                _CURRENT.reset(token)
                _close(record)

        wrapper: Any = functools.wraps(view)(async_wrapper)
        markcoroutinefunction(wrapper)
        return wrapper

    def sync_wrapper(*args: Any, **kwargs: Any) -> Any:
        if _CURRENT.get() is not None:
            return view(*args, **kwargs)
        record, token = start(args)
        try:
            return view(*args, **kwargs)
        finally:
            _CURRENT.reset(token)
            _close(record)

    return functools.wraps(view)(sync_wrapper)


def _install_as_view() -> None:
    from django.views.generic.base import View

    owners: list[type] = [View]
    try:
        from rest_framework.viewsets import ViewSetMixin
    except Exception:  # DRF absent or not importable under these settings
        pass
    else:
        owners.append(ViewSetMixin)
    for owner in owners:
        windowed = _windowed_as_view(owner.__dict__["as_view"].__func__)
        _replace(owner, "as_view", classmethod(windowed))


def _windowed_as_view(original: Any) -> Any:
    def as_view(cls: Any, /, *args: Any, **kwargs: Any) -> Any:
        view = original(cls, *args, **kwargs)
        # DRF's APIView.as_view calls View.as_view: wrap once, at the outermost owner.
        if getattr(view, "_advisor_window", False):
            return view
        wrapped = _direct_window(view, cls)
        wrapped._advisor_window = True
        return wrapped

    return as_view


def _install_sql() -> None:
    from django.db import connections
    from django.db.backends.signals import connection_created

    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        record = _CURRENT.get()
        if record is None:
            return execute(sql, params, many, context)
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            _add_sql(record, sql, time.perf_counter() - started)

    def attach(connection: Any) -> None:
        if wrapper not in connection.execute_wrappers:
            connection.execute_wrappers.append(wrapper)

    def on_created(sender: Any, connection: Any, **kwargs: Any) -> None:
        attach(connection)

    for alias in connections:
        attach(connections[alias])
    connection_created.connect(on_created, weak=False)
    # Test runners rebuild connections for the test database; re-attach before each query.
    from django.db.backends.base.base import BaseDatabaseWrapper

    original_cursor = BaseDatabaseWrapper._cursor

    @functools.wraps(original_cursor)
    def _cursor(self: Any, *args: Any, **kwargs: Any) -> Any:
        attach(self)
        return original_cursor(self, *args, **kwargs)

    _replace(BaseDatabaseWrapper, "_cursor", _cursor)


def _describe(request: Any) -> str:
    return f"{getattr(request, 'method', '?')} {getattr(request, 'url', '?')}"


def _counting_send(original: Any, library: str, is_async: bool) -> Any:
    """Count a send before it runs (a refused connection is still an attempt) and add the
    time it took once it returns."""

    def begin(request: Any) -> dict[str, Any] | None:
        record = _CURRENT.get()
        if record is None or _IN_CLIENT.get():
            return None
        _add_http(record, f"{library} {_describe(request)}")
        return record

    def end(record: dict[str, Any] | None, started: float) -> None:
        if record is not None:
            record["http_ms"] += (time.perf_counter() - started) * 1000

    if is_async:

        @functools.wraps(original)
        async def async_send(client: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
            record, started = begin(request), time.perf_counter()
            token = _IN_CLIENT.set(True)
            try:
                return await original(client, request, *args, **kwargs)
            finally:
                _IN_CLIENT.reset(token)
                end(record, started)

        return async_send

    @functools.wraps(original)
    def send(client: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
        record, started = begin(request), time.perf_counter()
        token = _IN_CLIENT.set(True)
        try:
            return original(client, request, *args, **kwargs)
        finally:
            _IN_CLIENT.reset(token)
            end(record, started)

    return send


def _counting_aiohttp(original: Any) -> Any:
    """aiohttp sends through its own connector, not http.client: count at the session."""

    @functools.wraps(original)
    async def _request(session: Any, method: str, url: Any, *args: Any, **kwargs: Any) -> Any:
        record = _CURRENT.get()
        started = time.perf_counter()
        if record is not None and not _IN_CLIENT.get():
            _add_http(record, f"aiohttp {method} {url}")
        try:
            return await original(session, method, url, *args, **kwargs)
        finally:
            if record is not None:
                record["http_ms"] += (time.perf_counter() - started) * 1000

    return _request


def _counting_curl(base: Any) -> Any:
    """pycurl's Curl is a C type whose perform() cannot be patched: hand out a subclass that
    counts it (it keeps the name pycurl.Curl, so a mock of pycurl.Curl is still a double of
    an HTTP client)."""

    class Curl(base):  # type: ignore[misc]
        def perform(self) -> Any:
            record = _CURRENT.get()
            started = time.perf_counter()
            if record is not None and not _IN_CLIENT.get():
                _add_http(record, "pycurl perform")
            try:
                return super().perform()
            finally:
                if record is not None:
                    record["http_ms"] += (time.perf_counter() - started) * 1000

    Curl.__module__ = "pycurl"
    return Curl


def _install_http() -> None:
    try:
        import requests
    except Exception:
        pass
    else:
        _replace(requests.Session, "send", _counting_send(requests.Session.send, "requests", False))
    try:
        import httpx
    except Exception:
        pass
    else:
        _replace(httpx.Client, "send", _counting_send(httpx.Client.send, "httpx", False))
        _replace(httpx.AsyncClient, "send", _counting_send(httpx.AsyncClient.send, "httpx", True))
    try:
        import aiohttp
    except Exception:
        pass
    else:
        _replace(
            aiohttp.ClientSession, "_request", _counting_aiohttp(aiohttp.ClientSession._request)
        )
    try:
        import pycurl
    except Exception:
        pass
    else:
        _replace(pycurl, "Curl", _counting_curl(pycurl.Curl))
    original = http.client.HTTPConnection.putrequest

    @functools.wraps(original)
    def putrequest(connection: Any, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        record = _CURRENT.get()
        if record is not None and not _IN_CLIENT.get():
            _add_http(record, f"http.client {method} {connection.host}{url}")
        return original(connection, method, url, *args, **kwargs)

    _replace(http.client.HTTPConnection, "putrequest", putrequest)


# Test doubles of HTTP clients ----------------------------------------------------------------


def http_role(original: Any, depth: int = 0) -> str | None:
    """What HTTP client thing `original` is ("module", "class" or "call"), or None.

    A function whose own code sends through a client (its globals name a client module,
    class or call that its code uses, like `BaseAuth.request` calling `requests.request`)
    is a stand-in for that call: a double of it replaces one outbound request.
    """
    if inspect.ismodule(original):
        name = original.__name__
        return (
            "module" if any(name == m or name.startswith(m + ".") for m in _HTTP_MODULES) else None
        )
    module = str(getattr(original, "__module__", "") or "")
    if any(module == m or module.startswith(m + ".") for m in _HTTP_MODULES):
        name = str(getattr(original, "__name__", "") or "")
        if isinstance(original, type):
            return "class" if name in _HTTP_CLASSES else None
        return "call" if name in _HTTP_CALLS else None
    function = (
        inspect.unwrap(getattr(original, "__func__", original)) if callable(original) else None
    )
    code = getattr(function, "__code__", None)
    if code is None or depth > 0 or isinstance(original, type):
        return None
    namespace = getattr(function, "__globals__", {})
    for name in code.co_names:
        value = namespace.get(name)
        if value is not None and value is not original and http_role(value, depth + 1):
            return "call"
    return None


def _double_count(double: Any, how: str) -> int:
    """Calls that send, made on a double so far (the role tells which recorded calls send)."""
    if not isinstance(double, unittest.mock.NonCallableMock):
        return int(getattr(double, "_advisor_calls", 0))
    role = how.partition(":")[0]
    count = 0
    for entry in double.mock_calls:
        name = entry[0] if isinstance(entry, tuple) else ""
        if role == "call":
            count += name == ""
            continue
        if role == "class" and name.startswith("()"):
            name = name[2:].lstrip(".")
        if "()" in name or not name:
            continue
        count += name.rpartition(".")[2] in _HTTP_CALLS
    return count


# Django helpers whose own code queries: a double of one stands in for its queries.
_DB_CALLS = {
    # authenticate asks the backends (ModelBackend queries the user), login saves
    # last_login, get_user loads the user. logout is not here: with a cache or cookie
    # session it issues no query at all.
    "django.contrib.auth": frozenset({"authenticate", "login", "get_user"}),
    "django.shortcuts": frozenset({"get_object_or_404", "get_list_or_404"}),
}


def db_role(original: Any, depth: int = 0) -> bool:
    """Whether `original` queries the database: one of Django's querying helpers, or a
    project function whose code names one of them or a model class. A test double of it
    replaces the queries the view makes in production (as an HTTP double replaces a request)."""
    if original is None or inspect.ismodule(original) or isinstance(original, type):
        return False
    module = str(getattr(original, "__module__", "") or "")
    name = str(getattr(original, "__name__", "") or "")
    if name in _DB_CALLS.get(module, ()):
        return True
    function = (
        inspect.unwrap(getattr(original, "__func__", original)) if callable(original) else None
    )
    code = getattr(function, "__code__", None)
    if code is None or depth > 0 or not _in_project(code.co_filename):
        return False
    from django.db import models

    namespace = getattr(function, "__globals__", {})
    for used in code.co_names:
        value = namespace.get(used)
        if value is None or value is original:
            continue
        if isinstance(value, type) and issubclass(value, models.Model):
            return True
        if db_role(value, depth + 1):
            return True
    return False


def _install_doubles() -> None:
    patch_class = unittest.mock._patch
    original_enter = patch_class.__enter__
    original_exit = patch_class.__exit__

    def __enter__(self: Any) -> Any:
        new = original_enter(self)
        original = getattr(self, "temp_original", None)
        role = http_role(original)
        doubles = STATE.http_doubles
        if role is None and _django_ready() and db_role(original):
            role, doubles = "call", STATE.db_doubles
        if role is None:
            return new
        how = f"{role}:{getattr(self, 'attribute', '?')}"
        counted_on: Any = new
        # autospec of a function gives a function whose calls are recorded on its `.mock`.
        if isinstance(new, unittest.mock.NonCallableMock):
            pass
        elif isinstance(getattr(new, "mock", None), unittest.mock.NonCallableMock):
            counted_on = new.mock
        elif callable(new):
            # A plain fake (new=some_function): count its calls through a wrapper put in its
            # place; the test keeps the object it passed.
            plain = new

            @functools.wraps(plain)
            def counted(*args: Any, **kwargs: Any) -> Any:
                counted._advisor_calls += 1  # type: ignore[attr-defined]
                return plain(*args, **kwargs)

            counted._advisor_calls = 0  # type: ignore[attr-defined]
            setattr(self.target, self.attribute, counted)
            counted_on = counted
        doubles[id(self)] = (counted_on, how)
        return new

    def __exit__(self: Any, *exc_info: Any) -> Any:
        STATE.http_doubles.pop(id(self), None)
        STATE.db_doubles.pop(id(self), None)
        return original_exit(self, *exc_info)

    _replace(patch_class, "__enter__", __enter__)
    _replace(patch_class, "__exit__", __exit__)


def _django_ready() -> bool:
    """Model classes can be told only once the app registry is ready."""
    try:
        from django.apps import apps
    except ImportError:
        return False
    return bool(apps.ready)


# Hand-written doubles (`Model._postback = lambda self: b"VERIFIED"`) ------------------------


def _scan_standins() -> None:
    """Remember every project method whose own code sends through an HTTP client, once per
    newly imported project module, so a test that replaces one by hand can be noticed."""
    if len(sys.modules) == STATE.modules_seen:
        return
    STATE.modules_seen = len(sys.modules)
    for name, module in list(sys.modules.items()):
        if name in STATE.scanned:
            continue
        STATE.scanned.add(name)  # project or not, a module is looked at once
        if not _in_project(getattr(module, "__file__", None)):
            continue
        try:
            classes = [v for v in vars(module).values() if isinstance(v, type)]
            for value in classes:
                if value.__module__ != name:
                    continue
                for attribute, member in list(vars(value).items()):
                    if inspect.isfunction(member) and http_role(member) == "call":
                        STATE.standins.append((value, attribute, member))
        except Exception:  # a module that cannot be inspected must not break the test run
            continue


def _count_hand_written_doubles(record: dict[str, Any]) -> list[tuple[type, str, Any]]:
    """For this window, wrap each hand-written replacement of such a method (on its class or
    a subclass) so its calls count as HTTP attempts; `_close` puts the replacements back."""
    _scan_standins()
    wrapped: list[tuple[type, str, Any]] = []
    for defining, attribute, original in STATE.standins:
        for owner in (defining, *_subclasses(defining)):
            current = owner.__dict__.get(attribute)
            if current is None or current is original:
                continue
            if isinstance(current, unittest.mock.NonCallableMock) or not callable(current):
                continue  # a mock.patch double is counted by the patch hook
            label = f"hand-written double of {owner.__qualname__}.{attribute}"
            _replace(owner, attribute, _counting_double(current, record, label))
            wrapped.append((owner, attribute, current))
    return wrapped


def _subclasses(cls: type) -> list[type]:
    found: list[type] = []
    pending: list[type] = list(cls.__subclasses__())
    while pending and len(found) < 200:
        sub = pending.pop()
        found.append(sub)
        pending.extend(sub.__subclasses__())
    return found


def _counting_double(
    current: Any, record: dict[str, Any], label: str, outermost: bool = False
) -> Any:
    """`current`, counting each call as one outbound attempt. With `outermost`, what the
    double itself sends (a fake that falls back to the real method) is not counted again,
    and a call from inside another client call (`requests.get` into a faked
    `Session.request`) is not counted twice."""

    def call(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        if not outermost:
            _add_http(record, label)
            return current(*args, **kwargs)
        if _IN_CLIENT.get():
            return current(*args, **kwargs)
        _add_http(record, label)
        token = _IN_CLIENT.set(True)
        try:
            return current(*args, **kwargs)
        finally:
            _IN_CLIENT.reset(token)

    if inspect.isfunction(current):  # a function on the class: it binds `self` as before

        @functools.wraps(current)
        def counted(*args: Any, **kwargs: Any) -> Any:
            return call(args, kwargs)

        return counted

    class Counted:  # a bound method or callable object: no __get__, so nothing rebinds
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            return call(args, kwargs)

    return Counted()


# Doubles assigned onto a client's own sending method (`requests.Session.get = Mock(...)`) --


def _sending_slots() -> list[tuple[Any, str]]:
    """Every (module or client class, sending method) of the HTTP client modules imported so
    far: `requests.get`, `requests.Session.post`, `httpx.Client.request`, `urlopen`...
    The same knowledge as `http_role`, refreshed when new modules were imported."""
    if len(sys.modules) == STATE.slot_modules_seen:
        return STATE.sending_slots
    STATE.slot_modules_seen = len(sys.modules)
    seen: set[tuple[int, str]] = set()
    slots: list[tuple[Any, str]] = []
    for name, module in list(sys.modules.items()):
        if module is None or not any(name == m or name.startswith(m + ".") for m in _HTTP_MODULES):
            continue
        owners: list[Any] = [module]
        for value in list(vars(module).values()):
            if isinstance(value, type) and http_role(value) == "class":  # a client class
                owners.append(value)
        for owner in owners:
            for attribute in _HTTP_CALLS:
                if attribute in vars(owner) and (id(owner), attribute) not in seen:
                    seen.add((id(owner), attribute))
                    slots.append((owner, attribute))
    STATE.sending_slots = slots
    return slots


def _is_assigned_double(value: Any) -> bool:
    """A mock, or a function the HTTP client library did not define (a test's fake)."""
    if isinstance(value, unittest.mock.NonCallableMock):
        return True
    if not inspect.isfunction(value) or value.__code__.co_filename == __file__:
        return False  # the library's own builtins, descriptors, classes; our own hooks
    module = str(getattr(value, "__module__", "") or "")
    return not any(module == m or module.startswith(m + ".") for m in _HTTP_MODULES)


def _count_assigned_client_doubles(record: dict[str, Any]) -> list[tuple[Any, str, Any, Any]]:
    """For this window, wrap each double a test assigned in place of a client's sending
    method so that its calls count as outbound attempts; `_close` puts the double back.
    A `mock.patch` double is left to the patch hook, which counts it already."""
    patched = {id(double) for double, _ in STATE.http_doubles.values()}
    wrapped: list[tuple[Any, str, Any, Any]] = []
    for owner, attribute in _sending_slots():
        current = vars(owner).get(attribute)
        if current is None or not _is_assigned_double(current):
            continue
        if id(current) in patched:
            continue
        # An autospec function keeps its mock on `.mock` (never read off a Mock: that would
        # add a child to the test's double).
        is_mock = isinstance(current, unittest.mock.NonCallableMock)
        if not is_mock and id(getattr(current, "mock", None)) in patched:
            continue
        where = owner.__name__ if inspect.ismodule(owner) else owner.__qualname__
        label = f"test double assigned to {where}.{attribute}"
        counting = _counting_double(current, record, label, outermost=True)
        _replace(owner, attribute, counting)
        wrapped.append((owner, attribute, current, counting))
    return wrapped


# Test outcomes --------------------------------------------------------------------------------


def _outcome(test_id: str, outcome: str, error: BaseException | type | None = None) -> None:
    entry = STATE.tests.setdefault(test_id, {"outcome": "passed"})
    rank = {"passed": 0, "skipped": 0, "xfailed": 0, "failed": 2, "error": 3}
    if rank.get(outcome, 0) >= rank.get(entry["outcome"], 0):
        entry["outcome"] = outcome
    if error is not None:
        kind = error if isinstance(error, type) else type(error)
        entry.setdefault("exceptions", []).append(kind.__name__)


_OUTCOME_METHODS = (
    ("addSuccess", "passed", False),
    ("addFailure", "failed", True),
    ("addError", "error", True),
    ("addSkip", "skipped", False),
    ("addExpectedFailure", "xfailed", False),
    ("addUnexpectedSuccess", "failed", False),
)
_HOOKED_RESULTS: set[type] = set()
_HOOK_ACTIVE: set[str] = set()  # hooks running now: an overriding method calling super()


def _guarded(name: str, before: Callable[..., None], original: Callable[..., Any]) -> Any:
    """`original`, with `before` run once per call however many overriding classes in the
    result's MRO are hooked (a subclass's addSuccess calling super() runs it only once)."""

    def method(self: Any, *args: Any) -> Any:
        if name in _HOOK_ACTIVE:
            return original(self, *args)
        _HOOK_ACTIVE.add(name)
        try:
            before(*args)
            return original(self, *args)
        finally:
            _HOOK_ACTIVE.discard(name)

    return method


def _record_outcome(outcome: str, with_error: bool) -> Callable[..., None]:
    def before(test: Any, *args: Any) -> None:
        error = None
        if with_error and args and isinstance(args[0], tuple) and args[0]:
            error = args[0][0]
        _outcome(test.id(), outcome, error)

    return before


def _record_subtest(test: Any, subtest: Any, err: Any) -> None:
    if err is not None:
        failed = issubclass(err[0], test.failureException)
        _outcome(test.id(), "failed" if failed else "error", err[0])


def _start_test(test: Any) -> None:
    _check_process()
    _before_test()
    STATE.current_test = test.id()


def _stop_test(test: Any) -> None:
    _test_finished()


def _hook_result_class(klass: type) -> None:
    """Record outcomes and test windows from every result class a runner uses: the methods
    each class of its MRO defines are hooked, so a runner whose result class overrides
    addSuccess without calling TestResult's (xmlrunner's) is still counted."""
    for owner in klass.__mro__:
        if owner in _HOOKED_RESULTS or owner is object:
            continue
        _HOOKED_RESULTS.add(owner)
        hooks: list[tuple[str, Callable[..., None]]] = [
            (name, _record_outcome(outcome, with_error))
            for name, outcome, with_error in _OUTCOME_METHODS
        ]
        hooks += [("addSubTest", _record_subtest), ("startTest", _start_test)]
        for name, before in hooks:
            if name in vars(owner):
                _replace(owner, name, _guarded(name, before, vars(owner)[name]))
        if "stopTest" in vars(owner):
            original_stop = vars(owner)["stopTest"]

            def stopTest(self: Any, test: Any, _original: Any = original_stop) -> Any:
                if "stopTest" in _HOOK_ACTIVE:
                    return _original(self, test)
                _HOOK_ACTIVE.add("stopTest")
                try:
                    result = _original(self, test)
                finally:
                    _HOOK_ACTIVE.discard("stopTest")
                _stop_test(test)
                return result

            _replace(owner, "stopTest", stopTest)


def _install_unittest_outcomes() -> None:
    _hook_result_class(unittest.TestResult)
    original_run = unittest.TestCase.run

    def run(self: Any, result: Any = None) -> Any:
        # pytest hands unittest tests its own reporter (not a TestResult): its plugin hooks
        # record those outcomes by node id.
        if isinstance(result, unittest.TestResult) and type(result) not in _HOOKED_RESULTS:
            _hook_result_class(type(result))
        return original_run(self, result)

    _replace(unittest.TestCase, "run", run)


def pytest_runtest_logstart(nodeid: str, location: Any) -> None:
    _check_process()
    _before_test()
    STATE.current_test = nodeid


def _before_test() -> None:
    """Modules the tests imported since: their sending methods are remembered before the
    test's setUp can replace one by hand."""
    if STATE.installed:
        _scan_standins()


def pytest_runtest_logfinish(nodeid: str, location: Any) -> None:
    _test_finished()


def pytest_runtest_logreport(report: Any) -> None:
    if report.when == "call" or report.outcome != "passed":
        if report.skipped:
            outcome = "xfailed" if hasattr(report, "wasxfail") else "skipped"
        elif report.failed:
            outcome = "failed" if report.when == "call" else "error"
        else:
            outcome = "passed"
        entry = STATE.tests.setdefault(report.nodeid, {"outcome": "passed"})
        rank = {"passed": 0, "skipped": 0, "xfailed": 0, "failed": 2, "error": 3}
        if rank[outcome] >= rank.get(entry["outcome"], 0):
            entry["outcome"] = outcome
        if report.failed:
            crash = getattr(getattr(report, "longrepr", None), "reprcrash", None)
            message = str(getattr(crash, "message", "") or "")
            entry.setdefault("exceptions", []).append(message.partition(":")[0][:80])


# Routes -----------------------------------------------------------------------------------------


def _routes() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for urlconf in STATE.urlconfs:
        try:
            found = probe.routes(urlconf)
        except Exception as error:
            found = [{"error": f"{type(error).__name__}: {error}"}]
        rows.extend({"urlconf": urlconf, **row} for row in found)
    return rows


def _target() -> str | None:
    target = os.environ.get(OUTPUT_ENV)
    return target.replace("{pid}", str(os.getpid())) if target else None


def _check_process() -> None:
    """A forked worker (Django's --parallel) starts with a copy of its parent's records:
    drop them, and from then on write after every test, since a forked worker ends with
    os._exit and never runs atexit."""
    if os.getpid() != STATE.pid:
        STATE.pid = os.getpid()
        STATE.forked = True
        STATE.records = [r for r in STATE.records if r.get("_open")]
        STATE.tests = {}


def _test_finished() -> None:
    if STATE.forked:
        _write()


def _plain(record: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in record.items() if not key.startswith("_")}


def _write() -> None:
    target = _target()
    if not target or not STATE.installed:
        return
    try:
        routes = _routes()
    except Exception as error:
        routes = [{"error": repr(error)}]
    import django

    data = {
        "schema": OBSERVED_SCHEMA,
        "pid": os.getpid(),
        "django_version": django.get_version(),
        "python": sys.version.split()[0],
        "root": STATE.root,
        "root_urlconf": STATE.root_urlconf,
        "urlconfs": STATE.urlconfs,
        "routes": routes,
        "requests": [_plain(r) for r in STATE.records],
        "tests": STATE.tests,
    }
    partial = f"{target}.partial"
    with open(partial, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=1, default=str)
    os.replace(partial, target)


def _activate() -> None:
    if not os.environ.get(OUTPUT_ENV):
        return
    import django

    original_setup = django.setup

    @functools.wraps(original_setup)
    def setup(*args: Any, **kwargs: Any) -> Any:
        result = original_setup(*args, **kwargs)
        _install()
        return result

    django.setup = setup
    _install_unittest_outcomes()
    atexit.register(_write)


_activate()
