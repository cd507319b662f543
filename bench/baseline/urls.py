from django.urls import path

from bench.baseline.api import BaselineEnquiryCreate

urlpatterns = [path("enquiries/", BaselineEnquiryCreate.as_view(), name="bench-baseline-enquiries")]
