"""Turning simple expressions into Python values without running anything: settings such
as `MIDDLEWARE = [...]`, `ROOT_URLCONF = "shop.urls"`, `DATABASES = {...}`, and the values a
URLconf computes at import time: f-strings, `x and "/" or ""`, `getattr(settings, NAME,
default)`, `import_string("pkg.views.View")` and what a project function returns for the
arguments it is called with, its body run statement by statement where it has to be: a
registry object filled in a loop over `apps.get_app_configs()` with modules imported by
computed names under `try/except ImportError` (bounded, like every recursion here)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from collections.abc import Mapping as MappingABC
from dataclasses import dataclass, field, replace
from typing import Any

from advisor.facts import (
    Attr,
    BinOp,
    BoolOp,
    Call,
    Comprehension,
    Const,
    Expr,
    FString,
    IfExp,
    ImportedName,
    Mapping,
    Name,
    Seq,
    Starred,
    Step,
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
_ABSENT: Any = _Unknown()  # an attribute the object surely lacks (`getattr`'s default applies)
_MAX_DEPTH = 20
_DJANGO_SETTINGS = "django.conf.settings"
_IS_INSTALLED = "django.apps.apps.is_installed"
_TRANSLATIONS = frozenset(
    f"django.utils.translation.{name}"
    for name in ("gettext", "gettext_lazy", "ugettext", "ugettext_lazy", "gettext_noop")
)
_IMPORT_STRING = ("django.utils.module_loading.import_string", "importlib.import_module")
_IMPORT_MODULE = "importlib.import_module"
_GET_APP_CONFIGS = "django.apps.apps.get_app_configs"
# What an `except` clause names that catches the ImportError of a missing module.
_CATCHES_IMPORT_ERROR = frozenset(
    {"", "ImportError", "ModuleNotFoundError", "Exception", "BaseException"}
)
# The module-level name Django's resolver reads from a URLconf module: kept as a reference
# (ModuleMember) for URL discovery to expand, since its items are path() calls.
_URL_LIST = "urlpatterns"
# Statements run per evaluator: the bound on interpreting function bodies.
_MAX_STEPS_RUN = 100_000
_MAX_LOOP_ITEMS = 500
# Methods of known builtin values that compute without side effects.
_STR_METHODS = frozenset(
    {
        "rpartition",
        "partition",
        "rsplit",
        "split",
        "lower",
        "upper",
        "strip",
        "rstrip",
        "lstrip",
        "replace",
        "startswith",
        "endswith",
        "join",
    }
)
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
        "collections.OrderedDict",
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
    what its methods set on it (`state`, from `__init__` on and as its methods run), else
    the class's; its properties and methods are evaluated with `self` bound to it."""

    klass: str
    state: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True, slots=True)
class ModuleMember:
    """A module-level name read where it stands, not as a value: a URLconf's `urlpatterns`
    (`getattr(import_module(name + ".urls"), "urlpatterns", None)`), or a view made by a
    call the evaluator cannot run. URL discovery expands it in that module."""

    module: str
    name: str


@dataclass(frozen=True, slots=True)
class AppConfigValue:
    """One of `apps.get_app_configs()`: an INSTALLED_APPS entry's app, by module `name`."""

    name: str
    label: str


class _MissingModule(Exception):
    """`import_module()` of a module the project does not have, inside a `try` that catches
    ImportError: skipped, as at run time."""


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
    # A method's `self` (a classmethod's `cls`), for `super().method()`.
    bound: Any = None


