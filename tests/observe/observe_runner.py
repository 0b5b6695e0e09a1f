"""A Django test runner that records, per request, which view ran and what I/O it did.

Used as ``manage.py test --testrunner observe_runner.ObservingRunner`` from a sample
project's root, with this directory on PYTHONPATH and ``ADVISOR_OBSERVE_OUT`` naming the JSON
file to write. It observes; it never mocks: every SQL query and HTTP request still happens,
so the project's own tests pass or fail exactly as without it.

Why each hook sits where it does:

* The attribution window is ``BaseHandler._get_response`` (and its async twin): resolving
  the URL, view middleware, the view itself, and the deferred rendering of a
  ``TemplateResponse``/DRF ``Response``. A lazy queryset put into a template context runs its
  query during that rendering, and the scan counts it as the view's effect, so the window
  must include it. The outer middleware chain (session save, messages) is not the view's
  work and stays outside. A ``StreamingHttpResponse`` body is produced after the handler
  returns, while the client consumes it, so its iterator is wrapped to re-enter the window.
* The request in flight is kept in a ``contextvars.ContextVar``: the test client is
  synchronous, and asgiref copies the context into ``async_to_sync`` (an async view called
  by the sync client runs on another thread) and back into ``sync_to_async`` (the ORM calls
  of an async view), so every query and HTTP call lands on the right request. Threads that
  are not part of the request (the stub upstream server) start with an empty context and
  are ignored.
* SQL is counted with ``connection.execute_wrapper``-style wrappers installed on every
  connection object, current and future (``connection_created``), so queries on any alias
  and any thread are seen. Savepoints and other transaction control are counted apart:
  under ``TestCase`` a ``transaction.atomic()`` block issues SAVEPOINT statements that are
  not queries the view asked for.
* Outbound HTTP is counted at the client libraries' single choke points,
  ``requests.Session.send`` and ``httpx.Client.send``/``httpx.AsyncClient.send`` (counted
  before the call, so a refused connection still counts as an attempt), and, as a catch-all
  for urllib and bare ``http.client``, ``http.client.HTTPConnection.putrequest`` when it is
  not already inside one of those sends.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import http.client
import inspect
import json
import os
import re
import sys
import threading
import time
import unittest
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from asgiref.sync import iscoroutinefunction
from django.core.handlers.base import BaseHandler
from django.db import connections
from django.db.backends.signals import connection_created
from django.test.runner import DiscoverRunner

OUTPUT_ENV = "ADVISOR_OBSERVE_OUT"
_MAX_STATEMENTS = 25
_TX_PREFIXES = (
    "SAVEPOINT",
    "RELEASE SAVEPOINT",
    "ROLLBACK TO SAVEPOINT",
    "BEGIN",
    "COMMIT",
    "ROLLBACK",
)
# Tables Django reads lazily when a view touches `request.user` / `request.session`.
_AUTH_TABLES = ('"django_session"', '"auth_user"')


@dataclass
class RequestRecord:
    """Everything observed while one request's view was running."""

    method: str
    path: str
    test: str | None
    view: str | None = None
    module: str | None = None
    framework: bool = False
    url_name: str | None = None
    view_is_async: bool = False
    sql: int = 0
    auth_sql: int = 0
    tx: int = 0
    http: int = 0
    sleeps: int = 0
    statements: list[str] = field(default_factory=list)
    http_calls: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add_sql(self, sql: str) -> None:
        text = " ".join(str(sql).split())
        with self._lock:
            if text.upper().startswith(_TX_PREFIXES):
                self.tx += 1
                return
            self.sql += 1
            if any(table in text for table in _AUTH_TABLES):
                self.auth_sql += 1
            if len(self.statements) < _MAX_STATEMENTS:
                self.statements.append(_compact(text)[:200])

    def add_http(self, description: str) -> None:
        with self._lock:
            self.http += 1
            self.http_calls.append(description[:200])

    def add_sleep(self) -> None:
        with self._lock:
            self.sleeps += 1

    def to_json(self) -> dict[str, Any]:
        return {
            item.name: getattr(self, item.name)
            for item in fields(self)
            if not item.name.startswith("_")
        }


_SELECT_LIST = re.compile(r"^SELECT\s+(?:DISTINCT\s+)?(.*?)\s+FROM\s", re.IGNORECASE)


def _compact(sql: str) -> str:
    """Drop a SELECT's column list, so the tables and conditions survive the truncation."""
    match = _SELECT_LIST.match(sql)
    if match is None or "COUNT(" in match.group(1).upper():
        return sql
    return f"SELECT … {sql[match.end(1) :].lstrip()}"


_CURRENT: contextvars.ContextVar[RequestRecord | None] = contextvars.ContextVar(
    "advisor_observe_request", default=None
)
# Set while inside a client library's send(), so the http.client catch-all does not count
# the same request twice.
_IN_CLIENT: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "advisor_observe_in_client", default=False
)


