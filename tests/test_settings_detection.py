"""Which settings a project runs with when no manage.py names them: pytest-django's
DJANGO_SETTINGS_MODULE/--ds in pytest.ini, setup.cfg, tox.ini or pyproject.toml, and the
keyword arguments of `settings.configure(...)` in a reusable app's runtests.py or conftest.py.
When nothing is found the scan says where it looked."""

from __future__ import annotations

from pathlib import Path

from snippets import make_project, scan_project

from advisor.model import ScanResult

VIEWS = """
from django.http import HttpResponse

def view(request):
    return HttpResponse("v")
"""
APP_URLS = """
from django.urls import path
from app import views
urlpatterns = [path("v/", views.view, name="v")]
"""


def reusable_app(root: Path, files: dict[str, str]) -> ScanResult:
    """A reusable app: its package, no manage.py, no settings module."""
    make_project(root, {"app/__init__.py": "", "app/views.py": VIEWS,
                        "app/tests/__init__.py": "", "app/tests/urls.py": APP_URLS, **files})
    for name in ("manage.py", "settings.py", "urls.py"):
        (root / name).unlink()
    return scan_project(root)


def routed(result: ScanResult) -> dict[str, str]:
    return {r.pattern: v.id for v in result.views for r in v.routes}


CONFTEST = """
def pytest_configure():
    from django.conf import settings

    MIDDLEWARE = ("django.middleware.common.CommonMiddleware",)
    settings.configure(
        ROOT_URLCONF="app.tests.urls",
        MIDDLEWARE=MIDDLEWARE,
        INSTALLED_APPS=("django.contrib.auth", "app"),
    )
"""


def test_settings_configure_in_a_conftest(tmp_path: Path) -> None:
    result = reusable_app(tmp_path, {"tests/conftest.py": CONFTEST})
    assert result.project.root_urlconf == "app.tests.urls"
    assert routed(result) == {"v/": "app.views.view"}
    assert [m.path for m in result.project.middleware] == [
        "django.middleware.common.CommonMiddleware"]
    assert not any("no Django settings" in f.message for f in result.findings)


def test_settings_configure_with_a_dict_in_runtests(tmp_path: Path) -> None:
    runtests = """
from django.conf import settings
settings_dict = dict(ROOT_URLCONF="app.tests.urls", INSTALLED_APPS=["app"])
settings.configure(**settings_dict)
"""
    result = reusable_app(tmp_path, {"runtests.py": runtests})
    assert result.project.root_urlconf == "app.tests.urls"
    assert routed(result) == {"v/": "app.views.view"}


def test_runtests_is_preferred_to_a_migrations_manage_py(tmp_path: Path) -> None:
    runtests = ('from django.conf import settings\n'
                'settings.configure(ROOT_URLCONF="app.tests.urls")\n')
    manage = ('from django.conf import settings\n'
              'settings.configure(ROOT_URLCONF="app.other_urls")\n')
    result = reusable_app(tmp_path, {"runtests.py": runtests, "manage2/manage.py": manage})
    assert result.project.root_urlconf == "app.tests.urls"


def test_configure_of_something_else_is_not_django_settings(tmp_path: Path) -> None:
    conftest = """
from app import config
config.settings.configure(ROOT_URLCONF="app.tests.urls")
"""
    result = reusable_app(tmp_path, {"conftest.py": conftest, "app/config.py": "settings = 1\n"})
    assert result.project.root_urlconf is None
    assert routed(result) == {}


def test_a_settings_module_beats_a_configure_call(tmp_path: Path) -> None:
    make_project(tmp_path, {"conftest.py": 'from django.conf import settings\n'
                                           'settings.configure(ROOT_URLCONF="other")\n'})
    result = scan_project(tmp_path)
    assert result.project.settings_module == "settings"
    assert result.project.root_urlconf == "urls"


def test_pytest_ini_names_the_settings_module(tmp_path: Path) -> None:
    result = reusable_app(tmp_path, {
        "pytest.ini": "[pytest]\nDJANGO_SETTINGS_MODULE = app.tests.conf\n",
        "app/tests/conf.py": 'ROOT_URLCONF = "app.tests.urls"\n',
    })
    assert result.project.settings_module == "app.tests.conf"
    assert routed(result) == {"v/": "app.views.view"}


def test_setup_cfg_ds_option(tmp_path: Path) -> None:
    result = reusable_app(tmp_path, {
        "setup.cfg": "[metadata]\nname = app\n\n[tool:pytest]\naddopts = -q --ds=app.tests.conf\n",
        "app/tests/conf.py": 'ROOT_URLCONF = "app.tests.urls"\n',
    })
    assert result.project.settings_module == "app.tests.conf"


