"""Per-file facts: everything later stages need from one source file, as plain picklable data.

`collect_facts(source_bytes)` is a pure function of the file's bytes (no paths, no project
state), so a process pool can run it and a cache can key it by content hash. It parses with
the stdlib `ast` (about ten times faster than libcst on real code) and keeps expressions as a
small frozen tree (`Expr`) that the cross-file stages evaluate statically.
"""

from __future__ import annotations

import ast
import bisect
import functools
import io
import re
import tokenize
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# Big literal lists (generated URLconfs, fixtures) are cut here to keep facts small.
MAX_SEQUENCE_ITEMS = 5000
MAX_EXPR_DEPTH = 40
# A function body's statement tree (`BodyFacts.steps`) is cut at these bounds.
MAX_STEPS = 400
MAX_STEP_DEPTH = 12


# --- Expressions -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Name:
    """A dotted name: `x`, `a.b.c` (a Name or Attribute chain of Names)."""

    dotted: str


@dataclass(frozen=True, slots=True)
class Const:
    value: str | int | float | bool | None


@dataclass(frozen=True, slots=True)
class Call:
    func: Expr
    args: tuple[Expr, ...]
    kwargs: tuple[tuple[str | None, Expr], ...]
    line: int
    column: int

    def kwarg(self, name: str) -> Expr | None:
        for key, value in self.kwargs:
            if key == name:
                return value
        return None


@dataclass(frozen=True, slots=True)
class Attr:
    """An attribute of something that is not a plain dotted name: `f().x`, `a[0].x`."""

    value: Expr
    attr: str


@dataclass(frozen=True, slots=True)
class Seq:
    kind: str  # "list", "tuple" or "set"
    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Mapping:
    keys: tuple[Expr | None, ...]
    values: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class BinOp:
    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class Subscript:
    value: Expr
    index: Expr
    is_slice: bool
    has_step: bool


@dataclass(frozen=True, slots=True)
class Starred:
    value: Expr


@dataclass(frozen=True, slots=True)
class BoolOp:
    """`a and b`, `a or b or c`: Python's short-circuit value, not just a truth value."""

    op: str  # "and" or "or"
    values: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class IfExp:
    """`body if test else orelse`."""

    test: Expr
    body: Expr
    orelse: Expr


@dataclass(frozen=True, slots=True)
class FString:
    """`f"login/{extra}"`: literal chunks as Const, each `{...}` as its expression (one with
    a conversion or format spec as Opaque)."""

    parts: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Comprehension:
    kind: str  # "list", "set", "generator", "dict"
    element: Expr
    targets: tuple[str, ...]
    iterable: Expr
    is_async: bool
    conditions: tuple[Expr, ...] = ()  # the first `for`'s `if` filters


@dataclass(frozen=True, slots=True)
class ImportedName:
    """What an import inside a function binds: `from integrations import views`."""

    module: str
    name: str | None
    level: int


@dataclass(frozen=True, slots=True)
class Opaque:
    """Something static evaluation does not follow: a lambda, an f-string, a conditional."""

    what: str
    line: int
    text: str = ""


Expr = (
    Name
    | Const
    | Call
    | Attr
    | Seq
    | Mapping
    | BinOp
    | Subscript
    | Starred
    | BoolOp
    | IfExp
    | FString
    | Comprehension
    | ImportedName
    | Opaque
)


# --- Statements and scopes ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Import:
    local: str  # the name bound in the module
    module: str  # the module imported from ("" for `from . import x`)
    name: str | None  # the imported attribute, None for `import module`
    level: int
    line: int


@dataclass(frozen=True, slots=True)
class Guard:
    """An enclosing `if` on a plain name: `if pgturl is not None:` is ("pgturl", "is_none",
    False): the block runs when `pgturl is None` is False. `if x:` / `if not x:` test
    "truthy"; an `else:` block has the opposite `holds`."""

    subject: str
    test: str  # "is_none" or "truthy"
    holds: bool


# A loop count the code does not give (0 and up are exact: `range(0)` is zero iterations).
LOOP_UNKNOWN = -2
LOOP_UNKNOWN_EARLY_EXIT = -1  # unknown, and the loop can break out early

# Where a fact sits among its function's exclusive branches, outermost first: one
# (branch group, arm) pair per enclosing if/elif/else, try/except, match or early return.
# Two facts in different arms of one group never run in the same request.
Path = tuple[tuple[int, int], ...]


@dataclass(frozen=True, slots=True)
class CallSite:
    func: Expr
    args: tuple[Expr, ...]
    kwargs: tuple[tuple[str | None, Expr], ...]
    line: int
    column: int
    end_line: int
    end_column: int
    # One per enclosing loop: its expected count (0 is zero iterations, `range(0)`);
    # LOOP_UNKNOWN, or LOOP_UNKNOWN_EARLY_EXIT when the loop can break out early.
    loop_counts: tuple[int, ...]
    awaited: bool
    context_manager: bool  # `with <call>:`
    with_depth: int  # how many `with` blocks enclose the call
    guards: tuple[Guard, ...] = ()
    path: Path = ()


@dataclass(frozen=True, slots=True)
class Binding:
    name: str
    value: Expr
    line: int
    from_loop: bool  # `for name in value`: name is an element of value


@dataclass(frozen=True, slots=True)
class Iteration:
    iterable: Expr
    line: int
    column: int
    is_async: bool
    loop_counts: tuple[int, ...]
    comprehension: bool
    path: Path = ()


@dataclass(frozen=True, slots=True)
class ValueUse:
    """A use of a value that can trigger I/O by itself: `qs[0]`, `if qs:`, `x in qs`."""

    how: str  # "index", "truth", "contains"
    value: Expr
    line: int
    column: int
    loop_counts: tuple[int, ...]
    path: Path = ()


@dataclass(frozen=True, slots=True)
class AttributeUse:
    """`request.user`, `self.request.session`: attribute chains rooted at a parameter."""

    dotted: str
    line: int
    column: int
    end_column: int
    loop_counts: tuple[int, ...]
    path: Path = ()


@dataclass(frozen=True, slots=True)
class WithBlock:
    context: Expr
    line: int
    end_line: int
    is_async: bool


@dataclass(frozen=True, slots=True)
class Step:
    """One statement of a function body, nested as written, for evaluating what the
    function computes statement by statement (a registry filled in a loop, a URL list
    built under `try`). `kind` is "assign" (`target` a Name, an attribute or subscript, or a
    tuple of names as a Seq), "augassign", "call", "return", "raise", "break", "continue",
    "for" (`names` the loop's targets, `value` the iterable, `body`, `orelse`), "if"
    (`value` the test) or "try" (`body`, `handlers`: the exception names each `except`
    catches, "" for a bare one, with its block; `orelse`)."""

    kind: str
    line: int
    value: Expr | None = None
    target: Expr | None = None
    names: tuple[str, ...] = ()
    body: tuple[Step, ...] = ()
    orelse: tuple[Step, ...] = ()
    handlers: tuple[tuple[tuple[str, ...], str | None, tuple[Step, ...]], ...] = ()


