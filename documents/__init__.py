"""Documents people download: asked for on a page, made by a Celery worker, fetched when ready.

`models` (DocumentJob), `services` (asking for a document, "Try again"), `tasks` (thin: take a job
id, call `jobs`), `jobs` (making one: read the database, call a builder, store the file),
`builders` (plain data in, the file's bytes out), `views`. See docs/adr/0005-documents-as-jobs.md.
"""
