"""Vigil hub settings, read from the environment.

With no environment at all the hub runs in its embedded first-run mode: SQLite, Celery tasks
in-process, a local-memory cache, and local secrets created under var/. Production
(VIGIL_ENV=production) demands every secret and service explicitly.
"""

import ipaddress
import secrets
import warnings
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

from hub.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(
    env_str(
        "VIGIL_VAR_DIR",
        str(BASE_DIR / "var"),
        help="Directory for the embedded default's local files (SQLite database, generated local secrets).",
    )
)

VIGIL_ENV = env_str(
    "VIGIL_ENV",
    "development",
    help="`development` (embedded defaults) or `production` (every secret and service required, HTTPS).",
)
if VIGIL_ENV not in {"development", "production"}:
    raise ImproperlyConfigured(f"VIGIL_ENV must be development or production, got {VIGIL_ENV!r}")
PRODUCTION = VIGIL_ENV == "production"
DEBUG = env_bool("DEBUG", not PRODUCTION, help="Django debug pages. Never on in production.")
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be off when VIGIL_ENV=production")


def _local_secret(filename: str, nbytes: int, purpose: str) -> str:
    """Embedded default only: create a secret once under VAR_DIR and warn that it is local."""
    path = VAR_DIR / filename
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(nbytes))
        path.chmod(0o600)
        warnings.warn(f"{purpose} not set: created a local one in {path}", stacklevel=2)
    return path.read_text().strip()


def _required_in_production(name: str, value: str | None) -> str | None:
    if PRODUCTION and not value:
        raise ImproperlyConfigured(f"{name} is required when VIGIL_ENV=production")
    return value


SECRET_KEY = _required_in_production(
    "SECRET_KEY", env_str("SECRET_KEY", help="Django secret key (sessions, CSRF). Required in production.")
)
if not SECRET_KEY:
    SECRET_KEY = _local_secret("secret_key", 50, "SECRET_KEY")

KEY_ENCRYPTION_KEY = _required_in_production(
    "VIGIL_KEY_ENCRYPTION_KEY",
    env_str(
        "VIGIL_KEY_ENCRYPTION_KEY",
        help="64 hex characters (32 bytes): encrypts OPRF secret keys at rest. Required in production.",
    ),
)
if not KEY_ENCRYPTION_KEY:
    KEY_ENCRYPTION_KEY = _local_secret("key_encryption_key", 32, "VIGIL_KEY_ENCRYPTION_KEY")
try:
    if len(bytes.fromhex(KEY_ENCRYPTION_KEY)) != 32:
        raise ValueError
except ValueError:
    raise ImproperlyConfigured("VIGIL_KEY_ENCRYPTION_KEY must be 64 hex characters (32 bytes)") from None

# Audit keys live outside the database, so whoever can write the database cannot re-chain the trail
# (MAC key) or forge the checkpoints kept elsewhere (signing key).
AUDIT_MAC_KEY = _required_in_production(
    "VIGIL_AUDIT_MAC_KEY",
    env_str(
        "VIGIL_AUDIT_MAC_KEY",
        help="64 hex characters (32 bytes): HMAC key chaining the audit trail. Required in production.",
    ),
)
if not AUDIT_MAC_KEY:
    AUDIT_MAC_KEY = _local_secret("audit_mac_key", 32, "VIGIL_AUDIT_MAC_KEY")
AUDIT_SIGNING_KEY = env_str(
    "VIGIL_AUDIT_SIGNING_KEY",
    help="64 hex characters: Ed25519 private key signing audit checkpoints. Only `audit_checkpoint` needs it.",
)
if not AUDIT_SIGNING_KEY and not PRODUCTION:
    AUDIT_SIGNING_KEY = _local_secret("audit_signing_key", 32, "VIGIL_AUDIT_SIGNING_KEY")
for _name, _value in (("VIGIL_AUDIT_MAC_KEY", AUDIT_MAC_KEY), ("VIGIL_AUDIT_SIGNING_KEY", AUDIT_SIGNING_KEY)):
    try:
        if _value is not None and len(bytes.fromhex(_value)) != 32:
            raise ValueError
    except ValueError:
        raise ImproperlyConfigured(f"{_name} must be 64 hex characters (32 bytes)") from None

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS",
    "" if PRODUCTION else "127.0.0.1,localhost,testserver",
    help="Comma-separated host names the hub answers to.",
)
CSRF_TRUSTED_ORIGINS = env_list(
    "CSRF_TRUSTED_ORIGINS", "", help="Comma-separated origins (https://hub.example.org) allowed to post forms."
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    "corsheaders",
    "django_htmx",
    "apps.common",
    "apps.audit",
    "apps.organisations",
    "apps.accounts",
    "apps.oprf",
    "apps.indicators",
    "apps.matching",
    "apps.routing",
    "apps.statistics",
    "apps.records",
    "apps.outcomes",
    # After apps.accounts, whose templates override allauth's.
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "apps.portal",
]

