"""Sessions in the database, as Django's own store keeps them, read through a prepared statement.

Every signed-in request reads its session first. On PostgreSQL the read is a statement prepared
once per connection (dspt_portal/compiled_queries.py, ADR 16): building the query in the ORM and
PostgreSQL planning it cost more than answering it. Writing, expiry and the table are Django's.
Sessions stay in the database, never only in Redis: losing Redis signs nobody out.
"""

from __future__ import annotations

from django.contrib.sessions.backends import db
from django.db import router
from django.utils import timezone

from dspt_portal.compiled_queries import prepared_cursor, prepares_statements


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        using = router.db_for_read(self.model)
        if not prepares_statements(using):
            return super()._get_session_from_db()
        table = self.model._meta.db_table
        with prepared_cursor(using) as cursor:
            cursor.execute(
                f'SELECT "session_data", "expire_date" FROM "{table}" '
                'WHERE "session_key" = %s AND "expire_date" > %s',
                [self.session_key, timezone.now()],
            )
            row = cursor.fetchone()
        if row is None:
            # As Django's store: a session missing or ended has no key until it is saved anew.
            self._session_key = None
            return None
        return self.model(session_key=self.session_key, session_data=row[0], expire_date=row[1])
