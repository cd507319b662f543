from django.conf import settings
from django.contrib import admin
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


def readyz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database = "ok"
    except Exception:
        database = "unavailable"
    if app.conf.task_always_eager:
        broker = "none (tasks run in-process)"
    else:
        try:
            with app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, timeout=1)
            broker = "ok"
        except Exception:
            broker = "unavailable"
    status = 200 if database == "ok" else 503
    return JsonResponse({"database": database, "broker": broker}, status=status)


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("i18n/", include("django.conf.urls.i18n")),
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
