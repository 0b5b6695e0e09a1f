"""Signals: `signal.send()` and a model's `save()`/`delete()` run every project receiver
connected for the sender (`@receiver`, `.connect`)
(https://docs.djangoproject.com/en/stable/topics/signals/)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from advisor import django_api
from advisor.facts import Call, CallSite, Expr, Name, Seq
from advisor.index import ModuleInfo, ProjectIndex
from advisor.values import UNKNOWN, Context, Kind, T


class Signals:
    """The project receivers a call runs."""

    if TYPE_CHECKING:
        # Defined by the other parts of EffectAnalyzer (advisor/effects.py).
        _receivers: dict[str, list[tuple[str, str | None]]] | None
        index: ProjectIndex

        def evaluate(self, expr: Expr, context: Context, depth: int = 0) -> T:
            raise NotImplementedError

    def receivers(self, signal: str) -> list[tuple[str, str | None]]:
        """The project functions connected to `signal` (a qualified name), each with the
        sender it was connected for (None: any sender)."""
        if self._receivers is None:
            found: dict[str, list[tuple[str, str | None]]] = {}
            for qualified, info, function in self.index.iter_functions():
                for decorator in function.decorators:
                    if not isinstance(decorator, Call) or not decorator.args:
                        continue
                    name = self.index.resolve_expr(info.name, decorator.func)
                    if name not in django_api.SIGNAL_RECEIVER_DECORATORS:
                        continue
                    signals = decorator.args[0]
                    named = signals.items if isinstance(signals, Seq) else (signals,)
                    sender = self._sender(info.name, decorator.kwarg("sender"))
                    for item in named:
                        target = self.index.resolve_expr(info.name, item)
                        if target is not None:
                            found.setdefault(target, []).append((qualified, sender))
                if function.mentions("connect"):  # else its body need not be extracted
                    for call in function.calls:
                        self._connection(info, call.func, call.args, call.kwargs, found)
            project = self.index.project_modules
            for info in [i for i in self.index.modules.values() if i.name in project]:
                for statement in info.facts.statements:
                    value = statement.value
                    if statement.kind == "call" and isinstance(value, Call):
                        self._connection(info, value.func, value.args, value.kwargs, found)
            self._receivers = found
        return self._receivers.get(signal, [])

    def _sender(self, module: str, expr: Expr | None) -> str | None:
        return self.index.resolve_expr(module, expr) if expr is not None else None

    def _connection(
        self,
        info: ModuleInfo,
        func: Expr,
        args: tuple[Expr, ...],
        kwargs: tuple[tuple[str | None, Expr], ...],
        found: dict[str, list[tuple[str, str | None]]],
    ) -> None:
        """`post_save.connect(handler, sender=Order)`, module level or in AppConfig.ready()."""
        if not isinstance(func, Name) or not func.dotted.endswith(".connect") or not args:
            return
        signal = self.index.resolve(info.name, func.dotted.removesuffix(".connect"))
        handler = self.index.resolve_expr(info.name, args[0])
        if signal is None or handler is None or handler not in self.index.functions:
            return
        sender = next((self._sender(info.name, v) for k, v in kwargs if k == "sender"), None)
        found.setdefault(signal, []).append((handler, sender))

    def _model_signal_receivers(self, callee: T) -> list[str]:
        """`order.save()` sends pre_save/post_save for Order: the receivers connected for
        it (or for any sender) run inside the call."""
        signals = django_api.MODEL_SIGNALS.get(callee.name) if callee.kind == Kind.BOUND else None
        if not signals or not callee.model:
            return []
        return [
            receiver
            for signal in signals
            for receiver, wanted in self.receivers(signal)
            if wanted is None or wanted == callee.model
        ]

    def _signal_receivers(self, call: CallSite, context: Context) -> list[str]:
        """`order_paid.send(sender=Order, ...)` runs the receivers connected for that sender."""
        func = call.func
        if not isinstance(func, Name) or "." not in func.dotted:
            return []
        prefix, _, method = func.dotted.rpartition(".")
        if method not in django_api.SIGNAL_SEND_METHODS:
            return []
        signal = self.index.resolve(context.info.name, prefix)
        if signal is None:
            return []
        sent = call.args[0] if call.args else None
        for keyword, value in call.kwargs:
            if keyword == "sender":
                sent = value
        sender = self.evaluate(sent, context) if sent is not None else UNKNOWN
        sender_class = sender.name if sender.kind in (Kind.CLASS, Kind.MODEL_CLASS) else None
        return [
            receiver
            for receiver, wanted in self.receivers(signal)
            if wanted is None or sender_class is None or wanted == sender_class
        ]
