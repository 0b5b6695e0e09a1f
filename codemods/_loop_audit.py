"""What will run on the event loop once a view is async, checked call by call with libcst:
every call left in the converted functions (and in the project code they reach: helpers,
methods of `self` and of project classes, a class's own `dispatch`/`setup`/`__init__`)
must be rewritten by a step, moved into a thread by one, or shown not to block. A call
the audit cannot place refuses the view, naming the call and file:line, because an async
view that reaches sync I/O raises SynchronousOnlyOperation (or stalls the loop) at run time
(../shared/django-async-api.md §4.2). The scan's effects say what blocks where it could
follow the code; this pass is the rewrite's own check that nothing it could not follow is
left behind.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Callable
from dataclasses import dataclass, field

import libcst as cst

from advisor.catalog import Catalog, CatalogRow, load_catalog
from advisor.catalog.database import LAZY_QUERYSET_METHODS
from advisor.config import Settings
from advisor.model import EffectKind
from codemods import Refused
from codemods._source import Project, SourceFile, is_generator

# How deep the audit follows project calls; deeper code is refused, not assumed safe.
MAX_DEPTH = 6
# What a class's as_view() runs before the handler, in the same (now async) request.
DISPATCH_PATH = ("__init__", "setup", "dispatch")
# Methods whose result is a bool or a number on every class Django gives them (forms,
# querysets, users): safe to hand back to the loop from a thread, whatever ran to get it.
PLAIN_RESULT_METHODS = frozenset(
    {"is_valid", "has_changed", "exists", "count", "has_perm", "has_perms"}
    | {"has_module_perms", "check_password", "has_usable_password"}
)
# A library base's HTTP handlers are what the view dispatches to anyway.
HANDLER_NAMES = frozenset({"get", "post", "put", "patch", "delete", "head", "options"})
# Methods of request.user that read loaded fields only (a user from `await auser()`).
USER_READS = frozenset({"get_username", "get_full_name", "get_short_name", "natural_key"})
# Where a value is plain data (str, dict, list, numbers, a QueryDict, a response being
# built) whatever method is called on it next: standard-library modules, and the parts of
# Django that hold request and response data without touching the database.
PLAIN_DATA_ORIGINS = (
    *("json.", "re.", "datetime.", "decimal.", "uuid.", "hashlib.", "hmac.", "base64."),
    *("math.", "urllib.parse.", "html.", "textwrap.", "string.", "itertools.", "time."),
    *("django.http.QueryDict", "django.http.HttpResponse", "django.http.JsonResponse"),
    *("django.utils.datastructures.", "django.utils.http.", "django.utils.encoding."),
)
# Builtins that evaluate an iterable they are given (a queryset runs its query).
EVALUATING_BUILTINS = frozenset(
    {"len", "list", "tuple", "set", "sorted", "sum", "any", "all", "min", "max", "bool", "next"}
    | {"enumerate", "iter", "dict", "frozenset", "reversed", "zip", "map", "filter"}
)
# Constructors whose result is a plain value whatever their arguments.
VALUE_BUILTINS = frozenset(
    {"str", "int", "float", "bool", "dict", "list", "tuple", "set", "frozenset", "len"}
    | {"sorted", "repr", "format", "abs", "round", "min", "max", "sum", "range", "bytes"}
)


@functools.cache
def _catalog() -> Catalog:
    return load_catalog(Settings())


@functools.cache
def blocking_method_names() -> frozenset[str]:
    """Method names the catalog knows as blocking on some class (`save`, `get`, `count`,
    `is_valid`, `send` …): on a receiver of unknown type, such a call may block."""
    names = set()
    for row in _catalog().rows:
        parts = row.pattern.split(".")
        is_method = len(parts) >= 2 and parts[-2][:1].isupper()
        if row.blocking and is_method and not parts[-1].startswith("__"):
            names.add(parts[-1])
    return frozenset(names)


# --- the project's classes and functions ----------------------------------------------------


@dataclass
class _ProjectIndex:
    """Module-level functions and classes of every project file, found by module name."""

    project: Project
    modules: dict[str, str] = field(default_factory=dict)  # dotted module → relative path
    method_names: set[str] = field(default_factory=set)  # every method a project class defines
    top_packages: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, project: Project) -> _ProjectIndex:
        cached = project.cache.get("loop_audit:index")
        if isinstance(cached, _ProjectIndex):
            return cached
        index = cls(project)
        for relative, text in project.texts():
            parts = relative.removesuffix(".py").split("/")
            if parts[-1] == "__init__":
                parts.pop()
            # The project root may sit above the import root (src/, testapp/…): every
            # suffix of the path is a module name it may be imported by.
            for start in range(len(parts)):
                index.modules.setdefault(".".join(parts[start:]), relative)
                index.top_packages.add(parts[start])
            index.method_names |= _method_names(text)
        project.cache["loop_audit:index"] = index
        return index

    def resolve(self, dotted: str) -> tuple[SourceFile, list[str]] | None:
        """The project file of the longest module prefix of `dotted`, and the rest."""
        parts = dotted.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            relative = self.modules.get(".".join(parts[:cut]))
            if relative is not None:
                source = self.project.source(relative)
                return (source, parts[cut:]) if source is not None else None
        return None


def _method_names(text: str) -> set[str]:
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return set()
    return {
        item.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef)
        for item in node.body
        if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
        and not (item.name.startswith("__") and item.name.endswith("__"))
    }


def _module_of(path: str) -> str:
    parts = path.removesuffix(".py").split("/")
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _absolute(name: str, source: SourceFile) -> str:
    """`.services.f` (a relative import, as libcst names it) → `pkg.services.f`."""
    if not name.startswith("."):
        return name
    dots = len(name) - len(name.lstrip("."))
    package = _module_of(source.path).split(".")
    if not source.path.endswith("__init__.py"):
        package = package[:-1]
    if dots > 1:
        package = package[: len(package) - (dots - 1)]
    return ".".join([*package, name.lstrip(".")])


def _top_level(source: SourceFile, name: str) -> cst.CSTNode | None:
    """The module-level def, class or assigned value named `name` in `source`."""
    for statement in source.tree.body:
        if isinstance(statement, cst.FunctionDef | cst.ClassDef) and statement.name.value == name:
            return statement
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Assign) and any(
                    isinstance(t.target, cst.Name) and t.target.value == name for t in small.targets
                ):
                    return small.value
    return None


def _imported_as(source: SourceFile, name: str) -> str | None:
    """The absolute dotted path `name` is imported from at the top of `source`."""
    for statement in source.tree.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if not isinstance(small, cst.ImportFrom) or isinstance(small.names, cst.ImportStar):
                continue
            for alias in small.names:
                local = alias.asname.name if alias.asname else alias.name
                if isinstance(local, cst.Name) and local.value == name:
                    module = source.code(small.module) if small.module else ""
                    dots = "." * len(small.relative)
                    dotted = ".".join(part for part in (module, source.code(alias.name)) if part)
                    return _absolute(f"{dots}{dotted}", source)
    return None


def _method(source: SourceFile, cls: cst.ClassDef, name: str) -> cst.FunctionDef | None:
    body = cls.body.body if isinstance(cls.body, cst.IndentedBlock) else ()
    for item in body:
        if isinstance(item, cst.FunctionDef) and item.name.value == name:
            return item
    return None


@dataclass(frozen=True)
class _Class:
    source: SourceFile
    node: cst.ClassDef

    def __hash__(self) -> int:
        return hash((self.source.path, self.node.name.value))

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, _Class)
            and other.source.path == self.source.path
            and other.node.name.value == self.node.name.value
        )


# --- the audit --------------------------------------------------------------------------------


# What a local name holds, as far as the audit can tell.
# NONE is `None` itself, which a later assignment refines (`x = None` … `x = Entry()`).
NONE = "none"
LITERAL, REQUEST, SELF, LIBRARY, MODEL, QUERYSET, HTTP_RESPONSE, INSTANCE, UNKNOWN = (
    "literal",
    "request",
    "self",
    "library",
    "model",
    "queryset",
    "http response",
    "instance",
    "unknown",
)


@dataclass(frozen=True)
class _Kind:
    kind: str
    origin: str = ""  # LIBRARY: the qualified name the value came from
    cls: _Class | None = None  # INSTANCE / SELF: the project class


class LoopAudit:
    """Audits the converted functions of one view; `check_view` raises Refused."""

    def __init__(
        self,
        project: Project,
        *,
        check_calls: bool = True,
        to_thread: Callable[[cst.Call], bool] | None = None,
    ) -> None:
        self.index = _ProjectIndex.of(project)
        # Moves a call of the converted function itself into a thread (sync_to_async);
        # False when it cannot be moved there.
        self._to_thread = to_thread
        # False: only work out what functions return (for code that runs in a thread).
        self._check_calls = check_calls
        # (file, line, class, bound parameter kinds) → the kind the function returns
        self._results: dict[tuple[object, ...], _Kind] = {}
        self._covered: dict[cst.CSTNode, str] = {}
        self._moved: list[cst.CSTNode] = []

    def check_view(
        self,
        source: SourceFile,
        functions: list[cst.FunctionDef],
        covered: dict[cst.CSTNode, str],
        moved: list[cst.CSTNode],
        view_class: cst.ClassDef | None,
    ) -> None:
        """`covered`: call/attribute nodes a step rewrites → the step's effect kind;
        `moved`: nodes a step moves into a thread as a whole."""
        cls = _Class(source, view_class) if view_class is not None else None
        # Steps may sit in the helpers too (a streaming generator made async): the nodes
        # are unique to this view's file, so one map serves every function reached.
        self._covered, self._moved = covered, moved
        for function in functions:
            self._function(source, function, covered, moved, cls, 0)
        if cls is not None:
            for name in DISPATCH_PATH:
                found = self._lookup(cls, name)
                if found is not None:
                    owner, method = found
                    self._function(owner.source, method, covered, moved, cls, 1)

    # Functions ------------------------------------------------------------------------------

    def _function(
        self,
        source: SourceFile,
        function: cst.FunctionDef,
        covered: dict[cst.CSTNode, str],
        moved: list[cst.CSTNode],
        cls: _Class | None,
        depth: int,
        bound: tuple[tuple[str, _Kind], ...] = (),
    ) -> _Kind:
        """Audit `function`; returns what it returns, as far as the audit can tell."""
        line = source.range(function).start.line
        key = (source.path, line, cls.node.name.value if cls else "", bound)
        if key in self._results:
            return self._results[key]  # checked already, or being checked (recursion)
        self._results[key] = _Kind(UNKNOWN)
        if depth > MAX_DEPTH:
            raise Refused(
                f"{function.name.value}() at {source.path}:{source.range(function).start.line} "
                f"is more than {MAX_DEPTH} calls deep, further than the rewrite follows: "
                "check it does no I/O, then convert by hand"
            )
        if function.asynchronous is not None and depth:
            return _Kind(UNKNOWN)  # awaited: an async function the scan reports on
        if is_generator(function) and not self._check_calls:
            return _Kind(UNKNOWN)  # a generator object: its body runs when iterated
        # The converted view's own request parameter, whatever it is called.
        request_at = -1 if depth else (1 if cls is not None else 0)
        locals_ = self._locals(source, function, covered, cls, request_at, depth, dict(bound))
        nodes = _calls_and_loops(function) if self._check_calls else []
        # Names a form validation is called on here: reading their `.errors` is then cached.
        validated = {
            node.func.value.value
            for node in nodes
            if isinstance(node, cst.Call)
            and isinstance(node.func, cst.Attribute)
            and node.func.attr.value in ("is_valid", "full_clean")
            and isinstance(node.func.value, cst.Name)
        }
        for node in nodes:
            if any(source.contains(region, node) for region in moved):
                continue
            if isinstance(node, cst.Attribute):
                if node not in covered:
                    self._attribute(source, node, locals_, depth, validated)
                continue
            if isinstance(node, cst.If | cst.While):
                self._truth_test(source, node, locals_, covered)
                continue
            if isinstance(node, cst.Call):
                if node in covered:
                    continue
                try:
                    self._call(source, node, locals_, cls, depth)
                except Refused:
                    if depth or not self._may_run_in_thread(source, node, locals_, depth):
                        raise
                    assert self._to_thread is not None
                    if not self._to_thread(node):
                        raise
            else:
                self._iteration(source, node, locals_, covered)
        listed = {name: [kind] for name, kind in locals_.items()}
        returned = [
            self._value_kind(source, value, listed, covered, depth)
            if value is not None
            else _Kind(NONE)
            for value in _returns(function)
        ]
        result = _combine(returned) if returned else _Kind(LITERAL)
        if is_generator(function):
            result = _Kind(UNKNOWN)  # a generator object: its body runs when iterated
        self._results[key] = result
        return result

    def _enter(
        self,
        found: tuple[_Class | None, SourceFile, cst.FunctionDef],
        call: cst.Call,
        caller: SourceFile,
        caller_locals: dict[str, _Kind],
        depth: int,
    ) -> _Kind:
        """Audit the project function a call reaches, its parameters bound to the kinds of
        the call's arguments."""
        cls, owner, function = found
        params = [p.name.value for p in function.params.params]
        if cls is not None and params and params[0] in ("self", "cls"):
            params = params[1:]
        listed = {name: [kind] for name, kind in caller_locals.items()}
        bound: dict[str, _Kind] = {}
        for position, argument in enumerate(call.args):
            if argument.star:
                break
            name = argument.keyword.value if argument.keyword else None
            if name is None and position < len(params):
                name = params[position]
            if name is not None:
                bound[name] = self._value_kind(caller, argument.value, listed, {}, depth)
        return self._function(
            owner,
            function,
            self._covered,
            self._moved,
            cls,
            depth + 1,
            tuple(sorted(bound.items(), key=lambda item: item[0])),
        )

    def _locals(
        self,
        source: SourceFile,
        function: cst.FunctionDef,
        covered: dict[cst.CSTNode, str],
        cls: _Class | None,
        request_at: int,
        depth: int,
        bound: dict[str, _Kind],
    ) -> dict[str, _Kind]:
        kinds: dict[str, list[_Kind]] = {}
        params = [p.name.value for p in function.params.params]
        for position, name in enumerate(params):
            if position == 0 and cls is not None and name in ("self", "cls"):
                kinds[name] = [_Kind(SELF, cls=cls)]
            elif name == "request" or position == request_at:
                kinds[name] = [_Kind(REQUEST)]
            else:
                kinds[name] = [_Kind(UNKNOWN)]
        for param in [*function.params.kwonly_params, *function.params.posonly_params]:
            kinds[param.name.value] = [_Kind(UNKNOWN)]
        for name, kind in bound.items():
            if name in kinds and kind.kind != UNKNOWN:
                kinds[name] = [kind]
        for node in _assignments(function):
            if isinstance(node, cst.Assign):
                kind = self._value_kind(source, node.value, kinds, covered, depth)
                for target in node.targets:
                    if isinstance(target.target, cst.Name):
                        kinds.setdefault(target.target.value, []).append(kind)
                    else:
                        for name in _target_names(target.target):
                            kinds.setdefault(name, []).append(_Kind(UNKNOWN))
            elif isinstance(node, cst.AnnAssign | cst.AugAssign):
                if isinstance(node.target, cst.Name):
                    value = node.value
                    kind = (
                        self._value_kind(source, value, kinds, covered, depth)
                        if value is not None and isinstance(node, cst.AnnAssign)
                        else _Kind(UNKNOWN)
                    )
                    if isinstance(node, cst.AugAssign):
                        kind = _combine([*kinds.get(node.target.value, []), _Kind(LITERAL)])
                    kinds.setdefault(node.target.value, []).append(kind)
            else:  # for targets, with … as, except … as, walrus, comprehension targets
                for name in _target_names(node):
                    kinds.setdefault(name, []).append(_Kind(UNKNOWN))
        return {name: _combine(found) for name, found in kinds.items()}

    def _value_kind(
        self,
        source: SourceFile,
        value: cst.BaseExpression,
        kinds: dict[str, list[_Kind]],
        covered: dict[cst.CSTNode, str],
        depth: int,
    ) -> _Kind:
        if isinstance(value, cst.Await):
            value = value.expression
        if isinstance(
            value,
            cst.BaseString
            | cst.Integer
            | cst.Float
            | cst.Dict
            | cst.List
            | cst.Tuple
            | cst.Set
            | cst.ListComp
            | cst.DictComp
            | cst.SetComp
            | cst.Comparison
            | cst.UnaryOperation,
        ):
            return _Kind(LITERAL)
        if isinstance(value, cst.Name) and value.value in ("None", "True", "False"):
            return _Kind(NONE if value.value == "None" else LITERAL)
        if isinstance(value, cst.Name) and value.value in kinds:
            return _combine(kinds[value.value])
        if isinstance(value, cst.Attribute | cst.Subscript):
            root, chain = _root_and_chain(value)
            base = _combine(kinds.get(root, [_Kind(UNKNOWN)])) if root else _Kind(UNKNOWN)
            if base.kind == REQUEST and not ({"user", "session"} & set(chain)):
                return _Kind(REQUEST)
            if base.kind == LITERAL and isinstance(value, cst.Subscript):
                return _Kind(UNKNOWN)
            return _Kind(UNKNOWN)
        if isinstance(value, cst.BinaryOperation):
            left = self._value_kind(source, value.left, kinds, covered, depth)
            right = self._value_kind(source, value.right, kinds, covered, depth)
            return _Kind(LITERAL) if left.kind == right.kind == LITERAL else _Kind(UNKNOWN)
        if isinstance(value, cst.Call):
            effect = covered.get(value)
            if effect == "http":
                return _Kind(HTTP_RESPONSE)
            if effect == "db":
                return _Kind(MODEL)
            if effect is not None:
                return self._thread_result(source, value, kinds, depth)
            for name in source.qualified_names(value.func):
                if "<locals>" in name:
                    root, chain = _local_chain(name)
                    base = _combine(kinds.get(root, [_Kind(UNKNOWN)]))
                    if (
                        chain
                        and chain[-1] in LAZY_QUERYSET_METHODS
                        and base.kind
                        in (
                            UNKNOWN,
                            MODEL,
                            QUERYSET,
                        )
                    ):
                        return _Kind(QUERYSET)
                    if base.kind == LITERAL:
                        return _Kind(LITERAL)
                    if base.kind == HTTP_RESPONSE:
                        return _Kind(LITERAL)  # .json(), .text…: plain data
                    method = self._method_of(base, chain)
                    if method is not None:
                        caller = {n: _combine(k) for n, k in kinds.items()}
                        return self._enter(method, value, source, caller, depth)
                    return _Kind(UNKNOWN)
                name = _absolute(name, source)
                if name.startswith("builtins."):
                    short = name.removeprefix("builtins.")
                    return _Kind(LITERAL if short in VALUE_BUILTINS else UNKNOWN)
                found = self._project(source, name)
                if found is not None:
                    owner, rest, node = found
                    if isinstance(node, cst.ClassDef) and not rest:
                        return _Kind(INSTANCE, cls=_Class(owner, node))
                    if isinstance(node, cst.FunctionDef) and not rest:
                        caller = {n: _combine(k) for n, k in kinds.items()}
                        return self._enter((None, owner, node), value, source, caller, depth)
                    if rest and rest[-1] in LAZY_QUERYSET_METHODS:
                        return _Kind(QUERYSET)
                    return _Kind(UNKNOWN)
                if name.split(".")[0] not in self.index.top_packages:
                    if name.startswith(PLAIN_DATA_ORIGINS):
                        return _Kind(LITERAL)
                    row = _catalog().match(name)
                    if row is not None and row.kind == EffectKind.HTTP:
                        return _Kind(HTTP_RESPONSE)
                    return _Kind(LIBRARY, origin=name)
            return _Kind(UNKNOWN)
        return _Kind(UNKNOWN)

    def _may_run_in_thread(
        self, source: SourceFile, call: cst.Call, locals_: dict[str, _Kind], depth: int
    ) -> bool:
        """A call the audit cannot show to be non-blocking may move into a thread when
        nothing lazy comes back to the loop: its result is discarded, or it is plain data."""
        if self._to_thread is None:
            return False
        if isinstance(source.parent(call), cst.Expr):
            return True
        listed = {name: [kind] for name, kind in locals_.items()}
        return self._thread_result(source, call, listed, depth).kind in (LITERAL, HTTP_RESPONSE)

    def _thread_result(
        self,
        source: SourceFile,
        call: cst.Call,
        kinds: dict[str, list[_Kind]],
        depth: int,
    ) -> _Kind:
        """What a project helper moved into a thread returns: its body may block (it runs
        in the thread), so it is read by a separate audit whose refusals do not count."""
        caller = {n: _combine(k) for n, k in kinds.items()}
        reader = LoopAudit(self.index.project, check_calls=False)
        reader._covered, reader._moved = self._covered, self._moved
        target: tuple[_Class | None, SourceFile, cst.FunctionDef] | None = None
        for name in source.qualified_names(call.func):
            if "<locals>" in name:
                root, chain = _local_chain(name)
                target = self._method_of(caller.get(root, _Kind(UNKNOWN)), chain)
            else:
                found = self._project(source, _absolute(name, source))
                if found is not None and isinstance(found[2], cst.FunctionDef) and not found[1]:
                    target = (None, found[0], found[2])
        if target is None:
            method = call.func.attr.value if isinstance(call.func, cst.Attribute) else ""
            return _Kind(LITERAL if method in PLAIN_RESULT_METHODS else UNKNOWN)
        try:
            kind = reader._enter(target, call, source, caller, depth)
        except Refused:
            return _Kind(UNKNOWN)
        # A lazy queryset or a model instance handed back would query on the loop.
        return kind if kind.kind in (LITERAL, HTTP_RESPONSE) else _Kind(UNKNOWN)

    # Calls ------------------------------------------------------------------------------------

    def _call(
        self,
        source: SourceFile,
        call: cst.Call,
        locals_: dict[str, _Kind],
        cls: _Class | None,
        depth: int,
    ) -> None:
        parent = source.parent(call)
        if isinstance(parent, cst.Await):
            return  # an async API, awaited
        where = f"{source.path}:{source.range(call).start.line}"
        text = _short_code(source, call.func)
        names = source.qualified_names(call.func)
        if not names:
            # The callee is computed (a call's result, a subscript): unless it is one of
            # Django's own thread hops, nothing says what it runs.
            if _is_sync_to_async_call(source, call.func):
                return
            raise Refused(
                f"cannot tell what {text}(…) at {where} runs once the view is async: "
                "convert by hand"
            )
        if names == {"builtins.super"} and isinstance(call.func, cst.Attribute):
            self._super_call(source, call, call.func.attr.value, locals_, depth, where)
            return
        for name in sorted(names):
            if "<locals>" in name:
                self._local_call(source, call, name, locals_, depth, where, text)
            else:
                self._named_call(source, call, _absolute(name, source), locals_, depth, where)

    def _super_call(
        self,
        source: SourceFile,
        call: cst.Call,
        method: str,
        locals_: dict[str, _Kind],
        depth: int,
        where: str,
    ) -> None:
        """`super().m(…)`: the next project class defining `m` after the one whose method
        this is; a library base's `m` is checked against the catalog's method names."""
        owner = source.enclosing(call, cst.ClassDef)
        self_kind = locals_.get("self", _Kind(UNKNOWN))
        if owner is None:
            return
        for base in owner.bases:
            for qualified in source.qualified_names(base.value):
                found = self._project(source, _absolute(qualified, source))
                if found is None or not isinstance(found[2], cst.ClassDef) or found[1]:
                    continue
                target = self._lookup(_Class(found[0], found[2]), method)
                if target is not None:
                    cls = self_kind.cls or target[0]
                    self._enter((cls, target[0].source, target[1]), call, source, locals_, depth)
                    return
        if method in blocking_method_names() and method not in HANDLER_NAMES:
            raise Refused(
                f"super().{method}() at {where} runs a library base's {method}(), which may "
                "block: convert by hand"
            )

    def _named_call(
        self,
        source: SourceFile,
        call: cst.Call,
        name: str,
        locals_: dict[str, _Kind],
        depth: int,
        where: str,
    ) -> None:
        if name.startswith("builtins."):
            short = name.removeprefix("builtins.")
            row = _catalog().match(name)
            if row is not None and _blocks(row):
                raise Refused(f"{short}() at {where} blocks ({row.note}): convert by hand")
            if short in EVALUATING_BUILTINS and call.args:
                self._evaluated(source, call.args[0].value, locals_, {}, where)
            return
        found = self._project(source, name)
        if found is None:
            if self.index.resolve(name) is not None:
                raise Refused(
                    f"{name}() at {where}: the rewrite cannot find its definition in the "
                    "project, so it cannot show it does not block: convert by hand"
                )
            row = _catalog().match(name)
            if row is not None and _blocks(row):
                raise Refused(
                    f"{name}() at {where} blocks ({row.note}) and no step rewrites it: "
                    "convert by hand"
                )
            return
        owner, rest, node = found
        self._project_call(owner, rest, node, (call, source, locals_), depth, where, name)

    def _project_call(
        self,
        owner: SourceFile,
        rest: list[str],
        node: cst.CSTNode,
        site: tuple[cst.Call, SourceFile, dict[str, _Kind]],
        depth: int,
        where: str,
        name: str,
    ) -> None:
        call, caller, caller_locals = site
        if isinstance(node, cst.FunctionDef) and not rest:
            self._enter((None, owner, node), call, caller, caller_locals, depth)
            return
        if isinstance(node, cst.ClassDef):
            cls = _Class(owner, node)
            method_name = "__init__" if not rest else rest[0]
            method = self._lookup(cls, method_name) if len(rest) <= 1 else None
            if method is not None:
                self._enter((cls, method[0].source, method[1]), call, caller, caller_locals, depth)
                return
            if not rest:
                return
            # Model.objects.filter(…) and the like: the catalog's ORM rows decide.
            last = rest[-1]
            if last in blocking_method_names() and last not in LAZY_QUERYSET_METHODS:
                raise Refused(
                    f"{'.'.join([node.name.value, *rest])}() at {where} may block and no "
                    "step rewrites it: convert by hand"
                )
            return
        # A module-level value of the project (a logger, a client object, a dict…).
        if (
            isinstance(node, cst.BaseExpression)
            and self._value_kind(owner, node, {}, {}, depth).kind == LITERAL
        ):
            return
        if rest and rest[-1] in blocking_method_names():
            raise Refused(
                f"{name.rsplit('.', 1)[-1]}() on {'.'.join(name.split('.')[-len(rest) - 1 : -1])}"
                f" at {where} may block and no step rewrites it: convert by hand"
            )

    def _local_call(
        self,
        source: SourceFile,
        call: cst.Call,
        name: str,
        locals_: dict[str, _Kind],
        depth: int,
        where: str,
        text: str,
    ) -> None:
        root, chain = _local_chain(name)
        kind = locals_.get(root, _Kind(UNKNOWN))
        if not chain:
            raise Refused(
                f"{root}(…) at {where} calls a value the rewrite cannot follow: convert by hand"
            )
        method = chain[-1]
        if kind.kind == LITERAL:
            return
        if kind.kind == REQUEST:
            if chain[0] == "user" and method not in USER_READS:
                raise Refused(
                    f"{text}() at {where} may query the database with the user: convert by hand"
                )
            if chain[0] == "session":
                raise Refused(
                    f"{text}() at {where} reads the session store synchronously; use the "
                    "a* session methods (5.1+) by hand"
                )
            return
        if kind.kind == SELF and chain[0] == "request" and len(chain) > 1:
            kind, chain = _Kind(REQUEST), chain[1:]
            if (chain[0] == "user" and method not in USER_READS) or chain[0] == "session":
                raise Refused(
                    f"{text}() at {where} may query the database (the user or the "
                    "session): convert by hand"
                )
            return
        if kind.kind == SELF and chain[0] in ("kwargs", "args") and len(chain) == 2:
            return
        if kind.kind == SELF and kind.cls is not None and len(chain) == 1:
            found = self._lookup(kind.cls, method)
            if found is not None:
                self._enter((kind.cls, found[0].source, found[1]), call, source, locals_, depth)
                return
            if method in blocking_method_names():
                raise Refused(
                    f"{text}() at {where} may block (inherited from a library base): "
                    "convert by hand"
                )
            return
        if kind.kind == INSTANCE and kind.cls is not None and len(chain) == 1:
            found = self._lookup(kind.cls, method)
            if found is not None:
                self._enter((kind.cls, found[0].source, found[1]), call, source, locals_, depth)
                return
        if kind.kind == LIBRARY and len(chain) == 1:
            row = _catalog().match(f"{kind.origin}.{method}")
            if row is not None and _blocks(row):
                raise Refused(f"{text}() at {where} blocks ({row.note}): convert by hand")
            if method not in blocking_method_names():
                return
        if kind.kind == HTTP_RESPONSE:
            return
        if kind.kind in (QUERYSET, MODEL, UNKNOWN, INSTANCE, SELF, LIBRARY) and (
            method in blocking_method_names() or method in self.index.method_names
        ):
            if kind.kind == QUERYSET and method in LAZY_QUERYSET_METHODS:
                return
            what = {
                QUERYSET: "a queryset",
                MODEL: "a model instance",
                INSTANCE: "an instance of a project class",
            }.get(kind.kind, "a value of a type the rewrite cannot tell")
            raise Refused(
                f"{text}() at {where} is a call on {what}, and the rewrite cannot show it "
                "does not block (project methods and the ORM's sync methods raise "
                "SynchronousOnlyOperation in an async view): convert by hand"
            )

    # Implicit evaluation ----------------------------------------------------------------------

    def _attribute(
        self,
        source: SourceFile,
        node: cst.Attribute,
        locals_: dict[str, _Kind],
        depth: int,
        validated: set[str],
    ) -> None:
        """`self.total` / `entry.total` where the project class defines `total` as a
        property: its body runs right here. `form.errors` validates an unvalidated form
        (clean methods, model choice lookups)."""
        assert isinstance(node.value, cst.Name)
        kind = locals_.get(node.value.value)
        if (
            node.attr.value == "errors"
            and node.value.value not in validated
            and (kind is None or kind.kind in (UNKNOWN, INSTANCE, MODEL))
            and not isinstance(source.parent(node), cst.AssignTarget)
        ):
            raise Refused(
                f"{node.value.value}.errors at {source.path}:{source.range(node).start.line} "
                "validates the form on first read (its clean methods may query): call "
                "is_valid() first, then rewrite again"
            )
        if kind is None or kind.kind not in (SELF, INSTANCE) or kind.cls is None:
            return
        found = self._lookup(kind.cls, node.attr.value)
        if found is None or not _is_property(found[1]):
            return
        self._function(found[0].source, found[1], self._covered, self._moved, kind.cls, depth + 1)

    def _iteration(
        self,
        source: SourceFile,
        node: cst.CSTNode,
        locals_: dict[str, _Kind],
        covered: dict[cst.CSTNode, str],
    ) -> None:
        if isinstance(node, cst.For | cst.CompFor) and node.asynchronous is None:
            self._evaluated(source, node.iter, locals_, covered, "")

    def _evaluated(
        self,
        source: SourceFile,
        value: cst.BaseExpression,
        locals_: dict[str, _Kind],
        covered: dict[cst.CSTNode, str],
        where: str,
    ) -> None:
        if value in covered:
            return
        where = where or f"{source.path}:{source.range(value).start.line}"
        if isinstance(value, cst.Name):
            if locals_.get(value.value, _Kind(UNKNOWN)).kind == QUERYSET:
                raise Refused(
                    f"{value.value} at {where} is a queryset evaluated synchronously, which "
                    "raises SynchronousOnlyOperation in an async view: convert by hand"
                )
            return
        # `for x in entry.lines.all()`: a queryset method on a receiver that is not plain data.
        if (
            isinstance(value, cst.Call)
            and isinstance(value.func, cst.Attribute)
            and value.func.attr.value in LAZY_QUERYSET_METHODS
        ):
            root, _ = _root_and_chain(value.func.value)
            kind = locals_.get(root, _Kind(UNKNOWN)).kind if root else UNKNOWN
            if kind not in (LITERAL, REQUEST, HTTP_RESPONSE):
                raise Refused(
                    f"{_short_code(source, value)} at {where} looks like a queryset evaluated "
                    "synchronously (SynchronousOnlyOperation in an async view): convert by hand"
                )

    def _truth_test(
        self,
        source: SourceFile,
        node: cst.If | cst.While,
        locals_: dict[str, _Kind],
        covered: dict[cst.CSTNode, str],
    ) -> None:
        """`if qs:` evaluates the queryset."""
        test = node.test
        if isinstance(test, cst.UnaryOperation):
            test = test.expression
        if test in covered or node.test in covered:
            return
        if isinstance(test, cst.Name) and locals_.get(test.value, _Kind(UNKNOWN)).kind == QUERYSET:
            raise Refused(
                f"`if {test.value}` at {source.path}:{source.range(node).start.line} evaluates "
                "a queryset synchronously (SynchronousOnlyOperation in an async view): use "
                "`await qs.aexists()`, then rewrite again"
            )

    # Lookups ------------------------------------------------------------------------------

    def _method_of(
        self, base: _Kind, chain: list[str]
    ) -> tuple[_Class, SourceFile, cst.FunctionDef] | None:
        """The project method `self.m` / `instance.m` names, when the audit can tell."""
        if base.kind not in (SELF, INSTANCE) or base.cls is None or len(chain) != 1:
            return None
        found = self._lookup(base.cls, chain[0])
        if found is None:
            return None
        return base.cls, found[0].source, found[1]

    def _project(
        self, source: SourceFile, name: str, hops: int = 0
    ) -> tuple[SourceFile, list[str], cst.CSTNode] | None:
        """A name of project code: (its file, the attributes after it, the def/class/value),
        following re-exports (`from .models import Book` in a package's __init__)."""
        first, *rest = name.split(".")
        node = _top_level(source, first)
        if node is not None:
            return source, rest, node
        resolved = self.index.resolve(name)
        if resolved is None:
            return None
        owner, parts = resolved
        node = _top_level(owner, parts[0])
        if node is not None:
            return owner, parts[1:], node
        imported = _imported_as(owner, parts[0])
        if imported is None or hops > MAX_DEPTH:
            return None
        return self._project(owner, ".".join([imported, *parts[1:]]), hops + 1)

    def _lookup(
        self, cls: _Class, name: str, seen: int = 0
    ) -> tuple[_Class, cst.FunctionDef] | None:
        """`name` defined on `cls` or its project bases (in base order, depth first)."""
        method = _method(cls.source, cls.node, name)
        if method is not None:
            return cls, method
        if seen > MAX_DEPTH:
            return None
        for base in cls.node.bases:
            for qualified in cls.source.qualified_names(base.value):
                found = self._project(cls.source, _absolute(qualified, cls.source))
                if found is not None and isinstance(found[2], cst.ClassDef) and not found[1]:
                    result = self._lookup(_Class(found[0], found[2]), name, seen + 1)
                    if result is not None:
                        return result
        return None


