"""Blocking HTTP with requests (or httpx's sync functions) → httpx's AsyncClient:

    response = requests.get(url, params=params, timeout=5)
→
    async with httpx.AsyncClient(follow_redirects=True, verify=_SSL_CONTEXT) as client:
        response = await client.get(url, params=params, timeout=5)

One client per view, opened around the smallest run of statements that holds the calls
(a loop is wrapped whole, so polling reuses one connection). Arguments keep their meaning
(`allow_redirects` → `follow_redirects`; requests follows redirects by default, httpx does
not, hence `follow_redirects=True`); the requests-only response API used afterwards is
translated (`response.ok` → `not response.is_error`, `.reason` → `.reason_phrase`) and
`except requests.…` clauses around the calls catch httpx's exceptions. Anything without a
faithful translation (streaming, `cert=`, a response handed to unknown code) refuses.

Building a client builds an SSL context (the CA bundle is loaded on the event loop, ~20 ms
of CPU per request), so the module gets one shared context after its imports,

    _SSL_CONTEXT = httpx.create_ssl_context()

(the context httpx would build itself: certifi's bundle, or SSL_CERT_FILE / SSL_CERT_DIR),
and every client gets `verify=_SSL_CONTEXT`. A call's own `verify=` moves to its client
instead: `verify=False` stays `verify=False`, a CA bundle path becomes
`ssl.create_default_context(cafile=…)` (httpx 0.28 deprecates `verify=<str>`).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Container, Sequence
from typing import cast

import libcst as cst
from libcst.metadata import Assignment

from codemods import Codemod, Refused, Step, Target, codemod
from codemods._build import (
    awaited,
    check_awaitable_here,
    common_range,
    free_name,
    in_atomic_block,
    names_in,
    needs_parentheses,
    rename,
    use_paths,
    wrap_statements,
)
from codemods._engine import Edits, Finisher
from codemods._source import SourceFile

Change = Callable[[cst.CSTNode, cst.CSTNode], cst.CSTNode]
ArgumentsFix = Callable[[cst.Call], list[cst.Arg]]

_VERBS = ("get", "post", "put", "patch", "delete", "head", "options", "request")
# requests' positional parameters after the URL (requests/api.py); httpx takes keywords.
_POSITIONAL: dict[str, tuple[str, ...]] = {
    "get": ("url", "params"),
    "post": ("url", "data", "json"),
    "put": ("url", "data"),
    "patch": ("url", "data"),
    "request": ("method", "url"),
}
_NO_PER_REQUEST_EQUIVALENT = frozenset({"stream", "cert", "proxies", "hooks"})
# The module-level SSL context every client shares (found again on a second rewrite).
_SSL_CONTEXT_NAME = "_SSL_CONTEXT"
_SSL_CONTEXT_VALUE = "httpx.create_ssl_context()"
_SHARED_CONTEXT_KEY = "http_client:ssl_context"
_PLACEHOLDERS = itertools.count()
# Response attributes both libraries share.
_SAME_API = frozenset(
    {
        "status_code",
        "headers",
        "text",
        "content",
        "json",
        "raise_for_status",
        "url",
        "encoding",
        "cookies",
        "history",
        "elapsed",
        "is_redirect",
        "links",
        "request",
    }
)
_SUMMARIES = {"niquests": "niquests.AsyncSession", "aiohttp": "aiohttp.ClientSession"}
_RENAMED_API = {"reason": "reason_phrase", "next": "next_request"}
_EXCEPTIONS = {
    "RequestException": "httpx.HTTPError",
    "HTTPError": "httpx.HTTPStatusError",
    "ConnectionError": "httpx.TransportError",
    "Timeout": "httpx.TimeoutException",
    "ConnectTimeout": "httpx.ConnectTimeout",
    "ReadTimeout": "httpx.ReadTimeout",
    "TooManyRedirects": "httpx.TooManyRedirects",
    "JSONDecodeError": "ValueError",
}
# Parents under which `not response.is_error` needs no parentheses.
_LOOSE_PARENTS = (
    cst.If,
    cst.While,
    cst.Assign,
    cst.AnnAssign,
    cst.Return,
    cst.Arg,
    cst.DictElement,
    cst.Element,
    cst.BooleanOperation,
    cst.Expr,
    cst.IfExp,
)


@codemod
class HttpClient(Codemod):
    id = "http_client"
    summary = "httpx.AsyncClient"

    def summary_for(self, target: Target, in_thread: bool) -> str:
        return _SUMMARIES.get(target.http_client, self.summary)

    def prepare(self, step: Step, node: cst.CSTNode, source: SourceFile, edits: Edits) -> None:
        assert isinstance(node, cst.Call) and step.effect is not None
        check_awaitable_here(node, source)
        if edits.target.http_client == "niquests":
            _prepare_niquests(step, node, source, edits, self.id)
            return
        if edits.target.http_client == "aiohttp":
            _prepare_aiohttp(step, node, source, edits, self.id)
            return
        library, _, verb = step.effect.call.rpartition(".")
        if library not in ("requests", "httpx") or verb not in _VERBS:
            raise Refused(
                f"{step.effect.call} at {source.path}:{step.location.line}: only "
                "module-level requests/httpx calls are converted; move the session "
                "to httpx.AsyncClient by hand"
            )
        if step.effect.call not in source.qualified_names(node.func):
            raise Refused(
                f"{source.code(node.func)} at {source.path}:{step.location.line} is "
                f"not {step.effect.call}"
            )
        arguments, verify = _translate_arguments(node, verb, library, source, step, edits)
        if not any(a.keyword is not None and a.keyword.value == "timeout" for a in node.args):
            edits.note(
                f"{step.effect.call} at line {step.location.line} had no timeout: httpx "
                "applies its default of 5 s"
            )
        function = source.enclosing_function(node)
        assert function is not None
        responses = self._response_uses(node, function, source, edits)
        _except_clauses(node, function, source, edits)

        key = f"client:{step.function}"
        placeholder = edits.scratch.get(key)
        if placeholder is None:
            # Unique across views: the engine merges the finishers of all views by name.
            placeholder = f"__advisor_client_{next(_PLACEHOLDERS)}__"
            edits.scratch[key] = placeholder
            edits.scratch[f"{key}:follow"] = False
            edits.finish(placeholder, _wrap_in_client(placeholder, edits, key), order=50)
        if library == "requests":
            edits.scratch[f"{key}:follow"] = True
        if f"{key}:verify" not in edits.scratch:
            edits.scratch[f"{key}:asked"] = verify
            edits.scratch[f"{key}:verify"] = verify or _shared_context(source, edits)
        elif edits.scratch[f"{key}:asked"] != verify:
            raise Refused(
                f"{source.path}:{step.location.line}: the calls in {step.function} share one "
                "httpx client but ask for different verify= settings: convert them by hand"
            )
        edits.add_import("httpx")
        edits.remove_if_unused(library)
        parens = needs_parentheses(node, source)

        def rewrite(original: cst.CSTNode, updated: cst.CSTNode) -> cst.CSTNode:
            assert isinstance(updated, cst.Call)
            func = cst.Attribute(value=cst.Name(placeholder), attr=cst.Name(verb))
            return awaited(updated.with_changes(func=func, args=arguments(updated)), parens)

        edits.on_leave(node, rewrite, key=self.id)
        for use, change in responses:
            edits.on_leave(use, change, key=f"{self.id}:response")

    # The response and what is done with it ---------------------------------------------

    def _response_uses(
        self, call: cst.Call, function: cst.FunctionDef, source: SourceFile, edits: Edits
    ) -> list[tuple[cst.CSTNode, Change]]:
        parent = source.parent(call)
        where = f"{source.path}:{source.range(call).start.line}"
        if isinstance(parent, cst.Attribute) and parent.value is call:
            return [_attribute_change(parent, source, where)]
        if isinstance(parent, cst.Expr):
            return []
        target = None
        if isinstance(parent, cst.Assign) and len(parent.targets) == 1:
            target = parent.targets[0].target
        if not isinstance(target, cst.Name):
            raise Refused(
                f"the response of {source.code(call.func)} at {where} is used in a "
                "way advisor cannot check: assign it to a name first"
            )
        scope = source.scope(target)
        assignments = [
            a
            for a in (scope.assignments[target.value] if scope else ())
            if isinstance(a, Assignment) and a.node is target
        ]
        changes: list[tuple[cst.CSTNode, Change]] = []
        for assignment in assignments:
            for access in assignment.references:
                use = access.node
                holder = source.parent(use)
                if isinstance(holder, cst.Attribute) and holder.value is use:
                    changes.append(_attribute_change(holder, source, where))
                elif isinstance(holder, cst.Arg) and isinstance(source.parent(holder), cst.Call):
                    _check_helper(cast(cst.Call, source.parent(holder)), holder, source, where)
                else:
                    raise Refused(
                        f"the response `{target.value}` from {where} is used as "
                        f"{source.code(holder or use)!r}, which an httpx response "
                        "may not support: rewrite that use by hand"
                    )
        return changes


def _attribute_change(
    attribute: cst.Attribute, source: SourceFile, where: str
) -> tuple[cst.CSTNode, Change]:
    name = attribute.attr.value
    if name in _SAME_API:
        return attribute, lambda original, updated: updated
    if name in _RENAMED_API:
        new = _RENAMED_API[name]
        return attribute, lambda original, updated: cast(cst.Attribute, updated).with_changes(
            attr=cst.Name(new)
        )
    if name == "ok":
        parent = source.parent(attribute)
        loose = isinstance(parent, _LOOSE_PARENTS) or (
            isinstance(parent, cst.UnaryOperation) and isinstance(parent.operator, cst.Not)
        )

        def not_error(original: cst.CSTNode, updated: cst.CSTNode) -> cst.CSTNode:
            value = cast(cst.Attribute, updated).with_changes(attr=cst.Name("is_error"))
            result = cst.UnaryOperation(operator=cst.Not(), expression=value)
            if loose:
                return result
            return result.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])

        return attribute, not_error
    raise Refused(
        f"the response from {where} uses .{name}, which httpx responses do not "
        "have: rewrite that use by hand"
    )


def _check_helper(call: cst.Call, argument: cst.Arg, source: SourceFile, where: str) -> None:
    """A response handed to a function of the same module may be used only through the
    API both libraries share."""
    callee = source.module_function(call.func.value) if isinstance(call.func, cst.Name) else None
    if callee is None:
        raise Refused(
            f"the response from {where} is passed to {source.code(call.func)}, "
            "which advisor cannot check for requests-only API: rewrite by hand"
        )
    position = list(call.args).index(argument)
    params = list(callee.params.params)
    if argument.keyword is not None:
        matching = [p for p in params if p.name.value == argument.keyword.value]
    else:
        matching = params[position : position + 1]
    if not matching:
        raise Refused(
            f"cannot match the response from {where} to a parameter of {callee.name.value}"
        )
    parameter = matching[0].name.value
    uses = [
        n
        for n in source.positions
        if isinstance(n, cst.Name) and n.value == parameter and source.contains(callee.body, n)
    ]
    for use in uses:
        holder = source.parent(use)
        if not (
            isinstance(holder, cst.Attribute)
            and holder.value is use
            and holder.attr.value in _SAME_API
        ):
            raise Refused(
                f"{callee.name.value}() uses its response argument as "
                f"{source.code(holder or use)!r}, which an httpx response may not "
                "support: rewrite it by hand"
            )


def _unconverted_requests_inside(body: cst.CSTNode, source: SourceFile, edits: Edits) -> bool:
    """Whether requests can still raise inside `body` after the rewrite (a call in a
    transaction block, or in a helper that stays sync)."""
    area = source.range(body)
    for effect in edits.view.effects:
        if not effect.call.startswith("requests."):
            continue
        at = effect.chain[0].location if effect.chain else effect.location
        inside = (
            (area.start.line, area.start.column)
            <= (at.line, at.column)
            <= (area.end.line, area.end.column)
        )
        if inside and (len(effect.chain) > 1 or effect.in_transaction):
            return True
    return False


def _translated_type(
    expression: cst.BaseExpression,
    source: SourceFile,
    keep: bool,
    parses_json: bool,
    client: str = "httpx",
) -> cst.BaseExpression | None:
    """The except clause's type with requests' exceptions named as `client` names them
    (httpx's own classes; niquests keeps requests' names under `niquests.exceptions`;
    aiohttp's, see _AIOHTTP_EXCEPTIONS)."""
    elements = (
        [e.value for e in expression.elements]
        if isinstance(expression, cst.Tuple)
        else [expression]
    )
    codes: list[str] = []
    changed = False
    for element in elements:
        names = {n for n in source.qualified_names(element) if n.startswith("requests.")}
        if not names:
            codes.append(source.code(element))
            continue
        short = sorted(names)[0].rsplit(".", 1)[-1]
        known_here = _AIOHTTP_EXCEPTIONS if client == "aiohttp" else _EXCEPTIONS
        if short not in known_here:
            known = "no httpx equivalent known" if client == "httpx" else f"not known to {client}"
            raise Refused(f"except {source.code(element)}: {known}; rewrite the handler by hand")
        changed = True
        if keep:
            codes.append(source.code(element))
        if client == "aiohttp":
            codes.extend(_AIOHTTP_EXCEPTIONS[short])
        else:
            codes.append(
                _EXCEPTIONS[short] if client == "httpx" else f"{client}.exceptions.{short}"
            )
        if short == "RequestException" and parses_json:
            # requests' JSONDecodeError is a RequestException; httpx raises a ValueError.
            codes.append("ValueError")
    if not changed:
        return None
    unique = list(dict.fromkeys(codes))
    text = unique[0] if len(unique) == 1 else f"({', '.join(unique)})"
    return cst.parse_expression(text)


def _shared_context(source: SourceFile, edits: Edits) -> str:
    """The name of the module's shared SSL context: an existing `<name> =
    httpx.create_ssl_context()` (a second rewrite adds no second one), else a new constant
    inserted after the module's imports."""
    for statement in source.tree.body:
        if not (isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1):
            continue
        small = statement.body[0]
        if (
            isinstance(small, cst.Assign)
            and len(small.targets) == 1
            and isinstance(small.targets[0].target, cst.Name)
            and small.targets[0].target.value.startswith(_SSL_CONTEXT_NAME)
            and source.code(small.value) == _SSL_CONTEXT_VALUE
        ):
            return small.targets[0].target.value
    name = free_name((_SSL_CONTEXT_NAME,), names_in(source.tree))

    def insert(original: cst.CSTNode, updated: cst.CSTNode) -> cst.CSTNode:
        assert isinstance(updated, cst.Module)
        body = list(updated.body)
        index = 1 if body and _is_docstring(body[0]) else 0
        for position, statement in enumerate(body):
            if isinstance(statement, cst.SimpleStatementLine) and any(
                isinstance(small, cst.Import | cst.ImportFrom) for small in statement.body
            ):
                index = position + 1
        constant = cst.parse_statement(f"{name} = {_SSL_CONTEXT_VALUE}")
        if index:
            constant = constant.with_changes(leading_lines=[cst.EmptyLine(indent=False)])
        if index < len(body) and not getattr(body[index], "leading_lines", ()):
            body[index] = body[index].with_changes(leading_lines=[cst.EmptyLine(indent=False)])
        body.insert(index, constant)
        return updated.with_changes(body=body)

    edits.on_leave(source.tree, insert, key=_SHARED_CONTEXT_KEY)
    return name


def _is_docstring(statement: cst.BaseStatement) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, cst.SimpleString | cst.ConcatenatedString)
    )


