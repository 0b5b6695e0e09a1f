"""The pinned real projects the accuracy harness measures, each as data.

Every one is a PyPI sdist that ships its own tests and runs them offline on Python 3.11 with
Django 5.2. `requirements` pins what the suite needs (installed with the sdist, so pip
resolves them together); `test_command` is the project's own (from its tox.ini, setup.cfg,
runtests.py or pytest.ini), run from the unpacked sdist's root with `{python}` the venv's
interpreter; `files` are written into the tree first (where the sdist lacks a test module
its suite imports); `deselect` leaves out tests that would reach the real network.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RealProject:
    name: str  # the short name --only takes
    dist: str  # the PyPI distribution
    version: str
    requirements: tuple[str, ...]
    test_command: tuple[str, ...]
    settings: str | None = None  # DJANGO_SETTINGS_MODULE for the suite and the scan
    python: str = "3.11"
    pythonpath: tuple[str, ...] = (".",)
    env: Mapping[str, str] = field(default_factory=dict)
    files: Mapping[str, str] = field(default_factory=dict)
    remove: tuple[str, ...] = ()
    scan_path: str = "."
    why: str = ""  # what this project teaches the analysis


DJANGO = "Django==5.2.19"

_OIDC_SETTINGS = """\
# Upstream's tests/settings.py (mozilla/mozilla-django-oidc): the sdist leaves it out.
SECRET_KEY = "can you keep a secret?"
DEBUG = True
USE_TZ = True
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3"}}
ROOT_URLCONF = "mozilla_django_oidc.urls"
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.sites",
    "mozilla_django_oidc",
]
SESSION_ENGINE = "django.contrib.sessions.backends.cache"
MIDDLEWARE = []
OIDC_USERNAME_ALGO = None
"""

_OIDC_NAMESPACED_URLS = """\
from django.urls import include, path

