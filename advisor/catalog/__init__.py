"""The effect catalog: rows of qualified names with what calling them costs, kept as data.

One module per effect family (`http.py`, `database.py`, …), each exporting `ROWS`. Adding a
family means adding a file; `load_catalog` finds it by walking this package. Users add rows
for their own wrappers with `[[tool.advisor.effects]]`.
"""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
from dataclasses import dataclass

from advisor.config import Settings
from advisor.model import EffectKind


@dataclass(frozen=True, slots=True)
class CatalogRow:
    pattern: str  # a qualified name, or a prefix ending in ".*"
    kind: EffectKind
    latency: str  # a latency class from config.DEFAULT_LATENCIES_MS
    note: str
    async_alternative: str | None = None
    since: str | None = None  # the Django version that added the alternative
    blocking: bool = True  # False: awaitable, or only builds something lazy
    rewrite: str | None = None  # the codemod rewrite that handles this call
    returns: str | None = None  # the type a call returns (constructors, factories)
    family: str = ""


class Catalog:
    def __init__(self, rows: list[CatalogRow]) -> None:
        self.rows = tuple(rows)
        self._exact: dict[str, CatalogRow] = {}
        self._prefixes: list[tuple[str, CatalogRow]] = []
        for row in rows:  # later rows (user rows) win
            if row.pattern.endswith(".*"):
                self._prefixes.append((row.pattern[:-1], row))
            else:
                self._exact[row.pattern] = row
        self._prefixes.sort(key=lambda item: -len(item[0]))

    def match(self, qualified: str) -> CatalogRow | None:
        row = self._exact.get(qualified)
        if row is not None:
            return row
        for prefix, row in self._prefixes:
            if qualified.startswith(prefix):
                return row
        return None

    def families(self) -> tuple[str, ...]:
        return tuple(sorted({row.family for row in self.rows}))


def family_modules() -> list[str]:
    return sorted(info.name for info in pkgutil.iter_modules(__path__) if not info.ispkg)


def load_catalog(settings: Settings) -> Catalog:
    rows: list[CatalogRow] = []
    for name in family_modules():
        module = importlib.import_module(f"{__name__}.{name}")
        for row in module.ROWS:
            rows.append(dataclasses.replace(row, family=name))
    for extra in settings.extra_effects:
        try:
            kind = EffectKind(extra.kind)
        except ValueError:
            known = ", ".join(k.value for k in EffectKind)
            raise ValueError(
                f"[tool.advisor.effects] {extra.call}: unknown kind {extra.kind!r} ({known})"
            ) from None
        default_latency = {
            EffectKind.HTTP: "external_http",
            EffectKind.DB: "db_query",
            EffectKind.CACHE: "cache",
            EffectKind.SLEEP: "sleep",
            EffectKind.EMAIL: "email",
            EffectKind.CPU: "cpu",
        }
        rows.append(
            CatalogRow(
                extra.call,
                kind,
                extra.latency or default_latency.get(kind, "network"),
                extra.note,
                extra.async_alternative,
                family="tool.advisor",
                rewrite="sync_to_async",
            )
        )
    return Catalog(rows)
