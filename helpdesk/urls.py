from django.urls import path, re_path

from .views import actions, cases, home, imports, news, withdraw

app_name = "helpdesk"

# Directory codes hold letters, digits, hyphens and (test accounts) spaces; lower case and stray
# spaces are redirected to the normalised address, as on the public register.
ODS_CODE = r"(?P<ods_code>[A-Za-z0-9 \-]{1,40})"

urlpatterns = [
    path("", home.home, name="home"),
    path("find/", cases.find, name="find"),
    re_path(rf"^organisations/{ODS_CODE}/$", cases.case, name="case"),
    re_path(rf"^organisations/{ODS_CODE}/activity/$", cases.case_activity, name="case-activity"),
    path("news/", news.news, name="news"),
    path("news/publish/", news.news_publish, name="news-publish"),
    path("news/<int:notice_id>/withdraw/", news.news_withdraw, name="news-withdraw"),
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
    path("publications/", withdraw.publication_find, name="publication-find"),
    path(
        "publications/<int:pk>/withdraw/",
        withdraw.publication_withdraw,
        name="publication-withdraw",
    ),
    path("imports/", imports.imports, name="imports"),
    path("imports/new/", imports.import_new, name="import-new"),
    path("imports/<int:job_id>/", imports.import_job, name="import"),
    path("imports/<int:job_id>/status/", imports.import_status, name="import-status"),
    path("imports/<int:job_id>/rejected.csv", imports.import_rejected, name="import-rejected"),
    path("imports/<int:job_id>/retry/", imports.import_retry, name="import-retry"),
]
