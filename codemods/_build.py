"""Node builders and small tree utilities the codemods share: `await` with the parentheses
Python's precedence needs, `sync_to_async(f)(…)`, free local names, placeholders that a
later pass renames, and wrapping statements of a block."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import cast

import libcst as cst

from codemods import Refused, RunsInThread
from codemods._source import SourceFile

SYNC_TO_ASYNC = ("asgiref.sync", "sync_to_async")


def awaited(expression: cst.BaseExpression, parenthesize: bool = False) -> cst.Await:
    if parenthesize:
        return cst.Await(expression=expression, lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return cst.Await(expression=expression)


def is_iterator_call(node: cst.CSTNode) -> bool:
    """`qs.iterator(…)`."""
    return (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Attribute)
        and node.func.attr.value == "iterator"
    )


def as_aiterator(iterable: cst.BaseExpression) -> cst.BaseExpression:
    """`qs.iterator(…)` → `qs.aiterator(…)`; anything else unchanged."""
    if (
        isinstance(iterable, cst.Call)
        and isinstance(iterable.func, cst.Attribute)
        and (is_iterator_call(iterable))
    ):
        return iterable.with_changes(func=iterable.func.with_changes(attr=cst.Name("aiterator")))
    return iterable


def needs_parentheses(node: cst.CSTNode, source: SourceFile) -> bool:
    """Whether `await <node>` must be parenthesised where `node` stands: `await` binds
    looser than attribute access, subscription, calls and `**`."""
    parent = source.parent(node)
    if isinstance(parent, cst.Attribute) and parent.value is node:
        return True
    if isinstance(parent, cst.Subscript) and parent.value is node:
        return True
    if isinstance(parent, cst.Call) and parent.func is node:
        return True
    return (
        isinstance(parent, cst.BinaryOperation)
        and isinstance(parent.operator, cst.Power)
        and parent.left is node
    )


ATOMIC = "django.db.transaction.atomic"


def in_atomic_block(node: cst.CSTNode, source: SourceFile) -> bool:
    for ancestor in source.ancestors(node):
        if isinstance(ancestor, cst.FunctionDef):
            return False
        if isinstance(ancestor, cst.With) and any(
            isinstance(item.item, cst.Call) and ATOMIC in source.qualified_names(item.item.func)
            for item in ancestor.items
        ):
            return True
    return False


def check_awaitable_here(node: cst.CSTNode, source: SourceFile) -> None:
    """`await` is a syntax error in a lambda and makes a generator expression async; in a
    `transaction.atomic` block (which atomic_block moves into a thread) nothing changes."""
    if in_atomic_block(node, source):
        raise RunsInThread
    for ancestor in source.ancestors(node):
        if isinstance(ancestor, cst.Lambda):
            raise Refused(
                f"{source.code(node)!r} sits in a lambda, where it cannot be "
                "awaited: turn the lambda into a function first"
            )
        if isinstance(ancestor, cst.GeneratorExp):
            raise Refused(
                f"{source.code(node)!r} sits in a generator expression, which "
                "would become an async generator: use a list comprehension first"
            )
        if isinstance(ancestor, cst.FunctionDef | cst.ClassDef):
            return


def in_thread(func: cst.BaseExpression, call: cst.Call) -> cst.Call:
    """`sync_to_async(func)(<the call's arguments>)`, keeping the call's layout."""
    wrapper = cst.Call(func=cst.Name(SYNC_TO_ASYNC[1]), args=[cst.Arg(value=func)])
    return call.with_changes(func=wrapper)


def names_in(node: cst.CSTNode) -> set[str]:
    """Every variable name used in `node` (a cheap, conservative stand-in for its scope):
    not attribute names or keyword-argument names."""

    class Collector(cst.CSTVisitor):
        def __init__(self) -> None:
            self.names: set[str] = set()

        def visit_Name(self, node: cst.Name) -> None:
            self.names.add(node.value)

        def visit_Attribute(self, node: cst.Attribute) -> bool:
            node.value.visit(self)
            return False

        def visit_Arg(self, node: cst.Arg) -> bool:
            node.value.visit(self)
            return False

    collector = Collector()
    node.visit(collector)
    return collector.names


def free_name(preferred: Sequence[str], taken: set[str]) -> str:
    for name in preferred:
        if name not in taken:
            return name
    base = preferred[0]
    number = 2
    while f"{base}_{number}" in taken:
        number += 1
    return f"{base}_{number}"


def rename(node: cst.CSTNode, old: str, new: str) -> cst.CSTNode:
    """Rename every `Name` `old` in `node` (used for placeholders only)."""

    class Renamer(cst.CSTTransformer):
        def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.Name:
            return (
                updated_node.with_changes(value=new)
                if updated_node.value == old
                else (updated_node)
            )

    return cast(cst.CSTNode, node.visit(Renamer()))


# Paths to the statements that use a name ---------------------------------------------------

Path = tuple[tuple[cst.IndentedBlock, int], ...]


