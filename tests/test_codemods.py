"""Codemods, one before/after pair per test (django-upgrade's check_transformed /
check_noop style). Each snippet is written into a tiny project as `shop/views.py` next to
`shop/models.py`, scanned for real, planned and rewritten; the helper also checks that the
result compiles, that a rescan sees every Changed view as `already async`, and that a
second rewrite of the output changes nothing."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

from advisor.catalog import load_catalog
from advisor.config import Settings, build_settings
from advisor.model import ScanResult
from advisor.pipeline import scan
from advisor.rewrite import ROUTES, RewriteResult, rewrite_project, write_changes
from codemods import Target, codemods

MODELS = """\
from django.db import models


class Author(models.Model):
    name = models.CharField(max_length=100)


class Book(models.Model):
    title = models.CharField(max_length=100)
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="books")
    stock = models.IntegerField(default=0)
"""

SERVICES = """\
import requests

from shop.models import Book


def fetch_prices(isbn):
    return requests.get("https://prices.example/" + isbn, timeout=5).json()


def rows(queryset):
    for book in queryset:
        yield requests.get("https://x.example/" + str(book.pk), timeout=5).text
"""

VIEWS = "shop/views.py"
MANAGE = """\
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
"""
SETTINGS = 'ROOT_URLCONF = "shop.urls"\nINSTALLED_APPS = ["shop"]\n'


def _urls(source: str) -> str:
    """Route every view the snippet defines, so the scan finds them through the URLconf."""
    routes = []
    for node in ast.parse(source).body:
        if (
            isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and node.args.args
            and (node.args.args[0].arg == "request")
        ):
            routes.append(f'    path("{node.name}/", views.{node.name}),')
        elif isinstance(node, ast.ClassDef) and not node.name.endswith("Mixin"):
            routes.append(f'    path("{node.name}/", views.{node.name}.as_view()),')
    return (
        "from django.urls import path\n\nfrom shop import views\n\nurlpatterns = [\n"
        + "\n".join(routes)
        + "\n]\n"
    )


def _project(tmp_path: Path, source: str, files: dict[str, str] | None) -> Path:
    root = tmp_path / "project"
    (root / "shop").mkdir(parents=True)
    (root / "manage.py").write_text(MANAGE)
    (root / "shop" / "__init__.py").write_text("")
    (root / "shop" / "settings.py").write_text(SETTINGS)
    (root / "shop" / "urls.py").write_text(_urls(textwrap.dedent(source)))
    (root / "shop" / "models.py").write_text(MODELS)
    (root / "shop" / "services.py").write_text(SERVICES)
    for name, text in (files or {}).items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(textwrap.dedent(text))
    (root / VIEWS).write_text(textwrap.dedent(source))
    return root


def _scan(root: Path, version: str) -> ScanResult:
    return scan(root, build_settings(root, django_version=version))


def _rewrite(root: Path, version: str, gather: bool = False) -> RewriteResult:
    result = _scan(root, version)
    views = [v for v in result.views if v.location.path == VIEWS]
    return rewrite_project(root, result, views, Target(version, gather=gather), "--django-version")


def rewrite(
    tmp_path: Path,
    source: str,
    *,
    version: str = "5.2",
    gather: bool = False,
    files: dict[str, str] | None = None,
) -> tuple[str, RewriteResult]:
    root = _project(tmp_path, source, files)
    result = _rewrite(root, version, gather)
    after = result.changes.get(VIEWS, (b"", (root / VIEWS).read_bytes()))[1]
    return after.decode(), result


def check_transformed(
    tmp_path: Path,
    before: str,
    after: str,
    *,
    version: str = "5.2",
    gather: bool = False,
    files: dict[str, str] | None = None,
    scan_still_blocks: frozenset[str] = frozenset(),
) -> None:
    """`scan_still_blocks`: calls the scan keeps reporting as blocking after a correct
    rewrite (a gap in the scan, named where it is used)."""
    root = _project(tmp_path, before, files)
    result = _rewrite(root, version, gather)
    problems = [o for o in result.outcomes if o.status != "changed"]
    assert not problems, problems
    text = result.changes[VIEWS][1]
    compile(text, VIEWS, "exec")
    assert text.decode() == textwrap.dedent(after)
    write_changes(root, result.changes)
    rescan = _scan(root, version)
    for outcome in result.outcomes:
        view = rescan.view(outcome.view_id)
        assert view is not None and view.score is not None and view.is_async
        left = {e.call for e in view.effects if e.blocking and not e.awaited} - scan_still_blocks
        assert not left, (view.id, left)
        if not scan_still_blocks:
            assert view.score.category.value == "already async", (view.id, view.score)
    again = _rewrite(root, version, gather)
    assert again.changes == {}, again.changes


def check_noop(
    tmp_path: Path, source: str, *, version: str = "5.2", files: dict[str, str] | None = None
) -> None:
    after, result = rewrite(tmp_path, source, version=version, files=files)
    assert result.changes == {}
    assert after == textwrap.dedent(source)


def check_skipped(
    tmp_path: Path,
    source: str,
    reason: str,
    *,
    version: str = "5.2",
    files: dict[str, str] | None = None,
) -> None:
    result = rewrite(tmp_path, source, version=version, files=files)[1]
    assert result.changes == {}, result.changes
    assert [o.status for o in result.outcomes] == ["skipped"], result.outcomes
    assert reason in result.outcomes[0].reason, result.outcomes[0].reason


# --- registry -----------------------------------------------------------------------------


def test_every_codemod_module_registers_one_documented_codemod() -> None:
    registry = codemods()
    assert set(registry) >= {
        "make_view_async",
        "orm_calls",
        "orm_iteration",
        "http_client",
        "sleep",
        "atomic_block",
        "request_user",
        "render_context",
        "helper_calls",
        "streaming",
        "gather",
        "auth_mixin",
    }
    for name, codemod in registry.items():
        module = __import__(f"codemods.{name}", fromlist=["_"])
        assert module.__doc__ and codemod.summary, name


def test_every_rewrite_hint_of_the_catalog_has_a_codemod() -> None:
    hints = {row.rewrite for row in load_catalog(Settings()).rows if row.rewrite}
    assert hints <= set(ROUTES) | {"sync_to_async"}, hints - set(ROUTES)
    assert {route.codemod for route in ROUTES.values()} <= set(codemods())


# --- make_view_async ------------------------------------------------------------------------


def test_view_without_io_becomes_async(tmp_path: Path) -> None:
    check_transformed(
        tmp_path,
        """\
        from django.http import JsonResponse


        def ping(request):
            return JsonResponse({"ok": True})
        """,
        """\
        from django.http import JsonResponse


        async def ping(request):
            return JsonResponse({"ok": True})
        """,
    )


def test_already_async_view_is_left_alone(tmp_path: Path) -> None:
    check_noop(
        tmp_path,
        """\
        from django.http import JsonResponse

        from shop.models import Book


        async def count(request):
            return JsonResponse({"books": await Book.objects.acount()})
        """,
    )


def test_a_local_function_named_get_is_not_the_orm(tmp_path: Path) -> None:
    check_transformed(
        tmp_path,
        """\
        from django.http import JsonResponse


        def get(key):
            return {"a": 1}.get(key)


        def lookup(request):
            return JsonResponse({"value": get("a")})
        """,
        """\
        from django.http import JsonResponse


        def get(key):
            return {"a": 1}.get(key)


        async def lookup(request):
            return JsonResponse({"value": get("a")})
        """,
    )


def test_view_called_directly_by_project_code_is_skipped(tmp_path: Path) -> None:
    check_skipped(
        tmp_path,
        """\
        from django.http import JsonResponse


        def ping(request):
            return JsonResponse({"ok": True})
        """,
        "shop/tasks.py:5 calls ping() synchronously",
        files={
            "shop/tasks.py": """\
            from shop import views


            def warm_up(request):
                return views.ping(request)
            """
        },
    )


def test_view_called_through_the_package_above_its_module_is_skipped(tmp_path: Path) -> None:
    # django-allauth calls `flows.reauthentication.suspend_request(...)` after `from
    # allauth.account.internal import flows`: an imported package, then attributes down to
    # the view's module (shop.views is loaded by the URLconf).
    check_skipped(
        tmp_path,
        """\
        from django.http import JsonResponse


        def ping(request):
            return JsonResponse({"ok": True})
        """,
        "shop/tasks.py:5 calls ping() synchronously",
        files={
            "shop/tasks.py": """\
            import shop


            def warm_up(request):
                return shop.views.ping(request)
            """
        },
    )


def test_decorator_that_accepts_async_views_is_kept(tmp_path: Path) -> None:
    check_transformed(
        tmp_path,
        """\
        from django.http import JsonResponse
        from django.views.decorators.http import require_POST


        @require_POST
        def ping(request):
            return JsonResponse({"ok": True})
        """,
        """\
        from django.http import JsonResponse
        from django.views.decorators.http import require_POST


        @require_POST
        async def ping(request):
            return JsonResponse({"ok": True})
        """,
    )


def test_decorator_too_new_for_the_target_skips_the_view(tmp_path: Path) -> None:
    check_skipped(
        tmp_path,
        """\
        from django.http import JsonResponse
        from django.views.decorators.http import require_POST


        @require_POST
        def ping(request):
            return JsonResponse({"ok": True})
        """,
        "@require_POST accepts async views only from Django 5.0 (target 4.2)",
        version="4.2",
    )


def test_unknown_decorator_skips_the_view(tmp_path: Path) -> None:
    check_skipped(
        tmp_path,
        """\
        from django.http import JsonResponse

        from shop.auth import staff_only


        @staff_only
        def ping(request):
            return JsonResponse({"ok": True})
        """,
        "@staff_only is not known to accept async views",
        files={
            "shop/auth.py": """\
            def staff_only(view):
                return view
            """
        },
    )


# --- orm_calls ------------------------------------------------------------------------------


def test_queryset_method_becomes_its_async_twin(tmp_path: Path) -> None:
    check_transformed(
        tmp_path,
        """\
        from django.http import JsonResponse

        from shop.models import Book


        def detail(request, pk):
            book = Book.objects.get(pk=pk)
            in_stock = Book.objects.filter(stock__gt=0).count()
            return JsonResponse({"title": book.title, "in_stock": in_stock})
        """,
        """\
        from django.http import JsonResponse

        from shop.models import Book


        async def detail(request, pk):
            book = await Book.objects.aget(pk=pk)
            in_stock = await Book.objects.filter(stock__gt=0).acount()
            return JsonResponse({"title": book.title, "in_stock": in_stock})
        """,
    )


def test_await_is_parenthesised_before_an_attribute(tmp_path: Path) -> None:
    check_transformed(
        tmp_path,
        """\
        from django.http import JsonResponse

        from shop.models import Book


        def title(request, pk):
            return JsonResponse({"title": Book.objects.get(pk=pk).title})
        """,
        """\
        from django.http import JsonResponse

        from shop.models import Book


        async def title(request, pk):
            return JsonResponse({"title": (await Book.objects.aget(pk=pk)).title})
        """,
    )


def test_orm_calls_run_in_a_thread_before_django_4_1(tmp_path: Path) -> None:
    check_transformed(
        tmp_path,
        """\
        from django.http import JsonResponse

        from shop.models import Book


        def detail(request, pk):
            book = Book.objects.get(pk=pk)
            return JsonResponse({"title": book.title})
        """,
        """\
        from asgiref.sync import sync_to_async
        from django.http import JsonResponse

        from shop.models import Book


        async def detail(request, pk):
            book = await sync_to_async(Book.objects.get)(pk=pk)
            return JsonResponse({"title": book.title})
        """,
        version="4.0",
    )


def test_save_becomes_asave_with_keyword_arguments(tmp_path: Path) -> None:
    check_transformed(
        tmp_path,
        """\
        from django.http import JsonResponse

        from shop.models import Book


        def restock(request, pk):
            book = Book.objects.get(pk=pk)
            book.stock = 10
            book.save(update_fields=["stock"])
            return JsonResponse({"stock": book.stock})
        """,
        """\
        from django.http import JsonResponse

        from shop.models import Book


        async def restock(request, pk):
            book = await Book.objects.aget(pk=pk)
            book.stock = 10
            await book.asave(update_fields=["stock"])
            return JsonResponse({"stock": book.stock})
        """,
    )


def test_get_object_or_404_becomes_aget_object_or_404(tmp_path: Path) -> None:
    check_transformed(
        tmp_path,
        """\
        from django.http import JsonResponse
        from django.shortcuts import get_object_or_404

        from shop.models import Book


        def detail(request, pk):
            book = get_object_or_404(Book, pk=pk)
            return JsonResponse({"title": book.title})
        """,
        """\
        from django.http import JsonResponse
        from django.shortcuts import aget_object_or_404

        from shop.models import Book


        async def detail(request, pk):
            book = await aget_object_or_404(Book, pk=pk)
            return JsonResponse({"title": book.title})
        """,
    )


def test_get_object_or_404_runs_in_a_thread_before_django_5_0(tmp_path: Path) -> None:
    check_transformed(
        tmp_path,
        """\
        from django.http import JsonResponse
        from django.shortcuts import get_object_or_404

        from shop.models import Book


        def detail(request, pk):
            book = get_object_or_404(Book, pk=pk)
            return JsonResponse({"title": book.title})
        """,
        """\
        from asgiref.sync import sync_to_async
        from django.http import JsonResponse
        from django.shortcuts import get_object_or_404

        from shop.models import Book


        async def detail(request, pk):
            book = await sync_to_async(get_object_or_404)(Book, pk=pk)
            return JsonResponse({"title": book.title})
        """,
        version="4.2",
    )


def test_orm_call_in_a_lambda_skips_the_view(tmp_path: Path) -> None:
    check_skipped(
        tmp_path,
        """\
        from django.http import JsonResponse

        from shop.models import Book


        def titles(request):
            lookup = lambda pk: Book.objects.get(pk=pk).title
            return JsonResponse({"title": lookup(1)})
        """,
        "sits in a lambda",
    )


# --- orm_iteration --------------------------------------------------------------------------


def test_for_loop_over_a_queryset_becomes_async_for(tmp_path: Path) -> None:
    check_transformed(
        tmp_path,
        """\
        from django.http import JsonResponse

        from shop.models import Book


        def titles(request):
            titles = []
            for book in Book.objects.filter(stock__gt=0):
                titles.append(book.title)
            return JsonResponse({"titles": titles})
        """,
        """\
        from django.http import JsonResponse

        from shop.models import Book


        async def titles(request):
            titles = []
            async for book in Book.objects.filter(stock__gt=0):
                titles.append(book.title)
            return JsonResponse({"titles": titles})
        """,
    )


def test_list_of_a_queryset_becomes_an_async_comprehension(tmp_path: Path) -> None:
    check_transformed(
        tmp_path,
        """\
        from django.http import JsonResponse

        from shop.models import Book


        def titles(request):
            rows = list(Book.objects.values_list("title", flat=True))
            return JsonResponse({"titles": rows})
        """,
        """\
        from django.http import JsonResponse

        from shop.models import Book


        async def titles(request):
            rows = [row async for row in Book.objects.values_list("title", flat=True)]
            return JsonResponse({"titles": rows})
        """,
    )


def test_comprehension_over_a_queryset_becomes_async(tmp_path: Path) -> None:
    check_transformed(
        tmp_path,
        """\
        from django.http import JsonResponse

        from shop.models import Book


        def titles(request):
            return JsonResponse({"titles": [b.title for b in Book.objects.all()]})
        """,
        """\
        from django.http import JsonResponse

        from shop.models import Book


        async def titles(request):
            return JsonResponse({"titles": [b.title async for b in Book.objects.all()]})
        """,
    )


def test_queryset_is_listed_in_a_thread_before_django_4_1(tmp_path: Path) -> None:
    check_transformed(
        tmp_path,
        """\
        from django.http import JsonResponse

        from shop.models import Book


        def titles(request):
            titles = []
            for book in Book.objects.all():
                titles.append(book.title)
            return JsonResponse({"titles": titles})
        """,
        """\
        from asgiref.sync import sync_to_async
        from django.http import JsonResponse

        from shop.models import Book


        async def titles(request):
            titles = []
            for book in await sync_to_async(list)(Book.objects.all()):
                titles.append(book.title)
            return JsonResponse({"titles": titles})
        """,
        version="4.0",
    )


def test_len_of_a_queryset_becomes_acount(tmp_path: Path) -> None:
    check_transformed(
        tmp_path,
        """\
        from django.http import JsonResponse

        from shop.models import Book


        def total(request):
            return JsonResponse({"total": len(Book.objects.all())})
        """,
        """\
        from django.http import JsonResponse

        from shop.models import Book


        async def total(request):
            return JsonResponse({"total": await Book.objects.all().acount()})
        """,
    )


def test_truth_test_of_a_queryset_becomes_aexists(tmp_path: Path) -> None:
    check_transformed(
        tmp_path,
        """\
        from django.http import JsonResponse

        from shop.models import Book


        def any_books(request):
            books = Book.objects.filter(stock__gt=0)
            if not books:
                return JsonResponse({"any": False})
            return JsonResponse({"any": True})
        """,
        """\
        from django.http import JsonResponse

        from shop.models import Book


        async def any_books(request):
            books = Book.objects.filter(stock__gt=0)
            if not await books.aexists():
                return JsonResponse({"any": False})
            return JsonResponse({"any": True})
        """,
    )


# --- http_client ----------------------------------------------------------------------------


def test_requests_call_becomes_an_httpx_async_client(tmp_path: Path) -> None:
    check_transformed(
        tmp_path,
        """\
        import requests
        from django.http import JsonResponse


        def status(request):
            response = requests.get("https://s.example/", params={"q": 1}, timeout=5)
            response.raise_for_status()
            return JsonResponse(response.json())
        """,
        """\
        import httpx
        from django.http import JsonResponse

        _SSL_CONTEXT = httpx.create_ssl_context()


        async def status(request):
            async with httpx.AsyncClient(follow_redirects=True, verify=_SSL_CONTEXT) as client:
                response = await client.get("https://s.example/", params={"q": 1}, timeout=5)
            response.raise_for_status()
            return JsonResponse(response.json())
        """,
    )


def test_requests_only_response_api_and_exceptions_are_translated(tmp_path: Path) -> None:
    check_transformed(
        tmp_path,
        """\
        import requests
        from django.http import JsonResponse


        def status(request):
            try:
                response = requests.post(
                    "https://status.example/api", {"a": 1}, allow_redirects=False
                )
            except requests.ConnectionError:
                return JsonResponse({"up": False}, status=503)
            return JsonResponse({"up": response.ok, "why": response.reason})
        """,
        """\
        import httpx
        from django.http import JsonResponse

        _SSL_CONTEXT = httpx.create_ssl_context()


        async def status(request):
            try:
                async with httpx.AsyncClient(follow_redirects=True, verify=_SSL_CONTEXT) as client:
                    response = await client.post(
                        "https://status.example/api", data={"a": 1}, follow_redirects=False
                    )
            except httpx.TransportError:
                return JsonResponse({"up": False}, status=503)
            return JsonResponse({"up": not response.is_error, "why": response.reason_phrase})
        """,
    )


def test_polling_loop_shares_one_client_and_sleeps_asynchronously(tmp_path: Path) -> None:
    check_transformed(
        tmp_path,
        """\
        import time

        import requests
        from django.http import JsonResponse


        def track(request, number):
            status = "unknown"
            for _ in range(5):
                status = requests.get(f"https://t.io/{number}", timeout=1).json()["s"]
                if status == "delivered":
                    break
                time.sleep(0.5)
            return JsonResponse({"status": status})
        """,
        """\
        import asyncio

        import httpx
        from django.http import JsonResponse

        _SSL_CONTEXT = httpx.create_ssl_context()


        async def track(request, number):
            status = "unknown"
            async with httpx.AsyncClient(follow_redirects=True, verify=_SSL_CONTEXT) as client:
                for _ in range(5):
                    status = (await client.get(f"https://t.io/{number}", timeout=1)).json()["s"]
                    if status == "delivered":
                        break
                    await asyncio.sleep(0.5)
            return JsonResponse({"status": status})
        """,
    )


def test_requests_option_without_an_httpx_equivalent_skips_the_view(tmp_path: Path) -> None:
    check_skipped(
        tmp_path,
        """\
        import requests
        from django.http import JsonResponse


        def status(request):
            response = requests.get("https://status.example/api", cert="client.pem")
            return JsonResponse(response.json())
        """,
        "requests' cert= has no per-request equivalent in httpx",
    )


def test_clients_share_one_module_level_ssl_context(tmp_path: Path) -> None:
    # Building an SSL context per client loads the CA bundle on the event loop per request.
    check_transformed(
        tmp_path,
        """\
        \"\"\"Status views.\"\"\"

        import requests
        from django.http import JsonResponse

        TIMEOUT = 5


        def status(request):
            response = requests.get("https://s.example/", timeout=TIMEOUT)
            return JsonResponse(response.json())


        def health(request):
            response = requests.get("https://h.example/", verify=True, timeout=TIMEOUT)
            return JsonResponse(response.json())
        """,
        """\
        \"\"\"Status views.\"\"\"

        import httpx
        from django.http import JsonResponse

        _SSL_CONTEXT = httpx.create_ssl_context()

        TIMEOUT = 5


        async def status(request):
            async with httpx.AsyncClient(follow_redirects=True, verify=_SSL_CONTEXT) as client:
                response = await client.get("https://s.example/", timeout=TIMEOUT)
            return JsonResponse(response.json())


        async def health(request):
            async with httpx.AsyncClient(follow_redirects=True, verify=_SSL_CONTEXT) as client:
                response = await client.get("https://h.example/", timeout=TIMEOUT)
            return JsonResponse(response.json())
        """,
    )


def test_existing_shared_ssl_context_is_reused(tmp_path: Path) -> None:
    # A later rewrite of the same module (a view fixed after a skip) adds no second one.
    check_transformed(
        tmp_path,
        """\
        import httpx
        import requests
        from django.http import JsonResponse

        _SSL_CONTEXT = httpx.create_ssl_context()


        def health(request):
            return JsonResponse(requests.get("https://h.example/", timeout=5).json())
        """,
        """\
        import httpx
        from django.http import JsonResponse

        _SSL_CONTEXT = httpx.create_ssl_context()


        async def health(request):
            async with httpx.AsyncClient(follow_redirects=True, verify=_SSL_CONTEXT) as client:
                return JsonResponse((await client.get("https://h.example/", timeout=5)).json())
        """,
    )


def test_verify_false_moves_to_the_client(tmp_path: Path) -> None:
    check_transformed(
        tmp_path,
        """\
        import requests
        from django.http import JsonResponse


        def status(request):
            response = requests.get(
                "https://self-signed.example/api",
                timeout=5,
                verify=False,
            )
            return JsonResponse(response.json())
        """,
        """\
        import httpx
        from django.http import JsonResponse


        async def status(request):
            async with httpx.AsyncClient(follow_redirects=True, verify=False) as client:
                response = await client.get(
                    "https://self-signed.example/api",
                    timeout=5,
                )
            return JsonResponse(response.json())
        """,
    )


def test_calls_of_one_client_with_different_verify_skip_the_view(tmp_path: Path) -> None:
    check_skipped(
        tmp_path,
        """\
        import requests
        from django.http import JsonResponse


        def status(request):
            first = requests.get("https://a.example/", timeout=5, verify=False)
            second = requests.get("https://b.example/", timeout=5)
            return JsonResponse({"a": first.json(), "b": second.json()})
        """,
        "ask for different verify= settings",
    )


def test_response_handed_to_unknown_code_skips_the_view(tmp_path: Path) -> None:
    check_skipped(
        tmp_path,
        """\
        import requests
        from django.http import JsonResponse

        from shop.report import summarise


        def status(request):
            response = requests.get("https://status.example/api", timeout=5)
            return JsonResponse(summarise(response))
        """,
        "is passed to summarise",
        files={
            "shop/report.py": """\
            def summarise(response):
                return {"ok": response.ok}
            """
        },
    )


def test_async_view_that_blocks_gets_only_its_blocking_call_fixed(tmp_path: Path) -> None:
    check_transformed(
        tmp_path,
        """\
        import requests
        from django.http import JsonResponse


        async def status(request):
            response = requests.get("https://status.example/api", timeout=5)
            return JsonResponse({"code": response.status_code})
        """,
        """\
        import httpx
        from django.http import JsonResponse

        _SSL_CONTEXT = httpx.create_ssl_context()


        async def status(request):
            async with httpx.AsyncClient(follow_redirects=True, verify=_SSL_CONTEXT) as client:
                response = await client.get("https://status.example/api", timeout=5)
            return JsonResponse({"code": response.status_code})
        """,
    )


def test_gather_runs_independent_calls_together(tmp_path: Path) -> None:
    check_transformed(
        tmp_path,
        """\
        import requests
        from django.http import JsonResponse


        def quotes(request):
            fast = requests.get("https://fast.example/quote", timeout=5)
            fast.raise_for_status()
            slow = requests.get("https://slow.example/quote", timeout=5)
            return JsonResponse({"quotes": [fast.json(), slow.json()]})
        """,
        """\
        import asyncio

        import httpx
        from django.http import JsonResponse

        _SSL_CONTEXT = httpx.create_ssl_context()


        async def quotes(request):
            async with httpx.AsyncClient(follow_redirects=True, verify=_SSL_CONTEXT) as client:
                fast, slow = await asyncio.gather(
                    client.get("https://fast.example/quote", timeout=5),
                    client.get("https://slow.example/quote", timeout=5),
                )
            fast.raise_for_status()
            return JsonResponse({"quotes": [fast.json(), slow.json()]})
        """,
        gather=True,
    )


def test_gather_leaves_dependent_calls_in_order(tmp_path: Path) -> None:
    check_transformed(
        tmp_path,
        """\
        import requests
        from django.http import JsonResponse


        def chained(request):
            first = requests.get("https://a.example/", timeout=5)
            second = requests.get(first.json()["next"], timeout=5)
            return JsonResponse(second.json())
        """,
        """\
        import httpx
        from django.http import JsonResponse

        _SSL_CONTEXT = httpx.create_ssl_context()


        async def chained(request):
            async with httpx.AsyncClient(follow_redirects=True, verify=_SSL_CONTEXT) as client:
                first = await client.get("https://a.example/", timeout=5)
                second = await client.get(first.json()["next"], timeout=5)
            return JsonResponse(second.json())
        """,
        gather=True,
    )


# --- request_user, render_context -------------------------------------------------------------


def test_request_user_is_read_once_with_auser(tmp_path: Path) -> None:
    check_transformed(
        tmp_path,
        """\
        from django.http import JsonResponse


        def me(request):
            name = "anonymous"
            if request.user.is_authenticated:
                name = request.user.get_username()
            return JsonResponse({"name": name})
        """,
        """\
        from django.http import JsonResponse


        async def me(request):
            name = "anonymous"
            user = await request.auser()
            if user.is_authenticated:
                name = user.get_username()
            return JsonResponse({"name": name})
        """,
    )


def test_request_user_before_django_5_0_skips_the_view(tmp_path: Path) -> None:
    check_skipped(
        tmp_path,
        """\
        from django.http import JsonResponse


        def me(request):
            return JsonResponse({"id": request.user.pk})
        """,
        "has no request.auser() (added in 5.0)",
        version="4.2",
    )


def test_returned_render_becomes_a_template_response(tmp_path: Path) -> None:
    check_transformed(
        tmp_path,
        """\
        from django.shortcuts import render

        from shop.models import Book


        def shelf(request):
            books = Book.objects.select_related("author")
            return render(request, "shelf.html", {"books": books})
        """,
        """\
        from django.template.response import TemplateResponse

        from shop.models import Book


        async def shelf(request):
            books = Book.objects.select_related("author")
            return TemplateResponse(request, "shelf.html", {"books": books})
        """,
    )


def test_render_whose_result_is_used_runs_in_a_thread(tmp_path: Path) -> None:
    check_transformed(
        tmp_path,
        """\
        from django.shortcuts import render


        def page(request):
            response = render(request, "page.html", {})
            response["X-Page"] = "1"
            return response
        """,
        """\
        from asgiref.sync import sync_to_async
        from django.shortcuts import render


        async def page(request):
            response = await sync_to_async(render)(request, "page.html", {})
            response["X-Page"] = "1"
            return response
        """,
    )


# --- atomic_block, helper_calls --------------------------------------------------------------


def test_atomic_block_moves_into_a_thread_and_returns_what_the_view_reads(tmp_path: Path) -> None:
    check_transformed(
        tmp_path,
        """\
        from django.db import transaction
        from django.http import JsonResponse

        from shop.models import Author, Book


        def add_book(request):
            total = 0
            with transaction.atomic():
                author = Author.objects.create(name=request.POST["author"])
                book = Book.objects.create(title=request.POST["title"], author=author)
                total += 1
            return JsonResponse({"book": book.pk, "total": total})
        """,
        """\
        from asgiref.sync import sync_to_async
        from django.db import transaction
        from django.http import JsonResponse

        from shop.models import Author, Book


        async def add_book(request):
            total = 0
            def _in_transaction():
                nonlocal total
                with transaction.atomic():
                    author = Author.objects.create(name=request.POST["author"])
                    book = Book.objects.create(title=request.POST["title"], author=author)
                    total += 1
                return book

            book = await sync_to_async(_in_transaction)()
            return JsonResponse({"book": book.pk, "total": total})
        """,
    )


def test_atomic_block_that_returns_skips_the_view(tmp_path: Path) -> None:
    check_skipped(
        tmp_path,
        """\
        from django.db import transaction
        from django.http import JsonResponse

        from shop.models import Book


        def add_book(request):
            with transaction.atomic():
                book = Book.objects.create(title=request.POST["title"])
                return JsonResponse({"book": book.pk})
        """,
        "uses `return`",
    )


def test_atomic_decorator_skips_the_view(tmp_path: Path) -> None:
    check_skipped(
        tmp_path,
        """\
        from django.db import transaction
        from django.http import JsonResponse

        from shop.models import Book


        @transaction.atomic
        def add_book(request):
            book = Book.objects.create(title=request.POST["title"])
            return JsonResponse({"book": book.pk})
        """,
        "transaction",
    )


def test_blocking_helper_runs_in_a_thread(tmp_path: Path) -> None:
    check_transformed(
        tmp_path,
        """\
        from django.http import JsonResponse

        from shop import services


        def price(request, isbn):
            return JsonResponse({"price": services.fetch_prices(isbn)})
        """,
        """\
        from asgiref.sync import sync_to_async
        from django.http import JsonResponse

        from shop import services


        async def price(request, isbn):
            return JsonResponse({"price": await sync_to_async(services.fetch_prices)(isbn)})
        """,
    )


def test_blocking_generator_helper_skips_the_view(tmp_path: Path) -> None:
    check_skipped(
        tmp_path,
        """\
        from django.http import JsonResponse

        from shop.models import Book
        from shop.services import rows


        def texts(request):
            return JsonResponse({"rows": list(rows(Book.objects.all()))})
        """,
        "shop.services.rows is a generator",
    )


def test_send_mail_runs_in_a_thread(tmp_path: Path) -> None:
    check_transformed(
        tmp_path,
        """\
        from django.core.mail import send_mail
        from django.http import JsonResponse


        def contact(request):
            send_mail("Hi", request.POST["text"], "shop@ex.com", ["me@ex.com"])
            return JsonResponse({"sent": True})
        """,
        """\
        from asgiref.sync import sync_to_async
        from django.core.mail import send_mail
        from django.http import JsonResponse


        async def contact(request):
            await sync_to_async(send_mail)("Hi", request.POST["text"], "shop@ex.com", ["me@ex.com"])
            return JsonResponse({"sent": True})
        """,
    )


# --- class-based views -----------------------------------------------------------------------


def test_every_handler_of_a_view_class_becomes_async(tmp_path: Path) -> None:
    check_transformed(
        tmp_path,
        """\
        from django.http import JsonResponse
        from django.views import View

        from shop.models import Book


        class BookView(View):
            def get(self, request, pk):
                return JsonResponse({"title": Book.objects.get(pk=pk).title})

            def delete(self, request, pk):
                Book.objects.filter(pk=pk).delete()
                return JsonResponse({}, status=204)
        """,
        """\
        from django.http import JsonResponse
        from django.views import View

        from shop.models import Book


        class BookView(View):
            async def get(self, request, pk):
                return JsonResponse({"title": (await Book.objects.aget(pk=pk)).title})

            async def delete(self, request, pk):
                await Book.objects.filter(pk=pk).adelete()
                return JsonResponse({}, status=204)
        """,
    )


PING_VIEW = """\
from django.http import JsonResponse
from django.views import View


