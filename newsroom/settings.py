"""Settings: every value comes from the environment, with safe local defaults."""

from pathlib import Path
from urllib.parse import urlsplit

import environ

from newsroom.installation import database_fingerprint, installation_secret_key, state_directory

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)

SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
_site = urlsplit(SITE_URL)
SITE_IS_HTTPS = _site.scheme == "https"

# One installation's own state: its generated secret key and its cache (newsroom/installation.py).
STATE_DIR = state_directory(BASE_DIR, env.str("STATE_DIR", default=""))

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if SITE_IS_HTTPS:
        # Every app server of a public site must sign with the same key: a key
        # generated on each machine would break sessions and links between them.
        raise environ.ImproperlyConfigured("Set SECRET_KEY: the servers of a public https:// site share one key.")
    # Never a key written in the code: anyone could read it and forge preview
    # links or comment receipts. Generated once, kept in the state directory.
    SECRET_KEY = installation_secret_key(STATE_DIR)

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[_site.hostname or "127.0.0.1", "127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[f"{_site.scheme}://{_site.netloc}"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "taggit",
    "reversion",
    "django_prose_editor",
    "newsroom",
    "articles",
    "comments",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "newsroom.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "newsroom.cache.PageCacheMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "newsroom.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "newsroom.urls"
WSGI_APPLICATION = "newsroom.wsgi.application"

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
                "newsroom.context_processors.site",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# The queries of a page rendered afresh are prepared statements of each PostgreSQL connection
# (newsroom/queries.py). Off behind a pooler that hands one connection to several clients in turn.
PREPARED_STATEMENTS = env.bool("PREPARED_STATEMENTS", default=True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Page queries are short; JIT compilation would cost more than it saves.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers go on while a comment is written; the timeout makes
    # concurrent writers wait for each other instead of failing.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's RedisCache, except that Redis going away is logged and served around.
            "BACKEND": "newsroom.cache_backends.FailSafeRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "newsroom",
            "TIMEOUT": 3600,
        }
    }
else:
    # Without Redis the workers of one machine share a cache on local disk: diskcache keeps it in
    # SQLite files, with atomic add() and incr() across processes (rate limits, replay checks, login
    # throttling) and a bounded size, least recently stored entries evicted first. Several machines
    # need Redis: each would otherwise have its own.
    CACHES = {
        "default": {
            "BACKEND": "newsroom.cache_backends.MachineCache",
            # One cache per database: pages and settings read from one must never be served for another
            # (`make run` on SQLite and `make serve` on PostgreSQL from the same checkout, say).
            "LOCATION": str(
                env.path("CACHE_DIR", default=STATE_DIR / "cache" / database_fingerprint(DATABASES["default"]))
            ),
            "TIMEOUT": 3600,
            "SHARDS": 4,
            # SQLite's busy timeout per attempt; a locked shard is retried, never reported as a miss.
            "DATABASE_TIMEOUT": 0.25,
            "OPTIONS": {"size_limit": env.int("CACHE_SIZE_MB", default=256) * 1024 * 1024},
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="America/New_York")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
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
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 30 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000

# EMAIL_URL (smtp://user:pass@host:587/?tls=True, consolemail://…) sets the
# EMAIL_BACKEND, EMAIL_HOST, EMAIL_PORT… settings in one variable.
globals().update(env.email_url("EMAIL_URL", default="consolemail://"))
# A mail server that stops answering must not hold a reader's request for long.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="newsroom@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# The Varnish servers in front (deploy/varnish.vcl), each `http://host:port`: after a change the site asks
# every one of them to drop the pages that show what changed. Unset: no purging.
VARNISH_URL = [url.strip().rstrip("/") for url in env.list("VARNISH_URL", default=[]) if url.strip()]
for _varnish in VARNISH_URL:
    if urlsplit(_varnish).scheme != "http" or not urlsplit(_varnish).hostname:
        raise environ.ImproperlyConfigured(f"VARNISH_URL: {_varnish!r} is not an http://host:port address.")

# Behind a load balancer the client address comes from this header, and only
# when the operator says the proxy in front is trusted.
TRUSTED_PROXY_HEADER = env.str("TRUSTED_PROXY_HEADER", default="")

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if SITE_IS_HTTPS:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LOGIN_URL = "admin:login"

PREVIEW_LINK_MAX_AGE = env.int("PREVIEW_LINK_MAX_AGE", default=7 * 24 * 3600)

DJANGO_PROSE_EDITOR_MENU_GROUPS = [
    {"group": "blockType -lists", "type": "dropdown", "minItems": 2},
    {"group": "lists"},
    {"group": "nodes -blockType -lists"},
    {"group": "marks"},
    {"group": "link"},
    {"group": "history"},
]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}
