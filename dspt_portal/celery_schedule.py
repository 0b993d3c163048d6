"""Celery beat's timetable. Imported into the settings as CELERY_BEAT_SCHEDULE.

Times are in CELERY_TIMEZONE (Europe/London, the same as TIME_ZONE), so 07:00 stays 07:00 UK time
through the clock changes.
"""

from celery.schedules import crontab

CELERY_BEAT_SCHEDULE = {
    "send-deadline-reminders": {
        "task": "publishing.send_deadline_reminders",
        "schedule": crontab(hour=7, minute=0),
        # A run still queued the next morning is dropped: the next day's run does its work.
        "options": {"expires": 60 * 60 * 23},
    },
    # Document jobs stuck long past their time (documents/jobs.py) are marked failed, so their
    # page offers "Try again". A run not started within its interval is dropped: the next one
    # does the same work.
    "fail-abandoned-document-jobs": {
        "task": "publishing.fail_abandoned_document_jobs",
        "schedule": 5 * 60,
        "options": {"expires": 4 * 60},
    },
    # The same for the helpdesk's directory imports (helpdesk/imports.py).
    "fail-abandoned-import-jobs": {
        "task": "helpdesk.fail_abandoned_import_jobs",
        "schedule": 5 * 60,
        "options": {"expires": 4 * 60},
    },
    # Incident notifications stuck long past their time (incidents/notify_rules.py) are marked
    # failed, so the incident's page offers "Try again".
    "fail-abandoned-incident-notifications": {
        "task": "incidents.fail_abandoned_notifications",
        "schedule": 5 * 60,
        "options": {"expires": 4 * 60},
    },
    # Reminders to finish a draft incident report, 48 and 66 hours after discovery
    # (incidents/reminder_rules.py). Every 10 minutes, so none is more than 10 minutes late.
    "send-incident-reminders": {
        "task": "incidents.send_reminders",
        "schedule": 10 * 60,
        "options": {"expires": 9 * 60},
    },
    # The monthly staff training reminder (training/reminders.py): the first of each month in
    # the morning; sent once per organisation and month, so a rerun sends nothing twice.
    "send-training-reminders": {
        "task": "training.send_reminders",
        "schedule": crontab(day_of_month=1, hour=8, minute=0),
        "options": {"expires": 60 * 60 * 23},
    },
    # Evidence files no row refers to (a web process killed mid-upload, a write cut short).
    "remove-orphan-evidence-files": {
        "task": "assessments.remove_orphan_evidence_files",
        "schedule": 60 * 60,
        "options": {"expires": 50 * 60},
    },
    # The open data file of the whole register (register/services.py), made each night; a run
    # still queued the next night is dropped, the next one makes the file.
    "build-open-data": {
        "task": "register.build_open_data",
        "schedule": crontab(hour=2, minute=30),
        "options": {"expires": 60 * 60 * 23},
    },
    # Session rows that ended more than DSPT_ENDED_SESSIONS_KEPT_HOURS ago (accounts/sessions.py);
    # recently ended ones stay, so the sign-in page can still say why someone was signed out.
    "remove-ended-sessions": {
        "task": "accounts.remove_ended_sessions",
        "schedule": crontab(hour=3, minute=15),
        "options": {"expires": 60 * 60 * 23},
    },
    # Proof for /health/ that beat, Redis and a worker all work (dspt_portal/tasks.py).
    "worker-heartbeat": {
        "task": "dspt_portal.worker_heartbeat",
        "schedule": 60,
        "options": {"expires": 55},
    },
}
