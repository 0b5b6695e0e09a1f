"""Django models as types: fields and relations, managers (`objects = BookManager()`), reverse
relations, and the foreign-key read (`order.customer`) that queries unless select_related
loaded it (https://docs.djangoproject.com/en/stable/ref/models/querysets/#select-related)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from advisor import django_api
from advisor.facts import Attr, AttributeUse, Call, Const, Expr, Name, Subscript
from advisor.index import ModuleInfo, ProjectIndex
from advisor.model import Confidence, Effect, Trigger
from advisor.rows import EffectRows
from advisor.values import MODEL, QS, RELATION_FIELDS, UNKNOWN, Context, Kind, T


class ModelTypes(EffectRows):
    """Model classes, instances, managers and relations."""

    if TYPE_CHECKING:
        # Defined by the other parts of EffectAnalyzer (advisor/effects.py).
        _fields: dict[str, dict[str, tuple[str, str]]]
        _reverse: dict[str, dict[str, str]] | None
        index: ProjectIndex

        def is_model(self, qualified: str) -> bool:
            raise NotImplementedError

    def _model_class_attribute(self, base: T, name: str) -> T:
        model = base.model
        attribute = self.index.class_attribute(model, name)
        if attribute is not None:
            info, expr = attribute
            if isinstance(expr, Call):
                manager = self._manager_class(info, expr)
                if manager is not None:
                    return T(Kind.MANAGER, manager, model)
        if name in ("objects", "_default_manager", "_base_manager"):
            return T(Kind.MANAGER, "", model)
        method = self.index.find_method(model, name)
        if method is not None:
            return T(Kind.METHOD, method, model)
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
                relation = RELATION_FIELDS.get(field_type or "")
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
            for qualified in self.index.project_classes():
                if qualified.rsplit(".", 1)[-1] == short and self.is_model(qualified):
                    return qualified
        return None

    def reverse_relations(self, model: str) -> dict[str, str]:
        if self._reverse is None:
            reverse: dict[str, dict[str, str]] = {}
            for qualified in self.index.project_classes():
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
                return T(Kind.MANAGER, "", target)
            return T(Kind.MODEL, target, target)
        reverse = self.reverse_relations(model)
        if name in reverse:
            return T(Kind.MANAGER, "", reverse[name].split(":", 1)[1])
        method = self.index.find_method(model, name)
        if method is not None:
            return T(Kind.METHOD, method, model)
        return T(Kind.BOUND, f"{MODEL}.{name}", model)

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
                trigger=Trigger.RELATED_READ,
            )
        )