urlpatterns = [path("namespace/", include(("mozilla_django_oidc.urls", "namespace")))]
"""

PROJECTS: tuple[RealProject, ...] = (
    RealProject(
        name="mozilla-django-oidc",
        dist="mozilla-django-oidc",
        version="5.0.2",
        requirements=(DJANGO, "djangorestframework==3.16.1", "requests==2.34.2", "PyJWT==2.15.1"),
        test_command=("{python}", "-m", "django", "test"),
        settings="tests.settings",
        files={
            "tests/__init__.py": "",
            "tests/settings.py": _OIDC_SETTINGS,
            "tests/namespaced_urls.py": _OIDC_NAMESPACED_URLS,
        },
        why="class-based views called through RequestFactory; token exchange through a "
        "settings-named auth backend, faked by patching the whole requests module",
    ),
    RealProject(
        name="djangorestframework-simplejwt",
        dist="djangorestframework-simplejwt",
        version="5.5.1",
        requirements=(
            DJANGO,
            "djangorestframework==3.15.2",
            "PyJWT==2.9.0",
            "cryptography==50.0.2",
            "python-jose==3.3.0",
            "freezegun==1.5.5",
            "pytest==9.2.0",
            "pytest-django==4.14.0",
        ),
        test_command=("{python}", "-m", "pytest", "tests"),
        why="DRF generic views through APIClient; settings from settings.configure() in a "
        "conftest, not a module",
    ),
    RealProject(
        name="django-paypal",
        dist="django-paypal",
        version="2.1",
        requirements=(DJANGO, "vcrpy==9.4.2", "requests==2.34.2", "pytz==2026.6"),
        # runtests.py passes labels through to Django's test command. Left out: the three
        # IPN tests that post to the real PayPal sandbox (IPNPostbackTest, IPNSimulatorTests)
        # and the two encrypted-button tests that need M2Crypto (a swig build).
        test_command=(
            "{python}",
            "runtests.py",
            "paypal.pro.tests",
            "paypal.standard.pdt.tests",
            "paypal.standard.ipn.tests.test_admin",
            "paypal.standard.ipn.tests.test_ipn.IPNTest",
            "paypal.standard.ipn.tests.test_ipn.IPNLocaleTest",
            "paypal.standard.ipn.tests.test_forms.PaymentsFormTest.test_form_render",
            "paypal.standard.ipn.tests.test_forms.PaymentsFormTest.test_custom_subclass_form_render",
            "paypal.standard.ipn.tests.test_forms.PaymentsFormTest.test_form_endpont",
            "paypal.standard.ipn.tests.test_forms.PaymentsFormTest.test_invalid_date_format",
        ),
        why="settings.configure() in runtests.py with an empty ROOT_URLCONF: the routes come "
        "from override_settings URLconfs; IPN/PDT postbacks below the view",
    ),
    RealProject(
        name="django-payments",
        dist="django-payments",
        version="4.1.0",
        requirements=(
            DJANGO,
            "pytest==9.2.0",
            "pytest-django==4.14.0",
            "braintree==4.48.0",
            "suds-community==1.2.0",
            "mercadopago==2.4.0",
            "cryptography==50.0.2",
            "xmltodict==1.0.4",
            "stripe==16.1.0",
            "django-phonenumber-field==9.0.0",
            "phonenumberslite==9.0.42",
            "requests==2.34.2",
        ),
        # Its pytest addopts ask for coverage; the harness measures without it.
        test_command=("{python}", "-m", "pytest", "-o", "addopts=", "--color=no", "-q"),
        settings="test_settings",
        why="one pair of views dispatching to payment providers named in settings; the "
        "providers post through requests and SDKs",
    ),
    RealProject(
        name="social-auth-app-django",
        dist="social-auth-app-django",
        version="8.0.0",
        requirements=(
            DJANGO,
            "social-auth-core[saml]==7.0.0",
            "requests==2.34.2",
            "PyJWT==2.15.1",
            "python3-saml==1.16.0",
            "xmlsec==1.3.17",
            "lxml==6.1.3",
        ),
        test_command=("{python}", "manage.py", "test"),
        settings="tests.settings",
        why="per-backend views (begin/complete) whose token exchange is a backend's request() "
        "below the view, the backend class named by settings",
    ),
    RealProject(
        name="dj-rest-auth",
        dist="dj-rest-auth",
        version="7.2.0",
        requirements=(
            DJANGO,
            "djangorestframework==3.16.1",
            "django-allauth[socialaccount,mfa]==65.14.1",
            "djangorestframework-simplejwt==5.5.1",
            "responses==0.25.8",
            "pyotp==2.9.0",
            "unittest-xml-reporting==3.2.0",
            "requests==2.34.2",
        ),
        # Upstream's runtests.py puts dj_rest_auth/ on sys.path and runs Django's test
        # command with the test settings; the tests route through 'tests.urls'. Left out:
        # TestSocialLoginSerializer.test_http_error, which calls the real graph.facebook.com.
        test_command=(
            "{python}",
            "-m",
            "django",
            "test",
            "dj_rest_auth.tests.test_api",
            "dj_rest_auth.tests.test_mfa",
            "dj_rest_auth.tests.test_social",
            "dj_rest_auth.tests.test_utils",
            "dj_rest_auth.tests.test_serializers.TestUserDetailsSerializer",
            "dj_rest_auth.tests.test_serializers.TestPasswordChangeSerializer",
            "dj_rest_auth.tests.test_serializers.TestSocialLoginSerializer"
            ".test_validate_no_view_submit",
            "dj_rest_auth.tests.test_serializers.TestSocialLoginSerializer"
            ".test_validate_no_adapter_class_present",
        ),
        settings="dj_rest_auth.tests.settings",
        pythonpath=(".", "dj_rest_auth", "dj_rest_auth/tests"),
        why="DRF views over django-allauth: social logins whose token exchange is an "
        "installed library's requests call below a class attribute (adapter_class)",
    ),
    RealProject(
        name="django-mama-cas",
        dist="django-mama-cas",
        version="2.5.0",
        requirements=(
            DJANGO,
            "requests==2.34.2",
            "defusedxml==0.7.1",
            "factory-boy==3.3.3",
            "Faker==40.63.0",
            "pytest==9.2.0",
            "pytest-django==4.14.0",
        ),
        # Upstream's tox runs `py.test mama_cas/tests/`. Left out: three single-logout tests
        # that patch requests.Session.post while the code calls requests.post, so they reach
        # the real example.com.
        test_command=(
            "{python}",
            "-m",
            "pytest",
            "mama_cas/tests",
            "-q",
            "-k",
            "not (ServiceTicketTests and test_request_sign_out and not logout_allow_false)",
        ),
        settings="mama_cas.tests.settings",
        why="re_path routes, CBVs called through RequestFactory, proxy callbacks over "
        "requests below the view",
    ),
    RealProject(
        name="django-allauth",
        dist="django-allauth",
        version="65.14.1",
        requirements=(
            DJANGO,
            "django-allauth[socialaccount,mfa,openid,saml,steam,headless,idp-oidc]==65.14.1",
            "requests==2.34.2",
            "PyJWT==2.15.1",
            "cryptography==50.0.2",
            "oauthlib==3.3.1",
            "fido2==2.2.1",
            "qrcode==8.2",
            "python3-openid==3.2.0",
            "python3-saml==1.16.0",
            "xmlsec==1.3.17",
            "lxml==6.1.3",
            "djangorestframework==3.16.1",
            "django-ninja==1.7.1",
            "PyYAML==6.0.4",
            # tests/apps/core/internal/test_modelkit.py imports django.contrib.postgres.
            "psycopg2-binary==2.9.13",
            "pytest==9.2.0",
            "pytest-django==4.14.0",
            "pytest-asyncio==1.5.0",
        ),
        # Upstream's noxfile runs `pytest --ds=tests.projects.regular.settings tests/`.
        # Nothing left out: run offline here, all 1874 tests pass and the observer saw no
        # outbound attempt but test doubles. (65.3.0's OpenIDTests.test_login ran OpenID
        # discovery on the real steamcommunity.com; 65.14.1's patches the OpenID consumer.)
        test_command=("{python}", "-m", "pytest", "tests", "-q"),
        settings="tests.projects.regular.settings",
        why="provider views (OAuth login/callback) from a registry filled at app loading; "
        "token exchange through requests below the view, faked in its tests by assigning "
        "Mock objects onto requests.Session methods",
    ),
)


def by_name(name: str) -> RealProject:
    for project in PROJECTS:
        if project.name == name:
            return project
    known = ", ".join(p.name for p in PROJECTS)
    raise KeyError(f"no real project named {name!r} (known: {known})")
