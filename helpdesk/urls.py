from django.urls import path, re_path

from .views import cases, home, news

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
]
