"""The policy builder's pages, under /evidence/ (included by evidence/urls.py)."""

from django.urls import path

from . import policy_views

urlpatterns = [
    path("policies/", policy_views.policy_list, name="policy-list"),
    path("policies/made/<int:job_id>/", policy_views.policy_job, name="policy-job"),
    path("policies/made/<int:job_id>/use/", policy_views.policy_use, name="policy-use"),
    path("policies/<slug:key>/", policy_views.policy_builder, name="policy-builder"),
]
