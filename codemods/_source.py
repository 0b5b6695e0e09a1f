"""One parsed source file with the libcst metadata the codemods ask about (positions,
parents, scopes, qualified names), and the lookups that turn the scan's coordinates into
nodes. Positions are 1-based lines and 0-based character columns, as the scan reports them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TypeVar, cast

import libcst as cst
from libcst._metadata_dependent import LazyValue
from libcst.metadata import (
    CodeRange,
    MetadataWrapper,
    ParentNodeProvider,
    PositionProvider,
    QualifiedName,
    QualifiedNameProvider,
    Scope,
    ScopeProvider,
)

from advisor.model import Location
from codemods import Refused

NodeT = TypeVar("NodeT", bound=cst.CSTNode)


class NodeNotFound(Exception):
    """The scan's position names no such node: the file changed since the scan."""


class Project:
    """Read access to the other source files of the project (parsed on demand, cached)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._files: dict[str, SourceFile | None] = {}
        self._texts: list[tuple[str, str]] | None = None
        # Per-rewrite memo for codemods (indexes of the project's files…).
        self.cache: dict[str, object] = {}

    def source(self, path: str) -> SourceFile | None:
        if path not in self._files:
            try:
                self._files[path] = SourceFile(path, (self.root / path).read_bytes(), self)
            except (OSError, cst.ParserSyntaxError):
                self._files[path] = None
        return self._files[path]

    def texts(self) -> list[tuple[str, str]]:
        """(relative path, text) of every project source file, read once per rewrite."""
        if self._texts is None:
            self._texts = []
            for relative, path in self.python_files():
                try:
                    self._texts.append((relative, path.read_text(encoding="utf-8")))
                except (OSError, UnicodeDecodeError):
                    continue
        return self._texts

    def python_files(self) -> Iterator[tuple[str, Path]]:
        """Project files a rewrite must stay compatible with (no virtualenvs, no caches)."""
        skip = {".venv", "venv", "env", "node_modules", "__pycache__", ".git", ".tox"}
        for path in sorted(self.root.rglob("*.py")):
            relative = path.relative_to(self.root)
            if not skip.intersection(relative.parts[:-1]) and "site-packages" not in str(path):
                yield relative.as_posix(), path


class SourceFile:
    def __init__(self, path: str, code: bytes, project: Project) -> None:
        self.path = path
        self.project = project
        # MetadataWrapper copies the tree: every node the codemods see is from its copy.
        self.wrapper = MetadataWrapper(cst.parse_module(code))
        self.tree = self.wrapper.module
        self.positions = self.wrapper.resolve(PositionProvider)
        self.parents = self.wrapper.resolve(ParentNodeProvider)
        self._by_start: dict[tuple[int, int], list[cst.CSTNode]] = {}
        for node, where in self.positions.items():
            self._by_start.setdefault((where.start.line, where.start.column), []).append(node)

    # Metadata -------------------------------------------------------------------------------

    def range(self, node: cst.CSTNode) -> CodeRange:
        return self.positions[node]

    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        return self.parents.get(node)

    def ancestors(self, node: cst.CSTNode) -> Iterator[cst.CSTNode]:
        current = self.parents.get(node)
        while current is not None:
            yield current
            current = self.parents.get(current)

    def scope(self, node: cst.CSTNode) -> Scope | None:
        scopes = self.wrapper.resolve(ScopeProvider)
        return scopes.get(node)

    def qualified_names(self, node: cst.CSTNode) -> set[str]:
        names = self.wrapper.resolve(QualifiedNameProvider).get(node)
        if isinstance(names, LazyValue):
            names = names()
        return {name.name for name in cast(set[QualifiedName], names or set())}

    def code(self, node: cst.CSTNode) -> str:
        return self.tree.code_for_node(node)

    def contains(self, outer: cst.CSTNode, inner: cst.CSTNode) -> bool:
        a, b = self.range(outer), self.range(inner)
        return (a.start.line, a.start.column) <= (b.start.line, b.start.column) and (
            (b.end.line, b.end.column) <= (a.end.line, a.end.column)
        )

    def enclosing(self, node: cst.CSTNode, kind: type[NodeT]) -> NodeT | None:
        for ancestor in self.ancestors(node):
            if isinstance(ancestor, kind):
                return ancestor
        return None

    def enclosing_function(self, node: cst.CSTNode) -> cst.FunctionDef | None:
        return self.enclosing(node, cst.FunctionDef)

    def statement_of(self, node: cst.CSTNode) -> cst.BaseStatement:
        """The statement (simple line or compound) that holds `node`."""
        for ancestor in [node, *self.ancestors(node)]:
            if isinstance(ancestor, cst.SimpleStatementLine | cst.BaseCompoundStatement):
                return ancestor
        raise Refused(f"{self.path}: cannot find the statement around {self.code(node)!r}")

    # Finding the scan's nodes ---------------------------------------------------------------

    def _at(self, location: Location) -> list[cst.CSTNode]:
        return self._by_start.get((location.line, location.column), [])

    def _ends_at(self, node: cst.CSTNode, location: Location) -> bool:
        if location.end_line is None or location.end_column is None:
            return True
        end = self.range(node).end
        return (end.line, end.column) == (location.end_line, location.end_column)

    def find(self, location: Location, what: str, function: str = "") -> cst.CSTNode:
        """The node the scan reported at `location`; `what` is a `Step.node` value."""
        candidates = self._at(location)
        found: cst.CSTNode | None = None
        if what == "call":
            found = next(
                (n for n in candidates if isinstance(n, cst.Call) and self._ends_at(n, location)),
                None,
            )
        elif what == "attribute":
            found = next(
                (
                    n
                    for n in candidates
                    if isinstance(n, cst.Attribute) and self._ends_at(n, location)
                ),
                None,
            )
        elif what == "comparison":
            found = next((n for n in candidates if isinstance(n, cst.Comparison)), None)
        elif what == "iteration":
            found = next((n for n in candidates if isinstance(n, cst.For)), None)
            if found is None:
                for node in candidates:
                    parent = self.parent(node)
                    if isinstance(parent, cst.CompFor) and parent.iter is node:
                        found = parent
                        break
        elif what == "expression":
            expressions = [n for n in candidates if isinstance(n, cst.BaseExpression)]
            if expressions:
                found = max(
                    expressions, key=lambda n: (self.range(n).end.line, self.range(n).end.column)
                )
        elif what in ("function", "class"):
            kind = cst.FunctionDef if what == "function" else cst.ClassDef
            name = function.rsplit(".", 1)[-1]
            for node in self.positions:
                if (
                    isinstance(node, kind)
                    and node.name.value == name
                    and (self.range(node).start.line == location.line)
                ):
                    found = node
                    break
        if found is None:
            raise LookupError(
                f"no {what} at {location.path}:{location.line}:{location.column} "
                "(has the file changed since the scan?)"
            )
        return found

    def function_at(self, line: int, name: str) -> cst.FunctionDef | None:
        """The `def name` that spans `line`."""
        for node in self.positions:
            if isinstance(node, cst.FunctionDef) and node.name.value == name:
                where = self.range(node)
                if where.start.line <= line <= where.end.line:
                    return node
        return None

    def module_function(self, name: str) -> cst.FunctionDef | None:
        for statement in self.tree.body:
            if isinstance(statement, cst.FunctionDef) and statement.name.value == name:
                return statement
        return None


def body_statements(function: cst.FunctionDef) -> list[cst.BaseStatement]:
    body = function.body
    if isinstance(body, cst.IndentedBlock):
        return list(body.body)
    return []


def is_generator(function: cst.FunctionDef) -> bool:
    """True when `function` itself (not a nested function) yields."""

    class Finder(cst.CSTVisitor):
        found = False

        def visit_Yield(self, node: cst.Yield) -> bool:
            self.found = True
            return False

        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            return node is function

        def visit_Lambda(self, node: cst.Lambda) -> bool:
            return False

        def visit_ClassDef(self, node: cst.ClassDef) -> bool:
            return False

    finder = Finder()
    function.visit(finder)
    return finder.found