@dataclass(frozen=True, slots=True)
class BodyFacts:
    """What a function's body does: extracted when the analysis first asks (see LazyBody)."""

    calls: tuple[CallSite, ...] = ()
    bindings: tuple[Binding, ...] = ()
    iterations: tuple[Iteration, ...] = ()
    value_uses: tuple[ValueUse, ...] = ()
    attribute_uses: tuple[AttributeUse, ...] = ()
    withs: tuple[WithBlock, ...] = ()
    returns: tuple[Expr, ...] = ()
    is_generator: bool = False
    nested: tuple[str, ...] = ()
    # `self.user_model = get_user_model()`: attributes a method sets on its first parameter.
    self_assignments: tuple[tuple[str, Expr], ...] = ()
    # `view.adapter = adapter(request)`: attributes set on another plain name (a local the
    # function made, as a factory's closure does with the view instance): (name, attr, value).
    attribute_assignments: tuple[tuple[str, str, Expr], ...] = ()
    # `request.backend = load_backend(...)`: attributes set on a parameter other than a
    # method's first (a decorator's wrapper, a middleware's hook): (parameter, attr, value).
    parameter_assignments: tuple[tuple[str, str, Expr], ...] = ()
    # The body's statements as a tree (bounded: MAX_STEPS in all, nested MAX_STEP_DEPTH deep).
    steps: tuple[Step, ...] = ()


class ModuleSource:
    """A module's decoded text, kept so that a function body is parsed and extracted only
    when the analysis reaches it: on real projects a view reaches a small share of all
    functions, and extracting every body cost ~3x `ast.parse` itself."""

    __slots__ = ("_ascii", "_columns", "_line_starts", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._line_starts: list[int] | None = None
        self._columns: _ColumnMap | None = None
        self._ascii: bool | None = None

    def is_ascii(self) -> bool:
        if self._ascii is None:
            self._ascii = self.text.isascii()
        return self._ascii

    def __reduce__(self) -> tuple[type[ModuleSource], tuple[str]]:
        return ModuleSource, (self.text,)

    def line_start(self, line: int) -> int:
        """The offset of 1-based `line` (lines end at `\n`; a text with a bare `\r` is never
        made lazy). One past the last line gives the end of the text."""
        if self._line_starts is None:
            starts = [0]
            for length in map(len, self.text.split("\n")):
                starts.append(starts[-1] + length + 1)
            self._line_starts = starts
        starts = self._line_starts
        return starts[line - 1] if line - 1 < len(starts) else len(self.text)

    def columns(self) -> _ColumnMap:
        if self._columns is None:
            self._columns = _ColumnMap(self.text)
        return self._columns


class LazyBody:
    """A function body not yet extracted: lines `line`..`end_line` of `source`. Extracting
    it parses just those lines, padded so line and column numbers are the file's, and runs
    the same collector an eager body goes through, so the facts are the same either way."""

    __slots__ = ("_facts", "_normalised", "_steps", "end_line", "indented", "line", "source")

    def __init__(self, source: ModuleSource, line: int, end_line: int, indented: bool) -> None:
        self.source = source
        self.line = line
        self.end_line = end_line
        self.indented = indented
        self._facts: BodyFacts | None = None
        self._normalised: str | None = None  # "" when the body is ASCII
        self._steps: tuple[Step, ...] | None = None

    def __reduce__(self) -> tuple[type[LazyBody], tuple[ModuleSource, int, int, bool]]:
        return LazyBody, (self.source, self.line, self.end_line, self.indented)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, LazyBody)
            and (self.line, self.end_line, self.indented)
            == (other.line, other.end_line, other.indented)
            and (self.source is other.source or self.source.text == other.source.text)
        )

    def __hash__(self) -> int:
        return hash((self.line, self.end_line))

    def _search(self, pattern: re.Pattern[str]) -> bool:
        source = self.source
        start, stop = source.line_start(self.line), source.line_start(self.end_line + 1)
        if pattern.search(source.text, start, stop) is not None:
            return True
        if source.is_ascii():
            return False
        # Python NFKC-normalises identifiers: a non-ASCII body may spell the name otherwise.
        if self._normalised is None:
            segment = source.text[start:stop]
            self._normalised = "" if segment.isascii() else unicodedata.normalize("NFKC", segment)
        return pattern.search(self._normalised) is not None

    def mentions(self, word: str) -> bool:
        return self._search(_word(word))

    def may_call(self, suffix: str) -> bool:
        return self._search(_call_of(suffix))

    def may_set_attribute_of(self, name: str) -> bool:
        return self._search(_attribute_set_on(name))

    def facts(self, function: FunctionFacts) -> BodyFacts:
        if self._facts is None:
            self._facts = _extract_body(function, self)
        return self._facts

    def steps(self) -> tuple[Step, ...]:
        if self._steps is None:
            self._steps = _deferred_steps(self)
        return self._steps


@dataclass(frozen=True, slots=True)
class FunctionFacts:
    name: str
    qualname: str
    line: int
    column: int
    end_line: int
    is_async: bool
    params: tuple[str, ...]
    decorators: tuple[Expr, ...]
    class_name: str | None
    body: BodyFacts | LazyBody = BodyFacts()
    vararg: str | None = None  # the `*args` name: static evaluation binds extra arguments
    defaults: tuple[tuple[str, Expr], ...] = ()  # parameters with a default value

    def body_facts(self) -> BodyFacts:
        body = self.body
        return body if isinstance(body, BodyFacts) else body.facts(self)

    def mentions(self, word: str) -> bool:
        """False only when the identifier `word` cannot occur in the body: a search over
        every function (signal connections, URLconfs named in tests) checks this first so
        it does not extract bodies it has no use for."""
        body = self.body
        return True if isinstance(body, BodyFacts) else body.mentions(word)

    def may_call(self, suffix: str) -> bool:
        """False only when no call in the body can name a function whose name ends with
        `suffix` (an identifier ending so, then `(`): what `mentions` is for a word."""
        body = self.body
        return True if isinstance(body, BodyFacts) else body.may_call(suffix)

    def may_set_attribute_of(self, name: str) -> bool:
        """False only when the body cannot assign an attribute of `name` (`name.x = ...`):
        what `mentions` is for an attribute assignment."""
        body = self.body
        return True if isinstance(body, BodyFacts) else body.may_set_attribute_of(name)

    def statement_steps(self) -> tuple[Step, ...]:
        """The body's statements as a tree, for static evaluation (built on first use)."""
        body = self.body
        return body.steps if isinstance(body, BodyFacts) else body.steps()

    @property
    def calls(self) -> tuple[CallSite, ...]:
        return self.body_facts().calls

    @property
    def bindings(self) -> tuple[Binding, ...]:
        return self.body_facts().bindings

    @property
    def iterations(self) -> tuple[Iteration, ...]:
        return self.body_facts().iterations

    @property
    def value_uses(self) -> tuple[ValueUse, ...]:
        return self.body_facts().value_uses

    @property
    def attribute_uses(self) -> tuple[AttributeUse, ...]:
        return self.body_facts().attribute_uses

    @property
    def withs(self) -> tuple[WithBlock, ...]:
        return self.body_facts().withs

    @property
    def returns(self) -> tuple[Expr, ...]:
        return self.body_facts().returns

    @property
    def is_generator(self) -> bool:
        return self.body_facts().is_generator

    @property
    def nested(self) -> tuple[str, ...]:
        return self.body_facts().nested

    @property
    def self_assignments(self) -> tuple[tuple[str, Expr], ...]:
        return self.body_facts().self_assignments

    @property
    def attribute_assignments(self) -> tuple[tuple[str, str, Expr], ...]:
        return self.body_facts().attribute_assignments

    @property
    def parameter_assignments(self) -> tuple[tuple[str, str, Expr], ...]:
        return self.body_facts().parameter_assignments