def _client_verify(arg: cst.Arg, source: SourceFile, where: str, edits: Edits) -> str | None:
    """What the client gets for a call's own `verify=`; None: the shared default context."""
    value = arg.value
    if isinstance(value, cst.Name) and value.value in ("True", "False"):
        return None if value.value == "True" else "False"
    if isinstance(value, cst.SimpleString | cst.ConcatenatedString) and not any(
        isinstance(part, cst.FormattedString) for part in _string_parts(value)
    ):
        edits.add_import("ssl")
        edits.note(
            f"verify={source.code(value)} at {where} is read as a CA bundle file "
            "(ssl.create_default_context(cafile=…)); use capath= if it names a directory"
        )
        return f"ssl.create_default_context(cafile={source.code(value)})"
    raise Refused(
        f"{where}: verify={source.code(value)} is decided at run time; httpx takes it on "
        "the client (False, or an ssl.SSLContext): convert this call by hand"
    )


def _string_parts(value: cst.BaseExpression) -> list[cst.BaseExpression]:
    if isinstance(value, cst.ConcatenatedString):
        return [*_string_parts(value.left), *_string_parts(value.right)]
    return [value]


def _translate_arguments(
    call: cst.Call, verb: str, library: str, source: SourceFile, step: Step, edits: Edits
) -> tuple[ArgumentsFix, str | None]:
    """How to fix the call's arguments, and the `verify=` its client needs (None: the
    shared default context)."""
    where = f"{source.path}:{step.location.line}"
    positional_names = _POSITIONAL.get(verb, ("url",))
    plan: list[str | None] = []  # per argument: the keyword to give it (None: keep)
    verify: str | None = None
    dropped: set[int] = set()  # arguments that move to the client
    for index, arg in enumerate(call.args):
        if arg.star:
            raise Refused(f"{where}: *args/**kwargs cannot be checked against httpx's API")
        if arg.keyword is None:
            if index >= len(positional_names):
                raise Refused(f"{where}: too many positional arguments for requests.{verb}")
            name = positional_names[index]
            keyword = None if name in ("url", "method") else name
        else:
            name = arg.keyword.value
            keyword = name
        if name in _NO_PER_REQUEST_EQUIVALENT:
            raise Refused(
                f"{where}: requests' {name}= has no per-request equivalent in httpx "
                "(it is a client setting): convert this call by hand"
            )
        if name == "timeout" and isinstance(arg.value, cst.Tuple):
            raise Refused(
                f"{where}: a (connect, read) timeout tuple means something else to "
                "httpx: use httpx.Timeout(read, connect=…) by hand"
            )
        if name == "verify":
            verify = _client_verify(arg, source, where, edits)
            dropped.add(index)
        if name == "allow_redirects":
            keyword = "follow_redirects"
        if name == "data" and isinstance(
            arg.value, cst.SimpleString | cst.ConcatenatedString | cst.FormattedString
        ):
            keyword = "content"  # httpx sends raw text/bytes with content=
        plan.append(keyword)

    # requests.head() does not follow redirects unless asked; the client here does.
    head_stays = library == "requests" and verb == "head" and "follow_redirects" not in plan

    def fix(updated: cst.Call) -> list[cst.Arg]:
        args = _planned_args(updated.args, [(keyword, None) for keyword in plan], dropped)
        if head_stays:
            if args and not isinstance(args[-1].comma, cst.Comma):
                args[-1] = args[-1].with_changes(
                    comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
                )
            equal = cst.AssignEqual(
                whitespace_before=cst.SimpleWhitespace(""),
                whitespace_after=cst.SimpleWhitespace(""),
            )
            args.append(
                cst.Arg(keyword=cst.Name("follow_redirects"), value=cst.Name("False"), equal=equal)
            )
        return args

    return fix, verify


