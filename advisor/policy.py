"""The conversion policy: what stands in the way of making a view async, from which Django
version, and with what outcome. The score (a blocker or a cost) and the rewrite (skip or
convert) both read these rows, so they cannot disagree. Django facts come from
`django_api` (../shared/django-async-api.md §2 decorators, §4.5 class-based views, §1.5
`aget_user`).

Outcomes: BLOCKS — the rewrite skips the view and the score counts a blocker; CONVERTS —
the rewrite carries it out and the score counts a cost (an edit); ALLOWED — nothing to do.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from advisor import django_api
from advisor.model import Location, View, ViewKind


class Outcome(enum.Enum):
    BLOCKS = "blocks"
    CONVERTS = "converts"
    ALLOWED = "allowed"


@dataclass(frozen=True, slots=True)
class PolicyRow:
    """One thing a view can have (`what`: a qualified name, or a shape such as a generic
    class-based view), `outcome` from Django `since` on (None: every version) and `before`
    it."""

    what: str
    subject: str  # "view kind", "mixin", "decorator", "class decorator", "class handlers"
    rule: str  # the blocker id reports show
    since: str | None
    outcome: Outcome
    before: Outcome = Outcome.BLOCKS
    note: str = ""

    def outcome_at(self, version: str | None) -> Outcome:
        if self.since is None:
            return self.outcome
        return self.outcome if django_api.version_at_least(version, self.since) else self.before


@dataclass(frozen=True, slots=True)
class Decision:
    """What one row says about one view: the message names it, the advice says what to do."""

    rule: str
    outcome: Outcome
    message: str
    advice: str
    location: Location | None = None
    what: str = ""

    @property
    def reason(self) -> str:
        """The whole sentence, as the rewrite's summary gives it."""
        return f"{self.message}: {self.advice}" if self.advice else self.message


LOGIN_REQUIRED = "django.contrib.auth.mixins.LoginRequiredMixin"
# Async handlers on View subclasses (§4.5).
ASYNC_CLASS_HANDLERS_SINCE = "4.1"
# LoginRequiredMixin becomes @method_decorator(login_required) on the async handlers;
# method_decorator keeps a coroutine function a coroutine function only from 5.2.
METHOD_DECORATOR_ASYNC_SINCE = "5.2"
# View decorators whose async path (5.1+) awaits request.auser().
AUSER_DECORATORS = frozenset(
    {
        *(
            f"django.contrib.auth.decorators.{name}"
            for name in ("login_required", "permission_required", "user_passes_test")
        ),
        "django.contrib.admin.views.decorators.staff_member_required",
    }
)
UNKNOWN_DECORATOR = "unknown decorator"
GENERIC_VIEW = "generic class-based view"
DRF_VIEW = "DRF view"

ROWS: tuple[PolicyRow, ...] = (
    PolicyRow(GENERIC_VIEW, "view kind", "generic-cbv", None, Outcome.BLOCKS),
    PolicyRow(DRF_VIEW, "view kind", "drf", None, Outcome.BLOCKS),
    PolicyRow("rest_framework.decorators.api_view", "decorator", "drf", None, Outcome.BLOCKS),
    PolicyRow(
        "class-based view handlers",
        "class handlers",
        "class-handlers",
        ASYNC_CLASS_HANDLERS_SINCE,
        Outcome.ALLOWED,
    ),
    PolicyRow(
        LOGIN_REQUIRED,
        "mixin",
        "auth-mixin",
        METHOD_DECORATOR_ASYNC_SINCE,
        Outcome.CONVERTS,
        note="LoginRequiredMixin → @method_decorator(login_required) on the handlers",
    ),
    *(
        PolicyRow(mixin, "mixin", "auth-mixin", None, Outcome.BLOCKS)
        for mixin in sorted(django_api.AUTH_MIXINS - {LOGIN_REQUIRED})
    ),
    *(
        PolicyRow(
            name,
            "decorator",
            "transaction" if name == "django.db.transaction.atomic" else "decorator",
            support.since,
            Outcome.ALLOWED if support.since is not None else Outcome.BLOCKS,
            note=support.note,
        )
        for name, support in sorted(django_api.VIEW_DECORATORS.items())
    ),
    PolicyRow(UNKNOWN_DECORATOR, "decorator", "decorator", None, Outcome.BLOCKS),
    PolicyRow("any class decorator", "class decorator", "decorator", None, Outcome.BLOCKS),
)
_BY_WHAT = {row.what: row for row in ROWS}


def row_for(what: str) -> PolicyRow:
    return _BY_WHAT.get(what) or _BY_WHAT[UNKNOWN_DECORATOR]


def why_not_auser(backends: tuple[str, ...]) -> str:
    """The reason to give when the async user APIs cannot be used."""
    return (
        f"{backends[0]} in AUTHENTICATION_BACKENDS has no aget_user() (it does not "
        "subclass django.contrib.auth.backends.BaseBackend), so request.auser() would "
        "raise AttributeError"
    )


def _short(qualified: str) -> str:
    return qualified.rsplit(".", 1)[-1]


def _version_text(version: str | None) -> str:
    return f" (target {version})" if version else ""