@dataclass(frozen=True, slots=True)
class ClassFacts:
    name: str
    qualname: str
    line: int
    column: int
    end_line: int
    bases: tuple[Expr, ...]
    decorators: tuple[Expr, ...]
    methods: tuple[str, ...]  # method names, defined in `functions` as qualname.name
    attributes: tuple[tuple[str, Expr], ...]


@dataclass(frozen=True, slots=True)
class Statement:
    """A module-level statement static evaluation cares about (also inside top-level
    `if`/`try`): `x = ...`, `x += ...`, `x.extend(...)`, `router.register(...)`."""

    kind: str  # "assign", "augassign", "call"
    target: str | None
    value: Expr
    line: int
    # The module-level `if` tests it stands under, each with the branch it is in (True: the
    # body), and the module-level `for` loops around it (target names, iterable).
    conditions: tuple[tuple[Expr, bool], ...] = ()
    loops: tuple[tuple[tuple[str, ...], Expr], ...] = ()


@dataclass(frozen=True, slots=True)
class ModuleFacts:
    lines: int
    imports: tuple[Import, ...] = ()
    functions: tuple[FunctionFacts, ...] = ()
    classes: tuple[ClassFacts, ...] = ()
    statements: tuple[Statement, ...] = ()
    dunder_all: tuple[str, ...] | None = None
    error: tuple[int, str] | None = None  # (line, message) when the file does not parse


# --- Conversion ----------------------------------------------------------------------------


def _dotted(node: ast.expr) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


class _ExprConverter:
    """ast expressions to `Expr`. The visitor converts a call, then walks into it and
    converts its argument calls again: each node's result is remembered (by the node's
    identity; the tree outlives the converter's use), together with the deepest depth at
    which it was converted without reaching MAX_EXPR_DEPTH, at or above which it is the
    same result."""

    def __init__(self, char_column: _ColumnMap) -> None:
        self._column = char_column
        self._converted: dict[int, tuple[Expr, int]] = {}
        self._cut = 0  # how many times MAX_EXPR_DEPTH cut a conversion short

    def convert(self, node: ast.expr | None, depth: int = 0) -> Expr:
        if node is None:
            return Const(None)
        known = self._converted.get(id(node))
        if known is not None and depth <= known[1]:
            return known[0]
        cut = self._cut
        result = self._convert(node, depth)
        if self._cut == cut:
            self._converted[id(node)] = (result, depth)
        return result

    def _convert(self, node: ast.expr, depth: int) -> Expr:
        if depth > MAX_EXPR_DEPTH:
            self._cut += 1
            return Opaque("too deep", getattr(node, "lineno", 0))
        down = depth + 1
        if isinstance(node, ast.Name | ast.Attribute):
            dotted = _dotted(node)
            if dotted is not None:
                return Name(dotted)
            assert isinstance(node, ast.Attribute)
            return Attr(self.convert(node.value, down), node.attr)
        if isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, str | int | float | bool) or value is None:
                return Const(value)
            if isinstance(value, bytes):  # its size prices the CPU work done on it
                return Opaque(f"bytes[{len(value)}]", node.lineno)
            return Opaque("constant", node.lineno)
        if isinstance(node, ast.Call):
            return Call(
                self.convert(node.func, down),
                tuple(self.convert(arg, down) for arg in node.args[:MAX_SEQUENCE_ITEMS]),
                tuple((kw.arg, self.convert(kw.value, down)) for kw in node.keywords),
                node.lineno,
                self._column(node.lineno, node.col_offset),
            )
        if isinstance(node, ast.List | ast.Tuple | ast.Set):
            kind = {ast.List: "list", ast.Tuple: "tuple", ast.Set: "set"}[type(node)]
            items = tuple(self.convert(item, down) for item in node.elts[:MAX_SEQUENCE_ITEMS])
            return Seq(kind, items)
        if isinstance(node, ast.Dict):
            return Mapping(
                tuple(None if key is None else self.convert(key, down) for key in node.keys),
                tuple(self.convert(value, down) for value in node.values),
            )
        if isinstance(node, ast.BinOp):
            return BinOp(
                type(node.op).__name__,
                self.convert(node.left, down),
                self.convert(node.right, down),
            )
        if isinstance(node, ast.Subscript):
            index = node.slice
            is_slice = isinstance(index, ast.Slice)
            has_step = isinstance(index, ast.Slice) and index.step is not None
            return Subscript(
                self.convert(node.value, down),
                Opaque("slice", node.lineno) if is_slice else self.convert(index, down),
                is_slice,
                has_step,
            )
        if isinstance(node, ast.Starred):
            return Starred(self.convert(node.value, down))
        if isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp):
            generator = node.generators[0]
            targets = tuple(n.id for n in ast.walk(generator.target) if isinstance(n, ast.Name))
            kind = {
                ast.ListComp: "list",
                ast.SetComp: "set",
                ast.GeneratorExp: "generator",
                ast.DictComp: "dict",
            }[type(node)]
            element = node.value if isinstance(node, ast.DictComp) else node.elt
            return Comprehension(
                kind,
                self.convert(element, down),
                targets,
                self.convert(generator.iter, down),
                bool(generator.is_async),
                tuple(self.convert(test, down) for test in generator.ifs),
            )
        if isinstance(node, ast.JoinedStr):
            parts: list[Expr] = []
            for part in node.values:
                if isinstance(part, ast.FormattedValue):
                    plain = part.conversion == -1 and part.format_spec is None
                    parts.append(
                        self.convert(part.value, down) if plain else Opaque("format", node.lineno)
                    )
                else:
                    parts.append(self.convert(part, down))
            return FString(tuple(parts))
        if isinstance(node, ast.IfExp):
            return IfExp(
                self.convert(node.test, down),
                self.convert(node.body, down),
                self.convert(node.orelse, down),
            )
        if isinstance(node, ast.BoolOp):
            op = "and" if isinstance(node.op, ast.And) else "or"
            return BoolOp(op, tuple(self.convert(value, down) for value in node.values))
        if isinstance(node, ast.Await):
            return self.convert(node.value, down)
        return Opaque(type(node).__name__.lower(), getattr(node, "lineno", 0))


class _ColumnMap:
    """Turns ast's UTF-8 byte columns into character columns (what libcst reports)."""

    def __init__(self, text: str) -> None:
        # Lines are encoded when asked for: most lines of a non-ASCII file never are.
        self._lines: list[str] | None = None if text.isascii() else text.splitlines()

    def __call__(self, line: int, byte_column: int) -> int:
        if self._lines is None or line - 1 >= len(self._lines) or line < 1:
            return byte_column
        text = self._lines[line - 1]
        if text.isascii():
            return byte_column
        return len(text.encode("utf-8")[:byte_column].decode("utf-8", errors="replace"))


