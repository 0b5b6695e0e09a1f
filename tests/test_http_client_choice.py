"""`rewrite --http-client httpx|niquests`: requests calls become the async client the project
already depends on (tests/fixtures/niquests_shop declares niquests), named in the summary,
and the project's own tests (against a stub server on 127.0.0.1) pass on the result."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from advisor.cli import main
from advisor.rewrite import choose_http_client

FIXTURE = Path(__file__).parent / "fixtures" / "niquests_shop"


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    return Path(shutil.copytree(FIXTURE, tmp_path / "niquests_shop"))


def rewrite(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["rewrite", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def project_tests(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", "test"], cwd=root, capture_output=True, text=True, timeout=120
    )


def test_the_client_the_project_depends_on_is_the_default(shop: Path) -> None:
    assert choose_http_client(shop, None) == ("niquests", "the project depends on it")
    (shop / "requirements.txt").write_text("Django\nrequests\n")
    assert choose_http_client(shop, None)[0] == "httpx"
    (shop / "requirements.txt").write_text("Django\n")
    (shop / "pyproject.toml").write_text('[project]\nname = "x"\ndependencies = ["httpx>=0.27"]\n')
    assert choose_http_client(shop, None) == ("httpx", "the project depends on it")
    assert choose_http_client(shop, "niquests") == ("niquests", "--http-client")


def test_niquests_rewrite_keeps_requests_api_and_passes_the_project_tests(shop: Path) -> None:
    code, _, err = rewrite(str(shop), "--view", "shop.views.rates", "--write")
    assert code == 0, err
    assert "HTTP client niquests (the project depends on it)" in err
    assert "changed  shop.views.rates  async def, niquests.AsyncSession" in err
    views = (shop / "shop" / "views.py").read_text()
    assert "async with niquests.AsyncSession() as session:" in views
    assert 'await session.get(f"{settings.UPSTREAM}/rate", params={"to": "EUR"}, timeout=3)' in views
    assert "except niquests.exceptions.ConnectionError:" in views
    assert "euro.ok" in views and "euro.reason" in views  # requests' response API, kept
    assert "import requests" not in views
    run = project_tests(shop)
    assert run.returncode == 0, run.stderr
    assert "Ran 2 tests" in run.stderr


def test_httpx_can_still_be_asked_for(shop: Path) -> None:
    code, _, err = rewrite(
        str(shop), "--view", "shop.views.rates", "--write", "--http-client", "httpx"
    )
    assert code == 0, err
    assert "HTTP client httpx (--http-client)" in err
    views = (shop / "shop" / "views.py").read_text()
    assert "httpx.AsyncClient(" in views and "not euro.is_error" in views
    assert (shop / "requirements.txt").read_text().endswith("niquests\nhttpx\n")
    run = project_tests(shop)
    assert run.returncode == 0, run.stderr


def test_niquests_with_gather_runs_both_calls_together(shop: Path) -> None:
    code, out, err = rewrite(str(shop), "--view", "shop.views.rates", "--gather")
    assert code == 0, err
    assert "await asyncio.gather(" in out and "session.get(" in out
