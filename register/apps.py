from django.apps import AppConfig


class RegisterConfig(AppConfig):
    name = "register"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (connects what makes kept register answers stale)
