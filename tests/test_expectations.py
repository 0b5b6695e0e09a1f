"""Every view of both sample projects gets the category an experienced Django developer
would give it (tests/expectations/*.json, each with a sentence of why), and the readiness
audit names what matters (issue 5)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from advisor.model import Category
from snippets import scan_project

EXPECTATIONS = Path(__file__).resolve().parent / "expectations"


@pytest.mark.parametrize("name", ["bookshop", "opsdesk"])
def test_every_view_gets_the_expected_category(sample_projects: Path, name: str) -> None:
    expected = json.loads((EXPECTATIONS / f"{name}.json").read_text())["views"]
    result = scan_project(sample_projects / name, use_cache=False)
    got = {v.id: v for v in result.routed_views}
    assert set(got) == set(expected)
    wrong = {view_id: (e["category"], got[view_id].score.category.value)  # type: ignore[union-attr]
             for view_id, e in expected.items()
             if got[view_id].score.category.value != e["category"]}  # type: ignore[union-attr]
    assert wrong == {}
    for view in result.routed_views:
        assert view.score is not None and view.score.reasons, view.id


def test_scores_explain_themselves(sample_projects: Path) -> None:
    result = scan_project(sample_projects / "bookshop", use_cache=False)
    quotes = result.view("shipping.views.shipping_quotes")
    assert quotes is not None and quotes.score is not None
    assert quotes.score.overlap_ms == pytest.approx(450.0)
    assert any("asyncio.gather" in r and "450 ms" in r and "150 ms" in r
               for r in quotes.score.reasons)
    checkout = result.view("orders.views.checkout")
    assert checkout is not None and checkout.score is not None
    assert checkout.score.category == Category.NEEDS_WORK
    (transaction,) = [b for b in checkout.score.blockers if b.id == "transaction"]
    assert "sync_to_async" in transaction.advice
    listing = result.view("catalog.views.NewArrivalsView")
    assert listing is not None and listing.score is not None
    assert any(b.id == "generic-cbv" for b in listing.score.blockers)


def test_middleware_audit_names_the_sync_only_middleware(sample_projects: Path) -> None:
    result = scan_project(sample_projects / "opsdesk", use_cache=False)
    statuses = {m.path: m.status for m in result.project.middleware}
    assert statuses["core.middleware.RequestTimingMiddleware"] == "sync-only"
    assert statuses["core.middleware.request_id_middleware"] == "hybrid"
    assert statuses["django.contrib.sessions.middleware.SessionMiddleware"] == "hybrid"
    assert result.project.uses_drf and not result.project.uses_adrf
    bookshop = scan_project(sample_projects / "bookshop", use_cache=False)
    assert all(m.status == "hybrid" for m in bookshop.project.middleware)
    assert bookshop.project.django_version == "5.2"


def test_old_django_version_makes_decorators_blockers(sample_projects: Path) -> None:
    result = scan_project(sample_projects / "bookshop", use_cache=False, django_version="4.2")
    home = result.view("pages.views.home")  # @cache_page accepts async views from 5.0
    assert home is not None and home.score is not None
    assert any(b.id == "decorator" and "5.0" in b.message for b in home.score.blockers)
