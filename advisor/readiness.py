"""Project readiness, read statically: settings module, Django version, ASGI entry point and
server, the middleware chain's async capability, database settings, DRF/adrf."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from advisor import django_api
from advisor.discovery.inputs import DEPENDENCY_FILES, LOCK_FILES
from advisor.discovery.inputs import dependency_paths as dependency_paths  # re-exported
from advisor.discovery.settings import DjangoSettings
from advisor.facts import Const, Name
from advisor.index import ProjectIndex
from advisor.model import Finding, Location, MiddlewareInfo, ProjectFacts


def _dependency_texts(root: Path) -> list[tuple[str, str]]:
    texts = []
    for candidate in root, root.parent:
        for name in DEPENDENCY_FILES:
            path = candidate / name
            if path.is_file():
                try:
                    # Named as seen from the scanned folder: `requirements.txt`, or
                    # `../requirements.txt` for the parent folder's.
                    texts.append(
                        (
                            name if candidate == root else f"../{name}",
                            path.read_text(encoding="utf-8", errors="replace"),
                        )
                    )
                except OSError:
                    continue
        if texts:
            break
    return texts


def detect_django_version(
    root: Path, explicit: str | None, explicit_source: str | None = None
) -> tuple[str | None, str | None]:
    if explicit:
        return explicit, explicit_source or "--django-version"
    for source, text in _dependency_texts(root):
        if source.endswith(LOCK_FILES):
            match = re.search(
                r'name\s*=\s*"django"\s*\n\s*version\s*=\s*"(\d+\.\d+)', text, re.IGNORECASE
            )
            if match:
                return match.group(1), source
            continue
        if source.endswith("pyproject.toml"):
            try:
                data = tomllib.loads(text)
            except tomllib.TOMLDecodeError:
                continue
            dependencies = list(data.get("project", {}).get("dependencies", []))
            poetry = data.get("tool", {}).get("poetry", {}).get("dependencies", {})
            if isinstance(poetry, dict) and "django" in {k.lower() for k in poetry}:
                for key, value in poetry.items():
                    if key.lower() == "django":
                        dependencies.append(f"django{value if isinstance(value, str) else ''}")
            text = "\n".join(str(d) for d in dependencies)
        match = re.search(
            r"^\s*django\s*(?:\[[^\]]*\])?\s*(==|~=|>=|\^|~|===)\s*v?(\d+\.\d+)",
            text,
            re.IGNORECASE | re.MULTILINE,
        )
        if match:
            return match.group(2), source
    return None, None


def detect_servers(root: Path) -> tuple[tuple[str, ...], bool, bool]:
    texts = " ".join(text.lower() for _, text in _dependency_texts(root))
    servers = tuple(s for s in django_api.ASGI_SERVERS if re.search(rf"\b{s}\b", texts))
    uses_drf = "djangorestframework" in texts
    uses_adrf = bool(re.search(r"\badrf\b", texts))
    return servers, uses_drf, uses_adrf


def middleware_audit(
    index: ProjectIndex, chain: list[str], version: str | None
) -> list[MiddlewareInfo]:
    audited = []
    for path in chain:
        builtin = django_api.BUILTIN_MIDDLEWARE.get(path)
        if builtin is not None:
            if django_api.version_at_least(version, builtin.since):
                audited.append(MiddlewareInfo(path, builtin.status, builtin.note or "built in"))
            else:
                audited.append(
                    MiddlewareInfo(
                        path, "sync-only", f"async-capable only from Django {builtin.since}"
                    )
                )
            continue
        audited.append(_project_middleware(index, path))
    return audited


def _project_middleware(index: ProjectIndex, path: str) -> MiddlewareInfo:
    qualified = index.canonical(path)
    if qualified in index.functions:
        info, function = index.functions[qualified]
        location = Location(info.path, function.line)
        flags = {
            index.resolve(info.name, d.dotted) for d in function.decorators if isinstance(d, Name)
        }
        if "django.utils.decorators.sync_and_async_middleware" in flags:
            return MiddlewareInfo(path, "hybrid", "@sync_and_async_middleware", location)
        if "django.utils.decorators.async_only_middleware" in flags:
            return MiddlewareInfo(path, "async", "@async_only_middleware", location)
        return MiddlewareInfo(
            path,
            "sync-only",
            "a function middleware without @sync_and_async_middleware: every "
            "request pays a thread switch",
            location,
        )
    if qualified in index.classes:
        info, klass = index.classes[qualified]
        location = Location(info.path, klass.line)
        attributes: dict[str, object] = {}
        for klass_name in reversed(index.mro(qualified)):
            entry = index.classes.get(klass_name)
            if entry is None:
                continue
            for name, expr in entry[1].attributes:
                if isinstance(expr, Const):
                    attributes[name] = expr.value
        has_acall = index.find_method(qualified, "__acall__") is not None
        uses_mixin = django_api.MIDDLEWARE_MIXIN in index.mro(qualified) or any(
            base.endswith("MiddlewareMixin") for base in index.mro(qualified)
        )
        if attributes.get("async_capable") is True and (
            attributes.get("sync_capable") is not False
        ):
            return MiddlewareInfo(path, "hybrid", "declares async_capable = True", location)
        if attributes.get("async_capable") is True:
            return MiddlewareInfo(path, "async", "async only", location)
        if uses_mixin or has_acall:
            return MiddlewareInfo(
                path,
                "hybrid",
                "MiddlewareMixin: its hooks run in a thread hop under ASGI",
                location,
            )
        return MiddlewareInfo(
            path,
            "sync-only",
            "no async_capable flag and not a "
            "MiddlewareMixin: Django adapts the whole chain below it to sync "
            "for every request",
            location,
        )
    return MiddlewareInfo(path, "unknown", "third-party middleware: check its async_capable flag")


def project_facts(
    root: Path,
    index: ProjectIndex,
    settings: DjangoSettings,
    explicit_version: str | None,
    explicit_source: str | None = None,
) -> tuple[ProjectFacts, list[Finding]]:
    findings: list[Finding] = []
    values = settings.values
    version, version_source = detect_django_version(root, explicit_version, explicit_source)
    if version is None:
        # Not assumed: the report says it is unknown, and `rewrite` then uses no API that a
        # Django version gates until --django-version names one.
        findings.append(
            Finding(
                "readiness",
                "Django version not found in requirements, pyproject or lock files: pass "
                "--django-version X.Y (until then the scores take every async API as "
                "available and `advisor rewrite` uses none that a version gates)",
            )
        )
    servers, uses_drf, uses_adrf = detect_servers(root)
    installed = values.get("INSTALLED_APPS") or []
    if isinstance(installed, list | tuple):
        uses_drf = uses_drf or "rest_framework" in installed
        uses_adrf = uses_adrf or "adrf" in installed
        for server in ("daphne", "uvicorn"):
            if server in installed and server not in servers:
                servers = (*servers, server)
    chain = values.get("MIDDLEWARE")
    middleware: list[MiddlewareInfo] = []
    if isinstance(chain, list | tuple):
        middleware = middleware_audit(index, [m for m in chain if isinstance(m, str)], version)
    elif settings.found:
        findings.append(Finding("readiness", "MIDDLEWARE could not be read statically"))
    databases = values.get("DATABASES")
    engines: list[str] = []
    conn_max_age = values.get("CONN_MAX_AGE")
    atomic_requests = bool(values.get("ATOMIC_REQUESTS"))
    if isinstance(databases, dict):
        for config in databases.values():
            if isinstance(config, dict):
                if isinstance(config.get("ENGINE"), str):
                    engines.append(config["ENGINE"])
                if config.get("CONN_MAX_AGE") is not None:
                    conn_max_age = config.get("CONN_MAX_AGE")
                atomic_requests = atomic_requests or bool(config.get("ATOMIC_REQUESTS"))
    asgi_modules = tuple(
        sorted(info.path for name, info in index.modules.items() if name.split(".")[-1] == "asgi")
    )
    root_urlconf = values.get("ROOT_URLCONF")
    asgi_application = values.get("ASGI_APPLICATION")
    facts = ProjectFacts(
        root=str(root),
        settings_module=settings.module,
        root_urlconf=(
            index.module_near(root_urlconf, settings.module)
            if isinstance(root_urlconf, str) and root_urlconf
            else root_urlconf
            if isinstance(root_urlconf, str)
            else None
        ),
        django_version=version,
        django_version_source=version_source,
        asgi_application=asgi_application if isinstance(asgi_application, str) else None,
        asgi_entry_points=asgi_modules,
        asgi_servers=servers,
        middleware=tuple(middleware),
        database_engines=tuple(engines),
        conn_max_age=None if conn_max_age is None else str(conn_max_age),
        atomic_requests=atomic_requests,
        uses_drf=uses_drf,
        uses_adrf=uses_adrf,
        auth_backends_without_aget_user=backends_without_aget_user(index, settings),
    )
    return facts, findings


UNREADABLE_BACKENDS = "AUTHENTICATION_BACKENDS (not a list of strings the scan can read)"


def backends_without_aget_user(index: ProjectIndex, settings: DjangoSettings) -> tuple[str, ...]:
    """The configured authentication backends not shown to provide `aget_user()`.

    `await request.auser()` (5.0+) and the async path of `login_required` and its kin (5.1+)
    call `backend.aget_user()`; Django's BaseBackend provides it, so every subclass has it,
    but a custom class that neither subclasses it nor defines `aget_user` raises
    AttributeError (django/contrib/auth/__init__.py `aget_user`). A third-party backend
    whose source is not in the tree is not shown to have it.
    """
    if not settings.found:
        return ()
    value = settings.values.get("AUTHENTICATION_BACKENDS")
    if value is None:
        if _defines(index, settings, "AUTHENTICATION_BACKENDS"):
            return (UNREADABLE_BACKENDS,)
        value = django_api.DEFAULT_AUTHENTICATION_BACKENDS
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        return (UNREADABLE_BACKENDS,)
    return tuple(path for path in value if not _has_aget_user(index, path))


def _defines(index: ProjectIndex, settings: DjangoSettings, name: str) -> bool:
    if settings.configured is not None:
        return name in settings.configured
    info = index.modules.get(settings.module or "")
    return info is not None and name in info.symbols


def _has_aget_user(index: ProjectIndex, path: str) -> bool:
    for klass in index.mro(path):
        if klass.startswith(django_api.DJANGO_AUTH_BACKENDS + "."):
            return True
        entry = index.classes.get(klass)
        if entry is not None and "aget_user" in entry[1].methods:
            return True
    return False
