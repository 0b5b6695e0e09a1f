"""Static evaluation of the URLconf, following Django's resolver (django/urls/resolvers.py).

Starting from ROOT_URLCONF: `path`, `re_path`, legacy `url`, `include()` of a module string,
a module object, a list, a `(patterns, app_name)` tuple and namespaces; `urlpatterns +=`;
`static()` and `i18n_patterns`; URL lists returned by methods such as `AppConfig.get_urls()`;
`as_view(**initkwargs)`; decorators and `functools.partial` applied in the URLconf; DRF
routers expanded the way `SimpleRouter.get_urls()` does. What cannot be followed statically
is reported with file:line and a reason.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from advisor import django_api
from advisor.discovery.test_urlconfs import UrlconfUnderTest
from advisor.facts import (
    Attr,
    Binding,
    BinOp,
    Call,
    Comprehension,
    Const,
    Expr,
    FString,
    ImportedName,
    Mapping,
    Name,
    Seq,
    Starred,
    Statement,
)
from advisor.index import ModuleInfo, ProjectIndex
from advisor.model import BoundAttribute, Finding, FrameworkRoute, Location
from advisor.static_eval import (
    UNKNOWN,
    ModuleMember,
    ObjectRef,
    SettingsLookup,
    StaticEvaluator,
    literal,
)

_PATH_FUNCTIONS = {
    "django.urls.path": "path",
    "django.urls.re_path": "re_path",
    "django.conf.urls.url": "re_path",
    "django.urls.conf.url": "re_path",
}
_INCLUDE = "django.urls.include"
_ADMIN_URLS = ("django.contrib.admin.site.urls", "django.contrib.admin.sites.site.urls")
_STATIC = ("django.conf.urls.static.static",)
_I18N = ("django.conf.urls.i18n.i18n_patterns",)
_FORMAT_SUFFIX = "rest_framework.urlpatterns.format_suffix_patterns"
_SUFFIX_MARK = Name("__format_suffix__")
_PARTIAL = "functools.partial"
_IMPORT_BY_NAME = ("importlib.import_module", "django.utils.module_loading.import_string")
# Classes whose instances Django routes as views (django/contrib/syndication/views.py).
_INSTANCE_VIEW_BASES = frozenset({"django.contrib.syndication.views.Feed"})
_ROUTERS = {
    "rest_framework.routers.DefaultRouter": True,
    "rest_framework.routers.SimpleRouter": False,
}
_DRF_ACTION = "rest_framework.decorators.action"
_DRF_MIXIN_ACTIONS = {
    "rest_framework.mixins.ListModelMixin": "list",
    "rest_framework.mixins.CreateModelMixin": "create",
    "rest_framework.mixins.RetrieveModelMixin": "retrieve",
    "rest_framework.mixins.UpdateModelMixin": "update",
    "rest_framework.mixins.DestroyModelMixin": "destroy",
}
# The finding that labels routes only a test's URLconf serves.
TEST_URLCONF = "test-urlconf"
_MAX_DEPTH = 25
_MAX_LOOP_ITEMS = 500


@dataclass(frozen=True, slots=True)
class RouteEntry:
    view: str  # qualified name of the project function or class
    pattern: str
    name: str | None
    location: Location
    decorators: tuple[str, ...] = ()
    methods: tuple[str, ...] = ()
    action: str | None = None
    bindings: tuple[BoundAttribute, ...] = ()  # `as_view(client_class=X)` and the like


@dataclass(slots=True)
class UrlconfResult:
    routes: list[RouteEntry] = field(default_factory=list)
    framework: list[FrameworkRoute] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Scope:
    info: ModuleInfo
    bindings: dict[str, list[Binding]]
    # Names bound to evaluated values: a module-level loop's target (`for provider in
    # registry:`) for one of the iterable's items.
    values: dict[str, Any] = field(default_factory=dict)


class UrlconfEvaluator:
    def __init__(self, index: ProjectIndex, settings: SettingsLookup | None = None) -> None:
        self.index = index
        self.values = StaticEvaluator(index, settings)
        self.result = UrlconfResult()
        self._active: set[str] = set()
        self._evaluated: set[str] = set()
        self._so_far: dict[str, list[tuple[Expr | _RouterUrls, _Scope]]] = {}
        self._tops: set[str] | None = None
        self._told: set[tuple[str, int]] = set()  # conditional statements already reported

    def evaluate(self, root_urlconf: str) -> UrlconfResult:
        info = self.index.modules.get(root_urlconf)
        if info is None:
            self.result.findings.append(
                Finding("urlconf", f"ROOT_URLCONF {root_urlconf!r} is not a module of the project")
            )
            return self.result
        self._evaluated.add(root_urlconf)
        self._guarded(lambda: self._module(info, "", None, 0), root_urlconf)
        self._deduplicate()
        return self.result

    def _guarded(self, evaluate: Callable[[], None], where: str) -> None:
        """A bound the evaluation missed costs the routes past it, never the scan: those
        read so far are kept, and the user is told in one line."""
        try:
            evaluate()
        except RecursionError:
            self._active.clear()
            self.result.findings.append(
                Finding(
                    "urlconf",
                    f"the URLconf under {where} nests too deep to follow: the routes read "
                    "before that point are kept",
                )
            )

    def evaluate_extra(self, urlconf: UrlconfUnderTest) -> UrlconfResult:
        """A URLconf the tests route through (`override_settings(ROOT_URLCONF=...)`): its
        routes join the root URLconf's, each route once however many URLconfs reach it."""
        if urlconf.target in self._evaluated:
            return self.result
        self._evaluated.add(urlconf.target)
        before = set(self.result.routes)
        self._guarded(lambda: self._extra(urlconf), urlconf.target)
        self._deduplicate()
        added = [r for r in self.result.routes if r not in before]
        if added:
            # Labelled: Django serves these only while a test overrides ROOT_URLCONF.
            self.result.findings.append(
                Finding(
                    TEST_URLCONF,
                    f"test-only URLconf {urlconf.target}: {len(added)} "
                    f"route{'' if len(added) == 1 else 's'} the tests route "
                    f"through (set at {urlconf.location}), not served under ROOT_URLCONF: "
                    + ", ".join(sorted({r.pattern or "/" for r in added})[:6])
                    + ("…" if len({r.pattern for r in added}) > 6 else ""),
                    urlconf.location,
                )
            )
        return self.result

    def _extra(self, urlconf: UrlconfUnderTest) -> None:
        if urlconf.is_class:
            info, klass = self.index.classes[urlconf.target]
            patterns = dict(klass.attributes).get("urlpatterns")
            if patterns is None:
                self._find(
                    "urlconf", f"{urlconf.target} has no urlpatterns attribute", info, klass.line
                )
                return
            scope = _Scope(info, {})
            for item, item_scope in self._items(patterns, scope, klass.line):
                self._pattern(item, item_scope, "", None, 0, klass.line)
        else:
            module = self.index.modules.get(urlconf.target)
            if module is None:
                self.result.findings.append(
                    Finding(
                        "urlconf",
                        f"the tests' URLconf {urlconf.target!r} is not a module of the project",
                        urlconf.location,
                    )
                )
                return
            self._module(module, "", None, 0)

    def _deduplicate(self) -> None:
        self.result.routes = list(dict.fromkeys(self.result.routes))
        self.result.framework = list(dict.fromkeys(self.result.framework))

    # Lists of patterns -------------------------------------------------------------------

    def _module(self, info: ModuleInfo, prefix: str, namespace: str | None, depth: int) -> None:
        if info.name in self._active or depth > _MAX_DEPTH:
            self._find("urlconf", f"include cycle through {info.name}", info, 1)
            return
        self._active.add(info.name)
        try:
            scope = _Scope(info, {})
            items = self._module_urlpatterns(info, scope)
            if items is None:
                self._find(
                    "urlconf",
                    f"{info.name} has no urlpatterns that can be read statically",
                    info,
                    1,
                )
                return
            for item, item_scope, line in items:
                self._pattern(item, item_scope, prefix, namespace, depth, line)
        finally:
            self._active.discard(info.name)

    def _module_urlpatterns(
        self, info: ModuleInfo, scope: _Scope
    ) -> list[tuple[Expr | _RouterUrls, _Scope, int]] | None:
        items = self._imported_urlpatterns(info)
        for statement, statement_scope in self._statements(info, scope):
            # `urlpatterns = format_suffix_patterns(urlpatterns)`, `urlpatterns = urlpatterns
            # + [...]`: the name means the list built so far, not this assignment again.
            if items is not None:
                self._so_far[info.name] = [(e, sc) for e, sc, _ in items]
            if items is not None and statement.target == "urlpatterns":
                # `urlpatterns = [path(prefix, include(urlpatterns))]`: the list so far.
                statement_scope = replace(
                    statement_scope,
                    values={**statement_scope.values, "urlpatterns": _SoFar(tuple(items))},
                )
            if statement.target == "urlpatterns" and statement.kind == "assign":
                items = [
                    (e, sc, statement.line)
                    for e, sc in self._items(statement.value, statement_scope, statement.line)
                ]
            elif statement.target == "urlpatterns" and statement.kind == "augassign":
                items = (items or []) + [
                    (e, sc, statement.line)
                    for e, sc in self._items(statement.value, statement_scope, statement.line)
                ]
            elif statement.kind == "call" and isinstance(statement.value, Call):
                func = statement.value.func
                if isinstance(func, Name) and func.dotted in (
                    "urlpatterns.append",
                    "urlpatterns.extend",
                ):
                    args = statement.value.args
                    if not args:
                        continue
                    new = (
                        [(args[0], statement_scope)]
                        if func.dotted.endswith("append")
                        else (self._items(args[0], statement_scope, statement.line))
                    )
                    items = (items or []) + [(e, sc, statement.line) for e, sc in new]
        self._so_far.pop(info.name, None)
        return items

    def _imported_urlpatterns(
        self, info: ModuleInfo
    ) -> list[tuple[Expr | _RouterUrls, _Scope, int]] | None:
        """`from app.urls import urlpatterns`, then `urlpatterns += [...]`: the list starts as
        the other URLconf's, with everything that module added to it."""
        imported = next((i for i in info.facts.imports if i.local == "urlpatterns"), None)
        if imported is None:
            return None
        qualified = self.index.resolve(info.name, "urlpatterns")
        found = self.index.module_for(qualified) if qualified else None
        if found is None or found[1] != "urlpatterns" or found[0].name in self._active:
            return None
        other = found[0]
        self._active.add(other.name)
        try:
            items = self._module_urlpatterns(other, _Scope(other, {}))
        finally:
            self._active.discard(other.name)
        return list(items) if items is not None else None

    def _statements(self, info: ModuleInfo, scope: _Scope) -> Iterator[tuple[Statement, _Scope]]:
        """The module's statements as they run: under an `if` whose test is known, only the
        branch taken (`if settings.DEBUG:`, the settings or an app's defaults); under an
        unknown test both branches, said in a finding; under a module-level `for` over a
        sequence the evaluator knows (a registry list, a setting), once per item with the
        loop's names bound to it."""
        for statement in info.facts.statements:
            if statement.target != "urlpatterns" and not (
                statement.kind == "call"
                and isinstance(statement.value, Call)
                and isinstance(statement.value.func, Name)
                and statement.value.func.dotted.startswith("urlpatterns.")
            ):
                yield statement, scope  # only the URL list's statements need the context
                continue
            for loop_scope in self._loop_scopes(info, statement, scope):
                unknown = []
                taken = True
                for test, holds in statement.conditions:
                    value = self._value(test, loop_scope)
                    if value is UNKNOWN:
                        unknown.append(test)
                    elif bool(value) != holds:
                        taken = False
                        break
                if not taken:
                    continue
                if unknown and (info.name, statement.line) not in self._told:
                    self._told.add((info.name, statement.line))
                    tests = ", ".join(_text(test) for test in unknown)
                    self._find(
                        "urlconf",
                        f"routes added under `if {tests}` are kept as conditional: the "
                        "condition is not known statically (both branches are listed)",
                        info,
                        statement.line,
                    )
                yield statement, loop_scope

    def _loop_scopes(self, info: ModuleInfo, statement: Statement, scope: _Scope) -> list[_Scope]:
        scopes = [scope]
        for names, iterable in statement.loops:
            expanded: list[_Scope] = []
            for outer in scopes:
                sequence = self._value(iterable, outer)
                if isinstance(sequence, dict):
                    sequence = list(sequence)
                if not isinstance(sequence, list | tuple):
                    self._find(
                        "urlconf",
                        f"a URL list extended in a loop over {_text(iterable)}, which cannot "
                        "be read statically",
                        info,
                        statement.line,
                    )
                    return []
                for item in list(sequence)[:_MAX_LOOP_ITEMS]:
                    if len(names) == 1:
                        bound = {names[0]: item}
                    elif isinstance(item, list | tuple) and len(item) == len(names):
                        bound = dict(zip(names, item, strict=True))
                    else:
                        continue
                    expanded.append(replace(outer, values={**outer.values, **bound}))
            scopes = expanded[:_MAX_LOOP_ITEMS]
        return scopes

    def _items(
        self, expr: Expr, scope: _Scope, line: int, depth: int = 0
    ) -> list[tuple[Expr | _RouterUrls, _Scope]]:
        """The pattern expressions a list-valued expression stands for, each with the scope
        its names resolve in (a list returned by `get_urls()` resolves in that method)."""
        if depth > _MAX_DEPTH:
            return []
        down = depth + 1
        if isinstance(expr, Seq):
            items: list[tuple[Expr | _RouterUrls, _Scope]] = []
            for item in expr.items:
                if isinstance(item, Starred):
                    items.extend(self._items(item.value, scope, line, down))
                else:
                    items.append((item, scope))
            return items
        if isinstance(expr, BinOp) and expr.op == "Add":
            return self._items(expr.left, scope, line, down) + self._items(
                expr.right, scope, line, down
            )
        if isinstance(expr, Name):
            kept = scope.values.get(expr.dotted)
            if isinstance(kept, _SoFar):
                return [(e, sc) for e, sc, _ in kept.items]
            if expr.dotted == "urlpatterns" and not scope.bindings:
                so_far = self._so_far.get(scope.info.name)
                if so_far is not None:
                    return list(so_far)
            router = self._router_urls(expr, scope)
            if router is not None:
                return [(router, scope)]
            value = self._lookup(expr.dotted, scope)
            if value is not None:
                return self._items(
                    value[1].value if isinstance(value[1], Binding) else value[1],
                    value[0],
                    line,
                    down,
                )
            self._find(
                "urlconf",
                f"cannot follow {expr.dotted!r} to a list of URL patterns",
                scope.info,
                line,
            )
            return []
        if (
            isinstance(expr, Attr)
            and expr.attr == "urlpatterns"
            and isinstance(expr.value, Call)
            and self._qualified(expr.value.func, scope) in _IMPORT_BY_NAME
            and expr.value.args
        ):  # `import_module(f"{provider.package}.urls").urlpatterns`
            module_name = self._value(expr.value.args[0], scope)
            module = self.index.modules.get(module_name) if isinstance(module_name, str) else None
            if module is not None and module.name not in self._active:
                self._active.add(module.name)
                try:
                    found = self._module_urlpatterns(module, _Scope(module, {}))
                finally:
                    self._active.discard(module.name)
                return [(e, sc) for e, sc, _ in found or []]
        if isinstance(expr, Comprehension) and expr.kind in ("list", "generator", "set"):
            expanded = self._comprehension(expr, scope)
            if expanded is not None:
                items = []
                for element, element_scope in expanded:
                    items.extend(self._items(Seq("list", (element,)), element_scope, line, down))
                return items
        if isinstance(expr, Call):
            qualified = self._qualified(expr.func, scope)
            if qualified in _STATIC:
                return []  # serves files in DEBUG only: no project view
            if qualified in _I18N:
                return [(Call(Name("__i18n__"), expr.args, (), expr.line, expr.column), scope)]
            if qualified == _FORMAT_SUFFIX and expr.args:
                # Each pattern, then its `.json`-style twin (rest_framework/urlpatterns.py).
                return [
                    (Call(_SUFFIX_MARK, (item,), expr.kwargs, expr.line, expr.column), sub)
                    for item, sub in self._items(expr.args[0], scope, line, down)
                    if not isinstance(item, _RouterUrls)
                ]
            modules = self._module_lists(expr, scope, qualified)
            if modules is not None:
                return modules
            returned = self._returned_list(expr, scope)
            if returned is not None:
                return self._items(returned[1], returned[0], line, down)
            if (
                qualified is None
                and isinstance(expr.func, Name)
                and expr.func.dotted in ("list", "tuple")
                and len(expr.args) == 1
            ):  # `list(other.urlpatterns) + [...]`
                return self._items(expr.args[0], scope, line, down)
            if qualified in _PATH_FUNCTIONS:
                return [(expr, scope)]
        self._find(
            "urlconf",
            "a URL list built at run time cannot be read statically",
            scope.info,
            getattr(expr, "line", line),
        )
        return []

    def _module_lists(
        self, call: Call, scope: _Scope, qualified: str | None
    ) -> list[tuple[Expr | _RouterUrls, _Scope]] | None:
        """A project function that gathers other URLconfs' lists, run by the evaluator:
        `for cls in registry.get_class_list(): patterns += getattr(import_module(
        cls.get_package() + ".urls"), "urlpatterns", None)`. Each module's patterns, in
        order; None when the function returns no such list."""
        if qualified not in self.index.functions and not (
            isinstance(call.func, Name) and "." in call.func.dotted
        ):
            return None
        value = self._value(call, scope)
        if not isinstance(value, list | tuple) or not any(
            isinstance(item, ModuleMember) for item in value
        ):
            return None
        items: list[tuple[Expr | _RouterUrls, _Scope]] = []
        for member in value:
            if not isinstance(member, ModuleMember):
                continue
            module = self.index.modules.get(member.module)
            if module is None or module.name in self._active:
                continue
            self._active.add(module.name)
            try:
                found = self._module_urlpatterns(module, _Scope(module, {}))
            finally:
                self._active.discard(module.name)
            items.extend((e, sc) for e, sc, _ in found or [])
        return items

    def _comprehension(
        self, expr: Comprehension, scope: _Scope
    ) -> list[tuple[Expr, _Scope]] | None:
        """`[path(f"{slug}/", view) for slug, view in PAGES]` over a sequence written in this
        module (or `range(n)`): the element once per item, its loop names bound to the item."""
        sequence = self._sequence_items(expr.iterable, scope)
        if sequence is None:
            return None
        expanded: list[tuple[Expr, _Scope]] = []
        for item in sequence[:_MAX_LOOP_ITEMS]:
            if len(expr.targets) == 1:
                values: tuple[Expr, ...] = (item,)
            elif isinstance(item, Seq) and len(item.items) == len(expr.targets):
                values = item.items
            else:
                return None
            bindings = dict(scope.bindings)
            for target, value in zip(expr.targets, values, strict=True):
                bindings[target] = [Binding(target, value, 0, False)]
            expanded.append((expr.element, _Scope(scope.info, bindings)))
        return expanded

    def _sequence_items(self, expr: Expr, scope: _Scope) -> tuple[Expr, ...] | None:
        if isinstance(expr, Seq):
            return expr.items if not any(isinstance(i, Starred) for i in expr.items) else None
        if isinstance(expr, Call) and expr.func == Name("range") and "range" not in scope.bindings:
            bounds = [self._value(arg, scope) for arg in expr.args]
            if bounds and all(isinstance(b, int) and not isinstance(b, bool) for b in bounds):
                return tuple(Const(i) for i in range(*bounds[:3])[:_MAX_LOOP_ITEMS])
            return None
        if isinstance(expr, Call) and isinstance(expr.func, Name):
            owner, _, method = expr.func.dotted.rpartition(".")
            if method == "items" and owner and not expr.args:  # `for key, value in D.items()`
                found = self._lookup(owner, scope)
                if found and isinstance(found[1], Mapping) and found[0].info is scope.info:
                    mapping = found[1]
                    return tuple(
                        Seq("tuple", (key, item))
                        for key, item in zip(mapping.keys, mapping.values, strict=True)
                        if key is not None
                    )
            return None
        if isinstance(expr, Name):
            found = self._lookup(expr.dotted, scope)
            if found is None or found[0].info is not scope.info:
                return None  # items written elsewhere would resolve in another module
            target = found[1].value if isinstance(found[1], Binding) else found[1]
            if isinstance(found[1], Binding) and found[1].from_loop:
                return None
            return self._sequence_items(target, scope)
        return None

    def _lookup(self, dotted: str, scope: _Scope) -> tuple[_Scope, Expr | Binding] | None:
        bindings = scope.bindings.get(dotted)
        if bindings:
            return scope, bindings[-1]
        symbol = scope.info.symbols.get(dotted)
        if symbol is not None and symbol.kind == "value" and symbol.value is not None:
            return scope, symbol.value
        qualified = self.index.resolve(scope.info.name, dotted)
        if qualified is None:
            return None
        value = self.index.value_of(qualified)
        if value is None:
            return None
        return _Scope(value[0], {}), value[1]

    def _qualified(self, expr: Expr, scope: _Scope) -> str | None:
        if isinstance(expr, Name):
            return self._scoped_name(expr.dotted, scope)
        return None

    def _scoped_name(self, dotted: str, scope: _Scope) -> str | None:
        """Resolve through a function's own imports first (`from app import views` inside
        `get_urls()`), then the module's."""
        head, _, rest = dotted.partition(".")
        bindings = scope.bindings.get(head)
        if bindings and isinstance(bindings[-1].value, ImportedName):
            base = self.index.imported(scope.info.name, bindings[-1].value)
            if base is not None:
                return self.index.canonical(f"{base}.{rest}" if rest else base)
        return self.index.resolve(scope.info.name, dotted)

    def _returned_list(self, call: Call, scope: _Scope) -> tuple[_Scope, Expr] | None:
        """The list a URL-providing method returns: `apps.get_app_config("x").get_urls()`,
        `SomeConfig.get_urls()`, `helpers.build_urls()`."""
        function = self._url_provider(call, scope)
        if function is None:
            return None
        entry = self.index.functions.get(function)
        if entry is None:
            return None
        info, facts = entry
        bindings: dict[str, list[Binding]] = {}
        values: dict[str, Any] = {}
        # `build_patterns("api")`: the parameters the call gives a known value (a string, a
        # number, a project class: `default_urlpatterns(GoogleProvider)`), so the routes
        # the function builds read as the call would make them.
        parameters = [p for p in facts.params if p not in ("self", "cls")]
        given = [(p, a, scope) for p, a in zip(parameters, call.args, strict=False)]
        given += [(k, v, scope) for k, v in call.kwargs if k is not None]
        passed = {name for name, _, _ in given}
        given += [(n, d, _Scope(info, {})) for n, d in facts.defaults if n not in passed]
        for name, argument, where in given:
            value = self._value(argument, where)
            if isinstance(value, str | int | float) and not isinstance(value, bool):
                bindings[name] = [Binding(name, Const(value), facts.line, False)]
            elif isinstance(value, ObjectRef) and value.qualified in self.index.classes:
                values[name] = value
            elif where.info is info and not where.bindings and not where.values:
                # A view or list passed in, or a default: written where the function is, so
                # its names resolve there too.
                bindings[name] = [Binding(name, argument, facts.line, False)]
        for binding in facts.bindings:
            bindings.setdefault(binding.name, []).append(binding)
        for name in values:
            bindings.pop(name, None)
        for returned in facts.returns:
            return _Scope(info, bindings, values), returned
        return None

    def _url_provider(self, call: Call, scope: _Scope) -> str | None:
        func = call.func
        if isinstance(func, Attr) and isinstance(func.value, Call):
            inner = func.value
            inner_name = self._qualified(inner.func, scope)
            if inner_name == "django.apps.apps.get_app_config" and inner.args:
                label = inner.args[0]
                if isinstance(label, Const) and isinstance(label.value, str):
                    config = self._app_config(label.value)
                    if config is not None:
                        return self.index.find_method(config, func.attr)
                return None
            klass = self._qualified(inner.func, scope)
            if klass is not None and klass in self.index.classes:
                return self.index.find_method(klass, func.attr)
            return None
        if isinstance(func, Name):
            qualified = self._qualified(func, scope)
            if qualified is None:
                return None
            if qualified in self.index.functions:
                return qualified
            owner, _, method = qualified.rpartition(".")
            if owner in self.index.classes:
                return self.index.find_method(owner, method)
        return None

    def _app_config(self, label: str) -> str | None:
        for qualified, (info, klass) in self.index.classes.items():
            if not self.index.is_subclass(qualified, frozenset({django_api.APP_CONFIG})):
                continue
            values = {name: literal(self.index, info, expr) for name, expr in klass.attributes}
            name = values.get("name")
            explicit = values.get("label")
            default_label = name.rsplit(".", 1)[-1] if isinstance(name, str) else None
            if label in (explicit, default_label):
                return qualified
        return None

    # One pattern -------------------------------------------------------------------------

    def _pattern(
        self,
        expr: Expr | _RouterUrls,
        scope: _Scope,
        prefix: str,
        namespace: str | None,
        depth: int,
        line: int,
    ) -> None:
        if depth > _MAX_DEPTH:
            self._find("urlconf", "URL patterns included too deep to follow", scope.info, line)
            return
        if isinstance(expr, Call) and expr.func == _SUFFIX_MARK:
            self._format_suffixed(expr, scope, prefix, namespace, depth, line)
            return
        if isinstance(expr, Call) and expr.func == Name("__i18n__"):
            for item in expr.args:
                subs = (
                    [(item, scope)]
                    if isinstance(item, Call)
                    else self._items(item, scope, expr.line)
                )
                for sub, sub_scope in subs:
                    self._pattern(sub, sub_scope, prefix + "<language>/", namespace, depth, line)
            return
        if isinstance(expr, _RouterUrls):
            self._router(expr, prefix, namespace)
            return
        if not isinstance(expr, Call):
            self._find(
                "urlconf", "a URL pattern that is not a path()/re_path() call", scope.info, line
            )
            return
        kind = _PATH_FUNCTIONS.get(self._qualified(expr.func, scope) or "")
        if kind is None:
            self._find(
                "urlconf",
                f"unrecognised URL pattern call {_text(expr.func)}()",
                scope.info,
                expr.line,
            )
            return
        route_expr = expr.args[0] if expr.args else expr.kwarg("route")
        view_expr = expr.args[1] if len(expr.args) > 1 else expr.kwarg("view")
        name_expr = expr.kwarg("name")
        if name_expr is None and len(expr.args) > 3:
            name_expr = expr.args[3]
        if route_expr is None or view_expr is None:
            return
        route, unknown = self._route_text(route_expr, scope)
        if unknown:
            self._find(
                "urlconf",
                f"a URL pattern computed at run time: {', '.join(unknown)} kept as a placeholder",
                scope.info,
                expr.line,
            )
        pattern = prefix + route
        name = (
            name_expr.value
            if isinstance(name_expr, Const) and isinstance(name_expr.value, str)
            else None
        )
        if name is None and name_expr is not None:  # `name=provider.id + "_login"`
            computed = self._value(name_expr, scope)
            name = computed if isinstance(computed, str) else None
        full_name = f"{namespace}:{name}" if namespace and name else name
        location = Location(scope.info.path, expr.line, expr.column)
        if isinstance(view_expr, Call) and self._qualified(view_expr.func, scope) == _INCLUDE:
            self._include(view_expr, scope, pattern, namespace, depth)
            return
        if (
            isinstance(view_expr, Seq)
            and view_expr.kind in ("tuple", "list")
            and (len(view_expr.items) == 3)
        ):
            # `path("admin/", admin.site.urls)` evaluates to such a 3-tuple.
            self._include_target(view_expr, scope, pattern, namespace, depth, expr.line, None)
            return
        if isinstance(view_expr, Name) and self._qualified(view_expr, scope) in _ADMIN_URLS:
            self.result.framework.append(
                FrameworkRoute(
                    "admin", pattern + "…", full_name, "django.contrib.admin.site", location
                )
            )
            return
        self._view(view_expr, scope, pattern, full_name, location, (), 0)

    def _value(self, expr: Expr, scope: _Scope) -> Any:
        """What `expr` evaluates to where the pattern stands (a `get_urls()` body's locals
        first), through the evaluator: settings, f-strings, project functions' returns."""
        locals_ = {
            name: bindings[-1].value
            for name, bindings in scope.bindings.items()
            if not bindings[-1].from_loop
        }
        return self.values.in_function(scope.info, locals_, expr, values=scope.values)

    def _route_text(self, expr: Expr, scope: _Scope) -> tuple[str, list[str]]:
        """The route string, with `{...}` standing for each part only known at run time (a
        placeholder, never a reason to drop the route or what is included under it)."""
        value = self._value(expr, scope)
        if isinstance(value, str):
            return value, []
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value), []
        parts: tuple[Expr, ...]
        if isinstance(expr, FString):
            parts = expr.parts
        elif isinstance(expr, BinOp) and expr.op == "Add":
            parts = (expr.left, expr.right)
        else:
            shown = _text(expr) if isinstance(expr, Name | Call | Attr) else "…"
            placeholder = "{" + shown + "}"
            return placeholder, [placeholder]
        texts: list[str] = []
        unknown: list[str] = []
        for part in parts:
            text, missing = self._route_text(part, scope)
            texts.append(text)
            unknown.extend(missing)
        return "".join(texts), unknown

    def _format_suffixed(
        self,
        mark: Call,
        scope: _Scope,
        prefix: str,
        namespace: str | None,
        depth: int,
        line: int,
    ) -> None:
        """DRF's format_suffix_patterns(): every route the pattern adds (under an include
        too) also gets a twin ending in a format suffix, and loses the original when
        `suffix_required=True` (rest_framework/urlpatterns.py, apply_suffix_patterns)."""
        item = mark.args[0]
        before = len(self.result.routes)
        self._pattern(item, scope, prefix, namespace, depth, line)
        added = self.result.routes[before:]
        kind = (
            _PATH_FUNCTIONS.get(self._qualified(item.func, scope) or "")
            if isinstance(item, Call)
            else None
        )
        required = mark.kwarg("suffix_required")
        keep = not (isinstance(required, Const) and required.value is True)
        routes: list[RouteEntry] = []
        for entry in added:
            if keep:
                routes.append(entry)
            regex = kind == "re_path" or entry.pattern.endswith("$")
            stem = entry.pattern.rstrip("$").rstrip("/")
            suffixed = stem + (
                r"\.(?P<format>[a-z0-9]+)/?$" if regex else ".<drf_format_suffix:format>"
            )
            routes.append(replace(entry, pattern=suffixed))
        self.result.routes[before:] = routes

    def _include(
        self, call: Call, scope: _Scope, pattern: str, namespace: str | None, depth: int
    ) -> None:
        if not call.args:
            return
        target = call.args[0]
        explicit_ns = call.kwarg("namespace")
        ns = (
            explicit_ns.value
            if isinstance(explicit_ns, Const) and isinstance(explicit_ns.value, str)
            else None
        )
        self._include_target(target, scope, pattern, namespace, depth, call.line, ns)

    def _include_target(
        self,
        target: Expr,
        scope: _Scope,
        pattern: str,
        namespace: str | None,
        depth: int,
        line: int,
        ns: str | None,
    ) -> None:
        if isinstance(target, Seq) and target.kind == "tuple" and len(target.items) >= 2:
            app_name = target.items[1]
            app = (
                app_name.value
                if isinstance(app_name, Const) and isinstance(app_name.value, str)
                else None
            )
            if len(target.items) == 3 and ns is None:
                third = target.items[2]
                ns = (
                    third.value
                    if isinstance(third, Const) and isinstance(third.value, str)
                    else None
                )
            self._include_target(target.items[0], scope, pattern, namespace, depth, line, ns or app)
            return
        if not isinstance(target, Const):
            named = self._value(target, scope)  # `include(URLCONF)`, URLCONF a string
            if isinstance(named, str):
                target = Const(named)
        if isinstance(target, Const) and isinstance(target.value, str):
            module = self.index.modules.get(target.value)
            if module is None:
                top = target.value.split(".")[0]
                if target.value.startswith(("django.", "rest_framework")) or not any(
                    m == top or m.startswith(top + ".") for m in self._top_packages()
                ):
                    # A third-party app's URLconf (`include("allauth.urls")`): listed with
                    # the package it comes from; its views are that package's code.
                    self.result.framework.append(
                        FrameworkRoute(
                            target.value.split(".")[0],
                            pattern + "…",
                            None,
                            target.value,
                            Location(scope.info.path, line),
                        )
                    )
                    return
                self._find(
                    "urlconf",
                    f"include({target.value!r}): no such module in the project",
                    scope.info,
                    line,
                )
                return
            self._module(
                module, pattern, _join_ns(namespace, ns or self._app_name(module)), depth + 1
            )
            return
        if isinstance(target, Name):
            if self._qualified(target, scope) in _ADMIN_URLS:
                self.result.framework.append(
                    FrameworkRoute(
                        "admin",
                        pattern + "…",
                        None,
                        "django.contrib.admin.site",
                        Location(scope.info.path, line),
                    )
                )
                return
            router = self._router_urls(target, scope)
            if router is not None:
                self._router(router, pattern, _join_ns(namespace, ns))
                return
            qualified = self._qualified(target, scope)
            if qualified is not None and qualified in self.index.modules:
                module = self.index.modules[qualified]
                self._module(
                    module, pattern, _join_ns(namespace, ns or self._app_name(module)), depth + 1
                )
                return
        for item, item_scope in self._items(target, scope, line):
            self._pattern(item, item_scope, pattern, _join_ns(namespace, ns), depth + 1, line)

    def _top_packages(self) -> set[str]:
        if self._tops is None:
            self._tops = {name.split(".")[0] for name in self.index.modules}
        return self._tops

    def _app_name(self, info: ModuleInfo) -> str | None:
        symbol = info.symbols.get("app_name")
        if (
            symbol is not None
            and isinstance(symbol.value, Const)
            and isinstance(symbol.value.value, str)
        ):
            return symbol.value.value
        return None

    def _view(
        self,
        expr: Expr,
        scope: _Scope,
        pattern: str,
        name: str | None,
        location: Location,
        decorators: tuple[str, ...],
        depth: int,
    ) -> None:
        if depth > _MAX_DEPTH:
            return
        if isinstance(expr, Call):
            func = expr.func
            named = self._value(expr, scope)  # `import_string("app.views.home")`
            if isinstance(named, ObjectRef) and named.qualified in self.index.functions:
                self._record(named.qualified, pattern, name, location, decorators, (), None)
                return
            if isinstance(named, ModuleMember):
                # `import_attribute(provider.get_package() + ".views.oauth2_login")`: a view
                # another module makes (`oauth2_login = View.adapter_view(Adapter)`).
                made_in = self.index.value_of(f"{named.module}.{named.name}")
                if made_in is not None:
                    self._view(
                        made_in[1],
                        _Scope(made_in[0], {}),
                        pattern,
                        name,
                        location,
                        decorators,
                        depth + 1,
                    )
                    return
            if isinstance(func, Attr) and func.attr == "as_view":
                # `get_refresh_view().as_view()`: a function that returns the view class.
                made = self._value(func.value, scope)
                if isinstance(made, ObjectRef) and made.qualified in self.index.classes:
                    self._record(
                        made.qualified,
                        pattern,
                        name,
                        location,
                        decorators,
                        (),
                        None,
                        self._initkwargs(expr, scope),
                    )
                    return
            if isinstance(func, Name) and func.dotted.endswith(".as_view"):
                klass = self.index.resolve(scope.info.name, func.dotted[: -len(".as_view")])
                if klass not in self.index.classes:
                    # `Callback = import_string(setting_or_default)`, `Callback.as_view()`
                    named = self._value(Name(func.dotted[: -len(".as_view")]), scope)
                    if isinstance(named, ObjectRef) and named.qualified in self.index.classes:
                        klass = named.qualified
                if klass is None:
                    self._find(
                        "urlconf", f"cannot resolve {func.dotted}", scope.info, location.line
                    )
                    return
                methods: tuple[str, ...] = ()
                action: str | None = None
                if expr.args and isinstance(expr.args[0], Mapping):
                    mapping = expr.args[0]
                    methods = tuple(
                        k.value
                        for k in mapping.keys
                        if isinstance(k, Const) and isinstance(k.value, str)
                    )
                    action = ",".join(
                        v.value
                        for v in mapping.values
                        if isinstance(v, Const) and isinstance(v.value, str)
                    )
                self._record(
                    klass,
                    pattern,
                    name,
                    location,
                    decorators,
                    methods,
                    action,
                    self._initkwargs(expr, scope),
                )
                return
            made = self._factory_view(expr, scope)
            if made is not None:
                self._record(made[0], pattern, name, location, decorators, (), None, made[1])
                return
            wrapper = self._qualified(func, scope)
            if wrapper is not None and self._instance_view(wrapper):
                # `path("feed/", LatestEntries())`: Django calls the instance per request.
                self._record(wrapper, pattern, name, location, decorators, (), None)
                return
            if expr.args and wrapper is not None:
                if wrapper != _PARTIAL:
                    decorators = (*decorators, wrapper)
                self._view(expr.args[0], scope, pattern, name, location, decorators, depth + 1)
                return
            if isinstance(func, Call):  # decorator factories: cache_page(60)(view)
                factory = self._qualified(func.func, scope)
                if expr.args and factory is not None:
                    self._view(
                        expr.args[0],
                        scope,
                        pattern,
                        name,
                        location,
                        (*decorators, factory),
                        depth + 1,
                    )
                    return
            self._find(
                "urlconf", f"cannot tell which view {_text(expr)} is", scope.info, location.line
            )
            return
        if isinstance(expr, Name):
            qualified = self._scoped_name(expr.dotted, scope)
            if qualified is None:
                bindings = scope.bindings.get(expr.dotted)
                if bindings:
                    self._view(
                        bindings[-1].value, scope, pattern, name, location, decorators, depth + 1
                    )
                    return
                self._find(
                    "urlconf", f"cannot resolve view {expr.dotted!r}", scope.info, location.line
                )
                return
            if qualified in self.index.functions or qualified in self.index.classes:
                self._record(qualified, pattern, name, location, decorators, (), None)
                return
            named = self._value(expr, scope)
            if isinstance(named, ObjectRef) and (
                named.qualified in self.index.functions or named.qualified in self.index.classes
            ):
                self._record(named.qualified, pattern, name, location, decorators, (), None)
                return
            value = self.index.value_of(qualified)
            if value is not None:
                self._view(
                    value[1], _Scope(value[0], {}), pattern, name, location, decorators, depth + 1
                )
                return
            if self.index.module_for(qualified) is None:
                group = qualified.split(".")[0]
                self.result.framework.append(
                    FrameworkRoute(group, pattern, name, qualified, location)
                )
                return
            self._find("urlconf", f"cannot find the view {qualified}", scope.info, location.line)
            return
        self._find("urlconf", f"cannot tell which view {_text(expr)} is", scope.info, location.line)

    def _instance_view(self, klass: str) -> bool:
        """A project class whose instances are views: a syndication `Feed` subclass, or one
        with its own `__call__`."""
        if klass not in self.index.classes:
            return False
        if self.index.is_subclass(klass, _INSTANCE_VIEW_BASES):
            return True
        found = self.index.find_method(klass, "__call__")
        return found is not None

    def _record(
        self,
        view: str,
        pattern: str,
        name: str | None,
        location: Location,
        decorators: tuple[str, ...],
        methods: tuple[str, ...],
        action: str | None,
        bindings: tuple[BoundAttribute, ...] = (),
    ) -> None:
        if view not in self.index.functions and view not in self.index.classes:
            self.result.framework.append(
                FrameworkRoute(view.split(".")[0], pattern, name, view, location)
            )
            return
        self.result.routes.append(
            RouteEntry(view, pattern, name, location, decorators, methods, action, bindings)
        )

    def _factory_view(
        self, call: Call, scope: _Scope
    ) -> tuple[str, tuple[BoundAttribute, ...]] | None:
        """`ProviderView.adapter_view(GitHubAdapter)`: a classmethod returning a closure that
        makes an instance of the class it is called on (`self = cls()`) and stores what it was
        given on it (`self.adapter = adapter(request)`). The view is that class; what the
        closure stores becomes a known type of the route."""
        if not isinstance(call.func, Name) or "." not in call.func.dotted:
            return None
        owner, _, method = call.func.dotted.rpartition(".")
        klass = self._qualified(Name(owner), scope)
        if klass is None or klass not in self.index.classes:
            return None
        found = self.index.find_method(klass, method)
        entry = self.index.functions.get(found or "")
        if found is None or entry is None:
            return None
        factory = entry[1]
        if not factory.params or not any(
            isinstance(d, Name) and d.dotted == "classmethod" for d in factory.decorators
        ):
            return None
        returned = [r.dotted for r in factory.returns if isinstance(r, Name)]
        closure = next((r for r in returned if r in factory.nested), None)
        inner = self.index.functions.get(f"{found}.<locals>.{closure}") if closure else None
        if inner is None:
            return None
        cls_param, given = factory.params[0], factory.params[1:]
        instances = {
            b.name
            for b in inner[1].bindings
            if isinstance(b.value, Call)
            and isinstance(b.value.func, Name)
            and b.value.func.dotted == cls_param
        }
        if not instances:
            return None
        arguments: dict[str, Expr] = dict(zip(given, call.args, strict=False))
        arguments.update({k: v for k, v in call.kwargs if k is not None})
        bound: list[BoundAttribute] = []
        for local, attribute, value in inner[1].attribute_assignments:
            kind = "class"
            if isinstance(value, Call) and isinstance(value.func, Name):
                value, kind = value.func, "instance"
            if local not in instances or not isinstance(value, Name):
                continue
            argument = arguments.get(value.dotted)
            qualified = self._qualified(argument, scope) if argument is not None else None
            if qualified in self.index.classes:
                bound.append(BoundAttribute(attribute, qualified, kind))
        return klass, tuple(bound)

    def _initkwargs(self, call: Call, scope: _Scope) -> tuple[BoundAttribute, ...]:
        """`View.as_view(client_class=PayPalClient, backend=Backend())`: the project classes
        and functions the route binds on its view instance."""
        bound: list[BoundAttribute] = []
        for attribute, value in call.kwargs:
            if attribute is None:
                continue
            kind = "class"
            if isinstance(value, Call):
                value, kind = value.func, "instance"
            qualified = self._qualified(value, scope)
            if qualified is None:
                named = self._value(value, scope)
                qualified = named.qualified if isinstance(named, ObjectRef) else None
            if qualified in self.index.classes:
                bound.append(BoundAttribute(attribute, qualified, kind))
            elif qualified in self.index.functions and kind == "class":
                bound.append(BoundAttribute(attribute, qualified, "function"))
        return tuple(bound)

    # DRF routers -------------------------------------------------------------------------

    def _router_urls(self, expr: Name, scope: _Scope) -> _RouterUrls | None:
        if not expr.dotted.endswith(".urls"):
            return None
        owner = expr.dotted[: -len(".urls")]
        qualified = self.index.resolve(scope.info.name, owner)
        if qualified is None:
            return None
        value = self.index.value_of(qualified)
        if value is None or not isinstance(value[1], Call):
            return None
        router_info, router_expr = value[0], value[1]
        router_class = self.index.resolve(router_info.name, _text(router_expr.func))
        # The project's own router subclass routes as the DRF router it extends.
        ancestry = self.index.mro(router_class) if router_class else ()
        drf_router = next((k for k in ancestry if k in _ROUTERS), None)
        if drf_router is None:
            return None
        local = qualified.rsplit(".", 1)[1]
        trailing = router_expr.kwarg("trailing_slash")
        slash = "/" if not (isinstance(trailing, Const) and trailing.value is False) else ""
        return _RouterUrls(router_info.name, local, _ROUTERS[drf_router], slash)

    def _router(self, router: _RouterUrls, prefix: str, namespace: str | None) -> None:
        info = self.index.modules[router.module]
        registrations: list[tuple[str, str, str | None, int]] = []
        for statement in info.facts.statements:
            value = statement.value
            if statement.kind != "call" or not isinstance(value, Call):
                continue
            if value.func != Name(f"{router.name}.register") or len(value.args) < 2:
                continue
            viewset = self.index.resolve(info.name, _text(value.args[1]))
            basename = value.kwarg("basename") or (value.args[2] if len(value.args) > 2 else None)
            if viewset is None:
                self._find(
                    "urlconf",
                    "router.register() with a viewset computed at run time",
                    info,
                    statement.line,
                )
                continue
            route_prefix, unknown = self._route_text(value.args[0], _Scope(info, {}))
            if unknown:
                self._find(
                    "urlconf",
                    "router.register() with a prefix computed at run time: "
                    f"{', '.join(unknown)} kept as a placeholder",
                    info,
                    statement.line,
                )
            base = (
                basename.value
                if isinstance(basename, Const) and isinstance(basename.value, str)
                else None
            )
            registrations.append((route_prefix, viewset, base, statement.line))
        location_of = {line: Location(info.path, line) for *_, line in registrations}
        if router.default:
            self._add_router_root(prefix, namespace, router)
        for registered_prefix, registered, registered_base, line in registrations:
            base = registered_base or self._basename(registered)
            for regex, methods, action, suffix in self._viewset_routes(
                registered, registered_prefix, router.slash
            ):
                name = f"{base}-{suffix}"
                self.result.routes.append(
                    RouteEntry(
                        registered,
                        prefix + regex,
                        _join_name(namespace, name),
                        location_of[line],
                        (),
                        methods,
                        action,
                    )
                )
                if router.default:
                    suffixed = regex.rstrip("$").rstrip("/") + r"\.(?P<format>[a-z0-9]+)/?$"
                    self.result.routes.append(
                        RouteEntry(
                            registered,
                            prefix + suffixed,
                            _join_name(namespace, name),
                            location_of[line],
                            (),
                            methods,
                            action,
                        )
                    )

    def _add_router_root(self, prefix: str, namespace: str | None, router: _RouterUrls) -> None:
        """DefaultRouter's API root: `path('', ...)` plus its format-suffix twin
        (rest_framework/routers.py, DefaultRouter.get_urls)."""
        location = Location(self.index.modules[router.module].path, 1)
        full = _join_name(namespace, "api-root")
        for pattern in ("", "<drf_format_suffix:format>"):
            self.result.framework.append(
                FrameworkRoute(
                    "rest_framework",
                    prefix + pattern,
                    full,
                    "rest_framework.routers.APIRootView",
                    location,
                )
            )

    def _basename(self, viewset: str) -> str:
        attribute = self.index.class_attribute(viewset, "queryset")
        if attribute is not None:
            info, expr = attribute
            root = expr
            while isinstance(root, Call) and isinstance(root.func, Attr | Name):
                root = (
                    root.func.value
                    if isinstance(root.func, Attr)
                    else Name(root.func.dotted.rsplit(".", 1)[0])
                )
            if isinstance(root, Name):
                model = self.index.resolve(info.name, root.dotted.split(".objects")[0])
                if model:
                    return model.rsplit(".", 1)[-1].lower()
        return viewset.rsplit(".", 1)[-1].lower()

    def _viewset_actions(self, viewset: str) -> list[str]:
        actions: list[str] = []
        for klass in self.index.mro(viewset):
            actions.extend(django_api.DRF_VIEWSET_ACTIONS.get(klass, ()))
            mixin_action = _DRF_MIXIN_ACTIONS.get(klass)
            if mixin_action:
                actions.append(mixin_action)
                if mixin_action == "update":
                    actions.append("partial_update")
            entry = self.index.classes.get(klass)
            if entry is not None:
                actions.extend(
                    m
                    for m in entry[1].methods
                    if m in django_api.DRF_LIST_ACTIONS or m in django_api.DRF_DETAIL_ACTIONS
                )
        return list(dict.fromkeys(actions))

    def _extra_actions(self, viewset: str) -> list[tuple[str, bool, str, tuple[str, ...]]]:
        found: list[tuple[str, bool, str, tuple[str, ...]]] = []
        seen: set[str] = set()
        for klass in self.index.mro(viewset):
            entry = self.index.classes.get(klass)
            if entry is None:
                continue
            info, facts = entry
            for method in facts.methods:
                function = self.index.functions.get(f"{klass}.{method}")
                if function is None or method in seen:
                    continue
                for decorator in function[1].decorators:
                    if not isinstance(decorator, Call):
                        continue
                    if self.index.resolve(info.name, _text(decorator.func)) != _DRF_ACTION:
                        continue
                    seen.add(method)
                    detail = decorator.kwarg("detail")
                    url_path = decorator.kwarg("url_path")
                    http = decorator.kwarg("methods")
                    methods = (
                        tuple(str(i.value).lower() for i in http.items if isinstance(i, Const))
                        if isinstance(http, Seq)
                        else ("get",)
                    )
                    found.append(
                        (
                            method,
                            bool(detail.value) if isinstance(detail, Const) else False,
                            str(url_path.value) if isinstance(url_path, Const) else method,
                            methods,
                        )
                    )
        return found

    def _viewset_routes(
        self, viewset: str, prefix: str, slash: str
    ) -> list[tuple[str, tuple[str, ...], str, str]]:
        lookup_field = "pk"
        lookup_regex = "[^/.]+"
        for attribute in ("lookup_url_kwarg", "lookup_field"):
            value = self.index.class_attribute(viewset, attribute)
            if value is not None:
                evaluated = literal(self.index, value[0], value[1])
                if isinstance(evaluated, str):
                    lookup_field = evaluated
                    break
        regex_value = self.index.class_attribute(viewset, "lookup_value_regex")
        if regex_value is not None:
            evaluated = literal(self.index, regex_value[0], regex_value[1])
            if isinstance(evaluated, str):
                lookup_regex = evaluated
        lookup = f"(?P<{lookup_field}>{lookup_regex})"
        actions = self._viewset_actions(viewset)
        extras = self._extra_actions(viewset)
        routes: list[tuple[str, tuple[str, ...], str, str]] = []
        list_methods = tuple(m for a, m in django_api.DRF_LIST_ACTIONS.items() if a in actions)
        if list_methods:
            routes.append(
                (
                    f"^{prefix}{slash}$",
                    list_methods,
                    ",".join(a for a in django_api.DRF_LIST_ACTIONS if a in actions),
                    "list",
                )
            )
        for method, detail, url_path, methods in extras:
            if not detail:
                routes.append(
                    (f"^{prefix}/{url_path}{slash}$", methods, method, url_path.replace("_", "-"))
                )
        detail_methods = tuple(m for a, m in django_api.DRF_DETAIL_ACTIONS.items() if a in actions)
        if detail_methods:
            routes.append(
                (
                    f"^{prefix}/{lookup}{slash}$",
                    detail_methods,
                    ",".join(a for a in django_api.DRF_DETAIL_ACTIONS if a in actions),
                    "detail",
                )
            )
        for method, detail, url_path, methods in extras:
            if detail:
                routes.append(
                    (
                        f"^{prefix}/{lookup}/{url_path}{slash}$",
                        methods,
                        method,
                        url_path.replace("_", "-"),
                    )
                )
        return routes

    def _find(self, kind: str, message: str, info: ModuleInfo, line: int) -> None:
        self.result.findings.append(Finding(kind, message, Location(info.path, line)))


@dataclass(frozen=True, slots=True)
class _SoFar:
    """A module's `urlpatterns` as built before the statement that reads it."""

    items: tuple[tuple[Expr | _RouterUrls, _Scope, int], ...]


@dataclass(frozen=True, slots=True)
class _RouterUrls:
    module: str
    name: str
    default: bool
    slash: str


def _join_ns(outer: str | None, inner: str | None) -> str | None:
    if outer and inner:
        return f"{outer}:{inner}"
    return inner or outer


def _join_name(namespace: str | None, name: str | None) -> str | None:
    if namespace and name:
        return f"{namespace}:{name}"
    return name


def _text(expr: Expr) -> str:
    if isinstance(expr, Name):
        return expr.dotted
    if isinstance(expr, Call):
        return f"{_text(expr.func)}(…)"
    if isinstance(expr, Attr):
        return f"{_text(expr.value)}.{expr.attr}"
    return type(expr).__name__.lower()
