"""Framework methods that run the project's own methods: `form.is_valid()` (and
`full_clean()`) runs the form's `clean_<field>()`, `clean()` and `_post_clean()`
(https://docs.djangoproject.com/en/stable/ref/forms/validation/); a DRF serializer's
`is_valid()` runs `validate_<field>()` and `validate()`, its `save()` runs `create()` or
`update()` (https://www.django-rest-framework.org/api-guide/serializers/). The rows are
django_api.PROTOCOL_CALLS."""

from __future__ import annotations

from typing import TYPE_CHECKING

from advisor import django_api
from advisor.index import ProjectIndex
from advisor.values import Kind, T


class FormValidation:
    """The project methods a framework call on a project form or serializer runs."""

    if TYPE_CHECKING:
        # Defined by the other parts of EffectAnalyzer (advisor/effects.py).
        index: ProjectIndex

    def _validation_methods(self, callee: T) -> list[str]:
        """`form.is_valid()` on a project form runs its clean_<field>() and clean() methods,
        `serializer.save()` its create()/update() (the nearest definition of each name along
        the MRO)."""
        owner = callee.owner
        if callee.kind not in (Kind.BOUND, Kind.INHERITED) or owner is None:
            return []
        if owner.kind != Kind.INSTANCE:
            return []
        called = callee.name.rpartition(".")[2]
        rows = [
            row
            for row in django_api.PROTOCOL_CALLS
            if called in row.calls and self.index.is_subclass(owner.name, row.bases)
        ]
        found: dict[str, str] = {}
        for row in rows:
            for klass in self.index.mro(owner.name):
                entry = self.index.classes.get(klass)
                if entry is None:
                    continue
                for method in entry[1].methods:
                    if method in row.methods or method.startswith(row.prefixes):
                        found.setdefault(method, f"{klass}.{method}")
        return list(found.values())
