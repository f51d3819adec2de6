"""Settings for Shequ, read from the environment.

The demo runs with no configuration at all when DEBUG=1 (``make demo`` sets it). Without
DEBUG the application refuses to start unless a real SECRET_KEY is given, so a production
server can never run on the demo key.
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from shequ.core.env import check_secret, env_bool, env_int, env_list, env_str

PACKAGE_DIR = Path(__file__).resolve().parent
BASE_DIR = PACKAGE_DIR.parent

DEBUG = env_bool("DEBUG", False)

_DEMO_SECRET_KEY = "shequ-demo-only-not-secret-0c7d1f6b9e"  # noqa: S105 — refused without DEBUG
SECRET_KEY = env_str("SECRET_KEY") or (_DEMO_SECRET_KEY if DEBUG else "")
if not DEBUG and SECRET_KEY in ("", _DEMO_SECRET_KEY):
    raise ImproperlyConfigured(
        "SECRET_KEY must be set in the environment when DEBUG is off "
        "(for a local trial run with DEBUG=1, as `make demo` does)."
    )
if not DEBUG:
    check_secret("SECRET_KEY", SECRET_KEY)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "django_tasks",
    "shequ.core",
    "shequ.org",
    "shequ.jobs",
    # After shequ.jobs, whose `db_worker` (the same, with the jobs' housekeeping) wins.
    "django_tasks_db",
    "shequ.rulebook",
    "shequ.registry",
    "shequ.duework",
    "shequ.outbox",
    "shequ.health",
    "shequ.supplies",
    "shequ.desk",
    "shequ.benefits",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "shequ.core.querystring.RejectNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "shequ.core.middleware.NoStoreForUsersMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "shequ.org.middleware.PasswordChangeRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "shequ.org.auth.SessionTimeoutMiddleware",
    "shequ.org.auth.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
    "shequ.org.refusals.RefusalMiddleware",
]

ROOT_URLCONF = "shequ.urls"
FORM_RENDERER = "shequ.core.forms.BootstrapRenderer"
WSGI_APPLICATION = "shequ.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "shequ.org.navigation.menu",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
# SQLite in the working directory by default; PostgreSQL for production via DATABASE_URL.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or "sqlite:///shequ.sqlite3",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the task worker write while pages read; IMMEDIATE avoids lock upgrades.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            "PRAGMA busy_timeout=10000; PRAGMA foreign_keys=ON; PRAGMA cache_size=-64000;"
        ),
        "transaction_mode": "IMMEDIATE",
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT: compiling a plan took ~2 s of a district's 0.1 s target-list query (its cost
    # estimate crosses jit_above_cost); short interactive queries never win it back.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache -----------------------------------------------------------------------------
# In the database, so that every process (web workers, the task worker) counts the same
# login failures and API throttles; ``migrate`` creates its table (core's post_migrate).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "shequ_cache",
        # Culling past MAX_ENTRIES would let many addresses wipe each other's counts.
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    }
}

# --- Users, login and passwords --------------------------------------------------------
AUTH_USER_MODEL = "org.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "shequ.org.auth.UnitModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "shequ.org.passwords.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "shequ.org.passwords.CharacterClassValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login throttling: five failures for one user name from one address lock it for 15 minutes;
# more failures from one address, whatever the user names, lock the address (password
# spraying). The address limit is ours (core/lockout.py): axes has one limit for all.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
LOGIN_ADDRESS_FAILURE_LIMIT = env_int("LOGIN_ADDRESS_FAILURE_LIMIT", 30)
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "shequ.core.lockout.AddressLimitHandler"
AXES_CLIENT_IP_CALLABLE = "shequ.core.web.client_ip"
# A success clears the failure counter; every failure, lock-out and login stays in the audit
# log (org/signals.py), which is append-only, so axes' own rows are a counter, not the record.
AXES_RESET_ON_SUCCESS = True
# The lock-out page for browsers, a JSON {"detail"} for the API (the contract's error shape).
AXES_LOCKOUT_CALLABLE = "shequ.org.views.locked_out"
AXES_ENABLE_ADMIN = False
AXES_VERBOSE = False

# A page session ends after this many minutes without a request, and this many hours after
# its login whatever its activity (shequ/org/auth.py).
SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 30)
SESSION_COOKIE_AGE = env_int("SESSION_HOURS", 8) * 60 * 60

# The audit logs (docs/security.md "Audit log"): kept at least 184 days (Cybersecurity Law
# art. 21; smaller values are refused), hash-chained with a key that never enters the database.
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 184)
if AUDIT_RETENTION_DAYS < 184:
    raise ImproperlyConfigured(
        "AUDIT_RETENTION_DAYS must be at least 184 (Cybersecurity Law art. 21)."
    )
AUDIT_CHAIN_KEY = env_str("AUDIT_CHAIN_KEY")

# Encryption at rest of identity numbers and health facts (docs/security.md "Encryption at
# rest"): the secret every key is derived from, kept out of the database and its backups.
# The demo (DEBUG) has a fixed one; without DEBUG the application refuses to start without
# a real one. SHEQU_DATA_KEY_OLD only while `shequ rotate_key` runs.
_DEMO_DATA_KEY = "shequ-demo-only-data-key-not-secret-4b1e9c"
SHEQU_DATA_KEY = env_str("SHEQU_DATA_KEY") or (_DEMO_DATA_KEY if DEBUG else "")
if not DEBUG and SHEQU_DATA_KEY in ("", _DEMO_DATA_KEY):
    raise ImproperlyConfigured(
        "SHEQU_DATA_KEY must be set in the environment when DEBUG is off: it encrypts "
        "identity numbers and health facts (docs/security.md)."
    )
if not DEBUG:
    check_secret("SHEQU_DATA_KEY", SHEQU_DATA_KEY)
SHEQU_DATA_KEY_OLD = env_str("SHEQU_DATA_KEY_OLD")
# aes-256-gcm (default) or sm4-gcm (GB/T 32907, where national algorithms are required).
DATA_CIPHER = env_str("DATA_CIPHER") or "aes-256-gcm"

SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# A second factor (a one-time code from an authenticator app) at login for every account that
# administers, audits or may read health facts or full identity numbers
# (shequ.org.roles.needs_second_factor). On by default in production, off for the demo.
OTP_REQUIRED = env_bool("OTP_REQUIRED", not DEBUG)

# Grid workers see no contraception or pregnancy facts (PIPL: only what the duty needs) unless
# the deployment lets their accounts be granted the health right (org.roles.role_rights).
GRID_HEALTH_RIGHT = env_bool("GRID_HEALTH_RIGHT", False)
OTP_TOTP_ISSUER = env_str("OTP_ISSUER") or "Shequ"
SESSION_COOKIE_HTTPONLY = True

# --- Security headers; HTTPS settings when served behind TLS ----------------------------
HTTPS = env_bool("HTTPS", False)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS and env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
# Lets the domain be submitted to the browsers' HTTPS-only list (check --deploy, W021).
SECURE_HSTS_PRELOAD = HTTPS and env_bool("HSTS_PRELOAD", True)
BEHIND_PROXY = env_bool("BEHIND_PROXY", HTTPS)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many proxies (nginx, a load balancer) append to X-Forwarded-For in front of the app.
TRUSTED_PROXIES = env_int("TRUSTED_PROXIES", 1 if BEHIND_PROXY else 0)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_COOKIE_HTTPONLY = False  # HTMX reads the token from the page, not the cookie
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'"],
        "script-src": ["'self'"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}

# --- Language and time -----------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files: our own plus the pinned npm packages, served by WhiteNoise ------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT") or BASE_DIR / "staticfiles")
NODE_MODULES = Path(env_str("NODE_MODULES") or BASE_DIR / "node_modules")
STATICFILES_DIRS = [
    PACKAGE_DIR / "static",  # shequ/app.css and app.js: the project package is not an app
    ("vendor/bootstrap", NODE_MODULES / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", NODE_MODULES / "bootstrap-icons" / "font"),
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/echarts", NODE_MODULES / "echarts" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG or env_bool("WHITENOISE_USE_FINDERS", False)
MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or BASE_DIR / "media")
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# The first handler stops keeping an upload past IMPORT_MAX_BYTES, so a huge one costs
# neither memory nor disk before it is refused.
FILE_UPLOAD_HANDLERS = [
    "shequ.jobs.uploads.SizeLimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024

# --- API ------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "shequ.org.auth.ApiTokenAuthentication",
        "shequ.org.auth.VerifiedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["shequ.org.permissions.IsStaffMember"],
    "DEFAULT_PAGINATION_CLASS": "shequ.core.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {"login": "20/min"},
    "EXCEPTION_HANDLER": "shequ.org.refusals.api_exception_handler",
}
# An API token ends this many hours after it was issued, and at once at logout or a change of
# password (shequ/org/auth.py).
API_TOKEN_HOURS = env_int("API_TOKEN_HOURS", 8)
SPECTACULAR_SETTINGS = {
    "TITLE": "Shequ API",
    "DESCRIPTION": "社区人口和家庭服务管理 — REST API v1",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema names every route and field: for staff only, as the API itself.
    "SERVE_PERMISSIONS": ["shequ.org.permissions.IsStaffMember"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Several models have a "kind"; name each enum after its model so the schema is stable.
    "ENUM_NAME_OVERRIDES": {
        "OrgUnitKindEnum": "shequ.org.models.OrgUnit.Kind",
        "BuildingKindEnum": "shequ.registry.models.Building.Kind",
        "CheckKindEnum": "shequ.registry.models.Check.Kind",
        "DocumentKindEnum": "shequ.desk.models.DocumentKind",
        "DocumentStatusEnum": "shequ.desk.models.DocumentStatus",
        "ApplicationStateEnum": "shequ.desk.models.ApplicationState",
        "DeskChannelEnum": "shequ.desk.models.Channel",
        # Import and export jobs have the same statuses: one enum (two names are an error).
        "JobStatusEnum": "shequ.jobs.models.ImportJob.Status",
        "FacilityKindEnum": "shequ.health.models.Facility.Kind",
        "ServiceKindEnum": "shequ.health.models.ServiceKind",
        "ServiceStatusEnum": "shequ.health.models.ServiceRecord.Status",
        "LocationKindEnum": "shequ.supplies.models.Location.Kind",
        "PregnancyOutcomeEnum": "shequ.registry.models.PregnancyOutcome",
        "BenefitProgrammeEnum": "shequ.benefits.rules.Programme",
        "BenefitOutcomeEnum": "shequ.benefits.rules.Outcome",
        "BenefitListStateEnum": "shequ.benefits.models.ListState",
        "BenefitPaymentStateEnum": "shequ.benefits.models.PaymentState",
        "BenefitConfirmationKeyEnum": "shequ.benefits.rules.CONFIRMATION_KEY_CHOICES",
        "StockItemKindEnum": "shequ.supplies.models.ItemKind",
        # 与户主关系: a 户口簿 member's (written) and a person's (read-only, deprecated) alike.
        "RelationEnum": "shequ.registry.models.Relation",
    },
}

# No index on the history tables' dates: a record's history is read by its id, never across
# records by day (shequ/core/history.py says why, with the cost of the index).
SIMPLE_HISTORY_DATE_INDEX = False

# --- Background tasks (imports, recomputation): the database is the queue --------------
TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND") or "django_tasks_db.DatabaseBackend",
    }
}
# An export of more rows than this is built by the task worker (a request has 30 s under
# gunicorn); a smaller one downloads at once.
EXPORT_JOB_MIN_ROWS = env_int("EXPORT_JOB_MIN_ROWS", 5000)
# Export jobs and their files are deleted this many days after they were asked for; an
# import's file this many days after its job ended (`shequ jobs_cleanup`, also run by the
# task worker every JOB_HOUSEKEEPING_SECONDS).
EXPORT_JOB_KEEP_DAYS = env_int("EXPORT_JOB_KEEP_DAYS", 7)
IMPORT_FILE_KEEP_DAYS = env_int("IMPORT_FILE_KEEP_DAYS", 7)
# A running job stamps its heartbeat this often; one silent for JOB_STALE_SECONDS lost its
# worker (killed, machine down) and is marked failed, to be run again (shequ/jobs/housekeeping.py).
JOB_HEARTBEAT_SECONDS = env_int("JOB_HEARTBEAT_SECONDS", 10)
JOB_STALE_SECONDS = env_int("JOB_STALE_SECONDS", 120)
JOB_HOUSEKEEPING_SECONDS = env_int("JOB_HOUSEKEEPING_SECONDS", 60)
# Limits of an uploaded import file, checked before it is parsed: its size (while it is
# received), the size of an .xlsx once unzipped and its compression ratio (a "zip bomb"),
# and its rows.
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 200 * 1024 * 1024)
IMPORT_MAX_UNZIPPED_BYTES = env_int("IMPORT_MAX_UNZIPPED_BYTES", 1024 * 1024 * 1024)
IMPORT_MAX_ZIP_RATIO = env_int("IMPORT_MAX_ZIP_RATIO", 100)
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 2_000_000)

# A search by a whole identity number is kept on the server under a token this long after
# its last use (the list's URL holds the token, never the number).
PERSON_SEARCH_TOKEN_SECONDS = env_int("PERSON_SEARCH_TOKEN_SECONDS", 30 * 60)

# The identity-number check of the register and transfer forms says whether a number is
# registered anywhere in the city: each lookup is logged, and at most this many per user
# and hour are answered.
ID_CHECK_LIMIT_PER_HOUR = env_int("ID_CHECK_LIMIT_PER_HOUR", 120)

# Every handler masks identity numbers (core/log_redaction.py): Django's own handlers are
# redefined here — the runserver request log (django.server) and the error mails — so that
# none writes a record unfiltered.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "redact_id_numbers": {"()": "shequ.core.log_redaction.RedactIdNumbers"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["redact_id_numbers"]},
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["redact_id_numbers"],
        },
        "mail_admins": {
            "level": "ERROR",
            "class": "shequ.core.log_redaction.RedactingAdminEmailHandler",
            "filters": ["require_debug_false", "redact_id_numbers"],
        },
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL") or "INFO"},
    "loggers": {
        "django": {"handlers": ["mail_admins"], "level": "INFO"},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        "axes": {"level": "WARNING"},
    },
}

# --- Shequ's own --------------------------------------------------------------------
# The statistical division code of the city this deployment serves (淮北市 in the demo).
SHEQU_CITY_CODE = env_str("SHEQU_CITY_CODE") or "340600000000"

# The one-stop desk (shequ/desk): the old "婚育证明 before leaving" flow is off by default
# (today a migrant's status is checked, not certified); public verification looks allowed
# per address and hour.
DESK_LEGACY_STATUS_CERTIFICATE = env_bool("DESK_LEGACY_STATUS_CERTIFICATE", False)
VERIFY_LIMIT_PER_HOUR = env_int("VERIFY_LIMIT_PER_HOUR", 30)
# Online birth registrations (and receipt look-ups) allowed per address and hour.
BIRTH_ONLINE_LIMIT_PER_HOUR = env_int("BIRTH_ONLINE_LIMIT_PER_HOUR", 10)

# The TrueType font embedded in printed documents (core/pdf.py); empty: ask fontconfig.
PDF_FONT = env_str("SHEQU_PDF_FONT")
