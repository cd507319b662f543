"""The sign-in pages (accounts.views), mounted by tryggest/urls.py before the admin's own."""

from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from django_otp_webauthn import views as webauthn_views

from accounts import views

# django-otp-webauthn's endpoints under the sign-in pages (reachable before the second factor),
# with the two that finish a ceremony replaced by ours (accounts.views).
webauthn_patterns = (
    [
        path(
            "registration/begin/",
            webauthn_views.BeginCredentialRegistrationView.as_view(),
            name="credential-registration-begin",
        ),
        path(
            "registration/complete/",
            views.SecurityKeyRegistrationComplete.as_view(),
            name="credential-registration-complete",
        ),
        path(
            "authentication/begin/",
            webauthn_views.BeginCredentialAuthenticationView.as_view(),
            name="credential-authentication-begin",
        ),
        path(
            "authentication/complete/",
            views.SecurityKeyAuthenticationComplete.as_view(),
            name="credential-authentication-complete",
        ),
        path(
            "jsi18n/",
            JavaScriptCatalog.as_view(packages=["django_otp_webauthn"]),
            name="js-i18n-catalog",
        ),
    ],
    "otp_webauthn",
)

urlpatterns = [
    path("admin/login/", views.password_step, name="signin"),
    path("admin/login/verify/", views.verify_step, name="signin-verify"),
    path("admin/login/enrol/", views.enrol_step, name="signin-enrol"),
    path("admin/login/recovery-codes/", views.recovery_codes, name="signin-recovery-codes"),
    path("admin/login/webauthn/", include(webauthn_patterns)),
    path("admin/security/", views.security, name="admin-security"),
]