MIDDLEWARE = [
    # First: the HTTPS redirect and everything after it must see only forwarded headers a proxy vouches for.
    "apps.common.middleware.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "apps.common.middleware.ApiGuardMiddleware",
    # Serves collected static files when DEBUG is off; runserver serves them in development.
    *(["whitenoise.middleware.WhiteNoiseMiddleware"] if not DEBUG else []),
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Ends sessions of people who may no longer sign in, and sends the unenrolled to set up a second factor.
    "apps.accounts.middleware.SessionGuardMiddleware",
    # Records every signed-in session against its user, so "sign out everywhere" can find them all.
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Turns a sign-in refused for lockout into the lockout page (apps.accounts.lockout.locked_out).
    "axes.middleware.AxesMiddleware",
    "apps.common.middleware.ServiceUnavailableMiddleware",
]

# A trustee is this codebase holding one share of a split OPRF key: its own database, organisations,
# API keys, quotas and audit, and nothing but the key-service endpoints (hub/trustee_urls.py).
VIGIL_ROLE = env_str("VIGIL_ROLE", "hub", help="hub, or trustee for an evaluator holding one share of a split key.")
if VIGIL_ROLE not in {"hub", "trustee"}:
    raise ImproperlyConfigured(f"VIGIL_ROLE must be hub or trustee, got {VIGIL_ROLE!r}")
ROOT_URLCONF = "hub.trustee_urls" if VIGIL_ROLE == "trustee" else "hub.urls"
# The portal's pages evaluate at a trustee straight from the member's browser, with the organisation's
# API key there in the Authorization header: a trustee answers CORS for those pages' origins on its
# evaluation endpoint alone, never with cookies, and for no origin unless one is named here.
VIGIL_TRUSTEE_ALLOWED_ORIGINS = env_list(
    "VIGIL_TRUSTEE_ALLOWED_ORIGINS",
    "",
    help="Trustee role: comma-separated portal origins (https://hub.example.org) whose pages may evaluate here.",
)
if VIGIL_ROLE == "trustee":
    _before = MIDDLEWARE.index("apps.common.middleware.ApiGuardMiddleware")
    MIDDLEWARE.insert(_before, "corsheaders.middleware.CorsMiddleware")
CORS_ALLOWED_ORIGINS = VIGIL_TRUSTEE_ALLOWED_ORIGINS if VIGIL_ROLE == "trustee" else []
CORS_URLS_REGEX = r"^/api/v1/oprf/evaluate$"
CORS_ALLOW_METHODS = ["POST"]
CORS_ALLOW_HEADERS = ["accept", "authorization", "content-type"]
CORS_ALLOW_CREDENTIALS = False
WSGI_APPLICATION = "hub.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
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

