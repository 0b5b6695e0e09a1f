"""`class V(LoginRequiredMixin, View)` with async handlers → the mixin goes and each handler
gets `@method_decorator(login_required)`. The mixin checks `request.user` in a sync
`dispatch()`, which fails with async handlers (SynchronousOnlyOperation for a logged-in
user, [verified] 4.2-6.1); `login_required` awaits `request.auser()` for async views from
Django 5.1 and `method_decorator` keeps a handler async from 5.2
(../shared/django-async-api.md §1.5, §2). One difference: the mixin also guarded OPTIONS
and disallowed methods, which now answer without a login."""

from __future__ import annotations

import libcst as cst

from advisor import django_api
from codemods import Codemod, Refused, Step, codemod
from codemods._engine import Edits
from codemods._source import SourceFile

LOGIN_REQUIRED_MIXIN = "django.contrib.auth.mixins.LoginRequiredMixin"
METHOD_DECORATOR = ("django.utils.decorators", "method_decorator")
LOGIN_REQUIRED = ("django.contrib.auth.decorators", "login_required")
# Customisations of AccessMixin/LoginRequiredMixin that login_required does not read.
_CUSTOMISED = frozenset(
    {
        "login_url",
        "permission_denied_message",
        "raise_exception",
        "redirect_field_name",
        "get_login_url",
        "handle_no_permission",
        "get_permission_denied_message",
        "get_redirect_field_name",
        "dispatch",
    }
)


@codemod
class AuthMixin(Codemod):
    id = "auth_mixin"
    summary = "login_required instead of LoginRequiredMixin"

    def prepare(self, step: Step, node: cst.CSTNode, source: SourceFile, edits: Edits) -> None:
        assert isinstance(node, cst.ClassDef)
        where = f"{source.path}:{step.location.line}"
        position = next(
            (
                index
                for index, base in enumerate(node.bases)
                if LOGIN_REQUIRED_MIXIN in source.qualified_names(base.value)
            ),
            None,
        )
        if position is None:
            raise Refused(
                f"{node.name.value} ({where}) inherits LoginRequiredMixin from a "
                "base class shared with other views: replace it there by hand"
            )
        members = _members(node)
        customised = sorted(members & _CUSTOMISED)
        if customised:
            raise Refused(
                f"{node.name.value} customises the mixin ({', '.join(customised)}), "
                "which login_required would ignore: check the user in the async "
                "handler with `await request.auser()` by hand"
            )
        handlers = [
            s
            for s in _body(node)
            if isinstance(s, cst.FunctionDef)
            and s.name.value in django_api.HTTP_HANDLERS
            and s.name.value != "options"
        ]
        if not handlers:
            raise Refused(f"{node.name.value} defines no HTTP handler to protect")
        edits.add_import(*METHOD_DECORATOR)
        edits.add_import(*LOGIN_REQUIRED)
        edits.remove_if_unused("django.contrib.auth.mixins", "LoginRequiredMixin")

        def drop_mixin(original: cst.CSTNode, updated: cst.CSTNode) -> cst.CSTNode:
            assert isinstance(updated, cst.ClassDef)
            bases = [b for i, b in enumerate(updated.bases) if i != position]
            if bases and not updated.keywords and isinstance(bases[-1].comma, cst.Comma):
                bases[-1] = bases[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
            return updated.with_changes(bases=bases)

        def decorate(original: cst.CSTNode, updated: cst.CSTNode) -> cst.CSTNode:
            assert isinstance(updated, cst.FunctionDef)
            decorator = cst.Decorator(
                decorator=cst.parse_expression("method_decorator(login_required)")
            )
            return updated.with_changes(decorators=[*updated.decorators, decorator])

        edits.on_leave(node, drop_mixin, key=f"{self.id}:bases")
        for handler in handlers:
            edits.on_leave(handler, decorate, order=80, key=f"{self.id}:decorate")
        edits.note(
            f"LoginRequiredMixin → @method_decorator(login_required) on "
            f"{', '.join(h.name.value for h in handlers)}"
        )


def _body(node: cst.ClassDef) -> list[cst.BaseStatement]:
    return list(node.body.body) if isinstance(node.body, cst.IndentedBlock) else []


def _members(node: cst.ClassDef) -> set[str]:
    names: set[str] = set()
    for statement in _body(node):
        if isinstance(statement, cst.FunctionDef):
            names.add(statement.name.value)
        elif isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                targets = small.targets if isinstance(small, cst.Assign) else ()
                for target in targets:
                    if isinstance(target.target, cst.Name):
                        names.add(target.target.value)
                if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
                    names.add(small.target.value)
    return names
