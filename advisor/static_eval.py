"""Turning simple expressions into Python values without running anything: settings such
as `MIDDLEWARE = [...]`, `ROOT_URLCONF = "shop.urls"`, `DATABASES = {...}`, and the values a
URLconf computes at import time: f-strings, `x and "/" or ""`, `getattr(settings, NAME,
default)`, `import_string("pkg.views.View")` and what a project function returns for the
arguments it is called with (bounded, like every recursion here)."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping as MappingABC
from dataclasses import dataclass, field
from typing import Any

from advisor.facts import (
    Attr,
    BinOp,
    BoolOp,
    Call,
    Const,
    Expr,
    FString,
    IfExp,
    ImportedName,
    Mapping,
    Name,
    Seq,
    Starred,
    Subscript,
)
from advisor.index import ModuleInfo, ProjectIndex


class _Unknown:
    """What could not be evaluated (distinct from a value that is None): compare with
    `is UNKNOWN`, never test its truth."""

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Any = _Unknown()
_NOT_YET: Any = _Unknown()  # a module-level name before its first statement
_MAX_DEPTH = 20
_DJANGO_SETTINGS = "django.conf.settings"
_IS_INSTALLED = "django.apps.apps.is_installed"
_TRANSLATIONS = frozenset(
    f"django.utils.translation.{name}"
    for name in ("gettext", "gettext_lazy", "ugettext", "ugettext_lazy", "gettext_noop")
)
_IMPORT_STRING = ("django.utils.module_loading.import_string", "importlib.import_module")
_KNOWN_CALLS = frozenset(
    {
        "os.environ.get",
        "os.getenv",
        "str",
        "int",
        "bool",
        "list",
        "tuple",
        "dict",
        "getattr",
        *_TRANSLATIONS,
        *_IMPORT_STRING,
    }
)


@dataclass(frozen=True, slots=True)
class ObjectRef:
    """A project object named by a dotted path: what `import_string("a.b.C")` returns."""

    qualified: str


@dataclass(frozen=True, slots=True)
class Instance:
    """An instance of a project class (`app_settings = AppSettings()`): its attributes are
    the class's, its properties and methods are evaluated with `self` bound to it."""

    klass: str


_PROPERTIES = ("property", "functools.cached_property", "django.utils.functional.cached_property")


# A project setting's value by name, or UNKNOWN when the settings do not define it.
SettingsLookup = Callable[[str], Any]


def _no_settings(name: str) -> Any:
    return UNKNOWN


@dataclass(slots=True)
class _Frame:
    """Where names resolve: a module, plus a called function's arguments and locals."""

    info: ModuleInfo
    values: dict[str, Any] = field(default_factory=dict)
    locals: MappingABC[str, Expr] = field(default_factory=dict)
    # The called function's qualified name: a class defined in its body is `scope.Name`.
    scope: str | None = None


