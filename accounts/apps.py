from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts, sign-in and two-factor authentication"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (connects the sign-in receivers)
