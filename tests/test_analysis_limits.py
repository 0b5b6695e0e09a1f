"""Every recursion of the analysis is bounded, and a bound that cuts it short says so: a
finding for the user and, where a view's evidence is incomplete, an unknown call (so the
rewrite does not trust it) — never a crash, never a silently empty view."""

from __future__ import annotations

from pathlib import Path

from snippets import calls, make_project, scan_project

from advisor.model import ScanResult

CHAIN_URLS = """
from django.urls import path
from shop import views
urlpatterns = [path("v/", views.view, name="v")]
"""

CBV_URLS = """
from django.urls import path
from shop.views import V
urlpatterns = [path("v/", V.as_view())]
"""


def chain(depth: int) -> str:
    lines = ["import requests"]
    for i in range(depth):
        lines += [f"def h{i}():", f"    return h{i + 1}()"]
    lines += [f"def h{depth}():", "    return requests.get('http://127.0.0.1', timeout=1)"]
    lines += ["def view(request):", "    return h0()"]
    return "\n".join(lines) + "\n"


def hierarchy(depth: int) -> str:
    lines = ["from django.views import View", "class C0(View):", "    pass"]
    for i in range(1, depth):
        lines += [f"class C{i}(C{i - 1}):", "    pass"]
    lines += [f"class V(C{depth - 1}):", "    def get(self, request):", "        return None"]
    return "\n".join(lines) + "\n"


def limits(result: ScanResult) -> list[str]:
    return [f.message for f in result.findings if f.kind == "limit"]


def scan_views(tmp_path: Path, body: str, urls: str = CHAIN_URLS, **files: str) -> ScanResult:
    make_project(tmp_path, {"shop/views.py": body, "urls.py": urls, **files})
    return scan_project(tmp_path)


# Flagged ---------------------------------------------------------------------------------


def test_a_call_chain_deeper_than_the_bound_is_a_finding_and_an_unknown_call(
    tmp_path: Path,
) -> None:
    result = scan_views(tmp_path, chain(20))
    assert limits(result) == [
        "calls nested deeper than max_call_depth = 8 are not followed (first at "
        "shop.views.h7); raise it in [tool.advisor]"
    ]
    view = result.view("shop.views.view")
    assert view is not None and view.effects == ()
    assert [u.reason for u in view.unknown_calls] == [
        "deeper than max_call_depth = 8"
    ]


def test_a_very_deep_class_hierarchy_is_cut_with_a_finding_not_a_crash(tmp_path: Path) -> None:
    urls = CBV_URLS
    result = scan_views(tmp_path, hierarchy(1500), urls)
    assert result.view("shop.views.V") is not None
    assert limits(result) == [
        "a class hierarchy deeper than 100 levels (at shop.views.C1400): the ancestors "
        "beyond are not followed"
    ]


def test_a_value_passed_through_too_many_names_is_unknown_with_a_finding(tmp_path: Path) -> None:
    body = "import requests\ndef view(request):\n    s0 = requests.Session()\n"
    body += "".join(f"    s{i} = s{i - 1}\n" for i in range(1, 30))
    body += "    return s29.get('http://127.0.0.1', timeout=1)\n"
    result = scan_views(tmp_path, body)
    assert limits(result) == [
        "values followed through more than 12 steps are unknown (first in shop.views.view)"
    ]


# Not flagged -----------------------------------------------------------------------------


def test_a_chain_within_the_bound_is_followed_without_a_finding(tmp_path: Path) -> None:
    result = scan_views(tmp_path, chain(4))
    view = result.view("shop.views.view")
    assert view is not None and calls(view, "http") == ["requests.get"]
    assert view.unknown_calls == () and limits(result) == []


def test_raising_max_call_depth_follows_the_whole_chain(tmp_path: Path) -> None:
    result = scan_views(
        tmp_path, chain(20), **{"pyproject.toml": "[tool.advisor]\nmax_call_depth = 40\n"}
    )
    view = result.view("shop.views.view")
    assert view is not None and calls(view, "http") == ["requests.get"]
    assert limits(result) == []


def test_recursion_in_the_project_is_not_a_limit(tmp_path: Path) -> None:
    body = """
import requests
def walk(n):
    if n:
        return walk(n - 1)
    return requests.get("http://127.0.0.1", timeout=1)
def view(request):
    return walk(3)
"""
    result = scan_views(tmp_path, body)
    view = result.view("shop.views.view")
    assert view is not None and set(calls(view, "http")) == {"requests.get"}
    assert view.unknown_calls == () and limits(result) == []


def test_an_ordinary_hierarchy_has_no_finding(tmp_path: Path) -> None:
    urls = CBV_URLS
    result = scan_views(tmp_path, hierarchy(20), urls)
    assert result.view("shop.views.V") is not None and limits(result) == []


def test_a_value_passed_through_a_few_names_is_followed(tmp_path: Path) -> None:
    body = "import requests\ndef view(request):\n    s0 = requests.Session()\n"
    body += "".join(f"    s{i} = s{i - 1}\n" for i in range(1, 4))
    body += "    return s3.get('http://127.0.0.1', timeout=1)\n"
    result = scan_views(tmp_path, body)
    view = result.view("shop.views.view")
    assert view is not None and calls(view, "http") == ["requests.Session.get"]
    assert limits(result) == []
