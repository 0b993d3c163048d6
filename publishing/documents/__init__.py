"""Documents people download: the assessment spreadsheet and the certificate.

Plain functions (no Django imports, a test checks): plain data in, the file's bytes out. The
callers in `publishing.jobs` gather the data from the database and store what comes back.
"""
