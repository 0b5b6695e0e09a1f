"""CPU work priced by its input: hashing or compressing a short literal costs about nothing,
an input whose size the code does not state is a stated assumption (advisor.timemodel)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from advisor import timemodel
from advisor.catalog import CatalogRow
from advisor.config import Settings
from advisor.facts import Attr, BinOp, Call, CallSite, Const, Expr, FString, Name, Opaque
from advisor.model import EffectKind
from advisor.values import Context


class InputSizes:
    """The size of a CPU-bound call's input, where the code makes it static."""

    if TYPE_CHECKING:
        # Defined by the other parts of EffectAnalyzer (advisor/effects.py).
        settings: Settings

        def string_value(self, expr: Expr, context: Context, depth: int = 0) -> str | None:
            raise NotImplementedError

        def _constant_number(self, expr: Expr, context: Context) -> float | None:
            raise NotImplementedError

    def _cpu_estimate(
        self, row: CatalogRow, name: str, call: CallSite, context: Context
    ) -> tuple[float | None, str | None, tuple[str, ...]]:
        """(ms, detail, assumptions) of a CPU-bound call; nothing for other rows (their
        catalog latency stands)."""
        if row.kind != EffectKind.CPU:
            return None, None, ()
        cost = timemodel.cpu_cost(
            name,
            lambda: self._input_bytes(call.args[0], context) if call.args else None,
            self.settings.latency(row.latency),
        )
        detail = f"{row.note}, {cost.detail}" if cost.detail else None
        return cost.ms, detail, ((cost.assumption,) if cost.assumption else ())

    def _input_bytes(self, expr: Expr, context: Context) -> int | None:
        """The size in bytes of a call's input when the code makes it static: a literal, a
        name bound to one, `"...".encode()`, an f-string of literals."""
        if isinstance(expr, Opaque) and expr.what.startswith("bytes["):
            return int(expr.what[6:-1])
        if isinstance(expr, Call) and not expr.args:
            if isinstance(expr.func, Attr) and expr.func.attr == "encode":
                return self._input_bytes(expr.func.value, context)
            if isinstance(expr.func, Name) and expr.func.dotted.endswith(".encode"):
                return self._input_bytes(Name(expr.func.dotted.removesuffix(".encode")), context)
            return None
        if isinstance(expr, FString):
            sizes = [self._input_bytes(part, context) for part in expr.parts]
            return None if None in sizes else sum(s or 0 for s in sizes)
        if isinstance(expr, BinOp) and expr.op in ("Add", "Mult"):
            left = self._input_bytes(expr.left, context)
            if expr.op == "Add":
                right = self._input_bytes(expr.right, context)
                return None if left is None or right is None else left + right
            times = self._constant_number(expr.right, context)
            return None if left is None or times is None else left * max(0, int(times))
        if isinstance(expr, Const | Name):
            text = self.string_value(expr, context)
            return len(text.encode()) if text is not None else None
        return None
