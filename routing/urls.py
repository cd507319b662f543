from django.urls import path

from routing import views

app_name = "routing"

urlpatterns = [
    path("henvisning/<str:token>/", views.referral_link, name="referral_link"),
]
