"""Shared pytest options and fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_PROJECTS = ROOT / "sample_projects"


@pytest.fixture(autouse=True)
def _no_active_virtualenv(monkeypatch: pytest.MonkeyPatch) -> None:
    """An activated virtualenv is the scanned project's environment (its installed packages
    are followed): the suite's scans must not depend on the shell that runs it."""
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-snapshots",
        action="store_true",
        default=False,
        help="Rewrite golden files and .patch snapshots instead of comparing against them.",
    )


@pytest.fixture
def update_snapshots(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-snapshots"))


@pytest.fixture(scope="session")
def sample_projects() -> Path:
    return SAMPLE_PROJECTS
