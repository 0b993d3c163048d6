from django.urls import path

from .views import home

app_name = "helpdesk"

urlpatterns = [
    path("", home.home, name="home"),
]
