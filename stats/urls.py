from django.urls import path

from stats import api, views

app_name = "stats"

api_urlpatterns = [path("", api.StatisticsView.as_view(), name="api")]
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("arsrapport/", views.yearly_report, name="yearly"),
]
