"""URLs from a registry filled while Django loads its apps (django-allauth's social
providers): a registry object whose `load()` loops over `apps.get_app_configs()`, imports
each app's `provider` module by a computed name under `try/except ImportError` and registers
the classes it lists (or that the module registers itself on import); a URLconf function
that imports `cls.get_package() + ".urls"` for each registered class and gathers their
`urlpatterns`, each built by a helper from the class (`get_slug()`, `import_attribute()` of a
view). Only installed apps are routed, and a module that does not exist is skipped as it is
at run time."""

from __future__ import annotations

from pathlib import Path

from snippets import SETTINGS, make_project, scan_project

from advisor.model import ScanResult

REGISTRY = """
import importlib
from django.apps import apps

class ProviderRegistry:
    def __init__(self):
        self.provider_map = {}
        self.loaded = False

    def register(self, cls):
        self.provider_map[cls.id] = cls

    def get_class_list(self):
        self.load()
        return list(self.provider_map.values())

    def load(self):
        if not self.loaded:
            for app_config in apps.get_app_configs():
                try:
                    module_name = app_config.name + ".provider"
                    provider_module = importlib.import_module(module_name)
                except ImportError as e:
                    if e.name != module_name:
                        raise
                else:
                    for cls in getattr(provider_module, "provider_classes", []):
                        self.register(cls)
            self.loaded = True

registry = ProviderRegistry()
"""

BASE = """
class Provider:
    id = None
    slug = None

    @classmethod
    def get_slug(cls):
        return cls.slug or cls.id

    @classmethod
    def get_package(cls):
        pkg = getattr(cls, "package", None)
        if not pkg:
            pkg = cls.__module__.rpartition(".")[0]
        return pkg
"""

UTILS = """
import importlib

def import_attribute(path):
    pkg, attr = path.rsplit(".", 1)
    return getattr(importlib.import_module(pkg), attr)
"""

HELPERS = """
from django.urls import include, path
from shop.utils import import_attribute

def default_urlpatterns(provider):
    login_view = import_attribute(provider.get_package() + ".views.login")
    urlpatterns = [path("login/", login_view, name=provider.id + "_login")]
    return [path(provider.get_slug() + "/", include(urlpatterns))]
"""

PROVIDER_VIEWS = """
from django.http import HttpResponse

def login(request):
    return HttpResponse("login")
"""

URLS = """
from importlib import import_module
from django.urls import path
from shop import views
from shop.registry import registry

def build_provider_urlpatterns():
    patterns = []
    for provider_class in registry.get_class_list():
        try:
            prov_mod = import_module(provider_class.get_package() + ".urls")
        except ImportError:
            continue
        prov_urlpatterns = getattr(prov_mod, "urlpatterns", None)
        if prov_urlpatterns:
            patterns += prov_urlpatterns
    return patterns

urlpatterns = [path("", views.home)]
urlpatterns += build_provider_urlpatterns()
"""


def provider(
    name: str, *, listed: bool = True, urls: bool = True, extra: str = ""
) -> dict[str, str]:
    """A provider app: `provider.py` with its class (listed in `provider_classes`, or
    registered on import), `views.py`, and `urls.py` built by the shared helper."""
    klass = name.capitalize() + "Provider"
    package = f"shop/providers/{name}"
    source = (
        "from shop.providers.base import Provider\n"
        "from shop.registry import registry\n\n"
        f"class {klass}(Provider):\n    id = {name!r}\n{extra}\n"
    )
    source += f"provider_classes = [{klass}]\n" if listed else f"registry.register({klass})\n"
    files = {
        f"{package}/__init__.py": "",
        f"{package}/provider.py": source,
        f"{package}/views.py": PROVIDER_VIEWS,
    }
    if urls:
        files[f"{package}/urls.py"] = (
            "from shop.providers.helpers import default_urlpatterns\n"
            f"from .provider import {klass}\n\n"
            f"urlpatterns = default_urlpatterns({klass})\n"
        )
    return files


def scan(root: Path, installed: list[str], files: dict[str, str], urls: str = URLS) -> ScanResult:
    apps = ", ".join(repr(a) for a in ["django.contrib.auth", "shop", *installed])
    make_project(
        root,
        {
            "settings.py": SETTINGS.replace(
                'INSTALLED_APPS = ["django.contrib.auth", "django.contrib.contenttypes", "shop"]',
                f"INSTALLED_APPS = [{apps}]",
            ),
            "shop/views.py": "from django.http import HttpResponse\n"
            "def home(request):\n    return HttpResponse('h')\n",
            "shop/registry.py": REGISTRY,
            "shop/utils.py": UTILS,
            "shop/providers/__init__.py": "",
            "shop/providers/base.py": BASE,
            "shop/providers/helpers.py": HELPERS,
            "urls.py": urls,
            **files,
        },
    )
    return scan_project(root)


