from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from django.conf import settings
from django.contrib import admin
from django.core.cache import caches
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from kernel.languages import resident_patterns
from stats import urls as stats_urls
from tryggest.celery import app

admin.site.site_header = _("TryggEst")
admin.site.site_title = _("TryggEst")
admin.site.index_title = _("The TryggEst team's work")


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


# The broker and the cache are asked in threads with a deadline, so /readyz answers within a
# second even when Redis hangs or its host name does not resolve (docker compose's health check
# and a load balancer must not wait on it): their state is reported, never fails the answer.
_probes = ThreadPoolExecutor(max_workers=4, thread_name_prefix="readyz")
PROBE_SECONDS = 0.6


def _broker_state() -> str:
    if app.conf.task_always_eager:
        return "none (tasks run in-process)"
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=0, timeout=PROBE_SECONDS)
    return "ok"


def _cache_state() -> str:
    if not settings.CACHES["default"]["BACKEND"].startswith("django_redis"):
        return "local"
    client = caches["default"].client.get_client(write=True)
    client.ping()
    return "ok"


def _probe(future: Future[str]) -> str:
    try:
        return future.result(timeout=PROBE_SECONDS)
    except FutureTimeout:
        return "unavailable (no answer)"
    except Exception:
        return "unavailable"


def readyz(request: HttpRequest) -> JsonResponse:
    broker = _probes.submit(_broker_state)
    cache = _probes.submit(_cache_state)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database = "ok"
    except Exception:
        database = "unavailable"
    status = 200 if database == "ok" else 503
    return JsonResponse(
        {"database": database, "broker": _probe(broker), "cache": _probe(cache)}, status=status
    )


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("i18n/", include("django.conf.urls.i18n")),
    # Signing in (accounts.views): before the admin, whose /admin/login/ it replaces.
    path("", include("accounts.urls")),
    path("oidc/", include("mozilla_django_oidc.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/stats/", include((stats_urls.api_urlpatterns, "stats_api"))),
    path("stats/", include("stats.urls")),
    path("", include("routing.urls")),
    path("api/v1/audit/", include("oversight.urls")),
    # The residents' pages, in bokmål at /meld/ and in each other residents' language at
    # /<code>/meld/ (kernel.languages).
    *resident_patterns(path("", include("intake.urls")), path("", include("website.urls"))),
    path("api/v1/", include("tryggest.api_urls")),
]

if settings.BENCH_BASELINE:  # bench/intake.py's baseline; never set in production
    urlpatterns.append(path("bench/baseline/", include("bench.baseline.urls")))