class PingView(View):
    def get(self, request):
        return JsonResponse({"ok": True})
"""


def test_view_class_whose_as_view_result_is_called_synchronously_is_skipped(
    tmp_path: Path,
) -> None:
    check_skipped(
        tmp_path,
        PING_VIEW,
        "shop/tests.py:7 calls PingView.as_view()(…) synchronously",
        files={
            "shop/tests.py": """\
            from django.test import RequestFactory

            from shop import views


            def test_ping():
                response = views.PingView.as_view()(RequestFactory().get("/"))
                assert response.status_code == 200
            """
        },
    )


def test_view_class_whose_stored_as_view_result_is_called_is_skipped(tmp_path: Path) -> None:
    check_skipped(
        tmp_path,
        PING_VIEW,
        "shop/tests.py:8 calls ping_view(…), which holds PingView.as_view() synchronously",
        files={
            "shop/tests.py": """\
            from django.test import RequestFactory

            from shop.views import PingView


            def test_ping():
                ping_view = PingView.as_view()
                response = ping_view(RequestFactory().get("/"))
                assert response.status_code == 200
            """
        },
    )


def test_handler_called_on_an_instance_is_skipped(tmp_path: Path) -> None:
    check_skipped(
        tmp_path,
        PING_VIEW,
        "shop/tests.py:5 calls PingView().get(…) synchronously",
        files={
            "shop/tests.py": """\
            from shop import views


            def test_ping(rf):
                assert views.PingView().get(rf.get("/")).status_code == 200
            """
        },
    )


def test_subclass_called_synchronously_counts_as_the_view(tmp_path: Path) -> None:
    check_skipped(
        tmp_path,
        PING_VIEW,
        "shop/tests.py:9 calls LoudPing.as_view()(…) synchronously",
        files={
            "shop/tests.py": """\
            from shop.views import PingView


            class LoudPing(PingView):
                pass


            def test_ping(rf):
                assert LoudPing.as_view()(rf.get("/")).status_code == 200
            """
        },
    )


def test_subclass_with_its_own_sync_handler_is_skipped(tmp_path: Path) -> None:
    check_skipped(
        tmp_path,
        PING_VIEW,
        "shop/extra.py:4 subclasses it and defines PingWithPost.post() sync",
        files={
            "shop/extra.py": """\
            from shop import views


            class PingWithPost(views.PingView):
                def post(self, request):
                    return self.get(request)
            """
        },
    )


def test_awaited_or_routed_as_view_is_not_a_sync_caller(tmp_path: Path) -> None:
    check_transformed(
        tmp_path,
        PING_VIEW,
        PING_VIEW.replace("    def get", "    async def get"),
        files={
            "shop/tests.py": """\
            from django.test import AsyncRequestFactory

            from shop.views import PingView


            async def test_ping():
                response = await PingView.as_view()(AsyncRequestFactory().get("/"))
                assert response.status_code == 200


            def test_route_table():
                assert PingView.as_view() is not None
            """
        },
    )


def test_view_class_before_django_4_1_is_skipped(tmp_path: Path) -> None:
    check_skipped(
        tmp_path,
        """\
        from django.http import JsonResponse
        from django.views import View


        class PingView(View):
            def get(self, request):
                return JsonResponse({"ok": True})
        """,
        "async handlers on class-based views need Django 4.1",
        version="4.0",
    )


def test_generic_list_view_is_skipped_with_the_alternative(tmp_path: Path) -> None:
    check_skipped(
        tmp_path,
        """\
        from django.views.generic import ListView

        from shop.models import Book


        class BookList(ListView):
            model = Book
        """,
        "it is a ListView, and Django's generic class-based views have no async support",
    )


def test_drf_view_is_skipped_with_the_alternative(tmp_path: Path) -> None:
    check_skipped(
        tmp_path,
        """\
        from rest_framework.decorators import api_view
        from rest_framework.response import Response

        from shop.models import Book


        @api_view(["GET"])
        def count(request):
            return Response({"books": Book.objects.count()})
        """,
        "use adrf",
    )


def test_login_required_mixin_becomes_login_required_on_each_handler(tmp_path: Path) -> None:
    check_transformed(
        tmp_path,
        """\
        from django.contrib.auth.mixins import LoginRequiredMixin
        from django.http import JsonResponse
        from django.views import View


        class Dashboard(LoginRequiredMixin, View):
            def get(self, request):
                return JsonResponse({"ok": True})
        """,
        """\
        from django.contrib.auth.decorators import login_required
        from django.http import JsonResponse
        from django.utils.decorators import method_decorator
        from django.views import View


        class Dashboard(View):
            @method_decorator(login_required)
            async def get(self, request):
                return JsonResponse({"ok": True})
        """,
    )


def test_login_required_mixin_before_django_5_2_is_skipped(tmp_path: Path) -> None:
    check_skipped(
        tmp_path,
        """\
        from django.contrib.auth.mixins import LoginRequiredMixin
        from django.http import JsonResponse
        from django.views import View


        class Dashboard(LoginRequiredMixin, View):
            def get(self, request):
                return JsonResponse({"ok": True})
        """,
        "needs Django 5.2 (target 5.1)",
        version="5.1",
    )


def test_customised_login_required_mixin_is_skipped(tmp_path: Path) -> None:
    check_skipped(
        tmp_path,
        """\
        from django.contrib.auth.mixins import LoginRequiredMixin
        from django.http import JsonResponse
        from django.views import View


        class Dashboard(LoginRequiredMixin, View):
            raise_exception = True

            def get(self, request):
                return JsonResponse({"ok": True})
        """,
        "customises the mixin (raise_exception)",
    )


# --- streaming --------------------------------------------------------------------------------


def test_streaming_generator_over_a_queryset_becomes_async(tmp_path: Path) -> None:
    check_transformed(
        tmp_path,
        """\
        from django.http import StreamingHttpResponse

        from shop.models import Book


        def lines(books):
            yield "title\\n"
            for book in books.order_by("title").iterator(chunk_size=100):
                yield book.title + "\\n"


        def export(request):
            return StreamingHttpResponse(lines(Book.objects.all()), content_type="text/csv")
        """,
        """\
        from django.http import StreamingHttpResponse

        from shop.models import Book


        async def lines(books):
            yield "title\\n"
            async for book in books.order_by("title").aiterator(chunk_size=100):
                yield book.title + "\\n"


        async def export(request):
            return StreamingHttpResponse(lines(Book.objects.all()), content_type="text/csv")
        """,
        # The scan flags every StreamingHttpResponse as blocking, async iterator or not.
        scan_still_blocks=frozenset({"django.http.StreamingHttpResponse"}),
    )


def test_stream_read_synchronously_elsewhere_skips_the_view(tmp_path: Path) -> None:
    check_skipped(
        tmp_path,
        """\
        from django.http import StreamingHttpResponse

        from shop.models import Book


        def export(request):
            return StreamingHttpResponse(b.title for b in Book.objects.all())
        """,
        "shop/tests.py:3 reads response.streaming_content synchronously",
        files={
            "shop/tests.py": """\
            def test_export(client):
                response = client.get("/export/")
                assert b"".join(response.streaming_content)
            """
        },
    )


# --- related_reads ----------------------------------------------------------------------------


def test_foreign_key_read_runs_in_a_thread(tmp_path: Path) -> None:
    check_transformed(
        tmp_path,
        """\
        from django.http import JsonResponse

        from shop.models import Book


        def author(request, pk):
            book = Book.objects.get(pk=pk)
            return JsonResponse({"author": book.author.name})
        """,
        """\
        from asgiref.sync import sync_to_async
        from django.http import JsonResponse

        from shop.models import Book


        async def author(request, pk):
            book = await Book.objects.aget(pk=pk)
            return JsonResponse({"author": (await sync_to_async(getattr)(book, "author")).name})
        """,
    )


def test_foreign_key_loaded_with_select_related_is_read_directly(tmp_path: Path) -> None:
    check_transformed(
        tmp_path,
        """\
        from django.http import JsonResponse

        from shop.models import Book


        def author(request, pk):
            book = Book.objects.select_related("author").get(pk=pk)
            return JsonResponse({"author": book.author.name})
        """,
        """\
        from django.http import JsonResponse

        from shop.models import Book


        async def author(request, pk):
            book = await Book.objects.select_related("author").aget(pk=pk)
            return JsonResponse({"author": book.author.name})
        """,
    )


def test_requests_head_keeps_not_following_redirects(tmp_path: Path) -> None:
    check_transformed(
        tmp_path,
        """\
        import requests
        from django.http import JsonResponse


        def probe(request):
            response = requests.head("https://s.io/", timeout=2)
            return JsonResponse({"code": response.status_code})
        """,
        """\
        import httpx
        from django.http import JsonResponse

        _SSL_CONTEXT = httpx.create_ssl_context()


        async def probe(request):
            async with httpx.AsyncClient(follow_redirects=True, verify=_SSL_CONTEXT) as client:
                response = await client.head("https://s.io/", timeout=2, follow_redirects=False)
            return JsonResponse({"code": response.status_code})
        """,
    )


def test_missing_timeout_is_noted_in_the_outcome(tmp_path: Path) -> None:
    _, result = rewrite(
        tmp_path,
        """\
        import requests
        from django.http import JsonResponse


        def probe(request):
            return JsonResponse(requests.get("https://s.example/").json())
        """,
    )
    assert result.outcomes[0].status == "changed"
    assert any("default of 5 s" in note for note in result.outcomes[0].notes)


def test_nested_function_the_scan_does_not_follow_skips_the_view(tmp_path: Path) -> None:
    check_skipped(
        tmp_path,
        """\
        from django.http import JsonResponse

        from shop.models import Book


        def titles(request):
            def load():
                return [b.title for b in Book.objects.all()]

            return JsonResponse({"titles": load()})
        """,
        "defines load() inside it, which the scan does not follow",
    )


def test_foreign_key_read_inside_an_atomic_block_stays_in_the_thread(tmp_path: Path) -> None:
    check_transformed(
        tmp_path,
        """\
        from django.db import transaction
        from django.http import JsonResponse

        from shop.models import Book


        def rename(request, pk):
            with transaction.atomic():
                book = Book.objects.get(pk=pk)
                book.author.name = request.POST["name"]
                book.author.save()
            return JsonResponse({"ok": True})
        """,
        """\
        from asgiref.sync import sync_to_async
        from django.db import transaction
        from django.http import JsonResponse

        from shop.models import Book


        async def rename(request, pk):
            def _in_transaction():
                with transaction.atomic():
                    book = Book.objects.get(pk=pk)
                    book.author.name = request.POST["name"]
                    book.author.save()

            await sync_to_async(_in_transaction)()
            return JsonResponse({"ok": True})
        """,
    )


def test_handler_with_method_decorator_before_django_5_2_is_skipped(tmp_path: Path) -> None:
    check_skipped(
        tmp_path,
        """\
        from django.http import JsonResponse
        from django.utils.decorators import method_decorator
        from django.views import View
        from django.views.decorators.cache import never_cache


        class Clock(View):
            @method_decorator(never_cache)
            def get(self, request):
                return JsonResponse({"ok": True})
        """,
        "method_decorator keeps async handlers async only from Django 5.2 (target 5.1)",
        version="5.1",
    )


def test_handler_with_method_decorator_on_django_5_2_is_kept(tmp_path: Path) -> None:
    check_transformed(
        tmp_path,
        """\
        from django.http import JsonResponse
        from django.utils.decorators import method_decorator
        from django.views import View
        from django.views.decorators.cache import never_cache


        class Clock(View):
            @method_decorator(never_cache)
            def get(self, request):
                return JsonResponse({"ok": True})
        """,
        """\
        from django.http import JsonResponse
        from django.utils.decorators import method_decorator
        from django.views import View
        from django.views.decorators.cache import never_cache


        class Clock(View):
            @method_decorator(never_cache)
            async def get(self, request):
                return JsonResponse({"ok": True})
        """,
    )


def test_login_becomes_alogin(tmp_path: Path) -> None:
    check_transformed(
        tmp_path,
        """\
        from django.contrib.auth import authenticate, login
        from django.http import JsonResponse


        def sign_in(request):
            user = authenticate(request, username=request.POST["u"], password="pw")
            if user is None:
                return JsonResponse({"ok": False}, status=401)
            login(request, user)
            return JsonResponse({"ok": True})
        """,
        """\
        from django.contrib.auth import aauthenticate, alogin
        from django.http import JsonResponse


        async def sign_in(request):
            user = await aauthenticate(request, username=request.POST["u"], password="pw")
            if user is None:
                return JsonResponse({"ok": False}, status=401)
            await alogin(request, user)
            return JsonResponse({"ok": True})
        """,
    )


# --- what is left on the event loop (codemods/_loop_audit.py) ----------------------------------


BOOK_FORM = """\
from django import forms