def _blocks_of(statement: cst.BaseStatement) -> list[cst.IndentedBlock]:
    """The indented blocks of a compound statement that may hold the uses we look for."""
    blocks: list[cst.BaseSuite] = []
    if isinstance(statement, cst.If):
        blocks.append(statement.body)
        orelse: cst.If | cst.Else | None = statement.orelse
        while orelse is not None:
            blocks.append(orelse.body)
            orelse = orelse.orelse if isinstance(orelse, cst.If) else None
    elif isinstance(statement, cst.Try | cst.TryStar):
        blocks.append(statement.body)
        blocks.extend(handler.body for handler in statement.handlers)
        if statement.orelse is not None:
            blocks.append(statement.orelse.body)
        if statement.finalbody is not None:
            blocks.append(statement.finalbody.body)
    elif isinstance(statement, cst.With):
        blocks.append(statement.body)
    return [b for b in blocks if isinstance(b, cst.IndentedBlock)]


def _header_uses(statement: cst.BaseStatement, name: str) -> bool:
    """Whether `name` is used in the statement outside its indented blocks."""
    blocks = _blocks_of(statement)
    if not blocks:
        return name in names_in(statement)
    stripped = statement
    for block in blocks:
        stripped = cast(
            cst.BaseStatement,
            stripped.deep_replace(
                block, cst.IndentedBlock(body=[cst.SimpleStatementLine([cst.Pass()])])
            ),
        )
    return name in names_in(stripped)


def use_paths(function: cst.FunctionDef, name: str, lift_loops: bool) -> list[Path]:
    """For each statement using `name`: the chain of (block, index) from the function body
    down to it. With `lift_loops`, a use inside a loop stops at the outermost loop."""
    if not isinstance(function.body, cst.IndentedBlock):
        raise Refused(f"{function.name.value} has a one-line body; put it on its own lines")
    paths: list[Path] = []

    def walk(block: cst.IndentedBlock, prefix: Path) -> None:
        for index, statement in enumerate(block.body):
            if name not in names_in(statement):
                continue
            here = (*prefix, (block, index))
            if (lift_loops and isinstance(statement, cst.For | cst.While)) or (
                not _blocks_of(statement) or _header_uses(statement, name)
            ):
                paths.append(here)
                continue
            for inner in _blocks_of(statement):
                walk(inner, here)

    walk(function.body, ())
    return paths


def common_range(paths: list[Path]) -> tuple[cst.IndentedBlock, int, int]:
    """The smallest run of sibling statements that covers every path."""
    depth = 0
    while all(len(p) > depth + 1 for p in paths) and all(
        p[depth][0] is paths[0][depth][0] and p[depth][1] == paths[0][depth][1] for p in paths
    ):
        depth += 1
    if all(len(p) > depth and p[depth][0] is paths[0][depth][0] for p in paths):
        indices = [p[depth][1] for p in paths]
        return paths[0][depth][0], min(indices), max(indices)
    block, index = paths[0][depth - 1]
    return block, index, index


def wrap_statements(
    function: cst.FunctionDef,
    block: cst.IndentedBlock,
    first: int,
    last: int,
    wrapper: Callable[[list[cst.BaseStatement]], cst.BaseCompoundStatement],
) -> cst.FunctionDef:
    """Replace `block.body[first:last+1]` by the compound statement `wrapper` builds around
    them. Comments and blank lines before the first statement stay before the wrapper."""
    body = list(block.body)
    inner = body[first : last + 1]
    head = inner[0]
    leading = list(getattr(head, "leading_lines", ()))
    if leading:
        inner[0] = head.with_changes(leading_lines=())
    compound = wrapper(inner).with_changes(leading_lines=leading)
    body[first : last + 1] = [compound]
    return cast(cst.FunctionDef, function.deep_replace(block, block.with_changes(body=body)))


def insert_before(
    function: cst.FunctionDef, block: cst.IndentedBlock, index: int, statement: cst.BaseStatement
) -> cst.FunctionDef:
    body = list(block.body)
    target = body[index]
    leading = list(getattr(target, "leading_lines", ()))
    if leading:
        body[index] = target.with_changes(leading_lines=())
        statement = statement.with_changes(leading_lines=leading)
    body.insert(index, statement)
    return cast(cst.FunctionDef, function.deep_replace(block, block.with_changes(body=body)))


def single_line(node: cst.CSTNode) -> cst.CSTNode:
    """The same expression on one line (for moving a multi-line call into a new nesting
    level); unchanged when it holds a comment."""
    if "#" in cst.Module(body=[]).code_for_node(node):
        return node

    class Flatten(cst.CSTTransformer):
        def leave_ParenthesizedWhitespace(
            self,
            original_node: cst.ParenthesizedWhitespace,
            updated_node: cst.ParenthesizedWhitespace,
        ) -> cst.BaseParenthesizableWhitespace:
            return cst.SimpleWhitespace("")

        def leave_Comma(self, original_node: cst.Comma, updated_node: cst.Comma) -> cst.Comma:
            return updated_node.with_changes(
                whitespace_before=cst.SimpleWhitespace(""),
                whitespace_after=cst.SimpleWhitespace(" "),
            )

        def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.Call:
            # A trailing comma before the closing parenthesis reads oddly on one line.
            args = list(updated_node.args)
            if args and isinstance(args[-1].comma, cst.Comma):
                args[-1] = args[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
            return updated_node.with_changes(args=args)

    return cast(cst.CSTNode, node.visit(Flatten()))
