from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("register/", views.register, name="register"),
    path("register/confirm/", views.register_confirm, name="register-confirm"),
    path("register/helpdesk/", views.register_helpdesk, name="register-helpdesk"),
    path("register/complete/<str:token>/", views.register_complete, name="register-complete"),
    path(
        "register/complete/<str:token>/new-link/",
        views.register_new_link,
        name="register-new-link",
    ),
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
]
