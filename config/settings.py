"""Settings for the Sunshine Trading Platform, read from the environment.

With no environment at all the platform runs embedded: SQLite under var/, an
in-memory channel layer, Celery tasks run eagerly and an in-process scheduler
does the timed work. Environment variables switch each part to its real service:

- DATABASE_URL        postgres://... -> PostgreSQL
- REDIS_URL           redis://...    -> channels-redis and the Celery broker
- ELASTICSEARCH_URL   http://...     -> announcements indexed in Elasticsearch
- SUNSHINE_ENV        "production"   -> secure cookies, HSTS, SSL redirect, demo data refused
- DJANGO_DEBUG        "1"            -> Django's debug pages (never in production; off by default everywhere)
- SUNSHINE_TRUSTED_PROXIES  "10.0.0.5,10.1.0.0/16" -> the reverse proxies whose X-Forwarded-For/-Proto are believed
"""

import datetime
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

# Off unless asked for, in the embedded default too: the debug pages show settings and code to anyone.
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
CSRF_TRUSTED_ORIGINS = [
    o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o
]
CSRF_FAILURE_VIEW = "core.error_pages.csrf_failure"

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
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    # The platform, in dependency order: each app may import only those above it.
    "core",
    "audit",
    "accounts",
    "credit",
    "deposits",
    "trading",
    "bidding_room",
    "expert_pool",
    "auctions",
    "marketplace",
    "supervision",
    "stats",
    "opendata",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.PlatformLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.middleware.RefuseNulMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "audit.middleware.AuditContextMiddleware",
    # Last: turns a lock-out found during authentication into the lock-out answer (accounts.lockout).
    "axes.middleware.AxesMiddleware",
]