from shop.models import Book


class BookForm(forms.ModelForm):
    class Meta:
        model = Book
        fields = ["title"]
"""


def test_save_on_a_value_of_unknown_type_moves_into_a_thread(tmp_path: Path) -> None:
    # The scan cannot type `form.instance`; the audit cannot show `save()` is harmless,
    # and nothing comes back from it, so it runs in a thread.
    check_transformed(
        tmp_path,
        """\
        from django.http import JsonResponse

        from shop.forms import BookForm


        def add_book(request):
            form = BookForm(request.POST)
            if form.is_valid():
                book = form.instance
                book.save()
            return JsonResponse({})
        """,
        """\
        from asgiref.sync import sync_to_async
        from django.http import JsonResponse

        from shop.forms import BookForm


        async def add_book(request):
            form = BookForm(request.POST)
            if await sync_to_async(form.is_valid)():
                book = form.instance
                await sync_to_async(book.save)()
            return JsonResponse({})
        """,
        files={"shop/forms.py": BOOK_FORM},
    )


LEDGER = """\
def load_entry(pk):
    return LEDGER.get(pk)


def mark(entry):
    entry.save()


class Entry:
    def describe(self):
        return "entry"


LEDGER = {}
"""


def test_result_of_a_call_on_a_value_of_mixed_type_skips_the_view(tmp_path: Path) -> None:
    check_skipped(
        tmp_path,
        """\
        from django.http import JsonResponse

        from shop.ledger import Entry, load_entry


        def record(request):
            entry = None
            if request.GET.get("id"):
                entry = load_entry(request.GET["id"])
            if entry is None:
                entry = Entry()
            return JsonResponse({"entry": entry.describe()})
        """,
        "entry.describe() at shop/views.py:12 is a call on a value of a type the rewrite "
        "cannot tell",
        files={"shop/ledger.py": LEDGER},
    )


def test_helper_the_scan_did_not_follow_runs_in_a_thread(tmp_path: Path) -> None:
    check_transformed(
        tmp_path,
        """\
        from django.http import JsonResponse

        from shop.ledger import mark


        def touch(request):
            mark(request.GET.get("title"))
            return JsonResponse({})
        """,
        """\
        from asgiref.sync import sync_to_async
        from django.http import JsonResponse

        from shop.ledger import mark


        async def touch(request):
            await sync_to_async(mark)(request.GET.get("title"))
            return JsonResponse({})
        """,
        files={"shop/ledger.py": LEDGER},
    )


def test_instance_method_returning_plain_data_stays_on_the_loop(tmp_path: Path) -> None:
    source = """\
        from django.http import JsonResponse

        from shop.ledger import Entry


        def show(request):
            entry = Entry()
            return JsonResponse({"entry": entry.describe()})
        """
    check_transformed(
        tmp_path,
        source,
        source.replace("def show", "async def show"),
        files={"shop/ledger.py": LEDGER},
    )


def test_orm_work_in_the_class_dispatch_skips_the_view(tmp_path: Path) -> None:
    check_skipped(
        tmp_path,
        """\
        from django.http import JsonResponse
        from django.views import View

        from shop.models import Book


        class Stock(View):
            def dispatch(self, request, *args, **kwargs):
                self.books = Book.objects.count()
                return super().dispatch(request, *args, **kwargs)

            def get(self, request):
                return JsonResponse({"books": self.books})
        """,
        "Book.objects.count() at shop/views.py:9 may block",
    )


def test_plain_data_and_project_helpers_returning_data_stay_convertible(tmp_path: Path) -> None:
    source = """\
        import json

        from django.http import JsonResponse

        from shop.helpers import summary


        def digest(request):
            payload = json.loads(request.body)
            counts = {"a": 1}
            info = summary(payload.get("name", ""))
            return JsonResponse({"n": counts.get("a"), "info": info.get("name")})
        """
    check_transformed(
        tmp_path,
        source,
        source.replace("def digest", "async def digest"),
        files={
            "shop/helpers.py": """\
            def summary(name):
                return {"name": name.strip()}
            """
        },
    )


def test_property_doing_orm_work_skips_the_view(tmp_path: Path) -> None:
    check_skipped(
        tmp_path,
        """\
        from django.http import JsonResponse
        from django.views import View

        from shop.models import Book


        class Stock(View):
            @property
            def total(self):
                return Book.objects.count()

            def get(self, request):
                return JsonResponse({"books": self.total})
        """,
        "Book.objects.count() at shop/views.py:10 may block",
    )


def test_property_returning_plain_data_stays_on_the_loop(tmp_path: Path) -> None:
    source = """\
        from django.http import JsonResponse
        from django.views import View


        class Banner(View):
            @property
            def title(self):
                return "Shop"

            def get(self, request):
                return JsonResponse({"title": self.title})
        """
    check_transformed(tmp_path, source, source.replace("    def get", "    async def get"))


# --- auth backends without aget_user (advisor/policy.py) ------------------------------

ME_VIEW = """\
from django.http import JsonResponse


