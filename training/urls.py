from django.urls import URLPattern, path  # noqa: F401

urlpatterns: list[URLPattern] = []

# The frontline quiz (training/quiz_urls.py).
from .quiz_urls import urlpatterns as quiz_urlpatterns  # noqa: E402

urlpatterns += quiz_urlpatterns
