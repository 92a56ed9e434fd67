"""Settings, all from environment variables (see README for the full list).

Every outside service has an embedded default so that `make run` needs no server:
SQLite, kombu's filesystem broker, a local S3 emulator, the DollarPe sandbox
emulator and the console email backend. Production sets the variables: with
DJANGO_DEBUG off, the sample credentials and the local email backends stop start-up
(onboarding/checks.py, check_unsafe_defaults).
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dj_database_url
from botocore.config import Config as BotoConfig
from django.core.exceptions import ImproperlyConfigured

from onboarding.csp import origin as csp_origin
from onboarding.csp import policy as csp_policy
from onboarding.env import (
    env_bool,
    env_choice,
    env_countries,
    env_float,
    env_int,
    env_json,
    env_keys,
    env_list,
    env_rate,
    env_share,
    env_str,
    env_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent
# Local state of the embedded defaults (SQLite, broker folders, emulator state).
VAR_DIR = Path(env_str("KYC_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DJANGO_DEBUG", False)
_DEV_SECRET_KEY = "dev-only-insecure-key-never-use-in-production"  # noqa: S105
SECRET_KEY = env_str("DJANGO_SECRET_KEY", _DEV_SECRET_KEY if DEBUG else None)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

# The URL the outside world reaches us at; the provider webhook is built from it.
PUBLIC_BASE_URL = env_url("PUBLIC_BASE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "storages",
    "csp",  # its system checks refuse django-csp 3's old CSP_* settings
    "django_ratelimit",
    "onboarding",
    "kyc",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "onboarding.middleware.StaffIdleTimeoutMiddleware",
    # A view or form over a rate limit raises Ratelimited: answered 429 by RATELIMIT_VIEW.
    "django_ratelimit.middleware.RatelimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "onboarding.urls"
WSGI_APPLICATION = "onboarding.wsgi.application"
ASGI_APPLICATION = "onboarding.asgi.application"

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

# --- Database -------------------------------------------------------------------------------
_SQLITE_DEFAULT = f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
try:
    DATABASES = {
        "default": dj_database_url.parse(
            env_url("DATABASE_URL", _SQLITE_DEFAULT, schemes=("sqlite", "postgres", "postgresql")),
            conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0),
            conn_health_checks=True,
        )
    }
except ValueError:
    raise ImproperlyConfigured("Environment variable DATABASE_URL: expected a valid URL.") from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes (web, worker, beat) share the file: wait for locks instead of failing.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Internationalisation -------------------------------------------------------------------
# Each language's name in its own script: that is how a reader finds theirs in the switcher.
LANGUAGES = [("en", "English"), ("hi", "हिन्दी"), ("ta", "தமிழ்")]
LANGUAGE_CODE = env_choice("DJANGO_LANGUAGE_CODE", "en", [code for code, _name in LANGUAGES])
TIME_ZONE = env_str("DJANGO_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]
# Django's hi and ta formats with Indian digit grouping (1,00,000) added: onboarding/formats/.
FORMAT_MODULE_PATH = ["onboarding.formats"]
# The switcher's choice, kept for a year (Django's set_language view writes it).
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"

# --- Static files and storage ---------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT", str(VAR_DIR / "static")))
MEDIA_ROOT = VAR_DIR / "media"

AWS_S3_ENDPOINT_URL = env_url("AWS_S3_ENDPOINT_URL", "http://127.0.0.1:9100")
AWS_STORAGE_BUCKET_NAME = env_str("AWS_STORAGE_BUCKET_NAME", "kyc-documents")
AWS_S3_REGION_NAME = env_str("AWS_S3_REGION_NAME", "us-east-1")
AWS_ACCESS_KEY_ID = env_str("AWS_ACCESS_KEY_ID", "sandbox")
AWS_SECRET_ACCESS_KEY = env_str("AWS_SECRET_ACCESS_KEY", "sandbox")
# Presigned GET URLs handed to the provider; the provider may fetch late, hence 24 h.
DOCUMENT_URL_EXPIRY = env_int("DOCUMENT_URL_EXPIRY", 24 * 3600, minimum=60)
DOCUMENT_MAX_BYTES = env_int("DOCUMENT_MAX_BYTES", 10 * 1024 * 1024, minimum=1024)
# How long the browser's presigned POST (one key, one type, this size range) may be used.
DOCUMENT_UPLOAD_EXPIRY = env_int("DOCUMENT_UPLOAD_EXPIRY", 5 * 60, minimum=60)
# Uploads never checked (the page was closed, or a POST sent again after the check) are deleted
# this many seconds after they were written; longer than a presigned POST lives, so a check
# never finds its upload gone.
DOCUMENT_ORPHAN_AFTER = env_int("DOCUMENT_ORPHAN_AFTER", 3600, minimum=2 * DOCUMENT_UPLOAD_EXPIRY)
# The photo checks (kyc/quality.py), one set of numbers for the browser (before the upload) and
# the server (after it); a check that fails is a warning the person may send past, never a refusal.
DOCUMENT_QUALITY = {
    "side": 512,  # pixels: the longest side of the grey copy the checks measure
    "clip_level": 250,  # grey level from which a pixel counts as a clipped highlight
    "edge_level": 40,  # Laplacian magnitude from which a pixel counts as detail (framing)
    "min_brightness": env_float("DOCUMENT_QUALITY_MIN_BRIGHTNESS", 60.0),
    "min_sharpness": env_float("DOCUMENT_QUALITY_MIN_SHARPNESS", 100.0),
    "max_glare": env_share("DOCUMENT_QUALITY_MAX_GLARE", 0.03),  # of the picture's pixels
    "min_fill": env_share("DOCUMENT_QUALITY_MIN_FILL", 0.4),  # of the frame
}

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    # Identity documents: a private bucket, reachable only through short-lived presigned URLs.
    "documents": {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "endpoint_url": AWS_S3_ENDPOINT_URL,
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "region_name": AWS_S3_REGION_NAME,
            "access_key": AWS_ACCESS_KEY_ID,
            "secret_key": AWS_SECRET_ACCESS_KEY,
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": DOCUMENT_URL_EXPIRY,
            "file_overwrite": False,
            # With client_config given, django-storages ignores its own signature_version and
            # addressing_style options: they belong in the botocore Config itself.
            "client_config": BotoConfig(
                signature_version="s3v4",
                s3={"addressing_style": "path"},
                connect_timeout=3,
                read_timeout=10,
                retries={"max_attempts": 3, "mode": "standard"},
            ),
        },
    },
}

# --- Celery ---------------------------------------------------------------------------------
CELERY_BROKER_URL = env_url(
    "CELERY_BROKER_URL", "filesystem://", schemes=("filesystem", "redis", "rediss")
)
if CELERY_BROKER_URL.startswith("filesystem:") and not urlsplit(CELERY_BROKER_URL).hostname:
    # kombu warns "No hostname was supplied" on every connection to a URL without one; the
    # filesystem transport ignores the host, so name the one kombu would take anyway.
    CELERY_BROKER_URL = "filesystem://localhost" + (urlsplit(CELERY_BROKER_URL).path or "/")
CELERY_BROKER_FOLDER = VAR_DIR / "celery-broker"
if CELERY_BROKER_URL.startswith("filesystem"):
    CELERY_BROKER_TRANSPORT = "onboarding.broker:Transport"  # messages written whole
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_FOLDER),
        "data_folder_out": str(CELERY_BROKER_FOLDER),
        "control_folder": str(VAR_DIR / "celery-control"),
        "polling_interval": 0.2,
    }
CELERY_TASK_IGNORE_RESULT = True
# A task is acknowledged only after it ran, and a worker killed mid-task gives it back.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", "kyc")
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Celery would turn what the worker and beat print into WARNING log lines, one per line:
# the console email backend's emails among them. Printed output stays printed output.
CELERY_WORKER_REDIRECT_STDOUTS = False
# Celery's Django fixup closes every database connection before and after each task: a
# reconnect per task (about half a small task's cost). It closes them only every 10,000
# tasks instead; between tasks onboarding.celery drops the ones Django would drop after a
# request (older than CONN_MAX_AGE, broken by an error, left mid-transaction).
CELERY_DB_REUSE_MAX = 10_000

# --- Cache ---------------------------------------------------------------------------------
# Shared by the web and worker processes: it holds the webhook wake-up flag (one drain task
# per burst of deliveries, not one task per delivery). The broker's Redis when the broker is
# Redis, otherwise a folder under KYC_VAR_DIR (one machine only: `check --deploy` says so).
_CACHE_DEFAULT = (
    CELERY_BROKER_URL
    if CELERY_BROKER_URL.startswith("redis")
    else f"file://{(VAR_DIR / 'cache').as_posix()}"
)
CACHE_URL = env_url("CACHE_URL", _CACHE_DEFAULT, schemes=("redis", "rediss", "file"))
CACHES: dict[str, dict[str, Any]]
if CACHE_URL.startswith("file:"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": CACHE_URL.removeprefix("file://"),
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "onboarding.cache.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "kyc"),
            # A Redis that hangs must not hang a request: the callers fall back.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }

# --- Rate limits and lockout ---------------------------------------------------------------
# Counted in the cache above (django-ratelimit; onboarding/limits.py), so every web process
# shares them. Each is "count/period"; the same for an address with an account and without.
RATE_LIMITS = {
    # Failed logins (the journey's and the admin's) for one email address: past it, that
    # address cannot log in, even with the right password, until the period ends.
    "login": env_rate("RATE_LIMIT_LOGIN", "5/15m"),
    # Failed logins from one client address, whatever the email addresses tried.
    "login-ip": env_rate("RATE_LIMIT_LOGIN_IP", "30/15m"),
    # Sign-ups and password-reset requests from one client address.
    "signup": env_rate("RATE_LIMIT_SIGNUP", "10/h"),
    "password-reset": env_rate("RATE_LIMIT_PASSWORD_RESET", "10/h"),
    # Sign-up and password-reset emails one email address may be sent (no mail bombing).
    "account-email": env_rate("RATE_LIMIT_ACCOUNT_EMAIL", "3/h"),
    # Upload tickets and upload checks for one onboarding (each file takes one of each).
    "upload": env_rate("RATE_LIMIT_UPLOAD", "60/10m"),
    # Dead or unknown phone links opened from one client address (no scanning for tokens).
    "phone-link": env_rate("RATE_LIMIT_PHONE_LINK", "30/10m"),
}
RATELIMIT_VIEW = "onboarding.limits.limited"
RATELIMIT_CACHE_PREFIX = "rl:"  # the library's own; the tests give each run its own
RATELIMIT_IP_META_KEY = "onboarding.limits.client_address"
# The request header a trusted proxy in front of us sets to the client's address (its last
# entry is taken: the one our proxy added), e.g. X-Forwarded-For; empty: the connection's peer.
CLIENT_IP_HEADER = env_str("CLIENT_IP_HEADER", "")
# django-ratelimit knows only django-redis by name (ours is Django's own Redis backend, whose
# increments are atomic too); the folder cache of `make run` counts approximately (one machine).
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]
if CACHE_URL.startswith("file:"):
    SILENCED_SYSTEM_CHECKS.append("django_ratelimit.E003")

# --- KYC providers and routing ----------------------------------------------------------------
# The providers that take new applicants and webhooks (kyc/providers/registry.py knows them).
KYC_PROVIDERS = env_list("KYC_PROVIDERS", ["dollarpe"])
# Where an applicant goes when no KYC_ROUTING rule matches.
KYC_DEFAULT_PROVIDER = env_str("KYC_DEFAULT_PROVIDER", "dollarpe")
# Ordered rules, the first match wins (kyc/services/routing.py), e.g.
# [{"id": "in-dollarpe", "provider": "dollarpe", "nationality": ["IND"], "percent": 100}].
KYC_ROUTING = env_json("KYC_ROUTING", [], kind=list)
# More provider adapters, or replacements of built-in ones: {"name": "dotted.path.Class"}.
KYC_PROVIDER_BACKENDS: dict[str, str] = env_json("KYC_PROVIDER_BACKENDS", {}, kind=dict)

# --- DollarPe -------------------------------------------------------------------------------
DOLLARPE_BASE_URL = env_url("DOLLARPE_BASE_URL", "http://127.0.0.1:8100")
DOLLARPE_API_KEY = env_str("DOLLARPE_API_KEY", "sandbox-key")
DOLLARPE_API_SECRET = env_str("DOLLARPE_API_SECRET", "sandbox-secret")
# How the body is serialised for the signature: compact separators ("compact", what DollarPe's
# newer material and its published test vectors sign) or the older authentication guide's
# json.dumps(sort_keys=True) with spaces ("python").
DOLLARPE_JSON_STYLE = env_choice("DOLLARPE_JSON_STYLE", "compact", ("compact", "python"))
DOLLARPE_TIMEOUT = env_float("DOLLARPE_TIMEOUT", 10.0, minimum=0.1)
DOLLARPE_WEBHOOK_TOLERANCE = env_int("DOLLARPE_WEBHOOK_TOLERANCE", 300, minimum=1)
# A provider call that failed transiently is retried after a random delay of up to
# KYC_RETRY_BACKOFF * 2**n seconds (the n-th retry; full jitter, capped at 600 s).
KYC_RETRY_BACKOFF = env_int("KYC_RETRY_BACKOFF", 2, minimum=1)
# How long a customer's KYC form configuration is reused before it is fetched again.
KYC_CONFIG_TTL = env_int("KYC_CONFIG_TTL", 3600, minimum=0)
# A verification still being checked after this many seconds is "stuck" in the admin list.
KYC_STUCK_AFTER = env_int("KYC_STUCK_AFTER", 24 * 3600, minimum=60)
# The admin's work queues and their SLA in hours ({queue: hours}, JSON in the environment):
# which open cases are in each queue is a rule in kyc/services/cases.py (QUEUE_RULES); a
# queue left out has no SLA. Time to breach runs from when the case last opened.
KYC_CASE_QUEUES = env_json(
    "KYC_CASE_QUEUES",
    {"new_submissions": 24, "failed_review": 48, "provider_downgrades": 4},
    kind=dict,
)
# The dashboard's period figures (decisions, throughput, bank failures...) are computed by a
# beat task this often and kept (kyc/services/figures.py): the page reads them, and says
# how old they are; "Refresh now" computes them at once.
KYC_DASHBOARD_REFRESH = env_int("KYC_DASHBOARD_REFRESH", 300, minimum=10)
# DollarPe's sandbox-only features (mock-kyc-status, forcing outcomes) are refused unless this
# is on (by default only in debug); every provider has a flag of its own.
DOLLARPE_SANDBOX = env_bool("DOLLARPE_SANDBOX", DEBUG)

# --- Rebilly --------------------------------------------------------------------------------
# The API host (the local emulator by default); calls go to
# {REBILLY_BASE_URL}/organizations/{REBILLY_ORGANIZATION_ID}/... with REB-APIKEY.
REBILLY_BASE_URL = env_url("REBILLY_BASE_URL", "http://127.0.0.1:8200")
REBILLY_ORGANIZATION_ID = env_str("REBILLY_ORGANIZATION_ID", "org-sandbox")
REBILLY_API_KEY = env_str("REBILLY_API_KEY", "sk_sandbox_local")
REBILLY_TIMEOUT = env_float("REBILLY_TIMEOUT", 10.0, minimum=0.1)
# The HTTP Basic credentials Rebilly sends with every webhook (its service credential for
# our host): anything else is refused with 401.
REBILLY_WEBHOOK_USERNAME = env_str("REBILLY_WEBHOOK_USERNAME", "rebilly-webhooks")
REBILLY_WEBHOOK_PASSWORD = env_str("REBILLY_WEBHOOK_PASSWORD", "sandbox-webhook-password")
# What a KYC request asks for: identity proof always, proof of address and a selfie matching
# the identity document when on; each document type may be tried this many times (0: no limit).
REBILLY_REQUIRE_ADDRESS_PROOF = env_bool("REBILLY_REQUIRE_ADDRESS_PROOF", True)
REBILLY_REQUIRE_SELFIE = env_bool("REBILLY_REQUIRE_SELFIE", True)
REBILLY_MAX_ATTEMPTS = env_int("REBILLY_MAX_ATTEMPTS", 3, minimum=0)
# Ask first for a credit-file check (API only; Canada's FINTRAC accepts it): a match fulfils
# the request at once, and the documents above are the fallback.
REBILLY_CREDIT_FILE = env_bool("REBILLY_CREDIT_FILE", False)
# New KYC requests an applicant may start after one expired or was abandoned.
REBILLY_RESTARTS = env_int("REBILLY_RESTARTS", 3, minimum=0)
# Where Rebilly's document gatherer lives [GATH]: the applicant is sent to no other host
# (in the sandbox, REBILLY_BASE_URL's host too, where the emulator serves it).
REBILLY_GATHERER_HOSTS = env_list("REBILLY_GATHERER_HOSTS", ["verification.comply.services"])
# How long the applicant has to finish in Rebilly's pages (its default is one hour).
REBILLY_REQUEST_TTL = env_int("REBILLY_REQUEST_TTL", 3600, minimum=300)
# Sandbox-only behaviour (the credit-file "accept" rule and the like) is used only when on
# (by default only in debug).
REBILLY_SANDBOX = env_bool("REBILLY_SANDBOX", DEBUG)

# --- Qolo -----------------------------------------------------------------------------------
# The API host (the local emulator by default); calls go to {QOLO_BASE_URL}/api/v1/... with a
# Bearer token from /api/v1/auth/login (QOLO_LOGIN_ID, QOLO_API_KEY), kept in the shared cache.
QOLO_BASE_URL = env_url("QOLO_BASE_URL", "http://127.0.0.1:8300")
QOLO_LOGIN_ID = env_str("QOLO_LOGIN_ID", "sandbox-login")
QOLO_API_KEY = env_str("QOLO_API_KEY", "sandbox-api-key")
# The login body's key names, which Qolo's pages disagree on: login_id/api_key ("snake") or
# loginid/apikey ("flat").
QOLO_LOGIN_KEYS = env_choice("QOLO_LOGIN_KEYS", "snake", ("snake", "flat"))
# A token is reused for its life (12 hours) less this margin, then asked for again.
QOLO_TOKEN_TTL = env_int("QOLO_TOKEN_TTL", 12 * 3600, minimum=60)
QOLO_TOKEN_MARGIN = env_int("QOLO_TOKEN_MARGIN", 600, minimum=0)
QOLO_PROGRAM_GUID = env_str("QOLO_PROGRAM_GUID", "7c4f8e2a-1b3d-4e5f-8a9b-0c1d2e3f4a5b")
# The secret of our webhook subscription: x-qolo-signature is its HMAC-SHA256 of the body.
QOLO_WEBHOOK_SECRET = env_str("QOLO_WEBHOOK_SECRET", "sandbox-webhook-secret")
QOLO_TIMEOUT = env_float("QOLO_TIMEOUT", 15.0, minimum=0.1)
# The US SSN, sent as an identification: Qolo's published GovtIDType has no SSN value, so the
# type it goes under is a setting (COUNTRYID by default).
QOLO_ASK_SSN = env_bool("QOLO_ASK_SSN", True)
QOLO_SSN_ID_TYPE = env_choice(
    "QOLO_SSN_ID_TYPE", "COUNTRYID", ("COUNTRYID", "NOTPROVIDED", "PASSPORT", "DRIVERLICENSE")
)
# Send the selfie as document.face_image (a field only Qolo's live page documents).
QOLO_SEND_SELFIE = env_bool("QOLO_SEND_SELFIE", True)
# Corrections an applicant may send (Qolo documents no limit).
QOLO_CORRECTION_LIMIT = env_int("QOLO_CORRECTION_LIMIT", 3, minimum=0)
# Seconds without news before a Qolo verification is asked again: Qolo sends no failure webhook,
# so polling is how a failure arrives (never more than once a minute per person).
QOLO_POLL_AFTER = env_int("QOLO_POLL_AFTER", 60, minimum=60)
# Sandbox-only behaviour is allowed only when on (by default only in debug).
QOLO_SANDBOX = env_bool("QOLO_SANDBOX", DEBUG)

# --- Webhooks, polling and sweeper ---------------------------------------------------------
# A webhook body larger than this is refused (413) without being read whole.
WEBHOOK_MAX_BYTES = env_int("WEBHOOK_MAX_BYTES", 64 * 1024, minimum=1024)
# Deliveries are processed by one drain task per burst, woken through a flag in the cache
# (kyc/webhooks/wakeups.py). The flag expires after this many seconds, and beat wakes a drain
# as often if deliveries wait: a lost drain task holds them back for about twice this at most.
WEBHOOK_WAKE_TTL = env_int("WEBHOOK_WAKE_TTL", 10, minimum=1)
# Refused (unauthenticated) requests are stored trimmed, at most WEBHOOK_INVALID_PER_SOURCE
# per source address (an IPv6 /64) and WEBHOOK_INVALID_STORED in all per
# WEBHOOK_INVALID_WINDOW seconds; past that they get a 429 and are not stored
# (kyc/webhooks/limits.py). Beat deletes them after WEBHOOK_INVALID_RETENTION_DAYS.
# An hour's window: a burst of 10,000 stores at most twice WEBHOOK_INVALID_STORED rows of
# about 2 KB, however it is paced within the hour.
WEBHOOK_INVALID_WINDOW = env_int("WEBHOOK_INVALID_WINDOW", 3600, minimum=1)
WEBHOOK_INVALID_PER_SOURCE = env_int("WEBHOOK_INVALID_PER_SOURCE", 60, minimum=1)
WEBHOOK_INVALID_STORED = env_int("WEBHOOK_INVALID_STORED", 1000, minimum=1)
WEBHOOK_INVALID_RETENTION_DAYS = env_int("WEBHOOK_INVALID_RETENTION_DAYS", 14, minimum=1)
WEBHOOK_PRUNE_EVERY = env_int("WEBHOOK_PRUNE_EVERY", 3600, minimum=60)
# The polling fallback for lost or late webhooks: every KYC_POLL_EVERY seconds, PROCESSING
# verifications (and bank accounts) with no news for KYC_POLL_AFTER seconds are asked about,
# never more than once per KYC_POLL_MIN_INTERVAL seconds per customer.
KYC_POLL_EVERY = env_int("KYC_POLL_EVERY", 30, minimum=1)
KYC_POLL_AFTER = env_int("KYC_POLL_AFTER", 120, minimum=0)
KYC_POLL_MIN_INTERVAL = env_int("KYC_POLL_MIN_INTERVAL", 60, minimum=60)
# VERIFIED customers are asked about again every this many seconds (0: never), so that a
# reset at the provider is seen even without its webhook (kyc/services/downgrades.py).
KYC_RECHECK_VERIFIED_EVERY = env_int("KYC_RECHECK_VERIFIED_EVERY", 7 * 24 * 3600, minimum=0)
# The sweeper (every KYC_SWEEP_EVERY seconds) sends again what was queued KYC_SWEEP_QUEUED_AFTER
# seconds ago with no provider call since (a lost broker message; longer than the tasks' longest
# retry delay, 600 s), and puts back submissions left "sending" for KYC_SWEEP_SENDING_AFTER
# seconds (a killed worker; far longer than DOLLARPE_TIMEOUT).
KYC_SWEEP_EVERY = env_int("KYC_SWEEP_EVERY", 60, minimum=1)
KYC_SWEEP_QUEUED_AFTER = env_int("KYC_SWEEP_QUEUED_AFTER", 900, minimum=60)
KYC_SWEEP_SENDING_AFTER = env_int("KYC_SWEEP_SENDING_AFTER", 600, minimum=60)
# Four eyes (kyc/services/approvals.py): a pending request for a second officer expires after this.
KYC_APPROVAL_EXPIRY_HOURS = env_int("KYC_APPROVAL_EXPIRY_HOURS", 24, minimum=1)
CELERY_BEAT_SCHEDULE = {
    # Beat messages that wait longer than one period are dropped: the next one does the work.
    "kyc-poll-processing": {
        "task": "kyc.tasks.poll_processing",
        "schedule": float(KYC_POLL_EVERY),
        "options": {"expires": float(KYC_POLL_EVERY)},
    },
    "kyc-webhooks-heartbeat": {
        "task": "kyc.tasks.webhooks_heartbeat",
        "schedule": float(WEBHOOK_WAKE_TTL),
        "options": {"expires": float(WEBHOOK_WAKE_TTL)},
    },
    "kyc-prune-webhooks": {
        "task": "kyc.tasks.prune_webhooks",
        "schedule": float(WEBHOOK_PRUNE_EVERY),
        "options": {"expires": float(WEBHOOK_PRUNE_EVERY)},
    },
    "kyc-sweep-submissions": {
        "task": "kyc.tasks.sweep_submissions",
        "schedule": float(KYC_SWEEP_EVERY),
        "options": {"expires": float(KYC_SWEEP_EVERY)},
    },
    # Four-eyes requests past KYC_APPROVAL_EXPIRY_HOURS close (audited) even if nobody looks.
    "kyc-expire-approvals": {
        "task": "kyc.tasks.expire_approvals",
        "schedule": 300.0,
        "options": {"expires": 300.0},
    },
    "kyc-refresh-dashboard": {
        "task": "kyc.tasks.refresh_dashboard",
        "schedule": float(KYC_DASHBOARD_REFRESH),
        "options": {"expires": float(KYC_DASHBOARD_REFRESH)},
    },
    "kyc-delete-orphan-uploads": {
        "task": "kyc.tasks.delete_orphan_uploads",
        "schedule": DOCUMENT_ORPHAN_AFTER / 4,
        "options": {"expires": DOCUMENT_ORPHAN_AFTER / 4},
    },
}
# --- End of the webhooks, polling and sweeper block ------------------------------------------

# --- Identity data at rest -------------------------------------------------------------
# Fernet keys, newest first (`python -c "from cryptography.fernet import Fernet;
# print(Fernet.generate_key().decode())"`). Without them a key derived from SECRET_KEY is used,
# which `check --deploy` flags: rotating SECRET_KEY would then lose the data.
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS", [])
FIELD_ENCRYPTION_KEYS_DERIVED = not FIELD_ENCRYPTION_KEYS
if FIELD_ENCRYPTION_KEYS_DERIVED:
    FIELD_ENCRYPTION_KEYS = [
        base64.urlsafe_b64encode(hashlib.sha256(SECRET_KEY.encode()).digest()).decode()
    ]

# --- Blind index of identity numbers (kyc/blind_index.py) ----------------------------------
# HMAC-SHA256 keys, newest first, as "id:key,id:key": the first indexes, every one is looked
# up, so a key is rotated by putting a new one in front and running `manage.py
# kyc_blind_index`. A key of its own: neither SECRET_KEY nor a field-encryption key. The
# embedded sample is refused with DJANGO_DEBUG off (onboarding/samples.py).
KYC_BLIND_INDEX_KEYS = env_keys("KYC_BLIND_INDEX_KEYS", "sample:sandbox-blind-index-key")

# --- Email ----------------------------------------------------------------------------------
# The embedded default prints each email as a person reads it (onboarding/mail.py); with
# DJANGO_DEBUG off, a backend that prints, writes to files or drops emails stops start-up
# (onboarding/samples.py), unless KYC_TESTS_ALLOW_LOCAL_EMAIL: set by the test suite and
# `make bench` only, which run without debug and send no email out.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "onboarding.mail.ConsoleEmailBackend")
KYC_TESTS_ALLOW_LOCAL_EMAIL = env_bool("KYC_TESTS_ALLOW_LOCAL_EMAIL", False)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1)
# Where the file backend (django.core.mail.backends.filebased) writes emails, if it is used.
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "emails"))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "KYC onboarding <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security -------------------------------------------------------------------------------
# Served over HTTPS (behind a TLS-terminating proxy) unless running locally in debug mode.
HTTPS = env_bool("DJANGO_HTTPS", not DEBUG)
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# No inline script or style anywhere (onboarding/csp.py); a form may also lead to Rebilly's
# document gatherer (the hand-off posts to us, then is redirected there: Chromium checks
# form-action on that redirect too), the hosts kyc/providers/rebilly/adapter.py allows.
_GATHERER_ORIGINS = [f"https://{host}" for host in REBILLY_GATHERER_HOSTS]
if REBILLY_SANDBOX:
    _GATHERER_ORIGINS.append(csp_origin(REBILLY_BASE_URL))
CONTENT_SECURITY_POLICY = csp_policy(bucket_url=AWS_S3_ENDPOINT_URL, form_targets=_GATHERER_ORIGINS)

# --- End-user journey (onboarding app) -----------------------------------------------------
LOGIN_URL = "onboarding:login"
# After logging in, on any device, the journey picks up where the user left off.
LOGIN_REDIRECT_URL = "onboarding:start"
LOGOUT_REDIRECT_URL = "home"
# A staff member's session ends after this many seconds without a request (end users' sessions
# keep Django's SESSION_COOKIE_AGE).
STAFF_SESSION_IDLE_SECONDS = env_int("STAFF_SESSION_IDLE_SECONDS", 30 * 60, minimum=60)
# Hours a sign-up's "confirm your email" link works.
SIGNUP_LINK_HOURS = env_int("SIGNUP_LINK_HOURS", 24, minimum=1)
# Uploads without JavaScript: above this size a file is streamed to a temporary file on disk
# instead of memory, so the web process never holds a whole identity document.
FILE_UPLOAD_MAX_MEMORY_SIZE = env_int("FILE_UPLOAD_MAX_MEMORY_SIZE", 256 * 1024, minimum=0)
FILE_UPLOAD_HANDLERS = [
    # Stops reading a file past DOCUMENT_MAX_BYTES instead of spooling gigabytes to disk.
    "onboarding.uploads.DocumentSizeLimitHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# Who an applicant reaches when our team takes over (shown on the page and in the email), and
# within how many working days the team contacts them.
SUPPORT_EMAIL = env_str("SUPPORT_EMAIL", "support@localhost")
SUPPORT_PHONE = env_str("SUPPORT_PHONE", "")
SUPPORT_REPLY_DAYS = env_int("SUPPORT_REPLY_DAYS", 2, minimum=1)
# How often the status and bank pages ask the server whether anything changed.
STATUS_POLL_SECONDS = env_int("STATUS_POLL_SECONDS", 3, minimum=1)
# The countries most applicants pick, listed first in every country choice; the first one is
# the preselected nationality and address country (India: DollarPe's customers are Indian).
KYC_LIKELY_COUNTRIES = env_countries("KYC_LIKELY_COUNTRIES", ["IND"])
# Photos larger than this (either side, in pixels) are downscaled in the browser before upload.
UPLOAD_DOWNSCALE_MAX_SIDE = 2400
# Continue on a phone: minutes a QR code / emailed link can wait to be opened, and then minutes
# the phone has to send the photos (so a phone session never outlives twice this window).
PHONE_LINK_MINUTES = env_int("PHONE_LINK_MINUTES", 15, minimum=1)
# Emails of such a link one onboarding may ask for in an hour.
PHONE_LINK_EMAILS_PER_HOUR = env_int("PHONE_LINK_EMAILS_PER_HOUR", 3, minimum=1)
# --- End of the end-user journey block ------------------------------------------------------

LOG_LEVEL = env_choice("LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "filters": {
        "routine_tasks": {
            "()": "onboarding.logs.RoutineTasksAtDebug",
            "tasks": sorted({str(entry["task"]) for entry in CELERY_BEAT_SCHEDULE.values()}),
        },
        "phone_tokens_hidden": {"()": "onboarding.logs.PhoneTokensHidden"},
        "search_terms_hidden": {"()": "onboarding.logs.SearchTermsHidden"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["phone_tokens_hidden", "search_terms_hidden"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    # urllib3 logs full URLs at DEBUG, presigned ones included, botocore signed requests, and
    # django.template the whole template context (CSRF token, form values) for every missing
    # variable: keep them quiet even at LOG_LEVEL=DEBUG.
    "loggers": {
        "urllib3": {"level": "WARNING"},
        "botocore": {"level": "WARNING"},
        "django.template": {"level": "INFO"},
        # Django's own defaults give "django" a second console handler in debug (each line
        # twice) and fix its level at INFO: one handler here, and LOG_LEVEL decides.
        "django": {"handlers": [], "level": LOG_LEVEL},
        "django.server": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        # Where Celery says a task was sent, received or succeeded (RoutineTasksAtDebug).
        "celery.beat": {"filters": ["routine_tasks"]},
        "celery.worker.strategy": {"filters": ["routine_tasks"]},
        "celery.app.trace": {"filters": ["routine_tasks"]},
    },
}