# --- niquests: requests' own API, async -------------------------------------------------------


def _client_placeholder(step: Step, edits: Edits, wrap: Callable[[str], Finisher]) -> str:
    """The name the function's converted calls use for its session, one per function: the
    first call makes it and schedules `wrap` to open the session around its uses."""
    key = f"client:{step.function}"
    placeholder = edits.scratch.get(key)
    if placeholder is None:
        placeholder = f"__advisor_client_{next(_PLACEHOLDERS)}__"
        edits.scratch[key] = placeholder
        edits.finish(placeholder, wrap(placeholder), order=50)
    return placeholder


def _module_level_requests_call(
    step: Step, node: cst.Call, source: SourceFile, client: str
) -> tuple[str, str]:
    """(verb, "path:line") of a `requests.<verb>(...)` call the step names; other calls are
    refused for `client` (only module-level requests calls are translated to it)."""
    assert step.effect is not None
    library, _, verb = step.effect.call.rpartition(".")
    where = f"{source.path}:{step.location.line}"
    if library != "requests" or verb not in _VERBS:
        raise Refused(
            f"{step.effect.call} at {where}: only module-level requests calls are converted "
            f"to {client}; convert it by hand (or use --http-client httpx)"
        )
    if step.effect.call not in source.qualified_names(node.func):
        raise Refused(f"{source.code(node.func)} at {where} is not {step.effect.call}")
    return verb, where


