from django.urls import path

from website import views

app_name = "website"

# Norwegian addresses in every language (/ar/hjelp/): the address names the page, the prefix the
# language (kernel.languages.resident_patterns in the root URLconf).
urlpatterns = [
    path("", views.start, name="start"),
    path("hjelp/", views.help_services, name="help"),
    path("tilgjengelighet/", views.accessibility, name="accessibility"),
    path("personvern/", views.privacy, name="privacy"),
]