# django-axes' lock-out check first (settings "Log-in lock-out" below), then Django's ModelBackend, which logs in.
# AxesBackend also loads the person of a session (ModelBackend.get_user), so either may be a session's backend.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesBackend", "django.contrib.auth.backends.ModelBackend"]

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
        # A bounded pool of connections per process (Django's psycopg pool): at a deadline rush requests queue for a
        # connection instead of each opening its own until PostgreSQL refuses more clients. A request that waited
        # DB_POOL_TIMEOUT seconds in vain is answered 503 + Retry-After (core.error_pages.overloaded), never 500.
        # DB_POOL_MAX_SIZE=0 turns the pool off (one connection per thread, DB_CONN_MAX_AGE as before).
        pool_max = int(os.environ.get("DB_POOL_MAX_SIZE", "10"))
        if pool_max > 0:
            DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps the connections; Django must not
            DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
                "min_size": int(os.environ.get("DB_POOL_MIN_SIZE", "1")), "max_size": pool_max,
                "timeout": float(os.environ.get("DB_POOL_TIMEOUT", "20"))}
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
# WhiteNoise serves /static/ from the Daphne process (no traversal outside the collected files, caching headers);
# the embedded default reads the source folders directly, a deployment runs `manage.py collectstatic` first.
WHITENOISE_USE_FINDERS = not PRODUCTION
# Embedded: look each file up when asked (no scan of every static folder each time the app starts, which tests do
# for every client); production serves the collected, hashed files only.
WHITENOISE_AUTOREFRESH = not PRODUCTION
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_ROOT = Path(os.environ.get("SUNSHINE_MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"
# Where sealed envelopes and other protected files live; never served directly.
# A TrueType CJK font (.ttf/.ttc) for PDFs instead of Debian's WenQuanYi Zen Hei (core/pdf.py).
PDF_FONT = os.environ.get("SUNSHINE_PDF_FONT", "")
# The platform's PAdES signature on every PDF (core/pdf_signing.py, docs/documents.md): the document-signing key,
# its certificate and the platform CA chain. The embedded default makes its own under var/keys/pdf on first use;
# production refuses to start without configured ones.
PDF_SIGNING_KEY_FILE = os.environ.get("SUNSHINE_PDF_SIGNING_KEY", "")
PDF_SIGNING_CERT_FILE = os.environ.get("SUNSHINE_PDF_SIGNING_CERT", "")
PDF_SIGNING_CHAIN_FILE = os.environ.get("SUNSHINE_PDF_SIGNING_CHAIN", "")
PDF_SIGNING_KEY_PASSPHRASE = os.environ.get("SUNSHINE_PDF_SIGNING_KEY_PASSPHRASE", "")
if PRODUCTION:
    _pdf_signing = {"SUNSHINE_PDF_SIGNING_KEY": PDF_SIGNING_KEY_FILE,
                    "SUNSHINE_PDF_SIGNING_CERT": PDF_SIGNING_CERT_FILE,
                    "SUNSHINE_PDF_SIGNING_CHAIN": PDF_SIGNING_CHAIN_FILE}
    _unusable = [name for name, value in _pdf_signing.items() if not value or not Path(value).is_file()]
    if _unusable:
        raise ImproperlyConfigured(
            f"Production needs the platform's PDF-signing key, certificate and CA chain as files: "
            f"{', '.join(_unusable)} missing or not a file (docs/documents.md, “The platform's certificate”).")
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
    # The audit chain's head signed and published (audit.checkpoints), when it moved since the last checkpoint.
    "audit-checkpoint": {
        "task": "audit.tasks.audit_checkpoint",
        "schedule": float(os.environ.get("AUDIT_CHECKPOINT_SECONDS", "300")),
    },
    "audit-verify-chain": {
        "task": "audit.tasks.verify_audit_chain",
        "schedule": 3600.0,
    },
    "expert-pool-expire-answers": {
        "task": "expert_pool.tasks.seats_expire_task",
        "schedule": 60.0,
    },
    # Draws of format 2 whose witness did not reveal by the deadline are drawn with the fallback value.
    "expert-pool-draw-fallback": {
        "task": "expert_pool.tasks.draws_fallback_task",
        "schedule": 60.0,
    },
    "marketplace-draw-fallback": {
        "task": "marketplace.tasks.draws_fallback_task",
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
    # Auction lots: start, close the listing, end the 限时竞价 countdown (each bid checks too).
    "auctions-sweep": {
        "task": "auctions.tasks.auctions_sweep",
        "schedule": 1.0,
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

# Online land and property sales (auctions, docs/auctions.md): local figures (DOMAIN.md).
AUCTIONS_NOTICE_DAYS = int(os.environ.get("AUCTIONS_NOTICE_DAYS", "20"))  # land/mining: notice ≥ 20 days before
AUCTIONS_PROPERTY_NOTICE_WORKING_DAYS = int(os.environ.get("AUCTIONS_PROPERTY_NOTICE_WORKING_DAYS", "20"))
AUCTIONS_LISTING_MIN_DAYS = int(os.environ.get("AUCTIONS_LISTING_MIN_DAYS", "10"))
AUCTIONS_COUNTDOWN_SECONDS = float(os.environ.get("AUCTIONS_COUNTDOWN_SECONDS", "240"))  # 限时竞价: 4 minutes
AUCTIONS_WARNING_SECONDS = float(os.environ.get("AUCTIONS_WARNING_SECONDS", "60"))  # warnings in the last minute
AUCTIONS_CONFIRM_WORKING_DAYS = int(os.environ.get("AUCTIONS_CONFIRM_WORKING_DAYS", "2"))  # 成交确认书
AUCTIONS_HALL_TICK_SECONDS = float(os.environ.get("AUCTIONS_HALL_TICK_SECONDS", "1.0"))  # each hall's clock loop
AUCTIONS_PROPERTY_APPROVAL_SHARE = os.environ.get("AUCTIONS_PROPERTY_APPROVAL_SHARE", "0.90")  # below → approval

# The admin's desk warns when less than this share of the disk under VAR_DIR is free.
HEALTH_DISK_FREE_WARNING = float(os.environ.get("HEALTH_DISK_FREE_WARNING", "0.1"))

ELASTICSEARCH_URL = os.environ.get("ELASTICSEARCH_URL")
ELASTICSEARCH_INDEX = os.environ.get("ELASTICSEARCH_INDEX", "sunshine-announcements")

# Open data (OCDS 1.1, docs/opendata.md). The ocid prefix is the one the Open Contracting Partnership registered
# for this publisher ("ocds-" + 6 characters); the ocid of a procedure is that prefix + "-" + its deal code.
# The platform's address as its readers reach it (scheme, host, port; no trailing slash): open data links each
# published document (signed PDFs, notice attachments) with an absolute URL under it. The default is `make run`'s.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
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
# Who registered, downloaded or bid is secret from everyone until the deadline (local practice, DOMAIN.md
# "Submission"); 1 = the EB 24 reading: the tenderer and its agency see it before the deadline too.
TRADING_PARTIES_SEE_DOWNLOADS = env_bool("TRADING_PARTIES_SEE_DOWNLOADS", False)
TRADING_MIN_BID_PERIOD_DAYS = int(os.environ.get("TRADING_MIN_BID_PERIOD_DAYS", "20"))  # ZB 24
TRADING_AMENDMENT_MIN_DAYS = int(os.environ.get("TRADING_AMENDMENT_MIN_DAYS", "15"))  # ZB 23
TRADING_PUBLICITY_WORKING_DAYS = int(os.environ.get("TRADING_PUBLICITY_WORKING_DAYS", "3"))  # TL 54
TRADING_BID_MAX_BYTES = int(os.environ.get("TRADING_BID_MAX_BYTES", str(200 * 1024 * 1024)))
# Sealed bids (docs/submission.md): k of n custodians of each opening key, the suite of opening keys,
# the largest chunk of a resumable upload. The platform key lives in var/keys (created on first use).
TRADING_CUSTODY_THRESHOLD = int(os.environ.get("TRADING_CUSTODY_THRESHOLD", "2"))
TRADING_CUSTODY_SHARES = int(os.environ.get("TRADING_CUSTODY_SHARES", "3"))
SEALING_OPENING_SUITE = os.environ.get("SEALING_OPENING_SUITE", "intl")
# Custodians' shares are stored wrapped again under a platform key kept outside the database (core.platform_key):
# SEALING_WRAP_KEY (base64 of 32 bytes, from a key service or secret store) or the file SEALING_WRAP_KEY_FILE;
# the embedded default makes var/keys/wrap.key. Production must set one of them.
SEALING_WRAP_KEY = os.environ.get("SEALING_WRAP_KEY", "")
SEALING_WRAP_KEY_FILE = os.environ.get("SEALING_WRAP_KEY_FILE", "")
TRADING_UPLOAD_CHUNK_MAX_BYTES = int(os.environ.get("TRADING_UPLOAD_CHUNK_MAX_BYTES", str(8 * 1024 * 1024)))
TRADING_DOCUMENT_MAX_BYTES = int(os.environ.get("TRADING_DOCUMENT_MAX_BYTES", str(100 * 1024 * 1024)))
# X.509 certificates as signing identities (trading/services/certificates.py, docs/certificates.md): the CA
# certificates the platform accepts and their revocation lists, PEM files, comma-separated.
SIGNING_CA_FILES = [p for p in os.environ.get("SUNSHINE_SIGNING_CAS", "").split(",") if p.strip()]
SIGNING_CRL_FILES = [p for p in os.environ.get("SUNSHINE_SIGNING_CRLS", "").split(",") if p.strip()]
# Intermediate CA certificates (not trusted by themselves: a path through them must end at a SIGNING_CA_FILES CA).
SIGNING_INTERMEDIATE_FILES = [p for p in os.environ.get("SUNSHINE_SIGNING_INTERMEDIATES", "").split(",") if p.strip()]
# Ask the CA's OCSP responder (a certificate's AuthorityInformationAccess) with this timeout in seconds; 0: never.
SIGNING_OCSP_TIMEOUT = float(os.environ.get("SUNSHINE_SIGNING_OCSP_TIMEOUT", "0") or 0)

# Credit (credit/, docs/credit.md). Grades and their thresholds are local practice:
# (grade, minimum score), best first; the last grade takes every lower score.
CREDIT_GRADE_THRESHOLDS = [("A", 90), ("B", 80), ("C", 70), ("D", 60), ("E", 0)]
# Grades that show a warning to the tenderer (credit.selectors.grade_warning).
CREDIT_GRADE_WARNINGS = ["D", "E"]
# A black-list entry is public for this many months, or for its restriction period if longer.
CREDIT_PUBLIC_MONTHS = 6
CREDIT_EVIDENCE_MAX_BYTES = int(os.environ.get("CREDIT_EVIDENCE_MAX_BYTES", 20 * 1024 * 1024))

# Deposits and bid bonds (deposits/, docs/deposits.md).
# Virtual sub-account numbers (虚拟子账号) start with the platform's settlement-account code at the bank.
DEPOSITS_SUB_ACCOUNT_PREFIX = os.environ.get("DEPOSITS_SUB_ACCOUNT_PREFIX", "6225")
# Refund deadlines, counted from the event that makes the refund due (the day after it is day 1); a deadline on a
# rest day rolls to the next working day (民法典 203). "working": count working days (core.workdays).
DEPOSITS_REFUND_RULES = {
    # 招标投标法实施条例 57: bonds of the winner and the losers, with bank interest, within 5 days of the contract.
    "tl57": {"days": 5, "working": False, "interest": True},
    # 政府采购法实施条例 33: losers within 5 working days of the award notice, the winner within 5 working days of
    # the contract.
    "cgt33": {"days": 5, "working": True, "interest": False},
    # MLR Order 39 art. 25 (land) and the sale's rules: the others' deposits within 5 working days after the sale,
    # without interest; the winner's becomes part of the price.
    "sale": {"days": 5, "working": True, "interest": False},
}
# Issuers whose electronic guarantees (电子保函) the platform accepts: code → name. Local practice.
DEPOSITS_GUARANTEE_ISSUERS = {
    "icbc": "中国工商银行",
    "ccb": "中国建设银行",
    "boc": "中国银行",
    "abc": "中国农业银行",
    "picc": "中国人民财产保险股份有限公司",
    "pingan": "中国平安财产保险股份有限公司",
}
# A tender's bid bond guarantee must last the bid validity period (投标有效期) from the deadline: TL 26 says the bond's
# validity equals the bid validity, which the tender documents state; this is the period assumed (local practice).
DEPOSITS_BOND_VALIDITY_DAYS = int(os.environ.get("DEPOSITS_BOND_VALIDITY_DAYS", "90"))
# A bank's booking time may be this many seconds ahead of the server clock before an arrival is refused.
DEPOSITS_BANK_CLOCK_SKEW_SECONDS = 300

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
    "DEFAULT_PAGINATION_CLASS": "core.api.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_PARSER_CLASSES": ["core.api.JSONParser", "rest_framework.parsers.FormParser",
                               "rest_framework.parsers.MultiPartParser"],
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    # Rates per scope (accounts.throttling): anonymous callers, signed-in callers, and the expensive endpoints.
    "DEFAULT_THROTTLE_CLASSES": ["accounts.throttling.AnonThrottle", "accounts.throttling.UserThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("THROTTLE_ANON", "120/min"),
        "user": os.environ.get("THROTTLE_USER", "1200/min"),
        "search": os.environ.get("THROTTLE_SEARCH", "30/min"),
        "statistics": os.environ.get("THROTTLE_STATISTICS", "20/min"),
        "export": os.environ.get("THROTTLE_EXPORT", "10/min"),
        "upload": os.environ.get("THROTTLE_UPLOAD", "600/min"),
    },
}
# Limits on what a request may carry (core.api, core.middleware): JSON nesting, query and page numbers.
API_JSON_MAX_DEPTH = 32
API_MAX_PAGE = 100_000
API_MAX_LIMIT = 500
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
SPECTACULAR_SETTINGS = {
    "TITLE": "Sunshine Trading Platform API",
    "DESCRIPTION": "Public-resource trading: projects, bids, openings, experts, credit.",
    "VERSION": "0.1.0",
    # Swagger UI from the vendored drf-spectacular-sidecar package: /api/docs/ works offline, under the CSP.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Every operation documents its refusals too: 400, 401, 403, 404, 405, 429 (core.schema).
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "core.schema.document_refusals"],
    # One schema name per choice set that several fields share.
    "ENUM_NAME_OVERRIDES": {
        "ProjectStatusEnum": "trading.models.projects.Status",
        "CreditRecordStatusEnum": "credit.models.CreditEvent.Status",
        "AnnouncementKindEnum": "trading.models.notices.Announcement.Kind",
        "BidStateEnum": "trading.models.bids.Bid.State",
        "UploadStateEnum": "trading.models.keys.UploadSession.State",
        "ObjectionKindEnum": "supervision.models.complaints.Objection.Kind",
        "ObjectionStateEnum": "supervision.models.complaints.Objection.State",
        "ComplaintStateEnum": "supervision.models.complaints.Complaint.State",
        "CaseOriginEnum": "supervision.models.enforcement.Case.Origin",
        "CaseStateEnum": "supervision.models.enforcement.Case.State",
        "CaseEvidenceKindEnum": "supervision.models.enforcement.CaseEvidence.Kind",
        "MeasureKindEnum": "supervision.models.enforcement.Measure.Kind",
        "LeadStateEnum": "supervision.models.indicators.Lead.State",
        "ComplaintSubjectEnum": "supervision.models.complaints.Subject",
        "SaleSubjectEnum": "auctions.models.Subject",
    },
}

# Caches hold the throttles' counters: shared through Redis when there is one, so every Daphne process counts
# the same requests. CACHE_URL=locmem:// keeps them in the process (the test suite clears them per test).
CACHE_URL = os.environ.get("CACHE_URL", REDIS_URL or "locmem://")
if CACHE_URL.startswith("redis"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL,
                          "KEY_PREFIX": os.environ.get("CHANNEL_PREFIX", "sunshine")}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# The public search page's rendered content is kept in that cache until an announcement write retires it
# (trading.search.cache); SEARCH_CACHE_SECONDS bounds an entry's life, 0 turns the cache off.
SEARCH_CACHE_SECONDS = int(os.environ.get("SEARCH_CACHE_SECONDS", "600"))

# Log-in lock-out (django-axes; docs/security.md): after AXES_FAILURE_LIMIT wrong passwords for one user name from
# one address, that pair is locked for AXES_COOLOFF_TIME, on the log-in page and on /api/trading/token/ alike.
# Locking the pair, not the user name alone, keeps an attacker from locking a bidder out at the deadline.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = datetime.timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
# The client's address is REMOTE_ADDR once core.proxy has believed (or not) the proxies in front.
AXES_CLIENT_IP_CALLABLE = "core.proxy.client_ip"
AXES_VERBOSE = False
# The back office shows the attempts read-only with an audited "Unlock" (accounts.admin), not axes' own admin.
AXES_ENABLE_ADMIN = False

# Reverse proxies in front of Daphne (core.proxy): only a connection from one of these may tell the client's
# address (X-Forwarded-For) and that it came over HTTPS (X-Forwarded-Proto); from anyone else both are dropped.
TRUSTED_PROXIES = [p.strip() for p in os.environ.get("SUNSHINE_TRUSTED_PROXIES", "").split(",") if p.strip()]

# Content-Security-Policy (django-csp): scripts and styles only from our own static files, no inline code, no
# eval, nothing from another host; the pages keep to it (tests/e2e/test_csp_walk.py walks them in Chromium).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
PERMISSIONS_POLICY = {feature: [] for feature in (
    "accelerometer", "autoplay", "camera", "display-capture", "encrypted-media", "fullscreen", "geolocation",
    "gyroscope", "magnetometer", "microphone", "midi", "payment", "usb", "xr-spatial-tracking")}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Error reports (the debug page with DJANGO_DEBUG=1, logged reports) mask passwords in URLs and secret settings.
DEFAULT_EXCEPTION_REPORTER_FILTER = "core.errors.SecretSafeReporterFilter"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}, "axes": {"level": "WARNING"}},
}

if PRODUCTION:
    # HTTPS seen by a trusted proxy is the ASGI scope's scheme (core.proxy), so no SECURE_PROXY_SSL_HEADER:
    # a client cannot claim HTTPS with a header of its own.
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
