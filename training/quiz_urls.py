"""The frontline quiz's addresses, included at the end of training/urls.py."""

from django.urls import path

from . import quiz_views

urlpatterns = [
    path("people/<int:staff_id>/quiz/", quiz_views.quiz_staff, name="quiz-staff"),
    path("people/<int:staff_id>/quiz/links/", quiz_views.quiz_link_create, name="quiz-link-create"),
    path("quiz-links/<int:link_id>/email/", quiz_views.quiz_link_email, name="quiz-link-email"),
    path("quiz-links/<int:link_id>/revoke/", quiz_views.quiz_link_revoke, name="quiz-link-revoke"),
    path("quiz-results/", quiz_views.quiz_results, name="quiz-results"),
    # The taker's pages: the link's secret is the address (no account, no cookie).
    path("quiz/<str:token>/", quiz_views.quiz_take_start, name="quiz-take-start"),
    path(
        "quiz/<str:token>/questions/<int:page>/",
        quiz_views.quiz_take_page,
        name="quiz-take-page",
    ),
    path("quiz/<str:token>/result/", quiz_views.quiz_take_result, name="quiz-take-result"),
]
