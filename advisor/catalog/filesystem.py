"""Local file access. Small reads are fast; there is no async file API in the stdlib."""

from advisor.catalog import CatalogRow
from advisor.model import EffectKind

_F = EffectKind.FILESYSTEM

ROWS = (
    CatalogRow(
        "django.contrib.sessions.backends.file.SessionStore",
        _F,
        "filesystem",
        "request.session reads the session file (SESSION_ENGINE) on first access",
        "request.session.aget (and the other a* session methods)",
        "5.1",
        rewrite="sync_to_async",
    ),
    CatalogRow(
        "open", _F, "filesystem", "open() reads or writes a local file", rewrite="sync_to_async"
    ),
    CatalogRow(
        "io.open",
        _F,
        "filesystem",
        "io.open() reads or writes a local file",
        rewrite="sync_to_async",
    ),
    CatalogRow(
        "pathlib.Path.read_text",
        _F,
        "filesystem",
        "Path.read_text() reads a file",
        rewrite="sync_to_async",
    ),
    CatalogRow(
        "pathlib.Path.read_bytes",
        _F,
        "filesystem",
        "Path.read_bytes() reads a file",
        rewrite="sync_to_async",
    ),
    CatalogRow(
        "pathlib.Path.write_text",
        _F,
        "filesystem",
        "Path.write_text() writes a file",
        rewrite="sync_to_async",
    ),
    CatalogRow(
        "shutil.*", _F, "filesystem", "shutil copies or moves files", rewrite="sync_to_async"
    ),
    CatalogRow(
        "django.core.files.storage.default_storage.*",
        _F,
        "filesystem",
        "file storage (no async API through 6.1)",
        rewrite="sync_to_async",
    ),
)
