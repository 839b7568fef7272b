"""Settings for the Sunshine Trading Platform, read from the environment.

With no environment at all the platform runs embedded: SQLite under var/, an
in-memory channel layer, Celery tasks run eagerly and an in-process scheduler
does the timed work. Environment variables switch each part to its real service:

- DATABASE_URL        postgres://... -> PostgreSQL
- REDIS_URL           redis://...    -> channels-redis and the Celery broker
- ELASTICSEARCH_URL   http://...     -> announcements indexed in Elasticsearch
- SUNSHINE_ENV        "production"   -> DEBUG off, secure cookies, HSTS, SSL redirect
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("SUNSHINE_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

SUNSHINE_ENV = os.environ.get("SUNSHINE_ENV", "embedded")
PRODUCTION = SUNSHINE_ENV == "production"

if PRODUCTION:
    SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("Production needs DJANGO_SECRET_KEY: a random string of at least 50 characters.")
else:
    SECRET_KEY = os.environ.get(
        "DJANGO_SECRET_KEY", "embedded-only-insecure-key-do-not-use-in-production-8f3a2c"
    )

DEBUG = env_bool("DJANGO_DEBUG", not PRODUCTION)
ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
CSRF_TRUSTED_ORIGINS = [
    o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o
]

INSTALLED_APPS = [
    "daphne",
    "core.admin_site.SunshineAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.forms",
    "channels",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    # The platform, in dependency order: each app may import only those above it.
    "core",
    "audit",
    "accounts",
    "credit",
    "trading",
    "bidding_room",
    "expert_pool",
    "supervision",
    "stats",
    "opendata",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.PlatformLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "audit.middleware.AuditContextMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.navigation.navigation",
            ],
        },
    },
]

# Widgets render with the templates above, so a widget's template can live in templates/<app>/ (the region picker).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = None

DATABASE_URL = os.environ.get("DATABASE_URL")
if DATABASE_URL:
    # DB_CONN_MAX_AGE: seconds a connection is kept per thread (0: one per request). Daphne serving the opening
    # room should keep them (e.g. 60): websocket reads run on a bounded thread pool (docs/opening-room.md).
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL,
                                                  conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "0")))}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"].setdefault("TEST", {})
        test_name = os.environ.get("TEST_DATABASE_NAME")
        if test_name:
            DATABASES["default"]["TEST"]["NAME"] = test_name
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "sunshine.sqlite3",
            # Daphne serves requests from threads; wait instead of failing on a lock.
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:dashboard"
LOGOUT_REDIRECT_URL = "trading:home"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Chinese by default, English available.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
MEDIA_ROOT = Path(os.environ.get("SUNSHINE_MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"
# Where sealed envelopes and other protected files live; never served directly.
# A TrueType CJK font (.ttf/.ttc) for PDFs instead of Debian's WenQuanYi Zen Hei (core/pdf.py).
PDF_FONT = os.environ.get("SUNSHINE_PDF_FONT", "")
PROTECTED_ROOT = Path(os.environ.get("SUNSHINE_PROTECTED_ROOT", VAR_DIR / "protected"))

# Redis: channel layer and Celery broker. Without it, everything stays in-process.
REDIS_URL = os.environ.get("REDIS_URL")
if REDIS_URL:
    # The pub/sub layer: a group message is published once and each Daphne process fans it out to its own
    # clients (the list-based core layer pushes one copy per channel and ran out of pooled connections in
    # connect bursts; see bench/RESULTS.md "Opening room"). Rooms recover lost messages from their log.
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                "hosts": [{"address": REDIS_URL}],
                "prefix": os.environ.get("CHANNEL_PREFIX", "sunshine"),
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_EAGER", not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
# Periodic sweeps. The same table drives Celery beat (with Redis) and the
# in-process scheduler of the embedded default (core.scheduler).
CELERY_BEAT_SCHEDULE = {
    # Open data: publish the OCDS releases of recent events (opendata.services; idempotent).
    "opendata-publish": {
        "task": "opendata.tasks.opendata_publish_sweep",
        "schedule": 60.0,
    },
    "audit-verify-chain": {
        "task": "audit.tasks.verify_audit_chain",
        "schedule": 3600.0,
    },
    "expert-pool-expire-answers": {
        "task": "expert_pool.tasks.seats_expire_task",
        "schedule": 60.0,
    },
    # Deadlines and publicity ends: a task at the due time plus this sweep (trading.lifecycle).
    "trading-sweep": {
        "task": "trading.tasks.trading_sweep",
        "schedule": 5.0 if CELERY_TASK_ALWAYS_EAGER else 30.0,
    },
    # Objections and complaints past a legal deadline are flagged on the regulator's board.
    "complaints-sweep": {
        "task": "supervision.tasks.complaints_sweep",
        "schedule": 600.0,
    },
    # Collusion signals and red flags of the sections whose opening ended since the last run (incremental);
    # cases past their deadline flagged; expert suspensions that ran out lifted.
    "supervision-sweep": {
        "task": "supervision.tasks.supervision_sweep",
        "schedule": 600.0,
    },
    # Opening rooms: open at the deadline, end decryption and objection windows, rerun lost decryptions.
    "room-sweep": {
        "task": "bidding_room.tasks.room_sweep",
        "schedule": 1.0 if CELERY_TASK_ALWAYS_EAGER else 5.0,
    },
    # Unfinished bid uploads past the deadline count as withdrawn (EB 27); see trading.services.uploads.
    "trading-uploads-sweep": {
        "task": "trading.tasks.uploads_sweep",
        "schedule": 300.0,
    },
}
# The embedded scheduler runs inside the web process when Celery is eager.
EMBEDDED_SCHEDULER = env_bool("EMBEDDED_SCHEDULER", CELERY_TASK_ALWAYS_EAGER)
EMBEDDED_SCHEDULER_TICK = float(os.environ.get("EMBEDDED_SCHEDULER_TICK", "1.0"))

# Opening room (bidding_room, docs/opening-room.md): how often each process sends coalesced status snapshots.
ROOM_SNAPSHOT_SECONDS = float(os.environ.get("ROOM_SNAPSHOT_SECONDS", "1.0"))
# Seconds in one minute of a project's decryption/objection window: 60 in production; end-to-end tests shorten it
# so a "5-minute" window lasts 5 s.
ROOM_WINDOW_MINUTE_SECONDS = float(os.environ.get("ROOM_WINDOW_MINUTE_SECONDS", "60"))
# A released bid whose decryption shows no sign of life for this long is presumed lost (its process died) and rerun.
ROOM_STALE_DECRYPTION_SECONDS = float(os.environ.get("ROOM_STALE_DECRYPTION_SECONDS", "20"))

# The admin's desk warns when less than this share of the disk under VAR_DIR is free.
HEALTH_DISK_FREE_WARNING = float(os.environ.get("HEALTH_DISK_FREE_WARNING", "0.1"))

ELASTICSEARCH_URL = os.environ.get("ELASTICSEARCH_URL")
ELASTICSEARCH_INDEX = os.environ.get("ELASTICSEARCH_INDEX", "sunshine-announcements")

# Open data (OCDS 1.1, docs/opendata.md). The ocid prefix is the one the Open Contracting Partnership registered
# for this publisher ("ocds-" + 6 characters); the ocid of a procedure is that prefix + "-" + its deal code.
OPENDATA_OCID_PREFIX = os.environ.get("OPENDATA_OCID_PREFIX", "ocds-sunshn")
OPENDATA_PUBLISHER = {
    "name": os.environ.get("OPENDATA_PUBLISHER_NAME", "阳光公共资源交易平台"),
    "scheme": os.environ.get("OPENDATA_PUBLISHER_SCHEME", "CN-USCC"),
    "uid": os.environ.get("OPENDATA_PUBLISHER_UID", ""),
    "uri": os.environ.get("OPENDATA_PUBLISHER_URI", ""),
}
OPENDATA_LICENSE = os.environ.get("OPENDATA_LICENSE", "https://creativecommons.org/licenses/by/4.0/")
OPENDATA_PUBLICATION_POLICY = os.environ.get("OPENDATA_PUBLICATION_POLICY", "")
# The page size of the change feed (releases per page) and its upper limit.
OPENDATA_FEED_PAGE = int(os.environ.get("OPENDATA_FEED_PAGE", "100"))
OPENDATA_FEED_MAX_PAGE = 1000
STATS_ELASTICSEARCH_INDEX = os.environ.get("STATS_ELASTICSEARCH_INDEX", "sunshine-deal-rollup")
if ELASTICSEARCH_URL:  # the statistics aggregation index follows the rollup (stats.elastic)
    CELERY_BEAT_SCHEDULE["statistics-index"] = {"task": "stats.tasks.statistics_index", "schedule": 300.0}

# Trading rules that are law or local practice, as configuration (see docs/trading.md).
TRADING_MIN_VALID_BIDS = int(os.environ.get("TRADING_MIN_VALID_BIDS", "3"))  # fewer → 流标 (TL 44)
TRADING_MIN_BID_PERIOD_DAYS = int(os.environ.get("TRADING_MIN_BID_PERIOD_DAYS", "20"))  # ZB 24
TRADING_AMENDMENT_MIN_DAYS = int(os.environ.get("TRADING_AMENDMENT_MIN_DAYS", "15"))  # ZB 23
TRADING_PUBLICITY_WORKING_DAYS = int(os.environ.get("TRADING_PUBLICITY_WORKING_DAYS", "3"))  # TL 54
TRADING_BID_MAX_BYTES = int(os.environ.get("TRADING_BID_MAX_BYTES", str(200 * 1024 * 1024)))
# Sealed bids (docs/submission.md): k of n custodians of each opening key, the suite of opening keys,
# the largest chunk of a resumable upload. The platform key lives in var/keys (created on first use).
TRADING_CUSTODY_THRESHOLD = int(os.environ.get("TRADING_CUSTODY_THRESHOLD", "2"))
TRADING_CUSTODY_SHARES = int(os.environ.get("TRADING_CUSTODY_SHARES", "3"))
SEALING_OPENING_SUITE = os.environ.get("SEALING_OPENING_SUITE", "intl")
TRADING_UPLOAD_CHUNK_MAX_BYTES = int(os.environ.get("TRADING_UPLOAD_CHUNK_MAX_BYTES", str(8 * 1024 * 1024)))
TRADING_DOCUMENT_MAX_BYTES = int(os.environ.get("TRADING_DOCUMENT_MAX_BYTES", str(100 * 1024 * 1024)))

# Credit (credit/, docs/credit.md). Grades and their thresholds are local practice:
# (grade, minimum score), best first; the last grade takes every lower score.
CREDIT_GRADE_THRESHOLDS = [("A", 90), ("B", 80), ("C", 70), ("D", 60), ("E", 0)]
# Grades that show a warning to the tenderer (credit.selectors.grade_warning).
CREDIT_GRADE_WARNINGS = ["D", "E"]
# A black-list entry is public for this many months, or for its restriction period if longer.
CREDIT_PUBLIC_MONTHS = 6
CREDIT_EVIDENCE_MAX_BYTES = int(os.environ.get("CREDIT_EVIDENCE_MAX_BYTES", 20 * 1024 * 1024))

# Expert draws (local practice: configuration). See docs/expert-pool.md.
EXPERT_DRAW_EARLIEST_WORKING_DAYS = int(os.environ.get("EXPERT_DRAW_EARLIEST_WORKING_DAYS", "2"))
EXPERT_DRAW_MAX_SAME_TENDERER = (3, 12)  # (N times, M months)
EXPERT_CONFIRM_MINUTES = int(os.environ.get("EXPERT_CONFIRM_MINUTES", "60"))
EXPERT_NOTIFY_CHANNEL = os.environ.get("EXPERT_NOTIFY_CHANNEL", "log")  # log | email | webhook
EXPERT_NOTIFY_WEBHOOK_URL = os.environ.get("EXPERT_NOTIFY_WEBHOOK_URL", "")
EXPERT_LINK_BASE_URL = os.environ.get("EXPERT_LINK_BASE_URL", "http://127.0.0.1:8000")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Sunshine Trading Platform API",
    "DESCRIPTION": "Public-resource trading: projects, bids, openings, experts, credit.",
    "VERSION": "0.1.0",
    # One schema name per choice set that several fields share.
    "ENUM_NAME_OVERRIDES": {
        "ProjectStatusEnum": "trading.models.projects.Status",
        "CreditRecordStatusEnum": "credit.models.CreditEvent.Status",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"