class StaticEvaluator:
    def __init__(self, index: ProjectIndex, settings: SettingsLookup | None = None) -> None:
        self.index = index
        self.settings = settings or _no_settings
        # (module, name) -> its value so far, while its statements are being evaluated.
        self._in_progress: dict[tuple[str, str], Any] = {}
        self._remembered: dict[tuple[str, str], Any] = {}
        self._truncated = 0  # how often the depth bound cut an evaluation short

    def module_value(self, info: ModuleInfo, name: str, depth: int = 0) -> Any:
        """The value of a module-level name after all of the module's statements, following
        `X += [...]` and `X.append(...)`/`X.extend(...)`/`X.insert(...)`. A name read while
        its own statements are being evaluated (`X = X + [...]`, star imports of each other)
        is the value so far, as Python would see it; results are remembered per evaluator,
        so a settings module that many names refer to is evaluated once."""
        if depth > _MAX_DEPTH:
            self._truncated += 1
            return UNKNOWN
        key = (info.name, name)
        if key in self._in_progress:
            so_far = self._in_progress[key]
            if so_far is _NOT_YET:
                so_far = self._inherited(info, name, depth + 1)
            return _copied(so_far)
        if key in self._remembered:
            return _copied(self._remembered[key])
        truncated_before = self._truncated
        self._in_progress[key] = _NOT_YET
        try:
            value = self._module_statements(info, name, depth + 1)
        finally:
            del self._in_progress[key]
        if self._truncated == truncated_before:  # a cut-off answer is not the answer
            self._remembered[key] = value
        return _copied(value)

    def _module_statements(self, info: ModuleInfo, name: str, down: int) -> Any:
        key = (info.name, name)
        value: Any = _NOT_YET
        for statement in info.facts.statements:
            if statement.target == name and statement.kind == "assign":
                value = self.value(info, statement.value, down)
            elif statement.target == name and statement.kind == "augassign":
                if value is _NOT_YET:  # `X += [...]` after `from .base import *`
                    value = self._inherited(info, name, down)
                extra = self.value(info, statement.value, down)
                if isinstance(value, list) and isinstance(extra, list | tuple):
                    value = [*value, *extra]
                elif isinstance(value, tuple) and isinstance(extra, list | tuple):
                    value = (*value, *extra)
            elif statement.kind == "call" and isinstance(statement.value, Call):
                func = statement.value.func
                if isinstance(func, Name) and func.dotted.startswith(name + "."):
                    if value is _NOT_YET:
                        value = self._inherited(info, name, down)
                    method = func.dotted[len(name) + 1 :]
                    args = [self.value(info, arg, down) for arg in statement.value.args]
                    if isinstance(value, list):
                        if method == "append" and args:
                            value.append(_item(args[0]))
                        elif method == "extend" and args and isinstance(args[0], list | tuple):
                            value.extend(args[0])
                        elif method == "insert" and len(args) == 2 and isinstance(args[0], int):
                            value.insert(args[0], _item(args[1]))
            else:
                continue
            self._in_progress[key] = value
        if value is _NOT_YET:
            return self._inherited(info, name, down)
        return value

    def _inherited(self, info: ModuleInfo, name: str, depth: int) -> Any:
        """`name` as `from .base import *` brings it in (settings layouts), or UNKNOWN."""
        for star in info.star_imports:
            star_info = self.index.modules.get(star)
            if star_info is not None and star_info is not info:
                inherited = self.module_value(star_info, name, depth)
                if inherited is not UNKNOWN:
                    return inherited
        return UNKNOWN

    def value(
        self, info: ModuleInfo, expr: Expr, depth: int = 0, frame: _Frame | None = None
    ) -> Any:
        """The value of `expr` in module `info`, or UNKNOWN."""
        return self._value(frame or _Frame(info), expr, depth)

    def in_function(
        self,
        info: ModuleInfo,
        locals_: MappingABC[str, Expr],
        expr: Expr,
        depth: int = 0,
        values: MappingABC[str, Any] | None = None,
    ) -> Any:
        """The value of `expr` inside a function whose local bindings are `locals_` (and
        names already bound to evaluated `values`, such as a loop's target)."""
        return self._value(_Frame(info, dict(values or {}), locals_), expr, depth)

    def resolve_in(
        self, info: ModuleInfo, locals_: MappingABC[str, Expr], dotted: str
    ) -> str | None:
        """The qualified name `dotted` means inside a function with these locals."""
        return self._resolve(_Frame(info, {}, locals_), dotted)

    def _value(self, frame: _Frame, expr: Expr, depth: int) -> Any:
        if depth > _MAX_DEPTH:
            self._truncated += 1
            return UNKNOWN
        down = depth + 1
        if isinstance(expr, Const):
            return expr.value
        if isinstance(expr, Seq):
            items: list[Any] = []
            for item in expr.items:
                if isinstance(item, Starred):
                    inner = self._value(frame, item.value, down)
                    if isinstance(inner, list | tuple):
                        items.extend(inner)
                    continue
                items.append(_item(self._value(frame, item, down)))
            return tuple(items) if expr.kind == "tuple" else items
        if isinstance(expr, Mapping):
            result: dict[Any, Any] = {}
            for key, value in zip(expr.keys, expr.values, strict=True):
                if key is None:
                    spread = self._value(frame, value, down)
                    if isinstance(spread, dict):
                        result.update(spread)
                    continue
                result[_item(self._value(frame, key, down))] = _item(
                    self._value(frame, value, down)
                )
            return result
        if isinstance(expr, BinOp) and expr.op == "Add":
            left = self._value(frame, expr.left, down)
            right = self._value(frame, expr.right, down)
            if isinstance(left, list) and isinstance(right, list | tuple):
                return [*left, *right]
            if isinstance(left, tuple) and isinstance(right, list | tuple):
                return (*left, *right)
            if isinstance(left, str) and isinstance(right, str):
                return left + right
            return UNKNOWN
        if isinstance(expr, BoolOp):
            return self._bool_op(frame, expr, down)
        if isinstance(expr, IfExp):
            test = self._value(frame, expr.test, down)
            if test is not UNKNOWN:
                return self._value(frame, expr.body if test else expr.orelse, down)
            body = self._value(frame, expr.body, down)
            # An unknown condition: known only when both branches agree.
            return body if body == self._value(frame, expr.orelse, down) else UNKNOWN
        if isinstance(expr, FString):
            texts = [self._value(frame, part, down) for part in expr.parts]
            if any(not isinstance(t, str | int | float | bool | None) for t in texts):
                return UNKNOWN
            return "".join(str(t) for t in texts)
        if isinstance(expr, Subscript) and not expr.is_slice:
            container = self._value(frame, expr.value, down)
            index = self._value(frame, expr.index, down)
            try:
                if isinstance(container, list | tuple | dict | str) and index is not UNKNOWN:
                    return container[index]
            except (IndexError, KeyError, TypeError):
                return UNKNOWN
            return UNKNOWN
        if isinstance(expr, BinOp) and expr.op == "Mod":  # r"^%s/$" % PREFIX
            left = self._value(frame, expr.left, down)
            right = self._value(frame, expr.right, down)
            if isinstance(left, str) and _formattable(right):
                try:
                    return left % right
                except (TypeError, ValueError, KeyError):
                    return UNKNOWN
            return UNKNOWN
        if isinstance(expr, Call) and isinstance(expr.func, Name):
            return self._call(frame, expr, down)
        if isinstance(expr, Call) and isinstance(expr.func, Attr) and expr.func.attr == "format":
            template = self._value(frame, expr.func.value, down)
            args = [self._value(frame, arg, down) for arg in expr.args]
            kwargs = {k: self._value(frame, v, down) for k, v in expr.kwargs if k is not None}
            values = [*args, *kwargs.values()]
            if isinstance(template, str) and all(_formattable(v) for v in values):
                try:
                    return template.format(*args, **kwargs)
                except (IndexError, KeyError, ValueError):
                    return UNKNOWN
            return UNKNOWN
        if isinstance(expr, Name):
            return self._name(frame, expr.dotted, down)
        return UNKNOWN

    def _bool_op(self, frame: _Frame, expr: BoolOp, depth: int) -> Any:
        """Python's short circuit: `and` gives the first falsy operand (else the last), `or`
        the first truthy one (else the last); an unknown operand on the way is unknown."""
        value: Any = UNKNOWN
        for operand in expr.values:
            value = self._value(frame, operand, depth)
            if value is UNKNOWN:
                return UNKNOWN
            if (expr.op == "and") != bool(value):
                return value
        return value

    def _qualified(self, frame: _Frame, dotted: str) -> str:
        return self._resolve(frame, dotted) or dotted

    def _resolve(self, frame: _Frame, dotted: str) -> str | None:
        """What `dotted` names in the frame: a function-level import
        (`from django.conf import settings` inside `pytest_configure()`) first."""
        head, _, rest = dotted.partition(".")
        if head in frame.values:
            return None
        if head in frame.locals:
            local = frame.locals[head]
            if not isinstance(local, ImportedName):
                return None
            base = self.index.imported(frame.info.name, local)
            if base is None:
                return None
            return self.index.canonical(f"{base}.{rest}" if rest else base)
        return self.index.resolve(frame.info.name, dotted)

    def _call(self, frame: _Frame, expr: Call, depth: int) -> Any:
        assert isinstance(expr.func, Name)
        owner, _, method = expr.func.dotted.rpartition(".")
        if owner:
            instance = self._name(frame, owner, depth)  # `self._setting(...)`, `conf.get(...)`
            if isinstance(instance, Instance):
                found = self.index.find_method(instance.klass, method)
                entry = self.index.functions.get(found or "")
                if entry is None:
                    return UNKNOWN
                return self._returned(entry[0], entry[1], expr, frame, depth, instance)
        qualified = self._qualified(frame, expr.func.dotted)
        function = self.index.functions.get(qualified)
        if function is not None:
            return self._returned(function[0], function[1], expr, frame, depth)
        if qualified in self.index.classes:
            return Instance(qualified)
        if qualified == _IS_INSTALLED and len(expr.args) == 1:
            # `if apps.is_installed("debug_toolbar"):` answered from INSTALLED_APPS.
            app = self._value(frame, expr.args[0], depth)
            installed = self.settings("INSTALLED_APPS")
            if isinstance(app, str) and isinstance(installed, list | tuple):
                return app in installed or any(
                    isinstance(entry, str) and entry.startswith(app + ".apps.")
                    for entry in installed
                )
            return UNKNOWN
        if qualified not in _KNOWN_CALLS:
            return UNKNOWN  # without evaluating the arguments: a URL list's path() calls
        args = [self._value(frame, arg, depth) for arg in expr.args]
        # os.environ.get("X", "default") / os.getenv: the default is what a fresh checkout
        # runs with.
        if qualified in ("os.environ.get", "os.getenv") and len(args) >= 2:
            return args[1]
        if qualified in ("str", "int", "bool") and args:
            return args[0]
        if qualified in _TRANSLATIONS and args:
            # `path(_("about/"), ...)`: the untranslated route is what the default language
            # serves when there is no translation.
            return args[0]
        if qualified in ("list", "tuple") and len(args) == 1:
            if isinstance(args[0], list | tuple):
                return list(args[0]) if qualified == "list" else tuple(args[0])
            return UNKNOWN
        if qualified == "dict" and len(args) <= 1:
            result: dict[Any, Any] = {}
            if args:
                if not isinstance(args[0], dict):
                    return UNKNOWN
                result.update(args[0])
            for key, value in expr.kwargs:
                evaluated = self._value(frame, value, depth)
                if key is not None:
                    result[key] = _item(evaluated)
                elif isinstance(evaluated, dict):
                    result.update(evaluated)
            return result
        if qualified == "getattr" and len(args) in (2, 3):
            return self._getattr(frame, expr.args[0], args[1], args[2:], depth)
        if qualified in _IMPORT_STRING and len(args) == 1 and isinstance(args[0], str):
            return ObjectRef(self.index.canonical(args[0]))
        return UNKNOWN

    def _getattr(
        self, frame: _Frame, target: Expr, name: Any, default: list[Any], depth: int
    ) -> Any:
        if not isinstance(target, Name) or self._qualified(frame, target.dotted) != (
            _DJANGO_SETTINGS
        ):
            return UNKNOWN
        if isinstance(name, str):
            found = self.settings(name)
            if found is not UNKNOWN:
                return found
        # A setting the project does not define (or whose name is computed by a library
        # helper): Django's getattr falls back to the default, as a fresh checkout does.
        return default[0] if default else UNKNOWN

    def _returned(
        self,
        info: ModuleInfo,
        function: Any,
        call: Call,
        caller: _Frame,
        depth: int,
        bound: Instance | None = None,
    ) -> Any:
        """What a project function returns for these arguments: the first `return` whose
        value is known, its parameters bound to the call's arguments (`*args` too), a
        method's `self` to `bound`."""
        if depth > _MAX_DEPTH:
            self._truncated += 1
            return UNKNOWN
        if (function.class_name is not None) != (bound is not None):
            return UNKNOWN
        values: dict[str, Any] = {}
        positional = [self._value(caller, arg, depth) for arg in call.args]
        if any(isinstance(arg, Starred) for arg in call.args):
            return UNKNOWN
        params = list(function.params)
        if bound is not None:
            if not params:
                return UNKNOWN
            values[params.pop(0)] = bound
        for name, value in zip(params, positional, strict=False):
            values[name] = value
        if function.vararg is not None:
            values[function.vararg] = tuple(positional[len(params) :])
        for key, value in call.kwargs:
            if key is not None and key in params:
                values[key] = self._value(caller, value, depth)
        locals_: dict[str, Expr] = {}
        for binding in function.bindings:
            if not binding.from_loop and binding.name not in values:
                locals_[binding.name] = binding.value
        frame = _Frame(info, values, locals_, f"{info.name}.{function.qualname}")
        for returned in function.returns:
            value = self._value(frame, returned, depth + 1)
            if value is not UNKNOWN:
                return value
        return UNKNOWN

    def _name(self, frame: _Frame, dotted: str, depth: int) -> Any:
        head, _, rest = dotted.partition(".")
        if head in frame.values:
            value = frame.values[head]
            if not rest:
                return value
            if isinstance(value, Instance) and "." not in rest:
                return self._attribute(value, rest, depth)
            if isinstance(value, ObjectRef) and "." not in rest:  # `provider.package`
                class_value = self.index.class_attribute(value.qualified, rest)
                if class_value is not None:
                    return self._value(_Frame(class_value[0]), class_value[1], depth + 1)
            return UNKNOWN
        if head in frame.locals and not isinstance(frame.locals[head], ImportedName):
            return self._value(frame, frame.locals[head], depth) if not rest else UNKNOWN
        if not rest and frame.scope is not None and f"{frame.scope}.{head}" in self.index.classes:
            return ObjectRef(f"{frame.scope}.{head}")  # a class the function's body defines
        info = frame.info
        if dotted == "__name__":  # `ROOT_URLCONF=__name__`: this module
            return info.name
        if not rest and head not in frame.locals:
            local = info.symbols.get(dotted)
            if local is not None and local.kind == "value":
                return self.module_value(info, dotted, depth)
        qualified = self._resolve(frame, dotted)
        if qualified is None:
            return UNKNOWN
        if qualified.startswith(_DJANGO_SETTINGS + ".") and qualified.count(".") == 3:
            return self.settings(qualified.rsplit(".", 1)[1])
        if qualified in self.index.functions or qualified in self.index.classes:
            return ObjectRef(qualified)
        found = self.index.module_for(qualified)
        if found is not None and found[1] and "." not in found[1]:
            if found[0] is info and found[1] == dotted:
                return UNKNOWN
            return self.module_value(found[0], found[1], depth)
        if found is not None and found[1].count(".") == 1:  # `app_settings.PREFIX`
            name, attribute = found[1].split(".")
            instance = self.module_value(found[0], name, depth + 1)
            if isinstance(instance, Instance):
                return self._attribute(instance, attribute, depth)
        return UNKNOWN

    def _attribute(self, instance: Instance, name: str, depth: int) -> Any:
        """A class attribute, or what a property returns, `self` bound to the instance."""
        if depth > _MAX_DEPTH:
            self._truncated += 1
            return UNKNOWN
        attribute = self.index.class_attribute(instance.klass, name)
        if attribute is not None:
            return self._value(_Frame(attribute[0]), attribute[1], depth + 1)
        method = self.index.find_method(instance.klass, name)
        entry = self.index.functions.get(method or "")
        if entry is None:
            return UNKNOWN
        info, function = entry
        decorators = {
            self._qualified(_Frame(info), d.dotted)
            for d in function.decorators
            if isinstance(d, Name)
        }
        if not decorators & {*_PROPERTIES}:
            return UNKNOWN
        return self._returned(
            info, function, Call(Name(name), (), (), 0, 0), _Frame(info), depth + 1, instance
        )


def _formattable(value: Any) -> bool:
    """A value `%` or `str.format` may put into a route: a known scalar or tuple of them."""
    if isinstance(value, tuple):
        return all(_formattable(v) for v in value)
    return isinstance(value, str | int | float) and value is not UNKNOWN


def _copied(value: Any) -> Any:
    """A remembered list or dict handed out so that a caller's `.append()` cannot change
    what the next caller reads."""
    if isinstance(value, list):
        return list(value)
    if isinstance(value, dict):
        return dict(value)
    return value


def _item(value: Any) -> Any:
    """Inside a list or dict an unknown element reads as None, as it always has."""
    return None if value is UNKNOWN else value


def module_value(index: ProjectIndex, info: ModuleInfo, name: str) -> Any:
    """The value of a module-level name; None when unknown."""
    return _item(StaticEvaluator(index).module_value(info, name))


def literal(index: ProjectIndex, info: ModuleInfo, expr: Expr, depth: int = 0) -> Any:
    """The value of `expr` in module `info`; None when unknown."""
    return _item(StaticEvaluator(index).value(info, expr, depth))
