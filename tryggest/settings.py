"""Settings for TryggEst, read from the environment (see .env.example)."""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from kernel.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", default=False)

# Outside development the key must come from the environment; a guessable default would let
# anyone forge sessions and password-reset links.
SECRET_KEY = env_str("SECRET_KEY", required=not DEBUG) or "dev-only-insecure-secret-key"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI from the package, not a CDN
    "rest_framework_api_key",  # hashed service keys (accounts.ServiceKey builds on it)
    "django_fsm",
    # The project's apps, bottom layer first (README: Architecture).
    "audit",
    "accounts",
    "intake",
    "routing",
    "casework",
    "stats",
    "oversight",
]
# The intake benchmark's baseline endpoint (bench/baseline): only for `make bench`, never in
# production, and refused with DEBUG off unless the benchmark asks for it explicitly.
BENCH_BASELINE = env_bool("BENCH_BASELINE", default=False)
if BENCH_BASELINE:
    INSTALLED_APPS.append("bench.baseline")

MIDDLEWARE = [
    "tryggest.middleware.DatabaseUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "tryggest.middleware.ChosenLanguageMiddleware",
    # Before anything reads the query string: a personal value in a URL is refused (400).
    "tryggest.middleware.PersonalValuesNotInUrlsMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "audit.middleware.RequestContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "tryggest.urls"
WSGI_APPLICATION = "tryggest.wsgi.application"

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
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# Database: a SQLite file by default (no server needed), PostgreSQL in production.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'var' / 'tryggest.sqlite3'}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take the write lock up front, so two concurrent writers wait for
    # each other (busy timeout) instead of failing half-way with "database is locked".
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}
else:
    # A database that does not answer fails the request (503, tryggest.middleware) instead of
    # holding a worker until the operating system gives up.
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env_int(
        "DB_CONNECT_TIMEOUT", 5
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "nb"
LANGUAGES = [("nb", _("Norwegian Bokmål")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Oslo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"

LOGIN_URL = "admin:login"

# Sessions and cookies
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 60 * 60)
SESSION_COOKIE_SECURE = not DEBUG and env_bool("SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY") else None
)

# Audit trail: the chain key lives outside the database so that someone with database access alone
# cannot re-forge the hash chain.
AUDIT_HMAC_KEY = env_str("AUDIT_HMAC_KEY", required=not DEBUG) or "dev-only-insecure-audit-key"

# E-mail: the console in development, SMTP (or what EMAIL_BACKEND names) in production.
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(BASE_DIR / "var" / "mail"))
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "TryggEst <tryggest@localhost>")

# Celery: without a broker, tasks run in-process (the embedded default).
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL is None
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 1,
    "socket_timeout": 2,
    "max_retries": 1,
}
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True  # a worker started before Redis waits for it
# A separate queue name lets tests (and several deployments on one Redis) keep their tasks apart.
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "celery")
# Reminders (casework.reminders): a static schedule, no far-future ETA tasks. A sweep that cannot
# run in its slot expires rather than piling up; the next one sends what fell due meanwhile.
REMINDER_SWEEP_SECONDS = env_int("REMINDER_SWEEP_SECONDS", 300)
STATS_REFRESH_SECONDS = env_int("STATS_REFRESH_SECONDS", 15)
CELERY_BEAT_SCHEDULE = {
    "sweep-reminders": {
        "task": "casework.tasks.sweep_reminders",
        "schedule": float(REMINDER_SWEEP_SECONDS),
        "options": {"expires": max(REMINDER_SWEEP_SECONDS - 1, 1)},
    },
    # Statistics reads refresh the roll-up themselves; this keeps what is left for them small.
    "refresh-statistics": {
        "task": "stats.tasks.refresh_rollup",
        "schedule": float(STATS_REFRESH_SECONDS),
        "options": {"expires": max(STATS_REFRESH_SECONDS - 1, 1)},
    },
}

