"""Effect analysis: what each function does that costs time, and the chain that leads there.

A small static type evaluator follows names through imports, local assignments and class
hierarchies (`session = requests.Session()` → `session.get` is HTTP; `Book.objects.filter()`
is a lazy queryset until it is iterated, counted or rendered). Effects are classified by the
catalog, then propagated from callee to caller over the project's own call graph with the
chain kept as evidence.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from advisor import django_api
from advisor.catalog import Catalog, CatalogRow
from advisor.catalog.database import INSTANCE_METHODS, LAZY_QUERYSET_METHODS
from advisor.config import Settings
from advisor.facts import (
    Attr,
    AttributeUse,
    Binding,
    Call,
    CallSite,
    Comprehension,
    Const,
    Expr,
    FunctionFacts,
    ImportedName,
    Mapping,
    Name,
    Seq,
    Starred,
    Subscript,
)
from advisor.index import ModuleInfo, ProjectIndex
from advisor.model import ChainLink, Confidence, Effect, EffectKind, Location, UnknownCall
from advisor.static_eval import module_value

QS = django_api.QUERYSET
MODEL = django_api.MODEL
_MAX_EVAL_DEPTH = 12
_MAX_MULTIPLIER = 1000
_CONSUMING_BUILTINS = frozenset(
    {
        "list",
        "len",
        "bool",
        "tuple",
        "set",
        "sorted",
        "sum",
        "any",
        "all",
        "max",
        "min",
        "dict",
        "enumerate",
        "zip",
        "frozenset",
    }
)
_BUILTINS = frozenset(
    {
        *_CONSUMING_BUILTINS,
        "print",
        "str",
        "int",
        "float",
        "isinstance",
        "getattr",
        "setattr",
        "hasattr",
        "super",
        "range",
        "repr",
        "type",
        "iter",
        "next",
        "map",
        "filter",
        "round",
        "abs",
        "format",
        "vars",
        "id",
        "hash",
        "callable",
        "issubclass",
        "object",
        "divmod",
        "reversed",
        "bytes",
        "bytearray",
        "ord",
        "chr",
        "hex",
        "min",
        "max",
        "open",
    }
)
_RELATION_FIELDS = {
    "django.db.models.ForeignKey": "fk",
    "django.db.models.OneToOneField": "fk",
    "django.db.models.ManyToManyField": "m2m",
    "django.db.models.fields.related.ForeignKey": "fk",
    "django.db.models.fields.related.OneToOneField": "fk",
    "django.db.models.fields.related.ManyToManyField": "m2m",
}
_SHORTCUTS_RETURNING_INSTANCE = frozenset(
    {"django.shortcuts.get_object_or_404", "django.shortcuts.aget_object_or_404"}
)
_VALUE_USE_METHODS = {"index": "__getitem__", "truth": "__len__", "contains": "__contains__"}
_CONFIDENCE_RANK = {Confidence.EXACT: 0, Confidence.HEURISTIC: 1, Confidence.GUESSED: 2}


@dataclass(frozen=True, slots=True)
class T:
    """A static type: what an expression evaluates to, as far as we can tell."""

    kind: str  # module external class instance model_class manager queryset model function
    # method bound request super tuple builtin unknown
    name: str = ""
    model: str = ""
    # A method's receiver (`self` inside it: the concrete class, the manager's model); a
    # tuple's items (a function returning `st, attributes, pgt`).
    owner: T | None = None
    items: tuple[T, ...] = ()


UNKNOWN = T("unknown")
# Argument types worth a summary of their own: they change what the callee's body does.
_BINDABLE_KINDS = frozenset(
    {
        "instance",
        "model",
        "model_class",
        "queryset",
        "manager",
        "class",
        "module",
        "function",
        "method",
        "request",
        "const",
    }
)
# Per function, how many receiver/argument variants get their own summary before the
# analysis falls back to the function's plain summary.
_MAX_VARIANTS = 8
_MAX_UNION = 16


@dataclass(slots=True)
class Context:
    qualified: str
    info: ModuleInfo
    function: FunctionFacts | None
    class_qualified: str | None
    bindings: dict[str, list[Binding]] = field(default_factory=dict)
    # Bindings being evaluated: `qs = qs.filter(...)` refers to the earlier `qs`.
    evaluating: set[int] = field(default_factory=set)
    # What `self` is (the concrete view class when a mixin's method runs for it) and the
    # types the call site passed for parameters.
    receiver: T | None = None
    arguments: dict[str, T] = field(default_factory=dict)


_SummaryKey = tuple[str, T | None, tuple[tuple[str, T], ...]]


@dataclass(frozen=True, slots=True)
class Summary:
    effects: tuple[Effect, ...]
    unknown_calls: tuple[UnknownCall, ...]
    callees: tuple[str, ...]


def _union(items: tuple[T, ...]) -> T:
    """One of several types; a single known type stands for itself, unknowns drop out."""
    flat = (member for i in items for member in (i.items if i.kind == "union" else (i,)))
    known = tuple(dict.fromkeys(i for i in flat if i.kind != "unknown"))[:_MAX_UNION]
    if not known:
        return UNKNOWN
    return known[0] if len(known) == 1 else T("union", items=known)


def weaker(a: Confidence, b: Confidence) -> Confidence:
    return a if _CONFIDENCE_RANK[a] >= _CONFIDENCE_RANK[b] else b


def expr_text(expr: Expr, limit: int = 80) -> str:
    """A short readable rendering of an expression for evidence lines."""
    if isinstance(expr, Name):
        text = expr.dotted
    elif isinstance(expr, Const):
        text = repr(expr.value)
    elif isinstance(expr, Attr):
        text = f"{expr_text(expr.value, limit)}.{expr.attr}"
    elif isinstance(expr, Call):
        text = (
            f"{expr_text(expr.func, limit)}(…)"
            if expr.args or expr.kwargs
            else (f"{expr_text(expr.func, limit)}()")
        )
    elif isinstance(expr, Subscript):
        text = f"{expr_text(expr.value, limit)}[…]"
    else:
        text = type(expr).__name__.lower()
    return text if len(text) <= limit else text[: limit - 1] + "…"


class EffectAnalyzer:
    def __init__(
        self,
        index: ProjectIndex,
        catalog: Catalog,
        settings: Settings,
        django_settings: dict[str, object] | None = None,
        settings_module: str | None = None,
    ) -> None:
        self.index = index
        self.catalog = catalog
        self.settings = settings
        values = django_settings or {}
        chain = values.get("MIDDLEWARE")
        # None: the chain is not known statically, and request.user/session are assumed.
        self._middleware = (
            tuple(m for m in chain if isinstance(m, str))
            if isinstance(chain, list | tuple)
            else None
        )
        self._settings_module = settings_module
        engine = values.get("SESSION_ENGINE")
        self._session_engine = (
            engine if isinstance(engine, str) else django_api.DEFAULT_SESSION_ENGINE
        )
        self._summaries: dict[_SummaryKey, Summary] = {}
        self._in_progress: set[_SummaryKey] = set()
        self._fields: dict[str, dict[str, tuple[str, str]]] = {}
        self._reverse: dict[str, dict[str, str]] | None = None
        self._returns_in_progress: set[str] = set()
        self._model_cache: dict[str, bool] = {}
        self._attributes_in_progress: set[tuple[str, str]] = set()
        self._variants: dict[str, int] = {}
        self._by_scope: dict[str, str] | None = None
        self._receivers: dict[str, list[tuple[str, str | None]]] | None = None

    # Types ---------------------------------------------------------------------------------

    def is_model(self, qualified: str) -> bool:
        cached = self._model_cache.get(qualified)
        if cached is None:
            cached = qualified != MODEL and self.index.is_subclass(qualified, frozenset({MODEL}))
            self._model_cache[qualified] = cached
        return cached

    def classify(self, qualified: str, depth: int = 0) -> T:
        if qualified in self.index.classes:
            return (
                T("model_class", qualified, qualified)
                if self.is_model(qualified)
                else T("class", qualified)
            )
        if qualified in self.index.functions:
            return T("function", qualified)
        if qualified in self.index.modules:
            return T("module", qualified)
        value = self.index.value_of(qualified)
        if value is not None and depth < _MAX_EVAL_DEPTH:
            info, expr = value
            return self.evaluate(expr, Context(qualified, info, None, None), depth + 1)
        if self.is_model(qualified):
            return T("model_class", qualified, qualified)
        return T("external", qualified)

    def context_for(
        self,
        qualified: str,
        receiver: T | None = None,
        arguments: tuple[tuple[str, T], ...] = (),
    ) -> Context | None:
        entry = self.index.functions.get(qualified)
        if entry is None:
            return None
        info, function = entry
        class_qualified = f"{info.name}.{function.class_name}" if function.class_name else None
        bindings: dict[str, list[Binding]] = {}
        for binding in function.bindings:
            bindings.setdefault(binding.name, []).append(binding)
        return Context(
            qualified, info, function, class_qualified, bindings, set(), receiver, dict(arguments)
        )

    @staticmethod
    def _decorated(function: FunctionFacts, name: str) -> bool:
        return any(isinstance(d, Name) and d.dotted == name for d in function.decorators)

    def _param_type(self, name: str, context: Context) -> T | None:
        function = context.function
        if function is None or name not in function.params:
            return None
        if context.class_qualified is not None and function.params and name == function.params[0]:
            if self._decorated(function, "staticmethod"):
                return None
            if context.receiver is not None:
                return context.receiver
            if self._decorated(function, "classmethod"):
                return T("class", context.class_qualified)
            if self.index.is_subclass(context.class_qualified, frozenset({QS, django_api.MANAGER})):
                # `self` in a custom QuerySet/Manager method is a queryset.
                return T("queryset", context.class_qualified, "")
            return T("instance", context.class_qualified)
        argument = context.arguments.get(name)
        if argument is not None:
            return argument
        if name == "request" or name == "req":
            return T("request")
        default = dict(function.defaults).get(name)
        if default is not None and not isinstance(default, Const):
            # `def request_sign_out(self, session=requests)`: what the body uses when the
            # caller passes nothing (a caller's argument, above, wins).
            return self.evaluate(default, Context(context.qualified, context.info, None, None))
        return None

    def evaluate(self, expr: Expr, context: Context, depth: int = 0) -> T:
        if depth > _MAX_EVAL_DEPTH:
            return UNKNOWN
        down = depth + 1
        if isinstance(expr, Name):
            head, *rest = expr.dotted.split(".")
            current = self._name_type(head, context, down)
            for part in rest:
                current = self.attribute(current, part, context, down)
            return current
        if isinstance(expr, Attr):
            return self.attribute(
                self.evaluate(expr.value, context, down), expr.attr, context, down
            )
        if isinstance(expr, Call):
            if (
                isinstance(expr.func, Name)
                and expr.func.dotted in _BUILTINS
                and (self.index.resolve(context.info.name, expr.func.dotted) is None)
            ):
                if expr.func.dotted == "super" and context.class_qualified:
                    return T("super", context.class_qualified, owner=context.receiver)
                if (
                    expr.func.dotted == "getattr"
                    and len(expr.args) >= 2
                    and isinstance(expr.args[1], Const)
                    and isinstance(expr.args[1].value, str)
                ):
                    # `getattr(obj, "name", default)` with a literal name is `obj.name`.
                    owner = self.evaluate(expr.args[0], context, down)
                    return self.attribute(owner, expr.args[1].value, context, down)
                return T("builtin_result", expr.func.dotted)
            return self.call_result(self.evaluate(expr.func, context, down), expr, context, down)
        if isinstance(expr, Subscript):
            base = self.evaluate(expr.value, context, down)
            if base.kind == "queryset":
                return base if expr.is_slice else T("model", base.model, base.model)
            if base.kind == "mapping" and not expr.is_slice:
                return _union(base.items)
            if base.kind == "tuple" and isinstance(expr.index, Const):
                position = expr.index.value
                if isinstance(position, int) and -len(base.items) <= position < len(base.items):
                    return base.items[position]
            return UNKNOWN
        if isinstance(expr, Mapping):
            # `{"paypal": PayPalProvider, "stripe": StripeProvider}`: what a lookup can give.
            values = expr.values[:_MAX_UNION]
            return T("mapping", items=tuple(self.evaluate(v, context, down) for v in values))
        if isinstance(expr, Seq) and expr.kind == "tuple":
            return T(
                "tuple", items=tuple(self.evaluate(item, context, down) for item in expr.items)
            )
        if isinstance(expr, Comprehension):
            return T("list")
        if isinstance(expr, ImportedName):
            qualified = self.index.imported(context.info.name, expr)
            return self.classify(qualified, depth) if qualified else UNKNOWN
        return UNKNOWN

    def _name_type(self, head: str, context: Context, depth: int) -> T:
        bindings = [b for b in context.bindings.get(head, ()) if id(b) not in context.evaluating]
        if bindings:
            binding = bindings[-1]
            context.evaluating.add(id(binding))
            try:
                value = self.evaluate(binding.value, context, depth)
            finally:
                context.evaluating.discard(id(binding))
            return self.element(value) if binding.from_loop else value
        if head in context.bindings:
            return UNKNOWN
        param = self._param_type(head, context)
        if param is not None:
            return param
        if context.function is not None and head in context.function.params:
            return UNKNOWN
        if context.function is not None:
            if head in context.function.nested:
                # facts name a nested function by the scopes around it:
                # `psa.decorator.<locals>.wrapper` for `wrapper` inside psa's `decorator`.
                scope = context.qualified.replace(".<locals>.", ".")
                return T("function", f"{scope}.<locals>.{head}")
            enclosing = self._enclosing(context)
            while enclosing is not None and depth < _MAX_EVAL_DEPTH:
                function = enclosing.function
                assert function is not None
                if head in enclosing.bindings or head in function.params or head in function.nested:
                    # A closure: the name is an enclosing function's (a factory's parameter
                    # with its default, a local it bound, a sibling nested function).
                    return self._name_type(head, enclosing, depth + 1)
                enclosing = self._enclosing(enclosing)
                depth += 1
        qualified = self.index.resolve(context.info.name, head)
        if qualified is None:
            local = f"{context.info.name}.{head}"
            if context.function is None and local in self.index.functions:
                return T("function", local)
            return T("builtin", head) if head in _BUILTINS else UNKNOWN
        return self.classify(qualified, depth)

    def _enclosing(self, context: Context) -> Context | None:
        parent, marker, _ = context.qualified.rpartition(".<locals>.")
        if not marker:
            return None
        if self._by_scope is None:
            self._by_scope = {q.replace(".<locals>.", "."): q for q in self.index.functions}
        enclosing = self.context_for(self._by_scope.get(parent, parent))
        return enclosing if enclosing is not None and enclosing.function is not None else None

    def decorator_wrappers(self, view: str) -> list[str]:
        """The project wrapper functions a view's decorators put around it: `@psa(...)`
        returns `decorator`, which returns `wrapper`; the wrapper's body runs on every
        request before (and around) the view's own."""
        context = self.context_for(view)
        if context is None or context.function is None:
            return []
        module_context = Context(view, context.info, None, None)
        wrappers: list[str] = []
        for decorator in context.function.decorators:
            if isinstance(decorator, Call):
                factory = self.evaluate(decorator.func, module_context)
                if factory.kind != "function":
                    continue
                applied = self.call_result(factory, decorator, module_context, 0)
            else:
                applied = self.evaluate(decorator, module_context)
            if applied.kind != "function" or applied.name not in self.index.functions:
                continue
            wrapper = self.return_type(applied.name, 0)
            if (
                wrapper.kind == "function"
                and ".<locals>." in wrapper.name
                and wrapper.name in self.index.functions
                and wrapper.name != view
            ):
                wrappers.append(wrapper.name)
        return wrappers

    def element(self, iterable: T) -> T:
        if iterable.kind == "queryset":
            return T("model", iterable.model, iterable.model)
        return UNKNOWN

    def attribute(self, base: T, name: str, context: Context, depth: int) -> T:
        kind = base.kind
        if kind == "union":
            return _union(tuple(self.attribute(i, name, context, depth + 1) for i in base.items))
        if kind == "mapping":
            return T("mapping_get", items=base.items) if name == "get" else UNKNOWN
        if kind in ("module", "external"):
            qualified = self.index.canonical(f"{base.name}.{name}")
            return self.classify(qualified, depth)
        if kind == "model_class":
            return self._model_class_attribute(base, name)
        if kind in ("manager", "queryset"):
            if base.name:
                method = self.index.find_method(base.name, name)
                if method is not None:
                    return T(
                        "method", method, base.model, owner=T("queryset", base.name, base.model)
                    )
            if name == "model" and base.model:
                return T("model_class", base.model, base.model)
            return T("bound", f"{QS}.{name}", base.model)
        if kind == "model":
            return self._model_attribute(base, name)
        if kind in ("instance", "class"):
            if base.name in self.index.classes:
                method = self.index.find_method(base.name, name)
                if method is not None:
                    bound = T("method", method, owner=T(kind, base.name))
                    if kind == "instance" and self._is_property(method):
                        # `self.client.get(...)` where `client` is a @property: its value.
                        return self.call_result(bound, None, context, depth)
                    return bound
                if name == "request" and self.index.is_subclass(
                    base.name, frozenset({django_api.VIEW})
                ):
                    return T("request")
                attribute = self.index.class_attribute(base.name, name)
                if attribute is not None and depth < _MAX_EVAL_DEPTH:
                    info, expr = attribute
                    return self.evaluate(expr, Context(base.name, info, None, None), depth + 1)
                if kind == "instance" and depth < _MAX_EVAL_DEPTH:
                    assigned = self._instance_attribute(base.name, name, depth + 1)
                    if assigned is not None:
                        return assigned
                external = [c for c in self.index.mro(base.name) if c not in self.index.classes]
                for ancestor in external:
                    # A framework method the class inherits: ModelForm.save, View.dispatch…
                    if self.catalog.match(f"{ancestor}.{name}") is not None:
                        return T("bound", f"{ancestor}.{name}", owner=T(kind, base.name))
                if external:
                    return T("inherited", f"{external[0]}.{name}", owner=T(kind, base.name))
                return T("unresolved_member", f"{base.name}.{name}")
            return T("bound", f"{base.name}.{name}")
        if kind == "super":
            # Along the receiver's MRO (a mixin's super() reaches the view's next base),
            # after the class whose method is running.
            defining = base.name
            receiver = base.owner
            order = self.index.mro(receiver.name) if receiver is not None and receiver.name else ()
            if defining not in order:
                order = self.index.mro(defining)
            after = order[order.index(defining) + 1 :]
            for klass in after:
                entry = self.index.classes.get(klass)
                if entry is not None and name in entry[1].methods:
                    return T("method", f"{klass}.{name}", owner=receiver)
            return T("bound", f"super.{name}")
        if kind == "request":
            if name == "user":
                return T(
                    "model", "django.contrib.auth.models.User", "django.contrib.auth.models.User"
                )
            return T("request_attr", name)
        return UNKNOWN

    def string_value(self, expr: Expr, context: Context, depth: int = 0) -> str | None:
        """The string an expression holds, as far as it is static: a literal, a name bound to
        one (local or module level), a setting, or `getattr(settings, "X", default)` (the
        setting if the project's settings module sets it, else the library's default)."""
        for _ in range(6):
            if depth > _MAX_EVAL_DEPTH:
                return None
            depth += 1
            if isinstance(expr, Const):
                return expr.value if isinstance(expr.value, str) else None
            if isinstance(expr, Call) and isinstance(expr.func, Name):
                if expr.func.dotted != "getattr" or len(expr.args) < 2:
                    return None
                owner = self.evaluate(expr.args[0], context, depth)
                name = expr.args[1]
                if owner.name != django_api.SETTINGS or not (
                    isinstance(name, Const) and isinstance(name.value, str)
                ):
                    return None
                configured = self._setting(name.value)
                if configured is not None:
                    return configured
                if len(expr.args) < 3:
                    return None
                expr = expr.args[2]
                continue
            if not isinstance(expr, Name):
                return None
            head, _, rest = expr.dotted.rpartition(".")
            if head and self.evaluate(Name(head), context, depth).name == django_api.SETTINGS:
                return self._setting(rest)
            followed = self._follow_name(expr, context)
            if followed is None:
                return None
            expr, context = followed
        return None

    def _follow_name(self, name: Name, context: Context) -> tuple[Expr, Context] | None:
        """One hop from a name to the expression bound to it: its last local binding, else the
        module-level value it resolves to (in that module's context)."""
        bindings = context.bindings.get(name.dotted)
        if bindings:
            return bindings[-1].value, context
        qualified = self.index.resolve(context.info.name, name.dotted)
        found = self.index.value_of(qualified) if qualified else None
        if found is None:
            return None
        return found[1], Context(context.qualified, found[0], None, None)

    def _setting(self, name: str) -> str | None:
        info = self.index.modules.get(self._settings_module or "")
        if info is None:
            return None
        value = module_value(self.index, info, name)
        return value if isinstance(value, str) else None

    def _is_property(self, method: str) -> bool:
        entry = self.index.functions.get(method)
        if entry is None:
            return False
        for decorator in entry[1].decorators:
            if isinstance(decorator, Name) and decorator.dotted.rpartition(".")[2] in (
                "property",
                "cached_property",
            ):
                return True
        return False

    def _instance_attribute(self, class_qualified: str, name: str, depth: int) -> T | None:
        """`self.user_model = get_user_model()` in `__init__` (or another method of the class
        or its project bases): the type of what was assigned."""
        key = (class_qualified, name)
        if key in self._attributes_in_progress:
            return None
        self._attributes_in_progress.add(key)
        try:
            return self._assigned_in_methods(class_qualified, name, depth)
        finally:
            self._attributes_in_progress.discard(key)

    def _assigned_in_methods(self, class_qualified: str, name: str, depth: int) -> T | None:
        for klass in self.index.mro(class_qualified):
            entry = self.index.classes.get(klass)
            if entry is None:
                continue
            methods = sorted(entry[1].methods, key=lambda method: method != "__init__")
            for method in methods:
                qualified = f"{klass}.{method}"
                found = self.index.functions.get(qualified)
                if found is None or not found[1].mentions(name):
                    continue  # never names the attribute: its body need not be extracted
                for attribute, expr in found[1].self_assignments:
                    if attribute != name:
                        continue
                    context = self.context_for(qualified, T("instance", class_qualified))
                    if context is None:
                        continue
                    value = self.evaluate(expr, context, depth)
                    if value.kind != "unknown":
                        return value
        return None

    def _model_class_attribute(self, base: T, name: str) -> T:
        model = base.model
        attribute = self.index.class_attribute(model, name)
        if attribute is not None:
            info, expr = attribute
            if isinstance(expr, Call):
                manager = self._manager_class(info, expr)
                if manager is not None:
                    return T("manager", manager, model)
        if name in ("objects", "_default_manager", "_base_manager"):
            return T("manager", "", model)
        method = self.index.find_method(model, name)
        if method is not None:
            return T("method", method, model)
        return UNKNOWN

    def _manager_class(self, info: ModuleInfo, expr: Call) -> str | None:
        """`objects = BookManager()` or `objects = BookQuerySet.as_manager()`."""
        func = expr.func
        if isinstance(func, Name):
            dotted = func.dotted
            if dotted.endswith(".as_manager"):
                dotted = dotted[: -len(".as_manager")]
            qualified = self.index.resolve(info.name, dotted)
            if qualified is None:
                return None
            ancestors = self.index.mro(qualified)
            if any(
                a in (django_api.MANAGER, QS, "django.db.models.manager.BaseManager")
                for a in ancestors
            ) or qualified in (django_api.MANAGER, QS):
                return qualified if qualified in self.index.classes else ""
        return None

    def model_fields(self, model: str) -> dict[str, tuple[str, str]]:
        cached = self._fields.get(model)
        if cached is not None:
            return cached
        fields: dict[str, tuple[str, str]] = {}
        self._fields[model] = fields
        entry = self.index.classes.get(model)
        if entry is not None:
            info, klass = entry
            for attribute, expr in klass.attributes:
                if not isinstance(expr, Call) or not isinstance(expr.func, Name):
                    continue
                field_type = self.index.resolve(info.name, expr.func.dotted)
                relation = _RELATION_FIELDS.get(field_type or "")
                if relation is None or not expr.args:
                    continue
                target = self._model_reference(info, expr.args[0], model)
                if target:
                    related = expr.kwarg("related_name")
                    related_name = (
                        related.value
                        if isinstance(related, Const) and isinstance(related.value, str)
                        else None
                    )
                    fields[attribute] = (relation, target)
                    fields[f"__reverse__{attribute}"] = (related_name or "", target)
        return fields

    def _model_reference(self, info: ModuleInfo, expr: Expr, model: str) -> str | None:
        if isinstance(expr, Name):
            return self.index.resolve(info.name, expr.dotted)
        if isinstance(expr, Const) and isinstance(expr.value, str):
            if expr.value == "self":
                return model
            short = expr.value.rsplit(".", 1)[-1]
            for qualified in self.index.classes:
                if qualified.rsplit(".", 1)[-1] == short and self.is_model(qualified):
                    return qualified
        return None

    def reverse_relations(self, model: str) -> dict[str, str]:
        if self._reverse is None:
            reverse: dict[str, dict[str, str]] = {}
            for qualified in self.index.classes:
                if not self.is_model(qualified):
                    continue
                for key, (relation, target) in self.model_fields(qualified).items():
                    if not key.startswith("__reverse__"):
                        continue
                    source_field = key[len("__reverse__") :]
                    kind = self.model_fields(qualified)[source_field][0]
                    default = f"{qualified.rsplit('.', 1)[-1].lower()}_set"
                    reverse.setdefault(target, {})[relation or default] = f"{kind}:{qualified}"
            self._reverse = reverse
        return self._reverse.get(model, {})

    def _model_attribute(self, base: T, name: str) -> T:
        model = base.model
        fields = self.model_fields(model) if model in self.index.classes else {}
        if name in fields:
            relation, target = fields[name]
            if relation == "m2m":
                return T("manager", "", target)
            return T("model", target, target)
        reverse = self.reverse_relations(model)
        if name in reverse:
            return T("manager", "", reverse[name].split(":", 1)[1])
        method = self.index.find_method(model, name)
        if method is not None:
            return T("method", method, model)
        return T("bound", f"{MODEL}.{name}", model)

    def call_result(self, callee: T, call: Call | None, context: Context, depth: int) -> T:
        kind = callee.kind
        if kind == "union" and depth < _MAX_EVAL_DEPTH:
            return _union(
                tuple(self.call_result(item, call, context, depth + 1) for item in callee.items)
            )
        if kind == "mapping_get":
            return _union(callee.items)
        factory = django_api.MODEL_CLASS_FACTORIES.get(callee.name) if kind == "external" else None
        if factory is not None:
            return T("model_class", factory, factory)
        if kind == "external" and callee.name in _SHORTCUTS_RETURNING_INSTANCE and call:
            target = self.evaluate(call.args[0], context, depth) if call.args else UNKNOWN
            if target.model:
                return T("model", target.model, target.model)
        if kind == "external" and callee.name in django_api.IMPORT_BY_PATH and call and call.args:
            path = self.string_value(call.args[0], context, depth)
            if path is not None and "." in path:
                return self.classify(self.index.canonical(path), depth + 1)
            return UNKNOWN
        if kind in ("external", "bound"):
            row = self.catalog.match(callee.name)
            if row is not None and row.returns:
                return T("instance", row.returns)
            if kind == "bound" and callee.name.startswith(f"{QS}."):
                method = callee.name.rsplit(".", 1)[1]
                if method in LAZY_QUERYSET_METHODS:
                    return T("queryset", "", callee.model)
                if method in INSTANCE_METHODS:
                    return T("model", callee.model, callee.model)
                return UNKNOWN
            last = callee.name.rsplit(".", 1)[-1]
            if kind == "external" and last[:1].isupper():
                return T("instance", callee.name)
            return UNKNOWN
        if kind == "class":
            return T("instance", callee.name)
        if kind == "model_class":
            return T("model", callee.model, callee.model)
        if kind in ("function", "method"):
            receiver, arguments = (
                self.bind_call(callee, call.args, call.kwargs, context, depth)
                if call is not None
                else (self._receiver(callee), ())
            )
            returned = self.return_type(callee.name, depth, receiver, arguments)
            if returned.kind == "unknown" and callee.model:
                return T("queryset", "", callee.model)
            return returned
        return UNKNOWN

    def _receiver(self, callee: T) -> T | None:
        """What `self` is in a method reached through `callee`: None when it is the class
        that defines the method (the plain summary), or for an unbound `Class.method(obj)`."""
        owner = callee.owner
        if owner is None or callee.kind != "method":
            return None
        entry = self.index.functions.get(callee.name)
        if entry is None:
            return None
        function = entry[1]
        if self._decorated(function, "staticmethod"):
            return None
        if owner.kind == "class" and not self._decorated(function, "classmethod"):
            return None
        defining = callee.name.rpartition(".")[0]
        if owner.name == defining and owner.kind == "instance":
            return None
        return owner

    def bind_call(
        self,
        callee: T,
        args: tuple[Expr, ...],
        kwargs: tuple[tuple[str | None, Expr], ...],
        context: Context,
        depth: int = 0,
    ) -> tuple[T | None, tuple[tuple[str, T], ...]]:
        """The receiver and the argument types a call gives a project function: only those
        that change what its body does (objects, models, classes, callables)."""
        entry = self.index.functions.get(callee.name)
        if entry is None:
            return None, ()
        function = entry[1]
        receiver = self._receiver(callee)
        params = function.params
        if callee.kind == "method" and not self._decorated(function, "staticmethod"):
            unbound = (
                callee.owner is not None
                and callee.owner.kind == "class"
                and not self._decorated(function, "classmethod")
            )
            if not unbound:
                params = params[1:]
        bound: dict[str, T] = {}
        complete = True  # every argument the call passes is known by position or name
        guarded = {guard.subject for call in function.calls for guard in call.guards}
        for param, argument in zip(params, args, strict=False):
            if isinstance(argument, Starred):
                complete = False
                break
            bound[param] = self._argument(argument, param in guarded, context, depth)
        for keyword, argument in kwargs:
            if keyword is None:
                complete = False
            elif keyword in function.params:
                bound[keyword] = self._argument(argument, keyword in guarded, context, depth)
        if complete:
            # A parameter the call leaves out has its default: `pgturl=None` decides the
            # callee's `if pgturl is not None:`.
            for param, default in function.defaults:
                if param in guarded and param not in bound and isinstance(default, Const):
                    bound[param] = T("const", repr(default.value))
        arguments = tuple(
            (param, value)
            for param, value in sorted(bound.items())
            if value.kind in _BINDABLE_KINDS
            and not (value.kind == "request" and param in ("request", "req"))
        )
        return receiver, arguments

    def _argument(self, argument: Expr, guarded: bool, context: Context, depth: int) -> T:
        if isinstance(argument, Const):
            # Constants only matter where the callee tests the parameter.
            return T("const", repr(argument.value)) if guarded else UNKNOWN
        return self.evaluate(argument, context, depth + 1)

    def _excluded(self, call: CallSite, context: Context) -> bool:
        """Whether an enclosing `if` on a parameter is decided against the call by the
        constant the call site passed (or left to its default)."""
        for guard in call.guards:
            value = context.arguments.get(guard.subject)
            if value is None or value.kind != "const" or guard.subject in context.bindings:
                continue  # unknown, or reassigned in the body (`if x is None: x = ...`)
            if guard.test == "is_none":
                outcome = value.name == "None"
            else:
                outcome = value.name not in ("None", "False", "0", "''", "0.0")
            if outcome != guard.holds:
                return True
        return False

    def return_type(
        self,
        qualified: str,
        depth: int,
        receiver: T | None = None,
        arguments: tuple[tuple[str, T], ...] = (),
    ) -> T:
        if qualified in self._returns_in_progress or depth > _MAX_EVAL_DEPTH:
            return UNKNOWN
        context = self.context_for(qualified, receiver, arguments)
        if context is None or context.function is None:
            return UNKNOWN
        self._returns_in_progress.add(qualified)
        try:
            for expr in context.function.returns:
                result = self.evaluate(expr, context, depth + 1)
                if result.kind != "unknown":
                    return result
        finally:
            self._returns_in_progress.discard(qualified)
        return UNKNOWN

    # Effects -------------------------------------------------------------------------------

    def multiplier(self, loop_counts: Iterable[int]) -> int:
        product = 1
        for count in loop_counts:
            if count > 0:
                product *= count
            elif count == 0:
                product *= self.settings.loop_iterations
            else:  # unknown bound, but the loop can break out early
                product *= max(1, self.settings.loop_iterations // 2)
        return min(product, _MAX_MULTIPLIER)

    def _effect(
        self,
        row: CatalogRow,
        call: str,
        location: Location,
        context: Context,
        loop_counts: tuple[int, ...],
        *,
        confidence: Confidence = Confidence.EXACT,
        awaited: bool = False,
        ms: float | None = None,
        detail: str | None = None,
        in_transaction: bool = False,
        subject: str | None = None,
        wrapped: bool = False,
    ) -> Effect:
        multiplier = self.multiplier(loop_counts)
        per_call = ms if ms is not None else self.settings.latency(row.latency)
        blocking = row.blocking and not wrapped
        return Effect(
            kind=row.kind,
            call=call,
            location=location,
            chain=(ChainLink(context.qualified, location),),
            detail=detail or row.note,
            latency_class=row.latency,
            estimated_ms=round(per_call * multiplier, 3),
            multiplier=multiplier,
            in_loop=bool(loop_counts),
            confidence=confidence,
            blocking=blocking,
            awaited=awaited or wrapped,
            async_alternative=row.async_alternative,
            alternative_since=row.since,
            in_transaction=in_transaction,
            subject=subject,
            rewrite=row.rewrite,
        )

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
        return self._known(f"django.http.HttpRequest.{attribute}")

    def _known(self, call: str) -> CatalogRow:
        """The catalog row of a call the analysis itself names (queryset dunders, request
        attributes): its absence is a bug in the catalog, not in the scanned project."""
        row = self.catalog.match(call)
        if row is None:
            raise LookupError(f"catalog has no row for {call}")
        return row

    def _location(
        self,
        context: Context,
        line: int,
        column: int = 0,
        end_line: int | None = None,
        end_column: int | None = None,
    ) -> Location:
        return Location(context.info.path, line, column, end_line, end_column)

    def summary(
        self,
        qualified: str,
        receiver: T | None = None,
        arguments: tuple[tuple[str, T], ...] = (),
    ) -> Summary:
        """What calling `qualified` does, given what `self` is and the types of the
        arguments that matter (each combination is summarised once, a few per function)."""
        key: _SummaryKey = (qualified, receiver, arguments)
        cached = self._summaries.get(key)
        if cached is not None:
            return cached
        if (receiver is not None or arguments) and self._variants.get(qualified, 0) >= (
            _MAX_VARIANTS
        ):
            return self.summary(qualified)
        if key in self._in_progress or len(self._in_progress) >= (self.settings.max_call_depth):
            return Summary((), (), ())
        context = self.context_for(qualified, receiver, arguments)
        if context is None or context.function is None:
            return Summary((), (), ())
        self._in_progress.add(key)
        try:
            result = self._analyse(context, context.function)
        finally:
            self._in_progress.discard(key)
        self._summaries[key] = result
        if receiver is not None or arguments:
            self._variants[qualified] = self._variants.get(qualified, 0) + 1
        return result

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
        )
        # Not a call in the view's body to rewrite: whether the check runs without
        # blocking in an async view is the decorator's or mixin's own async support, which
        # the conversion policy judges.
        return (replace(effect, blocking=False, rewrite=None),)

    def hook_summaries(self, view_class: str) -> list[Summary]:
        """What framework code runs for a class-based view through the classes it names:
        DRF calls `authenticate()` on each of `authentication_classes`, and so on."""
        entry = self.index.classes.get(view_class)
        if entry is None:
            return []
        summaries: list[Summary] = []
        checks = self._user_check(view_class, is_class=True)
        if checks:
            summaries.append(Summary(checks, (), ()))
        for hook in django_api.CLASS_HOOKS:
            if not self.index.is_subclass(view_class, frozenset({hook.view_base})):
                continue
            attribute = self.index.class_attribute(view_class, hook.attribute)
            if attribute is None:
                continue
            info, value = attribute
            named = value.items if isinstance(value, Seq) else (value,)
            link = ChainLink(
                f"{view_class}.{hook.attribute}", Location(entry[0].path, entry[1].line)
            )
            for item in named:
                klass = self.evaluate(item, Context(view_class, info, None, None))
                method = (
                    self.index.find_method(klass.name, hook.method)
                    if klass.kind == "class"
                    else None
                )
                if method is None:
                    continue
                receiver: T | None = T("instance", klass.name)
                if method.rpartition(".")[0] == klass.name:
                    receiver = None
                found = self.summary(method, receiver)
                summaries.append(
                    replace(
                        found,
                        effects=tuple(
                            replace(effect, chain=(link, *effect.chain)) for effect in found.effects
                        ),
                    )
                )
        return summaries

    def view_summary(self, handler: str, view_class: str | None = None) -> Summary:
        """A view function's summary, or a class-based view's handler run for `view_class`
        (a mixin's `self.get_context_data()` is the view's own)."""
        receiver = T("instance", view_class) if view_class is not None else None
        if receiver is not None and handler.rpartition(".")[0] == view_class:
            receiver = None
        own = self.summary(handler, receiver)
        if view_class is not None:
            return own
        checks = self._user_check(handler, is_class=False)
        wrapped = [self.summary(wrapper) for wrapper in self.decorator_wrappers(handler)]
        if not wrapped and not checks:
            return own
        entry = self.index.functions[handler]
        link = ChainLink(handler, Location(entry[0].path, entry[1].line))
        return Summary(
            (
                *checks,
                *(
                    replace(effect, chain=(link, *effect.chain))
                    for summary in wrapped
                    for effect in summary.effects
                ),
                *own.effects,
            ),
            (*(u for summary in wrapped for u in summary.unknown_calls), *own.unknown_calls),
            (*own.callees, *(c for summary in wrapped for c in summary.callees)),
        )

    def _atomic_ranges(self, context: Context, function: FunctionFacts) -> list[tuple[int, int]]:
        ranges = []
        for block in function.withs:
            target = block.context.func if isinstance(block.context, Call) else block.context
            callee = self.evaluate(target, context)
            if callee.name == "django.db.transaction.atomic":
                ranges.append((block.line, block.end_line))
        return ranges

    def _analyse(self, context: Context, function: FunctionFacts) -> Summary:
        effects: list[Effect] = []
        unknown: list[UnknownCall] = []
        callees: list[str] = []
        atomic = self._atomic_ranges(context, function)
        decorated_atomic = False
        for decorator in function.decorators:
            target = decorator.func if isinstance(decorator, Call) else decorator
            if self.evaluate(target, context).name == "django.db.transaction.atomic":
                decorated_atomic = True
                row = self._known("django.db.transaction.atomic")
                effects.append(
                    self._effect(
                        row,
                        "django.db.transaction.atomic",
                        self._location(context, function.line),
                        context,
                        (),
                        detail="@transaction.atomic on the function",
                    )
                )

        def in_atomic(line: int) -> bool:
            return decorated_atomic or any(start <= line <= end for start, end in atomic)

        for call in function.calls:
            if self._excluded(call, context):
                continue
            self._call_effects(context, call, in_atomic(call.line), effects, unknown, callees)
        for iteration in function.iterations:
            iterable = self.evaluate(iteration.iterable, context)
            if iterable.kind == "queryset":
                dunder = "__aiter__" if iteration.is_async else "__iter__"
                row = self._known(f"{QS}.{dunder}")
                effects.append(
                    self._effect(
                        row,
                        f"{QS}.{dunder}",
                        self._location(context, iteration.line, iteration.column),
                        context,
                        iteration.loop_counts,
                        in_transaction=in_atomic(iteration.line),
                        detail=f"iterating {expr_text(iteration.iterable)} runs its query",
                        subject=expr_text(iteration.iterable, 200),
                    )
                )
        for use in function.value_uses:
            value = self.evaluate(use.value, context)
            if value.kind != "queryset":
                continue
            method = _VALUE_USE_METHODS[use.how]
            row = self._known(f"{QS}.{method}")
            effects.append(
                self._effect(
                    row,
                    f"{QS}.{method}",
                    self._location(context, use.line, use.column),
                    context,
                    use.loop_counts,
                    in_transaction=in_atomic(use.line),
                    subject=expr_text(use.value, 200),
                )
            )
        seen_attributes: set[str] = set()
        for attribute in function.attribute_uses:
            prefix, _, last = attribute.dotted.rpartition(".")
            if last in seen_attributes:
                continue
            owner = self.evaluate(Name(prefix), context)
            if owner.kind == "model":
                self._foreign_key_read(context, attribute, owner, in_atomic, effects)
                continue
            if owner.kind != "request" or last not in ("user", "session"):
                continue
            seen_attributes.add(last)
            found = self._request_attribute_row(last)
            if found is None:
                continue
            row = found
            count = sum(1 for a in function.attribute_uses if a.dotted.endswith("." + last))
            effects.append(
                self._effect(
                    row,
                    row.pattern,
                    self._location(
                        context,
                        attribute.line,
                        attribute.column,
                        attribute.line,
                        attribute.end_column,
                    ),
                    context,
                    (),
                    confidence=Confidence.HEURISTIC,
                    detail=f"{row.note} ({count} use{'s' if count != 1 else ''} in this function)",
                    subject=attribute.dotted,
                )
            )
        return Summary(tuple(effects), tuple(unknown), tuple(dict.fromkeys(callees)))

    def _loaded_with_related(self, context: Context, name: str, depth: int) -> bool:
        """Whether `name` comes (through assignments and loops) from a queryset built with
        select_related/prefetch_related."""
        if depth > 6:
            return False
        for binding in context.bindings.get(name, ()):
            text = repr(binding.value)
            if "select_related" in text or "prefetch_related" in text:
                return True
            source = binding.value
            while isinstance(source, Subscript | Attr):
                source = source.value
            if (
                isinstance(source, Name)
                and source.dotted != name
                and self._loaded_with_related(context, source.dotted.split(".")[0], depth + 1)
            ):
                return True
        return False

    def _foreign_key_read(
        self,
        context: Context,
        attribute: AttributeUse,
        owner: T,
        in_atomic: Callable[[int], bool],
        effects: list[Effect],
    ) -> None:
        """`order.customer` loads the related row unless the instance came from a queryset
        with select_related/prefetch_related (a heuristic: we read the binding's text)."""
        root, _, field_name = attribute.dotted.partition(".")
        relation = (
            self.model_fields(owner.model).get(field_name)
            if owner.model in (self.index.classes)
            else None
        )
        if relation is None or relation[0] != "fk":
            return
        if self._loaded_with_related(context, root, 0):
            return
        row = self._known(f"{MODEL}.__related__")
        effects.append(
            self._effect(
                row,
                f"{MODEL}.__related__",
                self._location(
                    context, attribute.line, attribute.column, attribute.line, attribute.end_column
                ),
                context,
                attribute.loop_counts,
                confidence=Confidence.HEURISTIC,
                in_transaction=in_atomic(attribute.line),
                detail=f"{attribute.dotted} reads a foreign key: a query unless it was "
                "loaded with select_related()",
                subject=attribute.dotted,
            )
        )

    def _call_effects(
        self,
        context: Context,
        call: CallSite,
        in_transaction: bool,
        effects: list[Effect],
        unknown: list[UnknownCall],
        callees: list[str],
    ) -> None:
        location = self._location(context, call.line, call.column, call.end_line, call.end_column)
        func = call.func
        wrapped = False
        target_expr = func
        if isinstance(func, Call) and func.args:
            wrapper = self.evaluate(func.func, context)
            if wrapper.name == "asgiref.sync.sync_to_async":
                wrapped = True
                target_expr = func.args[0]
        if (
            isinstance(target_expr, Name)
            and target_expr.dotted in _CONSUMING_BUILTINS
            and (self.index.resolve(context.info.name, target_expr.dotted) is None)
        ):
            if call.args and self.evaluate(call.args[0], context).kind == "queryset":
                row = self._known(f"{QS}.__len__")
                effects.append(
                    self._effect(
                        row,
                        f"{QS}.__len__",
                        location,
                        context,
                        call.loop_counts,
                        in_transaction=in_transaction,
                        detail=f"{target_expr.dotted}() evaluates the queryset "
                        f"{expr_text(call.args[0])}",
                        subject=expr_text(call.args[0], 200),
                        wrapped=wrapped,
                    )
                )
            return
        callee = self.evaluate(target_expr, context)
        # A union (`HANDLERS[kind](...)` over a dict of classes or functions): each member.
        members = callee.items if callee.kind == "union" else (callee,)
        for member in members:
            self._dispatch(
                member,
                target_expr,
                context,
                call,
                location,
                in_transaction,
                wrapped,
                effects,
                unknown,
                callees,
            )

    def _dispatch(
        self,
        callee: T,
        target_expr: Expr,
        context: Context,
        call: CallSite,
        location: Location,
        in_transaction: bool,
        wrapped: bool,
        effects: list[Effect],
        unknown: list[UnknownCall],
        callees: list[str],
    ) -> None:
        if callee.kind in ("function", "method") and self.catalog.match(callee.name):
            # A catalog row for a project function (the user's own HTTP wrapper declared in
            # [tool.advisor.effects]) wins over descending into its body.
            callee = T("external", callee.name)
        if callee.kind in ("function", "method"):
            callees.append(callee.name)
            confidence = Confidence.EXACT
            if callee.kind == "method" and not (
                isinstance(target_expr, Name) and target_expr.dotted.startswith("self.")
            ):
                confidence = Confidence.HEURISTIC
            self._propagate(
                context,
                callee,
                call,
                location,
                confidence,
                in_transaction,
                wrapped,
                effects,
                unknown,
            )
            return
        receivers = [*self._signal_receivers(call, context), *self._model_signal_receivers(callee)]
        for receiver in dict.fromkeys(receivers):
            callees.append(receiver)
            self._propagate(
                context,
                T("function", receiver),
                call,
                location,
                Confidence.HEURISTIC,
                in_transaction,
                wrapped,
                effects,
                unknown,
            )
        for method in self._validation_methods(callee):
            self._propagate(
                context,
                T("method", method, owner=callee.owner),
                call,
                location,
                Confidence.EXACT,
                in_transaction,
                wrapped,
                effects,
                unknown,
            )
            callees.append(method)
        if callee.kind in ("external", "bound", "builtin"):
            matched = self.catalog.match(callee.name)
            if matched is None:
                return
            row = matched
            if callee.name in django_api.SESSION_ONLY_CALLS:
                store = self._session_store_row()
                if store is None:
                    return
                row = replace(row, kind=store.kind, latency=store.latency, note=store.note)
            if row.latency == "none" and row.kind not in (
                EffectKind.TRANSACTION,
                EffectKind.THREAD_LOCAL,
            ):
                return
            if row.kind == EffectKind.AWAITABLE:
                return
            ms = None
            if row.kind == EffectKind.SLEEP and call.args:
                seconds = self._constant_number(call.args[0], context)
                if seconds is not None:
                    ms = seconds * 1000.0
            if row.kind == EffectKind.STREAMING and self._async_generator_argument(call, context):
                wrapped = True  # an async iterator: ASGI streams it without a thread
            confidence = (
                Confidence.EXACT
                if callee.kind == "external"
                else (
                    Confidence.EXACT
                    if callee.model or callee.name.startswith(("requests.", "httpx."))
                    else Confidence.HEURISTIC
                )
            )
            effects.append(
                self._effect(
                    row,
                    callee.name,
                    location,
                    context,
                    call.loop_counts,
                    confidence=confidence,
                    awaited=call.awaited,
                    ms=ms,
                    in_transaction=in_transaction,
                    wrapped=wrapped,
                )
            )
            if row.pattern == "django.shortcuts.render":
                self._render_context(context, call, location, in_transaction, effects)
            return
        if callee.kind == "unresolved_member" and context.class_qualified:
            unknown.append(
                UnknownCall(
                    expr_text(target_expr),
                    location,
                    "method not found on the class or its project bases",
                )
            )
            return
        reason = self._unknown_reason(target_expr, context)
        if reason is not None:
            unknown.append(UnknownCall(expr_text(target_expr), location, reason))

    def receivers(self, signal: str) -> list[tuple[str, str | None]]:
        """The project functions connected to `signal` (a qualified name), each with the
        sender it was connected for (None: any sender)."""
        if self._receivers is None:
            found: dict[str, list[tuple[str, str | None]]] = {}
            for qualified, info, function in self.index.iter_functions():
                for decorator in function.decorators:
                    if not isinstance(decorator, Call) or not decorator.args:
                        continue
                    name = self.index.resolve_expr(info.name, decorator.func)
                    if name not in django_api.SIGNAL_RECEIVER_DECORATORS:
                        continue
                    signals = decorator.args[0]
                    named = signals.items if isinstance(signals, Seq) else (signals,)
                    sender = self._sender(info.name, decorator.kwarg("sender"))
                    for item in named:
                        target = self.index.resolve_expr(info.name, item)
                        if target is not None:
                            found.setdefault(target, []).append((qualified, sender))
                if function.mentions("connect"):  # else its body need not be extracted
                    for call in function.calls:
                        self._connection(info, call.func, call.args, call.kwargs, found)
            for info in self.index.modules.values():
                for statement in info.facts.statements:
                    value = statement.value
                    if statement.kind == "call" and isinstance(value, Call):
                        self._connection(info, value.func, value.args, value.kwargs, found)
            self._receivers = found
        return self._receivers.get(signal, [])

    def _sender(self, module: str, expr: Expr | None) -> str | None:
        return self.index.resolve_expr(module, expr) if expr is not None else None

    def _connection(
        self,
        info: ModuleInfo,
        func: Expr,
        args: tuple[Expr, ...],
        kwargs: tuple[tuple[str | None, Expr], ...],
        found: dict[str, list[tuple[str, str | None]]],
    ) -> None:
        """`post_save.connect(handler, sender=Order)`, module level or in AppConfig.ready()."""
        if not isinstance(func, Name) or not func.dotted.endswith(".connect") or not args:
            return
        signal = self.index.resolve(info.name, func.dotted.removesuffix(".connect"))
        handler = self.index.resolve_expr(info.name, args[0])
        if signal is None or handler is None or handler not in self.index.functions:
            return
        sender = next((self._sender(info.name, v) for k, v in kwargs if k == "sender"), None)
        found.setdefault(signal, []).append((handler, sender))

    def _model_signal_receivers(self, callee: T) -> list[str]:
        """`order.save()` sends pre_save/post_save for Order: the receivers connected for
        it (or for any sender) run inside the call."""
        signals = django_api.MODEL_SIGNALS.get(callee.name) if callee.kind == "bound" else None
        if not signals or not callee.model:
            return []
        return [
            receiver
            for signal in signals
            for receiver, wanted in self.receivers(signal)
            if wanted is None or wanted == callee.model
        ]

    def _signal_receivers(self, call: CallSite, context: Context) -> list[str]:
        """`order_paid.send(sender=Order, ...)` runs the receivers connected for that sender."""
        func = call.func
        if not isinstance(func, Name) or "." not in func.dotted:
            return []
        prefix, _, method = func.dotted.rpartition(".")
        if method not in django_api.SIGNAL_SEND_METHODS:
            return []
        signal = self.index.resolve(context.info.name, prefix)
        if signal is None:
            return []
        sent = call.args[0] if call.args else None
        for keyword, value in call.kwargs:
            if keyword == "sender":
                sent = value
        sender = self.evaluate(sent, context) if sent is not None else UNKNOWN
        sender_class = sender.name if sender.kind in ("class", "model_class") else None
        return [
            receiver
            for receiver, wanted in self.receivers(signal)
            if wanted is None or sender_class is None or wanted == sender_class
        ]

    def _validation_methods(self, callee: T) -> list[str]:
        """`form.is_valid()` on a project form runs its clean_<field>() and clean() methods
        (the nearest definition of each name along the MRO)."""
        owner = callee.owner
        if (
            callee.kind not in ("bound", "inherited")
            or owner is None
            or owner.kind != "instance"
            or callee.name.rpartition(".")[2] not in django_api.FORM_VALIDATION_CALLS
            or not self.index.is_subclass(owner.name, django_api.FORM_BASES)
        ):
            return []
        found: dict[str, str] = {}
        for klass in self.index.mro(owner.name):
            entry = self.index.classes.get(klass)
            if entry is None:
                continue
            for method in entry[1].methods:
                if method == "clean" or method.startswith("clean_"):
                    found.setdefault(method, f"{klass}.{method}")
        return list(found.values())

    def _constant_number(self, expr: Expr, context: Context) -> float | None:
        """A literal number, or a name bound to one (`POLL_INTERVAL = 0.05`, imported or
        local)."""
        for _ in range(4):
            if isinstance(expr, Const):
                value = expr.value
                if isinstance(value, int | float) and not isinstance(value, bool):
                    return float(value)
                return None
            if not isinstance(expr, Name):
                return None
            followed = self._follow_name(expr, context)
            if followed is None:
                return None
            expr, context = followed
        return None

    def _async_generator_argument(self, call: CallSite, context: Context) -> bool:
        content = call.args[0] if call.args else None
        for keyword, value in call.kwargs:
            if keyword == "streaming_content":
                content = value
        if not isinstance(content, Call):
            return False
        producer = self.evaluate(content.func, context)
        entry = self.index.functions.get(producer.name)
        return entry is not None and entry[1].is_async and entry[1].is_generator

    def _unknown_reason(self, target: Expr, context: Context) -> str | None:
        if isinstance(target, Call):
            inner = target.func
            if isinstance(inner, Name) and inner.dotted == "getattr":
                return "getattr() dispatch"
            return "calls the result of a call"
        if isinstance(target, Subscript):
            return "calls an item looked up at run time"
        if isinstance(target, Name):
            head = target.dotted.split(".")[0]
            function = context.function
            if function is not None and head in function.params and "." not in target.dotted:
                return "calls a callback passed in as an argument"
        return None

    def _render_context(
        self,
        context: Context,
        call: CallSite,
        location: Location,
        in_transaction: bool,
        effects: list[Effect],
    ) -> None:
        mapping: Expr | None = call.args[2] if len(call.args) >= 3 else None
        for keyword, argument in call.kwargs:
            if keyword == "context":
                mapping = argument
        if isinstance(mapping, Name):
            bindings = context.bindings.get(mapping.dotted)
            if bindings:
                mapping = bindings[-1].value
        if not isinstance(mapping, Mapping):
            return
        row = self._known(f"{QS}.__render__")
        for key, value in zip(mapping.keys, mapping.values, strict=True):
            if self.evaluate(value, context).kind != "queryset":
                continue
            key_name = key.value if isinstance(key, Const) and isinstance(key.value, str) else "?"
            effects.append(
                self._effect(
                    row,
                    f"{QS}.__render__",
                    location,
                    context,
                    call.loop_counts,
                    in_transaction=in_transaction,
                    detail=f"context[{key_name!r}] = {expr_text(value)} is a lazy queryset: the "
                    "template runs its query while rendering",
                    subject=key_name,
                )
            )

    def _propagate(
        self,
        context: Context,
        callee: T,
        call: CallSite,
        location: Location,
        confidence: Confidence,
        in_transaction: bool,
        wrapped: bool,
        effects: list[Effect],
        unknown: list[UnknownCall],
    ) -> None:
        summary = self.summary(
            callee.name, *self.bind_call(callee, call.args, call.kwargs, context)
        )
        multiplier = self.multiplier(call.loop_counts)
        link = ChainLink(context.qualified, location)
        for effect in summary.effects:
            total = min(effect.multiplier * multiplier, _MAX_MULTIPLIER)
            per_call = effect.estimated_ms / max(effect.multiplier, 1)
            effects.append(
                replace(
                    effect,
                    chain=(link, *effect.chain),
                    multiplier=total,
                    estimated_ms=round(per_call * total, 3),
                    in_loop=effect.in_loop or bool(call.loop_counts),
                    confidence=weaker(effect.confidence, confidence),
                    blocking=effect.blocking and not wrapped,
                    awaited=effect.awaited or wrapped or call.awaited,
                    in_transaction=effect.in_transaction or in_transaction,
                )
            )
        unknown.extend(summary.unknown_calls)


def total_ms(effects: Iterable[Effect]) -> float:
    return math.fsum(effect.estimated_ms for effect in effects)