def me(request):
    return JsonResponse({"id": request.user.pk})
"""
TOKEN_BACKEND = """\
class TokenBackend:
    def authenticate(self, request, token=None):
        return None

    def get_user(self, user_id):
        return None
"""
MODEL_BACKEND = """\
from django.contrib.auth.backends import ModelBackend


class EmailBackend(ModelBackend):
    pass
"""


def _settings_with(backend: str) -> str:
    return SETTINGS + f'AUTHENTICATION_BACKENDS = ["{backend}"]\n'


def test_backend_without_aget_user_loads_the_user_in_a_thread(tmp_path: Path) -> None:
    check_transformed(
        tmp_path,
        ME_VIEW,
        """\
        from asgiref.sync import sync_to_async
        from django.contrib.auth import get_user
        from django.http import JsonResponse


        async def me(request):
            user = await sync_to_async(get_user)(request)
            return JsonResponse({"id": user.pk})
        """,
        files={
            "shop/settings.py": _settings_with("shop.backends.TokenBackend"),
            "shop/backends.py": TOKEN_BACKEND,
        },
    )


def test_backend_subclassing_model_backend_keeps_auser(tmp_path: Path) -> None:
    check_transformed(
        tmp_path,
        ME_VIEW,
        """\
        from django.http import JsonResponse


        async def me(request):
            user = await request.auser()
            return JsonResponse({"id": user.pk})
        """,
        files={
            "shop/settings.py": _settings_with("shop.backends.EmailBackend"),
            "shop/backends.py": MODEL_BACKEND,
        },
    )


def test_login_required_with_a_backend_without_aget_user_skips_the_view(tmp_path: Path) -> None:
    check_skipped(
        tmp_path,
        """\
        from django.contrib.auth.decorators import login_required
        from django.http import JsonResponse


        @login_required
        def dashboard(request):
            return JsonResponse({"ok": True})
        """,
        "@login_required on an async view awaits request.auser(); "
        "shop.backends.TokenBackend in AUTHENTICATION_BACKENDS has no aget_user()",
        files={
            "shop/settings.py": _settings_with("shop.backends.TokenBackend"),
            "shop/backends.py": TOKEN_BACKEND,
        },
    )


def test_which_backends_lack_aget_user(tmp_path: Path) -> None:
    from advisor.config import build_settings
    from advisor.pipeline import scan

    root = tmp_path / "site"
    (root / "site").mkdir(parents=True)
    (root / "site" / "__init__.py").write_text("")
    (root / "site" / "backends.py").write_text(
        TOKEN_BACKEND
        + "\n\nclass AsyncToken(TokenBackend):\n    async def aget_user(self, user_id):\n"
        "        return None\n"
    )
    settings = root / "site" / "settings.py"

    def lacking(value: str | None) -> tuple[str, ...]:
        line = f"AUTHENTICATION_BACKENDS = {value}\n" if value is not None else ""
        settings.write_text('ROOT_URLCONF = "site.urls"\n' + line)
        options = build_settings(root, settings_module="site.settings", use_cache=False, jobs=1)
        return scan(root, options).project.auth_backends_without_aget_user

    assert lacking('["django.contrib.auth.backends.RemoteUserBackend"]') == ()
    assert lacking('["site.backends.AsyncToken"]') == ()
    assert lacking('("site.backends.TokenBackend",)') == ("site.backends.TokenBackend",)
    assert lacking('["thirdparty.auth.Backend"]') == ("thirdparty.auth.Backend",)
    assert lacking("BACKENDS") == (
        "AUTHENTICATION_BACKENDS (not a list of strings the scan can read)",
    )
    assert lacking(None) == ()  # Django's default, ModelBackend


def test_super_call_into_a_project_base_doing_orm_work_skips_the_view(tmp_path: Path) -> None:
    check_skipped(
        tmp_path,
        """\
        from django.http import JsonResponse
        from django.views import View

        from shop.bases import Base


        class Stock(Base):
            def dispatch(self, request, *args, **kwargs):
                self.data = super().payload()
                return super().dispatch(request, *args, **kwargs)

            def get(self, request):
                return JsonResponse(self.data)
        """,
        "Book.objects.count() at shop/bases.py:8 may block",
        files={
            "shop/bases.py": """\
            from django.views import View

            from shop.models import Book


            class Base(View):
                def payload(self):
                    return {"n": Book.objects.count()}
            """
        },
    )


def test_queryset_method_iterated_on_a_value_of_unknown_type_skips_the_view(
    tmp_path: Path,
) -> None:
    check_skipped(
        tmp_path,
        """\
        from django.http import JsonResponse

        from shop.forms import BookForm


        def titles(request):
            author = BookForm(request.POST).instance.author
            return JsonResponse({"titles": [b.title for b in author.books.all()]})
        """,
        "author.books.all() at shop/views.py:8 looks like a queryset evaluated synchronously",
        files={"shop/forms.py": BOOK_FORM},
    )


def test_truth_test_of_a_queryset_the_scan_did_not_type_skips_the_view(tmp_path: Path) -> None:
    check_skipped(
        tmp_path,
        """\
        from django.http import JsonResponse

        from shop.forms import BookForm


        def has_books(request):
            author = BookForm(request.POST).instance.author
            books = author.books.filter(stock__gt=0)
            if books:
                return JsonResponse({"any": True})
            return JsonResponse({"any": False})
        """,
        "`if books` at shop/views.py:9 evaluates a queryset synchronously",
        files={"shop/forms.py": BOOK_FORM},
    )


CONTACT_FORM = """\
from django import forms

