"""Documents people download: the assessment spreadsheet (as it stands, or as published), the
certificate and the action plan template.

Plain functions (no Django imports, a test checks): plain data in, the file's bytes out. The data
is read from the database by `documents.selectors`; `documents.jobs` (background documents) and
`documents.views` (the action plan template, made at once) call them and hand the bytes on.
"""