def _prepare_niquests(
    step: Step, node: cst.Call, source: SourceFile, edits: Edits, codemod_id: str
) -> None:
    """`requests.get(url, …)` → `await session.get(url, …)` inside `async with
    niquests.AsyncSession() as session:`. niquests is a fork of requests: the arguments and
    the (non-streamed) response keep requests' API, so only the call and the exception
    names change (niquests' exceptions are classes of its own)."""
    verb, where = _module_level_requests_call(step, node, source, "niquests")
    assert step.effect is not None
    for arg in node.args:
        if arg.star:
            raise Refused(f"{where}: *args/**kwargs cannot be checked against niquests' API")
        if arg.keyword is not None and arg.keyword.value in ("stream", "hooks"):
            raise Refused(
                f"{where}: {arg.keyword.value}= gives an async response object with its own "
                "API under niquests.AsyncSession: convert this call by hand"
            )
    if not any(a.keyword is not None and a.keyword.value == "timeout" for a in node.args):
        edits.note(
            f"{step.effect.call} at line {step.location.line} had no timeout (nor has it now)"
        )
    function = source.enclosing_function(node)
    assert function is not None
    _except_clauses(node, function, source, edits, "niquests")
    placeholder = _client_placeholder(step, edits, _wrap_in_session)
    edits.add_import("niquests")
    edits.remove_if_unused("requests")
    parens = needs_parentheses(node, source)

    def rewrite(original: cst.CSTNode, updated: cst.CSTNode) -> cst.CSTNode:
        assert isinstance(updated, cst.Call)
        func = cst.Attribute(value=cst.Name(placeholder), attr=cst.Name(verb))
        return awaited(updated.with_changes(func=func), parens)

    edits.on_leave(node, rewrite, key=codemod_id)


def _except_clauses(
    call: cst.Call,
    function: cst.FunctionDef,
    source: SourceFile,
    edits: Edits,
    client: str = "httpx",
) -> None:
    """Rename requests' exceptions in the `except` clauses of each `try` around `call` to
    what `client` raises (see _translated_type)."""
    for statement in source.ancestors(call):
        if statement is function:
            return
        if not isinstance(statement, cst.Try) or not source.contains(statement.body, call):
            continue
        keep = _unconverted_requests_inside(statement.body, source, edits)
        # niquests raises requests' own JSON error: only the others need json's.
        parses_json = client != "niquests" and ".json(" in source.code(statement.body)
        for handler in statement.handlers:
            if handler.type is None:
                continue
            translated = _translated_type(handler.type, source, keep, parses_json, client)
            if translated is None:
                continue
            if client == "aiohttp" and "asyncio." in cst.Module(body=[]).code_for_node(translated):
                edits.add_import("asyncio")
            new_type = translated

            def retype(
                original: cst.CSTNode, updated: cst.CSTNode, new_type: cst.BaseExpression = new_type
            ) -> cst.CSTNode:
                assert isinstance(updated, cst.ExceptHandler)
                return updated.with_changes(type=new_type)

            where = source.range(handler).start
            edits.on_leave(handler, retype, key=f"except:{where.line}:{where.column}")


