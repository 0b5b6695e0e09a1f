"""The project index, and the one place that resolves names.

Imports, aliases, relative imports, re-exports through `__init__`, module attributes and
class hierarchies become qualified names here; every other stage asks this module.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from advisor import django_api
from advisor.facts import (
    ClassFacts,
    Expr,
    FunctionFacts,
    ImportedName,
    ModuleFacts,
    Name,
    Subscript,
)

_MAX_REEXPORT_HOPS = 12
# Deeper class hierarchies are cut (each level costs several stack frames of resolution).
MAX_HIERARCHY_DEPTH = 100


@dataclass(frozen=True, slots=True)
class Symbol:
    kind: str  # "import", "function", "class", "value", "module"
    qualified: str
    value: Expr | None = None


class InstalledModules(Protocol):
    """Where modules outside the project come from (advisor.installed.InstalledSource)."""

    def covers(self, top: str) -> bool: ...

    def load(self, module: str) -> tuple[str, bool, ModuleFacts] | None: ...

    def is_extension(self, module: str) -> bool: ...


@dataclass(slots=True)
class ModuleInfo:
    name: str
    path: str
    is_package: bool
    facts: ModuleFacts
    symbols: dict[str, Symbol] = field(default_factory=dict)
    star_imports: list[str] = field(default_factory=list)


class ProjectIndex:
    def __init__(self, modules: Mapping[str, tuple[str, bool, ModuleFacts]]) -> None:
        self.modules: dict[str, ModuleInfo] = {}
        self._by_path: dict[str, list[str]] | None = None
        self.functions: dict[str, tuple[ModuleInfo, FunctionFacts]] = {}
        self.classes: dict[str, tuple[ModuleInfo, ClassFacts]] = {}
        for name, (path, is_package, facts) in modules.items():
            self.modules[name] = ModuleInfo(name, path, is_package, facts)
        for info in self.modules.values():
            self._index_module(info)
        self._mro_cache: dict[str, tuple[str, ...]] = {}
        # The project's own modules; installed ones join `modules` as they are reached.
        self.project_modules = frozenset(self.modules)
        self._project_tops = frozenset(name.partition(".")[0] for name in self.modules)
        self.installed: InstalledModules | None = None
        self._not_installed: set[str] = set()
        # Where a bound cut the analysis short, for the user (one line each).
        self.limits: dict[str, str] = {}

    def follow_installed(self, installed: InstalledModules) -> None:
        """From now on, a name in an installed package (not the project's) loads that
        package's module on first use, so calls into it are followed like project calls."""
        self.installed = installed
        self._mro_cache.clear()

    def in_project(self, qualified: str) -> bool:
        found = self.module_for(qualified)
        return found is not None and found[0].name in self.project_modules

    def _load_installed(self, qualified: str) -> None:
        installed = self.installed
        assert installed is not None
        parts = qualified.split(".")
        if parts[0] in self._project_tops or not installed.covers(parts[0]):
            return
        for cut in range(1, len(parts) + 1):
            name = ".".join(parts[:cut])
            if name in self.modules:
                continue
            if name in self._not_installed:
                return
            found = installed.load(name)
            if found is None:
                self._not_installed.add(name)
                return
            path, is_package, facts = found
            info = ModuleInfo(name, path, is_package, facts)
            self.modules[name] = info
            self._index_module(info)
            if not is_package:
                return

    # Building ------------------------------------------------------------------------------

    def _absolute(self, info: ModuleInfo, module: str, level: int) -> str:
        if level == 0:
            return module
        package = info.name if info.is_package else info.name.rpartition(".")[0]
        parts = package.split(".") if package else []
        if level > 1:
            parts = parts[: len(parts) - (level - 1)]
        base = ".".join(parts)
        if module:
            return f"{base}.{module}" if base else module
        return base

    def _index_module(self, info: ModuleInfo) -> None:
        facts = info.facts
        for item in facts.imports:
            source = self._absolute(info, item.module, item.level)
            if item.name == "*":
                info.star_imports.append(source)
            elif item.name is None:
                info.symbols[item.local] = Symbol("module", source)
            else:
                info.symbols[item.local] = Symbol("import", f"{source}.{item.name}")
        for statement in facts.statements:
            if statement.kind == "assign" and statement.target:
                info.symbols[statement.target] = Symbol(
                    "value", f"{info.name}.{statement.target}", statement.value
                )
        for function in facts.functions:
            qualified = f"{info.name}.{function.qualname}"
            self.functions[qualified] = (info, function)
            if function.class_name is None and "." not in function.qualname:
                info.symbols[function.name] = Symbol("function", qualified)
        for klass in facts.classes:
            qualified = f"{info.name}.{klass.qualname}"
            self.classes[qualified] = (info, klass)
            if "." not in klass.qualname:
                info.symbols[klass.name] = Symbol("class", qualified)

    # Resolution ----------------------------------------------------------------------------

    def module_for(self, qualified: str) -> tuple[ModuleInfo, str] | None:
        """The longest project module that prefixes `qualified`, and the rest."""
        if self.installed is not None:
            self._load_installed(qualified)
        parts = qualified.split(".")
        for cut in range(len(parts), 0, -1):
            name = ".".join(parts[:cut])
            info = self.modules.get(name)
            if info is not None:
                return info, ".".join(parts[cut:])
        return None

    def module_near(self, dotted: str, anchor: str | None) -> str:
        """`dotted` as a project module: as named from the import root, else relative to the
        package of `anchor` (the settings module) or one of its ancestors — as when the test
        runner puts the settings' own folder on sys.path (`ROOT_URLCONF = "urls"` beside
        `pkg/tests/settings.py`). Unchanged when neither names a module."""
        if dotted in self.modules or not anchor:
            return dotted
        parts = anchor.split(".")[:-1]
        while parts:
            package = self.modules.get(".".join(parts))
            if package is None or not package.is_package:
                break  # a plain folder is not a package a runner would name this way
            candidate = ".".join([*parts, dotted])
            if candidate in self.modules:
                return candidate
            parts.pop()
        return dotted

    def runtime_name(self, runtime: str, file: str | None) -> str | None:
        """The project function or class a running interpreter named `runtime`, defined in
        `file` (relative to the scanned folder): itself when the scan names it alike, else
        the same file's module under a name that differs by a sys.path entry (a test runner
        that puts `pkg/` on sys.path imports `pkg/tests/urls.py` as `tests.urls`)."""
        if runtime in self.functions or runtime in self.classes:
            return runtime
        if not file:
            return None
        if self._by_path is None:
            self._by_path = {}
            for name, info in self.modules.items():
                self._by_path.setdefault(info.path, []).append(name)
        parts = runtime.split(".")
        for module in self._by_path.get(file, ()):
            for cut in range(len(parts) - 1, 0, -1):
                head, rest = ".".join(parts[:cut]), ".".join(parts[cut:])
                if module == head or module.endswith(f".{head}") or head.endswith(f".{module}"):
                    candidate = f"{module}.{rest}"
                    if candidate in self.functions or candidate in self.classes:
                        return candidate
        return None

    def canonical(self, qualified: str) -> str:
        """Follow re-exports (`pkg/__init__.py: from .views import home`) and known
        framework aliases to the place a name is defined."""
        seen: set[str] = set()
        for _ in range(_MAX_REEXPORT_HOPS):
            if qualified in seen:
                break
            seen.add(qualified)
            found = self.module_for(qualified)
            if found is None:
                return django_api.canonical_external(qualified)
            info, rest = found
            if not rest:
                return qualified
            head, _, tail = rest.partition(".")
            symbol = info.symbols.get(head)
            if symbol is None:
                for star in info.star_imports:
                    candidate = self.module_for(f"{star}.{head}")
                    if candidate is not None and head in candidate[0].symbols:
                        symbol = Symbol("import", f"{star}.{head}")
                        break
                    if candidate is None:
                        # `from django.db.models import *` and the like.
                        symbol = Symbol("import", f"{star}.{head}")
                if symbol is None:
                    submodule = f"{info.name}.{head}"
                    if submodule in self.modules:
                        qualified = f"{submodule}.{tail}" if tail else submodule
                        continue
                    return qualified
            if symbol.kind in ("import", "module"):
                qualified = f"{symbol.qualified}.{tail}" if tail else symbol.qualified
                continue
            return qualified
        return qualified

    def resolve(self, module: str, dotted: str) -> str | None:
        """The qualified name `dotted` means in `module`, or None for a builtin or an unknown
        local name."""
        info = self.modules.get(module)
        if info is None:
            return None
        head, _, tail = dotted.partition(".")
        symbol = info.symbols.get(head)
        if symbol is None:
            for star in info.star_imports:
                qualified = self.canonical(f"{star}.{head}")
                star_module = self.modules.get(star)
                if (
                    qualified != f"{star}.{head}"
                    or self.module_for(qualified) is None
                    or (star_module is not None and head in star_module.symbols)
                ):
                    return self.canonical(f"{qualified}.{tail}" if tail else qualified)
            return None
        qualified = f"{symbol.qualified}.{tail}" if tail else symbol.qualified
        return self.canonical(qualified)

    def resolve_expr(self, module: str, expr: Expr) -> str | None:
        if isinstance(expr, Name):
            return self.resolve(module, expr.dotted)
        if isinstance(expr, ImportedName):
            return self.imported(module, expr)
        return None

    def imported(self, module: str, expr: ImportedName) -> str | None:
        """The qualified name a function-level import binds."""
        info = self.modules.get(module)
        if info is None:
            return None
        source = self._absolute(info, expr.module, expr.level)
        return self.canonical(f"{source}.{expr.name}" if expr.name else source)

    def value_of(self, qualified: str) -> tuple[ModuleInfo, Expr] | None:
        """The expression bound to a module-level name, if it is a plain assignment."""
        found = self.module_for(qualified)
        if found is None:
            return None
        info, rest = found
        symbol = info.symbols.get(rest)
        if symbol is None or symbol.kind != "value" or symbol.value is None:
            return None
        return info, symbol.value

    # Classes -------------------------------------------------------------------------------

    def bases(self, qualified: str) -> tuple[str, ...]:
        entry = self.classes.get(qualified)
        if entry is None:
            return django_api.EXTERNAL_BASES.get(qualified, ())
        info, klass = entry
        resolved: list[str] = []
        for base in klass.bases:
            while isinstance(base, Subscript):
                base = base.value  # `models.Manager["Book"]`, `Generic[T]`: the class subscripted
            name = self.resolve_expr(info.name, base)
            if name is None and isinstance(base, Name) and "." in klass.qualname:
                name = self._imported_in_enclosing(info, klass.qualname, base.dotted)
            if name is not None:
                resolved.append(name)
        return tuple(resolved)

    def _imported_in_enclosing(self, info: ModuleInfo, qualname: str, dotted: str) -> str | None:
        """A base a function imports before defining the class in its body (dj-rest-auth's
        `def get_refresh_view(): from ...views import TokenRefreshView; class
        RefreshView(TokenRefreshView): ...`, an import deferred to avoid a cycle)."""
        enclosing = self.functions.get(f"{info.name}.{qualname.rpartition('.')[0]}")
        if enclosing is None:
            return None
        head, _, tail = dotted.partition(".")
        for binding in reversed(enclosing[1].bindings):
            if binding.name == head and isinstance(binding.value, ImportedName):
                source = self.imported(info.name, binding.value)
                if source is None:
                    return None
                return self.canonical(f"{source}.{tail}" if tail else source)
        return None

    def mro(self, qualified: str, depth: int = 0) -> tuple[str, ...]:
        """Linearised ancestry (C3 where it exists, first-seen order otherwise), project and
        known framework classes alike, the class itself first."""
        cached = self._mro_cache.get(qualified)
        if cached is not None:
            return cached
        self._mro_cache[qualified] = (qualified,)  # breaks cycles in broken hierarchies
        if depth >= MAX_HIERARCHY_DEPTH:
            self.limits.setdefault(
                "hierarchy",
                f"a class hierarchy deeper than {MAX_HIERARCHY_DEPTH} levels (at {qualified}): "
                "the ancestors beyond are not followed",
            )
            return (qualified,)
        sequences = [list(self.mro(base, depth + 1)) for base in self.bases(qualified)]
        sequences.append(list(self.bases(qualified)))
        result = [qualified]
        while True:
            sequences = [seq for seq in sequences if seq]
            if not sequences:
                break
            for seq in sequences:
                head = seq[0]
                if not any(head in other[1:] for other in sequences):
                    break
            else:
                head = sequences[0][0]  # inconsistent: fall back to first-seen order
            result.append(head)
            for seq in sequences:
                if seq and seq[0] == head:
                    del seq[0]
        linear = tuple(dict.fromkeys(result))
        self._mro_cache[qualified] = linear
        return linear

    def is_subclass(self, qualified: str, ancestors: frozenset[str]) -> bool:
        return any(name in ancestors for name in self.mro(qualified))

    def find_method(
        self, class_qualified: str, method: str, start_after: str | None = None
    ) -> str | None:
        """Qualified name of `method` as found along the MRO (project classes only), or
        None. `start_after` implements `super()`."""
        skipping = start_after is not None
        for klass in self.mro(class_qualified):
            if skipping:
                skipping = klass != start_after
                continue
            entry = self.classes.get(klass)
            if entry is not None and method in entry[1].methods:
                return f"{klass}.{method}"
        return None

    def class_attribute(self, class_qualified: str, name: str) -> tuple[ModuleInfo, Expr] | None:
        for klass in self.mro(class_qualified):
            entry = self.classes.get(klass)
            if entry is None:
                continue
            for attribute, value in entry[1].attributes:
                if attribute == name:
                    return entry[0], value
        return None

    def iter_functions(self) -> Iterator[tuple[str, ModuleInfo, FunctionFacts]]:
        """The project's own functions (installed modules parsed on demand are not listed:
        what they hold depends on what the analysis happened to reach)."""
        for qualified, (info, function) in list(self.functions.items()):
            if info.name in self.project_modules:
                yield qualified, info, function

    def project_classes(self) -> list[str]:
        return [q for q, (info, _) in self.classes.items() if info.name in self.project_modules]
