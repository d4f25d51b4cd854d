"""Newsroom settings, read from the environment with safe local defaults.

DJANGO_DEBUG          "1"/"true" turns debug on (default: on for a local checkout).
DJANGO_SECRET_KEY     required when debug is off.
DJANGO_ALLOWED_HOSTS  comma-separated host names.
DATABASE_URL          default: SQLite file db.sqlite3 beside manage.py; postgres://… for PostgreSQL.
DJANGO_DISABLE_SERVER_SIDE_CURSORS  "1" behind a transaction-pooling proxy such as PgBouncer.
REDIS_URL             when set, the cache lives in Redis (shared by every worker and server).
NEWSROOM_IMPORT_MAX_BYTES  largest article file import_seeds accepts (default 2 MiB).
NEWSROOM_IMAGE_MAX_BYTES   largest image the desk accepts (default 10 MiB).
NEWSROOM_IMAGE_MAX_PIXELS  most pixels (width × height) an image may have (default 40 million).
NEWSROOM_DESK_TIME_ZONE    zone for times on objects without a story (default Europe/London).
NEWSROOM_FETCH_TIMEOUT, _DEADLINE, _MAX_BYTES, _MAX_REDIRECTS  limits on pages the desk fetches.
NEWSROOM_FETCH_ALLOW_PRIVATE  "1" lets the desk fetch private and local addresses (default off);
NEWSROOM_FETCH_ALLOWED_NETWORKS  or only these comma-separated networks.
DJANGO_PROXY_COUNT, DJANGO_TRUSTED_PROXIES  the proxies whose X-Forwarded-For hops name the client
                      (sign-in throttling); default none: the connecting address is the client.
"""

import ipaddress
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_flag("DJANGO_DEBUG", True)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off; refusing to start."
        )
    SECRET_KEY = "django-insecure-local-development-only"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver" if DEBUG else "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "csp",
    "axes",
    "django.contrib.sitemaps",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "simple_history",
    "stories",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "newsroom.security.NewsroomCSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "newsroom.logging.RequestLogMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "stories.addresses.AddressesMiddleware",
    # Last, as django-axes requires: it turns a lockout raised during login into a 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "newsroom.urls"

TEMPLATES = [
    {
        # Reader pages (templates/jinja2/): compiled once per process to Python functions, several
        # times faster than Django's engine on a story page rendered with every cache empty.
        "BACKEND": "stories.templating.Jinja2",
        "NAME": "jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "stories.templating.environment",
            "context_processors": ["stories.context_processors.canonical_url"],
        },
    },
    {
        # The admin and its overrides (templates/admin/).
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "stories.context_processors.canonical_url",
            ],
        },
    },
]

WSGI_APPLICATION = "newsroom.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
        # Behind a transaction-pooling proxy (PgBouncer) a session is not the app's own: no
        # server-side cursors, and no prepared site-stamp statement (stories/caching.py).
        disable_server_side_cursors=env_flag("DJANGO_DISABLE_SERVER_SIDE_CURSORS", False),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend whose health check reads the socket instead of sending "SELECT 1"
    # (newsroom/postgresql_backend/base.py).
    DATABASES["default"]["ENGINE"] = "newsroom.postgresql_backend"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Django's backend with quicker placeholders and datetimes (newsroom/sqlite_backend/base.py).
    DATABASES["default"]["ENGINE"] = "newsroom.sqlite_backend"
    # WAL lets readers run beside a writer; IMMEDIATE takes the write lock at BEGIN so two
    # editors queue on busy_timeout instead of failing with "database is locked" mid-transaction.
    DATABASES["default"]["CONN_MAX_AGE"] = 0 if DEBUG else DATABASES["default"]["CONN_MAX_AGE"]
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL;"
            "PRAGMA synchronous=NORMAL;"
            "PRAGMA busy_timeout=20000;"
            "PRAGMA foreign_keys=ON;"
        ),
    }

REDIS_URL = os.environ.get("REDIS_URL", "")
CACHES = {
    # Fragments, stamped pages and API answers: shared by every worker and server through Redis
    # when REDIS_URL is set.
    "default": (
        {
            "BACKEND": "newsroom.redis_cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("DJANGO_CACHE_PREFIX", "newsroom"),
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "newsroom"}
    ),
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Security ------------------------------------------------------------------------------
# Behind a load balancer that terminates TLS and sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_flag("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", 0 if DEBUG else 31536000))
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = int(os.environ.get("DJANGO_SESSION_SECONDS", 8 * 3600))  # one shift
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

# Admin login throttling (django-axes): after AXES_FAILURE_LIMIT failures for one username from one
# address, even the right password is refused until the cool-off ends.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("DJANGO_LOGIN_FAILURE_LIMIT", 5))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("DJANGO_LOGIN_COOLOFF_MINUTES", 15)))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "admin/locked_out.html"
# The client's address behind the proxies the deployment names (newsroom/client_address.py):
# the hops they append to X-Forwarded-For, counted from the right. Default: no proxy is trusted,
# the header is ignored and the connecting address is the client's.
NEWSROOM_PROXY_COUNT = int(os.environ.get("DJANGO_PROXY_COUNT", 0))
NEWSROOM_TRUSTED_PROXIES = env_list("DJANGO_TRUSTED_PROXIES", "")
for _proxy in NEWSROOM_TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"DJANGO_TRUSTED_PROXIES: {_proxy!r} is not an IP address or network (e.g. 10.0.0.0/8)."
        ) from None
