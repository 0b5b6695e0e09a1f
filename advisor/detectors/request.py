"""request.user and request.session: what reading them costs under the project's MIDDLEWARE
and SESSION_ENGINE, and the access checks (@login_required, LoginRequiredMixin) that read
request.user before the view runs (https://docs.djangoproject.com/en/stable/topics/auth/default/)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from advisor import django_api
from advisor.catalog import CatalogRow
from advisor.facts import Call, Expr
from advisor.index import ProjectIndex
from advisor.model import Confidence, Effect, Location, Trigger
from advisor.rows import EffectRows
from advisor.values import MAX_UNION, UNKNOWN, Context, Kind, T, union

# HttpRequest's own attributes (https://docs.djangoproject.com/en/stable/ref/request-response/
# #httprequest-objects): never what project code sets before the view, so not searched for.
_HTTP_REQUEST_API = frozenset(
    {
        "GET", "POST", "COOKIES", "FILES", "META", "body", "path", "path_info", "method",
        "encoding", "content_type", "content_params", "headers", "resolver_match", "scheme",
        "session", "site", "user", "auser", "get_host", "get_port", "get_full_path",
        "get_full_path_info", "build_absolute_uri", "get_signed_cookie", "is_secure",
        "accepts", "read", "readline", "readlines", "urlconf", "data", "query_params",
        "get_preferred_type", "upload_handlers", "csrf_processing_done",
    }
)  # fmt: skip


class RequestAttributes(EffectRows):
    """The cost of the attributes middleware puts on the request, and what the attributes
    project code sets on it hold: a decorator's wrapper (social-auth's `@psa` sets
    `request.backend = load_backend(...)`) or a middleware hook (`request.account = ...`)
    assigns them on a parameter named `request`; the union of those values, wherever they are."""

    _set_on_request: dict[str, T | None] | None = None  # per analyzer, made on first use
    _setters: dict[str, list[tuple[str, Expr]]] | None = None

    if TYPE_CHECKING:
        # Defined by the other parts of EffectAnalyzer (advisor/effects.py).
        _middleware: tuple[str, ...] | None
        _session_engine: str
        index: ProjectIndex

        def evaluate(self, expr: Expr, context: Context, depth: int = 0) -> T:
            raise NotImplementedError

        def context_for(
            self,
            qualified: str,
            receiver: T | None = None,
            arguments: tuple[tuple[str, T], ...] = (),
        ) -> Context | None:
            raise NotImplementedError

    def _middleware_installed(self, middleware: str) -> bool:
        if self._middleware is None:
            return True
        return any(
            entry == middleware or self.index.is_subclass(entry, frozenset({middleware}))
            for entry in self._middleware
        )

    def _session_store_row(self) -> CatalogRow | None:
        """What the session store costs under SESSION_ENGINE (None: signed cookies)."""
        engine = self._session_engine
        if engine not in django_api.SESSION_STORES:
            # A project engine built on one of Django's: its base decides.
            engine = next(
                (
                    base.removesuffix(".SessionStore")
                    for base in self.index.mro(f"{engine}.SessionStore")
                    if base.removesuffix(".SessionStore") in django_api.SESSION_STORES
                ),
                django_api.DEFAULT_SESSION_ENGINE,
            )
        pattern = django_api.SESSION_STORES[engine]
        return self._known(pattern) if pattern is not None else None

    def _request_attribute_row(self, attribute: str) -> CatalogRow | None:
        """request.user loads the session and the user when AuthenticationMiddleware put it
        there; request.session loads from the store SessionMiddleware opened. Without the
        middleware in a known MIDDLEWARE, whatever set the attribute did the loading."""
        if not self._middleware_installed(django_api.REQUEST_ATTRIBUTE_MIDDLEWARE[attribute]):
            return None
        if attribute == "session":
            return self._session_store_row()
        if self._user_loaded_by_project_middleware():
            return None
        return self._known(f"django.http.HttpRequest.{attribute}")

    def _user_loaded_by_project_middleware(self) -> bool:
        """A project middleware after AuthenticationMiddleware that reads request.user in
        its request phase has loaded it: reading it again in the view costs nothing."""
        if self._middleware is None:
            return False
        authentication = frozenset({django_api.REQUEST_ATTRIBUTE_MIDDLEWARE["user"]})
        after_authentication = False
        for entry in self._middleware:
            if entry in authentication or self.index.is_subclass(entry, authentication):
                after_authentication = True
                continue
            if not after_authentication:
                continue
            for phase in django_api.MIDDLEWARE_REQUEST_PHASES:
                method = self.index.find_method(entry, phase)
                found = self.index.functions.get(method) if method is not None else None
                if found is None or len(found[1].params) < 2:
                    continue
                read = f"{found[1].params[1]}.user"
                if any(use.dotted == read for use in found[1].attribute_uses):
                    return True
        return False

    def _user_check(self, view: str, is_class: bool) -> tuple[Effect, ...]:
        """@login_required (and the other access checks) or LoginRequiredMixin read
        request.user before the view body runs."""
        if is_class:
            entry = self.index.classes.get(view)
            if entry is None or not self.index.is_subclass(view, django_api.USER_CHECK_MIXINS):
                return ()
            info, line = entry[0], entry[1].line
        else:
            found = self.index.functions.get(view)
            if found is None:
                return ()
            info, line = found[0], found[1].line
            module_context = Context(view, info, None, None)
            if not any(
                self.evaluate(d.func if isinstance(d, Call) else d, module_context).name
                in django_api.USER_CHECK_DECORATORS
                for d in found[1].decorators
            ):
                return ()
        row = self._request_attribute_row("user")
        if row is None:
            return ()
        effect = self._effect(
            row,
            row.pattern,
            Location(info.path, line),
            Context(view, info, None, None),
            (),
            confidence=Confidence.HEURISTIC,
            detail=f"{row.note} (the view's access check reads it)",
            subject="request.user",
            trigger=Trigger.ATTRIBUTE,
        )
        # Not a call in the view's body to rewrite: whether the check runs without
        # blocking in an async view is the decorator's or mixin's own async support, which
        # the conversion policy judges.
        return (replace(effect, blocking=False, rewrite=None),)

    def _request_setters(self) -> dict[str, list[tuple[str, Expr]]]:
        """Attribute -> (function, value) of every `request.<attribute> = value` in the
        project, found once: a text search first, so only bodies that can assign one are
        extracted."""
        if self._setters is None:
            self._setters = {}
            for qualified, (info, function) in list(self.index.functions.items()):
                if (
                    info.name not in self.index.project_modules
                    or "request" not in function.params
                    or not function.may_set_attribute_of("request")
                ):
                    continue
                for parameter, attribute, expr in function.parameter_assignments:
                    if parameter == "request":
                        self._setters.setdefault(attribute, []).append((qualified, expr))
        return self._setters

    def set_on_request(self, name: str, depth: int) -> T | None:
        if name in _HTTP_REQUEST_API or name.startswith("_"):
            return None
        if self._set_on_request is None:
            self._set_on_request = {}
        if name in self._set_on_request:
            return self._set_on_request[name]
        self._set_on_request[name] = None  # while deciding: a value reading it is unknown
        values: list[T] = []
        for qualified, expr in self._request_setters().get(name, ()):
            context = self.context_for(qualified)
            value = self.evaluate(expr, context, depth + 1) if context else UNKNOWN
            if value.kind != Kind.UNKNOWN and value not in values:
                values.append(value)
        found = union(tuple(values[:MAX_UNION])) if values else None
        self._set_on_request[name] = found
        return found
