"""`def view(request)` → `async def view(request)`, for function views and for every HTTP
handler of a class-based view (Django requires a class's handlers to be all sync or all
async: topics/class-based-views/index.txt, "Asynchronous class-based views", 4.1+)."""

from __future__ import annotations

import libcst as cst

from advisor import django_api
from advisor.policy import AUSER_DECORATORS, METHOD_DECORATOR_ASYNC_SINCE, why_not_auser
from codemods import Codemod, Refused, Step, codemod
from codemods._callers import sync_callers
from codemods._engine import Edits
from codemods._source import SourceFile, is_generator

METHOD_DECORATOR = "django.utils.decorators.method_decorator"
# method_decorator keeps async handlers async from 5.2 (../shared/django-async-api.md §2).


@codemod
class MakeViewAsync(Codemod):
    id = "make_view_async"
    summary = "async def"

    def prepare(self, step: Step, node: cst.CSTNode, source: SourceFile, edits: Edits) -> None:
        assert isinstance(node, cst.FunctionDef)
        if node.asynchronous is not None:
            return
        if is_generator(node):
            raise Refused(
                f"{node.name.value} is a generator: an async view must return a response, not yield"
            )
        _refuse_nested_functions(node, source)
        if step.name == "handler":
            _check_handler_decorators(node, source, edits)
            if not edits.scratch.get("callers checked"):
                edits.scratch["callers checked"] = True
                _check_direct_callers(step.view_id, source, is_class=True)
        else:
            _check_direct_callers(step.function, source, is_class=False)

        def make_async(original: cst.CSTNode, updated: cst.CSTNode) -> cst.CSTNode:
            assert isinstance(updated, cst.FunctionDef)
            return updated.with_changes(asynchronous=cst.Asynchronous())

        edits.on_leave(node, make_async, order=90, key="make_async")


def _refuse_nested_functions(function: cst.FunctionDef, source: SourceFile) -> None:
    """The scan does not follow functions defined inside a view; one doing I/O would run
    it on the event loop."""
    for node in source.positions:
        if (
            isinstance(node, cst.FunctionDef)
            and node is not function
            and (source.contains(function, node))
        ):
            raise Refused(
                f"{function.name.value} defines {node.name.value}() inside it, which the scan "
                "does not follow: check it does no I/O (or move it to module level), then "
                "convert by hand"
            )


def _check_handler_decorators(function: cst.FunctionDef, source: SourceFile, edits: Edits) -> None:
    """A handler decorated with method_decorator stays sync before Django 5.2 (§2)."""
    for decorator in function.decorators:
        expression = decorator.decorator
        call = expression if isinstance(expression, cst.Call) else None
        names = source.qualified_names(call.func if call else expression)
        if METHOD_DECORATOR not in names or call is None or not call.args:
            raise Refused(
                f"{function.name.value}() is decorated with {source.code(expression)}, not "
                "known to keep an async handler async: convert by hand"
            )
        if not edits.target.has(METHOD_DECORATOR_ASYNC_SINCE):
            raise Refused(
                f"method_decorator keeps async handlers async only from Django "
                f"{METHOD_DECORATOR_ASYNC_SINCE} (target {edits.target.django_version}): "
                f"upgrade, or keep {function.name.value}() sync"
            )
        inner = source.qualified_names(call.args[0].value)
        support = next(
            (django_api.VIEW_DECORATORS[n] for n in inner if n in django_api.VIEW_DECORATORS),
            None,
        )
        if support is None or support.since is None or not edits.target.has(support.since):
            raise Refused(
                f"{source.code(call.args[0].value)} on {function.name.value}() does not accept "
                f"async views on Django {edits.target.django_version}: convert by hand"
            )
        if inner & AUSER_DECORATORS and edits.target.sync_only_auth_backends:
            raise Refused(
                f"{source.code(call.args[0].value)} on {function.name.value}() awaits "
                f"request.auser() for async views; "
                f"{why_not_auser(edits.target.sync_only_auth_backends)}: add aget_user to "
                "the backend, or keep the view sync"
            )


def _check_direct_callers(view_id: str, source: SourceFile, is_class: bool) -> None:
    """A view that project code (tests too) calls synchronously would hand its callers a
    coroutine: a function view called directly, a class's `as_view()` result called."""
    callers, subclasses = sync_callers(source.project, view_id, is_class)
    if callers:
        caller = callers[0]
        more = f" (and {len(callers) - 1} more)" if len(callers) > 1 else ""
        raise Refused(
            f"{caller.path}:{caller.line} calls {caller.what} synchronously{more}, and would "
            "get a coroutine once the view is async: call it through the URL (the test "
            "client) or async_to_sync, then rewrite again"
        )
    if subclasses:
        subclass = subclasses[0]
        raise Refused(
            f"{subclass.path}:{subclass.line} subclasses it and defines {subclass.what} "
            "sync: Django needs all handlers of a class async together, so convert them "
            "together by hand"
        )