def _wrap_in_async_with(
    placeholder: str, names: tuple[str, ...], opened: Callable[[], str]
) -> Finisher:
    """Wrap the statements that use `placeholder` in `async with <opened()> as <name>:`,
    `name` the first of `names` free in the function."""

    def wrap(function: cst.FunctionDef) -> cst.FunctionDef:
        name = free_name(names, names_in(function))
        block, first, last = common_range(use_paths(function, placeholder, lift_loops=True))
        opener = cst.WithItem(
            item=cst.parse_expression(opened()),
            asname=cst.AsName(name=cst.Name(name)),
        )

        def wrapper(statements: list[cst.BaseStatement]) -> cst.BaseCompoundStatement:
            return cst.With(
                items=[opener],
                body=cst.IndentedBlock(body=statements),
                asynchronous=cst.Asynchronous(),
            )

        wrapped = wrap_statements(function, block, first, last, wrapper)
        return cast(cst.FunctionDef, rename(wrapped, placeholder, name))

    return wrap


def _wrap_in_session(placeholder: str) -> Finisher:
    return _wrap_in_async_with(
        placeholder, ("session", "http_session", "http"), lambda: "niquests.AsyncSession()"
    )


def _wrap_in_client(placeholder: str, edits: Edits, key: str) -> Finisher:
    def opened() -> str:
        options = ", ".join(
            (
                *(["follow_redirects=True"] if edits.scratch.get(f"{key}:follow") else []),
                f"verify={edits.scratch[f'{key}:verify']}",
            )
        )
        return f"httpx.AsyncClient({options})"

    return _wrap_in_async_with(placeholder, ("client", "http_client", "http"), opened)


# --- aiohttp: a session, and each response read inside its own `async with` -----------------
#
# aiohttp (docs.aiohttp.org, client quickstart and reference, 3.9+) reads the body while
# the response's context is open, so a response is used only inside
#
#     async with session.get(url, timeout=aiohttp.ClientTimeout(total=5)) as response:
#
# with its API translated: `.status_code` → `.status`, `.json()` → `await .json(
# content_type=None)` (requests parses any content type), `.text` → `await .text()`,
# `.content` → `await .read()`, `.url` → `str(.url)` (a yarl.URL); `.ok`, `.reason`,
# `.headers` and `raise_for_status()` are the same. Anything else refuses.

_AIOHTTP_SAME = frozenset({"headers", "reason", "ok", "raise_for_status"})
# requests' exceptions as aiohttp raises them: timeouts are asyncio.TimeoutError (aiohttp's
# own timeout errors subclass it), JSON errors json.JSONDecodeError (a ValueError).
_AIOHTTP_EXCEPTIONS: dict[str, tuple[str, ...]] = {
    "RequestException": ("aiohttp.ClientError", "asyncio.TimeoutError"),
    "HTTPError": ("aiohttp.ClientResponseError",),
    "ConnectionError": ("aiohttp.ClientConnectionError",),
    "Timeout": ("asyncio.TimeoutError",),
    "JSONDecodeError": ("ValueError",),
}
# requests keywords aiohttp takes as they are (allow_redirects too: both follow redirects
# except for HEAD).
_AIOHTTP_KEPT = frozenset({"params", "data", "json", "headers", "cookies", "allow_redirects"})
_AIOHTTP_REFUSED = {
    "stream": "aiohttp streams every response (response.content is a StreamReader)",
    "cert": "aiohttp takes client certificates on an ssl.SSLContext",
    "proxies": "aiohttp takes one proxy= URL per request",
    "hooks": "aiohttp has no response hooks (it has trace configs)",
    "files": "aiohttp uploads files through aiohttp.FormData",
}
_RESPONSE_NAMES = ("response", "resp", "http_response")
# Where the request call may sit in a statement it is lifted out of: no short-circuit,
# conditional or deferred evaluation between it and the statement.
_CONDITIONAL = (
    cst.BooleanOperation,
    cst.IfExp,
    cst.Lambda,
    cst.ListComp,
    cst.SetComp,
    cst.DictComp,
    cst.GeneratorExp,
    cst.NamedExpr,
)