from shop.models import Book


class ContactForm(forms.Form):
    email = forms.EmailField()

    def clean_email(self):
        if Book.objects.filter(title=self.cleaned_data["email"]).exists():
            raise forms.ValidationError("taken")
        return self.cleaned_data["email"]
"""


def test_form_validation_the_scan_did_not_flag_moves_into_a_thread(tmp_path: Path) -> None:
    # is_valid() runs clean_email(), which queries: it cannot stay on the loop, and its
    # result is a bool, so it may come back from a thread.
    check_transformed(
        tmp_path,
        """\
        from django.http import JsonResponse

        from shop.forms import ContactForm


        def contact(request):
            form = ContactForm(request.POST)
            if form.is_valid():
                return JsonResponse({"ok": form.cleaned_data["email"]})
            return JsonResponse({"errors": form.errors}, status=400)
        """,
        """\
        from asgiref.sync import sync_to_async
        from django.http import JsonResponse

        from shop.forms import ContactForm


        async def contact(request):
            form = ContactForm(request.POST)
            if await sync_to_async(form.is_valid)():
                return JsonResponse({"ok": form.cleaned_data["email"]})
            return JsonResponse({"errors": form.errors}, status=400)
        """,
        files={"shop/forms.py": CONTACT_FORM},
    )


def test_helper_re_exported_by_a_package_is_followed(tmp_path: Path) -> None:
    check_skipped(
        tmp_path,
        """\
        from django.http import JsonResponse

        from shop.tools import stock_of


        def stock(request):
            return JsonResponse({"n": stock_of(request.GET.get("title"))})
        """,
        "entry.books.count() at shop/tools/counting.py:2",
        files={
            "shop/tools/__init__.py": "from .counting import stock_of\n",
            "shop/tools/counting.py": """\
            def stock_of(entry):
                return entry.books.count()
            """,
        },
    )


def test_form_errors_read_without_validation_skips_the_view(tmp_path: Path) -> None:
    check_skipped(
        tmp_path,
        """\
        from django.http import JsonResponse

        from shop.forms import ContactForm


        def contact_errors(request):
            form = ContactForm(request.POST)
            return JsonResponse({"errors": form.errors})
        """,
        "form.errors at shop/views.py:8 validates the form on first read",
        files={"shop/forms.py": CONTACT_FORM},
    )


def test_generator_helper_result_used_on_the_loop_skips_the_view(tmp_path: Path) -> None:
    check_skipped(
        tmp_path,
        """\
        from django.http import JsonResponse

        from shop.ledger import lines


        def export(request):
            rows = lines(request.GET.get("title"))
            return JsonResponse({"rows": list(rows)})
        """,
        "entry.save() at shop/ledger.py:3",
        files={
            "shop/ledger.py": """\
            def lines(entry):
                yield "header"
                entry.save()
            """
        },
    )
