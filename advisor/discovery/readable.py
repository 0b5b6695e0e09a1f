"""Whether the scan could read the project's URLconf at all, and if not, one line saying why
and what to pass. Without it every view would look "not routed", which reads like an answer
(and would let a `--fail-on` gate pass) when it is only a failure to find the settings."""

from __future__ import annotations

from advisor.discovery.settings import DjangoSettings
from advisor.index import ProjectIndex

# The finding kinds the CLI turns into exit 2: settings found but no URLconf read from them
# (always), no settings found at all (with a --fail-on gate; a library has none).
URLCONF_UNREAD = "urlconf-unread"
NO_SETTINGS = "no-settings"
# The opt-out a user passes to scan on anyway (a library, a project without settings).
OPT_OUT = "--allow-no-urlconf"


def urlconf_unread(
    index: ProjectIndex, settings: DjangoSettings, root_urlconf: str | None
) -> tuple[str, str] | None:
    """(finding kind, one line) when the URLconf could not be read, or None when it was."""
    if not settings.found:
        return NO_SETTINGS, (
            f"no Django settings found (tried {settings.tried}): no URLconf read, so no view "
            f"counts as routed; pass --settings MODULE, or {OPT_OUT} to scan on"
        )
    where = settings.source or settings.module or "the settings"
    if settings.module is not None and settings.configured is None:
        info = index.modules.get(settings.module)
        if info is None:
            return URLCONF_UNREAD, (
                f"settings module {settings.module!r} ({where}) is not in the scanned tree: "
                f"no URLconf read; pass --settings MODULE, or {OPT_OUT} to scan on"
            )
        if info.facts.error is not None:
            line, message = info.facts.error
            return URLCONF_UNREAD, (
                f"settings module {settings.module!r} cannot be parsed ({info.path}:{line}: "
                f"{message}): no URLconf read; fix it or pass --settings MODULE, or {OPT_OUT}"
            )
    if not root_urlconf:
        return URLCONF_UNREAD, (
            f"ROOT_URLCONF not found in the settings ({where}): no URLconf read; pass "
            f"--settings MODULE, or {OPT_OUT} to scan on"
        )
    urlconf = index.modules.get(root_urlconf)
    if urlconf is None:
        return URLCONF_UNREAD, (
            f"ROOT_URLCONF {root_urlconf!r} ({where}) is not a module of the scanned tree: no "
            f"URLconf read; pass --settings MODULE, or {OPT_OUT} to scan on"
        )
    if urlconf.facts.error is not None:
        line, message = urlconf.facts.error
        return URLCONF_UNREAD, (
            f"ROOT_URLCONF {root_urlconf!r} cannot be parsed ({urlconf.path}:{line}: {message}): "
            f"no URLconf read; fix it, or pass {OPT_OUT} to scan on"
        )
    return None
