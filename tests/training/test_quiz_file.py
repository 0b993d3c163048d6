"""The frontline quiz file: the real one is sound, and a bad one is refused with every problem
listed, by the loader and by the system check that runs at start-up."""

from pathlib import Path

import pytest
import yaml
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from training.apps import check_quiz_file
from training.quiz_file import QuizFileError, quiz_current, quiz_forget, quiz_parse, quiz_read

REAL_FILE = Path(django_settings.BASE_DIR) / "fixtures" / "frontline-quiz.yaml"


@pytest.fixture
def document():
    return yaml.safe_load(REAL_FILE.read_text(encoding="utf-8"))


def problems_of(document) -> tuple[str, ...]:
    with pytest.raises(QuizFileError) as caught:
        quiz_parse(yaml.safe_dump(document, sort_keys=False))
    return caught.value.problems


def test_the_real_file_loads():
    quiz = quiz_read(REAL_FILE)
    assert quiz.version >= 1
    assert [outcome.key for outcome in quiz.outcomes] == [
        "personal-information",
        "keeping-safe",
        "sharing-properly",
        "breaches",
    ]
    assert 12 <= quiz.question_count <= 16
    for outcome in quiz.outcomes:
        assert len(outcome.questions) >= 3, outcome.key
        assert outcome.title
        assert outcome.revisit
        for question in outcome.questions:
            assert 3 <= len(question.options) <= 4, question.key
            assert question.answer in question.option_keys
            assert question.explanation


def test_options_keep_the_order_of_the_file(document):
    quiz = quiz_parse(yaml.safe_dump(document, sort_keys=False))
    first = document["outcomes"][0]["questions"][0]
    assert [option.text for option in quiz.questions[0].options] == [
        option["text"] for option in first["options"]
    ]


def test_the_setting_names_the_file_and_it_is_read_once(settings, tmp_path, document):
    document["version"] = 7
    path = tmp_path / "quiz.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    settings.DSPT_QUIZ_FILE = path
    quiz_forget()
    try:
        assert quiz_current().version == 7
        path.write_text("not: [valid", encoding="utf-8")
        assert quiz_current().version == 7  # read once per process
    finally:
        quiz_forget()


def test_a_duplicate_question_key(document):
    document["outcomes"][1]["questions"][0]["key"] = "what-is-personal"
    assert any(
        "'what-is-personal' is given to more than one question" in p for p in problems_of(document)
    )


def test_an_answer_that_is_not_an_option(document):
    document["outcomes"][0]["questions"][0]["answer"] = "z"
    assert any(
        p.startswith("question what-is-personal: answer must be the key of one of its options")
        for p in problems_of(document)
    )


def test_too_few_and_too_many_options(document):
    questions = document["outcomes"][0]["questions"]
    questions[0]["options"] = questions[0]["options"][:2]
    questions[1]["options"] = [
        *questions[1]["options"],
        {"key": "d", "text": "Four"},
        {"key": "e", "text": "Five"},
    ]
    found = problems_of(document)
    assert "question what-is-personal: has 2 options; a question has 3 or 4" in found
    assert "question what-is-sensitive: has 5 options; a question has 3 or 4" in found


def test_a_duplicate_option_key(document):
    document["outcomes"][0]["questions"][0]["options"][1]["key"] = "a"
    assert "question what-is-personal: option key 'a' is given more than once" in problems_of(
        document
    )


def test_an_outcome_with_too_few_questions(document):
    document["outcomes"][3]["questions"] = document["outcomes"][3]["questions"][:2]
    assert "outcome breaches: has 2 questions; each outcome needs at least 3" in problems_of(
        document
    )


def test_missing_text_and_a_bad_key(document):
    question = document["outcomes"][0]["questions"][0]
    del question["explanation"]
    document["outcomes"][1]["key"] = "Keeping Safe"
    found = problems_of(document)
    assert "question what-is-personal, explanation: must be some text" in found
    assert "outcome 2: key must be a short lower-case token, not 'Keeping Safe'" in found


def test_a_version_that_is_not_a_whole_number(document):
    document["version"] = "one"
    assert "version: must be a whole number, 1 or more, not 'one'" in problems_of(document)


def test_every_problem_is_listed_at_once(document):
    document["version"] = 0
    document["outcomes"][0]["questions"][0]["answer"] = "z"
    document["outcomes"][2]["title"] = ""
    found = problems_of(document)
    assert len(found) == 3
    with pytest.raises(QuizFileError) as caught:
        quiz_parse(yaml.safe_dump(document))
    assert caught.value.message.startswith("3 problems in the frontline quiz file")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "the file must be a YAML mapping (version:, outcomes:)"),
        ("- a\n- b\n", "the file must be a YAML mapping (version:, outcomes:)"),
        ("version: 1\n", "outcomes: must be a list of learning outcomes"),
    ],
)
def test_files_that_are_not_a_quiz(text, problem):
    with pytest.raises(QuizFileError) as caught:
        quiz_parse(text)
    assert problem in caught.value.problems


def test_not_yaml_and_too_big():
    with pytest.raises(QuizFileError, match="not valid YAML"):
        quiz_parse("version: [1")
    with pytest.raises(QuizFileError, match="a quiz file may be at most"):
        quiz_parse("#" * 200_000)


def test_a_missing_file(tmp_path):
    with pytest.raises(QuizFileError, match="cannot read the file"):
        quiz_read(tmp_path / "nowhere.yaml")


def test_the_system_check_passes_with_the_real_file():
    quiz_forget()
    assert check_quiz_file(None) == []


@pytest.mark.parametrize(
    "text", ["version: [1", "version: 1\noutcomes: []\n", "version: 1\noutcomes:\n  - key: x\n"]
)
def test_a_bad_file_stops_the_portal_at_start_up(settings, tmp_path, text):
    path = tmp_path / "quiz.yaml"
    path.write_text(text, encoding="utf-8")
    settings.DSPT_QUIZ_FILE = path
    quiz_forget()
    try:
        errors = check_quiz_file(None)
        assert [error.id for error in errors] == ["training.E001"]
        assert "in the frontline quiz file" in errors[0].msg
        with pytest.raises(SystemCheckError, match=r"training\.E001"):
            call_command("check")
    finally:
        quiz_forget()