class StaticEvaluator:
    def __init__(self, index: ProjectIndex, settings: SettingsLookup | None = None) -> None:
        self.index = index
        self.settings = settings or _no_settings
        # (module, name) -> its value so far, while its statements are being evaluated.
        self._in_progress: dict[tuple[str, str], Any] = {}
        self._remembered: dict[tuple[str, str], Any] = {}
        self._truncated = 0  # how often the depth bound cut an evaluation short
        self._steps_left = _MAX_STEPS_RUN
        self._catching_import = 0  # `try` blocks catching ImportError now running
        self._imported: set[str] = set()  # modules whose registrations have run

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
            return _added(left, right)
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
        if isinstance(expr, Comprehension) and expr.kind in ("list", "generator", "set"):
            return self._comprehension(frame, expr, down)
        if (
            isinstance(expr, Call) and isinstance(expr.func, Attr) and expr.func.attr != "format"
        ):  # `settings_dict.get(key, {}).get("x")`, `name.rpartition(".")[0]`
            if isinstance(expr.func.value, Call) and expr.func.value.func == Name("super"):
                return self._super_call(frame, expr.func.value, expr.func.attr, expr, down)
            receiver = self._value(frame, expr.func.value, down)
            return self._builtin_method(frame, receiver, expr.func.attr, expr, down)
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
            if isinstance(instance, ObjectRef) and instance.qualified in self.index.classes:
                # `provider_class.get_package()`: a classmethod, `cls` bound to the class.
                found = self.index.find_method(instance.qualified, method)
                entry = self.index.functions.get(found or "")
                if entry is None or not _is_classmethod(entry[1]):
                    return UNKNOWN
                return self._returned(entry[0], entry[1], expr, frame, depth, instance)
            if isinstance(instance, str | list | tuple | dict):
                return self._builtin_method(frame, instance, method, expr, depth)
        qualified = self._qualified(frame, expr.func.dotted)
        function = self.index.functions.get(qualified)
        if function is not None:
            return self._returned(function[0], function[1], expr, frame, depth)
        if qualified in self.index.classes:
            return self._instantiated(qualified, expr, frame, depth)
        if qualified == _GET_APP_CONFIGS and not expr.args:
            return self._app_configs()
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
        if qualified in ("dict", "collections.OrderedDict") and len(args) <= 1:
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
            if qualified == _IMPORT_MODULE and self._catching_import:
                self.index.module_for(args[0])  # an installed module joins the index
                if args[0] not in self.index.modules:
                    raise _MissingModule(args[0])
            if qualified == _IMPORT_MODULE and args[0] in self.index.modules:
                self._registrations(self.index.modules[args[0]], depth)
            return ObjectRef(self.index.canonical(args[0]))
        return UNKNOWN

    def _getattr(
        self, frame: _Frame, target: Expr, name: Any, default: list[Any], depth: int
    ) -> Any:
        if not isinstance(target, Name) or self._qualified(frame, target.dotted) != (
            _DJANGO_SETTINGS
        ):
            owner = self._value(frame, target, depth)
            if not isinstance(name, str) or owner is UNKNOWN:
                return UNKNOWN
            found = self._member(owner, name, depth)
            if found is not _ABSENT:
                return found
            return default[0] if default else UNKNOWN
        if isinstance(name, str):
            found = self.settings(name)
            if found is not UNKNOWN:
                return _copied(found)  # a function run here may `.append()` to what it read
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
        bound: Instance | ObjectRef | None = None,
    ) -> Any:
        """What a project function returns for these arguments, its parameters bound to the
        call's arguments (`*args` too), a method's `self` (a classmethod's `cls`) to
        `bound`: its body run statement by statement, else the first `return` whose value
        is known."""
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
        frame = _Frame(info, values, locals_, f"{info.name}.{function.qualname}", bound)
        steps = function.statement_steps()
        if steps and self._steps_left > 0:
            outcome, result = self._run(
                replace(frame, values=dict(values)), steps, depth + 1, False
            )
            if outcome == "return" and result is not UNKNOWN:
                return result
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
            for attribute in rest.split("."):  # `provider.package`, `self.registry.items`
                if value is UNKNOWN:
                    break
                value = self._member(value, attribute, depth)
                if value is _ABSENT:
                    return UNKNOWN
            return value
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
            return _copied(self.settings(qualified.rsplit(".", 1)[1]))
        if qualified in self.index.functions or qualified in self.index.classes:
            return ObjectRef(qualified)
        found = self.index.module_for(qualified)
        if found is not None and found[1] and "." not in found[1]:
            if found[0] is info and found[1] == dotted:
                return UNKNOWN
            if found[1] not in found[0].symbols:  # `app_settings.X` through `__getattr__`
                return self._module_getattr(found[0], found[1], depth)
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
        if name in instance.state:
            return instance.state[name]
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

    # Members of evaluated values -------------------------------------------------------

    def _member(self, owner: Any, name: str, depth: int) -> Any:
        """`owner.name` for an evaluated owner: UNKNOWN when it cannot be told, _ABSENT when
        the owner surely has no such attribute (so `getattr`'s default applies)."""
        if isinstance(owner, Instance):
            found = self._attribute(owner, name, depth + 1)
            missing = self.index.find_method(owner.klass, name) is None
            if found is UNKNOWN and missing and self._complete(owner.klass):
                return _ABSENT
            return found
        if isinstance(owner, AppConfigValue):
            return {"name": owner.name, "label": owner.label}.get(name, UNKNOWN)
        if not isinstance(owner, ObjectRef):
            return UNKNOWN
        qualified = owner.qualified
        if qualified in self.index.classes:
            if name == "__module__":
                return self.index.classes[qualified][0].name
            if name == "__name__":
                return qualified.rsplit(".", 1)[-1]
            attribute = self.index.class_attribute(qualified, name)
            if attribute is not None:
                return self._value(_Frame(attribute[0]), attribute[1], depth + 1)
            method = self.index.find_method(qualified, name)
            if method is not None:
                return ObjectRef(method)
            return _ABSENT if self._complete(qualified) else UNKNOWN
        info = self.index.modules.get(qualified)
        if info is None:
            return UNKNOWN
        member = f"{qualified}.{name}"
        if member in self.index.modules or member in self.index.functions:
            return ObjectRef(member)
        if member in self.index.classes:
            return ObjectRef(member)
        symbol = info.symbols.get(name)
        if symbol is None:
            if f"{qualified}.__getattr__" in self.index.functions:
                return self._module_getattr(info, name, depth)
            return UNKNOWN if info.star_imports else _ABSENT
        if symbol.kind != "value":
            target = self.index.canonical(symbol.qualified)
            if target in self.index.functions or target in self.index.classes:
                return ObjectRef(target)
            return UNKNOWN
        if name == _URL_LIST:
            return ModuleMember(qualified, name)
        value = self.module_value(info, name, depth + 1)
        if value is UNKNOWN and symbol.value is not None:
            return ModuleMember(qualified, name)  # `oauth2_login = View.adapter_view(A)`
        return value

    def _complete(self, klass: str) -> bool:
        """Every class in the ancestry is the project's own (or `object`): an attribute none
        of them defines is surely missing."""
        return all(
            k in self.index.classes or k in ("object", "builtins.object")
            for k in self.index.mro(klass)
        )

    def _builtin_method(
        self, frame: _Frame, receiver: Any, method: str, call: Call, depth: int
    ) -> Any:
        """A method of an evaluated str, list or dict: pure ones computed, `append`,
        `extend`, `insert`, `update` and item assignment applied to the object (a registry's
        list or dict, which the next read sees)."""
        if receiver is UNKNOWN:
            return UNKNOWN
        args = [self._value(frame, arg, depth) for arg in call.args]
        if any(arg is UNKNOWN for arg in args) or call.kwargs:
            return UNKNOWN
        if isinstance(receiver, str) and method in _STR_METHODS:
            try:
                result = getattr(receiver, method)(*args)
            except (TypeError, ValueError):
                return UNKNOWN
            return list(result) if isinstance(result, list) else result
        if isinstance(receiver, dict):
            if method == "get" and len(args) in (1, 2):
                try:
                    return receiver.get(args[0], args[1] if len(args) == 2 else None)
                except TypeError:
                    return UNKNOWN
            if method in ("values", "keys", "items") and not args:
                return list(getattr(receiver, method)())
            if method == "update" and len(args) == 1 and isinstance(args[0], dict):
                receiver.update(args[0])
                return None
            if method == "copy" and not args:
                return dict(receiver)
            return UNKNOWN
        if isinstance(receiver, list):
            if method == "append" and len(args) == 1:
                receiver.append(_item(args[0]))
                return None
            if method == "extend" and len(args) == 1 and isinstance(args[0], list | tuple):
                receiver.extend(args[0][: max(0, _MAX_LOOP_ITEMS - len(receiver))])
                return None
            if method == "insert" and len(args) == 2 and isinstance(args[0], int):
                receiver.insert(args[0], _item(args[1]))
                return None
            if method == "copy" and not args:
                return list(receiver)
        return UNKNOWN

    def _comprehension(self, frame: _Frame, expr: Comprehension, depth: int) -> Any:
        """`[cls for cls in classes if cls.enabled]` over a known sequence: an item a known
        filter rejects is left out; an unknown filter (a comparison) keeps it, as an unknown
        condition keeps both branches."""
        sequence = self._value(frame, expr.iterable, depth)
        if isinstance(sequence, dict):
            sequence = list(sequence)
        if not isinstance(sequence, list | tuple):
            return UNKNOWN
        items: list[Any] = []
        for item in list(sequence)[:_MAX_LOOP_ITEMS]:
            bound = _unpacked(expr.targets, item)
            inner = replace(frame, values={**frame.values, **bound})
            tests = [self._value(inner, test, depth) for test in expr.conditions]
            if any(test is not UNKNOWN and not test for test in tests):
                continue
            value = self._value(inner, expr.element, depth)
            if value is UNKNOWN:
                return UNKNOWN
            items.append(value)
        return items

    def _super_call(self, frame: _Frame, sup: Call, method: str, call: Call, depth: int) -> Any:
        """`super().get_slug()`, `super(Provider, cls).get_slug()`: the next class's method
        along the MRO of the bound instance or class."""
        if len(sup.args) == 2:
            named = self._value(frame, sup.args[0], depth)
            after = named.qualified if isinstance(named, ObjectRef) else None
            bound = self._value(frame, sup.args[1], depth)
        elif not sup.args and frame.scope is not None:
            after, bound = frame.scope.rpartition(".")[0], frame.bound
        else:
            return UNKNOWN
        if isinstance(bound, Instance):
            klass = bound.klass
        elif isinstance(bound, ObjectRef):
            klass = bound.qualified
        else:
            return UNKNOWN
        if after not in self.index.classes:
            return UNKNOWN
        found = self.index.find_method(klass, method, start_after=after)
        entry = self.index.functions.get(found or "")
        if entry is None or (isinstance(bound, ObjectRef) and not _is_classmethod(entry[1])):
            return UNKNOWN
        return self._returned(entry[0], entry[1], call, frame, depth, bound)

    def _module_getattr(self, info: ModuleInfo, name: str, depth: int) -> Any:
        """A name a module lacks, through its PEP 562 `__getattr__(name)`, or UNKNOWN."""
        entry = self.index.functions.get(f"{info.name}.__getattr__")
        if entry is None or name in info.symbols or depth > _MAX_DEPTH:
            return UNKNOWN
        call = Call(Name("__getattr__"), (Const(name),), (), 0, 0)
        return self._returned(entry[0], entry[1], call, _Frame(info), depth + 1)

    def _registrations(self, info: ModuleInfo, depth: int) -> None:
        """Importing a module runs its top-level statements: the ones that register on a
        project object (`providers.registry.register(FigmaProvider)`) are run, once."""
        if info.name in self._imported:
            return
        self._imported.add(info.name)
        frame = _Frame(info)
        for statement in info.facts.statements:
            call = statement.value
            if (
                statement.kind != "call"
                or statement.conditions
                or statement.loops
                or not isinstance(call, Call)
                or not isinstance(call.func, Name)
                or "." not in call.func.dotted
            ):
                continue
            owner = self._name(frame, call.func.dotted.rpartition(".")[0], depth + 1)
            if isinstance(owner, Instance):
                self._value(frame, call, depth + 1)

    def _instantiated(self, klass: str, call: Call, frame: _Frame, depth: int) -> Instance:
        """`ProviderRegistry()`: an instance whose `__init__` has run on it."""
        instance = Instance(klass)
        found = self.index.find_method(klass, "__init__")
        entry = self.index.functions.get(found or "")
        if entry is not None and depth <= _MAX_DEPTH:
            self._returned(entry[0], entry[1], call, frame, depth + 1, instance)
        return instance

    def _app_configs(self) -> Any:
        """`apps.get_app_configs()`: an app per INSTALLED_APPS entry, in order; an AppConfig
        class named there stands for the app its `name` attribute names."""
        installed = self.settings("INSTALLED_APPS")
        if not isinstance(installed, list | tuple):
            return UNKNOWN
        configs: list[AppConfigValue] = []
        for entry in installed:
            if not isinstance(entry, str):
                continue
            name, label = entry, entry.rsplit(".", 1)[-1]
            klass = self.index.classes.get(self.index.canonical(entry))
            if klass is not None:
                attributes = dict(klass[1].attributes)
                named = self.value(klass[0], attributes["name"]) if "name" in attributes else None
                if not isinstance(named, str):
                    continue  # an AppConfig whose app cannot be told: not guessed
                name, label = named, named.rsplit(".", 1)[-1]
                explicit = (
                    self.value(klass[0], attributes["label"]) if "label" in attributes else None
                )
                if isinstance(explicit, str):
                    label = explicit
            configs.append(AppConfigValue(name, label))
        return configs

    # Function bodies, statement by statement -------------------------------------------

    def _run(
        self, frame: _Frame, steps: tuple[Step, ...], depth: int, guessing: bool
    ) -> tuple[str, Any]:
        """Run `steps` in `frame`: ("next", None) when they ran to their end, else how they
        left: "return" (with the value), "raise", "break", "continue". Under an unknown
        condition (`guessing`) both arms run, and a `raise` or an unknown `return` there
        does not end the function."""
        if depth > _MAX_DEPTH:
            self._truncated += 1
            return "raise", UNKNOWN
        for step in steps:
            if self._steps_left <= 0:
                self._truncated += 1
                self.index.limits.setdefault(
                    "statements run",
                    f"function bodies run statement by statement past {_MAX_STEPS_RUN} "
                    "statements (registries, URL lists built in loops): the rest are unknown",
                )
                return "raise", UNKNOWN
            self._steps_left -= 1
            outcome, result = self._step(frame, step, depth, guessing)
            if outcome != "next":
                return outcome, result
        return "next", None

    def _step(self, frame: _Frame, step: Step, depth: int, guessing: bool) -> tuple[str, Any]:
        kind = step.kind
        if kind == "assign" and step.target is not None and step.value is not None:
            self._assign(frame, step.target, self._value(frame, step.value, depth), depth)
        elif kind == "augassign" and step.target is not None and step.value is not None:
            current = self._value(frame, step.target, depth)
            extra = self._value(frame, step.value, depth)
            if isinstance(current, str) and isinstance(extra, str):
                self._assign(frame, step.target, current + extra, depth)
            else:
                self._assign(frame, step.target, _added(current, extra), depth)
        elif kind == "call" and step.value is not None:
            self._value(frame, step.value, depth)  # for what it does: `self.register(cls)`
        elif kind == "return":
            value = self._value(frame, step.value, depth) if step.value is not None else None
            if not guessing or value is not UNKNOWN:
                return "return", value
        elif kind == "raise":
            if not guessing:
                return "raise", UNKNOWN
        elif kind in ("break", "continue"):
            return kind, None
        elif kind == "for" and step.value is not None:
            return self._loop(frame, step, depth, guessing)
        elif kind == "if" and step.value is not None:
            test = self._value(frame, step.value, depth)
            if test is UNKNOWN or isinstance(test, ModuleMember):
                for arm in (step.body, step.orelse):
                    outcome, result = self._run(frame, arm, depth + 1, True)
                    if outcome == "return" or (outcome == "raise" and not guessing):
                        return outcome, result
                return "next", None
            return self._run(frame, step.body if test else step.orelse, depth + 1, guessing)
        elif kind == "try":
            return self._try(frame, step, depth, guessing)
        return "next", None

    def _loop(self, frame: _Frame, step: Step, depth: int, guessing: bool) -> tuple[str, Any]:
        assert step.value is not None
        sequence = self._value(frame, step.value, depth)
        if isinstance(sequence, dict):
            sequence = list(sequence)
        if not isinstance(sequence, list | tuple):
            return "next", None  # an unknown iterable: its body is not run on guesses
        for item in list(sequence)[:_MAX_LOOP_ITEMS]:
            frame.values.update(_unpacked(step.names, item))
            outcome, result = self._run(frame, step.body, depth + 1, guessing)
            if outcome == "break":
                return "next", None
            if outcome in ("return", "raise"):
                return outcome, result
        return self._run(frame, step.orelse, depth + 1, guessing)

    def _try(self, frame: _Frame, step: Step, depth: int, guessing: bool) -> tuple[str, Any]:
        """A missing module imported in the `try` body goes to the `except` that catches
        ImportError (its body run as under an unknown test: `if e.name != name: raise`);
        the `else` block runs when nothing was missing."""
        handler = next(
            (
                h
                for h in step.handlers
                if _CATCHES_IMPORT_ERROR & {n.rsplit(".", 1)[-1] for n in h[0]}
            ),
            None,
        )
        if handler is not None:
            self._catching_import += 1
        try:
            outcome, result = self._run(frame, step.body, depth + 1, guessing)
        except _MissingModule:
            if handler is None:
                raise
            if handler[1]:
                frame.values[handler[1]] = UNKNOWN
            outcome, result = self._run(frame, handler[2], depth + 1, True)
            return ("next", None) if outcome == "raise" else (outcome, result)
        finally:
            if handler is not None:
                self._catching_import -= 1
        if outcome != "next":
            return outcome, result
        return self._run(frame, step.orelse, depth + 1, guessing)

    def _assign(self, frame: _Frame, target: Expr, value: Any, depth: int) -> None:
        if isinstance(target, Seq):  # `pkg, attr = path.rsplit(".", 1)`
            names = tuple(t.dotted for t in target.items if isinstance(t, Name))
            frame.values.update(_unpacked(names, value))
            return
        if isinstance(target, Name):
            head, _, rest = target.dotted.rpartition(".")
            if not head:
                frame.values[rest] = value
                return
            owner = self._name(frame, head, depth)
            if isinstance(owner, Instance):  # `self.provider_map = {}`
                owner.state[rest] = value
            return
        if isinstance(target, Subscript) and not target.is_slice:  # `self.map[cls.id] = cls`
            container = self._value(frame, target.value, depth)
            key = self._value(frame, target.index, depth)
            if isinstance(container, dict) and key is not UNKNOWN:
                with contextlib.suppress(TypeError):  # an unhashable key
                    container[key] = _item(value)


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


