from django.urls import path

from oversight import api

app_name = "audit"

urlpatterns = [
    path("events/", api.AuditEventList.as_view(), name="events"),
    path("access-report/", api.AccessReport.as_view(), name="access-report"),
]