def view_identity(func: Callable[..., Any]) -> tuple[str, str]:
    """The scan's dotted id for a resolved view callable, and the module defining it.

    DRF sets ``cls`` on the callables of ``APIView.as_view()`` and ``ViewSet.as_view()``
    (the latter has no ``view_class``); Django's ``as_view()`` sets ``view_class``; function
    views are unwrapped through their decorators. ``@api_view`` builds a class with
    ``type("WrappedAPIView", ...)`` and then sets only its ``__name__`` to the function's
    name, so a ``__name__`` that disagrees with the ``__qualname__`` (or a qualname inside
    ``<locals>``) means the ``__name__`` is the id the scan uses.
    """
    target: Any = getattr(func, "cls", None) or getattr(func, "view_class", None)
    if target is None:
        target = inspect.unwrap(func)
    if not hasattr(target, "__qualname__"):  # a callable instance used as a view
        target = type(target)
    module = str(getattr(target, "__module__", "") or "")
    qualname = str(getattr(target, "__qualname__", "") or getattr(target, "__name__", ""))
    name = str(getattr(target, "__name__", "") or qualname)
    if "<locals>" in qualname or qualname.rpartition(".")[2] != name:
        qualname = name
    return f"{module}.{qualname}", module


def is_project_module(module: str, root: Path) -> bool:
    """True when the module's file lives in the project, not in Django, DRF or a venv."""
    loaded = sys.modules.get(module)
    filename = getattr(loaded, "__file__", None)
    if not filename:
        return False
    path = Path(filename).resolve()
    if "site-packages" in path.parts or "dist-packages" in path.parts:
        return False
    return path.is_relative_to(root)


