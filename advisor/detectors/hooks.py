"""Class hooks: framework code that calls methods of the classes a view names, such as DRF's
`authenticate()` on each of `authentication_classes` (django_api.CLASS_HOOKS)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from advisor import django_api
from advisor.facts import Expr, Seq
from advisor.index import ProjectIndex
from advisor.model import ChainLink, Effect, Location
from advisor.values import Context, Kind, Summary, T


class ClassHooks:
    """What framework code runs through the classes a class-based view names."""

    if TYPE_CHECKING:
        # Defined by the other parts of EffectAnalyzer (advisor/effects.py).
        index: ProjectIndex
        _django_values: dict[str, object]

        def _user_check(self, view: str, is_class: bool) -> tuple[Effect, ...]:
            raise NotImplementedError

        def evaluate(self, expr: Expr, context: Context, depth: int = 0) -> T:
            raise NotImplementedError

        def summary(
            self,
            qualified: str,
            receiver: T | None = None,
            arguments: tuple[tuple[str, T], ...] = (),
        ) -> Summary:
            raise NotImplementedError

    def hook_summaries(self, view_class: str) -> list[Summary]:
        """What framework code runs for a class-based view through the classes it names:
        DRF calls `authenticate()` on each of `authentication_classes`, and so on."""
        entry = self.index.classes.get(view_class)
        if entry is None:
            return []
        summaries: list[Summary] = []
        checks = self._user_check(view_class, is_class=True)
        if checks:
            summaries.append(Summary(checks, (), ()))
        for hook in django_api.CLASS_HOOKS:
            if not self.index.is_subclass(view_class, frozenset({hook.view_base})):
                continue
            attribute = self.index.class_attribute(view_class, hook.attribute)
            if attribute is None:
                # Not set on the view: DRF takes REST_FRAMEWORK's default, else its own.
                classes = [self.index.canonical(name) for name in self._drf_default(hook)]
                link = ChainLink(
                    f"REST_FRAMEWORK[{hook.setting!r}]", Location(entry[0].path, entry[1].line)
                )
                klasses = [T(Kind.CLASS, c) for c in classes if c in self.index.classes]
            else:
                info, value = attribute
                named = value.items if isinstance(value, Seq) else (value,)
                link = ChainLink(
                    f"{view_class}.{hook.attribute}", Location(entry[0].path, entry[1].line)
                )
                context = Context(view_class, info, None, None)
                klasses = [self.evaluate(item, context) for item in named]
            for klass in klasses:
                method = (
                    self.index.find_method(klass.name, hook.method)
                    if klass.kind == Kind.CLASS
                    else None
                )
                if method is None:
                    continue
                receiver: T | None = T(Kind.INSTANCE, klass.name)
                if method.rpartition(".")[0] == klass.name:
                    receiver = None
                found = self.summary(method, receiver)
                summaries.append(
                    replace(
                        found,
                        effects=tuple(
                            replace(effect, chain=(link, *effect.chain)) for effect in found.effects
                        ),
                    )
                )
        return summaries

    def _drf_default(self, hook: django_api.ClassHook) -> tuple[str, ...]:
        """The classes DRF uses for `hook` when a view does not name its own."""
        if not hook.setting:
            return ()
        configured = self._django_values.get("REST_FRAMEWORK")
        if isinstance(configured, dict) and hook.setting in configured:
            value = configured[hook.setting]
            if isinstance(value, list | tuple):
                return tuple(v for v in value if isinstance(v, str))
            return ()
        return hook.default
