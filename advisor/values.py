"""Values and types of the effect analysis: what an expression evaluates to (`T`), the
context a function body is read in, and a function's summary. Shared by the evaluator
(evaluate.py, binding.py), the detectors (detectors/) and propagation (effects.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from advisor import django_api
from advisor.facts import Attr, Binding, Call, Const, Expr, FunctionFacts, Name, Subscript
from advisor.index import ModuleInfo
from advisor.model import Confidence, Effect, Trigger, UnknownCall

QS = django_api.QUERYSET
MODEL = django_api.MODEL
MAX_EVAL_DEPTH = 12
MAX_MULTIPLIER = 1000
CONSUMING_BUILTINS = frozenset(
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
BUILTINS = frozenset(
    {
        *CONSUMING_BUILTINS,
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
RELATION_FIELDS = {
    "django.db.models.ForeignKey": "fk",
    "django.db.models.OneToOneField": "fk",
    "django.db.models.ManyToManyField": "m2m",
    "django.db.models.fields.related.ForeignKey": "fk",
    "django.db.models.fields.related.OneToOneField": "fk",
    "django.db.models.fields.related.ManyToManyField": "m2m",
}
SHORTCUTS_RETURNING_INSTANCE = frozenset(
    {"django.shortcuts.get_object_or_404", "django.shortcuts.aget_object_or_404"}
)
VALUE_USE_METHODS = {"index": "__getitem__", "truth": "__len__", "contains": "__contains__"}
VALUE_USE_TRIGGERS = {
    "index": Trigger.INDEX,
    "truth": Trigger.TRUTH_TEST,
    "contains": Trigger.MEMBERSHIP,
}
_CONFIDENCE_RANK = {Confidence.EXACT: 0, Confidence.HEURISTIC: 1, Confidence.GUESSED: 2}


class Kind(StrEnum):
    """What kind of value a static type describes."""

    MODULE = "module"  # a module (name: its qualified name)
    EXTERNAL = "external"  # a name outside the project the catalog may know
    CLASS = "class"  # a project class
    INSTANCE = "instance"  # an instance of a (project or catalogued) class
    MODEL_CLASS = "model_class"  # a Django model class (model: which)
    MANAGER = "manager"  # a model's manager (name: its project class, if any)
    QUERYSET = "queryset"  # a lazy queryset of `model`
    MODEL = "model"  # a model instance
    FUNCTION = "function"  # a project function
    METHOD = "method"  # a project method (owner: the receiver)
    BOUND = "bound"  # a framework method on a known receiver (QuerySet.filter, …)
    INHERITED = "inherited"  # a method a project class inherits from outside the project
    UNRESOLVED_MEMBER = "unresolved_member"  # not found on a project class or its bases
    REQUEST = "request"  # the HttpRequest
    REQUEST_ATTR = "request_attr"  # an attribute of it other than user
    SUPER = "super"  # super() in a method of `name`
    TUPLE = "tuple"  # items: each position's type
    MAPPING = "mapping"  # a dict literal (items: its values)
    MAPPING_GET = "mapping_get"  # its .get
    LIST = "list"  # a comprehension
    UNION = "union"  # one of items
    BUILTIN = "builtin"  # a builtin function
    BUILTIN_RESULT = "builtin_result"  # what one returned
    CONST = "const"  # a constant argument (name: its repr)
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class T:
    """A static type: what an expression evaluates to, as far as we can tell."""

    kind: Kind
    name: str = ""
    model: str = ""
    # A method's receiver (`self` inside it: the concrete class, the manager's model); a
    # tuple's items (a function returning `st, attributes, pgt`).
    owner: T | None = None
    items: tuple[T, ...] = ()


UNKNOWN = T(Kind.UNKNOWN)
# Argument types worth a summary of their own: they change what the callee's body does.
BINDABLE_KINDS = frozenset(
    {
        Kind.INSTANCE,
        Kind.MODEL,
        Kind.MODEL_CLASS,
        Kind.QUERYSET,
        Kind.MANAGER,
        Kind.CLASS,
        Kind.MODULE,
        Kind.FUNCTION,
        Kind.METHOD,
        Kind.REQUEST,
        Kind.CONST,
    }
)
# Per function, how many receiver/argument variants get their own summary before the
# analysis falls back to the function's plain summary.
MAX_VARIANTS = 8
MAX_UNION = 16


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


SummaryKey = tuple[str, T | None, tuple[tuple[str, T], ...]]


@dataclass(frozen=True, slots=True)
class Summary:
    effects: tuple[Effect, ...]
    unknown_calls: tuple[UnknownCall, ...]
    callees: tuple[str, ...]


def union(items: tuple[T, ...]) -> T:
    """One of several types; a single known type stands for itself, unknowns drop out."""
    flat = (member for i in items for member in (i.items if i.kind == Kind.UNION else (i,)))
    known = tuple(dict.fromkeys(i for i in flat if i.kind != Kind.UNKNOWN))[:MAX_UNION]
    if not known:
        return UNKNOWN
    return known[0] if len(known) == 1 else T(Kind.UNION, items=known)


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
