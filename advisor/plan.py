"""The rewrite plan: the types `advisor rewrite` plans with and the codemods carry out
(which view, which node at which position, which codemod, in which mode for the target
Django), and what comes back per view and per file. Plain frozen data, shared by both
sides so that neither imports the other's internals.
"""

from __future__ import annotations

from dataclasses import dataclass

from advisor import django_api
from advisor.model import Effect, Location, View

CHANGED, SKIPPED, FAILED = "changed", "skipped", "failed"


@dataclass(frozen=True, slots=True)
class Target:
    """What the rewritten code must run on, and the options that change the output."""

    django_version: str
    gather: bool = False
    # AUTHENTICATION_BACKENDS entries without aget_user (advisor/policy.py): the
    # async user APIs (request.auser(), async login_required) would fail with them.
    sync_only_auth_backends: tuple[str, ...] = ()
    # The async HTTP client blocking requests calls become: "httpx" (httpx.AsyncClient),
    # "niquests" (niquests.AsyncSession, requests' own API kept) or "aiohttp"
    # (aiohttp.ClientSession, each response read inside its own `async with`).
    http_client: str = "httpx"

    def has(self, since: str | None) -> bool:
        """True when the target Django has an API added in `since`."""
        return django_api.version_at_least(self.django_version, since)


@dataclass(frozen=True, slots=True)
class Step:
    """One change the plan asks for, located with the scan's coordinates.

    `node` names what `location` points at: "function" / "class" (their `def`/`class`
    line), "call", "iteration" (a `for` statement, or the iterable of a comprehension),
    "attribute", "expression" (a truth test) or "comparison".
    """

    codemod: str
    view_id: str
    location: Location
    node: str
    # Qualified name of the function the node sits in (the view, a handler, a generator).
    function: str = ""
    # "native" uses the async API of the target Django; "sync_to_async" runs the sync call
    # in a thread (older Django, or no async API at all).
    mode: str = "native"
    # Codemod-specific: the async method or function to call instead ("aget",
    # "django.shortcuts.aget_object_or_404"), the handler names of a class…
    name: str = ""
    effect: Effect | None = None


@dataclass(frozen=True, slots=True)
class ViewPlan:
    view: View
    steps: tuple[Step, ...]


@dataclass(frozen=True, slots=True)
class ViewResult:
    view_id: str
    status: str  # CHANGED, SKIPPED or FAILED
    reason: str = ""
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FileResult:
    path: str
    before: bytes
    after: bytes
    views: tuple[ViewResult, ...]
