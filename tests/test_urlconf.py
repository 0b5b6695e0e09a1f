"""URLconf shapes beyond the sample projects: legacy url(), i18n_patterns, static(),
decorators and functools.partial applied in the URLconf, include() of tuples and module
objects, DRF SimpleRouter with extra actions; and constructs that cannot be read statically
are reported with file:line instead of crashing."""

from __future__ import annotations

from pathlib import Path

from snippets import make_project, scan_project

VIEWS = """
from django.http import HttpResponse
from django.views import View
from rest_framework import viewsets
from rest_framework.decorators import action

def home(request):
    return HttpResponse("home")

def about(request, page="about"):
    return HttpResponse(page)

def legacy(request):
    return HttpResponse("legacy")

class Report(View):
    async def get(self, request):
        return HttpResponse("r")

class ThingViewSet(viewsets.ViewSet):
    def list(self, request):
        return HttpResponse("list")
    def retrieve(self, request, pk=None):
        return HttpResponse("one")
    @action(detail=True, methods=["post"], url_path="ping")
    def ping(self, request, pk=None):
        return HttpResponse("ping")

def orphan(request):
    return HttpResponse("nobody routes me")
"""

URLS = """
import functools
from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.conf.urls.static import static
from django.contrib.auth.decorators import login_required
from django.urls import include, path, re_path
from rest_framework.routers import SimpleRouter
from shop import views
from shop import extra_urls

router = SimpleRouter()
router.register(r"things", views.ThingViewSet, basename="thing")

urlpatterns = [
    path("", views.home, name="home"),
    path("about/", functools.partial(views.about, page="team"), name="about"),
    path("report/", login_required(views.Report.as_view()), name="report"),
    re_path(r"^legacy/$", views.legacy),
    path("extra/", include((extra_urls.urlpatterns, "extra"), namespace="x")),
    path("mod/", include(extra_urls)),
    path("api/", include(router.urls)),
    path("dyn/", include(settings.DYNAMIC_URLCONF)),
    path(f"{settings.PREFIX}/", views.home),
    path("gen/", include([path(f"p{i}/", views.home) for i in range(3)])),
]
urlpatterns += i18n_patterns(path("hello/", views.home, name="hello"))
urlpatterns += static("/media/", document_root="/tmp")
"""

EXTRA = """
from django.urls import path
from shop import views
app_name = "extra"
urlpatterns = [path("a/", views.about, name="a")]
"""


def test_urlconf_shapes(tmp_path: Path) -> None:
    make_project(tmp_path, {"shop/views.py": VIEWS, "urls.py": URLS,
                            "shop/extra_urls.py": EXTRA})
    result = scan_project(tmp_path)
    routes = {(r.pattern, r.name): v.id for v in result.views for r in v.routes}
    assert routes[("", "home")] == "shop.views.home"
    assert routes[("about/", "about")] == "shop.views.about"
    assert routes[("report/", "report")] == "shop.views.Report"
    assert routes[("^legacy/$", None)] == "shop.views.legacy"
    assert routes[("extra/a/", "x:a")] == "shop.views.about"
    assert routes[("mod/a/", "extra:a")] == "shop.views.about"
    assert routes[("<language>/hello/", "hello")] == "shop.views.home"
    assert routes[("api/^things/$", "thing-list")] == "shop.views.ThingViewSet"
    assert routes[("api/^things/(?P<pk>[^/.]+)/$", "thing-detail")] == "shop.views.ThingViewSet"
    assert routes[("api/^things/(?P<pk>[^/.]+)/ping/$", "thing-ping")] == (
        "shop.views.ThingViewSet")
    report = result.view("shop.views.Report")
    assert report is not None and report.is_async
    assert "django.contrib.auth.decorators.login_required" in report.decorators
    orphan = result.view("shop.views.orphan")
    assert orphan is not None and not orphan.routed
    unresolved = [(f.location.line if f.location else 0, f.message) for f in result.findings
                  if f.kind == "urlconf"]
    lines = {line for line, _ in unresolved}
    assert {23, 24} <= lines, unresolved  # dynamic include, f-string route with a placeholder
    # The comprehension over range(3) is expanded, its f-string evaluated per item.
    assert {routes.get((f"gen/p{i}/", None)) for i in range(3)} == {"shop.views.home"}
    assert routes[("{settings.PREFIX}/", None)] == "shop.views.home"


def test_missing_root_urlconf_module_is_reported(tmp_path: Path) -> None:
    body = "from django.http import HttpResponse\ndef view(request):\n    return HttpResponse()\n"
    make_project(tmp_path, {"shop/views.py": body,
                            "settings.py": 'ROOT_URLCONF = "nowhere.urls"\n'})
    result = scan_project(tmp_path)
    assert any("nowhere.urls" in f.message for f in result.findings)
    view = result.view("shop.views.view")
    assert view is not None and not view.routed


def test_include_cycle_does_not_hang(tmp_path: Path) -> None:
    make_project(tmp_path, {
        "shop/views.py": "def view(request):\n    return 1\n",
        "urls.py": "from django.urls import include, path\n"
                   "urlpatterns = [path('a/', include('urls'))]\n",
    })
    result = scan_project(tmp_path)
    assert any("cycle" in f.message for f in result.findings)
