from django.apps import AppConfig
from django.core import checks


class TrainingConfig(AppConfig):
    name = "training"

    def ready(self) -> None:
        checks.register(check_quiz_file)


def check_quiz_file(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """A bad frontline quiz file stops the portal at start-up with every problem listed, rather
    than a care worker halfway through the quiz."""
    from .quiz_file import QuizFileError, quiz_current

    try:
        quiz_current()
    except QuizFileError as error:
        return [checks.Error(error.message, id="training.E001")]
    return []
