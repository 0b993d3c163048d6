from django.apps import AppConfig
from django.core import checks


class IncidentsConfig(AppConfig):
    name = "incidents"

    def ready(self) -> None:
        checks.register(check_scales_file)
        # The incident log's panel shows on these evidence items: their pages are drawn afresh.
        from assessments.kept_pages import never_keep_items

        from .templatetags.incident_evidence import EVIDENCE_REFS

        never_keep_items(EVIDENCE_REFS)


def check_scales_file(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """A bad scales file stops the portal at start-up with every problem listed, rather than on
    the first person's report."""
    from .scales import ScalesError, scales_current

    try:
        scales_current()
    except ScalesError as error:
        return [checks.Error(error.message, id="incidents.E001")]
    return []
