from django.urls import path

from .views import actions, home

app_name = "helpdesk"

urlpatterns = [
    path("", home.home, name="home"),
    path("requests/", actions.requests_list, name="requests"),
    path("requests/<int:request_id>/", actions.request_detail, name="request"),
    path("organisations/<str:ods_code>/suspend/", actions.suspend, name="suspend"),
    path("organisations/<str:ods_code>/reinstate/", actions.reinstate, name="reinstate"),
    path("organisations/<str:ods_code>/hq/link/", actions.hq_link, name="hq-link"),
    path("organisations/<str:ods_code>/hq/unlink/", actions.hq_unlink, name="hq-unlink"),
    path("people/<int:user_id>/", actions.person, name="person"),
    path(
        "people/<int:user_id>/administrator/<int:organisation_id>/",
        actions.make_administrator,
        name="make-administrator",
    ),
    path("people/<int:user_id>/unlock/", actions.unlock, name="unlock"),
    path("people/<int:user_id>/two-factor/", actions.reset_two_factor, name="reset-two-factor"),
    path(
        "invitations/<int:invitation_id>/send-again/",
        actions.invitation_resend,
        name="invitation-resend",
    ),
    path(
        "invitations/<int:invitation_id>/cancel/",
        actions.invitation_cancel,
        name="invitation-cancel",
    ),
]
