"""Calls to types: what a call returns (project functions' returns, tuples, catalog
constructors, import by path), and the receiver and argument types it hands the callee."""

from __future__ import annotations

from typing import TYPE_CHECKING

from advisor import django_api
from advisor.catalog import Catalog
from advisor.catalog.database import INSTANCE_METHODS, LAZY_QUERYSET_METHODS
from advisor.facts import Call, CallSite, Const, Expr, FunctionFacts, Name, Starred
from advisor.index import ProjectIndex
from advisor.static_eval import module_value
from advisor.values import (
    BINDABLE_KINDS,
    MAX_EVAL_DEPTH,
    QS,
    SHORTCUTS_RETURNING_INSTANCE,
    UNKNOWN,
    Context,
    Kind,
    T,
    union,
)


class CallTypes:
    """What calls return, and what they bind in the callee."""

    if TYPE_CHECKING:
        # Defined by the other parts of EffectAnalyzer (advisor/effects.py).
        _returns_in_progress: set[str]
        _settings_module: str | None
        catalog: Catalog
        index: ProjectIndex

        @staticmethod
        def _decorated(function: FunctionFacts, name: str) -> bool:
            raise NotImplementedError

        def classify(self, qualified: str, depth: int = 0) -> T:
            raise NotImplementedError

        def context_for(
            self,
            qualified: str,
            receiver: T | None = None,
            arguments: tuple[tuple[str, T], ...] = (),
        ) -> Context | None:
            raise NotImplementedError

        def evaluate(self, expr: Expr, context: Context, depth: int = 0) -> T:
            raise NotImplementedError

        def built_serializer(self, callee: T, context: Context, depth: int) -> T | None:
            raise NotImplementedError

        def imports_by_path(self, qualified: str) -> bool:
            raise NotImplementedError

        def path_parameters(self, qualified: str) -> frozenset[str]:
            raise NotImplementedError

        def path_argument(self, argument: Expr, context: Context, depth: int) -> T:
            raise NotImplementedError

        def imported_by_path(self, expr: Expr, context: Context, depth: int) -> T:
            raise NotImplementedError

    def call_result(self, callee: T, call: Call | None, context: Context, depth: int) -> T:
        kind = callee.kind
        if kind == Kind.UNION and depth < MAX_EVAL_DEPTH:
            return union(
                tuple(self.call_result(item, call, context, depth + 1) for item in callee.items)
            )
        if kind == Kind.MAPPING_GET:
            return union(callee.items)
        factory = (
            django_api.MODEL_CLASS_FACTORIES.get(callee.name) if kind == Kind.EXTERNAL else None
        )
        if factory is not None:
            return T(Kind.MODEL_CLASS, factory, factory)
        if kind == Kind.EXTERNAL and callee.name in SHORTCUTS_RETURNING_INSTANCE and call:
            target = self.evaluate(call.args[0], context, depth) if call.args else UNKNOWN
            if target.model:
                return T(Kind.MODEL, target.model, target.model)
        if kind == Kind.EXTERNAL and callee.name == "typing.cast" and call and len(call.args) > 1:
            # `cast(HttpRequest, request)` returns its second argument unchanged.
            return self.evaluate(call.args[1], context, depth)
        if (
            kind == Kind.EXTERNAL
            and callee.name in django_api.IMPORT_BY_PATH
            and call
            and call.args
        ):
            path = self.string_value(call.args[0], context, depth)
            if path is not None and "." in path:
                return self.classify(self.index.canonical(path), depth + 1)
            return UNKNOWN
        if kind in (Kind.EXTERNAL, Kind.BOUND):
            row = self.catalog.match(callee.name)
            if row is not None and row.returns:
                return T(Kind.INSTANCE, row.returns)
            if kind == Kind.BOUND and callee.name.startswith(f"{QS}."):
                method = callee.name.rsplit(".", 1)[1]
                if method in LAZY_QUERYSET_METHODS:
                    return T(Kind.QUERYSET, "", callee.model)
                if method in INSTANCE_METHODS:
                    return T(Kind.MODEL, callee.model, callee.model)
                return UNKNOWN
            last = callee.name.rsplit(".", 1)[-1]
            if kind == Kind.EXTERNAL and last[:1].isupper():
                return T(Kind.INSTANCE, callee.name)
            return UNKNOWN
        if kind == Kind.CLASS:
            return T(Kind.INSTANCE, callee.name)
        if kind == Kind.MODEL_CLASS:
            return T(Kind.MODEL, callee.model, callee.model)
        if (
            kind == Kind.FUNCTION
            and call is not None
            and call.args
            and self.imports_by_path(callee.name)
        ):
            return self.imported_by_path(call.args[0], context, depth)
        if kind in (Kind.FUNCTION, Kind.METHOD):
            receiver, arguments = (
                self.bind_call(callee, call.args, call.kwargs, context, depth)
                if call is not None
                else (self._receiver(callee), ())
            )
            returned = self.return_type(callee.name, depth, receiver, arguments)
            if returned.kind == Kind.UNKNOWN and callee.model:
                return T(Kind.QUERYSET, "", callee.model)
            return returned
        if kind == Kind.INHERITED:
            built = self.built_serializer(callee, context, depth)
            if built is not None:
                return built
        return UNKNOWN

    def _receiver(self, callee: T) -> T | None:
        """What `self` is in a method reached through `callee`: None when it is the class
        that defines the method (the plain summary), or for an unbound `Class.method(obj)`."""
        owner = callee.owner
        if owner is None or callee.kind != Kind.METHOD:
            return None
        entry = self.index.functions.get(callee.name)
        if entry is None:
            return None
        function = entry[1]
        if self._decorated(function, "staticmethod"):
            return None
        if owner.kind == Kind.CLASS and not self._decorated(function, "classmethod"):
            return None
        defining = callee.name.rpartition(".")[0]
        if owner.name == defining and owner.kind == Kind.INSTANCE and owner.owner is None:
            return None  # (a serializer that knows its view keeps it: see detectors/serializers)
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
        if callee.kind == Kind.METHOD and not self._decorated(function, "staticmethod"):
            unbound = (
                callee.owner is not None
                and callee.owner.kind == Kind.CLASS
                and not self._decorated(function, "classmethod")
            )
            if not unbound:
                params = params[1:]
        bound: dict[str, T] = {}
        complete = True  # every argument the call passes is known by position or name
        guarded = {guard.subject for call in function.calls for guard in call.guards}
        paths = self.path_parameters(callee.name)
        for param, argument in zip(params, args, strict=False):
            if isinstance(argument, Starred):
                complete = False
                break
            bound[param] = (
                self.path_argument(argument, context, depth)
                if param in paths
                else self._argument(argument, param in guarded, context, depth)
            )
        for keyword, argument in kwargs:
            if keyword is None:
                complete = False
            elif keyword in function.params:
                bound[keyword] = (
                    self.path_argument(argument, context, depth)
                    if keyword in paths
                    else self._argument(argument, keyword in guarded, context, depth)
                )
        if complete:
            # A parameter the call leaves out has its default: `pgturl=None` decides the
            # callee's `if pgturl is not None:`.
            for param, default in function.defaults:
                if param in guarded and param not in bound and isinstance(default, Const):
                    bound[param] = T(Kind.CONST, repr(default.value))
        arguments = tuple(
            (param, value)
            for param, value in sorted(bound.items())
            if value.kind in BINDABLE_KINDS
            and not (value.kind == Kind.REQUEST and param in ("request", "req"))
        )
        return receiver, arguments

    def _argument(self, argument: Expr, guarded: bool, context: Context, depth: int) -> T:
        if isinstance(argument, Const):
            # Constants only matter where the callee tests the parameter.
            return T(Kind.CONST, repr(argument.value)) if guarded else UNKNOWN
        return self.evaluate(argument, context, depth + 1)

    def _excluded(self, call: CallSite, context: Context) -> bool:
        """Whether an enclosing `if` on a parameter is decided against the call by the
        constant the call site passed (or left to its default)."""
        for guard in call.guards:
            value = context.arguments.get(guard.subject)
            if value is None:
                value = self._module_constant(guard.subject, context)
            if value is None or value.kind != Kind.CONST or guard.subject in context.bindings:
                continue  # unknown, or reassigned in the body (`if x is None: x = ...`)
            if guard.test == "is_none":
                outcome = value.name == "None"
            else:
                outcome = value.name not in ("None", "False", "0", "''", "0.0")
            if outcome != guard.holds:
                return True
        return False

    def _module_constant(self, name: str, context: Context) -> T | None:
        """`REMOTE_PRICES = False` at module level (here or imported): a literal the `if`
        tests; a parameter or a closure's name is not one."""
        function = context.function
        if function is None or name in function.params or ".<locals>." in context.qualified:
            return None
        qualified = self.index.resolve(context.info.name, name)
        found = self.index.value_of(qualified) if qualified is not None else None
        if found is None or not isinstance(found[1], Const):
            return None
        return T(Kind.CONST, repr(found[1].value))

    def return_type(
        self,
        qualified: str,
        depth: int,
        receiver: T | None = None,
        arguments: tuple[tuple[str, T], ...] = (),
    ) -> T:
        if qualified in self._returns_in_progress or depth > MAX_EVAL_DEPTH:
            return UNKNOWN
        context = self.context_for(qualified, receiver, arguments)
        if context is None or context.function is None:
            return UNKNOWN
        self._returns_in_progress.add(qualified)
        try:
            for expr in context.function.returns:
                result = self.evaluate(expr, context, depth + 1)
                if result.kind != Kind.UNKNOWN:
                    return result
        finally:
            self._returns_in_progress.discard(qualified)
        return UNKNOWN

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
                if factory.kind != Kind.FUNCTION:
                    continue
                applied = self.call_result(factory, decorator, module_context, 0)
            else:
                applied = self.evaluate(decorator, module_context)
            if applied.kind != Kind.FUNCTION or applied.name not in self.index.functions:
                continue
            wrapper = self.return_type(applied.name, 0)
            if (
                wrapper.kind == Kind.FUNCTION
                and ".<locals>." in wrapper.name
                and wrapper.name in self.index.functions
                and wrapper.name != view
            ):
                wrappers.append(wrapper.name)
        return wrappers

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

    def string_value(self, expr: Expr, context: Context, depth: int = 0) -> str | None:
        """The string an expression holds, as far as it is static: a literal, a name bound to
        one (local or module level), a setting, or `getattr(settings, "X", default)` (the
        setting if the project's settings module sets it, else the library's default)."""
        for _ in range(6):
            if depth > MAX_EVAL_DEPTH:
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
