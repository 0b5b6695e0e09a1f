"""URL patterns and views the URLconf computes at import time: f-strings and `x and "/" or
""` over settings (with getattr defaults), module constants, `import_string()` of a
setting-or-default through a project helper. What stays unknown becomes a `{...}`
placeholder: the route is kept with its view, and so is everything included under it."""

from __future__ import annotations

from pathlib import Path

from snippets import SETTINGS, make_project, scan_project

from advisor.model import ScanResult

VIEWS = """
from django.http import HttpResponse
from django.views import View

def auth(request, backend):
    return HttpResponse(backend)

def listing(request):
    return HttpResponse("list")

class Callback(View):
    def get(self, request):
        return HttpResponse("cb")

class OtherCallback(View):
    def get(self, request):
        return HttpResponse("other")
"""

HELPERS = """
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

def from_settings(attr, *args):
    try:
        if args:
            return getattr(settings, attr, args[0])
        return getattr(settings, attr)
    except AttributeError:
        raise ImproperlyConfigured(attr)
"""


def routes_of(tmp_path: Path, urls: str, settings_extra: str = "",
              extra: dict[str, str] | None = None) -> tuple[dict[str, str], ScanResult]:
    make_project(tmp_path, {"shop/views.py": VIEWS, "shop/helpers.py": HELPERS, "urls.py": urls,
                            "settings.py": SETTINGS + settings_extra, **(extra or {})})
    result = scan_project(tmp_path)
    return {r.pattern: v.id for v in result.views for r in v.routes}, result


def urlconf_findings(result: ScanResult) -> list[str]:
    return [f.message for f in result.findings if f.kind == "urlconf"]


SLASH_URLS = """
from django.conf import settings
from django.urls import path
from shop import views
from somelib import setting_name

extra = (getattr(settings, "SHOP_TRAILING_SLASH", True) and "/") or ""
computed = (getattr(settings, setting_name("TRAILING_SLASH"), True) and "/") or ""

urlpatterns = [
    path(f"login/<str:backend>{extra}", views.auth, name="begin"),
    path(f"again/<str:backend>{computed}", views.auth, name="again"),
]
"""


def test_a_setting_with_a_default_is_evaluated_in_an_fstring_route(tmp_path: Path) -> None:
    routes, result = routes_of(tmp_path, SLASH_URLS)
    assert routes["login/<str:backend>/"] == "shop.views.auth"
    # A setting name computed by a library helper: Django falls back to the default.
    assert routes["again/<str:backend>/"] == "shop.views.auth"
    assert not any("placeholder" in m for m in urlconf_findings(result))


def test_the_projects_setting_wins_over_the_default(tmp_path: Path) -> None:
    routes, _ = routes_of(tmp_path, SLASH_URLS, "SHOP_TRAILING_SLASH = False\n")
    assert routes["login/<str:backend>"] == "shop.views.auth"
    assert "login/<str:backend>/" not in routes


def test_module_constants_and_concatenation_are_routes(tmp_path: Path) -> None:
    routes, result = routes_of(tmp_path, """
from django.urls import path
from shop import views
PREFIX = "shop/"
urlpatterns = [path(PREFIX, views.listing), path(PREFIX + "auth/<backend>/", views.auth)]
""")
    assert routes["shop/"] == "shop.views.listing"
    assert routes["shop/auth/<backend>/"] == "shop.views.auth"
    assert urlconf_findings(result) == []


def test_an_unknown_part_becomes_a_placeholder_and_the_route_is_kept(tmp_path: Path) -> None:
    routes, result = routes_of(tmp_path, """
from django.conf import settings
from django.urls import include, path
from shop import views
urlpatterns = [
    path(f"login/{settings.LOGIN_SUFFIX}", views.auth),
    path(settings.API_PREFIX, include("shop.api_urls")),
]
""", extra={"shop/api_urls.py": "from django.urls import path\nfrom shop import views\n"
                                 "urlpatterns = [path('list/', views.listing)]\n"})
    assert routes["login/{settings.LOGIN_SUFFIX}"] == "shop.views.auth"
    assert routes["{settings.API_PREFIX}list/"] == "shop.views.listing"
    messages = urlconf_findings(result)
    assert any("{settings.LOGIN_SUFFIX} kept as a placeholder" in m for m in messages)
    assert any("{settings.API_PREFIX} kept as a placeholder" in m for m in messages)


def test_a_setting_without_a_default_stays_unknown(tmp_path: Path) -> None:
    routes, _ = routes_of(tmp_path, """
from django.conf import settings
from django.urls import path
from shop import views
slash = getattr(settings, "SHOP_SLASH") and "/" or ""
urlpatterns = [path(f"login{slash}", views.auth)]
""")
    assert routes == {"login{slash}": "shop.views.auth"}