DATABASE_URL = _required_in_production(
    "DATABASE_URL",
    env_str(
        "DATABASE_URL", help="PostgreSQL URL (postgres://user:pass@host:5432/name). Unset: SQLite under VIGIL_VAR_DIR."
    ),
)
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": VAR_DIR / "vigil.sqlite3"}}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Requests write side by side (a signed-in page records its session's activity): on SQLite a transaction
    # that reads and then writes fails at once with "database is locked" while another holds the write lock;
    # begun IMMEDIATE, it waits its turn instead.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"transaction_mode": "IMMEDIATE", "timeout": 20})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = _required_in_production(
    "REDIS_URL",
    env_str(
        "REDIS_URL",
        help="Redis URL: Celery broker and rate-limit cache. Unset: tasks in-process, local-memory cache.",
    ),
)
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 2, "SOCKET_TIMEOUT": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
# Deliveries of large batches and retries queue apart from everything else (apps/routing/tasks.py);
# a worker started without -Q consumes both queues, taking turns between them.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = [Queue(name, routing_key=name) for name in ("celery", "bulk")]
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5}
# A message whose worker died unacknowledged comes back after this long (the sweeper is faster).
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 600}
VIGIL_DELIVERY_SWEEP_SECONDS = env_int(
    "VIGIL_DELIVERY_SWEEP_SECONDS", 15, help="How often beat re-enqueues due or stuck deliveries."
)
VIGIL_DELIVERY_CLAIM_TIMEOUT = env_int(
    "VIGIL_DELIVERY_CLAIM_TIMEOUT", 60, help="Seconds after which a delivery claimed by a vanished worker is retried."
)
CELERY_BEAT_SCHEDULE = {
    "sweep-deliveries": {
        "task": "apps.routing.tasks.sweep_deliveries",
        "schedule": float(VIGIL_DELIVERY_SWEEP_SECONDS),
    },
    "retire-expired-oprf-keys": {"task": "apps.oprf.tasks.retire_expired_keys", "schedule": 3600.0},
    "expire-reports": {"task": "apps.matching.tasks.expire_reports", "schedule": 86_400.0},
    "prune-idempotency-records": {"task": "apps.common.tasks.prune_idempotency_records", "schedule": 86_400.0},
    "expire-disclosures": {"task": "apps.matching.tasks.expire_disclosures", "schedule": 3600.0},
    "expire-invitations": {"task": "apps.organisations.tasks.expire_invitations", "schedule": 3600.0},
    "seal-screen-tallies": {"task": "apps.matching.tasks.seal_screen_tallies", "schedule": 60.0},
    "statistics-release": {"task": "apps.statistics.tasks.release_periodic", "schedule": 86_400.0},
    "remind-open-reviews": {"task": "apps.outcomes.tasks.remind_open_reviews", "schedule": 3600.0},
    "close-undefended-disputes": {"task": "apps.outcomes.tasks.close_undefended_disputes", "schedule": 3600.0},
}

VIGIL_OPRF_DAILY_QUOTA = env_int(
    "VIGIL_OPRF_DAILY_QUOTA", 1_000_000, help="Default OPRF evaluations per organisation per UTC day."
)
VIGIL_OPRF_RATE = env_str(
    "VIGIL_OPRF_RATE", "600/min", help="Evaluate calls per organisation (DRF rate: N/sec, N/min, N/hour)."
)
VIGIL_OPRF_OVERLAP_DAYS = env_int(
    "VIGIL_OPRF_OVERLAP_DAYS", 30, help="Days a rotated-out OPRF key stays usable before it is retired."
)

VIGIL_IDEMPOTENCY_DAYS = env_int(
    "VIGIL_IDEMPOTENCY_DAYS", 30, help="Days an Idempotency-Key's first answer is kept for retries."
)
VIGIL_FLOOD_THRESHOLD = env_int(
    "VIGIL_FLOOD_THRESHOLD", 5, help="Reporting organisations within the flood window that quarantine a match."
)
VIGIL_FLOOD_WINDOW_HOURS = env_int("VIGIL_FLOOD_WINDOW_HOURS", 24, help="Length of the flood-control window.")
VIGIL_SCREEN_RATE = env_str("VIGIL_SCREEN_RATE", "600/min", help="Screen calls per organisation (DRF rate).")
VIGIL_REPORT_RATE = env_str("VIGIL_REPORT_RATE", "120/min", help="Report calls per organisation (DRF rate).")

VIGIL_DISCLOSURE_EXPIRY_DAYS = env_int(
    "VIGIL_DISCLOSURE_EXPIRY_DAYS", 14, help="Days a disclosure request waits for an answer before it expires."
)
VIGIL_DISCLOSURE_RATE = env_str(
    "VIGIL_DISCLOSURE_RATE", "20/day", help="Disclosure requests an organisation may make (DRF rate)."
)
VIGIL_REVIEW_DAYS = env_int(
    "VIGIL_REVIEW_DAYS", 14, help="Days a match's review may stay open before its organisation is reminded (once)."
)
VIGIL_DISPUTE_DAYS = env_int("VIGIL_DISPUTE_DAYS", 7, help="Days a reporter has to answer a dispute of its report.")
VIGIL_INVITATION_DAYS = env_int(
    "VIGIL_INVITATION_DAYS", 7, help="Days an e-mailed invitation to join an organisation stays usable."
)
VIGIL_APPLICATION_RATE = env_str(
    "VIGIL_APPLICATION_RATE",
    "5/hour",
    help="Applications to join the hub accepted from one address (N/min, N/hour, N/day).",
)
if VIGIL_INVITATION_DAYS < 1:
    raise ImproperlyConfigured("VIGIL_INVITATION_DAYS must be at least 1")