AXES_CLIENT_IP_CALLABLE = "newsroom.client_address.client_address"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
    }
}

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

NEWSROOM_SEEDS_DIR = BASE_DIR / "seeds"
NEWSROOM_IMPORT_MAX_BYTES = int(os.environ.get("NEWSROOM_IMPORT_MAX_BYTES", 2 * 1024 * 1024))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "newsroom.logging.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        # Our own request log replaces Django's, which would log each request a second time.
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},
    },
}

# Seconds public pages are served whole from the cache (0 turns the page cache off), and seconds
# the live poll's state is shared between pollers. Each bounds how long a change takes to show.
NEWSROOM_PAGE_CACHE_SECONDS = int(os.environ.get("NEWSROOM_PAGE_CACHE_SECONDS", 1))
NEWSROOM_POLL_STATE_SECONDS = int(os.environ.get("NEWSROOM_POLL_STATE_SECONDS", 1))
# Whole pages and API answers kept until the site's content stamp moves (stories/caching.py).
# Off, every request renders its page from the fragment caches: slower; for measuring what a
# render costs, or when something writes to the database around the ORM's updated_at.
NEWSROOM_STAMPED_PAGES = env_flag("NEWSROOM_STAMPED_PAGES", True)

# Seconds a staff preview link for a draft stays valid.
NEWSROOM_PREVIEW_MAX_AGE = int(os.environ.get("NEWSROOM_PREVIEW_MAX_AGE", 24 * 3600))

# Live coverage polling. Readers' pages poll every NEWSROOM_LIVE_POLL_INTERVAL seconds; under load
# raise it without a restart with stories.live.set_poll_interval_override(seconds).
NEWSROOM_LIVE_POLL_INTERVAL = int(os.environ.get("NEWSROOM_LIVE_POLL_INTERVAL", 15))
# Most changes one poll returns; a client further behind pages on with the returned cursor.
NEWSROOM_LIVE_POLL_LIMIT = int(os.environ.get("NEWSROOM_LIVE_POLL_LIMIT", 50))

# The read-only public API under /api/v1/: anonymous, GET only, cursor-paginated.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "stories.api.pagination.StoryCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Newsroom API",
    "DESCRIPTION": "Read-only access to published stories, updates, events, actors, claims and sources.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "PrecisionEnum": "stories.dates.Precision",
        "VerificationStatusEnum": "stories.models.VerificationStatus",
        "ClaimKindEnum": "stories.models.ClaimKind",
        "UpdateKindEnum": "stories.models.UpdateKind",
        "ActorKindEnum": "stories.models.ActorKind",
        "SourceKindEnum": "stories.models.SourceKind",
        "OutcomeEnum": "stories.models.Outcome",
    },
}

# Uploaded images: a byte limit checked before Pillow reads anything, and a pixel limit checked
# from the header alone, so a small file that decompresses to gigabytes is refused unopened.
NEWSROOM_IMAGE_MAX_BYTES = int(os.environ.get("NEWSROOM_IMAGE_MAX_BYTES", 10 * 1024 * 1024))
NEWSROOM_IMAGE_MAX_PIXELS = int(os.environ.get("NEWSROOM_IMAGE_MAX_PIXELS", 40_000_000))
NEWSROOM_DESK_TIME_ZONE = os.environ.get("NEWSROOM_DESK_TIME_ZONE", "Europe/London")

# Pages the desk fetches when an editor gives a source's address (stories/ingest/fetching.py):
# seconds to connect and between bytes, seconds for the whole fetch, the largest page, how many
# redirects are followed. Private, loopback and link-local addresses are refused unless allowed
# (a desk on an intranet; the tests' local server).
NEWSROOM_FETCH_TIMEOUT = float(os.environ.get("NEWSROOM_FETCH_TIMEOUT", 10))
NEWSROOM_FETCH_DEADLINE = float(os.environ.get("NEWSROOM_FETCH_DEADLINE", 30))
NEWSROOM_FETCH_MAX_BYTES = int(os.environ.get("NEWSROOM_FETCH_MAX_BYTES", 5 * 1024 * 1024))
NEWSROOM_FETCH_MAX_REDIRECTS = int(os.environ.get("NEWSROOM_FETCH_MAX_REDIRECTS", 5))
NEWSROOM_FETCH_ALLOW_PRIVATE = env_flag("NEWSROOM_FETCH_ALLOW_PRIVATE", False)
# Or allow only these private networks ("10.20.0.0/16"), everything else private still refused.
NEWSROOM_FETCH_ALLOWED_NETWORKS = env_list("NEWSROOM_FETCH_ALLOWED_NETWORKS", "")
for _network in NEWSROOM_FETCH_ALLOWED_NETWORKS:
    try:
        ipaddress.ip_network(_network)
    except ValueError as error:
        raise ImproperlyConfigured(f"NEWSROOM_FETCH_ALLOWED_NETWORKS: {error}") from None
