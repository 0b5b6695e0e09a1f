"""The time model walks a request's paths (issue 17, item 1): exclusive branches cost their
dearest arm, loops with a known bound run exactly that often, and CPU follows what is known
of its input. Each test scans a small real project and reads the score a user would see."""

from __future__ import annotations

from pathlib import Path

import pytest

from advisor.model import Category, View
from advisor.scoring import score_view
from advisor.config import build_settings
from tests.snippets import make_project, scan_project

HEADER = """
import hashlib
import requests
from django.core.cache import cache
from django.http import HttpResponse
from django.shortcuts import render
from shop.models import Book
"""


def scored(tmp_path: Path, body: str) -> tuple[View, float, tuple[str, ...]]:
    make_project(tmp_path, {"shop/views.py": HEADER + body})
    result = scan_project(tmp_path)
    view = result.view("shop.views.view")
    assert view is not None and view.score is not None
    return view, view.score.predicted_sync_ms, view.score.reasons


def test_an_if_elif_chain_of_renders_costs_one_render(tmp_path: Path) -> None:
    branches = "\n".join(
        f"    {'if' if i == 0 else 'elif'} kind == {i}:\n"
        f"        return render(request, 't{i}.html')"
        for i in range(7)
    )
    view, sync_ms, reasons = scored(
        tmp_path, f"def view(request):\n    kind = int(request.GET['k'])\n{branches}\n"
    )
    renders = [e for e in view.effects if e.call == "django.shortcuts.render"]
    assert len(renders) == 7  # every render is still evidence
    template = renders[0].estimated_ms
    assert sync_ms == template
    assert any("costliest path" in r for r in reasons)


def test_an_early_return_is_exclusive_with_the_rest_of_the_function(tmp_path: Path) -> None:
    _, sync_ms, _ = scored(
        tmp_path,
        """
def view(request):
    cached = cache.get("quotes")
    if cached is not None:
        return render(request, "quotes.html", {"quotes": cached})
    first = requests.get("http://a.example/1", timeout=5)
    second = requests.get("http://a.example/2", timeout=5)
    return HttpResponse(first.text + second.text)
""",
    )
    # cache (1 ms) + the path that goes on: two calls of 150 ms, not the render (4 ms) too
    assert sync_ms == 1 + 2 * 150


def test_try_and_its_fallback_cost_the_dearer_of_the_two(tmp_path: Path) -> None:
    view, sync_ms, _ = scored(
        tmp_path,
        """
def view(request):
    try:
        data = requests.get("http://a.example/", timeout=5).text
    except requests.RequestException:
        data = requests.get("http://mirror.example/", timeout=5).text
    return HttpResponse(data)
""",
    )
    assert sync_ms == 150
    assert view.score is not None and view.score.category == Category.STRONG


def test_the_costliest_branch_decides_and_http_in_it_is_released(tmp_path: Path) -> None:
    view, sync_ms, _ = scored(
        tmp_path,
        """
def view(request):
    if request.GET.get("local"):
        return HttpResponse(Book.objects.count())
    return HttpResponse(requests.get("http://a.example/", timeout=5).text)
""",
    )
    assert sync_ms == 150
    assert view.score is not None and view.score.overlap_ms == 150


def test_loops_with_known_bounds_are_exact(tmp_path: Path) -> None:
    view, sync_ms, reasons = scored(
        tmp_path,
        """
def view(request):
    for _ in range(0):
        requests.get("http://a.example/never", timeout=5)
    for host in ("a", "b", "c"):
        requests.get(f"http://{host}.example/", timeout=5)
    return HttpResponse("ok")
""",
    )
    assert sync_ms == 3 * 150
    assert not any("loop of unknown length" in r for r in reasons)
    never = [e for e in view.effects if e.multiplier == 0]
    assert len(never) == 1


def test_an_unknown_loop_bound_is_a_stated_assumption(tmp_path: Path) -> None:
    make_project(
        tmp_path,
        {
            "shop/views.py": HEADER
            + """
def view(request):
    for book in request.GET.getlist("b"):
        requests.get(f"http://a.example/{book}", timeout=5)
    return HttpResponse("ok")
""",
            "pyproject.toml": "[tool.advisor]\nloop_iterations = 3\n",
        },
    )
    result = scan_project(tmp_path)
    view = result.view("shop.views.view")
    assert view is not None and view.score is not None
    assert view.score.predicted_sync_ms == 3 * 150
    assert any(
        "assumed: a loop of unknown length counted as 3 iterations" in r for r in view.score.reasons
    )


