"""Django and DRF knowledge as data: class families, import aliases, which async API and
which async-capable decorator exists from which Django version.

Source: ../shared/django-async-api.md (checked against the release notes and the shipped
source of every release line 3.0 → 6.1); section numbers below refer to it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

NEWEST_KNOWN_DJANGO = "6.1"
# `async def` views exist from 3.1 (§ views; 3.0 served ASGI but ran views sync). Also the
# target a rewrite uses when the project's version is unknown: nothing newer is assumed, so
# no version-gated async API is used.
ASYNC_VIEWS_SINCE = "3.1"


def parse_version(text: str | None) -> tuple[int, int] | None:
    if not text:
        return None
    match = re.match(r"\s*(\d+)(?:\.(\d+))?", text)
    if match is None:
        return None
    return int(match.group(1)), int(match.group(2) or 0)


def version_at_least(version: str | None, since: str | None) -> bool:
    """True when `version` has a feature added in `since`. Unknown version: assume newest."""
    if since is None:
        return False
    have = parse_version(version) or parse_version(NEWEST_KNOWN_DJANGO)
    need = parse_version(since)
    assert have is not None and need is not None
    return have >= need


# Public import paths → the module that defines the class (so both spellings compare equal).
_ALIASES: dict[str, str] = {
    "django.views.View": "django.views.generic.base.View",
    "django.views.generic.View": "django.views.generic.base.View",
    "django.views.generic.TemplateView": "django.views.generic.base.TemplateView",
    "django.views.generic.RedirectView": "django.views.generic.base.RedirectView",
    "django.views.generic.ListView": "django.views.generic.list.ListView",
    "django.views.generic.DetailView": "django.views.generic.detail.DetailView",
    "django.views.generic.FormView": "django.views.generic.edit.FormView",
    "django.views.generic.CreateView": "django.views.generic.edit.CreateView",
    "django.views.generic.UpdateView": "django.views.generic.edit.UpdateView",
    "django.views.generic.DeleteView": "django.views.generic.edit.DeleteView",
    "django.views.generic.ArchiveIndexView": "django.views.generic.dates.ArchiveIndexView",
    "django.views.generic.YearArchiveView": "django.views.generic.dates.YearArchiveView",
    "django.views.generic.MonthArchiveView": "django.views.generic.dates.MonthArchiveView",
    "django.views.generic.DayArchiveView": "django.views.generic.dates.DayArchiveView",
    "django.views.generic.DateDetailView": "django.views.generic.dates.DateDetailView",
    "django.db.models.base.Model": "django.db.models.Model",
    "django.forms.models.ModelForm": "django.forms.ModelForm",
    "django.db.models.manager.Manager": "django.db.models.Manager",
    "django.db.models.query.QuerySet": "django.db.models.QuerySet",
    "django.conf.urls.include": "django.urls.include",
    "django.urls.conf.path": "django.urls.path",
    "django.urls.conf.re_path": "django.urls.re_path",
    "django.urls.conf.include": "django.urls.include",
    "django.apps.config.AppConfig": "django.apps.AppConfig",
    "django.http.response.HttpResponse": "django.http.HttpResponse",
    "django.http.response.JsonResponse": "django.http.JsonResponse",
    "django.http.response.StreamingHttpResponse": "django.http.StreamingHttpResponse",
    "django.template.response.TemplateResponse": "django.template.response.TemplateResponse",
    "django.core.mail.message.EmailMessage": "django.core.mail.EmailMessage",
}


def canonical_external(qualified: str) -> str:
    if qualified in _ALIASES:
        return _ALIASES[qualified]
    for alias, target in _ALIASES.items():
        if qualified.startswith(alias + "."):
            return target + qualified[len(alias) :]
    return qualified


VIEW = "django.views.generic.base.View"
MODEL = "django.db.models.Model"
MANAGER = "django.db.models.Manager"
QUERYSET = "django.db.models.QuerySet"
APP_CONFIG = "django.apps.AppConfig"
DRF_API_VIEW = "rest_framework.views.APIView"
DRF_VIEWSET_MIXIN = "rest_framework.viewsets.ViewSetMixin"
MIDDLEWARE_MIXIN = "django.utils.deprecation.MiddlewareMixin"
ADMIN_SITE = "django.contrib.admin.sites.AdminSite"

_GENERIC_VIEWS = (
    "django.views.generic.base.TemplateView",
    "django.views.generic.base.RedirectView",
    "django.views.generic.list.ListView",
    "django.views.generic.detail.DetailView",
    "django.views.generic.edit.FormView",
    "django.views.generic.edit.CreateView",
    "django.views.generic.edit.UpdateView",
    "django.views.generic.edit.DeleteView",
    "django.views.generic.dates.ArchiveIndexView",
    "django.views.generic.dates.YearArchiveView",
    "django.views.generic.dates.MonthArchiveView",
    "django.views.generic.dates.DayArchiveView",
    "django.views.generic.dates.DateDetailView",
    "django.contrib.auth.views.LoginView",
    "django.contrib.auth.views.LogoutView",
    "django.contrib.auth.views.PasswordChangeView",
    # django-filter's list view (django_filters/views.py): a ListView over a filterset.
    "django_filters.views.FilterView",
)
GENERIC_VIEWS = frozenset(_GENERIC_VIEWS)

# The methods a generic view's own handlers call on the view (django/views/generic/*.py,
# django/contrib/auth/views.py, django_filters/views.py): a project override of one runs on
# the requests the view serves, as its handler does.
_TEMPLATE_HOOKS = ("get_context_data", "get_template_names", "render_to_response")
_LIST_HOOKS = (
    "get_queryset",
    "get_ordering",
    "get_allow_empty",
    "get_paginate_by",
    "paginate_queryset",
    "get_paginator",
    "get_context_object_name",
    *_TEMPLATE_HOOKS,
)
_OBJECT_HOOKS = (
    "get_object",
    "get_queryset",
    "get_slug_field",
    "get_context_object_name",
    *_TEMPLATE_HOOKS,
)
_FORM_HOOKS = (
    "get_form",
    "get_form_class",
    "get_form_kwargs",
    "get_initial",
    "get_prefix",
    "form_valid",
    "form_invalid",
    "get_success_url",
    *_TEMPLATE_HOOKS,
)
_DATE_HOOKS = ("get_dated_items", "get_date_list", *_LIST_HOOKS)
_REDIRECT_HOOKS = ("get_success_url", "get_redirect_url", "get_default_redirect_url")
GENERIC_VIEW_HOOKS: dict[str, tuple[str, ...]] = {
    "django.views.generic.base.TemplateView": _TEMPLATE_HOOKS,
    "django.views.generic.base.RedirectView": ("get_redirect_url",),
    "django.views.generic.list.ListView": _LIST_HOOKS,
    "django.views.generic.detail.DetailView": _OBJECT_HOOKS,
    "django.views.generic.edit.FormView": _FORM_HOOKS,
    "django.views.generic.edit.CreateView": _FORM_HOOKS,
    "django.views.generic.edit.UpdateView": (*_FORM_HOOKS, *_OBJECT_HOOKS[:3]),
    "django.views.generic.edit.DeleteView": (*_FORM_HOOKS, *_OBJECT_HOOKS[:3]),
    "django.views.generic.dates.ArchiveIndexView": _DATE_HOOKS,
    "django.views.generic.dates.YearArchiveView": _DATE_HOOKS,
    "django.views.generic.dates.MonthArchiveView": _DATE_HOOKS,
    "django.views.generic.dates.DayArchiveView": _DATE_HOOKS,
    "django.views.generic.dates.DateDetailView": _OBJECT_HOOKS,
    "django.contrib.auth.views.LoginView": (*_FORM_HOOKS, *_REDIRECT_HOOKS),
    "django.contrib.auth.views.LogoutView": (*_TEMPLATE_HOOKS, *_REDIRECT_HOOKS),
    "django.contrib.auth.views.PasswordChangeView": _FORM_HOOKS,
    "django_filters.views.FilterView": (
        "get_filterset_class",
        "get_filterset",
        "get_filterset_kwargs",
        "get_strict",
        *_LIST_HOOKS,
    ),
}

_DRF_VIEWSETS = (
    "rest_framework.viewsets.ViewSet",
    "rest_framework.viewsets.GenericViewSet",
    "rest_framework.viewsets.ModelViewSet",
    "rest_framework.viewsets.ReadOnlyModelViewSet",
)
_DRF_GENERICS = (
    "rest_framework.generics.GenericAPIView",
    "rest_framework.generics.ListAPIView",
    "rest_framework.generics.CreateAPIView",
    "rest_framework.generics.RetrieveAPIView",
    "rest_framework.generics.ListCreateAPIView",
    "rest_framework.generics.RetrieveUpdateAPIView",
    "rest_framework.generics.RetrieveUpdateDestroyAPIView",
    "rest_framework.generics.DestroyAPIView",
    "rest_framework.generics.UpdateAPIView",
)

# Parents of framework classes the project subclasses, so families are known without
# importing Django.
EXTERNAL_BASES: dict[str, tuple[str, ...]] = {
    **{name: (VIEW,) for name in _GENERIC_VIEWS},
    DRF_API_VIEW: (VIEW,),
    **{name: ("rest_framework.generics.GenericAPIView",) for name in _DRF_GENERICS[1:]},
    "rest_framework.generics.GenericAPIView": (DRF_API_VIEW,),
    "rest_framework.viewsets.ViewSet": (DRF_VIEWSET_MIXIN, DRF_API_VIEW),
    "rest_framework.viewsets.GenericViewSet": (
        DRF_VIEWSET_MIXIN,
        "rest_framework.generics.GenericAPIView",
    ),
    "rest_framework.viewsets.ModelViewSet": ("rest_framework.viewsets.GenericViewSet",),
    "rest_framework.viewsets.ReadOnlyModelViewSet": ("rest_framework.viewsets.GenericViewSet",),
    "adrf.views.APIView": (DRF_API_VIEW,),
    "adrf.viewsets.ViewSet": ("rest_framework.viewsets.ViewSet",),
    "adrf.viewsets.ModelViewSet": ("rest_framework.viewsets.ModelViewSet",),
    "rest_framework.serializers.Serializer": ("rest_framework.serializers.BaseSerializer",),
    "rest_framework.serializers.ModelSerializer": ("rest_framework.serializers.Serializer",),
    "rest_framework.serializers.HyperlinkedModelSerializer": (
        "rest_framework.serializers.ModelSerializer",
    ),
    "django.contrib.auth.models.AbstractUser": (MODEL,),
    "django.contrib.auth.models.AbstractBaseUser": (MODEL,),
    "django.contrib.auth.models.User": (MODEL,),
}

ADRF_CLASSES = frozenset(
    {
        "adrf.views.APIView",
        "adrf.viewsets.ViewSet",
        "adrf.viewsets.ModelViewSet",
        "adrf.viewsets.GenericViewSet",
    }
)

# The actions each DRF viewset provides (rest_framework/viewsets.py, mixins.py).
DRF_VIEWSET_ACTIONS: dict[str, tuple[str, ...]] = {
    "rest_framework.viewsets.ModelViewSet": (
        "list",
        "create",
        "retrieve",
        "update",
        "partial_update",
        "destroy",
    ),
    "rest_framework.viewsets.ReadOnlyModelViewSet": ("list", "retrieve"),
}
DRF_LIST_ACTIONS = {"list": "get", "create": "post"}
DRF_DETAIL_ACTIONS = {
    "retrieve": "get",
    "update": "put",
    "partial_update": "patch",
    "destroy": "delete",
}

HTTP_HANDLERS = ("get", "post", "put", "patch", "delete", "head", "options", "trace")

AUTH_MIXINS = frozenset(
    {
        "django.contrib.auth.mixins.LoginRequiredMixin",
        "django.contrib.auth.mixins.PermissionRequiredMixin",
        "django.contrib.auth.mixins.UserPassesTestMixin",
    }
)


@dataclass(frozen=True, slots=True)
class DecoratorSupport:
    """From which Django version a view decorator accepts `async def` views (§2)."""

    since: str | None  # None: never
    note: str


VIEW_DECORATORS: dict[str, DecoratorSupport] = {
    **{
        f"django.views.decorators.cache.{n}": DecoratorSupport("5.0", "")
        for n in ("cache_control", "never_cache")
    },
    "django.views.decorators.cache.cache_page": DecoratorSupport(
        "5.0", "its cache middleware hooks still run on the event loop"
    ),
    "django.views.decorators.common.no_append_slash": DecoratorSupport("5.0", ""),
    **{
        f"django.views.decorators.csrf.{n}": DecoratorSupport("5.0", "")
        for n in ("csrf_exempt", "csrf_protect", "ensure_csrf_cookie", "requires_csrf_token")
    },
    **{
        f"django.views.decorators.debug.{n}": DecoratorSupport("5.0", "")
        for n in ("sensitive_variables", "sensitive_post_parameters")
    },
    "django.views.decorators.gzip.gzip_page": DecoratorSupport("5.0", ""),
    **{
        f"django.views.decorators.http.{n}": DecoratorSupport(
            "5.0", "etag/last_modified callbacks run on the event loop and must not query"
        )
        for n in ("condition", "etag", "last_modified", "conditional_page")
    },
    **{
        f"django.views.decorators.http.{n}": DecoratorSupport("5.0", "")
        for n in ("require_http_methods", "require_GET", "require_POST", "require_safe")
    },
    **{
        f"django.views.decorators.vary.{n}": DecoratorSupport("5.0", "")
        for n in ("vary_on_cookie", "vary_on_headers")
    },
    **{
        f"django.views.decorators.clickjacking.{n}": DecoratorSupport("5.0", "")
        for n in ("xframe_options_deny", "xframe_options_sameorigin", "xframe_options_exempt")
    },
    **{
        f"django.contrib.auth.decorators.{n}": DecoratorSupport(
            "5.1", "the async path awaits request.auser()"
        )
        for n in ("login_required", "permission_required", "user_passes_test")
    },
    "django.contrib.auth.decorators.login_not_required": DecoratorSupport("5.1", ""),
    "django.contrib.admin.views.decorators.staff_member_required": DecoratorSupport("5.1", ""),
    "django.utils.decorators.method_decorator": DecoratorSupport("5.2", ""),
    "django.db.transaction.atomic": DecoratorSupport(
        None, "transactions are not supported in async code"
    ),
    "django.db.transaction.non_atomic_requests": DecoratorSupport("3.1", ""),
    "rest_framework.decorators.api_view": DecoratorSupport(
        None, "DRF's api_view is sync only; adrf provides an async api_view"
    ),
}


@dataclass(frozen=True, slots=True)
class MiddlewareSupport:
    status: str  # "hybrid", "async", "sync-only"
    since: str
    note: str = ""


_HYBRID_31 = MiddlewareSupport("hybrid", "3.1", "MiddlewareMixin: hooks run in a thread hop")

BUILTIN_MIDDLEWARE: dict[str, MiddlewareSupport] = {
    **{
        name: _HYBRID_31
        for name in (
            "django.middleware.security.SecurityMiddleware",
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.middleware.common.CommonMiddleware",
            "django.middleware.common.BrokenLinkEmailsMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware",
            "django.contrib.messages.middleware.MessageMiddleware",
            "django.middleware.clickjacking.XFrameOptionsMiddleware",
            "django.middleware.gzip.GZipMiddleware",
            "django.middleware.locale.LocaleMiddleware",
            "django.middleware.http.ConditionalGetMiddleware",
            "django.middleware.cache.UpdateCacheMiddleware",
            "django.middleware.cache.FetchFromCacheMiddleware",
            "django.middleware.cache.CacheMiddleware",
            "django.contrib.flatpages.middleware.FlatpageFallbackMiddleware",
            "django.contrib.redirects.middleware.RedirectFallbackMiddleware",
            "django.contrib.sites.middleware.CurrentSiteMiddleware",
            "django.contrib.admindocs.middleware.XViewMiddleware",
        )
    },
    "django.contrib.auth.middleware.LoginRequiredMiddleware": MiddlewareSupport(
        "hybrid", "5.1", "its check runs in process_view, adapted into a thread"
    ),
    "django.contrib.auth.middleware.RemoteUserMiddleware": MiddlewareSupport(
        "async", "5.2", "native async from 5.2 (hybrid mixin before)"
    ),
    "django.contrib.auth.middleware.PersistentRemoteUserMiddleware": MiddlewareSupport(
        "async", "5.2", "native async from 5.2 (hybrid mixin before)"
    ),
    "django.middleware.csp.ContentSecurityPolicyMiddleware": MiddlewareSupport("hybrid", "6.0"),
}

ASGI_SERVERS = ("uvicorn", "daphne", "hypercorn", "granian")


@dataclass(frozen=True, slots=True)
class ClassHook:
    """Framework code that calls a method on each class a view names in an attribute, on
    every request: DRF's APIView.initial() authenticates, checks permissions and throttles
    (https://www.django-rest-framework.org/api-guide/views/#dispatch-methods)."""

    view_base: str
    attribute: str
    method: str
    # Where a view that does not set `attribute` gets its classes: a key of the settings'
    # REST_FRAMEWORK dict, and DRF's own default for it.
    setting: str = ""
    default: tuple[str, ...] = ()


CLASS_HOOKS = (
    ClassHook(
        DRF_API_VIEW,
        "authentication_classes",
        "authenticate",
        "DEFAULT_AUTHENTICATION_CLASSES",
        (
            "rest_framework.authentication.SessionAuthentication",
            "rest_framework.authentication.BasicAuthentication",
        ),
    ),
    ClassHook(
        DRF_API_VIEW,
        "permission_classes",
        "has_permission",
        "DEFAULT_PERMISSION_CLASSES",
        ("rest_framework.permissions.AllowAny",),
    ),
    ClassHook(DRF_API_VIEW, "throttle_classes", "allow_request", "DEFAULT_THROTTLE_CLASSES"),
)

# Functions that return a model class (not an instance): `get_user_model().objects.get()`.
MODEL_CLASS_FACTORIES = {"django.contrib.auth.get_user_model": "django.contrib.auth.models.User"}

# What request.session costs per SESSION_ENGINE (https://docs.djangoproject.com/en/stable/
# topics/http/sessions/#configuring-the-session-engine): the catalog row of its store, None
# for signed cookies (no store). An engine not listed here is read as the database default.
DEFAULT_SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_STORES: dict[str, str | None] = {
    "django.contrib.sessions.backends.db": "django.http.HttpRequest.session",
    "django.contrib.sessions.backends.cached_db": "django.http.HttpRequest.session",
    "django.contrib.sessions.backends.cache": "django.contrib.sessions.backends.cache.SessionStore",
    "django.contrib.sessions.backends.file": "django.contrib.sessions.backends.file.SessionStore",
    "django.contrib.sessions.backends.signed_cookies": None,
}
# Calls whose only I/O is the session store: logout() flushes the session (user_logged_out
# has no receivers of Django's own). login() is not one: update_last_login saves the user.
SESSION_ONLY_CALLS = frozenset({"django.contrib.auth.logout", "django.contrib.auth.alogout"})
# The middleware that puts a lazy request.user / request.session on the request.
REQUEST_ATTRIBUTE_MIDDLEWARE = {
    "user": "django.contrib.auth.middleware.AuthenticationMiddleware",
    "session": "django.contrib.sessions.middleware.SessionMiddleware",
}
# The methods of a middleware that run before the view, with the request as their first
# argument (https://docs.djangoproject.com/en/stable/topics/http/middleware/).
MIDDLEWARE_REQUEST_PHASES = ("__call__", "process_request", "process_view")

# Form validation runs the form's clean_<field>() and clean() methods
# (https://docs.djangoproject.com/en/stable/ref/forms/validation/): calling any of these
# on a project form runs the project's clean methods.
FORM_BASES = frozenset(
    {
        "django.forms.BaseForm",
        "django.forms.Form",
        "django.forms.ModelForm",
        "django.forms.forms.BaseForm",
        "django.forms.forms.Form",
        "django.forms.models.BaseModelForm",
        "django.forms.models.ModelForm",
    }
)
FORM_VALIDATION_CALLS = frozenset({"is_valid", "full_clean"})

# DRF serializers (https://www.django-rest-framework.org/api-guide/serializers/): a
# GenericAPIView's get_serializer() builds `get_serializer_class()` (by default the view's
# `serializer_class`) with `context={"request", "format", "view"}`; `is_valid()` runs the
# serializer's `validate_<field>()` and `validate()`, `save()` runs `create()` or `update()`.
SERIALIZER_BASES = frozenset(
    {
        "rest_framework.serializers.BaseSerializer",
        "rest_framework.serializers.Serializer",
        "rest_framework.serializers.ModelSerializer",
        "rest_framework.serializers.HyperlinkedModelSerializer",
    }
)
DRF_GENERIC_VIEW = "rest_framework.generics.GenericAPIView"
SERIALIZER_FACTORIES = frozenset({"get_serializer"})


@dataclass(frozen=True, slots=True)
class ProtocolCall:
    """A framework method that runs methods of the project subclass it is called on."""

    bases: frozenset[str]  # the framework classes whose subclasses this applies to
    calls: frozenset[str]  # the framework methods called
    methods: frozenset[str]  # project methods it runs, by name
    prefixes: tuple[str, ...] = ()  # ... and by prefix (`clean_<field>`)


PROTOCOL_CALLS = (
    ProtocolCall(
        FORM_BASES, FORM_VALIDATION_CALLS, frozenset({"clean", "_post_clean"}), ("clean_",)
    ),
    ProtocolCall(
        SERIALIZER_BASES,
        frozenset({"is_valid", "run_validation"}),
        frozenset({"validate"}),
        ("validate_",),
    ),
    ProtocolCall(SERIALIZER_BASES, frozenset({"save"}), frozenset({"create", "update"})),
)

# Signals: `@receiver(signal, sender=...)` and `signal.connect(handler, sender=...)` register
# a receiver; `signal.send(...)`/`send_robust(...)` runs every receiver synchronously
# (https://docs.djangoproject.com/en/stable/topics/signals/).
SIGNAL_RECEIVER_DECORATORS = frozenset(
    {"django.dispatch.receiver", "django.dispatch.dispatcher.receiver"}
)
SIGNAL_SEND_METHODS = frozenset({"send", "send_robust"})

# Functions that import what a dotted-path string names: `import_string(settings.X)`.
IMPORT_BY_PATH = frozenset({"django.utils.module_loading.import_string"})
SETTINGS = "django.conf.settings"

# Model signals Django sends from ORM calls (https://docs.djangoproject.com/en/stable/ref/
# signals/#model-signals): receivers connected for the model (or any sender) run inside the
# call. QuerySet.update() and bulk_create() send none.
_SAVE_SIGNALS = ("django.db.models.signals.pre_save", "django.db.models.signals.post_save")
_DELETE_SIGNALS = ("django.db.models.signals.pre_delete", "django.db.models.signals.post_delete")
MODEL_SIGNALS: dict[str, tuple[str, ...]] = {
    **{f"{MODEL}.{m}": _SAVE_SIGNALS for m in ("save", "asave")},
    **{f"{MODEL}.{m}": _DELETE_SIGNALS for m in ("delete", "adelete")},
    **{
        f"{QUERYSET}.{m}": _SAVE_SIGNALS
        for m in ("create", "acreate", "get_or_create", "aget_or_create")
    },
    **{f"{QUERYSET}.{m}": _SAVE_SIGNALS for m in ("update_or_create", "aupdate_or_create")},
    **{f"{QUERYSET}.{m}": _DELETE_SIGNALS for m in ("delete", "adelete")},
}

# Django's access checks that read request.user before the view runs (a session and a
# user query under AuthenticationMiddleware): decorators on functions, mixins on classes.
USER_CHECK_DECORATORS = frozenset(
    {
        "django.contrib.auth.decorators.login_required",
        "django.contrib.auth.decorators.permission_required",
        "django.contrib.auth.decorators.user_passes_test",
        "django.contrib.admin.views.decorators.staff_member_required",
    }
)
USER_CHECK_MIXINS = frozenset(
    {
        "django.contrib.auth.mixins.LoginRequiredMixin",
        "django.contrib.auth.mixins.PermissionRequiredMixin",
        "django.contrib.auth.mixins.UserPassesTestMixin",
    }
)

# Every backend Django ships subclasses BaseBackend, which provides aget_user().
DJANGO_AUTH_BACKENDS = "django.contrib.auth.backends"
DEFAULT_AUTHENTICATION_BACKENDS = ("django.contrib.auth.backends.ModelBackend",)
