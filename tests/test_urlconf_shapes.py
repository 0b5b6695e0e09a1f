"""URLconf shapes real projects use, read as Django would run them: syndication `Feed()`
instances as views, URL lists returned by functions called with arguments, lists extended in
loops over a registry with `import_module(f"{cls.package}.urls")`, `import_string` of a
computed name, `re_path(rf"...{CONSTANT}...")`, conditionals on settings (a known test takes
one branch, an unknown one keeps both and says so), a router subclass overriding
`get_urls`, and includes of third-party apps listed as their package's routes."""

from __future__ import annotations

from pathlib import Path

from snippets import make_project, scan_project

from advisor.model import ScanResult

VIEWS = """
from django.contrib.syndication.views import Feed
from django.http import HttpResponse

def home(request):
    return HttpResponse("h")

def other(request):
    return HttpResponse("o")

def login_github(request):
    return HttpResponse("g")

def login_gitlab(request):
    return HttpResponse("l")

class LatestEntries(Feed):
    title = "latest"

    def items(self):
        from shop.models import Book
        return list(Book.objects.filter(title__startswith="a"))

class Callable:
    def __call__(self, request):
        return HttpResponse("c")

class NotAView:
    pass
"""


def scan(root: Path, urls: str, files: dict[str, str] | None = None) -> ScanResult:
    make_project(root, {"shop/views.py": VIEWS, "urls.py": urls, **(files or {})})
    return scan_project(root)


def routed(result: ScanResult) -> dict[str, str]:
    return {r.pattern: v.id for v in result.views for r in v.routes}


def messages(result: ScanResult) -> list[str]:
    return [f.message for f in result.findings if f.kind == "urlconf"]


HEAD = "from django.urls import include, path, re_path\nfrom shop import views\n"


def test_instances_routed_as_views(tmp_path: Path) -> None:
    result = scan(tmp_path, HEAD + """
urlpatterns = [
    path("feed/", views.LatestEntries()),
    path("call/", views.Callable()),
    path("no/", views.NotAView()),
]
""")
    assert routed(result) == {"feed/": "shop.views.LatestEntries", "call/": "shop.views.Callable"}
    feed = result.view("shop.views.LatestEntries")
    assert feed is not None and [h.name for h in feed.handlers] == ["items"]
    assert any(e.kind.value == "db_query" or "db" in e.kind.value for e in feed.effects)
    assert any("NotAView" in m for m in messages(result))


def test_a_url_list_returned_by_a_function_called_with_arguments(tmp_path: Path) -> None:
    result = scan(tmp_path, HEAD + """
def patterns_for(kind, view=views.home, suffix="list"):
    return [path(f"{kind}/{suffix}/", view)]

urlpatterns = patterns_for("books") + patterns_for("authors", views.other, suffix="all")
urlpatterns += patterns_for(UNKNOWN_NAME)
""")
    assert routed(result) == {
        "books/list/": "shop.views.home",
        "authors/all/": "shop.views.other",
        "{kind}/list/": "shop.views.home",  # an unknown argument: a placeholder, kept
    }


REGISTRY = """
class Provider:
    package = None

class GitHub(Provider):
    package = "shop.providers.github"

class GitLab(Provider):
    package = "shop.providers.gitlab"

registry = [GitHub, GitLab]
"""


def provider_files() -> dict[str, str]:
    files = {"shop/providers/__init__.py": "", "shop/providers/base.py": REGISTRY}
    for name in ("github", "gitlab"):
        files[f"shop/providers/{name}/__init__.py"] = ""
        files[f"shop/providers/{name}/urls.py"] = (
            "from django.urls import path\nfrom shop import views\n"
            f'urlpatterns = [path("{name}/login/", views.login_{name})]\n'
        )
    return files


def test_a_url_list_extended_in_a_loop_over_a_registry(tmp_path: Path) -> None:
    result = scan(tmp_path, HEAD + """
from importlib import import_module
from shop.providers.base import registry

urlpatterns = [path("", views.home)]
for provider in registry:
    urlpatterns += import_module(f"{provider.package}.urls").urlpatterns
""", provider_files())
    assert routed(result) == {
        "": "shop.views.home",
        "github/login/": "shop.views.login_github",
        "gitlab/login/": "shop.views.login_gitlab",
    }


