"""Superset configuration of the DTE Trust Superset stack (scripts/superset.sh).

Superset loads this file through SUPERSET_CONFIG_PATH. Every value that differs per stack comes
from an environment variable that scripts/superset.sh sets, so one file serves every run directory:

  DTE_SUPERSET_SECRET_KEY_FILE  file (mode 0600, one per run directory) holding SECRET_KEY
  DTE_SUPERSET_DB_URI           metadata database (the run directory's private PostgreSQL)
  DTE_SUPERSET_REDIS_URL        redis://127.0.0.1:PORT of the run directory's private Redis
  DTE_SUPERSET_URL              the web server's loopback base URL, e.g. http://127.0.0.1:8088

Only settings that differ from Superset's defaults are here, each with the reason it exists.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from celery.schedules import crontab


def _env(name: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        # Fail loudly: a silently defaulted metadata URI would put Superset on SQLite, where every
        # alert run fails (see SQLALCHEMY_DATABASE_URI below).
        raise RuntimeError(f"{name} is not set: start Superset through scripts/superset.sh")
    return value


# Superset refuses to start with its built-in SECRET_KEY. scripts/superset.sh generates one per run
# directory (kept in a 0600 file, so it never shows up in `ps` or in superset.env). It also encrypts
# the database passwords stored in the metadata DB, so it must stay stable for one metadata DB.
SECRET_KEY = Path(_env("DTE_SUPERSET_SECRET_KEY_FILE")).read_text(encoding="utf-8").strip()

# PostgreSQL, not the default SQLite: an earlier probe on this machine saw every Alerts & Reports
# run fail on SQLite with a DateTime type error (the scheduled time reaches the report log as a
# string); on PostgreSQL the same alerts run.
SQLALCHEMY_DATABASE_URI = _env("DTE_SUPERSET_DB_URI")

_REDIS = _env("DTE_SUPERSET_REDIS_URL").rstrip("/")
_BASE_URL = _env("DTE_SUPERSET_URL").rstrip("/") + "/"

# Alerts & Reports (ALERT_REPORTS) and their webhook recipient type (ALERT_REPORT_WEBHOOK) are off
# by default; the DTE Trust connector's tests and demo alert on trust metrics through a webhook.
# ENABLE_TEMPLATE_PROCESSING: Jinja in virtual datasets and SQL Lab, so dashboards can pass their
# native filter values (model, version) into DTE Trust queries.
FEATURE_FLAGS = {
    "ALERT_REPORTS": True,
    "ALERT_REPORT_WEBHOOK": True,
    "ENABLE_TEMPLATE_PROCESSING": True,
}

# The test's webhook receiver listens on plain http://127.0.0.1; by default Superset refuses
# ("Webhook failed: HTTPS is required by config for webhook URLs.").
ALERT_REPORTS_WEBHOOK_HTTPS_ONLY = False

# No minimum interval between two runs of one alert or report (explicit, the default is 0 too), so
# a test can schedule an alert every minute ("* * * * *") and see it fire within two minutes.
ALERT_MINIMUM_INTERVAL = 0
REPORT_MINIMUM_INTERVAL = 0

# The Celery worker fetches a chart's CSV (report_format CSV) from the web server, and alert links
# point there: both go to the loopback URL of this stack, not Superset's 0.0.0.0:8080 default.
WEBDRIVER_BASEURL = _BASE_URL
WEBDRIVER_BASEURL_USER_FRIENDLY = _BASE_URL

# Kept True (the default): no sqlite:// or other unsafe database URIs through the API. The DTE
# Trust connector uses the shillelagh+safe:// dialect, which is made for this setting.
PREVENT_UNSAFE_DB_CONNECTIONS = True


# Superset's default, restated because the beat schedule below must use the same value.
CELERY_BEAT_SCHEDULER_EXPIRES = timedelta(weeks=1)


# Celery on the private Redis instead of Superset's SQLite broker; beat runs the Alerts & Reports
# scheduler every minute (it picks up each alert whose cron is due) and prunes the report logs.
class CeleryConfig:  # pylint: disable=too-few-public-methods
    broker_url = f"{_REDIS}/0"
    result_backend = f"{_REDIS}/1"
    imports = (
        "superset.sql_lab",
        "superset.tasks.scheduler",
        "superset.tasks.thumbnails",
        "superset.tasks.cache",
    )
    worker_prefetch_multiplier = 1
    task_acks_late = False
    # Without this Celery 5.5 warns at every worker start and would stop retrying the broker
    # connection at start-up in Celery 6.
    broker_connection_retry_on_startup = True
    beat_schedule = {
        "reports.scheduler": {
            "task": "reports.scheduler",
            "schedule": crontab(minute="*", hour="*"),
            # Pitfall: the scheduler derives the tick's time from this expiry minus
            # CELERY_BEAT_SCHEDULER_EXPIRES, so the two must agree. With "expires": 60 alone every
            # alert ran with a scheduled_dttm a week in the past (and at once, not on its cron).
            "options": {"expires": int(CELERY_BEAT_SCHEDULER_EXPIRES.total_seconds())},
        },
        "reports.prune_log": {
            "task": "reports.prune_log",
            "schedule": crontab(minute=0, hour=0),
        },
    }


CELERY_CONFIG = CeleryConfig


def _redis_cache(db: int, prefix: str, timeout: int = 300) -> dict[str, object]:
    return {
        "CACHE_TYPE": "RedisCache",
        "CACHE_REDIS_URL": f"{_REDIS}/{db}",
        "CACHE_KEY_PREFIX": prefix,
        "CACHE_DEFAULT_TIMEOUT": timeout,
    }


# Superset's caches default to NullCache (every chart recomputes); Redis is here anyway, and
# dashboards of many DTE Trust panels should not re-run identical queries within five minutes.
CACHE_CONFIG = _redis_cache(2, "superset_")
DATA_CACHE_CONFIG = _redis_cache(3, "superset_data_")

# SQL Lab's asynchronous queries (databases with "allow_run_async") keep their results here; the
# default None makes them fail.
from cachelib.redis import RedisCache  # noqa: E402  (after the env checks above, on purpose)

_redis_host, _, _redis_port = _REDIS.removeprefix("redis://").partition(":")
RESULTS_BACKEND = RedisCache(
    host=_redis_host, port=int(_redis_port or 6379), db=4, key_prefix="superset_results"
)

# The login rate limit (AUTH_RATE_LIMITED) otherwise keeps its counters in memory and logs a
# warning about it at every start; per process counters would also differ between workers.
RATELIMIT_STORAGE_URI = f"{_REDIS}/5"

# Loopback over plain HTTP: the defaults (force_https False, session_cookie_secure False, CSP on)
# fit, so TALISMAN stays as Superset ships it.
