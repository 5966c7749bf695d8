"""The hub's own routes under /accounts/; allauth's (password reset, e-mail, 2fa/...) follow them in hub/urls.py.

Routes here that share a path with allauth's take its place: the sign-in keeps its old name, the sessions
page offers "sign out everywhere", and the recovery-code pages audit each showing.
"""

from allauth.account.views import logout
from django.urls import path

from apps.accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", logout, name="logout"),
    path("sessions/", views.sessions, name="sessions"),
    path("sessions/end-all/", views.sign_out_everywhere, name="sign_out_everywhere"),
    path("2fa/recovery-codes/", views.AuditedRecoveryCodesView.as_view(), name="recovery_codes"),
    path(
        "2fa/recovery-codes/download/",
        views.AuditedRecoveryCodesDownloadView.as_view(),
        name="recovery_codes_download",
    ),
]