def _prepare_aiohttp(
    step: Step, node: cst.Call, source: SourceFile, edits: Edits, codemod_id: str
) -> None:
    """`response = requests.get(url, …)` and the statements after it that use `response`
    → `async with session.get(url, …) as response:` around them, inside `async with
    aiohttp.ClientSession() as session:`."""
    verb, where = _module_level_requests_call(step, node, source, "aiohttp")
    assert step.effect is not None
    arguments = _aiohttp_arguments(node, verb, source, where, edits)
    if not any(a.keyword is not None and a.keyword.value == "timeout" for a in node.args):
        edits.note(
            f"{step.effect.call} at line {step.location.line} had no timeout: aiohttp "
            "applies its default of 5 min in total"
        )
    if edits.target.gather:
        edits.note(
            "--gather is not applied with aiohttp: each response is read inside its own "
            "`async with`"
        )
    function = source.enclosing_function(node)
    assert function is not None
    statement, response, inline, uses = _aiohttp_response(node, function, source, where)
    _except_clauses(node, function, source, edits, "aiohttp")

    placeholder = _client_placeholder(step, edits, _wrap_in_aiohttp_session)
    edits.add_import("aiohttp")
    edits.remove_if_unused("requests")

    lifted: dict[str, cst.Call] = {}

    def rewrite_call(original: cst.CSTNode, updated: cst.CSTNode) -> cst.CSTNode:
        assert isinstance(updated, cst.Call)
        func = cst.Attribute(value=cst.Name(placeholder), attr=cst.Name(verb))
        lifted["call"] = updated.with_changes(func=func, args=arguments(updated))
        if inline:
            assert response is not None
            return cst.Name(response)
        return lifted["call"]

    edits.on_leave(node, rewrite_call, key=codemod_id)
    for use, change in uses:
        edits.on_leave(use, change, key=f"{codemod_id}:response")

    # A named response gets its name once the statements that use it are in its block.
    named = response is not None and not inline
    marker = f"__advisor_response_{next(_PLACEHOLDERS)}__" if named else None

    # The `async with` header is the statement's line plus one nesting level (the session's).
    column = source.range(statement).start.column + 4

    def rewrite_statement(original: cst.CSTNode, updated: cst.CSTNode) -> cst.CSTNode:
        assert isinstance(updated, cst.SimpleStatementLine)
        name = response if inline else marker
        shown = response or ""
        item = cst.WithItem(
            item=_fitted(lifted["call"], column + len(f"async with  as {shown}:")),
            asname=cst.AsName(name=cst.Name(name)) if name is not None else None,
        )
        inner: cst.BaseStatement = (
            updated.with_changes(leading_lines=())
            if inline
            else cst.SimpleStatementLine([cst.Pass()])
        )
        return cst.With(
            items=[item],
            # A lifted statement keeps its own trailing comment; a replaced one gives it to
            # the header.
            body=cst.IndentedBlock(
                body=[inner],
                header=cst.TrailingWhitespace() if inline else updated.trailing_whitespace,
            ),
            asynchronous=cst.Asynchronous(),
            leading_lines=updated.leading_lines,
        )

    edits.on_leave(statement, rewrite_statement, key=f"{codemod_id}:statement")
    if marker is not None and response is not None:
        edits.finish(marker, _move_uses_into(marker, response), order=40)


def _fitted(call: cst.Call, taken: int) -> cst.Call:
    """A one-line call whose `async with` header would pass 88 columns (ruff's and black's
    default) gets its arguments on a line of their own, as black would lay it out."""
    code = cst.Module(body=[]).code_for_node(call)
    if "\n" in code or taken + len(code) <= 88 or not call.args:
        return call
    args = list(call.args)
    args[-1] = args[-1].with_changes(
        comma=cst.MaybeSentinel.DEFAULT,
        whitespace_after_arg=cst.ParenthesizedWhitespace(
            first_line=cst.TrailingWhitespace(), indent=True
        ),
    )
    return call.with_changes(
        args=args,
        whitespace_before_args=cst.ParenthesizedWhitespace(
            first_line=cst.TrailingWhitespace(),
            indent=True,
            last_line=cst.SimpleWhitespace("    "),
        ),
    )


def _aiohttp_response(
    call: cst.Call, function: cst.FunctionDef, source: SourceFile, where: str
) -> tuple[cst.SimpleStatementLine, str | None, bool, list[tuple[cst.CSTNode, Change]]]:
    """The statement that makes the request, the response's name (None: the response is
    dropped), whether the request is lifted out of an expression (`requests.get(u).json()`
    → `response.json()` inside the `async with`) and the translated uses of the
    response."""
    statement = source.statement_of(call)
    block = source.parent(statement)
    if not (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(block, cst.IndentedBlock)
    ):
        raise Refused(
            f"the request at {where} is not a statement of its own: put it on a line of "
            "its own (`response = requests.…(…)`) first"
        )
    small = statement.body[0]
    parent = source.parent(call)
    if isinstance(small, cst.Expr) and small.value is call:
        return statement, None, False, []
    if isinstance(small, cst.Assign) and small.value is call:
        if len(small.targets) != 1 or not isinstance(small.targets[0].target, cst.Name):
            raise Refused(
                f"the response of the request at {where} is unpacked or stored: assign it "
                "to a plain name first"
            )
        target = small.targets[0].target
        uses = _named_uses(target, statement, block, function, source, where)
        return statement, target.value, False, uses
    if isinstance(parent, cst.Attribute) and parent.value is call:
        _check_liftable(call, statement, source, where)
        name = free_name(_RESPONSE_NAMES, names_in(function))
        return statement, name, True, [_aiohttp_use(parent, function, source, where)]
    raise Refused(
        f"the response of {source.code(call.func)} at {where} is used in a way advisor "
        "cannot check: assign it to a name first"
    )


def _named_uses(
    target: cst.Name,
    statement: cst.SimpleStatementLine,
    block: cst.IndentedBlock,
    function: cst.FunctionDef,
    source: SourceFile,
    where: str,
) -> list[tuple[cst.CSTNode, Change]]:
    """Every use of the response: each must come after the request in the same block (so
    it can move into the `async with`) and go through API aiohttp has."""
    scope = source.scope(target)
    assignments = [
        a
        for a in (scope.assignments[target.value] if scope else ())
        if isinstance(a, Assignment) and a.node is target
    ]
    index = list(block.body).index(statement)
    changes: list[tuple[cst.CSTNode, Change]] = []
    for assignment in assignments:
        for access in assignment.references:
            use = access.node
            sibling = _statement_in(use, block, source)
            if sibling is None or list(block.body).index(sibling) <= index:
                raise Refused(
                    f"the response `{target.value}` from {where} is used outside the block "
                    f"that makes the request (line {source.range(use).start.line}), where an "
                    "aiohttp response is closed: rewrite it by hand"
                )
            holder = source.parent(use)
            if not (isinstance(holder, cst.Attribute) and holder.value is use):
                raise Refused(
                    f"the response `{target.value}` from {where} is used as "
                    f"{source.code(holder or use)!r} (returned, stored or passed on), which "
                    "an aiohttp response does not support outside its `async with`: "
                    "rewrite it by hand"
                )
            changes.append(_aiohttp_use(holder, function, source, where))
    return changes