def test_a_loop_over_something_unknown_is_a_finding_not_a_guess(tmp_path: Path) -> None:
    result = scan(tmp_path, HEAD + """
from importlib import import_module

urlpatterns = [path("", views.home)]
for provider in discover_providers():
    urlpatterns += import_module(f"{provider}.urls").urlpatterns
""", provider_files())
    assert routed(result) == {"": "shop.views.home"}
    assert any("loop over discover_providers(" in m for m in messages(result))


def test_import_string_of_a_computed_name_and_an_rf_string_route(tmp_path: Path) -> None:
    result = scan(tmp_path, HEAD + """
from django.utils.module_loading import import_string

PACKAGE = "shop"
SLUG = r"(?P<slug>[\\w-]+)"
urlpatterns = [
    path("login/", import_string(f"{PACKAGE}.views.home")),
    re_path(rf"^blog/{SLUG}/$", views.other),
]
""")
    assert routed(result) == {"login/": "shop.views.home",
                              r"^blog/(?P<slug>[\w-]+)/$": "shop.views.other"}


def test_a_known_condition_takes_one_branch(tmp_path: Path) -> None:
    result = scan(tmp_path, HEAD + """
from django.conf import settings

urlpatterns = [path("", views.home)]
if settings.DEBUG:
    urlpatterns += [path("debug/", views.other)]
else:
    urlpatterns += [path("live/", views.other)]
if getattr(settings, "SHOP_FEEDS", True):
    urlpatterns += [path("feed/", views.LatestEntries())]
""", {"settings.py": 'ROOT_URLCONF = "urls"\nDEBUG = False\n'})
    assert routed(result) == {"": "shop.views.home", "live/": "shop.views.other",
                              "feed/": "shop.views.LatestEntries"}
    assert not any("conditional" in m for m in messages(result))


def test_an_unknown_condition_keeps_both_branches_and_says_so(tmp_path: Path) -> None:
    result = scan(tmp_path, HEAD + """
import os

urlpatterns = [path("", views.home)]
if os.environ.get("SHOP_DEBUG"):
    urlpatterns += [path("debug/", views.other)]
else:
    urlpatterns.append(path("live/", views.home))
""")
    assert routed(result) == {"": "shop.views.home", "debug/": "shop.views.other",
                              "live/": "shop.views.home"}
    conditional = [m for m in messages(result) if "conditional" in m]
    assert len(conditional) == 2 and "os.environ.get" in conditional[0]


def test_a_router_subclass_overriding_get_urls(tmp_path: Path) -> None:
    result = scan(tmp_path, HEAD + """
from rest_framework import viewsets
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

class BookViewSet(viewsets.ViewSet):
    def list(self, request):
        return Response([])

class ApiRouter(SimpleRouter):
    def get_urls(self):
        urls = super().get_urls()
        return urls + [path("health/", views.home)]

router = ApiRouter()
router.register("books", BookViewSet, basename="book")
urlpatterns = [path("api/", include(router.urls))]
""")
    assert routed(result)["api/^books/$"] == "urls.BookViewSet"


def test_a_third_party_include_is_listed_as_that_packages_routes(tmp_path: Path) -> None:
    result = scan(tmp_path, HEAD + """
urlpatterns = [
    path("accounts/", include("allauth.urls")),
    path("shop/", include("shop.missing_urls")),
]
""")
    third_party = [(r.group, r.pattern, r.target) for r in result.framework_routes]
    assert third_party == [("allauth", "accounts/…", "allauth.urls")]
    # A module of the project's own package that is missing is a finding, not third-party.
    assert any("shop.missing_urls" in m for m in messages(result))


def test_a_condition_on_an_installed_app(tmp_path: Path) -> None:
    result = scan(tmp_path, HEAD + """
from django.apps import apps

urlpatterns = [path("", views.home)]
if apps.is_installed("debug_toolbar"):
    urlpatterns += [path("__debug__/", views.other)]
if apps.is_installed("shop"):
    urlpatterns += [path("shop/", views.other)]
""")
    assert routed(result) == {"": "shop.views.home", "shop/": "shop.views.other"}
