"""Issue 16 item 1: with `advisor observe` evidence, a view is converted only when every
call site where the test run saw SQL or HTTP is covered by the plan.

tests/fixtures/observed_shop: `label` formats a model instance whose `__str__` counts rows.
The static analysis does not see that query, so without evidence the rewrite converts the
view (and it would raise SynchronousOnlyOperation); with the record of a real observed test
run it is refused, naming the site.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from advisor.cli import main

FIXTURE = Path(__file__).parent / "fixtures" / "observed_shop"


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    return Path(shutil.copytree(FIXTURE, tmp_path / "observed_shop"))


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def observe(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(root)
    code, _, err = invoke("observe", "--", sys.executable, "manage.py", "test")
    assert code == 0, err
    assert (root / ".advisor" / "observed.json").is_file()


def test_without_evidence_the_hidden_query_is_not_seen(shop: Path) -> None:
    code, _, err = invoke("rewrite", str(shop), "--view", "shop.views.label")
    assert code == 0
    assert "changed  shop.views.label" in err


def test_an_observed_query_the_plan_does_not_cover_refuses_the_view(
    shop: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    observe(shop, monkeypatch)
    code, out, err = invoke("rewrite", str(shop), "--view", "shop.views.label")
    assert code == 0
    line = next(line for line in err.splitlines() if "shop.views.label" in line)
    assert line.split()[0] == "skipped"
    assert "advisor observe saw SQL at shop/models.py:8 Book.__str__" in line
    assert "shop/views.py:8 label → shop/models.py:8 Book.__str__" in line
    assert out == ""


def test_observed_sites_the_plan_covers_keep_the_view_converted(
    shop: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The same project with the query made where the analysis sees it: the run observes
    # SQL at the count() call, the plan rewrites that call (acount), the view converts.
    (shop / "shop" / "views.py").write_text(
        "from django.http import JsonResponse\n\n"
        "from shop.models import Book\n\n\n"
        "def label(request):\n"
        '    title = request.GET.get("title", "untitled")\n'
        '    return JsonResponse({"label": f"{title} (1 of {Book.objects.count()})"})\n'
    )
    observe(shop, monkeypatch)
    code, out, err = invoke("rewrite", str(shop), "--view", "shop.views.label")
    assert code == 0
    assert "changed  shop.views.label" in err, err
    assert "await Book.objects.acount()" in out
