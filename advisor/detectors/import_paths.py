"""Classes named by dotted-path strings: `import_string(settings.X)`, and the loaders
libraries write for themselves (allauth's `import_attribute(path)`, social-core's
`module_member(name)`: a function returning `getattr(<the module it imported>, <name>)`).
When the string is not static, the dotted paths the code passes as defaults stand for it:
`app_settings.ADAPTER` is a property returning `self._setting("ADAPTER",
"allauth.socialaccount.adapter.DefaultSocialAccountAdapter")`, reached through the module's
PEP 562 `__getattr__`."""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING

from advisor import django_api
from advisor.facts import Attr, Call, Const, Expr, Name, Subscript
from advisor.index import ProjectIndex
from advisor.values import MAX_EVAL_DEPTH, MAX_UNION, UNKNOWN, Context, Kind, T, union

_DOTTED_PATH = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+")
_MODULE_IMPORTERS = frozenset({"importlib.import_module", "__import__"})


class ImportPaths:
    """What a dotted-path loader call gives."""

    _path_importers: dict[str, bool] | None = None  # per analyzer, made on first use
    _path_parameters: dict[str, frozenset[str]] | None = None

    if TYPE_CHECKING:
        # Defined by the other parts of EffectAnalyzer (advisor/effects.py).
        index: ProjectIndex

        def evaluate(self, expr: Expr, context: Context, depth: int = 0) -> T:
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

        def string_value(self, expr: Expr, context: Context, depth: int = 0) -> str | None:
            raise NotImplementedError

        def _is_property(self, method: str) -> bool:
            raise NotImplementedError

    def imports_by_path(self, qualified: str) -> bool:
        """Whether the project (or installed) function `qualified` imports what its first
        argument names: it returns `getattr(M, name)` where M is a module it imported."""
        if self._path_importers is None:
            self._path_importers = {}
        known = self._path_importers.get(qualified)
        if known is None:
            self._path_importers[qualified] = False  # while deciding (recursion)
            known = self._path_importers[qualified] = self._decide_importer(qualified)
        return known

    def path_parameters(self, qualified: str) -> frozenset[str]:
        """The parameters a function hands to a dotted-path loader as the path (social-core's
        `get_strategy(strategy, ...)` calls `module_member(strategy)`): a call site's string
        for them is kept, as a constant, in the summary of the call."""
        if self._path_parameters is None:
            self._path_parameters = {}
        known = self._path_parameters.get(qualified)
        if known is not None:
            return known
        self._path_parameters[qualified] = frozenset()
        entry = self.index.functions.get(qualified)
        found: set[str] = set()
        if entry is not None:
            params = set(entry[1].params)
            context = None
            for call in entry[1].calls:
                first = call.args[0] if call.args else None
                if not isinstance(first, Name) or first.dotted not in params:
                    continue
                context = context or self.context_for(qualified)
                if context is None:
                    break
                callee = self.evaluate(call.func, context)
                if (
                    callee.kind == Kind.FUNCTION and self.imports_by_path(callee.name)
                ) or callee.name in django_api.IMPORT_BY_PATH:
                    found.add(first.dotted)
        known = self._path_parameters[qualified] = frozenset(found)
        return known

    def path_argument(self, argument: Expr, context: Context, depth: int) -> T:
        """What a call passes for a path parameter: the dotted path as a constant (the one the
        code states, or the single default it passes), else unknown."""
        path = self.string_value(argument, context, depth)
        if path is None or not _DOTTED_PATH.fullmatch(path):
            candidates = list(dict.fromkeys(self._path_candidates(argument, context, depth)))
            path = candidates[0] if len(candidates) == 1 else None
        return T(Kind.CONST, repr(path)) if path is not None else UNKNOWN

    def _decide_importer(self, qualified: str) -> bool:
        entry = self.index.functions.get(qualified)
        if entry is None or not entry[1].params or not entry[1].mentions("getattr"):
            return False
        context = self.context_for(qualified)
        if context is None or context.function is None:
            return False
        for returned in context.function.returns:
            value = _local(returned, context)
            if not (
                isinstance(value, Call)
                and isinstance(value.func, Name)
                and value.func.dotted == "getattr"
                and len(value.args) >= 2
                and not isinstance(value.args[1], Const)
            ):
                continue
            module = _local(value.args[0], context)
            if isinstance(module, Call) and self._imports_module(module, context):
                return True
        return False

    def _imports_module(self, call: Call, context: Context) -> bool:
        """`importlib.import_module(x)`, `__import__(x)`, or a function that returns
        `sys.modules[x]` or `importlib.import_module(x)`."""
        callee = self.evaluate(call.func, context)
        if callee.name in _MODULE_IMPORTERS:
            return True
        helper = self.context_for(callee.name) if callee.kind == Kind.FUNCTION else None
        if helper is None or helper.function is None:
            return False
        for returned in helper.function.returns:
            if (
                isinstance(returned, Subscript)
                and isinstance(returned.value, Name)
                and self.index.canonical(returned.value.dotted) in ("sys.modules", "modules")
            ):
                return True
            if isinstance(returned, Call) and (
                self.evaluate(returned.func, helper).name in _MODULE_IMPORTERS
            ):
                return True
        return False

    def imported_by_path(self, expr: Expr, context: Context, depth: int) -> T:
        """What a loader call on `expr` gives: the class (or function) the string names, or
        the union of the dotted paths the code passes as its defaults."""
        path = self.string_value(expr, context, depth)
        paths = [path] if path is not None and _DOTTED_PATH.fullmatch(path) else []
        if not paths:
            paths = list(dict.fromkeys(self._path_candidates(expr, context, depth)))
        found = [self.classify(self.index.canonical(p), depth + 1) for p in paths[:MAX_UNION]]
        known = tuple(t for t in found if t.kind in (Kind.CLASS, Kind.FUNCTION, Kind.MODEL_CLASS))
        return union(known) if known else UNKNOWN

    def _path_candidates(self, expr: Expr, context: Context, depth: int) -> list[str]:
        if depth > MAX_EVAL_DEPTH:
            return []
        down = depth + 1
        if isinstance(expr, Const):
            return _dotted_constant(expr)
        if isinstance(expr, Call):
            passed = (*expr.args, *(v for _, v in expr.kwargs))
            defaults = [p for a in passed for p in _dotted_constant(a)]
            if defaults:
                return defaults  # `self._setting("ADAPTER", "pkg.adapter.DefaultAdapter")`
            return self._returned_paths(self.evaluate(expr.func, context, down), down)
        if isinstance(expr, Name) and "." not in expr.dotted:
            bindings = context.bindings.get(expr.dotted)
            if bindings:
                return self._path_candidates(bindings[-1].value, context, down)
            given = context.arguments.get(expr.dotted)
            if given is not None and given.kind == Kind.CONST:
                # A path parameter: the call site's constant (see path_parameters).
                value = ast.literal_eval(given.name)
                return [value] if isinstance(value, str) else []
            qualified = self.index.resolve(context.info.name, expr.dotted)
            found = self.index.value_of(qualified) if qualified else None
            if found is None:
                return []
            return self._path_candidates(found[1], Context(expr.dotted, found[0], None, None), down)
        if isinstance(expr, Name):
            head, _, attribute = expr.dotted.rpartition(".")
            owner = self.evaluate(Name(head), context, down)
        elif isinstance(expr, Attr):
            owner, attribute = self.evaluate(expr.value, context, down), expr.attr
        else:
            return []
        return self._attribute_paths(owner, attribute, down)

    def _attribute_paths(self, owner: T, attribute: str, depth: int) -> list[str]:
        """The paths `owner.attribute` can hold: a module-level value, a module's PEP 562
        `__getattr__` delegating to an object, or a property of a class."""
        if depth > MAX_EVAL_DEPTH:
            return []
        if owner.kind == Kind.MODULE:
            found = self.index.value_of(f"{owner.name}.{attribute}")
            if found is not None:
                return self._path_candidates(
                    found[1], Context(owner.name, found[0], None, None), depth
                )
            hook = self.context_for(f"{owner.name}.__getattr__")
            if hook is None or hook.function is None:
                return []
            paths: list[str] = []
            for returned in hook.function.returns:
                if (
                    isinstance(returned, Call)
                    and isinstance(returned.func, Name)
                    and returned.func.dotted == "getattr"
                    and len(returned.args) >= 2
                ):
                    # `return getattr(_app_settings, name)`: the same attribute of that object.
                    target = self.evaluate(returned.args[0], hook, depth + 1)
                    paths += self._attribute_paths(target, attribute, depth + 1)
            return paths
        if owner.kind in (Kind.INSTANCE, Kind.CLASS) and owner.name in self.index.classes:
            method = self.index.find_method(owner.name, attribute)
            if method is not None and self._is_property(method):
                return self._returned_paths(T(Kind.METHOD, method, owner=owner), depth + 1)
        return []

    def _returned_paths(self, callee: T, depth: int) -> list[str]:
        if callee.kind not in (Kind.FUNCTION, Kind.METHOD) or depth > MAX_EVAL_DEPTH:
            return []
        receiver = callee.owner if callee.kind == Kind.METHOD else None
        context = self.context_for(callee.name, receiver)
        if context is None or context.function is None:
            return []
        return [
            p
            for r in context.function.returns
            for p in self._path_candidates(r, context, depth + 1)
        ]


def _dotted_constant(expr: Expr) -> list[str]:
    """A string literal that is a dotted path (`"pkg.adapter.DefaultAdapter"`), as a list."""
    if isinstance(expr, Const) and isinstance(expr.value, str):
        return [expr.value] if _DOTTED_PATH.fullmatch(expr.value) else []
    return []


def _local(expr: Expr, context: Context) -> Expr:
    """A plain local name's last bound value (`module = import_module(mod)`)."""
    if isinstance(expr, Name) and "." not in expr.dotted:
        bindings = context.bindings.get(expr.dotted)
        if bindings and not bindings[-1].from_loop:
            return bindings[-1].value
    return expr