REST_FRAMEWORK = {
    # The key first: its WWW-Authenticate header makes a missing credential a 401, not a 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api_auth.ServiceKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    # drf-spectacular's, with every operation's common answers, response headers and callers.
    "DEFAULT_SCHEMA_CLASS": "kernel.api_schema.ApiSchema",
    "DEFAULT_PARSER_CLASSES": ["kernel.api_parser.LimitedJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_THROTTLE_CLASSES": [
        "accounts.api_auth.ServiceKeyThrottle",
        "accounts.api_auth.StaffUserThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "service": env_str("API_THROTTLE_SERVICE", "120/min"),
        "user": env_str("API_THROTTLE_USER", "600/min"),
    },
    "EXCEPTION_HANDLER": "kernel.api.exception_handler",
    # Escape non-ASCII in responses: an echoed lone surrogate must never break rendering (a 5xx).
    "UNICODE_JSON": False,
}

# Request bodies larger than this are refused with 413 (API.md).
API_MAX_BODY_BYTES = 64 * 1024

SPECTACULAR_SETTINGS = {
    "TITLE": "TryggEst API",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One named enum per coded value (the vocabulary's codes), so that a generated client has
    # one type for each, whichever field it appears in.
    "ENUM_NAME_OVERRIDES": {
        "RiskLevelEnum": "kernel.vocabulary.RISK_LEVEL_ORDER",
        "EnquiryStateEnum": "intake.models.State",
        "ReferralStateEnum": "routing.models.ReferralState",
        "ForWhomEnum": "routing.models.ForWhom",
        "ActionEnum": "audit.models.Action",
        "InstrumentGroupEnum": "intake.models.InstrumentGroup",
        "LegalBasisEnum": "routing.models.LEGAL_BASES",
        "EnquiryStepEnum": "casework.serializers.ENQUIRY_STEPS",
        "ReferralAnswerEnum": "routing.serializers.REFERRAL_ANSWERS",
        "StaffChannelEnum": "kernel.vocabulary.STAFF_CHANNELS",
        **{
            name: f"kernel.api_schema.VOCABULARY_ENUMS.{name}"
            for name in (
                "ChannelEnum",
                "ReporterTypeEnum",
                "RiskFactorEnum",
                "ViolenceTypeEnum",
                "PerpetratorRelationEnum",
                "LocationEnum",
                "CloseOutcomeEnum",
                "OutcomeAskedEnum",
                "OutcomeAchievedEnum",
                "LegalDutyEnum",
                "GenderEnum",
            )
        },
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django logs request bodies nowhere, but its request logger does log paths; ours carry
        # only uuids and references, never names.
        "django.db.backends": {"level": "WARNING"},
    },
}

# Working rules of the TryggEst team
TRYGGEST_DEFAULT_TEAM = "tonsberg"
# Where the public pages live, for links in e-mails (the referral link for helping services).
TRYGGEST_PUBLIC_URL = env_str("TRYGGEST_PUBLIC_URL", "http://localhost:8000")

# The residents' form (/meld/, issue 8)
# A resident whose browser lost the CSRF cookie gets the form back with their text (other pages:
# Django's own failure page).
CSRF_FAILURE_VIEW = "intake.views.csrf_failure"
# When the team reads what comes in; the form says so, because nobody watches it at night.
# Same format as a helping service's hours (kernel.opening_hours).
TRYGGEST_TEAM_HOURS = [{"days": "mon-fri", "from": "08:00", "to": "15:30"}]
# The reception's phone number, shown on the public pages when set.
TRYGGEST_TEAM_PHONE = env_str("TRYGGEST_TEAM_PHONE", "")
# A person needs longer than this to fill in the form; a script does not.
TRYGGEST_FORM_MIN_SECONDS = env_int("TRYGGEST_FORM_MIN_SECONDS", 5)
# Per IP address and hour: submissions, and wrong receipt codes before the status page refuses.
TRYGGEST_FORM_SUBMISSIONS_PER_HOUR = env_int("TRYGGEST_FORM_SUBMISSIONS_PER_HOUR", 10)
TRYGGEST_RECEIPT_GUESSES_PER_HOUR = env_int("TRYGGEST_RECEIPT_GUESSES_PER_HOUR", 10)
# How many reverse proxies in front of the app append to X-Forwarded-For (0: use REMOTE_ADDR).
TRYGGEST_TRUSTED_PROXIES = env_int("TRYGGEST_TRUSTED_PROXIES", 0)
# Throttling counts live only in this process's memory (never in the database or a shared cache),
# keyed by a keyed hash of the address, and expire after an hour. With several worker processes
# each keeps its own count, so the real limit is the number above times the workers.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "public_throttle": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "public-throttle",
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    },
}