def _literal_loop_count(iterable: ast.expr) -> int:
    """`range(5)` → 5, `range(0)` → 0, a literal list of 3 → 3; anything else is unknown."""
    if (
        isinstance(iterable, ast.Call)
        and isinstance(iterable.func, ast.Name)
        and iterable.func.id == "range"
    ):
        numbers = [a.value for a in iterable.args if isinstance(a, ast.Constant)]
        if len(numbers) == len(iterable.args) and all(isinstance(n, int) for n in numbers):
            ints = [int(n) for n in numbers if isinstance(n, int)]
            if len(ints) == 1:
                return max(ints[0], 0)
            if len(ints) >= 2:
                step = ints[2] if len(ints) == 3 and ints[2] else 1
                return max((ints[1] - ints[0]) // step, 0)
    if isinstance(iterable, ast.List | ast.Tuple | ast.Set):
        if any(isinstance(e, ast.Starred) for e in iterable.elts):
            return LOOP_UNKNOWN  # `[*items, last]`: as long as `items` is, plus one
        return len(iterable.elts)
    if isinstance(iterable, ast.Dict):
        # A dict iterates its keys; `{**other}` (a None key) has other's length.
        return LOOP_UNKNOWN if None in iterable.keys else len(iterable.keys)
    return LOOP_UNKNOWN


def _leaves(block: list[ast.stmt]) -> bool:
    """The block ends by leaving the function: `return`, `raise`, or an `if` whose arms
    both do."""
    if not block:
        return False
    last = block[-1]
    if isinstance(last, ast.Return | ast.Raise):
        return True
    return isinstance(last, ast.If) and _leaves(last.body) and _leaves(last.orelse)


def _exits_early(body: list[ast.stmt]) -> bool:
    """A `break` or `return` in the loop's own body (not in a nested loop or function)."""
    pending: list[ast.AST] = list(body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Break | ast.Return):
            return True
        if isinstance(node, ast.For | ast.AsyncFor | ast.While):
            pending.extend(node.orelse)  # a break in an inner loop leaves only that loop
            pending.extend(n for n in ast.walk(node) if isinstance(n, ast.Return))
            continue
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            continue
        pending.extend(ast.iter_child_nodes(node))
    return False


def _expected_iterations(bound: int, body: list[ast.stmt]) -> int:
    """A polling loop `for _ in range(5): ... break` usually stops before its bound: count
    half of it (at least one). An unknown bound with an early exit is -1, which the analysis
    reads as half its assumed iteration count."""
    if bound == 0 or not _exits_early(body):
        return bound
    if bound == LOOP_UNKNOWN:
        return LOOP_UNKNOWN_EARLY_EXIT
    return max(1, bound // 2)


@dataclass
class _FunctionBuilder:
    name: str
    qualname: str
    node: ast.FunctionDef | ast.AsyncFunctionDef
    class_name: str | None
    params: tuple[str, ...]
    calls: list[CallSite] = field(default_factory=list)
    bindings: list[Binding] = field(default_factory=list)
    iterations: list[Iteration] = field(default_factory=list)
    value_uses: list[ValueUse] = field(default_factory=list)
    attribute_uses: list[AttributeUse] = field(default_factory=list)
    withs: list[WithBlock] = field(default_factory=list)
    returns: list[Expr] = field(default_factory=list)
    nested: list[str] = field(default_factory=list)
    is_generator: bool = False
    seen_attributes: set[str] = field(default_factory=set)
    bound_names: set[str] = field(default_factory=set)
    self_assignments: list[tuple[str, Expr]] = field(default_factory=list)
    attribute_assignments: list[tuple[str, str, Expr]] = field(default_factory=list)
    parameter_assignments: list[tuple[str, str, Expr]] = field(default_factory=list)
    steps: tuple[Step, ...] = ()

    def bind(self, binding: Binding) -> None:
        self.bindings.append(binding)
        self.bound_names.add(binding.name)

    def facts(self) -> BodyFacts:
        return BodyFacts(
            tuple(self.calls),
            tuple(self.bindings),
            tuple(self.iterations),
            tuple(self.value_uses),
            tuple(self.attribute_uses),
            tuple(self.withs),
            tuple(self.returns),
            self.is_generator,
            tuple(self.nested),
            tuple(self.self_assignments),
            tuple(self.attribute_assignments),
            tuple(self.parameter_assignments),
            self.steps,
        )


_INTERESTING_ATTRIBUTES = frozenset({"user", "session"})


def _guard(test: ast.expr) -> Guard | None:
    """The guard an `if` test sets for its body, when it is about a plain name."""
    holds = True
    while isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        test, holds = test.operand, not holds
    if isinstance(test, ast.Name):
        return Guard(test.id, "truthy", holds)
    if (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and len(test.ops) == 1
        and isinstance(test.ops[0], ast.Is | ast.IsNot)
        and isinstance(test.comparators[0], ast.Constant)
        and test.comparators[0].value is None
    ):
        return Guard(test.left.id, "is_none", holds == isinstance(test.ops[0], ast.Is))
    return None


# Fields that hold only operator or context singletons (`Load()`, `Add()`): never walked.
_LEAF_FIELDS = frozenset({"ctx", "op", "ops", "type_ignores"})


@functools.cache
def _visitor_for(node_type: str) -> Callable[[_Collector, Any], None]:
    """The `visit_<Type>` method for a node type, found once per type instead of once per
    node (what ast.NodeVisitor.visit does)."""
    method: Callable[[_Collector, Any], None] = getattr(
        _Collector, f"visit_{node_type}", _Collector.generic_visit
    )
    return method


@functools.cache
def _word(word: str) -> re.Pattern[str]:
    return re.compile(re.escape(word))


@functools.cache
def _attribute_set_on(name: str) -> re.Pattern[str]:
    """`name.attribute =` (not `==`), blanks allowed around the dot and the sign."""
    return re.compile(r"\b" + re.escape(name) + r"\s*\.\s*[A-Za-z_]\w*\s*=(?!=)")


@functools.cache
def _call_of(suffix: str) -> re.Pattern[str]:
    """`suffix` ending an identifier, then `(` after any blanks, line continuations and
    comments (between brackets a call may span lines)."""
    return re.compile(re.escape(suffix) + r"(?:\s|\\\n|#[^\n]*)*\(")


# A line that may start a `def` or `class` statement (decorators sit on earlier lines).
_DEFINITION = r"[ \t\f]*(?:async[ \t\f]+)?(?:def|class)\b"
_FIRST_LINE_DEFINITION = re.compile(_DEFINITION)
_LATER_LINE_DEFINITION = re.compile("\n" + _DEFINITION)  # a literal first: a fast search


def _definition_lines(text: str) -> list[int] | None:
    """The (1-based) lines that may start a `def` or `class`, over-approximated (a line of
    a docstring may match). None for a text with a bare `\\r` line end, whose lines the
    regex and `str.split` would count differently from the tokenizer: its bodies are
    extracted eagerly."""
    if "\r" in text and re.search("\r(?!\n)", text):
        return None
    lines = [1] if _FIRST_LINE_DEFINITION.match(text) else []
    line, position = 1, 0
    for match in _LATER_LINE_DEFINITION.finditer(text):
        line += text.count("\n", position, match.start()) + 1
        position = match.start() + 1
        lines.append(line)
    return lines


class _Collector(ast.NodeVisitor):
    def __init__(self, source: ModuleSource, definition_lines: list[int] | None) -> None:
        self.source = source
        # Lines that may start a `def`/`class` (sorted), None when no body may be deferred.
        self._definition_lines = definition_lines
        self.columns = source.columns()
        self.convert = _ExprConverter(self.columns).convert
        self.imports: list[Import] = []
        self.functions: list[FunctionFacts] = []
        self.classes: list[ClassFacts] = []
        self.statements: list[Statement] = []
        self.dunder_all: tuple[str, ...] | None = None
        self._scope: list[str] = []
        self._class_stack: list[list[tuple[str, Expr]] | None] = []
        self._function: _FunctionBuilder | None = None
        self._loops: list[int] = []
        self._module_conditions: list[tuple[Expr, bool]] = []
        self._module_loops: list[tuple[tuple[str, ...], Expr]] = []
        self._with_depth = 0
        self._awaited: set[int] = set()
        self._context_calls: set[int] = set()
        self._guards: list[Guard] = []
        self._path: list[tuple[int, int]] = []
        self._groups = 0  # branch groups numbered per function
        self._if_groups: dict[int, int] = {}  # id(ast.If) -> its branch group

    # Walking ---------------------------------------------------------------------------

    def visit(self, node: ast.AST) -> None:
        # Outside a function an expression records nothing (no def or statement can be in
        # one), so its subtree is not walked at all.
        if self._function is None and isinstance(node, ast.expr):
            return
        _visitor_for(node.__class__.__name__)(self, node)

    def generic_visit(self, node: ast.AST) -> None:
        for name in node._fields:
            if name in _LEAF_FIELDS:
                continue
            value = getattr(node, name, None)
            if type(value) is list:
                for item in value:
                    if isinstance(item, ast.AST):
                        self.visit(item)
            elif isinstance(value, ast.AST):
                self.visit(value)

    def visit_Constant(self, node: ast.Constant) -> None:
        """No children; and NodeVisitor's own visit_Constant is a compatibility shim for
        the old visit_Num/visit_Str names that cost time on every literal."""

    # Module level ------------------------------------------------------------------------

    def visit_Import(self, node: ast.Import) -> None:
        if self._function is not None:
            for alias in node.names:
                local = alias.asname or alias.name.split(".")[0]
                module = alias.name if alias.asname else local
                self._function.bind(
                    Binding(local, ImportedName(module, None, 0), node.lineno, False)
                )
        if self._function is None and not self._class_stack:
            for alias in node.names:
                if alias.asname:
                    self.imports.append(Import(alias.asname, alias.name, None, 0, node.lineno))
                else:
                    top = alias.name.split(".")[0]
                    self.imports.append(Import(top, top, None, 0, node.lineno))
                    if "." in alias.name:
                        # `import a.b` also makes `a.b` reachable through `a`.
                        self.imports.append(Import(alias.name, alias.name, None, 0, node.lineno))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if self._function is not None:
            for alias in node.names:
                if alias.name != "*":
                    self._function.bind(
                        Binding(
                            alias.asname or alias.name,
                            ImportedName(node.module or "", alias.name, node.level),
                            node.lineno,
                            False,
                        )
                    )
        if self._function is None and not self._class_stack:
            for alias in node.names:
                if alias.name == "*":
                    self.imports.append(
                        Import("*", node.module or "", "*", node.level, node.lineno)
                    )
                    continue
                local = alias.asname or alias.name
                self.imports.append(
                    Import(local, node.module or "", alias.name, node.level, node.lineno)
                )

    def _module_level(self) -> bool:
        return self._function is None and not self._class_stack

    def _context(
        self,
    ) -> tuple[tuple[tuple[Expr, bool], ...], tuple[tuple[tuple[str, ...], Expr], ...]]:
        return tuple(self._module_conditions), tuple(self._module_loops)

    def visit_Assign(self, node: ast.Assign) -> None:
        value = self.convert(node.value)
        for target in node.targets:
            self._bind(target, value, node.lineno, node.value)
        self.visit(node.value)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self._bind(node.target, self.convert(node.value), node.lineno, node.value)
            self.visit(node.value)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        if isinstance(node.target, ast.Name):
            value = self.convert(node.value)
            if self._module_level():
                self.statements.append(
                    Statement("augassign", node.target.id, value, node.lineno, *self._context())
                )
        self.visit(node.value)

    def _bind(self, target: ast.expr, value: Expr, line: int, raw: ast.expr) -> None:
        if isinstance(target, ast.Name):
            if self._module_level():
                self.statements.append(
                    Statement("assign", target.id, value, line, *self._context())
                )
                if target.id == "__all__" and isinstance(raw, ast.List | ast.Tuple):
                    self.dunder_all = tuple(
                        e.value
                        for e in raw.elts
                        if isinstance(e, ast.Constant) and isinstance(e.value, str)
                    )
            elif self._function is not None:
                self._function.bind(Binding(target.id, value, line, False))
            elif self._class_stack and self._class_stack[-1] is not None:
                self._class_stack[-1].append((target.id, value))
        elif (
            isinstance(target, ast.Tuple | ast.List)
            and isinstance(raw, ast.Tuple | ast.List)
            and len(target.elts) == len(raw.elts)
        ):
            for sub_target, sub_value in zip(target.elts, raw.elts, strict=True):
                self._bind(sub_target, self.convert(sub_value), line, sub_value)
        elif isinstance(target, ast.Tuple | ast.List) and self._function is not None:
            # `st, attributes, pgt = validate(...)`: each name is an item of the value.
            for position, sub_target in enumerate(target.elts):
                if isinstance(sub_target, ast.Starred):
                    break  # later positions count from the end
                if isinstance(sub_target, ast.Name):
                    item = Subscript(value, Const(position), False, False)
                    self._function.bind(Binding(sub_target.id, item, line, False))
        elif (
            isinstance(target, ast.Attribute)
            and isinstance(target.value, ast.Name)
            and self._function is not None
            and self._function.params
            and target.value.id == self._function.params[0]
            and self._function.class_name is not None
        ):
            self._function.self_assignments.append((target.attr, value))
        elif (
            isinstance(target, ast.Attribute)
            and isinstance(target.value, ast.Name)
            and self._function is not None
            and target.value.id in self._function.bound_names
        ):
            self._function.attribute_assignments.append((target.value.id, target.attr, value))
        elif (
            isinstance(target, ast.Attribute)
            and isinstance(target.value, ast.Name)
            and self._function is not None
            and target.value.id in self._function.params
        ):
            self._function.parameter_assignments.append((target.value.id, target.attr, value))

    def visit_Expr(self, node: ast.Expr) -> None:
        if self._module_level() and isinstance(node.value, ast.Call):
            self.statements.append(
                Statement("call", None, self.convert(node.value), node.lineno, *self._context())
            )
        self.visit(node.value)

    # Scopes ------------------------------------------------------------------------------

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for decorator in node.decorator_list:
            self.visit(decorator)
        qualname = ".".join([*self._scope, node.name])
        attributes: list[tuple[str, Expr]] = []
        self._scope.append(node.name)
        self._class_stack.append(attributes)
        saved_function, self._function = self._function, None
        for statement in node.body:
            self.visit(statement)
        self._function = saved_function
        self._class_stack.pop()
        self._scope.pop()
        methods = tuple(
            s.name for s in node.body if isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef)
        )
        self.classes.append(
            ClassFacts(
                node.name,
                qualname,
                node.lineno,
                self.columns(node.lineno, node.col_offset),
                node.end_lineno or node.lineno,
                tuple(self.convert(base) for base in node.bases),
                tuple(self.convert(d) for d in node.decorator_list),
                methods,
                tuple(attributes),
            )
        )

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._visit_function(node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self._visit_function(node)

    def _visit_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        outermost = self._function is None
        if not outermost:  # at module or class level a decorator records nothing
            for decorator in node.decorator_list:
                self.visit(decorator)
        in_class = bool(self._class_stack) and self._function is None
        if self._function is not None:
            self._function.nested.append(node.name)
            qualname = ".".join([*self._scope, "<locals>", node.name])
        else:
            qualname = ".".join([*self._scope, node.name])
        arguments = node.args
        params = tuple(
            a.arg for a in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
        )
        positional = [*arguments.posonlyargs, *arguments.args]
        defaulted = positional[len(positional) - len(arguments.defaults) :]
        with_defaults = [
            *zip(defaulted, arguments.defaults, strict=True),
            *(
                (a, d)
                for a, d in zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True)
                if d is not None
            ),
        ]
        defaults = tuple((a.arg, self.convert(d)) for a, d in with_defaults)
        class_name = ".".join(self._scope) if in_class else None
        end_line = node.end_lineno or node.lineno
        body: BodyFacts | LazyBody
        if outermost and self._can_defer(node.lineno, end_line):
            body = LazyBody(self.source, node.lineno, end_line, node.col_offset > 0)
        else:
            builder = _FunctionBuilder(node.name, qualname, node, class_name, params)
            self._scope.append(node.name)
            self._collect_body(builder, node)
            self._scope.pop()
            body = builder.facts()
        self.functions.append(
            FunctionFacts(
                node.name,
                qualname,
                node.lineno,
                self.columns(node.lineno, node.col_offset),
                end_line,
                isinstance(node, ast.AsyncFunctionDef),
                params,
                tuple(self.convert(d) for d in node.decorator_list),
                class_name,
                body,
                arguments.vararg.arg if arguments.vararg else None,
                defaults,
            )
        )

    def _can_defer(self, line: int, end_line: int) -> bool:
        """A body can wait when no `def` or `class` line lies inside it: the functions and
        classes it defines must be known up front, the rest only when reached."""
        if self._definition_lines is None:
            return False
        after = bisect.bisect_right(self._definition_lines, line)
        return after >= len(self._definition_lines) or self._definition_lines[after] > end_line

    def _collect_body(
        self,
        builder: _FunctionBuilder,
        node: ast.FunctionDef | ast.AsyncFunctionDef,
        with_steps: bool = True,
    ) -> None:
        saved = (self._function, self._loops, self._with_depth, self._class_stack, self._guards)
        saved_paths = (self._path, self._groups)
        self._function, self._loops, self._with_depth = builder, [], 0
        self._class_stack, self._guards = [], []
        self._path, self._groups = [], 0
        self._block(node.body)
        if with_steps:
            # Eager bodies (those that define functions or classes) get their statement tree
            # now; a deferred one builds it only if static evaluation asks (LazyBody.steps).
            builder.steps = _Steps(self.convert).block(node.body, 0)
        self._function, self._loops, self._with_depth, self._class_stack, self._guards = saved
        self._path, self._groups = saved_paths

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self.visit(node.body)

    # Inside functions --------------------------------------------------------------------

    def visit_Return(self, node: ast.Return) -> None:
        if self._function is not None and node.value is not None:
            self._function.returns.append(self.convert(node.value))
        if node.value is not None:
            self.visit(node.value)

    def visit_Yield(self, node: ast.Yield) -> None:
        if self._function is not None:
            self._function.is_generator = True
        self.generic_visit(node)

    def visit_YieldFrom(self, node: ast.YieldFrom) -> None:
        if self._function is not None:
            self._function.is_generator = True
        self.generic_visit(node)

    def visit_Await(self, node: ast.Await) -> None:
        self._awaited.add(id(node.value))
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        function = self._function
        if function is not None:
            function.calls.append(
                CallSite(
                    self.convert(node.func),
                    tuple(self.convert(arg) for arg in node.args),
                    tuple((kw.arg, self.convert(kw.value)) for kw in node.keywords),
                    node.lineno,
                    self.columns(node.lineno, node.col_offset),
                    node.end_lineno or node.lineno,
                    self.columns(node.end_lineno or node.lineno, node.end_col_offset or 0),
                    tuple(self._loops),
                    id(node) in self._awaited,
                    id(node) in self._context_calls,
                    self._with_depth,
                    tuple(self._guards),
                    tuple(self._path),
                )
            )
            self._getattr_use(node, function)
        self.generic_visit(node)

    def _getattr_use(self, node: ast.Call, function: _FunctionBuilder) -> None:
        """`getattr(request, "user", None)` reads `request.user` like the attribute does."""
        if not (
            isinstance(node.func, ast.Name)
            and node.func.id == "getattr"
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and node.args[1].value in _INTERESTING_ATTRIBUTES
        ):
            return
        owner = _dotted(node.args[0])
        if owner is not None and owner.split(".")[0] in function.params:
            function.attribute_uses.append(
                AttributeUse(
                    f"{owner}.{node.args[1].value}",
                    node.lineno,
                    self.columns(node.lineno, node.col_offset),
                    self.columns(node.end_lineno or node.lineno, node.end_col_offset or 0),
                    tuple(self._loops),
                    tuple(self._path),
                )
            )

    def visit_Attribute(self, node: ast.Attribute) -> None:
        function = self._function
        if (
            function is not None
            and node.attr in _INTERESTING_ATTRIBUTES
            and isinstance(node.ctx, ast.Load)
        ):
            dotted = _dotted(node)
            if dotted is not None and dotted.split(".")[0] in function.params:
                function.attribute_uses.append(
                    AttributeUse(
                        dotted,
                        node.lineno,
                        self.columns(node.lineno, node.col_offset),
                        self.columns(node.end_lineno or node.lineno, node.end_col_offset or 0),
                        tuple(self._loops),
                        tuple(self._path),
                    )
                )
        elif (
            function is not None
            and isinstance(node.ctx, ast.Load)
            and isinstance(node.value, ast.Name)
            and node.value.id not in ("self", "cls")
            and not node.attr.startswith("_")
        ):
            # `order.customer` on a local: a foreign key read can run a query. One record
            # per (name, attribute) keeps the facts small.
            key = f"{node.value.id}.{node.attr}"
            if key not in function.seen_attributes and (
                node.value.id in function.params or node.value.id in function.bound_names
            ):
                function.seen_attributes.add(key)
                function.attribute_uses.append(
                    AttributeUse(
                        key,
                        node.lineno,
                        self.columns(node.lineno, node.col_offset),
                        self.columns(node.end_lineno or node.lineno, node.end_col_offset or 0),
                        tuple(self._loops),
                        tuple(self._path),
                    )
                )
        self.generic_visit(node)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        function = self._function
        if function is not None and isinstance(node.ctx, ast.Load):
            index = node.slice
            if not isinstance(index, ast.Slice) or index.step is not None:
                function.value_uses.append(
                    ValueUse(
                        "index",
                        self.convert(node.value),
                        node.lineno,
                        self.columns(node.lineno, node.col_offset),
                        tuple(self._loops),
                        tuple(self._path),
                    )
                )
        self.generic_visit(node)

    def _truth_test(self, test: ast.expr) -> None:
        function = self._function
        if function is None:
            return
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            test = test.operand
        if isinstance(test, ast.Name | ast.Attribute | ast.Call):
            function.value_uses.append(
                ValueUse(
                    "truth",
                    self.convert(test),
                    test.lineno,
                    self.columns(test.lineno, test.col_offset),
                    tuple(self._loops),
                    tuple(self._path),
                )
            )

    def visit_If(self, node: ast.If) -> None:
        self._truth_test(node.test)
        self.visit(node.test)
        guard = _guard(node.test) if self._function is not None else None
        test = self.convert(node.test) if self._module_level() else None
        group = self._new_group()
        for arm, (block, holds) in enumerate(((node.body, True), (node.orelse, False))):
            if guard is not None:
                self._guards.append(Guard(guard.subject, guard.test, guard.holds == holds))
            if test is not None:
                self._module_conditions.append((test, holds))
            self._arm(group, arm, block)
            if guard is not None:
                self._guards.pop()
            if test is not None:
                self._module_conditions.pop()
        self._if_groups[id(node)] = group

    # Exclusive paths -------------------------------------------------------------------

    def _new_group(self) -> int:
        self._groups += 1
        return self._groups

    def _arm(self, group: int, arm: int, block: list[ast.stmt]) -> None:
        self._path.append((group, arm))
        self._block(block)
        self._path.pop()

    def _block(self, statements: list[ast.stmt]) -> None:
        """Visit a block; after an `if` one of whose arms leaves the function (return,
        raise), the rest of the block runs only on the other arm's path."""
        depth = len(self._path)
        for statement in statements:
            self.visit(statement)
            if isinstance(statement, ast.If) and self._function is not None:
                self._path.extend(self._continuation(statement))
        del self._path[depth:]

    def _continuation(self, node: ast.If) -> list[tuple[int, int]]:
        """The arms execution passes through to get past an `if` one of whose arms leaves
        the function, through an elif chain too: past `if a: return` / `elif b: return`,
        neither arm that returned ran."""
        body_leaves, else_leaves = _leaves(node.body), _leaves(node.orelse)
        group = self._if_groups.get(id(node))
        if body_leaves == else_leaves or group is None:
            return []
        block = node.orelse if body_leaves else node.body
        path = [(group, 1 if body_leaves else 0)]
        if block and isinstance(block[-1], ast.If):
            path += self._continuation(block[-1])
        return path

    def visit_Try(self, node: ast.Try) -> None:
        self._try(node)

    def visit_TryStar(self, node: ast.TryStar) -> None:
        self._try(node)

    def _try(self, node: ast.Try | ast.TryStar) -> None:
        """The try body (and its else) or one handler: the costliest path is either the call
        that succeeds or its fallback, not both. `finally` always runs."""
        group = self._new_group()
        self._arm(group, 0, [*node.body, *node.orelse])
        for arm, handler in enumerate(node.handlers, start=1):
            if handler.type is not None:
                self.visit(handler.type)
            self._arm(group, arm, handler.body)
        self._block(node.finalbody)

    def visit_Match(self, node: ast.Match) -> None:
        self.visit(node.subject)
        group = self._new_group()
        for arm, case in enumerate(node.cases):
            self.visit(case.pattern)
            if case.guard is not None:
                self.visit(case.guard)
            self._arm(group, arm, case.body)

    def visit_Compare(self, node: ast.Compare) -> None:
        function = self._function
        if function is not None:
            for op, right in zip(node.ops, node.comparators, strict=True):
                if isinstance(op, ast.In | ast.NotIn):
                    function.value_uses.append(
                        ValueUse(
                            "contains",
                            self.convert(right),
                            node.lineno,
                            self.columns(node.lineno, node.col_offset),
                            tuple(self._loops),
                            tuple(self._path),
                        )
                    )
        self.generic_visit(node)

    def _loop(
        self,
        target: ast.expr,
        iterable: ast.expr,
        body: list[ast.stmt],
        orelse: list[ast.stmt],
        is_async: bool,
        line: int,
        column: int,
    ) -> None:
        function = self._function
        self.visit(iterable)
        if function is not None:
            converted = self.convert(iterable)
            function.iterations.append(
                Iteration(
                    converted,
                    line,
                    self.columns(line, column),
                    is_async,
                    tuple(self._loops),
                    False,
                    tuple(self._path),
                )
            )
            for name in ast.walk(target):
                if isinstance(name, ast.Name):
                    function.bind(Binding(name.id, converted, line, True))
        self._loops.append(_expected_iterations(_literal_loop_count(iterable), body))
        module_loop = function is None and self._module_level()
        if module_loop:
            names = tuple(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
            self._module_loops.append((names, self.convert(iterable)))
        self._block(body)
        if module_loop:
            self._module_loops.pop()
        self._loops.pop()
        self._block(orelse)

    def visit_For(self, node: ast.For) -> None:
        self._loop(
            node.target, node.iter, node.body, node.orelse, False, node.lineno, node.col_offset
        )

    def visit_AsyncFor(self, node: ast.AsyncFor) -> None:
        self._loop(
            node.target, node.iter, node.body, node.orelse, True, node.lineno, node.col_offset
        )

    def visit_While(self, node: ast.While) -> None:
        self._truth_test(node.test)
        self.visit(node.test)
        self._loops.append(_expected_iterations(LOOP_UNKNOWN, node.body))
        self._block(node.body)
        self._loops.pop()
        self._block(node.orelse)

    def _comprehension(
        self,
        node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp,
        elements: list[ast.expr],
    ) -> None:
        function = self._function
        pushed = 0
        for generator in node.generators:
            self.visit(generator.iter)
            if function is not None:
                converted = self.convert(generator.iter)
                function.iterations.append(
                    Iteration(
                        converted,
                        generator.iter.lineno,
                        self.columns(generator.iter.lineno, generator.iter.col_offset),
                        bool(generator.is_async),
                        tuple(self._loops),
                        True,
                        tuple(self._path),
                    )
                )
                for name in ast.walk(generator.target):
                    if isinstance(name, ast.Name):
                        function.bind(Binding(name.id, converted, generator.iter.lineno, True))
            self._loops.append(_literal_loop_count(generator.iter))
            pushed += 1
            for condition in generator.ifs:
                self.visit(condition)
        for element in elements:
            self.visit(element)
        del self._loops[len(self._loops) - pushed :]

    def visit_ListComp(self, node: ast.ListComp) -> None:
        self._comprehension(node, [node.elt])

    def visit_SetComp(self, node: ast.SetComp) -> None:
        self._comprehension(node, [node.elt])

    def visit_GeneratorExp(self, node: ast.GeneratorExp) -> None:
        self._comprehension(node, [node.elt])

    def visit_DictComp(self, node: ast.DictComp) -> None:
        self._comprehension(node, [node.key, node.value])

    def _with(self, node: ast.With | ast.AsyncWith, is_async: bool) -> None:
        function = self._function
        for item in node.items:
            if isinstance(item.context_expr, ast.Call):
                self._context_calls.add(id(item.context_expr))
            self.visit(item.context_expr)
            converted = self.convert(item.context_expr)
            if function is not None:
                function.withs.append(
                    WithBlock(converted, node.lineno, node.end_lineno or node.lineno, is_async)
                )
                if isinstance(item.optional_vars, ast.Name):
                    function.bind(Binding(item.optional_vars.id, converted, node.lineno, False))
        self._with_depth += 1
        self._block(node.body)
        self._with_depth -= 1

    def visit_With(self, node: ast.With) -> None:
        self._with(node, False)

    def visit_AsyncWith(self, node: ast.AsyncWith) -> None:
        self._with(node, True)


def decode_source(source: bytes) -> str:
    """Decode per PEP 263 (coding cookie or BOM, UTF-8 by default)."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
    text = source.decode(encoding)
    return text[1:] if text.startswith("\ufeff") else text


def collect_facts(source: bytes, *, defer_bodies: bool = True) -> ModuleFacts:
    """Everything the analysis needs from one file. Never raises on bad input: a file that
    cannot be decoded or parsed comes back with `error` set and no symbols. Function bodies
    are extracted on first use (`LazyBody`) unless `defer_bodies` is False; the facts are
    the same either way."""
    try:
        text = decode_source(source)
    except (SyntaxError, UnicodeDecodeError, LookupError) as error:
        return ModuleFacts(lines=source.count(b"\n") + 1, error=(1, f"cannot decode: {error}"))
    lines = text.count("\n") + (0 if text.endswith("\n") or not text else 1)
    try:
        tree = ast.parse(text)
    except SyntaxError as error:
        return ModuleFacts(lines=lines, error=(error.lineno or 1, error.msg))
    except (ValueError, RecursionError, MemoryError) as error:
        return ModuleFacts(lines=lines, error=(1, f"cannot parse: {type(error).__name__}"))
    collector = _Collector(ModuleSource(text), _definition_lines(text) if defer_bodies else None)
    try:
        for statement in tree.body:
            collector.visit(statement)
    except RecursionError:
        return ModuleFacts(lines=lines, error=(1, "nesting too deep to analyse"))
    return ModuleFacts(
        lines=lines,
        imports=tuple(collector.imports),
        functions=tuple(collector.functions),
        classes=tuple(collector.classes),
        statements=tuple(collector.statements),
        dunder_all=collector.dunder_all,
    )


class _Steps:
    """A function body's statements as `Step` trees, bounded in count and nesting; a
    statement of another kind (`with`, `match`, a nested `def`) is left out, and so are the
    statements under it."""

    def __init__(self, convert: Callable[[ast.expr | None], Expr]) -> None:
        self._convert = convert
        self._count = 0

    def block(self, statements: list[ast.stmt], depth: int) -> tuple[Step, ...]:
        steps: list[Step] = []
        if depth > MAX_STEP_DEPTH:
            return ()
        for node in statements:
            if self._count >= MAX_STEPS:
                break
            if isinstance(node, ast.Try) and node.finalbody:
                # `finally` runs either way: its statements follow the `try`'s.
                steps.extend(self.block([_without_finally(node)], depth))
                steps.extend(self.block(node.finalbody, depth))
                continue
            step = self._step(node, depth)
            if step is not None:
                self._count += 1
                steps.append(step)
        return tuple(steps)

    def _target(self, node: ast.expr) -> Expr | None:
        if isinstance(node, ast.Tuple | ast.List):
            if not all(isinstance(e, ast.Name) for e in node.elts):
                return None
            return Seq("tuple", tuple(Name(e.id) for e in node.elts if isinstance(e, ast.Name)))
        if isinstance(node, ast.Name | ast.Attribute | ast.Subscript):
            return self._convert(node)
        return None

    def _step(self, node: ast.stmt, depth: int) -> Step | None:
        line = node.lineno
        down = depth + 1
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = self._target(node.targets[0])
            if target is None:
                return None
            return Step("assign", line, self._convert(node.value), target)
        if isinstance(node, ast.AnnAssign) and node.value is not None:
            target = self._target(node.target)
            return (
                None if target is None else Step("assign", line, self._convert(node.value), target)
            )
        if isinstance(node, ast.AugAssign) and isinstance(node.op, ast.Add):
            target = self._target(node.target)
            if target is None:
                return None
            return Step("augassign", line, self._convert(node.value), target)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            return Step("call", line, self._convert(node.value))
        if isinstance(node, ast.Return):
            return Step("return", line, self._convert(node.value))
        if isinstance(node, ast.Raise):
            return Step("raise", line)
        if isinstance(node, ast.Break | ast.Continue):
            return Step("break" if isinstance(node, ast.Break) else "continue", line)
        if isinstance(node, ast.For):
            names = tuple(n.id for n in ast.walk(node.target) if isinstance(n, ast.Name))
            return Step(
                "for",
                line,
                self._convert(node.iter),
                names=names,
                body=self.block(node.body, down),
                orelse=self.block(node.orelse, down),
            )
        if isinstance(node, ast.If):
            body, orelse = self.block(node.body, down), self.block(node.orelse, down)
            test = node.test
            if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
                # `if not x:` is `if x:` with the arms swapped, so a known `x` decides it.
                return Step("if", line, self._convert(test.operand), body=orelse, orelse=body)
            return Step("if", line, self._convert(test), body=body, orelse=orelse)
        if isinstance(node, ast.Try):
            handlers = tuple(
                (_caught(handler.type), handler.name, self.block(handler.body, down))
                for handler in node.handlers
            )
            return Step(
                "try",
                line,
                body=self.block(node.body, down),
                orelse=self.block(node.orelse, down),
                handlers=handlers,
            )
        return None


def _without_finally(node: ast.Try) -> ast.Try:
    """The `try` statement without its `finally` block."""
    return ast.Try(node.body, node.handlers, node.orelse, [], lineno=node.lineno)


def _caught(node: ast.expr | None) -> tuple[str, ...]:
    """The exception names an `except` clause catches: `("",)` for a bare `except:`."""
    if node is None:
        return ("",)
    items = node.elts if isinstance(node, ast.Tuple) else [node]
    return tuple(name for item in items if (name := _dotted(item)) is not None)


def _parse_deferred(lazy: LazyBody) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    """Parse the lines of one function, padded with empty lines (and, for an indented one,
    an `if 1:` line) so every line and column is the file's."""
    source = lazy.source
    segment = source.text[source.line_start(lazy.line) : source.line_start(lazy.end_line + 1)]
    if lazy.indented:
        padded = "\n" * (lazy.line - 2) + "if 1:\n" + segment
    else:
        padded = "\n" * (lazy.line - 1) + segment
    statement = ast.parse(padded).body[0]
    if lazy.indented and isinstance(statement, ast.If):
        statement = statement.body[0]
    if (
        not isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef)
        or statement.lineno != lazy.line
    ):
        return None
    return statement


def _extract_body(function: FunctionFacts, lazy: LazyBody) -> BodyFacts:
    """Collect a deferred body as the eager path does (its statement tree aside)."""
    try:
        statement = _parse_deferred(lazy)
        if statement is None:
            return BodyFacts()
        builder = _FunctionBuilder(
            function.name, function.qualname, statement, function.class_name, function.params
        )
        _Collector(lazy.source, None)._collect_body(builder, statement, with_steps=False)
    except (SyntaxError, ValueError, IndexError, RecursionError, MemoryError):
        return BodyFacts()  # parsed as part of its file, so not expected; never fatal
    return builder.facts()


def _deferred_steps(lazy: LazyBody) -> tuple[Step, ...]:
    try:
        statement = _parse_deferred(lazy)
        if statement is None:
            return ()
        return _Steps(_Collector(lazy.source, None).convert).block(statement.body, 0)
    except (SyntaxError, ValueError, IndexError, RecursionError, MemoryError):
        return ()
