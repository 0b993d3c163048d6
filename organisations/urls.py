from django.urls import path

from . import mfa_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in/", views.sign_in, name="sign-in"),
    path("sign-out/", views.sign_out, name="sign-out"),
    path("password-reset/", views.password_reset, name="password-reset"),
    path("password-reset/sent/", views.password_reset_sent, name="password-reset-sent"),
    path(
        "password-reset/<uidb64>/<token>/",
        views.password_reset_confirm,
        name="password-reset-confirm",
    ),
    path("password-reset/complete/", views.password_reset_complete, name="password-reset-complete"),
    path("register/", views.register, name="register"),
    path("register/confirm/", views.register_confirm, name="register-confirm"),
    path("register/helpdesk/", views.register_helpdesk, name="register-helpdesk"),
    path("register/complete/<str:token>/", views.register_complete, name="register-complete"),
    path("change-organisation/", views.organisation_change, name="organisation-change"),
    path("organisation/profile/", views.profile, name="profile"),
    path("organisation/profile/change/", views.profile_edit, name="profile-edit"),
    path("organisation/users/", views.people_list, name="people-list"),
    path("organisation/users/invite/", views.people_invite, name="people-invite"),
    path(
        "organisation/users/<int:membership_id>/role/",
        views.people_change_role,
        name="people-change-role",
    ),
    path(
        "organisation/users/<int:membership_id>/remove/",
        views.people_remove,
        name="people-remove",
    ),
    path(
        "organisation/invitations/<int:invitation_id>/cancel/",
        views.invitation_cancel,
        name="invitation-cancel",
    ),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation-accept"),
    path("organisation/activity/", views.activity, name="activity"),
    path("account/", mfa_views.account, name="account"),
    path("account/two-factor/set-up/", mfa_views.mfa_setup, name="mfa-setup"),
    path("account/two-factor/verify/", mfa_views.mfa_verify, name="mfa-verify"),
    path(
        "account/two-factor/recovery-codes/",
        mfa_views.mfa_recovery_codes,
        name="mfa-recovery-codes",
    ),
    path("account/two-factor/remove/", mfa_views.mfa_remove, name="mfa-remove"),
]