def _is_classmethod(function: Any) -> bool:
    return any(isinstance(d, Name) and d.dotted == "classmethod" for d in function.decorators)


def _unpacked(names: tuple[str, ...], item: Any) -> dict[str, Any]:
    """A loop's or an assignment's target names bound to one item."""
    if len(names) == 1:
        return {names[0]: item}
    if isinstance(item, list | tuple) and len(item) == len(names):
        return dict(zip(names, item, strict=True))
    return dict.fromkeys(names, UNKNOWN)


def _added(left: Any, right: Any) -> Any:
    """`left + right` for lists; a URLconf's `urlpatterns` (a ModuleMember) joins a list as
    one element that URL discovery expands."""
    if isinstance(left, list | tuple) and isinstance(right, ModuleMember):
        return [*left, right]
    if isinstance(left, list) and isinstance(right, list | tuple):
        return [*left, *right]
    if isinstance(left, tuple) and isinstance(right, list | tuple):
        return (*left, *right)
    return UNKNOWN


def _item(value: Any) -> Any:
    """Inside a list or dict an unknown element reads as None, as it always has."""
    return None if value is UNKNOWN else value


def module_value(index: ProjectIndex, info: ModuleInfo, name: str) -> Any:
    """The value of a module-level name; None when unknown."""
    return _item(StaticEvaluator(index).module_value(info, name))


def literal(index: ProjectIndex, info: ModuleInfo, expr: Expr, depth: int = 0) -> Any:
    """The value of `expr` in module `info`; None when unknown."""
    return _item(StaticEvaluator(index).value(info, expr, depth))
