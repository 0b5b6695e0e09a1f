"""URLconfs a project's tests route through besides ROOT_URLCONF: a reusable app often has
no other routing at all. Found in `@override_settings(ROOT_URLCONF=...)` (decorator, `with`
or call, `self.settings(...)` too), pytest-django's `@pytest.mark.urls(...)` (also in a
`pytestmark` list), and the `urls = "..."` attribute of test case classes (Django < 1.10's
SimpleTestCase.urls). The value may be a module path, a module, or a class with a
`urlpatterns` attribute, as Django's URLResolver accepts."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from advisor.facts import Call, Expr, Name, Seq
from advisor.index import ModuleInfo, ProjectIndex
from advisor.model import Location
from advisor.static_eval import ObjectRef, StaticEvaluator

_OVERRIDE_SETTINGS = ("django.test.override_settings", "django.test.utils.override_settings")
_PYTEST_URLS_MARK = "pytest.mark.urls"
_TEST_BASES = ("django.test.", "rest_framework.test.")


@dataclass(frozen=True, slots=True)
class UrlconfUnderTest:
    target: str  # a module name, or a class's qualified name
    is_class: bool
    location: Location


def find_test_urlconfs(index: ProjectIndex) -> list[UrlconfUnderTest]:
    evaluator = StaticEvaluator(index)
    found: dict[tuple[str, bool], UrlconfUnderTest] = {}
    for info in index.modules.values():
        for expr, locals_, line in _urlconf_exprs(index, info):
            target = _target(index, evaluator, info, locals_, expr)
            if target is not None and target not in found:
                found[target] = UrlconfUnderTest(target[0], target[1], Location(info.path, line))
    return sorted(found.values(), key=lambda u: (u.location.path, u.location.line))


def _urlconf_exprs(
    index: ProjectIndex, info: ModuleInfo
) -> Iterator[tuple[Expr, dict[str, Expr], int]]:
    """Every expression the module's tests give as a URLconf, with the locals it reads."""
    facts = info.facts
    for statement in facts.statements:
        for call in _calls_in(statement.value):
            yield from _from_call(index, info, call, {}, statement.line)
    for klass in facts.classes:
        for decorator in klass.decorators:
            if isinstance(decorator, Call):
                yield from _from_call(index, info, decorator, {}, klass.line)
        for name, value in klass.attributes:
            if name == "pytestmark":
                for call in _calls_in(value):
                    yield from _from_call(index, info, call, {}, klass.line)
        urls = [value for name, value in klass.attributes if name == "urls"]
        if urls and _is_test_case(index, f"{info.name}.{klass.qualname}"):
            yield urls[-1], {}, klass.line
    for function in facts.functions:
        for decorator in function.decorators:
            if isinstance(decorator, Call):
                yield from _from_call(index, info, decorator, {}, function.line)
        if not (function.may_call("urls") or function.mentions("ROOT_URLCONF")):
            continue  # cannot pass _may_name_a_urlconf: leave the body unextracted
        locals_: dict[str, Expr] | None = None
        for site in function.calls:
            if not _may_name_a_urlconf(site.func, site.kwargs):
                continue
            if locals_ is None:
                locals_ = {b.name: b.value for b in function.bindings if not b.from_loop}
            call = Call(site.func, site.args, site.kwargs, site.line, site.column)
            yield from _from_call(index, info, call, locals_, site.line)


def _calls_in(expr: Expr) -> list[Call]:
    """A call, or the calls listed in `pytestmark = [pytest.mark.django_db, ...]`."""
    if isinstance(expr, Call):
        return [expr]
    if isinstance(expr, Seq):
        return [item for item in expr.items if isinstance(item, Call)]
    return []


def _may_name_a_urlconf(func: Expr, kwargs: tuple[tuple[str | None, Expr], ...]) -> bool:
    """The cheap test every call of every function passes through first."""
    return any(key == "ROOT_URLCONF" for key, _ in kwargs) or (
        isinstance(func, Name) and func.dotted.endswith("urls")
    )


def _from_call(
    index: ProjectIndex, info: ModuleInfo, call: Call, locals_: dict[str, Expr], line: int
) -> Iterator[tuple[Expr, dict[str, Expr], int]]:
    if not isinstance(call.func, Name):
        return
    dotted = call.func.dotted
    value = call.kwarg("ROOT_URLCONF")
    if value is not None:
        if dotted in ("self.settings", "cls.settings") or (
            index.resolve(info.name, dotted) in _OVERRIDE_SETTINGS
        ):
            yield value, locals_, line
    elif (
        call.args
        and dotted.endswith("urls")
        and index.resolve(info.name, dotted) == _PYTEST_URLS_MARK
    ):
        yield call.args[0], locals_, line


def _is_test_case(index: ProjectIndex, qualified: str) -> bool:
    return any(base.startswith(_TEST_BASES) for base in index.mro(qualified))


def _target(
    index: ProjectIndex,
    evaluator: StaticEvaluator,
    info: ModuleInfo,
    locals_: dict[str, Expr],
    expr: Expr,
) -> tuple[str, bool] | None:
    if isinstance(expr, Name) and expr.dotted not in locals_:
        qualified = index.resolve(info.name, expr.dotted)
        if qualified in index.modules:
            return qualified, False
    value = evaluator.in_function(info, locals_, expr)
    if isinstance(value, str) and value:
        return value, False
    if isinstance(value, ObjectRef) and value.qualified in index.classes:
        return value.qualified, True
    return None
