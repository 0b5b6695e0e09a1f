"""Forms: `form.is_valid()` (and `errors`, `full_clean()`) runs the form's `clean_<field>()`,
`clean()` and `_post_clean()` (django/forms/forms.py `full_clean`;
https://docs.djangoproject.com/en/stable/ref/forms/validation/)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from advisor import django_api
from advisor.index import ProjectIndex
from advisor.values import Kind, T


class FormValidation:
    """The project validation methods a form call runs."""

    if TYPE_CHECKING:
        # Defined by the other parts of EffectAnalyzer (advisor/effects.py).
        index: ProjectIndex

    def _validation_methods(self, callee: T) -> list[str]:
        """`form.is_valid()` on a project form runs its clean_<field>(), clean() and
        _post_clean() methods (the nearest definition of each name along the MRO)."""
        owner = callee.owner
        if (
            callee.kind not in (Kind.BOUND, Kind.INHERITED)
            or owner is None
            or owner.kind != Kind.INSTANCE
            or callee.name.rpartition(".")[2] not in django_api.FORM_VALIDATION_CALLS
            or not self.index.is_subclass(owner.name, django_api.FORM_BASES)
        ):
            return []
        found: dict[str, str] = {}
        for klass in self.index.mro(owner.name):
            entry = self.index.classes.get(klass)
            if entry is None:
                continue
            for method in entry[1].methods:
                if method in ("clean", "_post_clean") or method.startswith("clean_"):
                    found.setdefault(method, f"{klass}.{method}")
        return list(found.values())
