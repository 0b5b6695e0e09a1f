"""`request.user` → `user = await request.auser()` (Django 5.0+), read once before its
first use. Reading `request.user` in an async view runs the session and user queries on the
event loop and raises SynchronousOnlyOperation for a logged-in user
(../shared/django-async-api.md §1.5, [verified] every version). When a configured auth
backend has no `aget_user` (auser() would fail: advisor/policy.py), the user is
loaded with `await sync_to_async(get_user)(request)` instead, the same sync lookup the
middleware's lazy `request.user` does, run in a thread."""

from __future__ import annotations

from typing import cast

import libcst as cst

from advisor.policy import why_not_auser
from codemods import Codemod, Refused, Step, codemod
from codemods._build import (
    SYNC_TO_ASYNC,
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

        load = f"await {owner}.auser()"
        backends = edits.target.sync_only_auth_backends
        if backends:
            if "get_user" in names_in(source.tree) and not _imports_get_user(source):
                raise Refused(
                    f"{why_not_auser(backends)}, and the user would be loaded with "
                    "django.contrib.auth.get_user, a name this module already uses: "
                    "load the user with sync_to_async by hand"
                )
            edits.add_import(*SYNC_TO_ASYNC)
            edits.add_import("django.contrib.auth", "get_user")
            load = f"await sync_to_async(get_user)({owner})"
            edits.note(f"user loaded with sync_to_async(get_user): {why_not_auser(backends)}")

        def read_user_once(function: cst.FunctionDef) -> cst.FunctionDef:
            name = free_name(("user", "request_user", "current_user"), names_in(function))
            block, index = use_paths(function, placeholder, lift_loops=True)[0][0]
            statement = cst.parse_statement(f"{name} = {load}")
            updated = insert_before(function, block, index, statement)
            return cast(cst.FunctionDef, rename(updated, placeholder, name))

        edits.finish(placeholder, read_user_once, order=60)


def _imports_get_user(source: SourceFile) -> bool:
    """The module already imports django.contrib.auth.get_user under that name."""
    for node in source.positions:
        if isinstance(node, cst.ImportAlias) and source.code(node) == "get_user":
            parent = source.parent(node)
            if isinstance(parent, cst.ImportFrom) and source.code(
                parent.module or cst.Name("")
            ) == ("django.contrib.auth"):
                return True
    return False
