from django.apps import AppConfig
from django.core import checks


class TrainingConfig(AppConfig):
    name = "training"

    def ready(self) -> None:
        checks.register(check_quiz_file)
        # The training register's panel shows on these evidence items: their pages are drawn
        # afresh.
        from assessments.kept_pages import never_keep_items

        from . import fill
        from .templatetags.training_evidence import NEEDS_ANALYSIS_REF

        never_keep_items({fill.ITEM_REF, NEEDS_ANALYSIS_REF})


def check_quiz_file(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """A bad frontline quiz file stops the portal at start-up with every problem listed, rather
    than a care worker halfway through the quiz."""
    from .quiz_file import QuizFileError, quiz_current

    try:
        quiz_current()
    except QuizFileError as error:
        return [checks.Error(error.message, id="training.E001")]
    return []
