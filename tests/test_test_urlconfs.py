"""URLconfs the tests route through, discovered besides ROOT_URLCONF: a reusable app's suite
often routes its views only there. `@override_settings(ROOT_URLCONF=...)` with a module path
or a class holding `urlpatterns`, `self.settings(...)`, `@pytest.mark.urls(...)` and the `urls`
attribute of test cases; `list(other.urlpatterns) + [...]` in such a module."""

from __future__ import annotations

from pathlib import Path

from snippets import make_project, scan_project

from advisor.model import ScanResult

VIEWS = """
from django.http import HttpResponse

def home(request):
    return HttpResponse("home")

def ipn(request):
    return HttpResponse("ipn")
"""
TEST_URLS = """
from django.urls import path
from shop import views
urlpatterns = [path("ipn/", views.ipn)]
"""


def scan_with_tests(root: Path, tests: str, extra: dict[str, str] | None = None) -> ScanResult:
    make_project(root, {"shop/views.py": VIEWS, "shop/tests/__init__.py": "",
                        "shop/tests/test_urls.py": TEST_URLS, "shop/tests/test_views.py": tests,
                        "urls.py": "from django.urls import path\nfrom shop import views\n"
                                   "urlpatterns = [path('', views.home)]\n",
                        **(extra or {})})
    return scan_project(root)


def routes(result: ScanResult) -> set[tuple[str, str]]:
    return {(r.pattern, v.id) for v in result.views for r in v.routes}


def test_override_settings_class_decorator(tmp_path: Path) -> None:
    result = scan_with_tests(tmp_path, """
from django.test import TestCase, override_settings

@override_settings(ROOT_URLCONF="shop.tests.test_urls")
class IpnTest(TestCase):
    def test_post(self):
        self.client.post("/ipn/")
""")
    assert routes(result) == {("", "shop.views.home"), ("ipn/", "shop.views.ipn")}


def test_with_override_settings_and_self_settings_in_a_method(tmp_path: Path) -> None:
    result = scan_with_tests(tmp_path, """
from django.test import TestCase, override_settings

class IpnTest(TestCase):
    def test_post(self):
        with override_settings(ROOT_URLCONF="shop.tests.test_urls"):
            self.client.post("/ipn/")

    def test_other(self):
        with self.settings(ROOT_URLCONF="shop.tests.more_urls"):
            pass
""", {"shop/tests/more_urls.py": "from django.urls import path\nfrom shop import views\n"
                                 "urlpatterns = [path('more/', views.home)]\n"})
    assert ("ipn/", "shop.views.ipn") in routes(result)
    assert ("more/", "shop.views.home") in routes(result)


def test_pytest_mark_urls_and_a_test_case_urls_attribute(tmp_path: Path) -> None:
    result = scan_with_tests(tmp_path, """
import pytest
from django.test import SimpleTestCase

@pytest.mark.urls("shop.tests.test_urls")
def test_ipn(client):
    client.post("/ipn/")

class Legacy(SimpleTestCase):
    urls = "shop.tests.more_urls"
""", {"shop/tests/more_urls.py": "from django.urls import path\nfrom shop import views\n"
                                 "urlpatterns = [path('more/', views.home)]\n"})
    assert ("ipn/", "shop.views.ipn") in routes(result)
    assert ("more/", "shop.views.home") in routes(result)


def test_a_urls_attribute_outside_a_test_case_is_not_a_urlconf(tmp_path: Path) -> None:
    result = scan_with_tests(tmp_path, """
class Menu:
    urls = "shop.tests.test_urls"
""")
    assert routes(result) == {("", "shop.views.home")}


def test_other_overridden_settings_are_not_urlconfs(tmp_path: Path) -> None:
    result = scan_with_tests(tmp_path, """
from django.test import TestCase, override_settings

@override_settings(LOGIN_URL="shop.tests.test_urls")
class IpnTest(TestCase):
    pass
""")
    assert routes(result) == {("", "shop.views.home")}