IMPORT_STRING_URLS = """
from django.urls import path
from django.utils.module_loading import import_string
from shop import views
from shop.helpers import from_settings

DEFAULT_CALLBACK = "shop.views.Callback"
CallbackClass = import_string(from_settings("SHOP_CALLBACK_CLASS", DEFAULT_CALLBACK))

urlpatterns = [
    path("callback/", CallbackClass.as_view(), name="callback"),
    path("list/", import_string("shop.views.listing")),
]
"""


def test_import_string_of_a_helpers_default_is_the_view(tmp_path: Path) -> None:
    routes, result = routes_of(tmp_path, IMPORT_STRING_URLS)
    assert routes["callback/"] == "shop.views.Callback"
    assert routes["list/"] == "shop.views.listing"
    assert urlconf_findings(result) == []


def test_import_string_follows_the_setting_the_project_defines(tmp_path: Path) -> None:
    routes, _ = routes_of(tmp_path, IMPORT_STRING_URLS,
                          'SHOP_CALLBACK_CLASS = "shop.views.OtherCallback"\n')
    assert routes["callback/"] == "shop.views.OtherCallback"


def test_import_string_of_an_unknown_setting_is_not_a_view(tmp_path: Path) -> None:
    routes, result = routes_of(tmp_path, """
from django.urls import path
from django.utils.module_loading import import_string
from shop.helpers import from_settings
CallbackClass = import_string(from_settings("SHOP_CALLBACK_CLASS"))
urlpatterns = [path("callback/", CallbackClass.as_view())]
""")
    assert routes == {}
    callback = result.view("shop.views.Callback")
    assert callback is not None and not callback.routed


def test_include_of_a_constant_and_a_router_prefix_with_a_placeholder(tmp_path: Path) -> None:
    routes, result = routes_of(tmp_path, """
from django.conf import settings
from django.urls import include, path
from rest_framework.routers import SimpleRouter
from shop import views

API_URLCONF = "shop.api_urls"
router = SimpleRouter()
router.register(f"{settings.API_NAME}/things", views.ThingViewSet, basename="thing")
urlpatterns = [path("api/", include(API_URLCONF)), path("r/", include(router.urls))]
""", extra={
        "shop/api_urls.py": "from django.urls import path\nfrom shop import views\n"
                            "urlpatterns = [path('list/', views.listing)]\n",
        "shop/views.py": VIEWS + "\nfrom rest_framework import viewsets\n"
                         "class ThingViewSet(viewsets.ViewSet):\n"
                         "    def list(self, request):\n        return None\n"})
    assert routes["api/list/"] == "shop.views.listing"
    assert routes["r/^{settings.API_NAME}/things/$"] == "shop.views.ThingViewSet"
    assert any("{settings.API_NAME} kept as a placeholder" in m for m in urlconf_findings(result))


def test_translated_and_formatted_routes(tmp_path: Path) -> None:
    routes, result = routes_of(tmp_path, """
from django.urls import path, re_path
from django.utils.translation import gettext_lazy as _
from shop import views
PREFIX = "shop"
urlpatterns = [
    path(_("about/"), views.listing),
    re_path(r"^%s/login/$" % PREFIX, views.auth),
    re_path(r"^{}/again/$".format(PREFIX), views.auth),
    re_path(r"^%s/unknown/$" % views.NOT_A_STRING, views.auth),
]
""")
    assert routes["about/"] == "shop.views.listing"
    assert routes["^shop/login/$"] == "shop.views.auth"
    assert routes["^shop/again/$"] == "shop.views.auth"
    assert routes["{…}"] == "shop.views.auth"
    assert any("{…} kept as a placeholder" in m for m in urlconf_findings(result))


def test_a_project_router_subclass_routes_like_the_drf_router(tmp_path: Path) -> None:
    routes, _ = routes_of(tmp_path, """
from django.urls import include, path
from rest_framework.routers import DefaultRouter
from shop import views

class OptionalSlashRouter(DefaultRouter):
    pass

class NotARouter:
    def register(self, *args):
        pass

router = OptionalSlashRouter()
router.register(r"things", views.ThingViewSet, basename="thing")
other = NotARouter()
other.register(r"others", views.ThingViewSet, basename="other")
urlpatterns = [path("api/", include(router.urls)), path("o/", include(other.urls))]
""", extra={"shop/views.py": VIEWS + "\nfrom rest_framework import viewsets\n"
                                    "class ThingViewSet(viewsets.ViewSet):\n"
                                    "    def list(self, request):\n        return None\n"})
    assert routes["api/^things/$"] == "shop.views.ThingViewSet"
    assert not any(pattern.startswith("o/") for pattern in routes)


