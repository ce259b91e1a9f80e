"""The one settings module. Everything a deployment changes comes from the environment,
read here through `env()`; what a province configures lives in the database."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent  # src/tinhso
PROJECT_DIR = BASE_DIR.parent.parent  # the checkout
VAR_DIR = Path(os.environ.get("TINHSO_VAR_DIR", PROJECT_DIR / "var"))


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    """From TINHSO_SECRET_KEY, else a key generated once per installation and kept in var/."""
    if key := env("TINHSO_SECRET_KEY"):
        return key
    path = VAR_DIR / "secret_key"
    if path.exists():
        return path.read_text().strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    path.write_text(key)
    path.chmod(0o600)
    return key


SECRET_KEY = _secret_key()
DEBUG = env_bool("TINHSO_DEBUG", False)
ALLOWED_HOSTS = [h for h in env("TINHSO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in env("TINHSO_CSRF_TRUSTED_ORIGINS").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "tinhso.core",
    "tinhso.notifications",
    "tinhso.directory",
    "tinhso.accounts",
    "tinhso.catalog",
    "tinhso.indicators",
    "tinhso.onestop",
    "tinhso.documents",
    "tinhso.signing",
    "tinhso.exchange",
    "tinhso.opendata",
    "tinhso.harvest",
    "tinhso.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "tinhso.web.middleware.VietnameseFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "tinhso.config.urls"
WSGI_APPLICATION = "tinhso.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'tinhso.sqlite3'}"),
        conn_max_age=60,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})
    # WAL lets readers go on while one writer writes; IMMEDIATE takes the write lock at the
    # start of a transaction so two writers queue instead of failing half-way.
    DATABASES["default"]["OPTIONS"].update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        }
    )
    DATABASES["default"]["TEST"] = {"NAME": ""}  # in memory
# The hottest statements (a submission's rows, the API token lookup) are prepared once per
# connection on PostgreSQL (core.onetrip). Off behind a transaction-mode pooler (PgBouncer).
TINHSO_DB_PREPARE = env_bool("TINHSO_DB_PREPARE", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["tinhso.accounts.backends.ThrottledModelBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:home"

# Failed logins: after LOGIN_MAX_FAILURES failures for one username or one address within
# LOGIN_FAILURE_WINDOW seconds, further attempts are refused until the window passes.
LOGIN_MAX_FAILURES = int(env("TINHSO_LOGIN_MAX_FAILURES", "5"))
LOGIN_FAILURE_WINDOW = int(env("TINHSO_LOGIN_FAILURE_WINDOW", "900"))

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise serves from finders; keep it quiet
MEDIA_ROOT = Path(env("TINHSO_MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("TINHSO_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Background work: Django's Tasks API (django-tasks backport) with the database backend, so the
# same queue works on SQLite and PostgreSQL with no broker. `tinhso db_worker` runs the tasks
# (`make run` starts one beside the web server).
TASKS = {
    "default": {
        "BACKEND": env("TINHSO_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": [],
    }
}

# E-mail: printed to the console unless an SMTP server is configured.
EMAIL_BACKEND = env("TINHSO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("TINHSO_EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("TINHSO_EMAIL_PORT", "25"))
DEFAULT_FROM_EMAIL = env("TINHSO_FROM_EMAIL", "Tỉnh số <no-reply@localhost>")

# The national public service portal (DVCQG) that every status change is delivered to, and
# the token it expects. Unset: messages wait in the outbox. A stand-in endpoint is served at
# /_gia-lap/dvcqg/ when TINHSO_STANDINS is on (the default outside production).
TINHSO_NATIONAL_PORTAL_URL = env("TINHSO_NATIONAL_PORTAL_URL")
TINHSO_NATIONAL_PORTAL_TOKEN = env("TINHSO_NATIONAL_PORTAL_TOKEN")
TINHSO_STANDINS = env_bool("TINHSO_STANDINS", True)
# The payment gateway (a VNPay-style signed redirect and callback) and its shared secret.
TINHSO_PAYMENT_GATEWAY_URL = env("TINHSO_PAYMENT_GATEWAY_URL", "/_gia-lap/cong-thanh-toan/")
TINHSO_PAYMENT_MERCHANT = env("TINHSO_PAYMENT_MERCHANT", "TINHSO01")
TINHSO_PAYMENT_SECRET = env("TINHSO_PAYMENT_SECRET", "")  # else derived from SECRET_KEY
# Adapters for SMS and Zalo: {"sms": "dotted.path.Class"}; e-mail needs none.
TINHSO_NOTIFICATION_ADAPTERS: dict[str, str] = {}
TINHSO_PUBLIC_URL = env("TINHSO_PUBLIC_URL", "http://127.0.0.1:8000")
# Exchange with other installations (the `exchange` app): seconds to wait for a peer's answer
# before the delivery is retried.
TINHSO_EXCHANGE_TIMEOUT = float(env("TINHSO_EXCHANGE_TIMEOUT", "15"))
# Open data: the longest an access grant to restricted data may run, in days.
TINHSO_OPENDATA_GRANT_MAX_DAYS = int(env("TINHSO_OPENDATA_GRANT_MAX_DAYS", "730"))
# The largest file a person uploads (dossier components and results, attachments, evidence).
TINHSO_MAX_UPLOAD_BYTES = int(env("TINHSO_MAX_UPLOAD_BYTES", str(10 * 2**20)))
# Open data: the largest resource file a publisher may upload, in bytes (API and pages);
# a bigger one is refused while it streams in, before anything is stored.
TINHSO_OPENDATA_MAX_UPLOAD_BYTES = int(env("TINHSO_OPENDATA_MAX_UPLOAD_BYTES", str(200 * 2**20)))
# The agency (identifier code) that owns the public indicators' open dataset
# (`tinhso indicators publish`); empty: the province's Department of Science and Technology.
TINHSO_INDICATORS_PUBLISHER = env("TINHSO_INDICATORS_PUBLISHER", "")
# Open data: the worker's daily job retakes the demo datasets' CSV snapshots of the platform's
# own figures (`opendata.tasks.snapshots_refresh`). On for the demo (`make run`), off by default.
TINHSO_OPENDATA_SNAPSHOTS = env_bool("TINHSO_OPENDATA_SNAPSHOTS")

# Signing (the `signing` app). Keys and the development PKI live in TINHSO_SIGNING_PKI_DIR
# (never in the checkout); private keys there are encrypted with TINHSO_SIGNING_KEY_SECRET,
# or, unset, with a secret generated once into that directory (`tinhso pki init`).
# TINHSO_SIGNING_KEYSTORE picks where keys live: "local" (the encrypted files), "pkcs11" or
# "remote" (adapter points, see docs/signing.md), or a dotted path to a KeyStore class.
# TINHSO_SIGNING_PKI_URL is the base URL written into certificates for OCSP, CRLs and the TSA.
TINHSO_SIGNING_PKI_DIR = Path(env("TINHSO_SIGNING_PKI_DIR", str(VAR_DIR / "pki")))
TINHSO_SIGNING_KEY_SECRET = env("TINHSO_SIGNING_KEY_SECRET")
TINHSO_SIGNING_KEYSTORE = env("TINHSO_SIGNING_KEYSTORE", "local")
TINHSO_SIGNING_PKI_URL = env("TINHSO_SIGNING_PKI_URL", "http://127.0.0.1:9087")

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# The province this installation serves (GSO code; 38 is Thanh Hóa) and its letter code in
# electronic identifiers (H56 is Thanh Hóa).
TINHSO_PROVINCE_CODE = env("TINHSO_PROVINCE_CODE", "38")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("TINHSO_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # WeasyPrint logs each step of every PDF at INFO: noise on the console and in commands.
        "weasyprint.progress": {"level": "WARNING"},
    },
}
