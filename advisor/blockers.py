"""What stands in the way of converting a view (blockers) and what converting it costs, each
with the advice a developer acts on. The conversion policy (advisor.policy) decides the
rewrite's refusals; this turns them, and what the effects show, into the score's list."""

from __future__ import annotations

from advisor import django_api, policy
from advisor.model import INSTALLED_PREFIX, Blocker, EffectKind, ProjectFacts, Trigger, View
from advisor.timemodel import AWAITABLE_KINDS, NO_ASYNC_API


def blockers_for(view: View, project: ProjectFacts, index_mro: tuple[str, ...]) -> list[Blocker]:
    version = project.django_version
    found: list[Blocker] = []
    if version is not None and not django_api.version_at_least(
        version, django_api.ASYNC_VIEWS_SINCE
    ):
        found.append(
            Blocker(
                "django-version",
                f"Django {version} has no async views (added in {django_api.ASYNC_VIEWS_SINCE})",
                f"upgrade to Django {django_api.ASYNC_VIEWS_SINCE}+ (4.1+ for the async ORM)",
                location=view.location,
            )
        )
    in_transaction = any(e.kind == EffectKind.TRANSACTION for e in view.effects)
    for decision in policy.decide(
        view, version, project.auth_backends_without_aget_user, index_mro
    ):
        if decision.outcome == policy.Outcome.ALLOWED:
            continue
        if decision.rule == "transaction" and in_transaction:
            continue  # the transaction blocker below says it, with its advice
        advice = decision.advice
        if decision.rule == "drf" and not project.uses_adrf:
            advice += "; adrf is not in the project yet"
        found.append(
            Blocker(
                decision.rule,
                decision.message,
                advice,
                severity="blocker" if decision.outcome == policy.Outcome.BLOCKS else "cost",
                location=decision.location,
            )
        )
    if project.atomic_requests:
        found.append(
            Blocker(
                "atomic-requests",
                "ATOMIC_REQUESTS is on: Django raises RuntimeError for any async view",
                "turn it off or mark the view @transaction.non_atomic_requests",
            )
        )
    transaction_effects = [e for e in view.effects if e.kind == EffectKind.TRANSACTION]
    if transaction_effects:
        awaitable_inside = any(e.in_transaction and e.kind in AWAITABLE_KINDS for e in view.effects)
        found.append(
            Blocker(
                "transaction",
                "transaction.atomic cannot be entered from async code"
                + (" and it wraps outbound I/O" if awaitable_inside else ""),
                "move the transactional block into a sync function and await "
                "sync_to_async(fn)()"
                + (
                    "; better, make the external call outside the transaction"
                    if awaitable_inside
                    else ""
                ),
                location=transaction_effects[0].location,
            )
        )
    library = sorted(
        {
            e.location.path.removeprefix(INSTALLED_PREFIX).partition("/")[0]
            for e in view.effects
            if e.kind in AWAITABLE_KINDS and e.location.installed
        }
    )
    if library and not view.is_async:
        # allauth's flows post to the provider with requests: converting the view leaves
        # that wait blocking in a thread, and the rewrite edits only the project's code.
        first = next(e for e in view.effects if e.kind in AWAITABLE_KINDS and e.location.installed)
        found.append(
            Blocker(
                "library-io",
                f"its outbound waits are inside {', '.join(library)} (installed), which "
                "does them synchronously: an async view still waits in a thread there",
                "call the service with an async client in the project's own code (or the "
                "library's async API, if it has one), then convert",
                location=first.chain[0].location if first.chain else view.location,
            )
        )
    for effect in view.effects:
        if effect.kind == EffectKind.THREAD_LOCAL:
            found.append(
                Blocker(
                    "thread-local",
                    "uses threading.local, shared by every request on the event loop",
                    "use contextvars.ContextVar",
                    location=effect.location,
                )
            )
        if effect.kind == EffectKind.STREAMING and effect.blocking:
            found.append(
                Blocker(
                    "sync-stream",
                    "StreamingHttpResponse is fed by a sync generator",
                    "make the generator async (async for over the queryset) so ASGI can stream "
                    "it without a thread",
                    location=effect.location,
                )
            )
    return found


def costs_for(view: View, project: ProjectFacts) -> list[Blocker]:
    costs: list[Blocker] = []
    renders = [e for e in view.effects if e.trigger == Trigger.RENDER]
    if renders:
        costs.append(
            Blocker(
                "lazy-render",
                f"{len(renders)} lazy queryset{'s' if len(renders) != 1 else ''} reach "
                "render(): they would raise "
                "SynchronousOnlyOperation in an async view",
                "evaluate them before rendering ([x async for x in qs]) or return a "
                "TemplateResponse",
                severity="cost",
                location=renders[0].location,
            )
        )
    user = [e for e in view.effects if e.call == "django.http.HttpRequest.user"]
    if user:
        has_auser = django_api.version_at_least(project.django_version, "5.0")
        costs.append(
            Blocker(
                "request-user",
                "request.user loads the user synchronously",
                "use await request.auser()" if has_auser else "wrap the access in sync_to_async",
                severity="cost",
                location=user[0].location,
            )
        )
    no_api = sorted({e.kind.value for e in view.effects if e.kind in NO_ASYNC_API})
    if no_api:
        costs.append(
            Blocker(
                "no-async-api",
                f"{', '.join(no_api)} has no async API: it stays in a thread",
                "await sync_to_async(...) around it, or move it to a task queue",
                severity="cost",
            )
        )
    cpu = [e for e in view.effects if e.kind == EffectKind.CPU]
    if cpu:
        costs.append(
            Blocker(
                "cpu",
                "CPU-heavy work would stall the event loop for every request",
                "keep it in a thread (sync_to_async) or a worker",
                severity="cost",
                location=cpu[0].location,
            )
        )
    return costs
