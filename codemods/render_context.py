"""`return render(request, template, context)` → `return TemplateResponse(request, template,
context)`: render() renders right away, on the event loop, where a lazy queryset or a lazy
`request.user` in the template raises SynchronousOnlyOperation; a TemplateResponse is
rendered later by Django's async handler in a thread (../shared/django-async-api.md §4.4,
[verified] 4.1-6.1). A render() whose result is used before returning runs in a thread:
`await sync_to_async(render)(…)`."""

from __future__ import annotations

import libcst as cst

from codemods import Codemod, Refused, Step, codemod
from codemods._build import (
    SYNC_TO_ASYNC,
    awaited,
    check_awaitable_here,
    in_thread,
    needs_parentheses,
)
from codemods._engine import Edits
from codemods._source import SourceFile

RENDER = "django.shortcuts.render"
TEMPLATE_RESPONSE = ("django.template.response", "TemplateResponse")
# render(request, template_name, context, content_type, status, using): the first five
# line up with TemplateResponse(request, template, context, content_type, status, …).
_SAME_POSITIONS = 5


@codemod
class RenderContext(Codemod):
    id = "render_context"
    summary = "TemplateResponse instead of render()"

    def prepare(self, step: Step, node: cst.CSTNode, source: SourceFile, edits: Edits) -> None:
        assert isinstance(node, cst.Call)
        check_awaitable_here(node, source)
        if RENDER not in source.qualified_names(node.func):
            raise Refused(
                f"{source.code(node.func)} at {source.path}:{step.location.line} is "
                "not django.shortcuts.render"
            )
        returned = isinstance(source.parent(node), cst.Return)
        positional = [arg for arg in node.args if arg.keyword is None]
        if any(arg.star for arg in node.args) or len(positional) > _SAME_POSITIONS:
            returned = False
        if not returned:
            edits.add_import(*SYNC_TO_ASYNC)
            parens = needs_parentheses(node, source)

            def in_a_thread(original: cst.CSTNode, updated: cst.CSTNode) -> cst.CSTNode:
                assert isinstance(updated, cst.Call)
                return awaited(in_thread(updated.func, updated), parens)

            edits.on_leave(node, in_a_thread, key=f"{self.id}:thread")
            return
        edits.add_import(*TEMPLATE_RESPONSE)
        edits.remove_if_unused("django.shortcuts", "render")

        def template_response(original: cst.CSTNode, updated: cst.CSTNode) -> cst.CSTNode:
            assert isinstance(updated, cst.Call)
            args = []
            for arg in updated.args:
                if arg.keyword is not None and arg.keyword.value == "template_name":
                    arg = arg.with_changes(keyword=cst.Name("template"))
                args.append(arg)
            return updated.with_changes(func=cst.Name(TEMPLATE_RESPONSE[1]), args=args)

        edits.on_leave(node, template_response, key=f"{self.id}:template_response")
