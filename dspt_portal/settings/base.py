"""Settings shared by every environment. Environment-specific files import from here."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from dspt_portal.client_address import networks_parse

from .env import env_bool, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SECRET_KEY = env_str("DJANGO_SECRET_KEY", "insecure-local-development-key-not-for-production")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    # Django's admin as the operator console: a verified second factor, optional address list.
    "dspt_portal.apps.OperatorAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "crispy_forms",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "organisations",
    "accounts",
    "audit",
    "assessments",
    "publishing",
    "incidents",
    "documents",
    "register",
    "helpdesk",
    "training",
    "evidence",
    # Demo and scale data for development and benchmarks, built through the real rules.
    "devdata",
]

MIDDLEWARE = [
    # Before everything: a badge, API record, public page or search asked for again is answered
    # whole from Redis, as the middleware below finished it the first time
    # (register/kept_responses.py, ADR 15).
    "register.kept_responses.KeptPublicResponseMiddleware",
    # Next, so it sees responses last: shareable ones (status badges) leave without cookies.
    "dspt_portal.cookieless.CookielessResponseMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "accounts.middleware.SessionIdleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.MFAGateMiddleware",
    "organisations.middleware.CurrentOrganisationMiddleware",
    # Before any view or CSRF check reads the body; after the above so its 413 page is a full one.
    "dspt_portal.request_limits.RequestBodyLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it answers locked-out sign-ins.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "dspt_portal.urls"
WSGI_APPLICATION = "dspt_portal.wsgi.application"

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
                "organisations.context_processors.current_organisation",
                "accounts.context_processors.session_timeout",
            ],
            # Every template's {% url %} keeps the addresses it worked out (about 50 µs a tag).
            "builtins": ["dspt_portal.template_urls"],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=60,
        # A kept connection is checked before a request reuses it, so after a PostgreSQL restart
        # or failover only the requests in flight fail, not every later one on a dead connection.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
    "DSPT_DATABASE_PREPARED_STATEMENTS", True
):
    # The register's hot compiled reads are prepared statements (dspt_portal/compiled_queries.py:
    # only the cursors made for them ask psycopg to prepare; every other query is bound on the
    # client, as Django does by default). Switch off behind a connection pooler that cannot keep
    # them (PgBouncer before 1.21, or without max_prepared_statements): docs/deploy.md.
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 1_000_000
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "organisations.User"
AUTHENTICATION_BACKENDS = [
    # Refuses sign-in attempts while an account is locked out after repeated failures.
    "axes.backends.AxesStandaloneBackend",
    # Email and password; the signed-in person read back by a prepared statement.
    "accounts.backends.PasswordBackend",
    # Only for sessions begun before PasswordBackend (accounts/backends.py): never asked to
    # check a password, since PasswordBackend ends every attempt it refuses.
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "sign-in"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24  # one day

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "dspt_portal.static_storage.KeptUrlsStaticFilesStorage"},
}
# Request bodies. The biggest legitimate one is an evidence upload: a 10 MB file and its form.
# Larger bodies get a 413 page before anything reads them (dspt_portal/request_limits.py).
DSPT_MAX_REQUEST_BODY_BYTES = 12 * 1024 * 1024
# Form fields (not files): the action plan form is the largest, at most 2,150 characters for each
# of about 50 items, under 1.5 MB even if every character is a 4-byte one sent percent-encoded.
# More is a 400 page.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# The HQ publish form sends one `sites` field per branch ticked: Django's default of 1,000 would
# refuse an HQ with more branches than that publishing for all of them. More is a 400 page.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
# Uploaded files above this are streamed to a temporary file instead of being held in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# Uploaded evidence lives outside the web root and is only served through permission-checked views.
MEDIA_ROOT = Path(env_str("DSPT_MEDIA_ROOT", str(BASE_DIR / "media")))
# How much an organisation may keep in its evidence library: every version of every document.
DSPT_EVIDENCE_QUOTA_BYTES = int(env_str("DSPT_EVIDENCE_QUOTA_BYTES", str(500 * 1024 * 1024)))

# Several web and worker machines share files through S3-compatible object storage: with a bucket
# named, evidence, documents and uploads live there (private objects; a download is a redirect to
# a signed address that works for DSPT_S3_URL_SECONDS). Without one, the private folder above.
DSPT_S3_BUCKET = env_str("DSPT_S3_BUCKET", "")
DSPT_S3_URL_SECONDS = int(env_str("DSPT_S3_URL_SECONDS", "60"))
if DSPT_S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": DSPT_S3_BUCKET,
            # Empty: Amazon S3 itself; otherwise any S3-compatible service's address.
            "endpoint_url": env_str("DSPT_S3_ENDPOINT_URL", "") or None,
            "region_name": env_str("DSPT_S3_REGION", "eu-west-2"),
            # Empty: the machine's own credentials (instance role, environment, ~/.aws).
            "access_key": env_str("DSPT_S3_ACCESS_KEY_ID", "") or None,
            "secret_key": env_str("DSPT_S3_SECRET_ACCESS_KEY", "") or None,
            "location": env_str("DSPT_S3_PREFIX", ""),
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": DSPT_S3_URL_SECONDS,
            # Two uploads with one name never replace each other.
            "file_overwrite": False,
            "addressing_style": env_str("DSPT_S3_ADDRESSING_STYLE", "") or None,
        },
    }

CRISPY_ALLOWED_TEMPLATE_PACKS = ("nhsuk",)
CRISPY_TEMPLATE_PACK = "nhsuk"

EMAIL_BACKEND = env_str("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
DEFAULT_FROM_EMAIL = env_str(
    "DJANGO_DEFAULT_FROM_EMAIL", "DSPT portal <no-reply@dspt-portal.example>"
)

# Invitations to join an organisation expire after this many days.
DSPT_INVITATION_DAYS = 7
DSPT_SERVICE_NAME = "Data Security and Protection Toolkit"
# Incident reporting's likelihood and severity scales, reportability grid and answer lists
# (data, not code: docs/adr/0009-incident-scales-as-data.md).
DSPT_INCIDENT_SCALES_FILE = Path(
    env_str("DSPT_INCIDENT_SCALES_FILE", str(BASE_DIR / "fixtures" / "incident-scales-v1.yaml"))
)
# Where reportable incidents, and what follows them, are emailed (incidents/notify.py). Empty:
# nothing is sent, and each incident's page says sending is not set up. No real address here.
DSPT_INCIDENT_REPORT_EMAIL = env_str("DSPT_INCIDENT_REPORT_EMAIL", "")
# The portal's public address, for links in emails and on certificates.
DSPT_SITE_URL = env_str("DSPT_SITE_URL", "http://127.0.0.1:8000")
# The helpdesk, as the Help and contact page and the accessibility statement give it. The defaults
# are not real: a reserved example domain and a number from Ofcom's range kept for drama.
DSPT_HELPDESK_EMAIL = env_str("DSPT_HELPDESK_EMAIL", "helpdesk@dspt-portal.example")
# Set to an empty value when the helpdesk has no phone line: the pages then give none.
DSPT_HELPDESK_PHONE = os.environ.get("DSPT_HELPDESK_PHONE", "01632 960 000").strip()
DSPT_HELPDESK_HOURS = env_str(
    "DSPT_HELPDESK_HOURS", "Monday to Friday, 9am to 5pm, except bank holidays"
)
# How soon the helpdesk answers an email, in working days (said on the Help and contact page).
DSPT_HELPDESK_REPLY_DAYS = int(env_str("DSPT_HELPDESK_REPLY_DAYS", "2"))

REDIS_URL = env_str("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
# Faults in background work (docs/deploy.md, "Background work"). A task is acknowledged only when
# it has finished, and put back on the queue when the process running it dies (out of memory,
# SIGKILL), so a lost worker does not lose the document it was making.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# ...as a retry, counted against the task's max_retries: a document that kills its worker every
# time (out of memory) stops after a few attempts instead of cycling forever; its job then goes
# stale and is marked failed. If sending the retry fails, the task is requeued instead (above).
CELERY_TASK_RETRY_ON_WORKER_LOST = True
# Each worker process reserves one task at a time: a dead worker holds back no waiting work.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# The job row is the result; nothing reads Celery's results, so none are stored.
CELERY_TASK_IGNORE_RESULT = True
# Redis hands an unacknowledged task to another worker after the visibility timeout. It must be
# longer than the longest task (the daily reminder run; a document takes seconds) and its longest
# retry countdown, or a slow task would run twice. A worker killed outright (not just one of its
# processes) gives its task back after this; the stale-job rule (documents/jobs.py) offers
# "Try again" long before.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 2 * 60 * 60,
    # A person asking for a document waits at most a few seconds when Redis is down or frozen,
    # then sees "try again in a few minutes" (one quick retry on a fresh connection, no more).
    "socket_connect_timeout": 1,
    "socket_timeout": 2,
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
# Workers keep trying to reach Redis when it is down at start-up or restarts (no person waits).
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
from dspt_portal.celery_schedule import CELERY_BEAT_SCHEDULE  # noqa: E402,F401

# The cache holds only what pages can do without (rate-limit counters): Redis stopped or frozen
# reads as an empty cache after at most a quarter of a second (dspt_portal/cache.py).
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "dspt_portal.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Sessions live in PostgreSQL, never only in Redis: losing Redis signs nobody out. (django-axes
# counts failed sign-ins in the database too: AxesStandaloneBackend's default handler.) Django's
# database store, its read prepared on PostgreSQL (accounts/session_store.py).
SESSION_ENGINE = "accounts.session_store"

SESSION_COOKIE_HTTPONLY = True
# Signed-in sessions end after an hour without activity (refreshed by SessionIdleMiddleware).
SESSION_COOKIE_AGE = 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Signed-in pages warn this long before the session ends, with a "Stay signed in" button
# (static/js/session-timeout.js; WCAG 2.2.1 asks for at least 20 seconds to respond).
DSPT_SESSION_WARNING_SECONDS = int(env_str("DSPT_SESSION_WARNING_SECONDS", "120"))
# Ended session rows are deleted by a daily job once they ended this many hours ago; until then
# the portal can still tell someone they were signed out for being idle (accounts/sessions.py).
DSPT_ENDED_SESSIONS_KEPT_HOURS = int(env_str("DSPT_ENDED_SESSIONS_KEPT_HOURS", "24"))

# Five wrong passwords for one account from one address locks it there for 15 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_USERNAME_FORM_FIELD = "username"
AXES_VERBOSE = False
# Lockout counts per client address exactly as the rate limits and the audit trail see it.
AXES_CLIENT_IP_CALLABLE = "dspt_portal.client_address.client_ip"

# How many proxies (load balancers) in front of the portal append to X-Forwarded-For. 0: the
# header is ignored and REMOTE_ADDR is the client; N: the client is the Nth entry from the right.
try:
    DSPT_TRUSTED_PROXY_COUNT = int(env_str("DSPT_TRUSTED_PROXY_COUNT", "0"))
except ValueError as error:
    raise ImproperlyConfigured("DSPT_TRUSTED_PROXY_COUNT must be a whole number.") from error
if DSPT_TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("DSPT_TRUSTED_PROXY_COUNT must be 0 or more.")
# The operator console (/operator/) answers only these client addresses (CIDR); empty: any.
try:
    DSPT_OPERATOR_ALLOWED_NETWORKS = networks_parse(env_list("DSPT_OPERATOR_ALLOWED_NETWORKS"))
except ValueError as error:
    raise ImproperlyConfigured(f"DSPT_OPERATOR_ALLOWED_NETWORKS: {error}.") from error

OTP_TOTP_ISSUER = "DSPT portal"
# Administrators publish and manage people only after setting up two-factor authentication
# (the toolkit's own item 4.5.3 asks the same of care providers).
DSPT_REQUIRE_MFA_FOR_ADMINISTRATORS = env_bool("DSPT_REQUIRE_MFA_FOR_ADMINISTRATORS", True)

# Content Security Policy: no inline script or style except the one tagged with the nonce.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Requests per minute from one address to the public pages, so a scraper cannot take them down.
DSPT_RATE_LIMITS = {
    "search": int(env_str("DSPT_RATE_LIMIT_SEARCH", "120")),
    "verify": int(env_str("DSPT_RATE_LIMIT_VERIFY", "30")),
    # Systems call the API in bursts (a framework's 400 providers one by one); bulk lookups
    # are there for more.
    "api": int(env_str("DSPT_RATE_LIMIT_API", "600")),
    # The bulk status check: each request may look up 5,000 codes.
    "bulk": int(env_str("DSPT_RATE_LIMIT_BULK", "20")),
    # Unknown frontline quiz links: a person mistypes a link now and then, nobody 20 a minute.
    "quiz-link": int(env_str("DSPT_RATE_LIMIT_QUIZ_LINK", "20")),
}
DSPT_RATE_LIMITS_ENABLED = env_bool("DSPT_RATE_LIMITS_ENABLED", True)
# /health/ reports "degraded" past these (docs/deploy.md, "What to alert on"): free space on the
# disk holding MEDIA_ROOT (local storage), the oldest document job still queued (a job is stale
# after 5 minutes: documents/jobs.py), and the last worker heartbeat (beat sends one a minute).
DSPT_HEALTH_MIN_FREE_DISK_BYTES = int(
    env_str("DSPT_HEALTH_MIN_FREE_DISK_BYTES", str(2 * 1024 * 1024 * 1024))
)
DSPT_HEALTH_MAX_QUEUED_JOB_SECONDS = int(env_str("DSPT_HEALTH_MAX_QUEUED_JOB_SECONDS", "300"))
DSPT_HEALTH_MAX_HEARTBEAT_SECONDS = int(env_str("DSPT_HEALTH_MAX_HEARTBEAT_SECONDS", "300"))
# Routes the benchmark's minimal "floor" view; never set in production.
DSPT_BENCH_FLOOR = env_bool("DSPT_BENCH_FLOOR", False)
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
    # WeasyPrint and fontTools narrate every step of every PDF at INFO.
    "loggers": {
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# The frontline quiz (training/): its questions are data (fixtures/frontline-quiz.yaml, checked
# at start-up), and a personal quiz link works for this many days unless used or revoked.
DSPT_QUIZ_FILE = Path(env_str("DSPT_QUIZ_FILE", str(BASE_DIR / "fixtures" / "frontline-quiz.yaml")))
DSPT_QUIZ_LINK_DAYS = int(env_str("DSPT_QUIZ_LINK_DAYS", "14"))