def test_a_class_with_urlpatterns_as_the_urlconf(tmp_path: Path) -> None:
    result = scan_with_tests(tmp_path, """
from django.http import HttpResponse
from django.test import TestCase, override_settings
from django.urls import include, path

def destination(request):
    return HttpResponse()

class RedirectURLConf:
    urlpatterns = (
        path("welcome/", destination, name="dashboard"),
        path("", include("urls")),
    )

@override_settings(ROOT_URLCONF=RedirectURLConf)
class LaunchTest(TestCase):
    pass
""")
    assert routes(result) == {
        ("", "shop.views.home"),
        ("welcome/", "shop.tests.test_views.destination"),
    }
    home = result.view("shop.views.home")
    assert home is not None and len(home.routes) == 1  # reached from two URLconfs, once


def test_another_modules_urlpatterns_plus_a_list(tmp_path: Path) -> None:
    result = scan_with_tests(tmp_path, """
from django.http import HttpResponse
from django.test import TestCase, override_settings
from django.urls import path
from urls import urlpatterns as orig_urlpatterns

def fakeview(request):
    return HttpResponse()

urlpatterns = list(orig_urlpatterns) + [path("fake/", fakeview)]

@override_settings(ROOT_URLCONF="shop.tests.test_views")
class MiddlewareTest(TestCase):
    pass
""")
    assert routes(result) == {("", "shop.views.home"), ("fake/", "shop.tests.test_views.fakeview")}


def test_a_missing_test_urlconf_is_reported(tmp_path: Path) -> None:
    result = scan_with_tests(tmp_path, """
from django.test import TestCase, override_settings

@override_settings(ROOT_URLCONF="shop.tests.gone")
class IpnTest(TestCase):
    pass
""")
    assert any("'shop.tests.gone' is not a module" in f.message for f in result.findings)
    assert routes(result) == {("", "shop.views.home")}


def test_a_test_module_that_is_its_own_urlconf(tmp_path: Path) -> None:
    result = scan_with_tests(tmp_path, """
from django.http import HttpResponse
from django.test import TestCase, override_settings
from django.urls import path

def local_view(request):
    return HttpResponse()

urlpatterns = [path("local/", local_view)]

@override_settings(ROOT_URLCONF=__name__)
class LocalTest(TestCase):
    pass
""")
    assert ("local/", "shop.tests.test_views.local_view") in routes(result)


def test_pytestmark_lists_in_a_module_and_a_class(tmp_path: Path) -> None:
    result = scan_with_tests(tmp_path, """
import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.urls("shop.tests.test_urls")]

class TestMore:
    pytestmark = pytest.mark.urls("shop.tests.more_urls")
""", {"shop/tests/more_urls.py": "from django.urls import path\nfrom shop import views\n"
                                 "urlpatterns = [path('more/', views.home)]\n"})
    assert ("ipn/", "shop.views.ipn") in routes(result)
    assert ("more/", "shop.views.home") in routes(result)


def test_routes_only_a_test_urlconf_serves_are_labelled(tmp_path: Path) -> None:
    result = scan_with_tests(tmp_path, """
from django.test import TestCase, override_settings

@override_settings(ROOT_URLCONF="shop.tests.test_urls")
class IpnTest(TestCase):
    def test_post(self):
        self.client.post("/ipn/")
""")
    labels = [f for f in result.findings if f.kind == "test-urlconf"]
    assert len(labels) == 1
    assert "shop.tests.test_urls" in labels[0].message and "ipn/" in labels[0].message
    assert labels[0].location is not None
    assert labels[0].location.path == "shop/tests/test_views.py"


def test_a_test_urlconf_repeating_the_root_routes_is_not_labelled(tmp_path: Path) -> None:
    result = scan_with_tests(tmp_path, """
from django.test import TestCase, override_settings

@override_settings(ROOT_URLCONF="urls")
class HomeTest(TestCase):
    def test_get(self):
        self.client.get("/")
""")
    assert not any(f.kind == "test-urlconf" for f in result.findings)
