"""Settings for the opsdesk operations dashboard."""
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = os.environ.get(
    "OPSDESK_SECRET_KEY", "django-insecure-opsdesk-sample-project-not-for-production"
)
DEBUG = os.environ.get("OPSDESK_DEBUG", "1") == "1"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "core.apps.CoreConfig",
    "services.apps.ServicesConfig",
    "incidents.apps.IncidentsConfig",
    "deploys.apps.DeploysConfig",
    "oncall.apps.OncallConfig",
    "dashboard.apps.DashboardConfig",
    "integrations.apps.IntegrationsConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.middleware.request_id_middleware",
    "core.middleware.RequestTimingMiddleware",
]

ROOT_URLCONF = "opsdesk.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "opsdesk.wsgi.application"
ASGI_APPLICATION = "opsdesk.asgi.application"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": BASE_DIR / "db.sqlite3",
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LOGIN_URL = "admin:login"

REST_FRAMEWORK = {
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
}

# --- opsdesk specific -------------------------------------------------------

# Every upstream (health endpoints, chat, pager, CI) lives under this base URL.
# Always read it at call time (settings.UPSTREAM_BASE_URL) so tests can point
# it at the stub server with override_settings().
UPSTREAM_BASE_URL = os.environ.get("OPSDESK_UPSTREAM", "http://127.0.0.1:8902")

# Shared secret used to verify the HMAC signature of incoming alert webhooks.
OPSDESK_WEBHOOK_SECRET = os.environ.get("OPSDESK_WEBHOOK_SECRET", "opsdesk-dev-webhook-secret")

# Chat channel that receives forwarded alerts.
OPSDESK_ALERT_CHANNEL = "#ops-alerts"

# Long-polling: how many times to look for new incident events (50 ms apart)
# before answering with an empty, timed-out payload.
OPSDESK_LONGPOLL_ATTEMPTS = 40

OPSDESK_ENVIRONMENT = os.environ.get("OPSDESK_ENVIRONMENT", "development")