def _statement_in(
    node: cst.CSTNode, block: cst.IndentedBlock, source: SourceFile
) -> cst.BaseStatement | None:
    """The statement of `block` that holds `node`, if any."""
    for ancestor in [node, *source.ancestors(node)]:
        if source.parent(ancestor) is block and isinstance(ancestor, cst.BaseStatement):
            return ancestor
    return None


def _check_liftable(
    call: cst.Call, statement: cst.SimpleStatementLine, source: SourceFile, where: str
) -> None:
    """The request can move in front of its statement only if nothing in the statement
    would have run before it or only on some paths."""
    chain = [call, *source.ancestors(call)]
    ancestors = set(chain[: chain.index(statement) + 1])
    if any(isinstance(node, _CONDITIONAL) for node in ancestors):
        raise Refused(
            f"the request at {where} runs only on some paths of its expression: assign "
            "its response to a name first"
        )

    class Calls(cst.CSTVisitor):
        def __init__(self) -> None:
            self.others: list[cst.Call] = []

        def visit_Call(self, node: cst.Call) -> bool:
            if node is call:
                return False  # its arguments run before it, as they will
            if node not in ancestors:
                self.others.append(node)
            return True

    calls = Calls()
    statement.visit(calls)
    if calls.others:
        raise Refused(
            f"the request at {where} shares its statement with "
            f"{source.code(calls.others[0].func)}(), whose order would change: assign the "
            "response to a name first"
        )


def _aiohttp_use(
    attribute: cst.Attribute, function: cst.FunctionDef, source: SourceFile, where: str
) -> tuple[cst.CSTNode, Change]:
    """How one `<response>.<name>` changes (an inline request is already replaced by the
    response's name by the time the change runs)."""
    name = attribute.attr.value
    parent = source.parent(attribute)
    called = isinstance(parent, cst.Call) and parent.func is attribute
    if isinstance(parent, cst.AssignTarget | cst.AugAssign | cst.Del) or (
        isinstance(parent, cst.Assign | cst.AnnAssign) and parent.value is not attribute
    ):
        raise Refused(f"the response from {where} has .{name} assigned: rewrite it by hand")
    if source.enclosing_function(attribute) is not function or in_atomic_block(attribute, source):
        raise Refused(
            f"the response from {where} is used in a nested function or a transaction block, "
            "outside the converted code: rewrite it by hand"
        )
    check_awaitable_here(attribute, source)
    if name in _AIOHTTP_SAME:
        return attribute, lambda original, updated: updated
    if name == "status_code" and not called:
        return attribute, lambda original, updated: cast(cst.Attribute, updated).with_changes(
            attr=cst.Name("status")
        )
    if name == "url" and not called:
        return attribute, lambda original, updated: cst.Call(
            func=cst.Name("str"), args=[cst.Arg(value=cast(cst.Attribute, updated))]
        )
    if name == "json" and called:
        assert isinstance(parent, cst.Call)
        if parent.args:
            raise Refused(
                f"the response from {where} is parsed with {source.code(parent)}; aiohttp's "
                "json() takes no json.loads arguments: rewrite it by hand"
            )
        parens = needs_parentheses(parent, source)

        def json_call(original: cst.CSTNode, updated: cst.CSTNode) -> cst.CSTNode:
            assert isinstance(updated, cst.Call)
            keyword = cst.Arg(
                keyword=cst.Name("content_type"),
                value=cst.Name("None"),
                equal=cst.AssignEqual(
                    whitespace_before=cst.SimpleWhitespace(""),
                    whitespace_after=cst.SimpleWhitespace(""),
                ),
            )
            return awaited(updated.with_changes(args=[keyword]), parens)

        return parent, json_call
    if name in ("text", "content") and not called:
        method = "text" if name == "text" else "read"
        parens = needs_parentheses(attribute, source)

        def read(original: cst.CSTNode, updated: cst.CSTNode) -> cst.CSTNode:
            attr = cast(cst.Attribute, updated).with_changes(attr=cst.Name(method))
            return awaited(cst.Call(func=attr), parens)

        return attribute, read
    raise Refused(
        f"the response from {where} uses .{name}{'()' if called else ''}, which aiohttp "
        "responses lack or mean differently: rewrite that use by hand"
    )


