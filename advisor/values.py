"""Values and types of the effect analysis: what an expression evaluates to (`T`), the
context a function body is read in, and a function's summary. Shared by the evaluator
(evaluate.py, binding.py), the detectors (detectors/) and propagation (effects.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

from advisor import django_api
from advisor.facts import Attr, Binding, Call, Const, Expr, FunctionFacts, Name, Subscript
from advisor.index import ModuleInfo
from advisor.model import Confidence, Effect, UnknownCall

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
BINDABLE_KINDS = frozenset(
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
    flat = (member for i in items for member in (i.items if i.kind == "union" else (i,)))
    known = tuple(dict.fromkeys(i for i in flat if i.kind != "unknown"))[:MAX_UNION]
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