def decide(
    view: View,
    version: str | None,
    sync_only_auth_backends: tuple[str, ...] = (),
    mro: tuple[str, ...] = (),
) -> tuple[Decision, ...]:
    """Every policy row that applies to `view` on Django `version`, in the order a user
    should deal with them. `mro` is the view class's resolved bases (the scan's index);
    the rewrite, which has no index, passes the bases the view lists."""
    bases = set(mro) | set(view.bases)
    found: list[Decision] = []
    where = view.location
    if view.kind == ViewKind.GENERIC_CLASS:
        generic = next((b for b in view.bases if b in django_api.GENERIC_VIEWS), "")
        found.append(
            Decision(
                "generic-cbv",
                Outcome.BLOCKS,
                f"it is a {_short(generic) if generic else 'generic view'}, and Django's generic "
                "class-based views have no async support in any version",
                "rewrite it as a plain View with async handlers, or keep it sync",
                where,
                GENERIC_VIEW,
            )
        )
    if view.kind in (ViewKind.DRF_API, ViewKind.DRF_VIEWSET) and not (
        bases & django_api.ADRF_CLASSES
    ):
        found.append(
            Decision(
                "drf",
                Outcome.BLOCKS,
                "DRF views are sync-only",
                "use adrf (adrf.views.APIView, adrf.viewsets.ViewSet, "
                "adrf.decorators.api_view) or a plain async Django view",
                where,
                DRF_VIEW,
            )
        )
    if view.kind in (ViewKind.CLASS, ViewKind.GENERIC_CLASS):
        found.extend(_class_decisions(view, version, sync_only_auth_backends, bases))
    else:
        for decorator in view.decorators:
            found.extend(_decorator_decisions(view, decorator, version, sync_only_auth_backends))
    return tuple(found)


def _decorator_decisions(
    view: View, decorator: str, version: str | None, backends: tuple[str, ...]
) -> list[Decision]:
    row = row_for(decorator)
    name = _short(decorator)
    where = view.location
    if row.what == "rest_framework.decorators.api_view":
        return [
            Decision(
                "drf",
                Outcome.BLOCKS,
                "@api_view views are sync-only",
                "use adrf.decorators.api_view, or a plain async Django view",
                where,
                row.what,
            )
        ]
    if row.what == UNKNOWN_DECORATOR:
        return [
            Decision(
                "decorator",
                Outcome.BLOCKS,
                f"@{name} is not known to accept async views",
                "check that it awaits the view (asgiref.sync.iscoroutinefunction), then "
                "convert by hand",
                where,
                decorator,
            )
        ]
    if row.since is None:
        return [
            Decision(
                row.rule,
                Outcome.BLOCKS,
                f"@{name} does not accept async views ({row.note})",
                "remove or replace it first",
                where,
                decorator,
            )
        ]
    if row.outcome_at(version) == Outcome.BLOCKS:
        return [
            Decision(
                row.rule,
                Outcome.BLOCKS,
                f"@{name} accepts async views only from Django {row.since}"
                + _version_text(version),
                "upgrade, or drop it and do its check inside the view",
                where,
                decorator,
            )
        ]
    if decorator in AUSER_DECORATORS and backends:
        return [
            Decision(
                "auth-backend",
                Outcome.BLOCKS,
                f"@{name} on an async view awaits request.auser(); {why_not_auser(backends)}",
                "add aget_user to the backend (or subclass BaseBackend), or keep the view sync",
                where,
                decorator,
            )
        ]
    return [Decision(row.rule, Outcome.ALLOWED, f"@{name}", row.note, where, decorator)]


def _class_decisions(
    view: View, version: str | None, backends: tuple[str, ...], bases: set[str]
) -> list[Decision]:
    found: list[Decision] = []
    where = view.location
    handlers = row_for("class-based view handlers")
    if view.kind == ViewKind.CLASS and handlers.outcome_at(version) == Outcome.BLOCKS:
        found.append(
            Decision(
                handlers.rule,
                Outcome.BLOCKS,
                f"async handlers on class-based views need Django {handlers.since}"
                + _version_text(version),
                "upgrade, or keep the view sync",
                where,
                handlers.what,
            )
        )
    if view.decorators:
        found.append(
            Decision(
                "decorator",
                Outcome.BLOCKS,
                f"class decorator @{_short(view.decorators[0])}",
                "check it supports async handlers, then convert by hand",
                where,
                "any class decorator",
            )
        )
    for mixin in sorted(bases & django_api.AUTH_MIXINS):
        row = row_for(mixin)
        outcome = row.outcome_at(version)
        if outcome == Outcome.CONVERTS and backends:
            found.append(
                Decision(
                    "auth-backend",
                    Outcome.BLOCKS,
                    "LoginRequiredMixin would become @method_decorator(login_required), whose "
                    f"async path awaits request.auser(); {why_not_auser(backends)}",
                    "add aget_user to the backend, or keep the view sync",
                    where,
                    mixin,
                )
            )
        elif outcome == Outcome.CONVERTS:
            found.append(
                Decision(
                    "auth-mixin",
                    Outcome.CONVERTS,
                    f"{_short(mixin)} overrides dispatch() synchronously and fails with async "
                    "handlers",
                    "advisor rewrite replaces it with @method_decorator(login_required) on "
                    "the async handlers",
                    where,
                    mixin,
                )
            )
        elif row.since is not None:
            found.append(
                Decision(
                    "auth-mixin",
                    Outcome.BLOCKS,
                    f"{_short(mixin)} overrides dispatch() synchronously and fails with async "
                    "handlers; the replacement, @method_decorator(login_required) on async "
                    f"handlers, needs Django {row.since}" + _version_text(version),
                    "keep the view sync or check `await request.auser()` in the handler by hand",
                    where,
                    mixin,
                )
            )
        else:
            found.append(
                Decision(
                    "auth-mixin",
                    Outcome.BLOCKS,
                    f"{_short(mixin)} overrides dispatch() synchronously and fails with async "
                    "handlers",
                    "check the user in the async handler with `await request.auser()` (5.0+), "
                    "or keep the view sync",
                    where,
                    mixin,
                )
            )
    return found