VIGIL_WEBHOOK_ALLOW_HTTP = env_bool(
    "VIGIL_WEBHOOK_ALLOW_HTTP", not PRODUCTION, help="Allow plain-http webhook URLs (never in production)."
)
VIGIL_WEBHOOK_ALLOW_LOOPBACK = env_bool(
    "VIGIL_WEBHOOK_ALLOW_LOOPBACK", not PRODUCTION, help="Allow webhooks to loopback addresses (local trials only)."
)
VIGIL_WEBHOOK_DISABLE_AFTER = env_int(
    "VIGIL_WEBHOOK_DISABLE_AFTER", 20, help="Consecutive failed deliveries that disable a webhook endpoint."
)
if PRODUCTION and (VIGIL_WEBHOOK_ALLOW_HTTP or VIGIL_WEBHOOK_ALLOW_LOOPBACK):
    raise ImproperlyConfigured("Plain-http and loopback webhooks are for development only")

VIGIL_STATISTICS_K = env_int(
    "VIGIL_STATISTICS_K", 5, help="No published statistic from fewer than this many organisations or wallets."
)
if VIGIL_STATISTICS_K < 2:
    raise ImproperlyConfigured("VIGIL_STATISTICS_K must be at least 2")
_statistics_epsilon = env_str(
    "VIGIL_STATISTICS_EPSILON",
    help="Differential-privacy budget spent by each periodic statistics release (OpenDP noise); unset: no noise.",
)
try:
    VIGIL_STATISTICS_EPSILON = float(_statistics_epsilon) if _statistics_epsilon else None
except ValueError:
    raise ImproperlyConfigured(f"VIGIL_STATISTICS_EPSILON must be a number, got {_statistics_epsilon!r}") from None
if VIGIL_STATISTICS_EPSILON is not None and not 0 < VIGIL_STATISTICS_EPSILON <= 10:
    raise ImproperlyConfigured("VIGIL_STATISTICS_EPSILON must be above 0 and at most 10")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Axes first: it refuses a locked-out sign-in before any password is checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "apps.accounts.backends.MemberBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "portal:dashboard"
LOGOUT_REDIRECT_URL = "accounts:login"

