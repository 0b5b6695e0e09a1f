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

    if TYPE_CHECKING:
        # Defined by the other parts of EffectAnalyzer (advisor/effects.py).
        index: ProjectIndex

        def attribute(self, base: T, name: str, context: Context, depth: int) -> T:
            raise NotImplementedError

        def call_result(self, callee: T, call: Call | None, context: Context, depth: int) -> T:
            raise NotImplementedError

    def built_serializer(self, callee: T, context: Context, depth: int) -> T | None:
        """`self.get_serializer(...)` on a project GenericAPIView: an instance of its
        serializer class that knows the view (its context's "view"); None when `callee` is
        not that call."""
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
        if klass is None:
            return UNKNOWN
        view = T(Kind.INSTANCE, owner.name)
        return union(tuple(T(Kind.INSTANCE, c.name, owner=view) for c in _members(klass)))

    def serializer_class(self, view_class: str, context: Context, depth: int) -> T | None:
        """The serializer class a view builds: its `get_serializer_class()` if the project
        overrides it, else its `serializer_class` attribute."""
        view = T(Kind.INSTANCE, view_class)
        chooser = self.attribute(view, "get_serializer_class", context, depth + 1)
        if chooser.kind == Kind.METHOD:
            chosen = self.call_result(chooser, None, context, depth + 1)
        else:
            chosen = self.attribute(view, "serializer_class", context, depth + 1)
        classes = [c for c in _members(chosen) if c.kind == Kind.CLASS][:MAX_UNION]
        return union(tuple(classes)) if classes else None

    def serializer_context(self, serializer: T) -> T | None:
        """`self.context` in a project serializer: the request, and the view when the view's
        get_serializer() built it (a serializer built by hand gets what the call passes,
        which is not followed: a request at most)."""
        if serializer.kind != Kind.INSTANCE or not self.index.is_subclass(
            serializer.name, django_api.SERIALIZER_BASES
        ):
            return None
        view = serializer.owner
        held = (T(Kind.REQUEST), view) if view is not None else (T(Kind.REQUEST),)
        return T(Kind.MAPPING, items=held)


def _members(value: T) -> tuple[T, ...]:
    return value.items if value.kind == Kind.UNION else (value,)