# --- helpers --------------------------------------------------------------------------------


def _is_property(function: cst.FunctionDef) -> bool:
    for decorator in function.decorators:
        expression = decorator.decorator
        name = expression.attr.value if isinstance(expression, cst.Attribute) else ""
        if isinstance(expression, cst.Name):
            name = expression.value
        if name in ("property", "cached_property"):
            return True
    return False


def _blocks(row: CatalogRow | None) -> bool:
    """A catalog row for I/O a sync call would wait on (CPU rows are the plan's business:
    they do not raise SynchronousOnlyOperation)."""
    return row is not None and row.blocking and row.kind != EffectKind.CPU


def _returns(function: cst.FunctionDef) -> list[cst.BaseExpression | None]:
    found: list[cst.BaseExpression | None] = []

    class Visitor(cst.CSTVisitor):
        def visit_Return(self, node: cst.Return) -> None:
            found.append(node.value)

        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            return node is function

        def visit_Lambda(self, node: cst.Lambda) -> bool:
            return False

    function.visit(Visitor())
    return found


def _combine(kinds: list[_Kind]) -> _Kind:
    real = [k for k in kinds if k.kind != NONE]
    if not real:
        return _Kind(LITERAL)
    first = real[0]
    return first if all(k == first for k in real) else _Kind(UNKNOWN)