# django-allauth: sign-in by user name or e-mail, password reset by e-mail, and a required second factor.
# Nobody signs up: people are created by their organisation's admin or a hub administrator.
ACCOUNT_ADAPTER = "apps.accounts.adapter.AccountAdapter"
MFA_ADAPTER = "apps.accounts.adapter.SecondFactorAdapter"
ACCOUNT_FORMS = {"login": "apps.accounts.forms.SignInForm"}
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "optional"
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_LOGOUT_REDIRECT_URL = LOGOUT_REDIRECT_URL
# No "remember me": a session ends with the browser, or after VIGIL_SESSION_IDLE_MINUTES idle.
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_PREVENT_ENUMERATION = True
# Axes counts failed passwords per account and address (below); allauth's own per-account counter would
# let anyone lock a member out from anywhere, so it is off. Its other limits (reset e-mails...) stay.
ACCOUNT_RATE_LIMITS = {"login_failed": False}
USERSESSIONS_TRACK_ACTIVITY = True
MFA_FORMS = {
    "authenticate": "apps.accounts.forms.SecondFactorForm",
    "reauthenticate": "apps.accounts.forms.SecondFactorReauthenticateForm",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_TOTP_ISSUER = "Vigil hub"
# One step either side (RFC 6238 section 5.2): a code typed as its 30 seconds run out still signs in.
MFA_TOTP_TOLERANCE = 1
# Without open sign-up nobody can claim another person's address, so an e-mail not yet confirmed through
# allauth (every address an admin typed in) must not stop that person from adding a second factor.
MFA_ALLOW_UNVERIFIED_EMAIL = True
# Passkeys on plain-http localhost during development only; browsers insist on HTTPS everywhere else.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = not PRODUCTION

# Sessions end after this long without a request (each request pushes the expiry on).
VIGIL_SESSION_IDLE_MINUTES = env_int(
    "VIGIL_SESSION_IDLE_MINUTES", 30, help="Minutes without a request after which a signed-in session ends."
)
if VIGIL_SESSION_IDLE_MINUTES < 1:
    raise ImproperlyConfigured("VIGIL_SESSION_IDLE_MINUTES must be at least 1")
SESSION_COOKIE_AGE = VIGIL_SESSION_IDLE_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Lockout after repeated failed sign-ins (django-axes). Failures count per account and client address
# together, so nobody can lock a member out from elsewhere; every spelling of an account counts as one.
AXES_FAILURE_LIMIT = env_int(
    "VIGIL_SIGNIN_FAILURE_LIMIT", 5, help="Failed sign-ins for one account from one address before it is locked."
)
_cool_off_minutes = env_int("VIGIL_SIGNIN_COOLOFF_MINUTES", 15, help="Minutes a locked-out sign-in stays locked.")
if AXES_FAILURE_LIMIT < 1 or _cool_off_minutes < 1:
    raise ImproperlyConfigured("VIGIL_SIGNIN_FAILURE_LIMIT and VIGIL_SIGNIN_COOLOFF_MINUTES must be at least 1")
AXES_COOLOFF_TIME = timedelta(minutes=_cool_off_minutes)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "apps.accounts.lockout.axes_username"
AXES_CLIENT_IP_CALLABLE = "apps.organisations.context.client_ip"
AXES_LOCKOUT_CALLABLE = "apps.accounts.lockout.locked_out"
# The audit trail records every sign-in; axes keeps only the failure counts it needs.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

EMAIL_HOST = env_str("EMAIL_HOST", help="SMTP host for notification e-mail. Unset: e-mail is printed to the console.")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587, help="SMTP port.")
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "", help="SMTP user name.")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "", help="SMTP password.")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True, help="Use STARTTLS for SMTP.")
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "vigil@localhost", help="Sender address of hub e-mail.")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.organisations.auth.ApiKeyAuthentication",
        "apps.accounts.api_auth.MemberSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["apps.organisations.permissions.IsOrganisationMember"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["apps.common.parsers.StrictJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "apps.common.openapi.VigilAutoSchema",
    "EXCEPTION_HANDLER": "apps.common.problems.problem_exception_handler",
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_THROTTLE_RATES": {
        "oprf": VIGIL_OPRF_RATE,
        "screen": VIGIL_SCREEN_RATE,
        "report": VIGIL_REPORT_RATE,
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Vigil hub API",
    "DESCRIPTION": (
        "Privacy-preserving sharing of wallet indicators as VOPRF tokens. Errors are RFC 9457 problem details."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # No badge fetched from the public validator: the docs page loads nothing from elsewhere.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "NotificationEventEnum": "apps.routing.models.Event",
        "ChannelEnum": "apps.routing.models.Channel",
        "ReviewStatusEnum": ["open", "recorded"],
    },
}

# Room for the documented 10,000-item report batch (about 3.7 MB of JSON), refused above this as a
# problem+json 413 before the body is read.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int(
    "VIGIL_MAX_REQUEST_BYTES", 8 * 1024 * 1024, help="Largest request body the API accepts, in bytes (8 MiB)."
)
# The debug page and error e-mails hide the Authorization header as well as settings named like secrets.
DEFAULT_EXCEPTION_REPORTER_FILTER = "apps.common.debug.CredentialHidingFilter"

# Every response; pages needing more (the API docs) widen it for themselves in hub/api_urls.py.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# Production hardening: `manage.py check --deploy` must be clean with VIGIL_ENV=production.
VIGIL_TRUSTED_PROXIES = env_list(
    "VIGIL_TRUSTED_PROXIES",
    "",
    help="Comma-separated proxy IPs or CIDRs whose X-Forwarded-Proto/-For are believed; from others they are dropped.",
)
for _proxy in VIGIL_TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(f"VIGIL_TRUSTED_PROXIES: {_proxy!r} is not an IP address or CIDR") from None
# Read only from a trusted proxy: apps.common.middleware.TrustedProxyMiddleware drops it from anyone else.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool(
    "SECURE_SSL_REDIRECT",
    PRODUCTION,
    help="Redirect HTTP to HTTPS (on in production; turn off only behind a proxy that already does).",
)
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_HSTS_SECONDS = 31_536_000 if PRODUCTION else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# The HTTPS redirect must not break the container's own health probe on plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO", help="Log level for the console log.")},
    # WeasyPrint narrates every step of a PDF at INFO.
    "loggers": {"weasyprint": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}
