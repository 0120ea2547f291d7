"""Django settings for the Cognito portal, read from the environment (12-factor).

Local development defaults apply only while DJANGO_DEBUG is on; with it off the portal refuses to start
without a real secret key, and the security settings are those `manage.py check --deploy` asks for.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=False)

# --- secret key ------------------------------------------------------------------------------------------
_DEV_SECRET_KEY = "django-insecure-local-development-only-never-use-in-production"  # noqa: S105
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it to a long random value (at least 50 characters), "
            "or set DJANGO_DEBUG=1 for local development."
        )
    SECRET_KEY = _DEV_SECRET_KEY
elif not DEBUG and (
    len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith("django-insecure-")
):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is too weak for production: use at least 50 random characters "
        "(for example: python -c 'import secrets; print(secrets.token_urlsafe(64))')."
    )

ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# --- applications ----------------------------------------------------------------------------------------
INSTALLED_APPS = [
    "accounts.staff.apps.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "accounts",
]

MIDDLEWARE = [
    "accounts.proxy.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.CognitoSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

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
                "accounts.context_processors.portal",
            ],
        },
    },
]

# --- data ------------------------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite for concurrent web use: a write transaction takes the write lock when it begins (IMMEDIATE),
    # so two requests never both read and then deadlock upgrading to write ("database is locked"); a
    # waiting writer waits up to `timeout` seconds; WAL lets readers go on while one request writes.
    # PostgreSQL is the production database (README, "Deployment").
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": env.int("DJANGO_SQLITE_TIMEOUT", default=20),
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The cache is shared by every worker: the database cache in production (`manage.py createcachetable`),
# local memory only for local development, Redis (CACHE_URL=redis://…) when several servers share it.
# gunicorn.conf.py refuses to start several workers on a per-process cache.
CACHES = {
    "default": env.cache("CACHE_URL", default="locmemcache://portal" if DEBUG else "dbcache://portal_cache")
}
# Server-side sessions: in the database by default, in the cache when it is shared (Redis).
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cache"
    if CACHES["default"]["BACKEND"].startswith("django_redis")
    or "redis" in CACHES["default"]["BACKEND"].lower()
    else "django.contrib.sessions.backends.db"
)
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 8)
# A portal session ends after this long without a request, and after this long in all (seconds).
SESSION_IDLE_SECONDS = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_ABSOLUTE_SECONDS = env.int("SESSION_ABSOLUTE_SECONDS", default=8 * 60 * 60)
# How many proxies in front of the portal append to X-Forwarded-For (0: none, REMOTE_ADDR is the client).
TRUSTED_PROXY_COUNT = env.int(
    "DJANGO_TRUSTED_PROXY_COUNT", default=1 if env.bool("DJANGO_BEHIND_PROXY", default=False) else 0
)
# Say "already confirmed" / "this email has an account" plainly (default: enumeration-safe answers).
PORTAL_REVEAL_ACCOUNT_EXISTENCE = env.bool("PORTAL_REVEAL_ACCOUNT_EXISTENCE", default=False)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- authentication: Cognito is the only identity store ----------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["accounts.backends.CognitoBackend"]
AUTH_PASSWORD_VALIDATORS: list[dict] = []  # passwords are Cognito's business (pool password policy)
LOGIN_URL = "accounts:sign_in"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "accounts:sign_in"

COGNITO_USER_POOL_ID = env.str("COGNITO_USER_POOL_ID", default="")
COGNITO_CLIENT_ID = env.str("COGNITO_CLIENT_ID", default="")
COGNITO_CLIENT_SECRET = env.str("COGNITO_CLIENT_SECRET", default="")
COGNITO_REGION = env.str("AWS_REGION", default=env.str("AWS_DEFAULT_REGION", default="us-east-1"))
COGNITO_ENDPOINT_URL = env.str("COGNITO_ENDPOINT_URL", default="")
# JWKS: derived from the pool (or the local endpoint) when empty.
COGNITO_JWKS_URL = env.str("COGNITO_JWKS_URL", default="")
COGNITO_STAFF_GROUP = env.str("COGNITO_STAFF_GROUP", default="portal-staff")
COGNITO_ADMIN_GROUP = env.str("COGNITO_ADMIN_GROUP", default="portal-admins")
COGNITO_CONNECT_TIMEOUT = env.float("COGNITO_CONNECT_TIMEOUT", default=2.0)
COGNITO_READ_TIMEOUT = env.float("COGNITO_READ_TIMEOUT", default=5.0)
COGNITO_MAX_ATTEMPTS = env.int("COGNITO_MAX_ATTEMPTS", default=3)
# Local mode: the embedded localcognito is the identity provider (make run); shows /local/mailbox/.
LOCAL_COGNITO = env.bool("LOCAL_COGNITO", default=False)

PORTAL_SITE_NAME = env.str("PORTAL_SITE_NAME", default="Cognito Portal")

# Remembered-device cookie (DESIGN §3).
DEVICE_COOKIE_NAME = "__Host-portal_device" if not DEBUG else "portal_device"
DEVICE_COOKIE_AGE = env.int("DEVICE_COOKIE_AGE", default=60 * 60 * 24 * 30)

# --- forms, i18n, static -----------------------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

LANGUAGE_CODE = "en-us"
# The languages the portal's own catalogues cover (locale/<code>/LC_MESSAGES/django.po, `make messages`);
# LocaleMiddleware picks one from the language cookie (the switcher) or the browser's Accept-Language.
LANGUAGES = [("en", "English"), ("de", "Deutsch"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=BASE_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- security (what `check --deploy` asks for; HTTPS may be terminated by a proxy) --------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): only this site's own scripts, styles and forms; no inline script
# or style, no framing. Bootstrap's CSS draws its form icons from data: URIs.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'none'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    },
}
# Permissions-Policy (django-permissions-policy): no powerful feature for this site or any frame, except
# WebAuthn for this origin (passkeys). Only features browsers recognise: an unknown one is a console error
# on every page (Chromium 156 rejects ambient-light-sensor and bluetooth; the browser tests check this).
PERMISSIONS_POLICY: dict[str, list[str]] = {
    **{
        feature: []
        for feature in (
            "accelerometer",
            "autoplay",
            "browsing-topics",
            "camera",
            "display-capture",
            "encrypted-media",
            "geolocation",
            "gyroscope",
            "hid",
            "idle-detection",
            "interest-cohort",
            "magnetometer",
            "microphone",
            "midi",
            "payment",
            "screen-wake-lock",
            "serial",
            "usb",
            "xr-spatial-tracking",
        )
    },
    "publickey-credentials-create": ["self"],
    "publickey-credentials-get": ["self"],
}
CSRF_FAILURE_VIEW = "accounts.views.common.csrf_failure"
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    if env.bool("DJANGO_BEHIND_PROXY", default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
        USE_X_FORWARDED_HOST = True
    SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=True)
    # Preloading is a promise to browsers that is hard to take back: opt in once HTTPS is settled.
    SECURE_HSTS_PRELOAD = env.bool("DJANGO_HSTS_PRELOAD", default=False)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    # Deliberate choices, not oversights: SECURE_SSL_REDIRECT left off behind a proxy that already
    # redirects (W008); HSTS preload left to the operator (W021, DJANGO_HSTS_PRELOAD=1 opts in).
    SILENCED_SYSTEM_CHECKS = [
        *([] if SECURE_SSL_REDIRECT else ["security.W008"]),
        *([] if SECURE_HSTS_PRELOAD else ["security.W021"]),
    ]

# --- logging and error reports: never write secrets ------------------------------------------------------
# Hides secret-looking frame variables and POST fields from the DEBUG technical 500 page and error reports.
DEFAULT_EXCEPTION_REPORTER_FILTER = "accounts.log_redaction.SecretsExceptionReporterFilter"
DEFAULT_EXCEPTION_REPORTER = "accounts.log_redaction.RedactingExceptionReporter"
LOG_LEVEL = env.str("DJANGO_LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_secrets": {"()": "accounts.log_redaction.RedactSecretsFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_secrets"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Django's default config gives "django" a console handler of its own; use ours only.
        "django": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "botocore": {"level": env.str("BOTOCORE_LOG_LEVEL", default="WARNING")},
        "boto3": {"level": env.str("BOTOCORE_LOG_LEVEL", default="WARNING")},
        "urllib3": {"level": "WARNING"},
    },
}
