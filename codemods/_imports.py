"""Imports after a rewrite: libcst's AddImportsVisitor / RemoveImportsVisitor decide what to
add and what became unused; this module only puts the result where a reviewer (and isort /
ruff's default sections) expects it: a new import joins its section (future, standard
library, third party, first party) in sorted position, and removing an import keeps the
blank line that separated sections."""

from __future__ import annotations

import difflib
import sys
from pathlib import Path

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor

from codemods._build import names_in

_EMPTY = cst.Module(body=[])


def fix_imports(
    tree: cst.Module,
    add: list[tuple[str, str | None]],
    remove: list[tuple[str, str | None]],
    root: Path,
) -> cst.Module:
    context = CodemodContext()
    for module, obj in dict.fromkeys(add):
        AddImportsVisitor.add_needed_import(context, module, obj)
    for module, obj in dict.fromkeys(remove):
        RemoveImportsVisitor.remove_unused_import(context, module, obj)
    if add:
        before = tree
        tree = AddImportsVisitor(context).transform_module(tree)
        tree = _place_added(before, tree, _first_party(root))
    remove = _maybe_unused(tree, remove)
    if remove:
        before = tree
        tree = RemoveImportsVisitor(context).transform_module(tree)
        tree = _keep_blank_lines(before, tree)
    return tree


def _maybe_unused(
    tree: cst.Module, remove: list[tuple[str, str | None]]
) -> list[tuple[str, str | None]]:
    """The imports RemoveImportsVisitor may find unused: it re-checks them with scope
    analysis, but running it costs a full metadata pass, so names still used by any
    statement are not even proposed."""
    used: set[str] = set()
    bound: dict[tuple[str, str | None], str] = {}
    for statement in tree.body:
        module = _imported_module(statement)
        if module is None or not isinstance(statement, cst.SimpleStatementLine):
            used |= names_in(statement)
            continue
        small = statement.body[0]
        if isinstance(small, cst.Import):
            for alias in small.names:
                name = _EMPTY.code_for_node(alias.name)
                local = alias.asname.name if alias.asname else alias.name
                bound[(name, None)] = _EMPTY.code_for_node(local).split(".")[0]
        elif isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar):
            for alias in small.names:
                name = _EMPTY.code_for_node(alias.name)
                local = alias.asname.name if alias.asname else alias.name
                bound[(module, name)] = _EMPTY.code_for_node(local)
    return [item for item in dict.fromkeys(remove) if item in bound and bound[item] not in used]


def _first_party(root: Path) -> set[str]:
    names = set()
    for base in {root, *(p.parent for p in root.glob("*/manage.py"))}:
        for entry in base.iterdir():
            if entry.suffix == ".py" or (entry / "__init__.py").is_file():
                names.add(entry.stem if entry.suffix == ".py" else entry.name)
    return names


def _code(statement: cst.CSTNode) -> str:
    if isinstance(statement, cst.SimpleStatementLine):
        statement = statement.with_changes(leading_lines=())
    return _EMPTY.code_for_node(statement).strip()


def _imported_module(statement: cst.CSTNode) -> str | None:
    if not (isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1):
        return None
    small = statement.body[0]
    if isinstance(small, cst.Import):
        return _EMPTY.code_for_node(small.names[0].name)
    if isinstance(small, cst.ImportFrom):
        dots = "." * len(small.relative)
        module = _EMPTY.code_for_node(small.module) if small.module is not None else ""
        return dots + module
    return None


def _section(module: str, first_party: set[str]) -> int:
    top = module.split(".")[0]
    if module.startswith(".") or top in first_party:
        return 3
    if top == "__future__":
        return 0
    if top in sys.stdlib_module_names:
        return 1
    return 2


def _sort_key(statement: cst.CSTNode, first_party: set[str]) -> tuple[int, int, str]:
    module = _imported_module(statement) or ""
    is_from = isinstance(statement, cst.SimpleStatementLine) and isinstance(
        statement.body[0], cst.ImportFrom
    )
    return _section(module, first_party), int(is_from), module.lower()


def _has_blank(statement: cst.CSTNode) -> bool:
    return bool(getattr(statement, "leading_lines", ()))


def _place_added(before: cst.Module, after: cst.Module, first_party: set[str]) -> cst.Module:
    known = {_code(s) for s in before.body}
    added = [s for s in after.body if _imported_module(s) is not None and _code(s) not in known]
    if not added:
        return after
    body = [s for s in after.body if not any(s is a for a in added)]
    for statement in added:
        key = _sort_key(statement, first_party)
        imports = [i for i, s in enumerate(body) if _imported_module(s) is not None]
        if not imports:
            body.insert(0, statement)
            continue
        same = [i for i in imports if _sort_key(body[i], first_party)[0] == key[0]]
        if same:
            later = [i for i in same if _sort_key(body[i], first_party) > key]
            if later and later[0] == same[0]:
                # First of its section: it takes over the section's blank line.
                head = body[later[0]]
                body[later[0]] = head.with_changes(leading_lines=())
                body.insert(
                    later[0],
                    statement.with_changes(leading_lines=getattr(head, "leading_lines", ())),
                )
            else:
                body.insert(later[0] if later else same[-1] + 1, statement)
            continue
        lower = [i for i in imports if _sort_key(body[i], first_party)[0] < key[0]]
        if lower:
            position = lower[-1] + 1
            body.insert(
                position, statement.with_changes(leading_lines=[cst.EmptyLine(indent=False)])
            )
            if position + 1 < len(body) and not _has_blank(body[position + 1]):
                body[position + 1] = body[position + 1].with_changes(
                    leading_lines=[cst.EmptyLine(indent=False)]
                )
        else:
            first = imports[0]
            head = body[first]
            body[first] = head.with_changes(leading_lines=[cst.EmptyLine(indent=False)])
            body.insert(
                first, statement.with_changes(leading_lines=getattr(head, "leading_lines", ()))
            )
    return after.with_changes(body=body)


def _keep_blank_lines(before: cst.Module, after: cst.Module) -> cst.Module:
    """A removed import hands its leading blank lines to the statement that follows it."""
    old = [_code(s) for s in before.body]
    new = [_code(s) for s in after.body]
    body = list(after.body)
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, _, j1, _ in matcher.get_opcodes():
        if tag != "delete" or j1 >= len(body):
            continue
        leading = getattr(before.body[i1], "leading_lines", ())
        if leading and not _has_blank(body[j1]):
            body[j1] = body[j1].with_changes(leading_lines=leading)
    return after.with_changes(body=body)
