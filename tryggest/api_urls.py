"""/api/v1/: the services' and the team's API (API.md). /api/v1/audit/ and /api/v1/stats/ are
included separately in tryggest/urls.py by their own apps."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from casework import api as casework_api
from casework import api_work, persons_api
from intake import api as intake_api
from routing import api as routing_api

app_name = "api"

urlpatterns = [
    path("enquiries/", casework_api.EnquiryListCreate.as_view(), name="enquiry-list"),
    path("enquiries/<str:pk>/", casework_api.EnquiryDetailView.as_view(), name="enquiry-detail"),
    path(
        "enquiries/<str:pk>/assessment/",
        casework_api.EnquiryAssess.as_view(),
        name="enquiry-assessment",
    ),
    path(
        "enquiries/<str:pk>/forward/", casework_api.EnquiryForward.as_view(), name="enquiry-forward"
    ),
    path("enquiries/<str:pk>/close/", casework_api.EnquiryClose.as_view(), name="enquiry-close"),
    path("enquiries/<str:pk>/reopen/", casework_api.EnquiryReopen.as_view(), name="enquiry-reopen"),
    path(
        "enquiries/<str:pk>/suggestions/",
        casework_api.EnquirySuggestions.as_view(),
        name="enquiry-suggestions",
    ),
    path("enquiries/<str:pk>/journal/", api_work.EnquiryJournal.as_view(), name="enquiry-journal"),
    path("enquiries/<str:pk>/assign/", api_work.EnquiryAssign.as_view(), name="enquiry-assign"),
    path(
        "enquiries/<str:pk>/duty-decisions/",
        routing_api.EnquiryDutyDecisions.as_view(),
        name="enquiry-duty-decisions",
    ),
    # The same adult (issue 17): casework/persons_api.py
    path(
        "enquiries/<str:pk>/related/",
        persons_api.EnquiryRelated.as_view(),
        name="enquiry-related",
    ),
    path("enquiries/<str:pk>/links/", persons_api.EnquiryLinks.as_view(), name="enquiry-links"),
    path(
        "enquiries/<str:pk>/links/<str:link_id>/",
        persons_api.EnquiryLinkUndo.as_view(),
        name="enquiry-link",
    ),
    path("persons/search/", persons_api.PersonSearch.as_view(), name="persons-search"),
    path(
        "assessment-instrument/",
        intake_api.AssessmentInstrumentView.as_view(),
        name="assessment-instrument",
    ),
    path("referrals/", routing_api.ReferralList.as_view(), name="referral-list"),
    path("referrals/<str:pk>/", routing_api.ReferralDetail.as_view(), name="referral-detail"),
    path(
        "referrals/<str:pk>/acknowledge/",
        routing_api.ReferralAcknowledge.as_view(),
        name="referral-acknowledge",
    ),
    path(
        "referrals/<str:pk>/decline/",
        routing_api.ReferralDecline.as_view(),
        name="referral-decline",
    ),
    path(
        "referrals/<str:pk>/complete/",
        routing_api.ReferralComplete.as_view(),
        name="referral-complete",
    ),
    path("services/", routing_api.HelpServiceList.as_view(), name="service-list"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's initialiser as a file: nothing inline for the CSP.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
]
