from django.urls import path

from . import views

urlpatterns = [
    path("sign-in/", views.sign_in, name="sign-in"),
    path("sign-out/", views.sign_out, name="sign-out"),
    path("session/extend/", views.session_extend, name="session-extend"),
    path("session/status/", views.session_status, name="session-status"),
    path("password-reset/", views.password_reset, name="password-reset"),
    path("password-reset/sent/", views.password_reset_sent, name="password-reset-sent"),
    path(
        "password-reset/<uidb64>/<token>/",
        views.password_reset_confirm,
        name="password-reset-confirm",
    ),
    path("password-reset/complete/", views.password_reset_complete, name="password-reset-complete"),
    path("account/", views.account, name="account"),
    path("account/two-factor/set-up/", views.mfa_setup, name="mfa-setup"),
    path("account/two-factor/verify/", views.mfa_verify, name="mfa-verify"),
    path(
        "account/two-factor/recovery-codes/",
        views.mfa_recovery_codes,
        name="mfa-recovery-codes",
    ),
    path("account/two-factor/remove/", views.mfa_remove, name="mfa-remove"),
]
