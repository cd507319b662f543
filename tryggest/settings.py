"""Settings for TryggEst, read from the environment (see .env.example)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from kernel.env import env_bool, env_cache, env_int, env_list, env_str

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
    "django_otp",
    "django_otp.plugins.otp_totp",  # TOTP (RFC 6238) devices
    "django_otp.plugins.otp_static",  # recovery codes
    "django_otp_webauthn",  # security keys and passkeys
    "axes",  # sign-in attempts, per account and per address
    "mozilla_django_oidc",  # single sign-on (OpenID Connect), used when OIDC_* are set
    "csp",
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
    "website",
    "retention",  # above the apps whose data it anonymises (README: Retention)
]
# The intake benchmark's baseline endpoint (bench/baseline): only for `make bench`, never in
# production, and refused with DEBUG off unless the benchmark asks for it explicitly.
BENCH_BASELINE = env_bool("BENCH_BASELINE", default=False)
if BENCH_BASELINE:
    INSTALLED_APPS.append("bench.baseline")

MIDDLEWARE = [
    "tryggest.middleware.DatabaseUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files answer here, before sessions and the database are touched.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "tryggest.middleware.NoStoreMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "tryggest.middleware.ChosenLanguageMiddleware",
    "tryggest.middleware.CleanQueryParametersMiddleware",
    # Before anything reads the query string: a personal value in a URL is refused (400).
    "tryggest.middleware.PersonalValuesNotInUrlsMiddleware",
    # Before anything reads a body (CSRF reads a form's): a body of unknown length is a 411.
    "tryggest.middleware.BodyLengthMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "audit.middleware.RequestContextMiddleware",
    # A session that has passed the password but not the second factor reaches nothing else;
    # idle and over-age sessions end here (accounts.middleware).
    "accounts.middleware.StaffSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: turns a refused (locked) sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
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
                # The residents' pages' frame: language list, the team's contact, the links.
                "website.context_processors.public_site",
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

# Every door that sets a password runs these with the user (create_user, the admin), so a
# password like the username or the e-mail address is refused.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Signing in (README: "Signing in") ---
# The sign-in attempt limit (django-axes) is asked first, so a locked account or address is
# refused before any password is hashed; then the password, then single sign-on.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.signin.StaffPasswordBackend",
    "accounts.oidc.MunicipalOIDCBackend",
]
# Every staff sign-in needs a second factor (TOTP, a security key, or a recovery code). Only a
# development server may turn this off (make run does, for the demo users).
TRYGGEST_MFA_REQUIRED = env_bool("TRYGGEST_MFA_REQUIRED", default=True)
if not TRYGGEST_MFA_REQUIRED and not DEBUG:
    raise ImproperlyConfigured("TRYGGEST_MFA_REQUIRED can be turned off only with DEBUG=True.")
# With single sign-on configured, password sign-in can be turned off for staff.
TRYGGEST_PASSWORD_SIGNIN = env_bool("TRYGGEST_PASSWORD_SIGNIN", default=True)
# How long a password step waits for its second factor, in seconds.
TRYGGEST_SECOND_FACTOR_SECONDS = env_int("TRYGGEST_SECOND_FACTOR_SECONDS", 300)
# The issuer shown in authenticator apps beside the username.
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "TryggEst")
OTP_WEBAUTHN_RP_NAME = env_str("OTP_WEBAUTHN_RP_NAME", "TryggEst")
# The security keys' domain and the origins allowed to use them: by default the site's own
# address (TRYGGEST_PUBLIC_URL, below).
# A security key is a second factor after the password, never a way around it (API.md).
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False

# Sign-in attempts (django-axes, in the database: shared by every worker and process).
AXES_ENABLED = env_bool("AXES_ENABLED", default=True)
AXES_HANDLER = "accounts.lockout.SignInAttemptHandler"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# Wrong passwords for one account before it is locked, and for one address (an office behind
# one NAT address shares it, hence the higher number).
AXES_FAILURE_LIMIT = env_int("SIGNIN_FAILURES_PER_ACCOUNT", 6)
TRYGGEST_SIGNIN_FAILURES_PER_ADDRESS = env_int("SIGNIN_FAILURES_PER_ADDRESS", 30)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("SIGNIN_LOCKOUT_MINUTES", 15))
# Attempts while locked are refused cheaply and do not extend the lock (no write per attempt).
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_USERNAME_CALLABLE = "accounts.lockout.attempted_username"
AXES_CLIENT_IP_CALLABLE = "accounts.lockout.client_address"
# The audit trail records sign-ins; axes keeps only the counters it needs.
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ADMIN = False
AXES_VERBOSE = False

# Single sign-on with the municipality's OpenID Connect provider (Microsoft Entra ID), optional.
OIDC_RP_CLIENT_ID = env_str("OIDC_RP_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = env_str("OIDC_RP_CLIENT_SECRET", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = env_str("OIDC_OP_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = env_str("OIDC_OP_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = env_str("OIDC_OP_USER_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = env_str("OIDC_OP_JWKS_ENDPOINT", "")
OIDC_OP_ISSUER = env_str("OIDC_OP_ISSUER", "")
OIDC_RP_SIGN_ALGO = env_str("OIDC_RP_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = env_str("OIDC_RP_SCOPES", "openid email profile")
OIDC_USE_PKCE = True
OIDC_PROVIDER_NAME = env_str("OIDC_PROVIDER_NAME", "Microsoft Entra ID")
# Which claims carry the roles and the team, and how their values map to TryggEst's.
OIDC_ROLES_CLAIM = env_str("OIDC_ROLES_CLAIM", "roles")
OIDC_ROLE_MAP = env_str(
    "OIDC_ROLE_MAP",
    "team_member=team_member,coordinator=coordinator,manager=manager,auditor=auditor",
)
OIDC_TEAM_CLAIM = env_str("OIDC_TEAM_CLAIM", "")
OIDC_TEAM_MAP = env_str("OIDC_TEAM_MAP", "")
OIDC_USERNAME_CLAIM = env_str("OIDC_USERNAME_CLAIM", "preferred_username")
LOGIN_REDIRECT_URL = "/admin/"
LOGIN_REDIRECT_URL_FAILURE = "/admin/login/?sso=refused"
LOGOUT_REDIRECT_URL = "/admin/login/"
OIDC_AUTHENTICATION_CALLBACK_URL = "oidc_authentication_callback"

LANGUAGE_CODE = "nb"
# The staff's languages (the admin, statistics, API; Django's set_language and the language cookie).
# The residents' pages have more, listed in locale/languages.yaml; their language is in the address
# (kernel.languages), so a resident's choice never changes what staff see.
LANGUAGES = [("nb", _("Norwegian Bokmål")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Oslo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT") or BASE_DIR / "var" / "static")
STATICFILES_DIRS = [BASE_DIR / "tryggest" / "static"]
# WhiteNoise serves what collectstatic wrote: compressed (gzip, Brotli) and with hashed names,
# so each file can be cached for a year. /favicon.ico and the like come from WHITENOISE_ROOT.
# STATIC_HASHED=False only where pages are served without collectstatic and DEBUG off (the
# benchmarks): names without hashes, and no year-long caching.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env_bool("STATIC_HASHED", default=True)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_ROOT = BASE_DIR / "tryggest" / "root"

LOGIN_URL = "admin:login"

# Sessions and cookies. A staff session ends after SESSION_IDLE_SECONDS without a request, and
# at the latest SESSION_COOKIE_AGE after signing in (accounts.middleware).
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 60 * 60)
SESSION_IDLE_SECONDS = env_int("SESSION_IDLE_SECONDS", 30 * 60)
SESSION_COOKIE_SECURE = not DEBUG and env_bool("SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_SAMESITE = "Lax"  # the SSO provider's redirect back must carry the session
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY") else None
)
# HTTPS only, outside development: a year of HSTS and a redirect from plain HTTP. The health
# checks answer on plain HTTP inside the container network.
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 365 * 24 * 60 * 60)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Content-Security-Policy on every page (django-csp): the app's own scripts, styles and images
# only, nothing inline. The residents' pages send their stricter one (intake.views).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        # Swagger UI and the admin draw a few icons as data: URIs.
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Audit trail: the chain key lives outside the database so that someone with database access alone
# cannot re-forge the hash chain.
AUDIT_HMAC_KEY = env_str("AUDIT_HMAC_KEY", required=not DEBUG) or "dev-only-insecure-audit-key"
# How many chains of the pool writers use (1 to 64; audit.events.record): each writer locks the
# head of a free chain, so this many audited transactions can commit at once. 1 is the old
# single chain with its global lock.
AUDIT_CHAINS = min(64, max(1, env_int("AUDIT_CHAINS", 16)))

# The same adult across enquiries (kernel.person_keys): national ids are looked up by an HMAC keyed
# with this, kept outside the database. Without it, a key derived from AUDIT_HMAC_KEY is used (so
# existing deployments keep working); set it of its own to keep the two apart. After changing it,
# every enquiry's keys must be computed again (intake migration 0009's fill_keys).
PERSON_HMAC_KEY = (
    env_str("PERSON_HMAC_KEY")
    or hmac.new(AUDIT_HMAC_KEY.encode(), b"tryggest person keys", hashlib.sha256).hexdigest()
)

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
# New enquiries and reporters' replies are announced to the team (casework.notifications, issue 16).
NOTICE_SWEEP_SECONDS = env_int("NOTICE_SWEEP_SECONDS", 60)
# Retention (README: Retention): the nightly run, and how long the audit trail is kept.
RETENTION_RUN_SECONDS = env_int("RETENTION_RUN_SECONDS", 24 * 3600)  # make run's thread only
AUDIT_RETENTION_MONTHS = env_int("AUDIT_RETENTION_MONTHS", 10 * 12)
CELERY_BEAT_SCHEDULE = {
    # Anonymise what retention says is due, then thin the audit trail: nightly, 02:30 Oslo time.
    "apply-retention": {
        "task": "retention.tasks.apply_retention",
        "schedule": crontab(hour=2, minute=30),
        "options": {"expires": 3600},
    },
    "announce-new-work": {
        "task": "casework.tasks.announce_new_work",
        "schedule": float(NOTICE_SWEEP_SECONDS),
        "options": {"expires": max(NOTICE_SWEEP_SECONDS - 1, 1)},
    },
    "sweep-reminders": {
        "task": "casework.tasks.sweep_reminders",
        "schedule": float(REMINDER_SWEEP_SECONDS),
        "options": {"expires": max(REMINDER_SWEEP_SECONDS - 1, 1)},
    },
    # Anonymous refusals counted in a closed window become one chained event (audit.refusals).
    "summarise-refusals": {
        "task": "audit.tasks.summarise_refusals",
        "schedule": 60.0,
        "options": {"expires": 59},
    },
    # The statistics' roll-up is refreshed here (and by manage.py refresh_stats), never by a read:
    # a read reports how far behind it is (stats.rollup.freshness).
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
        "LinkKindEnum": "casework.models.LinkKind",
        "ReferralStateEnum": "routing.models.ReferralState",
        "ForWhomEnum": "routing.models.ForWhom",
        "ActionEnum": "audit.models.Action",
        "InstrumentGroupEnum": "intake.models.InstrumentGroup",
        "LegalBasisEnum": "routing.models.LEGAL_BASES",
        "EnquiryStepEnum": "casework.serializers.ENQUIRY_STEPS",
        "JournalKindEnum": "casework.models.JournalKind",
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
        # django-axes logs every sign-in attempt at INFO, with the address; the audit trail and
        # its counters (audit.refusals) are the record.
        "axes": {"level": "WARNING"},
    },
}

# Working rules of the TryggEst team
TRYGGEST_DEFAULT_TEAM = "tonsberg"
# The municipality's name, as the yearly report and the statistics' downloads name it.
TRYGGEST_MUNICIPALITY = env_str("TRYGGEST_MUNICIPALITY", "Tønsberg kommune")
# Where the public pages live, for links in e-mails (the referral link for helping services).
TRYGGEST_PUBLIC_URL = env_str("TRYGGEST_PUBLIC_URL", "http://localhost:8000")
_public = urlsplit(TRYGGEST_PUBLIC_URL)
OTP_WEBAUTHN_RP_ID = env_str("OTP_WEBAUTHN_RP_ID", _public.hostname or "localhost")
OTP_WEBAUTHN_ALLOWED_ORIGINS = env_list(
    "OTP_WEBAUTHN_ALLOWED_ORIGINS", [f"{_public.scheme}://{_public.netloc}"]
)

# The residents' form (/meld/, issue 8)
# A resident whose browser lost the CSRF cookie gets the form back with their text (other pages:
# Django's own failure page).
CSRF_FAILURE_VIEW = "intake.views.csrf_failure"
# When the team reads what comes in; the form says so, because nobody watches it at night.
# Same format as a helping service's hours (kernel.opening_hours).
TRYGGEST_TEAM_HOURS = [{"days": "mon-fri", "from": "08:00", "to": "15:30"}]
# The reception's phone number and address, shown on every residents' page. With DEBUG off the
# service refuses to start without the phone (website.checks): the pages tell people to call it.
TRYGGEST_TEAM_PHONE = env_str("TRYGGEST_TEAM_PHONE", "")
TRYGGEST_TEAM_ADDRESS = env_str("TRYGGEST_TEAM_ADDRESS", "")
# The municipality that runs the service (the controller in the privacy statement).
TRYGGEST_MUNICIPALITY = env_str("TRYGGEST_MUNICIPALITY", "Tønsberg kommune")
# How to reach the municipality's data protection officer (privacy statement, GDPR Art. 13(1)(b)).
TRYGGEST_DATA_PROTECTION_OFFICER = env_str("TRYGGEST_DATA_PROTECTION_OFFICER", "")
# Where the quick-exit link ("Forlat siden") on every residents' page leads: a neutral site.
TRYGGEST_QUICK_EXIT_URL = env_str("TRYGGEST_QUICK_EXIT_URL", "https://www.yr.no/")
# A person needs longer than this to fill in the form; a script does not.
TRYGGEST_FORM_MIN_SECONDS = env_int("TRYGGEST_FORM_MIN_SECONDS", 5)
# Per IP address and hour: submissions, and wrong receipt codes before the status page refuses.
TRYGGEST_FORM_SUBMISSIONS_PER_HOUR = env_int("TRYGGEST_FORM_SUBMISSIONS_PER_HOUR", 10)
TRYGGEST_RECEIPT_GUESSES_PER_HOUR = env_int("TRYGGEST_RECEIPT_GUESSES_PER_HOUR", 10)
# How many reverse proxies in front of the app append to X-Forwarded-For (0: use REMOTE_ADDR).
TRYGGEST_TRUSTED_PROXIES = env_int("TRYGGEST_TRUSTED_PROXIES", 0)
# The default cache holds the API's throttle counters: shared by every worker when CACHE_URL
# names Redis (docker compose does), this process's memory otherwise. A Redis that does not
# answer is skipped within half a second (the throttles fail open, and say so in the log).
#
# The residents' form's throttling counts live only in this process's memory (never in the
# database or a shared cache), keyed by a keyed hash of the address, and expire after an hour.
# With several worker processes each keeps its own count, so the real limit is the number above
# times the workers.
CACHES = {
    "default": env_cache("CACHE_URL", "locmem://default"),
    "public_throttle": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "public-throttle",
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    },
}
# A Redis cache that does not answer is logged, never a failed request.
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
