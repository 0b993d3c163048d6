from django.apps import AppConfig
from django.core import checks


class EvidenceConfig(AppConfig):
    name = "evidence"

    def ready(self) -> None:
        from .policy_checks import check_policy_texts

        checks.register(check_policy_texts)
