"""The files besides the scanned `.py` modules that a scan's answer depends on: dependency
and lock files (readiness reads the Django version there), pytest and tox config and `.env`
files (settings detection). Kept apart so the whole-result cache can key on them without
importing the analysis."""

from __future__ import annotations

from pathlib import Path

# The files pytest-django reads DJANGO_SETTINGS_MODULE from, with the section it uses.
PYTEST_CONFIG_FILES = (
    ("pytest.ini", "pytest"),
    ("pyproject.toml", "tool.pytest.ini_options"),
    ("tox.ini", "pytest"),
    ("setup.cfg", "tool:pytest"),
)
# The `.env` files django-environ, python-dotenv and docker compose read, most specific first.
ENV_FILES = (".env", ".env.local", ".env.dev", ".env.development", ".env.example")
_REQUIREMENT_FILES = (
    "requirements.txt",
    "requirements.in",
    "requirements/base.txt",
    "requirements/production.txt",
    "requirements/prod.txt",
    "requirements-dev.txt",
    "setup.cfg",
)
LOCK_FILES = ("poetry.lock", "uv.lock", "pdm.lock")
# Every file name readiness reads, in the root and then its parent. Public because the
# whole-result cache keys on these files' bytes: a new name here is then covered there too.
DEPENDENCY_FILES = (*_REQUIREMENT_FILES, "pyproject.toml", *LOCK_FILES, "Pipfile", "Pipfile.lock")


def dependency_paths(root: Path) -> list[Path]:
    """Every path readiness (`_dependency_texts`) or the settings detection may read for
    `root`, whether or not it exists."""
    paths = [candidate / name for candidate in (root, root.parent) for name in DEPENDENCY_FILES]
    return paths + [root / name for name, _ in PYTEST_CONFIG_FILES if name not in DEPENDENCY_FILES]


def settings_paths(root: Path, project_dir: str = "") -> list[Path]:
    """Every file `find_settings` may read besides the scanned modules, for the result
    cache's key: pytest and tox config and `.env` files, in the project's folder and root."""
    folders = [root / project_dir, root] if project_dir else [root]
    names = [name for name, _ in PYTEST_CONFIG_FILES] + list(ENV_FILES)
    return [folder / name for folder in folders for name in names]
