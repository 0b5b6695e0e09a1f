"""The result model: frozen, plain dataclasses that every stage after analysis receives.

Reporters and codemods read only these types; nothing downstream sees the AST. `to_dict`
turns any of them into JSON-ready data whose shape is versioned by `SCHEMA_VERSION`.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any, cast

from advisor import rules

SCHEMA_VERSION = "1.0"

# Where the scan followed calls into an installed package (advisor/installed.py), a
# location's path is the file's path inside its site-packages under this prefix
# (`site-packages/social_core/actions.py`), never the scanning machine's absolute path.
# The scan skips `site-packages/` folders of the project (advisor/files.py), so the prefix
# never names a project file: reporters show such a location but do not link or excerpt it.
INSTALLED_PREFIX = "site-packages/"


def in_installed_package(path: str) -> bool:
    """Whether `path` (a Location's) is in an installed package, not the project."""
    return path.startswith(INSTALLED_PREFIX)


class EffectKind(enum.StrEnum):
    HTTP = "http"
    DB = "db"
    CACHE = "cache"
    FILESYSTEM = "filesystem"
    SUBPROCESS = "subprocess"
    SLEEP = "sleep"
    EMAIL = "email"
    NETWORK = "network"
    TEMPLATE = "template"
    CPU = "cpu"
    TRANSACTION = "transaction"
    THREAD_LOCAL = "thread_local"
    AWAITABLE = "awaitable"
    STREAMING = "streaming"


class Trigger(enum.StrEnum):
    """What in the code sets an effect off (a later stage never decodes it from `call`)."""

    CALL = "call"
    ITERATION = "iteration"  # `for row in qs`, `async for`
    TRUTH_TEST = "truth_test"  # `if qs:`
    INDEX = "index"  # `qs[0]`
    MEMBERSHIP = "membership"  # `x in qs`
    RENDER = "render"  # a lazy queryset in a template context
    RELATED_READ = "related_read"  # `order.customer` loading a foreign key
    ATTRIBUTE = "attribute"  # `request.user`, `request.session`


class Confidence(enum.StrEnum):
    OBSERVED = "observed"  # seen in the project's own test run, not found in the code
    EXACT = "exact"
    HEURISTIC = "heuristic"
    GUESSED = "guessed"


class ViewKind(enum.StrEnum):
    FUNCTION = "function"
    CLASS = "class"
    GENERIC_CLASS = "generic_class"
    DRF_API = "drf_api"
    DRF_VIEWSET = "drf_viewset"
    ADMIN = "admin"
    EXTERNAL = "external"


class Category(enum.StrEnum):
    STRONG = "strong candidate"
    NEEDS_WORK = "candidate (needs work)"
    LITTLE = "little benefit"
    KEEP_SYNC = "keep sync"
    ALREADY_ASYNC = "already async"
    ASYNC_BLOCKING = "async but blocking"


# Best first: the order used to rank categories in reports.
CATEGORY_ORDER: tuple[Category, ...] = (
    Category.ASYNC_BLOCKING,
    Category.STRONG,
    Category.NEEDS_WORK,
    Category.LITTLE,
    Category.ALREADY_ASYNC,
    Category.KEEP_SYNC,
)


@dataclass(frozen=True, slots=True)
class Location:
    """A place in the scanned project: path relative to the root, 1-based line, 0-based
    character column (not byte offset, so libcst positions match)."""

    path: str
    line: int
    column: int = 0
    end_line: int | None = None
    end_column: int | None = None

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"

    @property
    def installed(self) -> bool:
        """In an installed package the scan followed (see INSTALLED_PREFIX)."""
        return in_installed_package(self.path)


@dataclass(frozen=True, slots=True)
class ChainLink:
    """One hop of the evidence chain: `function` calls the next hop at `location`."""

    function: str
    location: Location


@dataclass(frozen=True, slots=True)
class Effect:
    kind: EffectKind
    call: str
    location: Location
    chain: tuple[ChainLink, ...]
    detail: str
    latency_class: str
    estimated_ms: float
    multiplier: int = 1
    in_loop: bool = False
    confidence: Confidence = Confidence.EXACT
    blocking: bool = True
    awaited: bool = False
    async_alternative: str | None = None
    alternative_since: str | None = None
    in_transaction: bool = False
    # What the call acts on, when it matters to a rewrite: the template context key that
    # holds a lazy queryset, the variable iterated over.
    subject: str | None = None
    # The rewrite the codemods would apply to the call itself (e.g. "orm_method", "http_client").
    rewrite: str | None = None
    # Where the call sits among exclusive branches along its chain, outermost first: one
    # "group=arm" per if/else, early return, try/except or match (advisor.timemodel).
    branches: tuple[str, ...] = ()
    # What the estimate assumed where the code does not say: a loop's bound, an input's size.
    assumptions: tuple[str, ...] = ()
    trigger: Trigger = Trigger.CALL

    @property
    def direct(self) -> bool:
        """True when the call sits in the view's own body, not in a helper it calls."""
        return len(self.chain) <= 1


@dataclass(frozen=True, slots=True)
class UnknownCall:
    expression: str
    location: Location
    reason: str


@dataclass(frozen=True, slots=True)
class Blocker:
    id: str
    message: str
    advice: str
    severity: str = "blocker"  # "blocker" stops a clean conversion; "cost" only adds work
    location: Location | None = None
    rule: str = ""  # the rule code (advisor/rules.py), filled in from `id`

    def __post_init__(self) -> None:
        if not self.rule:
            found = rules.blocker_rule(self.id)
            object.__setattr__(self, "rule", found.code if found else "")


@dataclass(frozen=True, slots=True)
class Capacity:
    """Requests per second one worker serves for this view: sync (a pool of
    `worker_threads`, each held for a whole request) against async (one event loop, held
    only while it runs Python), with `concurrency` requests in flight and outbound HTTP
    taking `upstream_ms`. Both are also bound by the process's CPU (one GIL)."""

    worker_threads: int
    concurrency: int
    upstream_ms: float
    sync_held_ms: float  # thread time a sync request holds: all of it
    async_loop_ms: float  # event-loop time an async request holds: CPU and blocking calls
    async_thread_ms: float  # thread time an async request still needs (sync_to_async)
    sync_cpu_ms: float  # process CPU per request, sync (one GIL bounds both modes)
    async_cpu_ms: float  # process CPU per request, async: ASGI and thread hops on top
    sync_rps: float
    async_rps: float  # as `advisor rewrite` leaves it: awaits in order
    gathered_rps: float  # with independent outbound calls gathered (rewrite --gather)
    ratio: float  # async_rps / sync_rps: > 1 is more requests per worker
    gathered_ratio: float
    sync_bound: str  # what limits sync: "threads" or "cpu"
    async_bound: str  # what limits async: "concurrency", "event loop", "threads" or "cpu"


@dataclass(frozen=True, slots=True)
class Score:
    value: int
    category: Category
    estimated_io_ms: float
    estimated_cpu_ms: float
    overlap_ms: float
    thread_ms: float
    blocking_ms: float
    predicted_sync_ms: float
    predicted_async_ms: float
    # The async latency if independent outbound calls ran together (advisor rewrite --gather).
    predicted_gathered_ms: float
    blockers: tuple[Blocker, ...]
    reasons: tuple[str, ...]
    capacity: Capacity
    rule: str = ""  # the category's rule code (advisor/rules.py), filled in from `category`

    def __post_init__(self) -> None:
        if not self.rule:
            object.__setattr__(self, "rule", rules.category_rule(self.category).code)


@dataclass(frozen=True, slots=True)
class BoundAttribute:
    """What a route binds on its view instance: `as_view(client_class=PayPalClient)`
    (Django's initkwargs, DRF's too) or a factory-made closure that stores a class it holds
    (`self.adapter = adapter(request)`). The analysis types `self.<attribute>` from it."""

    attribute: str
    value: str  # qualified name of the class or function
    kind: str  # "class" (the class object), "instance" (an instance of it) or "function"


@dataclass(frozen=True, slots=True)
class Route:
    pattern: str
    name: str | None
    location: Location | None
    methods: tuple[str, ...] = ()
    action: str | None = None
    observed: ObservedRoute | None = None  # what the test run saw through this route
    bindings: tuple[BoundAttribute, ...] = ()


@dataclass(frozen=True, slots=True)
class ObservedRoute:
    """Requests the project's test run sent through one route (`advisor observe`)."""

    requests: int
    sql_per_request: float
    http_per_request: float


@dataclass(frozen=True, slots=True)
class FrameworkRoute:
    """A route served by framework code (the admin, DRF's API root, auth views): listed so
    the route table is complete, never scored as project code."""

    group: str
    pattern: str
    name: str | None
    target: str
    location: Location | None = None


@dataclass(frozen=True, slots=True)
class Handler:
    name: str
    is_async: bool
    location: Location
    defined_in: str


@dataclass(frozen=True, slots=True)
class ObservedSite:
    """One place where the project's own test run saw an effect: the innermost project frame
    and the chain of project frames that led there (outermost first)."""

    kind: str  # "db" or "http"
    count: int
    chain: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Observed:
    """What a view really did in the project's test run (`advisor observe`), per request."""

    requests: int
    direct_calls: int  # called with a RequestFactory request, not through the URL resolver
    sql_per_request: float
    sql_ms_per_request: float
    http_per_request: float
    http_ms_per_request: float
    sites: tuple[ObservedSite, ...] = ()
    disagreements: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Traffic:
    """How often the view is hit (`advisor scan --traffic FILE`) and what that frees: the
    worker time it releases per request times its requests per minute."""

    requests_per_minute: float
    freed_ms_per_minute: float
    source: str  # "csv" or "access log"


@dataclass(frozen=True, slots=True)
class View:
    id: str
    location: Location
    kind: ViewKind
    routes: tuple[Route, ...] = ()
    handlers: tuple[Handler, ...] = ()
    decorators: tuple[str, ...] = ()
    bases: tuple[str, ...] = ()
    is_async: bool = False
    routed: bool = True
    effects: tuple[Effect, ...] = ()
    unknown_calls: tuple[UnknownCall, ...] = ()
    score: Score | None = None
    observed: Observed | None = None
    # Rule codes a `# advisor: ignore[...]` comment on the view turns off (advisor/rules.py).
    suppressed: tuple[str, ...] = ()
    traffic: Traffic | None = None

    @property
    def app(self) -> str:
        return self.id.split(".", 1)[0]


@dataclass(frozen=True, slots=True)
class Finding:
    """Something the user should know that is not a view: an unresolvable include, a
    sync-only middleware, a file that could not be read."""

    kind: str
    message: str
    location: Location | None = None


@dataclass(frozen=True, slots=True)
class ParseError:
    path: str
    line: int
    message: str


@dataclass(frozen=True, slots=True)
class MiddlewareInfo:
    path: str
    status: str  # "hybrid", "async", "sync-only", "unknown"
    note: str
    location: Location | None = None


@dataclass(frozen=True, slots=True)
class ProjectFacts:
    # The scanned folder relative to its repository root (the git work tree holding it), in
    # POSIX form; "." when it is that root, or when it is in no repository (`in_repository`
    # False), where "." is the scanned folder itself. Never an absolute path: reports are
    # shared, and file paths elsewhere in the model are relative to this folder.
    root: str
    settings_module: str | None
    root_urlconf: str | None
    django_version: str | None
    django_version_source: str | None
    asgi_application: str | None
    asgi_entry_points: tuple[str, ...]
    asgi_servers: tuple[str, ...]
    middleware: tuple[MiddlewareInfo, ...]
    database_engines: tuple[str, ...]
    conn_max_age: str | None
    atomic_requests: bool
    uses_drf: bool
    uses_adrf: bool
    # AUTHENTICATION_BACKENDS entries not shown to provide aget_user(): request.auser() and
    # the async path of login_required would fail with them (readiness.py).
    auth_backends_without_aget_user: tuple[str, ...] = ()
    name: str = ""  # the scanned folder's own name, for titles
    in_repository: bool = False


@dataclass(frozen=True, slots=True)
class SourceExcerpt:
    """Lines of a scanned file around evidence, as they were when scanned (excerpts.py):
    `lines[0]` is line `first_line` of `path` (relative to the project root)."""

    path: str
    first_line: int
    lines: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ScanStats:
    files: int
    lines: int
    functions: int
    classes: int
    cached_files: int = 0


@dataclass(frozen=True, slots=True)
class FollowedLibrary:
    """An installed package whose source the analysis followed calls into."""

    name: str  # the top-level import name (`social_core`)
    version: str | None  # from its .dist-info, when found
    modules: int  # how many of its modules were parsed (only those reached)


@dataclass(frozen=True, slots=True)
class InstalledCode:
    """The project's environment, and what of it the scan read."""

    python: str
    source: str  # how it was found: "--python", "VIRTUAL_ENV", ".venv"
    followed: tuple[FollowedLibrary, ...] = ()


@dataclass(frozen=True, slots=True)
class ScanResult:
    tool_version: str
    project: ProjectFacts
    views: tuple[View, ...]
    findings: tuple[Finding, ...]
    parse_errors: tuple[ParseError, ...]
    stats: ScanStats
    framework_routes: tuple[FrameworkRoute, ...] = ()
    timings: dict[str, float] = field(default_factory=dict)
    excerpts: tuple[SourceExcerpt, ...] = ()
    schema_version: str = SCHEMA_VERSION
    # None: no project environment known, calls into installed packages were not followed.
    installed: InstalledCode | None = None

    @property
    def routed_views(self) -> tuple[View, ...]:
        return tuple(view for view in self.views if view.routed)

    def view(self, view_id: str) -> View | None:
        for view in self.views:
            if view.id == view_id:
                return view
        return None


@functools.cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


def to_dict(value: Any) -> Any:
    """JSON-ready data for any model object; enums become their values. Field names are
    looked up once per class: `dataclasses.fields` per object cost most of a warm scan's
    JSON report on ~100k model objects."""
    cls = type(value)
    if cls is str or cls is int or cls is float or cls is bool or value is None:
        return value
    if cls is tuple or cls is list:
        return [to_dict(item) for item in value]
    if hasattr(cls, "__dataclass_fields__"):
        return {name: to_dict(getattr(value, name)) for name in _field_names(cast(Hashable, cls))}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (list, tuple)):
        return [to_dict(item) for item in value]
    if isinstance(value, dict):
        return {str(key): to_dict(item) for key, item in value.items()}
    return value
