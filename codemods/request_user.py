"""`request.user` → `user = await request.auser()` (Django 5.0+), read once before its
first use. Reading `request.user` in an async view runs the session and user queries on the
event loop and raises SynchronousOnlyOperation for a logged-in user
(../shared/django-async-api.md §1.5, [verified] every version)."""

from __future__ import annotations

from typing import cast

import libcst as cst

from codemods import Codemod, Refused, Step, codemod
from codemods._build import (
    free_name,
    insert_before,
    names_in,
    rename,
    use_paths,
)
from codemods._engine import Edits
from codemods._source import SourceFile

AUSER_SINCE = "5.0"


@codemod
class RequestUser(Codemod):
    id = "request_user"
    summary = "await request.auser()"

    def prepare(self, step: Step, node: cst.CSTNode, source: SourceFile, edits: Edits) -> None:
        assert isinstance(node, cst.Attribute)
        owner = source.code(node.value)
        if not edits.target.has(AUSER_SINCE):
            raise Refused(
                f"{owner}.user loads the user synchronously and Django "
                f"{edits.target.django_version} has no {owner}.auser() (added in "
                f"{AUSER_SINCE}): upgrade, or read the user in a sync helper awaited "
                "with sync_to_async"
            )
        function = source.enclosing_function(node)
        if function is None:
            raise Refused(
                f"{owner}.user at {source.path}:{step.location.line} is outside a function"
            )
        key = f"user:{step.function}"
        if key in edits.scratch:
            return
        placeholder = f"__advisor_user_{len(edits.scratch)}__"
        edits.scratch[key] = placeholder
        uses = [
            n
            for n in source.positions
            if isinstance(n, cst.Attribute)
            and n.attr.value == "user"
            and source.code(n.value) == owner
            and source.contains(function, n)
        ]
        for use in uses:
            parent = source.parent(use)
            if isinstance(parent, cst.AssignTarget | cst.AugAssign | cst.Del) or (
                isinstance(parent, cst.AnnAssign) and parent.target is use
            ):
                raise Refused(
                    f"{source.path}:{source.range(use).start.line} assigns "
                    f"{owner}.user: rewrite that part by hand"
                )

            def to_placeholder(original: cst.CSTNode, updated: cst.CSTNode) -> cst.CSTNode:
                return cst.Name(placeholder)

            edits.on_leave(use, to_placeholder, key=self.id)

        def read_user_once(function: cst.FunctionDef) -> cst.FunctionDef:
            name = free_name(("user", "request_user", "current_user"), names_in(function))
            block, index = use_paths(function, placeholder, lift_loops=True)[0][0]
            statement = cst.parse_statement(f"{name} = await {owner}.auser()")
            updated = insert_before(function, block, index, statement)
            return cast(cst.FunctionDef, rename(updated, placeholder, name))

        edits.finish(placeholder, read_user_once, order=60)
