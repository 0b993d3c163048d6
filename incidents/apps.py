from django.apps import AppConfig
from django.core import checks


class IncidentsConfig(AppConfig):
    name = "incidents"

    def ready(self) -> None:
        checks.register(check_scales_file)


def check_scales_file(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """A bad scales file stops the portal at start-up with every problem listed, rather than on
    the first person's report."""
    from .scales import ScalesError, scales_current

    try:
        scales_current()
    except ScalesError as error:
        return [checks.Error(error.message, id="incidents.E001")]
    return []
