"""Forms and DRF serializers: `form.is_valid()` (and `full_clean()`) runs the form's
`clean_<field>()`, `clean()` and `_post_clean()` (django/forms/forms.py `full_clean`;
https://docs.djangoproject.com/en/stable/ref/forms/validation/); `serializer.save()` runs
the serializer's `create()`/`update()`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from advisor import django_api
from advisor.index import ProjectIndex
from advisor.values import Kind, T


class FormValidation:
    """The project methods a form's or a serializer's framework call runs."""

    if TYPE_CHECKING:
        # Defined by the other parts of EffectAnalyzer (advisor/effects.py).
        index: ProjectIndex

    def _validation_methods(self, callee: T) -> list[str]:
        """`form.is_valid()` on a project form runs its clean_<field>(), clean() and
        _post_clean() methods, `serializer.save()` its create()/update()
        (django_api.VALIDATION_PROTOCOLS; the nearest definition of each name along the MRO)."""
        owner = callee.owner
        if callee.kind not in (Kind.BOUND, Kind.INHERITED) or owner is None:
            return []
        if owner.kind != Kind.INSTANCE:
            return []
        called = callee.name.rpartition(".")[2]
        found: dict[str, str] = {}
        for protocol in django_api.VALIDATION_PROTOCOLS:
            if called not in protocol.calls or not self.index.is_subclass(
                owner.name, protocol.bases
            ):
                continue
            for klass in self.index.mro(owner.name):
                entry = self.index.classes.get(klass)
                if entry is None:
                    continue
                for method in entry[1].methods:
                    if method in protocol.methods or (
                        protocol.prefix and method.startswith(protocol.prefix)
                    ):
                        found.setdefault(method, f"{klass}.{method}")
        return list(found.values())