def routed(result: ScanResult) -> dict[str, tuple[str, str | None]]:
    return {r.pattern: (v.id, r.name) for v in result.views for r in v.routes}


def test_routes_of_the_providers_the_installed_apps_register(tmp_path: Path) -> None:
    result = scan(
        tmp_path,
        ["shop.providers.github", "shop.providers.gitlab.apps.GitLabConfig"],
        {
            **provider("github"),
            # Registered when its module is imported, and installed by its AppConfig.
            **provider("gitlab", listed=False, extra='    slug = "git-lab"\n'),
            "shop/providers/gitlab/apps.py": (
                "from django.apps import AppConfig\n\n"
                "class GitLabConfig(AppConfig):\n    name = 'shop.providers.gitlab'\n"
            ),
        },
    )
    assert routed(result) == {
        "": ("shop.views.home", None),
        "github/login/": ("shop.providers.github.views.login", "github_login"),
        "git-lab/login/": ("shop.providers.gitlab.views.login", "gitlab_login"),
    }


def test_a_provider_app_that_is_not_installed_is_not_routed(tmp_path: Path) -> None:
    result = scan(
        tmp_path, ["shop.providers.github"], {**provider("github"), **provider("bitbucket")}
    )
    assert set(routed(result)) == {"", "github/login/"}


def test_a_provider_without_urls_is_skipped_as_the_import_error_is(tmp_path: Path) -> None:
    result = scan(
        tmp_path,
        ["shop.providers.github", "shop.providers.quiet"],
        {**provider("github"), **provider("quiet", urls=False)},
    )
    assert set(routed(result)) == {"", "github/login/"}


def test_an_app_module_without_the_listed_classes_registers_nothing(tmp_path: Path) -> None:
    # `getattr(module, "provider_classes", [])`: the default when the module lacks it.
    files = provider("github")
    files["shop/providers/github/provider.py"] = "PROVIDER = None\n"
    result = scan(tmp_path, ["shop.providers.github"], files)
    assert set(routed(result)) == {""}


def test_an_unguarded_import_of_a_missing_module_invents_no_routes(tmp_path: Path) -> None:
    urls = URLS.replace(
        """        try:
            prov_mod = import_module(provider_class.get_package() + ".urls")
        except ImportError:
            continue
""",
        """        prov_mod = import_module(provider_class.get_package() + ".nowhere")
""",
    )
    result = scan(tmp_path, ["shop.providers.github"], provider("github"), urls)
    assert set(routed(result)) == {""}


def test_without_a_readable_installed_apps_nothing_is_guessed(tmp_path: Path) -> None:
    scan(tmp_path, ["shop.providers.github"], provider("github"))
    settings = (tmp_path / "settings.py").read_text()
    (tmp_path / "settings.py").write_text(
        settings.replace("INSTALLED_APPS = [", "INSTALLED_APPS = load_apps() + [")
    )
    result = scan_project(tmp_path)
    assert set(routed(result)) == {""}


def test_a_known_filter_on_the_registered_classes_leaves_them_out(tmp_path: Path) -> None:
    urls = URLS.replace(
        "for provider_class in registry.get_class_list():",
        "for provider_class in [c for c in registry.get_class_list() if c.enabled]:",
    )
    github = provider("github", extra="    enabled = True\n")
    gitlab = provider("gitlab", extra="    enabled = False\n")
    result = scan(
        tmp_path, ["shop.providers.github", "shop.providers.gitlab"], {**github, **gitlab}, urls
    )
    assert set(routed(result)) == {"", "github/login/"}


def test_urlpatterns_wrapped_in_an_include_of_themselves(tmp_path: Path) -> None:
    # allauth's openid_connect/urls.py: the list so far, moved under a prefix.
    urls = """
from django.urls import include, path
from shop import views

PREFIX = "oidc"
urlpatterns = [path("login/", views.home)]
if PREFIX:
    urlpatterns = [path(f"{PREFIX}/", include(urlpatterns))]
"""
    result = scan(tmp_path, [], {}, urls)
    assert set(routed(result)) == {"oidc/login/"}