class Observer:
    """Installs the hooks for the whole test run and collects the request records."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.records: list[RequestRecord] = []
        self.current_test: str | None = None
        self._undo: list[Callable[[], None]] = []

    # Installation --------------------------------------------------------------------------

    def install(self) -> None:
        self._patch(BaseHandler, "_get_response", self._wrap_get_response)
        self._patch(BaseHandler, "_get_response_async", self._wrap_get_response_async)
        self._install_sql()
        self._install_http()
        self._patch(time, "sleep", self._wrap_sleep)
        self._patch(asyncio, "sleep", self._wrap_async_sleep)

    def uninstall(self) -> None:
        while self._undo:
            self._undo.pop()()

    def _patch(self, owner: Any, name: str, wrap: Callable[[Any], Any]) -> None:
        original = getattr(owner, name)
        setattr(owner, name, wrap(original))
        self._undo.append(lambda: setattr(owner, name, original))

    # Requests ------------------------------------------------------------------------------

    def _start(self, request: Any) -> RequestRecord:
        record = RequestRecord(
            method=str(request.method), path=str(request.path_info), test=self.current_test
        )
        self.records.append(record)
        return record

    def _finish(self, record: RequestRecord, request: Any) -> None:
        match = getattr(request, "resolver_match", None)
        if match is None:
            return
        view, module = view_identity(match.func)
        record.view = view
        record.module = module
        record.framework = not is_project_module(module, self.root)
        record.url_name = match.view_name
        record.view_is_async = iscoroutinefunction(match.func)

    def _wrap_get_response(self, original: Callable[..., Any]) -> Callable[..., Any]:
        observer = self

        @functools.wraps(original)
        def _get_response(handler: BaseHandler, request: Any) -> Any:
            record = observer._start(request)
            token = _CURRENT.set(record)
            try:
                response = original(handler, request)
            finally:
                _CURRENT.reset(token)
                observer._finish(record, request)
            return observer._follow_stream(response, record)

        return _get_response

    def _wrap_get_response_async(self, original: Callable[..., Any]) -> Callable[..., Any]:
        observer = self

        @functools.wraps(original)
        async def _get_response_async(handler: BaseHandler, request: Any) -> Any:
            record = observer._start(request)
            token = _CURRENT.set(record)
            try:
                response = await original(handler, request)
            finally:
                _CURRENT.reset(token)
                observer._finish(record, request)
            return observer._follow_stream(response, record)

        return _get_response_async

    def _follow_stream(self, response: Any, record: RequestRecord) -> Any:
        """Attribute the work a streaming body does, as the client reads it, to its view."""
        if not getattr(response, "streaming", False):
            return response
        if getattr(response, "is_async", False):
            response.streaming_content = _async_in_context(response.streaming_content, record)
        else:
            response.streaming_content = _in_context(response.streaming_content, record)
        return response

    # SQL -----------------------------------------------------------------------------------

    def _install_sql(self) -> None:
        def wrapper(
            execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]
        ) -> Any:
            record = _CURRENT.get()
            if record is not None:
                record.add_sql(sql)
            return execute(sql, params, many, context)

        def attach(connection: Any) -> None:
            if wrapper not in connection.execute_wrappers:
                connection.execute_wrappers.append(wrapper)

        def on_connection_created(sender: Any, connection: Any, **kwargs: Any) -> None:
            attach(connection)

        for alias in connections:
            attach(connections[alias])
        connection_created.connect(on_connection_created, weak=False)

        def undo() -> None:
            connection_created.disconnect(on_connection_created)
            for alias in connections:
                wrappers = connections[alias].execute_wrappers
                if wrapper in wrappers:
                    wrappers.remove(wrapper)

        self._undo.append(undo)

    # HTTP ----------------------------------------------------------------------------------

    def _install_http(self) -> None:
        # Either client may be absent from a project's environment; patch what is there.
        try:
            import requests
        except ImportError:
            pass
        else:
            self._patch(requests.Session, "send", _wrap_sync_send("requests"))
        try:
            import httpx
        except ImportError:
            pass
        else:
            self._patch(httpx.Client, "send", _wrap_sync_send("httpx"))
            self._patch(httpx.AsyncClient, "send", _wrap_async_send("httpx.AsyncClient"))
        self._patch(http.client.HTTPConnection, "putrequest", _wrap_putrequest)

    # Sleeps --------------------------------------------------------------------------------

    @staticmethod
    def _wrap_sleep(original: Callable[[float], None]) -> Callable[[float], None]:
        @functools.wraps(original)
        def sleep(seconds: float) -> None:
            record = _CURRENT.get()
            if record is not None and seconds > 0:
                record.add_sleep()
            original(seconds)

        return sleep

    @staticmethod
    def _wrap_async_sleep(original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        async def sleep(delay: float, *args: Any, **kwargs: Any) -> Any:
            record = _CURRENT.get()
            if record is not None and delay > 0:
                record.add_sleep()
            return await original(delay, *args, **kwargs)

        return sleep


def _in_context(iterable: Any, record: RequestRecord) -> Iterator[Any]:
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


async def _async_in_context(iterable: Any, record: RequestRecord) -> AsyncIterator[Any]:
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


def _describe(request: Any) -> str:
    return f"{getattr(request, 'method', '?')} {getattr(request, 'url', '?')}"


def _wrap_sync_send(library: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def send(client: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
            record = _CURRENT.get()
            if record is not None and not _IN_CLIENT.get():
                record.add_http(f"{library} {_describe(request)}")
            token = _IN_CLIENT.set(True)
            try:
                return original(client, request, *args, **kwargs)
            finally:
                _IN_CLIENT.reset(token)

        return send

    return wrap


def _wrap_async_send(library: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        async def send(client: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
            record = _CURRENT.get()
            if record is not None and not _IN_CLIENT.get():
                record.add_http(f"{library} {_describe(request)}")
            token = _IN_CLIENT.set(True)
            try:
                return await original(client, request, *args, **kwargs)
            finally:
                _IN_CLIENT.reset(token)

        return send

    return wrap


def _wrap_putrequest(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def putrequest(connection: Any, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        record = _CURRENT.get()
        if record is not None and not _IN_CLIENT.get():
            record.add_http(f"http.client {method} http://{connection.host}:{connection.port}{url}")
        return original(connection, method, url, *args, **kwargs)

    return putrequest


class ObservingRunner(DiscoverRunner):
    """DiscoverRunner plus the observer; writes the records to $ADVISOR_OBSERVE_OUT."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The hooks live in this process: a parallel run would observe nothing.
        self.parallel = 1
        self.observer = Observer(Path.cwd().resolve())
        self.summary: dict[str, int] = {}

    def setup_test_environment(self, **kwargs: Any) -> None:
        super().setup_test_environment(**kwargs)
        self.observer.install()

    def teardown_test_environment(self, **kwargs: Any) -> None:
        self.observer.uninstall()
        super().teardown_test_environment(**kwargs)

    def get_resultclass(self) -> type[unittest.TextTestResult]:
        base = super().get_resultclass() or unittest.TextTestResult
        observer = self.observer

        class ObservingResult(base):  # type: ignore[valid-type, misc]
            """Remembers the running test, so each request can name the test that made it."""

            def startTest(self, test: unittest.TestCase) -> None:
                observer.current_test = test.id()
                super().startTest(test)

            def stopTest(self, test: unittest.TestCase) -> None:
                super().stopTest(test)
                observer.current_test = None

        return ObservingResult

    def run_suite(self, suite: Any, **kwargs: Any) -> Any:
        result = super().run_suite(suite, **kwargs)
        self.summary = {
            "tests_run": result.testsRun,
            "failures": len(result.failures),
            "errors": len(result.errors),
            "skipped": len(result.skipped),
        }
        return result

    def run_tests(self, *args: Any, **kwargs: Any) -> int:
        try:
            return int(super().run_tests(*args, **kwargs))
        finally:
            self._write()

    def _write(self) -> None:
        target = os.environ.get(OUTPUT_ENV)
        if not target:
            return
        import django

        data = {
            "root": str(self.observer.root),
            "django_version": django.get_version(),
            "summary": self.summary,
            "requests": [record.to_json() for record in self.observer.records],
        }
        Path(target).write_text(json.dumps(data, indent=1), encoding="utf-8")
