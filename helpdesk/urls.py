from django.urls import path

from .views import home, withdraw

app_name = "helpdesk"

urlpatterns = [
    path("", home.home, name="home"),
    path("publications/", withdraw.publication_find, name="publication-find"),
    path(
        "publications/<int:pk>/withdraw/",
        withdraw.publication_withdraw,
        name="publication-withdraw",
    ),
]