def test_a_conditional_expression_over_a_setting(tmp_path: Path) -> None:
    urls = """
from django.conf import settings
from django.urls import path
from shop import views
slash = "/" if getattr(settings, "SHOP_SLASH", True) else ""
either = "a/" if settings.UNDEFINED_FLAG else "b/"
urlpatterns = [path(f"login{slash}", views.auth), path(either, views.listing)]
"""
    routes, _ = routes_of(tmp_path, urls)
    assert routes["login/"] == "shop.views.auth"
    assert routes["{either}"] == "shop.views.listing"  # an unknown condition, two values
    routes, _ = routes_of(tmp_path / "off", urls, "SHOP_SLASH = False\n")
    assert routes["login"] == "shop.views.auth"


def test_comprehensions_over_sequences_written_in_the_urlconf(tmp_path: Path) -> None:
    routes, result = routes_of(tmp_path, """
from django.urls import path
from shop import views
from shop.pages import PAGES as IMPORTED
PAGES = [("a/", views.listing), ("b/", views.auth)]
NAMES = {"x": "first", "y": "second"}
urlpatterns = [path(page, view) for page, view in PAGES]
urlpatterns += [path(f"{slug}/{name}/", views.listing) for slug, name in NAMES.items()]
urlpatterns += [path(page, view) for page, view in IMPORTED]
""", extra={"shop/pages.py": "from shop import views\nPAGES = [('c/', views.listing)]\n"})
    assert routes["a/"] == "shop.views.listing"
    assert routes["b/"] == "shop.views.auth"
    assert routes["x/first/"] == "shop.views.listing"
    assert routes["y/second/"] == "shop.views.listing"
    # Items written in another module are not expanded here: reported, not guessed.
    assert "c/" not in routes
    assert any("built at run time" in m for m in urlconf_findings(result))


def test_drf_format_suffix_patterns_keeps_the_routes_and_adds_their_twins(tmp_path: Path) -> None:
    routes, result = routes_of(tmp_path, """
from django.urls import include, path, re_path
from rest_framework.urlpatterns import format_suffix_patterns
from shop import views
urlpatterns = [path("list/", views.listing), re_path(r"^auth/(?P<backend>\\w+)/$", views.auth)]
urlpatterns = format_suffix_patterns(urlpatterns)
urlpatterns = urlpatterns + [path("more/", views.listing)]
strict = format_suffix_patterns([path("only/", views.listing)], suffix_required=True)
urlpatterns += strict
""")
    assert routes["list/"] == "shop.views.listing"
    assert routes["list.<drf_format_suffix:format>"] == "shop.views.listing"
    assert routes[r"^auth/(?P<backend>\w+)/$"] == "shop.views.auth"
    assert routes[r"^auth/(?P<backend>\w+)\.(?P<format>[a-z0-9]+)/?$"] == "shop.views.auth"
    assert routes["more/"] == "shop.views.listing"
    assert "more.<drf_format_suffix:format>" not in routes
    assert "only/" not in routes
    assert routes["only.<drf_format_suffix:format>"] == "shop.views.listing"
    assert urlconf_findings(result) == []


APP_SETTINGS = """
from django.conf import settings

class AppSettings:
    prefix = "SHOP_"
    LOGIN_SLUG = "login"

    def _setting(self, name, default):
        return getattr(settings, self.prefix + name, default)

    @property
    def SLASH(self):
        return self._setting("SLASH", "/")

    def not_a_property(self):
        return "nope/"

app_settings = AppSettings()
"""


def test_an_app_settings_object_with_properties(tmp_path: Path) -> None:
    urls = """
from django.urls import path
from shop import views
from shop.app_settings import app_settings
urlpatterns = [
    path(f"{app_settings.LOGIN_SLUG}{app_settings.SLASH}", views.auth),
    path(f"x{app_settings.not_a_property}", views.listing),
]
"""
    extra = {"shop/app_settings.py": APP_SETTINGS}
    routes, _ = routes_of(tmp_path, urls, extra=extra)
    assert routes["login/"] == "shop.views.auth"
    assert routes["x{app_settings.not_a_property}"] == "shop.views.listing"
    routes, _ = routes_of(tmp_path / "set", urls, 'SHOP_SLASH = ""\n', extra=extra)
    assert routes["login"] == "shop.views.auth"
