"""DRF serializers as types: `self.get_serializer(...)` in a GenericAPIView is an instance of
the view's `serializer_class` (or what its `get_serializer_class()` returns), and inside the
serializer `self.context` holds the request and the views that build it
(https://www.django-rest-framework.org/api-guide/generic-views/#get_serializerself-instancenone-datanone-manyfalse-partialfalse)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from advisor import django_api
from advisor.index import ProjectIndex
from advisor.values import MAX_UNION, UNKNOWN, Context, Kind, T, union

if TYPE_CHECKING:
    from advisor.facts import Call


class SerializerTypes:
    """What get_serializer() returns and what a serializer's context holds."""

    # Built on first use: serializer class (and each of its ancestors) -> the views using it.
    _serializer_views: dict[str, tuple[T, ...]] | None = None

    if TYPE_CHECKING:
        # Defined by the other parts of EffectAnalyzer (advisor/effects.py).
        index: ProjectIndex

        def attribute(self, base: T, name: str, context: Context, depth: int) -> T:
            raise NotImplementedError

        def call_result(self, callee: T, call: Call | None, context: Context, depth: int) -> T:
            raise NotImplementedError

    def built_serializer(self, callee: T, context: Context, depth: int) -> T | None:
        """`self.get_serializer(...)` on a project GenericAPIView: an instance of its
        serializer class; None when `callee` is not that call."""
        owner = callee.owner
        if (
            callee.kind != Kind.INHERITED
            or owner is None
            or owner.kind != Kind.INSTANCE
            or callee.name.rpartition(".")[2] not in django_api.SERIALIZER_FACTORIES
            or not self.index.is_subclass(owner.name, frozenset({django_api.DRF_GENERIC_VIEW}))
        ):
            return None
        klass = self.serializer_class(owner.name, context, depth)
        return self.call_result(klass, None, context, depth + 1) if klass is not None else UNKNOWN

    def serializer_class(self, view_class: str, context: Context, depth: int) -> T | None:
        """The serializer class a view builds: its `get_serializer_class()` if the project
        overrides it, else its `serializer_class` attribute."""
        view = T(Kind.INSTANCE, view_class)
        chooser = self.attribute(view, "get_serializer_class", context, depth + 1)
        if chooser.kind == Kind.METHOD:
            chosen = self.call_result(chooser, None, context, depth + 1)
        else:
            chosen = self.attribute(view, "serializer_class", context, depth + 1)
        classes = [c for c in _members(chosen) if c.kind == Kind.CLASS]
        return union(tuple(classes)) if classes else None

    def serializer_context(self, serializer: T) -> T | None:
        """`self.context` in a project serializer: the request, and an instance of each
        project view whose serializer it is (DRF puts the view under "view")."""
        if serializer.kind != Kind.INSTANCE or not self.index.is_subclass(
            serializer.name, django_api.SERIALIZER_BASES
        ):
            return None
        views = self._views_by_serializer().get(serializer.name, ())
        # Served by a subclass's view too: `self` may be the subclass's instance.
        return T(Kind.MAPPING, items=(T(Kind.REQUEST), *views[: MAX_UNION - 1]))

    def _views_by_serializer(self) -> dict[str, tuple[T, ...]]:
        if self._serializer_views is None:
            self._serializer_views = {}
            found: dict[str, dict[str, T]] = {}
            for name in list(self.index.classes):
                if name == django_api.DRF_GENERIC_VIEW or not self.index.is_subclass(
                    name, frozenset({django_api.DRF_GENERIC_VIEW})
                ):
                    continue
                info = self.index.classes[name][0]
                klass = self.serializer_class(name, Context(name, info, None, None), 0)
                for serializer in _members(klass) if klass is not None else ():
                    for ancestor in self.index.mro(serializer.name):
                        found.setdefault(ancestor, {})[name] = T(Kind.INSTANCE, name)
            self._serializer_views = {k: tuple(v.values()) for k, v in found.items()}
        return self._serializer_views


def _members(value: T) -> tuple[T, ...]:
    return value.items if value.kind == Kind.UNION else (value,)
