from django.urls import path

from .views import home, imports

app_name = "helpdesk"

urlpatterns = [
    path("", home.home, name="home"),
    path("imports/", imports.imports, name="imports"),
    path("imports/new/", imports.import_new, name="import-new"),
    path("imports/<int:job_id>/", imports.import_job, name="import"),
    path("imports/<int:job_id>/status/", imports.import_status, name="import-status"),
    path("imports/<int:job_id>/rejected.csv", imports.import_rejected, name="import-rejected"),
    path("imports/<int:job_id>/retry/", imports.import_retry, name="import-retry"),
]
