from django.urls import path

from intake import views

app_name = "intake"

urlpatterns = [
    path("meld/", views.enquiry_form, name="public_form"),
    path("meld/status/", views.status, name="public_status"),
]