def test_hashing_a_short_literal_costs_nothing(tmp_path: Path) -> None:
    view, sync_ms, reasons = scored(
        tmp_path,
        """
SALT = "a-sixty-byte-salt-that-is-long-enough-to-look-like-a-key-123"

def view(request):
    token = hashlib.sha256(SALT.encode()).hexdigest()
    return HttpResponse(token)
""",
    )
    assert sync_ms < 0.01
    assert view.score is not None and view.score.category != Category.KEEP_SYNC
    assert not any("unknown size" in r for r in reasons)


def test_hashing_an_input_of_unknown_size_is_a_stated_assumption(tmp_path: Path) -> None:
    view, sync_ms, reasons = scored(
        tmp_path,
        """
def view(request):
    return HttpResponse(hashlib.sha256(request.body).hexdigest())
""",
    )
    # Priced as the largest body Django keeps in memory (2.5 MiB at ~500 MB/s), not as
    # the 60 ms cpu class: hashing is cheap next to one query unless the input is huge.
    assert 4 < sync_ms < 6
    assert any(
        "assumed: sha256() of an input of unknown size priced as 2.5 MiB" in r for r in reasons
    )


def test_a_helper_called_from_two_branches_counts_once(tmp_path: Path) -> None:
    _, sync_ms, _ = scored(
        tmp_path,
        """
def fetch(url):
    return requests.get(url, timeout=5).text

def view(request):
    if request.GET.get("mirror"):
        body = fetch("http://mirror.example/")
    else:
        body = fetch("http://a.example/")
    return HttpResponse(body)
""",
    )
    assert sync_ms == 150


def test_a_blocking_call_in_any_branch_of_an_async_view_is_reported(tmp_path: Path) -> None:
    view, _, _ = scored(
        tmp_path,
        """
async def view(request):
    if request.GET.get("slow"):
        return HttpResponse(requests.get("http://a.example/", timeout=5).text)
    for _ in range(50):  # 200 ms of awaited queries: the dearer path, without the bug
        await Book.objects.acount()
    return HttpResponse("ok")
""",
    )
    assert view.score is not None and view.score.category == Category.ASYNC_BLOCKING


def test_score_view_is_stable_on_views_without_branches(tmp_path: Path) -> None:
    make_project(
        tmp_path,
        {
            "shop/views.py": HEADER
            + """
def view(request):
    requests.get("http://a.example/", timeout=5)
    return HttpResponse(Book.objects.count())
"""
        },
    )
    result = scan_project(tmp_path)
    view = result.view("shop.views.view")
    assert view is not None and view.score is not None
    again = score_view(view, result.project, build_settings(tmp_path))
    assert again.predicted_sync_ms == view.score.predicted_sync_ms == 150 + 4
    assert not any("costliest path" in r for r in again.reasons)


def test_the_code_after_an_elif_chain_of_returns_runs_on_none_of_its_arms(
    tmp_path: Path,
) -> None:
    _, sync_ms, _ = scored(
        tmp_path,
        """
def view(request):
    kind = request.GET.get("kind")
    if kind == "a":
        return render(request, "a.html")
    elif kind == "b":
        return render(request, "b.html")
    elif kind == "c":
        return render(request, "c.html")
    return HttpResponse(requests.get("http://a.example/", timeout=5).text)
""",
    )
    assert sync_ms == 150  # not 150 + one render


def test_hashing_a_repeated_or_joined_literal_follows_its_size(tmp_path: Path) -> None:
    _, sync_ms, reasons = scored(
        tmp_path,
        """
def view(request):
    digest = hashlib.sha256(b"0123456789" * 6).hexdigest()
    other = hashlib.md5(("a" + "b").encode()).hexdigest()
    return HttpResponse(digest + other)
""",
    )
    assert sync_ms < 0.01
    assert not any("unknown size" in r for r in reasons)


def test_a_loop_over_range_zero_or_an_empty_literal_runs_no_iterations(tmp_path: Path) -> None:
    view, sync_ms, reasons = scored(
        tmp_path,
        """
def view(request):
    for _ in range(0):
        requests.get("http://a.example/never", timeout=5)
    for host in ():
        Book.objects.count()
    return HttpResponse("ok")
""",
    )
    assert sorted(e.multiplier for e in view.effects) == [0, 0]
    assert sync_ms == 0
    assert not any("loop of unknown length" in r for r in reasons)


def test_a_loop_over_range_two_runs_twice(tmp_path: Path) -> None:
    view, sync_ms, _ = scored(
        tmp_path,
        """
def view(request):
    for _ in range(2):
        requests.get("http://a.example/", timeout=5)
    return HttpResponse("ok")
""",
    )
    assert [e.multiplier for e in view.effects] == [2] and sync_ms == 2 * 150


FLAGS = """
from django.conf import settings
REMOTE_PRICES = False
LIVE_PRICES = True
PRICE_HOOK = None
CONFIGURED = getattr(settings, "SHOP_REMOTE_PRICES", False)
"""


