"""The type evaluator: follows names through local bindings, closures, parameters, imports,
class attributes, properties and `__init__` assignments to what they hold (`session =
requests.Session()` → `session.get` is HTTP)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from advisor import django_api
from advisor.catalog import Catalog
from advisor.facts import (
    Attr,
    Binding,
    Call,
    Comprehension,
    Const,
    Expr,
    FunctionFacts,
    ImportedName,
    Mapping,
    Name,
    Seq,
    Subscript,
)
from advisor.index import ProjectIndex
from advisor.model import BoundAttribute
from advisor.values import (
    BUILTINS,
    MAX_EVAL_DEPTH,
    MAX_UNION,
    MODEL,
    QS,
    UNKNOWN,
    Context,
    Kind,
    T,
    union,
)


class Evaluator:
    """Names, attributes and expressions to their static types."""

    if TYPE_CHECKING:
        # Defined by the other parts of EffectAnalyzer (advisor/effects.py).
        _attributes_in_progress: set[tuple[str, str]]
        _bound: dict[str, dict[str, list[T]]]
        _by_scope: dict[str, str] | None
        _by_scope_size: int
        _model_cache: dict[str, bool]
        _settings_module: str | None
        catalog: Catalog
        index: ProjectIndex

        def _model_attribute(self, base: T, name: str) -> T:
            raise NotImplementedError

        def _model_class_attribute(self, base: T, name: str) -> T:
            raise NotImplementedError

        def call_result(self, callee: T, call: Call | None, context: Context, depth: int) -> T:
            raise NotImplementedError

        def serializer_context(self, serializer: T) -> T | None:
            raise NotImplementedError

        def set_on_request(self, name: str, depth: int) -> T | None:
            raise NotImplementedError

    def bind_route_attributes(self, view_class: str, bindings: Iterable[BoundAttribute]) -> None:
        """What the view's routes bind on its instance (`as_view(**initkwargs)`, a factory
        closure's classes): `self.<attribute>` is typed from them, the union over routes."""
        for bound in bindings:
            if bound.kind == "function":
                value = T(Kind.FUNCTION, bound.value)
            else:
                value = self.classify(bound.value)
                if bound.kind == "instance" and value.kind == Kind.CLASS:
                    value = T(Kind.INSTANCE, value.name)
                elif bound.kind == "instance" and value.kind == Kind.MODEL_CLASS:
                    value = T(Kind.MODEL, value.name, value.model)
            if value.kind != Kind.UNKNOWN:
                self._bound.setdefault(view_class, {}).setdefault(bound.attribute, []).append(value)

    def is_model(self, qualified: str) -> bool:
        cached = self._model_cache.get(qualified)
        if cached is None:
            cached = qualified != MODEL and self.index.is_subclass(qualified, frozenset({MODEL}))
            self._model_cache[qualified] = cached
        return cached

    def classify(self, qualified: str, depth: int = 0) -> T:
        if qualified in self.index.classes:
            return (
                T(Kind.MODEL_CLASS, qualified, qualified)
                if self.is_model(qualified)
                else T(Kind.CLASS, qualified)
            )
        if qualified in self.index.functions:
            return T(Kind.FUNCTION, qualified)
        if qualified in self.index.modules:
            return T(Kind.MODULE, qualified)
        value = self.index.value_of(qualified)
        if value is not None and depth < MAX_EVAL_DEPTH:
            info, expr = value
            return self.evaluate(expr, Context(qualified, info, None, None), depth + 1)
        if self.is_model(qualified):
            return T(Kind.MODEL_CLASS, qualified, qualified)
        return T(Kind.EXTERNAL, qualified)

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
                return T(Kind.CLASS, context.class_qualified)
            if self.index.is_subclass(context.class_qualified, frozenset({QS, django_api.MANAGER})):
                # `self` in a custom QuerySet/Manager method is a queryset.
                return T(Kind.QUERYSET, context.class_qualified, "")
            if self.is_model(context.class_qualified):
                # `self` in a model's method is a model instance: `self.members.set(...)`.
                return T(Kind.MODEL, context.class_qualified, context.class_qualified)
            return T(Kind.INSTANCE, context.class_qualified)
        argument = context.arguments.get(name)
        if argument is not None:
            return argument
        if name == "request" or name == "req":
            return T(Kind.REQUEST)
        default = dict(function.defaults).get(name)
        if default is not None and not isinstance(default, Const):
            # `def request_sign_out(self, session=requests)`: what the body uses when the
            # caller passes nothing (a caller's argument, above, wins).
            return self.evaluate(default, Context(context.qualified, context.info, None, None))
        return None

    def evaluate(self, expr: Expr, context: Context, depth: int = 0) -> T:
        if depth > MAX_EVAL_DEPTH:
            self.index.limits.setdefault(
                "evaluation",
                f"values followed through more than {MAX_EVAL_DEPTH} steps are unknown "
                f"(first in {context.qualified})",
            )
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
                and expr.func.dotted in BUILTINS
                and (self.index.resolve(context.info.name, expr.func.dotted) is None)
            ):
                if expr.func.dotted == "super" and context.class_qualified:
                    return T(Kind.SUPER, context.class_qualified, owner=context.receiver)
                if (
                    expr.func.dotted == "getattr"
                    and len(expr.args) >= 2
                    and isinstance(expr.args[1], Const)
                    and isinstance(expr.args[1].value, str)
                ):
                    # `getattr(obj, "name", default)` with a literal name is `obj.name`.
                    owner = self.evaluate(expr.args[0], context, down)
                    return self.attribute(owner, expr.args[1].value, context, down)
                return T(Kind.BUILTIN_RESULT, expr.func.dotted)
            return self.call_result(self.evaluate(expr.func, context, down), expr, context, down)
        if isinstance(expr, Subscript):
            base = self.evaluate(expr.value, context, down)
            if base.kind == Kind.QUERYSET:
                return base if expr.is_slice else T(Kind.MODEL, base.model, base.model)
            if base.kind == Kind.MAPPING and not expr.is_slice:
                return union(base.items)
            if base.kind == Kind.TUPLE and isinstance(expr.index, Const):
                position = expr.index.value
                if isinstance(position, int) and -len(base.items) <= position < len(base.items):
                    return base.items[position]
            return UNKNOWN
        if isinstance(expr, Mapping):
            # `{"paypal": PayPalProvider, "stripe": StripeProvider}`: what a lookup can give.
            values = expr.values[:MAX_UNION]
            return T(Kind.MAPPING, items=tuple(self.evaluate(v, context, down) for v in values))
        if isinstance(expr, Seq) and expr.kind == "tuple":
            return T(
                Kind.TUPLE, items=tuple(self.evaluate(item, context, down) for item in expr.items)
            )
        if isinstance(expr, Comprehension):
            return T(Kind.LIST)
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
        is_param = context.function is not None and head in context.function.params
        if head in context.bindings and not is_param:
            return UNKNOWN
        # A parameter rebound from itself (`request = cast(HttpRequest, request)`) reads
        # the parameter there.
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
                return T(Kind.FUNCTION, f"{scope}.<locals>.{head}")
            enclosing = self._enclosing(context)
            while enclosing is not None and depth < MAX_EVAL_DEPTH:
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
                return T(Kind.FUNCTION, local)
            return T(Kind.BUILTIN, head) if head in BUILTINS else UNKNOWN
        return self.classify(qualified, depth)

    def _enclosing(self, context: Context) -> Context | None:
        parent, marker, _ = context.qualified.rpartition(".<locals>.")
        if not marker:
            return None
        if self._by_scope is None or self._by_scope_size != len(self.index.functions):
            # Rebuilt when installed modules joined the index since.
            self._by_scope_size = len(self.index.functions)
            self._by_scope = {q.replace(".<locals>.", "."): q for q in list(self.index.functions)}
        enclosing = self.context_for(self._by_scope.get(parent, parent))
        return enclosing if enclosing is not None and enclosing.function is not None else None

    def element(self, iterable: T) -> T:
        if iterable.kind == Kind.QUERYSET:
            return T(Kind.MODEL, iterable.model, iterable.model)
        return UNKNOWN

    def attribute(self, base: T, name: str, context: Context, depth: int) -> T:
        kind = base.kind
        if kind == Kind.UNION:
            return union(tuple(self.attribute(i, name, context, depth + 1) for i in base.items))
        if kind == Kind.MAPPING:
            return T(Kind.MAPPING_GET, items=base.items) if name == "get" else UNKNOWN
        if kind in (Kind.MODULE, Kind.EXTERNAL):
            qualified = self.index.canonical(f"{base.name}.{name}")
            return self.classify(qualified, depth)
        if kind == Kind.MODEL_CLASS:
            return self._model_class_attribute(base, name)
        if kind in (Kind.MANAGER, Kind.QUERYSET):
            if base.name:
                method = self.index.find_method(base.name, name)
                if method is not None:
                    return T(
                        Kind.METHOD,
                        method,
                        base.model,
                        owner=T(Kind.QUERYSET, base.name, base.model),
                    )
            if name == "model" and base.model:
                return T(Kind.MODEL_CLASS, base.model, base.model)
            return T(Kind.BOUND, f"{QS}.{name}", base.model)
        if kind == Kind.MODEL:
            return self._model_attribute(base, name)
        if kind in (Kind.INSTANCE, Kind.CLASS):
            routed = self._bound.get(base.name, {}).get(name) if kind == Kind.INSTANCE else None
            if routed:
                return union(tuple(dict.fromkeys(routed)))
            if base.name in self.index.classes:
                method = self.index.find_method(base.name, name)
                if method is not None:
                    bound = T(Kind.METHOD, method, owner=base)
                    if kind == Kind.INSTANCE and self._is_property(method):
                        # `self.client.get(...)` where `client` is a @property: its value.
                        return self.call_result(bound, None, context, depth)
                    return bound
                if name == "request" and self.index.is_subclass(
                    base.name, frozenset({django_api.VIEW})
                ):
                    return T(Kind.REQUEST)
                attribute = self.index.class_attribute(base.name, name)
                if attribute is not None and depth < MAX_EVAL_DEPTH:
                    info, expr = attribute
                    return self.evaluate(expr, Context(base.name, info, None, None), depth + 1)
                if kind == Kind.INSTANCE and depth < MAX_EVAL_DEPTH:
                    assigned = self._instance_attribute(base.name, name, depth + 1)
                    if assigned is not None:
                        return assigned
                if kind == Kind.INSTANCE and name == "context":
                    # A DRF serializer's context: the request and the views building it.
                    held = self.serializer_context(base)
                    if held is not None:
                        return held
                external = [c for c in self.index.mro(base.name) if c not in self.index.classes]
                for ancestor in external:
                    # A framework method the class inherits: ModelForm.save, View.dispatch…
                    if self.catalog.match(f"{ancestor}.{name}") is not None:
                        return T(Kind.BOUND, f"{ancestor}.{name}", owner=base)
                if external:
                    return T(Kind.INHERITED, f"{external[0]}.{name}", owner=base)
                return T(Kind.UNRESOLVED_MEMBER, f"{base.name}.{name}")
            return T(Kind.BOUND, f"{base.name}.{name}")
        if kind == Kind.SUPER:
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
                    return T(Kind.METHOD, f"{klass}.{name}", owner=receiver)
            return T(Kind.BOUND, f"super.{name}")
        if kind == Kind.REQUEST:
            if name == "user":
                return T(
                    Kind.MODEL, "django.contrib.auth.models.User", "django.contrib.auth.models.User"
                )
            held = self.set_on_request(name, depth)
            return held if held is not None else T(Kind.REQUEST_ATTR, name)
        return UNKNOWN

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
                    context = self.context_for(qualified, T(Kind.INSTANCE, class_qualified))
                    if context is None:
                        continue
                    value = self.evaluate(expr, context, depth)
                    if value.kind != Kind.UNKNOWN:
                        return value
        return None
