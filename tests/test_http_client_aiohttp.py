"""`rewrite --http-client aiohttp`: requests calls become aiohttp.ClientSession usage with
each response read inside its own `async with`, its API translated; a use that cannot be
translated safely skips the view. The proof: the bookshop sample's own tests (a stub
upstream on 127.0.0.1) pass on its rewritten shipping views."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

from click.testing import CliRunner
from test_codemods import VIEWS, _project, _scan

from advisor.cli import main
from advisor.rewrite import RewriteResult, choose_http_client, rewrite_project, write_changes
from codemods import Target

BOOKSHOP = Path(__file__).resolve().parent.parent / "sample_projects" / "bookshop"


def _rewrite(root: Path) -> RewriteResult:
    result = _scan(root, "5.2")
    views = [v for v in result.views if v.location.path == VIEWS]
    target = Target("5.2", http_client="aiohttp")
    return rewrite_project(root, result, views, target, "--django-version")


def check_transformed(tmp_path: Path, before: str, after: str) -> tuple[str, ...]:
    """The rewrite gives `after` (which compiles), a rescan finds the view async and clean,
    a second rewrite changes nothing; returns the notes of the outcome."""
    root = _project(tmp_path, before, None)
    result = _rewrite(root)
    assert [o.status for o in result.outcomes] == ["changed"], result.outcomes
    text = result.changes[VIEWS][1]
    compile(text, VIEWS, "exec")
    assert text.decode() == textwrap.dedent(after)
    write_changes(root, result.changes)
    view = _scan(root, "5.2").view(result.outcomes[0].view_id)
    assert view is not None and view.score is not None and view.is_async
    assert not [e.call for e in view.effects if e.blocking and not e.awaited]
    assert view.score.category.value == "already async", view.score
    assert _rewrite(root).changes == {}
    return result.outcomes[0].notes


def check_skipped(tmp_path: Path, source: str, reason: str) -> None:
    result = _rewrite(_project(tmp_path, source, None))
    assert result.changes == {}, result.changes
    assert [o.status for o in result.outcomes] == ["skipped"], result.outcomes
    assert reason in result.outcomes[0].reason, result.outcomes[0].reason


# --- before/after --------------------------------------------------------------------------


def test_named_response_is_read_inside_its_own_async_with(tmp_path: Path) -> None:
    notes = check_transformed(
        tmp_path,
        """\
        import requests
        from django.http import JsonResponse


        def status(request):
            response = requests.get("https://s.example/", params={"q": 1}, timeout=5)
            response.raise_for_status()
            if response.status_code == 204:
                return JsonResponse({})
            return JsonResponse(response.json())
        """,
        """\
        import aiohttp
        from django.http import JsonResponse


        async def status(request):
            async with aiohttp.ClientSession() as session:
                async with session.get(
                    "https://s.example/", params={"q": 1}, timeout=aiohttp.ClientTimeout(total=5)
                ) as response:
                    response.raise_for_status()
                    if response.status == 204:
                        return JsonResponse({})
                    return JsonResponse(await response.json(content_type=None))
        """,
    )
    assert any("bounds the whole request" in note for note in notes), notes


def test_only_the_statements_using_the_response_move_into_its_block(tmp_path: Path) -> None:
    check_transformed(
        tmp_path,
        """\
        import time

        import requests
        from django.http import JsonResponse


        def track(request, number):
            status = "unknown"
            while status != "delivered":
                response = requests.get(f"https://t.example/{number}", timeout=5)
                status = response.json()["status"]
                time.sleep(0.5)
            return JsonResponse({"status": status})
        """,
        """\
        import asyncio

        import aiohttp
        from django.http import JsonResponse


        async def track(request, number):
            status = "unknown"
            async with aiohttp.ClientSession() as session:
                while status != "delivered":
                    async with session.get(
                        f"https://t.example/{number}", timeout=aiohttp.ClientTimeout(total=5)
                    ) as response:
                        status = (await response.json(content_type=None))["status"]
                    await asyncio.sleep(0.5)
            return JsonResponse({"status": status})
        """,
    )


def test_dropped_response_keeps_its_comment_auth_and_verify_are_translated(
    tmp_path: Path,
) -> None:
    notes = check_transformed(
        tmp_path,
        """\
        import requests
        from django.http import JsonResponse


        def notify(request):
            requests.post("https://h.io/", {"a": 1}, auth=("u", "p"), verify=False)  # forget
            return JsonResponse({"sent": True})
        """,
        """\
        import aiohttp
        from django.http import JsonResponse


        async def notify(request):
            async with aiohttp.ClientSession() as session:
                async with session.post(
                    "https://h.io/", data={"a": 1}, auth=aiohttp.BasicAuth("u", "p"), ssl=False
                ):  # forget
                    pass
            return JsonResponse({"sent": True})
        """,
    )
    assert any("had no timeout: aiohttp applies its default of 5 min" in n for n in notes)


def test_request_inside_an_expression_is_lifted_in_front_of_its_statement(
    tmp_path: Path,
) -> None:
    check_transformed(
        tmp_path,
        """\
        import requests
        from django.http import JsonResponse


        def price(request, isbn):
            # the price service
            value = requests.get(f"https://p.example/{isbn}", timeout=2).json()["price"]  # €
            return JsonResponse({"price": value})
        """,
        """\
        import aiohttp
        from django.http import JsonResponse


        async def price(request, isbn):
            # the price service
            async with aiohttp.ClientSession() as session:
                async with session.get(
                    f"https://p.example/{isbn}", timeout=aiohttp.ClientTimeout(total=2)
                ) as response:
                    value = (await response.json(content_type=None))["price"]  # €
            return JsonResponse({"price": value})
        """,
    )


def test_body_reads_and_exceptions_are_translated(tmp_path: Path) -> None:
    check_transformed(
        tmp_path,
        """\
        import requests
        from django.http import JsonResponse


        def page(request):
            try:
                response = requests.get("https://x.example/", timeout=3)
                body = response.text.strip()
                raw = response.content
                where = response.url
                data = response.json()
            except requests.RequestException:
                return JsonResponse({"up": False}, status=503)
            return JsonResponse({"body": body, "n": len(raw), "url": where, "data": data})
        """,
        """\
        import asyncio

        import aiohttp
        from django.http import JsonResponse


        async def page(request):
            try:
                async with aiohttp.ClientSession() as session:
                    async with session.get(
                        "https://x.example/", timeout=aiohttp.ClientTimeout(total=3)
                    ) as response:
                        body = (await response.text()).strip()
                        raw = await response.read()
                        where = str(response.url)
                        data = await response.json(content_type=None)
            except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
                return JsonResponse({"up": False}, status=503)
            return JsonResponse({"body": body, "n": len(raw), "url": where, "data": data})
        """,
    )


def test_http_errors_and_timeouts_map_to_aiohttp_exceptions(tmp_path: Path) -> None:
    check_transformed(
        tmp_path,
        """\
        import requests
        from django.http import JsonResponse


        def ping(request):
            try:
                response = requests.get("https://x.example/", timeout=3)
                response.raise_for_status()
                return JsonResponse({"ok": response.ok, "why": response.reason})
            except requests.HTTPError:
                return JsonResponse({}, status=502)
            except (requests.Timeout, requests.ConnectionError):
                return JsonResponse({}, status=504)
        """,
        """\
        import asyncio

        import aiohttp
        from django.http import JsonResponse


        async def ping(request):
            try:
                async with aiohttp.ClientSession() as session:
                    async with session.get(
                        "https://x.example/", timeout=aiohttp.ClientTimeout(total=3)
                    ) as response:
                        response.raise_for_status()
                        return JsonResponse({"ok": response.ok, "why": response.reason})
            except aiohttp.ClientResponseError:
                return JsonResponse({}, status=502)
            except (asyncio.TimeoutError, aiohttp.ClientConnectionError):
                return JsonResponse({}, status=504)
        """,
    )


# --- refusals -------------------------------------------------------------------------------

GET = 'response = requests.get("https://s.example/", timeout=5)'


def _view(*body: str, extra: str = "") -> str:
    lines = "\n".join(f"    {line}" for line in body)
    return (
        "import requests\nfrom django.http import HttpResponse, JsonResponse\n\n\n"
        f"def view(request):\n{lines}\n{extra}"
    )


def test_returned_response_skips_the_view(tmp_path: Path) -> None:
    check_skipped(tmp_path, _view(GET, "return response"), "(returned, stored or passed on)")


def test_response_passed_to_another_function_skips_the_view(tmp_path: Path) -> None:
    helper = "\n\ndef summarise(r):\n    return r.json()\n"
    check_skipped(
        tmp_path,
        _view(GET, "return JsonResponse(summarise(response))", extra=helper),
        "used as 'response'",
    )


def test_attribute_aiohttp_lacks_skips_the_view(tmp_path: Path) -> None:
    check_skipped(
        tmp_path,
        _view(GET, 'return JsonResponse({"s": response.elapsed.total_seconds()})'),
        "uses .elapsed, which aiohttp responses lack or mean differently",
    )


def test_history_skips_the_view(tmp_path: Path) -> None:
    check_skipped(
        tmp_path,
        _view(GET, 'return JsonResponse({"n": len(response.history)})'),
        "uses .history",
    )


def test_stream_skips_the_view(tmp_path: Path) -> None:
    check_skipped(
        tmp_path,
        _view(
            'response = requests.get("https://s.example/", stream=True, timeout=5)',
            "return HttpResponse(response.content)",
        ),
        "requests' stream= has no per-request equivalent in aiohttp",
    )


def test_client_certificate_skips_the_view(tmp_path: Path) -> None:
    check_skipped(
        tmp_path,
        _view(
            'response = requests.get("https://s.example/", cert="c.pem", timeout=5)',
            "return HttpResponse(response.content)",
        ),
        "requests' cert= has no per-request equivalent in aiohttp",
    )


def test_verify_decided_at_run_time_skips_the_view(tmp_path: Path) -> None:
    check_skipped(
        tmp_path,
        _view(
            'response = requests.get("https://s.example/", verify=request.GET["v"], timeout=5)',
            "return HttpResponse(response.content)",
        ),
        "is decided at run time; aiohttp takes ssl=False or an ssl.SSLContext",
    )


def test_timeout_tuple_skips_the_view(tmp_path: Path) -> None:
    check_skipped(
        tmp_path,
        _view(
            'response = requests.get("https://s.example/", timeout=(3, 10))',
            "return HttpResponse(response.content)",
        ),
        "a (connect, read) timeout tuple",
    )


def test_response_used_after_its_block_skips_the_view(tmp_path: Path) -> None:
    check_skipped(
        tmp_path,
        _view(
            "try:",
            f"    {GET}",
            "except requests.ConnectionError:",
            "    return JsonResponse({}, status=502)",
            "return JsonResponse(response.json())",
        ),
        "is used outside the block that makes the request",
    )


def test_json_with_loads_arguments_skips_the_view(tmp_path: Path) -> None:
    check_skipped(
        tmp_path,
        _view(GET, "return JsonResponse(response.json(parse_float=str))"),
        "aiohttp's json() takes no json.loads arguments",
    )


def test_request_whose_statement_runs_other_calls_first_skips_the_view(tmp_path: Path) -> None:
    check_skipped(
        tmp_path,
        _view(
            'total = len(request.GET) + requests.get("https://s.example/", timeout=5).json()["n"]',
            'return JsonResponse({"n": total})',
        ),
        "shares its statement with len(), whose order would change",
    )


def test_request_on_one_path_of_an_expression_skips_the_view(tmp_path: Path) -> None:
    check_skipped(
        tmp_path,
        _view(
            'n = request.GET.get("n") or requests.get("https://s.example/", timeout=5).json()',
            'return JsonResponse({"n": n})',
        ),
        "runs only on some paths of its expression",
    )


# --- choice and proof ----------------------------------------------------------------------


def test_a_project_declaring_aiohttp_gets_aiohttp_by_default(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("Django\nrequests\naiohttp>=3.9\n")
    assert choose_http_client(tmp_path, None) == ("aiohttp", "the project depends on it")
    (tmp_path / "requirements.txt").write_text("Django\nrequests\n")
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\ndependencies = ["aiohttp"]\n')
    assert choose_http_client(tmp_path, None) == ("aiohttp", "the project depends on it")
    (tmp_path / "pyproject.toml").unlink()
    assert choose_http_client(tmp_path, None)[0] == "httpx"


def test_bookshop_shipping_views_pass_their_own_tests_on_aiohttp(tmp_path: Path) -> None:
    shop = Path(shutil.copytree(BOOKSHOP, tmp_path / "bookshop"))
    result = CliRunner().invoke(
        main,
        [
            "rewrite",
            str(shop),
            "--view",
            "shipping.views.shipping_quotes",
            "--view",
            "shipping.views.track_parcel",
            "--http-client",
            "aiohttp",
            "--write",
        ],
    )
    assert result.exit_code == 0, result.stderr
    assert "HTTP client aiohttp (--http-client)" in result.stderr
    assert "changed  shipping.views.shipping_quotes  async def, aiohttp.ClientSession" in (
        result.stderr
    )
    views = (shop / "shipping" / "views.py").read_text()
    assert "async with aiohttp.ClientSession() as session:" in views
    assert "url, timeout=aiohttp.ClientTimeout(total=5)\n            ) as response:" in views
    assert "import requests" not in views
    assert (shop / "requirements.txt").read_text().endswith("aiohttp\n")
    run = subprocess.run(
        [sys.executable, "manage.py", "test", "shipping"],
        cwd=shop,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert "Ran 4 tests" in run.stderr


def test_the_html_advice_uses_the_client_the_rewrite_would_choose(tmp_path: Path) -> None:
    from test_report_paths import copy_sample, data_block, run_cli, scan

    shop = copy_sample("bookshop", tmp_path / "bookshop")
    (shop / "requirements.txt").write_text("Django>=5.2,<5.3\nrequests\naiohttp\n")
    advice = {
        view["id"]: view["rewrite"]
        for view in data_block(scan(shop, "html"))["views"]
        if "command" in view
    }
    outcome = run_cli(
        "rewrite", str(shop), "--view", "pages.views.upstream_status", "--format", "json"
    )
    assert outcome.returncode == 0, outcome.stderr
    (actual,) = json.loads(outcome.stdout)["outcomes"]
    # aiohttp closes the response at the end of its block; the view reads it after its try.
    assert actual["outcome"] == "skipped" and "outside the block" in actual["reason"]
    said = advice["pages.views.upstream_status"]
    assert (said["status"], said.get("reason", "")) == (actual["outcome"], actual["reason"])