def _aiohttp_arguments(
    call: cst.Call, verb: str, source: SourceFile, where: str, edits: Edits
) -> ArgumentsFix:
    """How to fix the call's arguments for aiohttp: positional parameters after the URL
    become keywords, `timeout=` an aiohttp.ClientTimeout, `verify=` `ssl=`, a literal
    `auth=(user, password)` an aiohttp.BasicAuth."""
    positional_names = _POSITIONAL.get(verb, ("url",))
    plan: list[tuple[str | None, Callable[[cst.BaseExpression], cst.BaseExpression] | None]] = []
    dropped: set[int] = set()
    for index, arg in enumerate(call.args):
        if arg.star:
            raise Refused(f"{where}: *args/**kwargs cannot be checked against aiohttp's API")
        if arg.keyword is None:
            if index >= len(positional_names):
                raise Refused(f"{where}: too many positional arguments for requests.{verb}")
            name = positional_names[index]
            keyword = None if name in ("url", "method") else name
        else:
            name = keyword = arg.keyword.value
        value = arg.value
        if name in _AIOHTTP_REFUSED:
            raise Refused(
                f"{where}: requests' {name}= has no per-request equivalent in aiohttp "
                f"({_AIOHTTP_REFUSED[name]}): convert this call by hand"
            )
        change: Callable[[cst.BaseExpression], cst.BaseExpression] | None = None
        if name == "timeout":
            if isinstance(value, cst.Tuple):
                raise Refused(
                    f"{where}: a (connect, read) timeout tuple needs aiohttp.ClientTimeout("
                    "sock_connect=…, sock_read=…): convert this call by hand"
                )
            edits.note(
                "timeout= bounds the whole request under aiohttp (ClientTimeout(total=…)); "
                "requests bounds each connect and read"
            )

            def change(value: cst.BaseExpression) -> cst.BaseExpression:
                return cst.parse_expression(
                    f"aiohttp.ClientTimeout(total={cst.Module(body=[]).code_for_node(value)})"
                )

        elif name == "verify":
            keyword = "ssl"
            if isinstance(value, cst.Name) and value.value == "True":
                dropped.add(index)
            elif isinstance(value, cst.Name) and value.value == "False":
                pass
            elif isinstance(value, cst.SimpleString):
                edits.add_import("ssl")
                text = source.code(value)

                def change(value: cst.BaseExpression, text: str = text) -> cst.BaseExpression:
                    return cst.parse_expression(f"ssl.create_default_context(cafile={text})")

            else:
                raise Refused(
                    f"{where}: verify={source.code(value)} is decided at run time; aiohttp "
                    "takes ssl=False or an ssl.SSLContext: convert this call by hand"
                )
        elif name == "auth":
            if not (
                isinstance(value, cst.Tuple)
                and len(value.elements) == 2
                and not any(isinstance(e, cst.StarredElement) for e in value.elements)
            ):
                raise Refused(
                    f"{where}: auth={source.code(value)} is not a (user, password) pair; "
                    "aiohttp takes aiohttp.BasicAuth or a middleware: convert it by hand"
                )
            user, password = (source.code(e.value) for e in value.elements)

            def change(
                value: cst.BaseExpression, user: str = user, password: str = password
            ) -> cst.BaseExpression:
                return cst.parse_expression(f"aiohttp.BasicAuth({user}, {password})")

        elif name == "params":
            if not _plain_params(value):
                edits.note(
                    f"params={source.code(value)}: aiohttp rejects None and bool values "
                    "(requests drops None, sends True as 'True'); check what it holds"
                )
        elif name not in _AIOHTTP_KEPT and name not in ("url", "method"):
            raise Refused(
                f"{where}: requests' {name}= is not known to map onto aiohttp: convert this "
                "call by hand"
            )
        plan.append((keyword, change))

    def fix(updated: cst.Call) -> list[cst.Arg]:
        return _planned_args(updated.args, plan, dropped)

    return fix


def _planned_args(
    given: Sequence[cst.Arg],
    plan: Sequence[tuple[str | None, Callable[[cst.BaseExpression], cst.BaseExpression] | None]],
    dropped: Container[int],
) -> list[cst.Arg]:
    """The call's arguments as planned, one entry per argument: dropped (the last one's comma
    kept on the one before), renamed to its keyword (`timeout=`), its value changed."""
    args: list[cst.Arg] = []
    for index, (arg, (keyword, change)) in enumerate(zip(given, plan, strict=True)):
        if index in dropped:
            if args and index == len(plan) - 1:
                args[-1] = args[-1].with_changes(comma=arg.comma)
            continue
        if keyword is not None and (arg.keyword is None or arg.keyword.value != keyword):
            arg = arg.with_changes(
                keyword=cst.Name(keyword),
                equal=cst.AssignEqual(
                    whitespace_before=cst.SimpleWhitespace(""),
                    whitespace_after=cst.SimpleWhitespace(""),
                ),
            )
        if change is not None:
            arg = arg.with_changes(value=change(arg.value))
        args.append(arg)
    return args


def _plain_params(value: cst.BaseExpression) -> bool:
    """A dict display whose values are str or number literals (or f-strings)."""
    if not isinstance(value, cst.Dict):
        return False
    return all(
        isinstance(e, cst.DictElement)
        and isinstance(e.value, cst.SimpleString | cst.FormattedString | cst.Integer | cst.Float)
        for e in value.elements
    )


def _move_uses_into(marker: str, name: str) -> Finisher:
    """Move the statements after `async with … as <marker>: pass` that use `name` into its
    body (they were checked to be its later siblings), then name the response."""

    def finish(function: cst.FunctionDef) -> cst.FunctionDef:
        found = _find_with(function, marker)
        if found is None:
            return function
        block, index = found
        body = list(block.body)
        last = index
        for position in range(index + 1, len(body)):
            if name in names_in(body[position]):
                last = position
        if last > index:
            head = cast(cst.With, body[index])
            moved = body[index + 1 : last + 1]
            inner = head.body
            assert isinstance(inner, cst.IndentedBlock)
            body[index : last + 1] = [head.with_changes(body=inner.with_changes(body=moved))]
            function = cast(
                cst.FunctionDef, function.deep_replace(block, block.with_changes(body=body))
            )
        return cast(cst.FunctionDef, rename(function, marker, name))

    return finish


def _find_with(function: cst.FunctionDef, marker: str) -> tuple[cst.IndentedBlock, int] | None:
    """The block and index of the `async with … as <marker>` statement."""

    class Finder(cst.CSTVisitor):
        def __init__(self) -> None:
            self.found: tuple[cst.IndentedBlock, int] | None = None

        def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
            for index, statement in enumerate(node.body):
                if (
                    isinstance(statement, cst.With)
                    and statement.items[0].asname is not None
                    and isinstance(statement.items[0].asname.name, cst.Name)
                    and statement.items[0].asname.name.value == marker
                ):
                    self.found = (node, index)

    finder = Finder()
    function.visit(finder)
    return finder.found


def _wrap_in_aiohttp_session(placeholder: str) -> Finisher:
    return _wrap_in_async_with(
        placeholder, ("session", "http_session", "http"), lambda: "aiohttp.ClientSession()"
    )