def test_pyproject_pytest_options(tmp_path: Path) -> None:
    result = reusable_app(tmp_path, {
        "pyproject.toml": '[tool.pytest.ini_options]\nDJANGO_SETTINGS_MODULE = "app.tests.conf"\n',
        "app/tests/conf.py": 'ROOT_URLCONF = "app.tests.urls"\n',
    })
    assert result.project.settings_module == "app.tests.conf"


def test_tox_setenv_and_pytest_env(tmp_path: Path) -> None:
    result = reusable_app(tmp_path, {
        "tox.ini": "[testenv]\nsetenv =\n    DJANGO_SETTINGS_MODULE = app.tests.conf\n",
        "app/tests/conf.py": 'ROOT_URLCONF = "app.tests.urls"\n',
    })
    assert result.project.settings_module == "app.tests.conf"
    result = reusable_app(tmp_path / "env", {
        "pytest.ini": "[pytest]\nenv =\n    D:DJANGO_SETTINGS_MODULE=app.tests.conf\n",
    })
    assert result.project.settings_module == "app.tests.conf"


def test_pytest_config_without_the_setting_is_not_settings(tmp_path: Path) -> None:
    result = reusable_app(tmp_path, {
        "pytest.ini": "[pytest]\naddopts = -q --reuse-db\nenv =\n    DEBUG=1\n",
        "tox.ini": "[testenv]\nsetenv =\n    PYTHONPATH = {toxinidir}\n",
        "setup.cfg": "[flake8]\nDJANGO_SETTINGS_MODULE = app.tests.conf\n",
    })
    assert result.project.settings_module is None


def test_setdefault_in_a_runtests_script(tmp_path: Path) -> None:
    runtests = ('import os\n'
                'os.environ.setdefault("DJANGO_SETTINGS_MODULE", "app.tests.conf")\n')
    result = reusable_app(tmp_path, {"runtests.py": runtests,
                                     "app/tests/conf.py": 'ROOT_URLCONF = "app.tests.urls"\n'})
    assert result.project.settings_module == "app.tests.conf"
    assert routed(result) == {"v/": "app.views.view"}


def test_root_urlconf_is_the_configuring_module(tmp_path: Path) -> None:
    runtests = """
from django.conf import settings
from django.urls import path
from app import views
settings.configure(ROOT_URLCONF=__name__)
urlpatterns = [path("here/", views.view)]
"""
    result = reusable_app(tmp_path, {"runtests.py": runtests})
    assert result.project.root_urlconf == "runtests"
    assert routed(result) == {"here/": "app.views.view"}


def test_nothing_found_says_where_it_looked(tmp_path: Path) -> None:
    result = reusable_app(tmp_path, {})
    messages = [f.message for f in result.findings if "no Django settings" in f.message]
    assert len(messages) == 1
    for tried in ("manage.py", "pytest.ini", "settings.configure()"):
        assert tried in messages[0]


def test_a_test_settings_module_defining_root_urlconf(tmp_path: Path) -> None:
    result = reusable_app(tmp_path, {"app/tests/settings_test.py": 'ROOT_URLCONF = "app.tests.urls"\n'})
    assert result.project.settings_module == "app.tests.settings_test"
    assert routed(result) == {"v/": "app.views.view"}


def test_tox_commands_settings_option(tmp_path: Path) -> None:
    result = reusable_app(tmp_path, {
        "tox.ini": "[testenv]\ncommands =\n    python -m django test --settings=app.tests.conf\n",
        "app/tests/conf.py": "INSTALLED_APPS = ['app']\n",
    })
    assert result.project.settings_module == "app.tests.conf"
    result = reusable_app(tmp_path / "other", {
        "tox.ini": "[testenv]\ncommands =\n    python -m pytest --create-db\n",
        "app/tests/conf.py": "INSTALLED_APPS = ['app']\n",
    })
    assert result.project.settings_module is None


def test_a_computed_setdefault_value(tmp_path: Path) -> None:
    manage = ('import os\nPROJECT = "app.tests"\n'
              'os.environ.setdefault("DJANGO_SETTINGS_MODULE", f"{PROJECT}.conf")\n')
    result = reusable_app(tmp_path, {"runtests.py": manage,
                                     "app/tests/conf.py": 'ROOT_URLCONF = "app.tests.urls"\n'})
    assert result.project.settings_module == "app.tests.conf"


def test_a_bare_configure_call_is_not_the_projects_settings(tmp_path: Path) -> None:
    tool = ('from django.conf import settings\n'
            'def render_template():\n    settings.configure(USE_I18N=False)\n')
    result = reusable_app(tmp_path, {"app/templating.py": tool})
    assert result.project.root_urlconf is None
    assert any("no Django settings found" in f.message for f in result.findings)