def _root_and_chain(node: cst.BaseExpression) -> tuple[str, list[str]]:
    """`request.GET["a"].x` → ("request", ["GET", "x"]); ("", []) when not rooted at a name."""
    chain: list[str] = []
    while isinstance(node, cst.Attribute | cst.Subscript):
        if isinstance(node, cst.Attribute):
            chain.append(node.attr.value)
        node = node.value
    if not isinstance(node, cst.Name):
        return "", []
    return node.value, list(reversed(chain))


def _local_chain(name: str) -> tuple[str, list[str]]:
    """`V.get.<locals>.data.get` → ("data", ["get"])."""
    tail = name.rsplit("<locals>.", 1)[-1]
    root, *chain = tail.split(".")
    return root, chain


def _short_code(source: SourceFile, node: cst.CSTNode) -> str:
    text = " ".join(source.code(node).split())
    return text if len(text) <= 60 else text[:57] + "…"


def _is_sync_to_async_call(source: SourceFile, func: cst.BaseExpression) -> bool:
    return isinstance(func, cst.Call) and bool(
        source.qualified_names(func.func)
        & {"asgiref.sync.sync_to_async", "asgiref.sync.async_to_sync"}
    )


def _calls_and_loops(function: cst.FunctionDef) -> list[cst.CSTNode]:
    """Calls, `for` statements and comprehension loops of `function` itself."""
    found: list[cst.CSTNode] = []

    class Visitor(cst.CSTVisitor):
        def visit_For(self, node: cst.For) -> None:
            found.append(node)

        def visit_If(self, node: cst.If) -> None:
            found.append(node)

        def visit_While(self, node: cst.While) -> None:
            found.append(node)

        def visit_CompFor(self, node: cst.CompFor) -> None:
            found.append(node)

        def visit_Attribute(self, node: cst.Attribute) -> None:
            if isinstance(node.value, cst.Name):
                found.append(node)  # `self.total`: a property runs code

        def visit_Call(self, node: cst.Call) -> bool:
            found.append(node)
            if not isinstance(node.func, cst.Attribute):
                return True
            # The method is checked as a call, not as an attribute read; its receiver and
            # the arguments are still visited.
            node.func.value.visit(self)
            for argument in node.args:
                argument.visit(self)
            return False

        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            return node is function

        def visit_ClassDef(self, node: cst.ClassDef) -> bool:
            return False

    function.visit(Visitor())
    return found


def _assignments(function: cst.FunctionDef) -> list[cst.CSTNode]:
    found: list[cst.CSTNode] = []

    class Visitor(cst.CSTVisitor):
        def visit_Assign(self, node: cst.Assign) -> None:
            found.append(node)

        def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
            found.append(node)

        def visit_AugAssign(self, node: cst.AugAssign) -> None:
            found.append(node)

        def visit_For(self, node: cst.For) -> None:
            found.append(node.target)

        def visit_CompFor(self, node: cst.CompFor) -> None:
            found.append(node.target)

        def visit_AsName(self, node: cst.AsName) -> None:
            found.append(node.name)

        def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
            found.append(node.target)

        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            return node is function

    function.visit(Visitor())
    return found


def _target_names(node: cst.CSTNode) -> list[str]:
    if isinstance(node, cst.Name):
        return [node.value]
    if isinstance(node, cst.Tuple | cst.List):
        return [name for element in node.elements for name in _target_names(element.value)]
    if isinstance(node, cst.StarredElement):
        return _target_names(node.value)
    return []
