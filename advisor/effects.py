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
    Subscript,
)
from advisor.index import ModuleInfo, ProjectIndex
from advisor.model import ChainLink, Confidence, Effect, EffectKind, Location, UnknownCall

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
    # bound request user session builtin unknown
    name: str = ""
    model: str = ""


UNKNOWN = T("unknown")


@dataclass(slots=True)
class Context:
    qualified: str
    info: ModuleInfo
    function: FunctionFacts | None
    class_qualified: str | None
    bindings: dict[str, list[Binding]] = field(default_factory=dict)
    # Bindings being evaluated: `qs = qs.filter(...)` refers to the earlier `qs`.
    evaluating: set[int] = field(default_factory=set)


@dataclass(frozen=True, slots=True)
class Summary:
    effects: tuple[Effect, ...]
    unknown_calls: tuple[UnknownCall, ...]
    callees: tuple[str, ...]


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
    def __init__(self, index: ProjectIndex, catalog: Catalog, settings: Settings) -> None:
        self.index = index
        self.catalog = catalog
        self.settings = settings
        self._summaries: dict[str, Summary] = {}
        self._in_progress: set[str] = set()
        self._fields: dict[str, dict[str, tuple[str, str]]] = {}
        self._reverse: dict[str, dict[str, str]] | None = None
        self._returns_in_progress: set[str] = set()
        self._model_cache: dict[str, bool] = {}

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

    def context_for(self, qualified: str) -> Context | None:
        entry = self.index.functions.get(qualified)
        if entry is None:
            return None
        info, function = entry
        class_qualified = f"{info.name}.{function.class_name}" if function.class_name else None
        bindings: dict[str, list[Binding]] = {}
        for binding in function.bindings:
            bindings.setdefault(binding.name, []).append(binding)
        return Context(qualified, info, function, class_qualified, bindings)

    def _param_type(self, name: str, context: Context) -> T | None:
        function = context.function
        if function is None or name not in function.params:
            return None
        if context.class_qualified is not None and function.params and name == function.params[0]:
            if any(
                d for d in function.decorators if isinstance(d, Name) and d.dotted == "staticmethod"
            ):
                return None
            if any(
                d for d in function.decorators if isinstance(d, Name) and d.dotted == "classmethod"
            ):
                return T("class", context.class_qualified)
            if self.index.is_subclass(context.class_qualified, frozenset({QS, django_api.MANAGER})):
                # `self` in a custom QuerySet/Manager method is a queryset.
                return T("queryset", context.class_qualified, "")
            return T("instance", context.class_qualified)
        if name == "request" or name == "req":
            return T("request")
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
                    return T("super", context.class_qualified)
                return T("builtin_result", expr.func.dotted)
            return self.call_result(self.evaluate(expr.func, context, down), expr, context, down)
        if isinstance(expr, Subscript):
            base = self.evaluate(expr.value, context, down)
            if base.kind == "queryset":
                return base if expr.is_slice else T("model", base.model, base.model)
            return UNKNOWN
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
        qualified = self.index.resolve(context.info.name, head)
        if qualified is None:
            local = f"{context.info.name}.{head}"
            if context.function is None and local in self.index.functions:
                return T("function", local)
            return T("builtin", head) if head in _BUILTINS else UNKNOWN
        return self.classify(qualified, depth)

    def element(self, iterable: T) -> T:
        if iterable.kind == "queryset":
            return T("model", iterable.model, iterable.model)
        return UNKNOWN

    def attribute(self, base: T, name: str, context: Context, depth: int) -> T:
        kind = base.kind
        if kind in ("module", "external"):
            qualified = self.index.canonical(f"{base.name}.{name}")
            return self.classify(qualified, depth)
        if kind == "model_class":
            return self._model_class_attribute(base, name)
        if kind in ("manager", "queryset"):
            if base.name:
                method = self.index.find_method(base.name, name)
                if method is not None:
                    return T("method", method, base.model)
            return T("bound", f"{QS}.{name}", base.model)
        if kind == "model":
            return self._model_attribute(base, name)
        if kind in ("instance", "class"):
            if base.name in self.index.classes:
                method = self.index.find_method(base.name, name)
                if method is not None:
                    return T("method", method)
                if name == "request" and self.index.is_subclass(
                    base.name, frozenset({django_api.VIEW})
                ):
                    return T("request")
                attribute = self.index.class_attribute(base.name, name)
                if attribute is not None and depth < _MAX_EVAL_DEPTH:
                    info, expr = attribute
                    return self.evaluate(expr, Context(base.name, info, None, None), depth + 1)
                external = [c for c in self.index.mro(base.name) if c not in self.index.classes]
                for ancestor in external:
                    # A framework method the class inherits: ModelForm.save, View.dispatch…
                    if self.catalog.match(f"{ancestor}.{name}") is not None:
                        return T("bound", f"{ancestor}.{name}")
                if external:
                    return T("inherited", f"{external[0]}.{name}")
                return T("unresolved_member", f"{base.name}.{name}")
            return T("bound", f"{base.name}.{name}")
        if kind == "super":
            owner = base.name
            for klass in self.index.mro(owner)[1:]:
                entry = self.index.classes.get(klass)
                if entry is not None and name in entry[1].methods:
                    return T("method", f"{klass}.{name}")
            return T("bound", f"super.{name}")
        if kind == "request":
            if name == "user":
                return T(
                    "model", "django.contrib.auth.models.User", "django.contrib.auth.models.User"
                )
            return T("request_attr", name)
        return UNKNOWN

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
        if kind == "external" and callee.name in _SHORTCUTS_RETURNING_INSTANCE and call:
            target = self.evaluate(call.args[0], context, depth) if call.args else UNKNOWN
            if target.model:
                return T("model", target.model, target.model)
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
            returned = self.return_type(callee.name, depth)
            if returned.kind == "unknown" and callee.model:
                return T("queryset", "", callee.model)
            return returned
        return UNKNOWN

    def return_type(self, qualified: str, depth: int) -> T:
        if qualified in self._returns_in_progress or depth > _MAX_EVAL_DEPTH:
            return UNKNOWN
        context = self.context_for(qualified)
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

    def summary(self, qualified: str) -> Summary:
        cached = self._summaries.get(qualified)
        if cached is not None:
            return cached
        if qualified in self._in_progress or len(self._in_progress) >= (
            self.settings.max_call_depth
        ):
            return Summary((), (), ())
        context = self.context_for(qualified)
        if context is None or context.function is None:
            return Summary((), (), ())
        self._in_progress.add(qualified)
        try:
            result = self._analyse(context, context.function)
        finally:
            self._in_progress.discard(qualified)
        self._summaries[qualified] = result
        return result

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
            row = self._known(f"django.http.HttpRequest.{last}")
            count = sum(1 for a in function.attribute_uses if a.dotted.endswith("." + last))
            effects.append(
                self._effect(
                    row,
                    f"django.http.HttpRequest.{last}",
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
                callee.name,
                call,
                location,
                confidence,
                in_transaction,
                wrapped,
                effects,
                unknown,
            )
            return
        if callee.kind in ("external", "bound", "builtin"):
            matched = self.catalog.match(callee.name)
            if matched is None:
                return
            row = matched
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
            bindings = context.bindings.get(expr.dotted)
            if bindings:
                expr = bindings[-1].value
                continue
            qualified = self.index.resolve(context.info.name, expr.dotted)
            found = self.index.value_of(qualified) if qualified else None
            if found is None:
                return None
            expr = found[1]
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
        callee: str,
        call: CallSite,
        location: Location,
        confidence: Confidence,
        in_transaction: bool,
        wrapped: bool,
        effects: list[Effect],
        unknown: list[UnknownCall],
    ) -> None:
        summary = self.summary(callee)
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
