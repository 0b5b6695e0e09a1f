"""The reason a view's waits stay in a thread names what keeps them there: Django's async
ORM for queries, its async cache methods for the cache, no async API for the rest; a
cache-only view is not told about the ORM."""

from __future__ import annotations

from pathlib import Path

from snippets import view_of


def thread_reason(tmp_path: Path, body: str) -> str:
    view = view_of(tmp_path, body)
    assert view.score is not None
    (reason,) = [r for r in view.score.reasons if "stay in a thread" in r]
    return reason


def test_a_cache_read_is_not_explained_by_the_orm(tmp_path: Path) -> None:
    reason = thread_reason(
        tmp_path,
        """
        from django.core.cache import cache
        from django.http import JsonResponse
        def view(request):
            return JsonResponse({"n": cache.get("n")})
        """,
    )
    assert "async cache methods run the sync backend in a thread" in reason
    assert "ORM" not in reason


def test_queries_are_explained_by_the_orm(tmp_path: Path) -> None:
    reason = thread_reason(
        tmp_path,
        """
        from django.http import JsonResponse
        from shop.models import Book
        def view(request):
            return JsonResponse({"n": Book.objects.count()})
        """,
    )
    assert "Django's async ORM runs queries through sync_to_async" in reason
    assert "cache" not in reason and "no async API" not in reason


def test_queries_and_cache_name_both(tmp_path: Path) -> None:
    reason = thread_reason(
        tmp_path,
        """
        from django.core.cache import cache
        from django.http import JsonResponse
        from shop.models import Book
        def view(request):
            return JsonResponse({"n": Book.objects.count(), "c": cache.get("c")})
        """,
    )
    assert "ORM runs queries" in reason and "async cache methods" in reason