def http_calls(tmp_path: Path, body: str) -> list[str]:
    make_project(tmp_path, {"shop/views.py": HEADER + body, "shop/flags.py": FLAGS})
    view = scan_project(tmp_path).view("shop.views.view")
    assert view is not None
    return [e.call for e in view.effects if e.kind.value == "http"]


# An `if` on a module-level literal constant: its dead arm costs nothing.
DEAD_ARMS = {
    "false-constant": "REMOTE_PRICES = False\ndef view(request):\n    if REMOTE_PRICES:\n"
    "        requests.get('http://a.example/', timeout=5)\n",
    "not-a-true-constant": "LIVE = True\ndef view(request):\n    if not LIVE:\n"
    "        requests.get('http://a.example/', timeout=5)\n",
    "else-of-a-true-constant": "LIVE = True\ndef view(request):\n    if LIVE:\n        pass\n"
    "    else:\n        requests.get('http://a.example/', timeout=5)\n",
    "imported-false-constant": "from shop.flags import REMOTE_PRICES\ndef view(request):\n"
    "    if REMOTE_PRICES:\n        requests.get('http://a.example/', timeout=5)\n",
    "none-constant-is-not-none": "from shop.flags import PRICE_HOOK\ndef view(request):\n"
    "    if PRICE_HOOK is not None:\n        requests.get('http://a.example/', timeout=5)\n",
}


@pytest.mark.parametrize("body", DEAD_ARMS.values(), ids=DEAD_ARMS.keys())
def test_a_branch_a_module_constant_rules_out_is_dead(tmp_path: Path, body: str) -> None:
    assert http_calls(tmp_path, body) == []


LIVE_ARMS = {
    "true-constant": "from shop.flags import LIVE_PRICES\ndef view(request):\n"
    "    if LIVE_PRICES:\n        requests.get('http://a.example/', timeout=5)\n",
    "computed-from-settings": "from shop.flags import CONFIGURED\ndef view(request):\n"
    "    if CONFIGURED:\n        requests.get('http://a.example/', timeout=5)\n",
    "a-parameter-of-the-same-name": "REMOTE_PRICES = False\n"
    "def view(request, REMOTE_PRICES=True):\n    if REMOTE_PRICES:\n"
    "        requests.get('http://a.example/', timeout=5)\n",
    "rebound-in-the-function": "REMOTE_PRICES = False\ndef view(request):\n"
    "    REMOTE_PRICES = request.GET.get('remote')\n    if REMOTE_PRICES:\n"
    "        requests.get('http://a.example/', timeout=5)\n",
}


@pytest.mark.parametrize("body", LIVE_ARMS.values(), ids=LIVE_ARMS.keys())
def test_a_branch_no_constant_rules_out_keeps_its_cost(tmp_path: Path, body: str) -> None:
    assert http_calls(tmp_path, body) == ["requests.get"]


def test_a_helper_called_in_a_loop_over_an_empty_list_runs_no_iterations(
    tmp_path: Path,
) -> None:
    view, sync_ms, _ = scored(
        tmp_path,
        """
def fetch(url):
    return requests.get(url, timeout=5).text

def view(request):
    for url in []:
        fetch(url)
    return HttpResponse("ok")
""",
    )
    assert [e.multiplier for e in view.effects] == [0] and sync_ms == 0


def test_a_loop_over_an_empty_range_with_a_start_runs_no_iterations(tmp_path: Path) -> None:
    view, sync_ms, _ = scored(
        tmp_path,
        """
def view(request):
    for page in range(5, 5):
        Book.objects.filter(pk=page).count()
    return HttpResponse("ok")
""",
    )
    assert [e.multiplier for e in view.effects] == [0] and sync_ms == 0


def test_a_loop_over_an_empty_dict_literal_runs_no_iterations(tmp_path: Path) -> None:
    view, sync_ms, reasons = scored(
        tmp_path,
        """
def view(request):
    for key in {}:
        requests.get("http://a.example/never", timeout=5)
    return HttpResponse("ok")
""",
    )
    assert [e.multiplier for e in view.effects] == [0]
    assert sync_ms == 0
    assert not any("loop of unknown length" in r for r in reasons)


def test_a_literal_with_a_starred_part_is_a_loop_of_unknown_length(tmp_path: Path) -> None:
    _, sync_ms, reasons = scored(
        tmp_path,
        """
MIRRORS = ["http://a.example/", "http://b.example/"]

def view(request):
    for url in [*MIRRORS, "http://c.example/"]:
        requests.get(url, timeout=5)
    return HttpResponse("ok")
""",
    )
    assert sync_ms == 5 * 150  # not 2 x 150: the starred part is not one item
    assert any("loop of unknown length" in r for r in reasons)
