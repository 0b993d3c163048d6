#!/usr/bin/env python
"""`make bench`: the portal's speed at national scale, on PostgreSQL behind gunicorn, measured.

    .venv/bin/python scripts/bench.py            # the full run (30 s load test)
    .venv/bin/python scripts/bench.py --quick    # shorter load test, fewer samples (development)

1. Makes sure PostgreSQL and Redis listen on loopback (scripts/services.sh start; stopped again
   afterwards only if this run started them).
2. Uses its own database, dspt_bench: migrates it and generates the national-scale data set once
   (manage.py generate_scale_data: 300,000 organisations, 75,000 assessments, 120,000 publications).
3. Starts gunicorn (2 sync workers, like docker-compose.yml) on a free loopback port with the
   production settings (a throwaway secret key, static files collected into a temporary folder and
   served by WhiteNoise, Redis as cache), plus the floor view (dspt_portal/bench_views.py).
4. Measures, with a small thread-pool client (http.client), p50/p95/p99 and throughput of: the
   floor, the signed-out start page, the public search (substring, prefix, exact code, and a
   broad word), organisations' public status pages, the assessment overview and an evidence item,
   saving an answer, and the publish pages and pressing Publish for the 500-branch HQ (signed in
   through the sign-in form; the publications made are deleted again). Then a load test of the
   public search with wrk, with the CPU each request cost the web workers and PostgreSQL.
   In-process: publication_create for the 500-branch HQ (time and query count, rolled back),
   the document builders (manage.py bench_documents), and the times the fault tests leave out
   (they assert behaviour only): a rate-limited request and sending a document job with Redis
   refusing connections or frozen, and importing the 2019 directory export (rolled back); the
   bulk status check for 5,000 codes and the open data file of the whole register.
5. Prints a table (each page also as a multiple of the floor) and writes bench-results.json.

Options: --quick (10 s load test, 100 requests a page), --workers N, --small (a dry run on a
small data set), --patch FILE (imported by the server first: measure a proposed change before
making it), --output PATH.

Every request goes to 127.0.0.1 only; every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import io
import itertools
import json
import math
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PG_PORT = int(os.environ.get("PG_PORT", "5432"))
REDIS_PORT = int(os.environ.get("REDIS_PORT", "6379"))
DB_USER = DB_PASSWORD = "dspt"
HOST = "127.0.0.1"
YEAR = "2025-26"

# Targets for this machine (2 cores) at 300,000 organisations; see docs/deploy.md.
TARGET_SEARCH_P95_MS = 20.0
# An organisation's public page, the assessment overview and an evidence item, against the floor.
TARGET_PAGE_FLOOR_RATIO = 5.0
TARGET_PUBLISH_MS = 1000.0
TARGET_PUBLISH_QUERIES = 60
TARGET_XLSX_MS = 500.0
TARGET_CERTIFICATE_MS = 1500.0
# The certificate for an HQ publication listing 500 sites.
TARGET_CERTIFICATE_HQ_MS = 1000.0
TARGET_LOAD_RPS = 400.0
# The status badge and the API lookup by code under load (wrk, 2 gunicorn workers).
TARGET_CHEAP_LOAD_RPS = 1000.0
TARGET_API_LOOKUP_P95_MS = 5.0
# Faults (the tests assert the behaviour; these are the times): the cache gives up on Redis after
# a quarter of a second, the broker after two short tries; the import is bulk, not row by row.
TARGET_REDIS_AWAY_MS = 1000.0
TARGET_BROKER_AWAY_MS = 10_000.0
TARGET_DIRECTORY_IMPORT_SECONDS = 60.0
# The bulk status check: 5,000 codes read, looked up and laid out for download, in a few queries.
TARGET_BULK_CHECK_MS = 1000.0
TARGET_BULK_CHECK_QUERIES = 4
# The open data file of the whole register (300,000 organisations).
TARGET_OPEN_DATA_SECONDS = 30.0


# --- Small helpers -------------------------------------------------------------------------------


def say(message: str) -> None:
    print(f"==> {message}", file=sys.stderr, flush=True)


def listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((HOST, port)) == 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def percentile(sorted_values: list[float], share: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(share * len(sorted_values)))
    return sorted_values[rank - 1]


def run(command: list[str], *, env: dict[str, str], quiet: bool = False) -> str:
    result = subprocess.run(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=None if not quiet else subprocess.PIPE,
        text=True,
    )
    if result.returncode != 0:
        sys.stderr.write(result.stdout)
        if quiet and result.stderr:
            sys.stderr.write(result.stderr)
        raise SystemExit(f"bench: {' '.join(command)} failed ({result.returncode})")
    return result.stdout


# --- The stack -----------------------------------------------------------------------------------


class Services:
    """PostgreSQL and Redis through scripts/services.sh. Stopped again only when neither was
    running before this run: services.sh stops whatever its state folder says it started, and a
    server that was already up belongs to someone else (the test suite, a colleague)."""

    def __init__(self) -> None:
        self.started_here = False

    def start(self) -> None:
        already = listening(PG_PORT) or listening(REDIS_PORT)
        subprocess.run(["bash", "scripts/services.sh", "start"], cwd=ROOT, check=True)
        self.started_here = not already

    def stop(self) -> None:
        if self.started_here:
            subprocess.run(["bash", "scripts/services.sh", "stop"], cwd=ROOT, check=False)


def ensure_database(name: str, *, recreate: bool) -> None:
    import psycopg

    with psycopg.connect(
        host=HOST,
        port=PG_PORT,
        user=DB_USER,
        password=DB_PASSWORD,
        dbname="postgres",
        autocommit=True,
    ) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and recreate:
            say(f"Dropping database {name}")
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            say(f"Creating database {name}")
            conn.execute(f'CREATE DATABASE "{name}"')


def scale_state(database_url_kwargs: dict, expected_organisations: int) -> str:
    """ "missing", "ready" or "different" (generated with other sizes)."""
    import psycopg

    with psycopg.connect(**database_url_kwargs) as conn:
        generated = conn.execute(
            "SELECT count(*) FROM organisations_organisation "
            "WHERE ods_code LIKE 'ZZHQ%' OR ods_code LIKE 'ZZS%'"
        ).fetchone()[0]
        if not generated:
            return "missing"
        total = conn.execute("SELECT count(*) FROM organisations_organisation").fetchone()[0]
    return "ready" if total == expected_organisations else "different"


SETTINGS_MODULE = "dspt_bench_settings"
URLS_MODULE = "dspt_bench_urls"


PATCH_MODULE = "dspt_bench_patch"


def write_bench_modules(folder: Path, patch: Path | None = None) -> None:
    """Production settings plus the floor, and a URL list that adds the floor (and /health/)
    whether or not the project's urls.py routes them yet. `patch`: a Python file imported by
    every server process once Django is ready, to measure a proposed change before making it."""
    if patch is not None:
        shutil.copyfile(patch, folder / f"{PATCH_MODULE}.py")
    (folder / f"{SETTINGS_MODULE}.py").write_text(
        textwrap.dedent(
            f"""\
            from dspt_portal.settings.production import *  # noqa: F403

            DSPT_BENCH_FLOOR = True
            STATIC_ROOT = {str(folder / "static")!r}
            ROOT_URLCONF = {URLS_MODULE!r}
            """
        )
    )
    (folder / f"{URLS_MODULE}.py").write_text(
        textwrap.dedent(
            """\
            from django.urls import Resolver404, get_resolver, path

            from dspt_portal import bench_views, health
            from dspt_portal.urls import urlpatterns as project_urlpatterns

            urlpatterns = list(project_urlpatterns)
            {patch_import}
            _project = get_resolver("dspt_portal.urls")
            for _path, _view in (("/bench/floor/", bench_views.floor), ("/health/", health.health)):
                try:
                    _project.resolve(_path)
                except Resolver404:
                    urlpatterns.append(path(_path.lstrip("/"), _view))
            """
        ).replace("{patch_import}", f"import {PATCH_MODULE}  # noqa" if patch else "")
    )


class Gunicorn:
    def __init__(self, *, env: dict[str, str], folder: Path, workers: int = 2):
        self.env = env
        self.port = free_port()
        self.log = folder / "gunicorn.log"
        self.access_log = folder / "access.log"
        self.workers = workers
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        command = [
            PYTHON,
            "-m",
            "gunicorn",
            "dspt_portal.wsgi:application",
            f"--bind={HOST}:{self.port}",
            f"--workers={self.workers}",
            f"--access-logfile={self.access_log}",
            f"--error-logfile={self.log}",
        ]
        self.process = subprocess.Popen(command, cwd=ROOT, env=self.env)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"bench: gunicorn stopped at start; see {self.log}")
            try:
                status, _, _ = Client(self.port).request("GET", "/bench/floor/")
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise SystemExit("bench: gunicorn did not answer within 60 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


# --- The client ----------------------------------------------------------------------------------


class Client:
    """One keep-alive connection (gunicorn's sync workers close it after each response, and
    http.client opens a new one) with a cookie jar."""

    def __init__(self, port: int, cookies: dict[str, str] | None = None):
        self.port = port
        self.connection = http.client.HTTPConnection(HOST, port, timeout=30)
        self.cookies = dict(cookies or {})

    def request(
        self, method: str, path: str, body: dict | None = None
    ) -> tuple[int, bytes, http.client.HTTPResponse]:
        headers = {"Host": HOST}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            data = urlencode(body, doseq=True).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.connection.request(method, path, body=data, headers=headers)
            response = self.connection.getresponse()
            content = response.read()
        except (http.client.HTTPException, OSError):
            self.connection.close()
            raise
        for header in response.msg.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                self.cookies[name] = morsel.value
        if response.getheader("Connection", "").lower() == "close":
            self.connection.close()
        return response.status, content, response

    def close(self) -> None:
        self.connection.close()


def hidden_input(html: str, name: str) -> str:
    match = re.search(
        rf'<input[^>]*name="{re.escape(name)}"[^>]*value="([^"]*)"', html
    ) or re.search(rf'<input[^>]*value="([^"]*)"[^>]*name="{re.escape(name)}"', html)
    if not match:
        raise ValueError(f"no hidden input {name!r} on the page")
    return match.group(1)


def sign_in(port: int, email: str, password: str) -> dict[str, str]:
    """Signs in through the sign-in form, as a person would; returns the cookies."""
    client = Client(port)
    status, content, _ = client.request("GET", "/sign-in/")
    if status != 200:
        raise SystemExit(f"bench: the sign-in page answered {status}")
    token = hidden_input(content.decode(), "csrfmiddlewaretoken")
    status, _, response = client.request(
        "POST",
        "/sign-in/",
        {"csrfmiddlewaretoken": token, "username": email, "password": password, "next": ""},
    )
    client.close()
    if status != 302 or "sessionid" not in client.cookies:
        raise SystemExit(
            f"bench: signing in as {email} answered {status} "
            f"(to {response.getheader('Location')}); is the scale data there?"
        )
    return client.cookies


@dataclass
class Sample:
    name: str
    requests: int
    concurrency: int
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    seconds: float = 0.0
    note: str = ""

    def figures(self) -> dict:
        values = sorted(self.latencies_ms)
        return {
            "requests": self.requests,
            "concurrency": self.concurrency,
            "p50_ms": round(percentile(values, 0.50), 2),
            "p95_ms": round(percentile(values, 0.95), 2),
            "p99_ms": round(percentile(values, 0.99), 2),
            "mean_ms": round(statistics.fmean(values), 2) if values else math.nan,
            "throughput_rps": round(self.requests / self.seconds, 1) if self.seconds else 0.0,
            "errors": self.errors,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "note": self.note,
        }


class Worker:
    """What one client thread asks for: `next()` gives (method, path, body, expected statuses)."""

    def __init__(self, client: Client, requests):
        self.client = client
        self.requests = requests

    def next(self, number: int):
        return self.requests(self, number)


def sample_page(
    name: str,
    *,
    port: int,
    requests_for,  # (worker, number) -> (method, path, body, expected statuses)
    count: int,
    concurrency: int,
    cookies: dict[str, str] | None = None,
    warmup: int = 10,
    note: str = "",
    after=None,  # (worker, status, content) -> None
) -> Sample:
    sample = Sample(name=name, requests=count, concurrency=concurrency, note=note)
    lock = threading.Lock()
    numbers = iter(range(count))
    workers = [Worker(Client(port, cookies), requests_for) for _ in range(concurrency)]

    def one(worker: Worker, number: int, record: bool) -> None:
        method, path, body, expected = worker.next(number)
        started = time.perf_counter()
        try:
            status, content, _ = worker.client.request(method, path, body)
        except (http.client.HTTPException, OSError):
            status, content = 0, b""
        elapsed = (time.perf_counter() - started) * 1000
        if after is not None:
            after(worker, status, content)
        if record:
            with lock:
                sample.latencies_ms.append(elapsed)
                sample.statuses[status] = sample.statuses.get(status, 0) + 1
                if status not in expected:
                    sample.errors += 1

    def loop(worker: Worker) -> None:
        while True:
            with lock:
                number = next(numbers, None)
            if number is None:
                return
            one(worker, number, True)

    for number in range(warmup):
        one(workers[number % concurrency], number, False)
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(loop, workers))
    sample.seconds = time.perf_counter() - started
    for worker in workers:
        worker.client.close()
    return sample


def each_once(paths: list[str], expected=(200,)):
    """Each request (warm-up ones too) asks for the next path: with more paths than requests,
    none is asked twice."""
    counter = itertools.count()

    def requests_for(worker, number):
        return "GET", paths[next(counter) % len(paths)], None, expected

    return requests_for


def rotating(paths: list[str], expected=(200,)):
    def requests_for(worker, number):
        return "GET", paths[number % len(paths)], None, expected

    return requests_for


# --- wrk -----------------------------------------------------------------------------------------


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    say("Installing wrk (Debian package)")
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    subprocess.run([*sudo, "apt-get", "update", "-qq"], check=False)
    subprocess.run(
        [*sudo, "apt-get", "install", "-y", "-qq", "--no-install-recommends", "wrk"],
        check=False,
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
    )
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("bench: wrk is not installed and could not be installed")
    return found


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    return float(match.group(1)) * _UNITS[match.group(2)] if match else math.nan


_TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")


def _processes() -> dict[int, tuple[str, int, float, float]]:
    """pid → (command name, parent pid, CPU ms used so far, CPU ms of its exited children),
    from /proc."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text()
        except OSError:
            continue
        name = raw[raw.index("(") + 1 : raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2 :].split()
        found[int(entry.name)] = (
            name,
            int(fields[1]),
            (int(fields[11]) + int(fields[12])) * _TICK_MS,
            (int(fields[13]) + int(fields[14])) * _TICK_MS,
        )
    return found


def _machine_busy_ms() -> tuple[float, float]:
    """(busy, total) CPU milliseconds of the whole machine so far, all cores."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = values[3] + values[4]
    return (sum(values) - idle) * _TICK_MS, sum(values) * _TICK_MS


class CpuMeter:
    """CPU used during a load test by the gunicorn workers, PostgreSQL, and the whole machine.

    Per process: what each process alive at the end used since the start (or since it started),
    so connections opened or closed meanwhile are neither lost nor counted twice."""

    def __init__(self, gunicorn_pid: int):
        self.gunicorn_pid = gunicorn_pid

    def __enter__(self) -> CpuMeter:
        self.before = _processes()
        self.machine_before = _machine_busy_ms()
        return self

    def __exit__(self, *exc) -> None:
        self.after = _processes()
        self.machine_after = _machine_busy_ms()

    def _used(self, pids) -> float:
        """CPU the processes alive at the end used since the start (or since they started)."""
        return sum(self.after[pid][2] - self.before.get(pid, ("", 0, 0.0, 0.0))[2] for pid in pids)

    def _database_used(self, alive: list[int]) -> float:
        """PostgreSQL backends alive at the end, plus those that ended meanwhile: the postmaster
        adds an ended backend's whole CPU to its children's total, so what that backend had
        used before the test is taken off again."""
        postmasters = [
            pid for pid in alive if self.after.get(self.after[pid][1], ("",))[0] != "postgres"
        ]
        ended = [
            pid
            for pid, (name, *_) in self.before.items()
            if name == "postgres" and pid not in self.after
        ]
        children_before = sum(self.before.get(pid, ("", 0, 0.0, 0.0))[3] for pid in postmasters)
        children_after = sum(self.after[pid][3] for pid in postmasters)
        return (
            self._used(alive)
            + (children_after - children_before)
            - sum(self.before[pid][2] for pid in ended)
        )

    def per_request(self, requests: int) -> dict:
        web = [self.gunicorn_pid] + [
            pid for pid, (_, parent, _, _) in self.after.items() if parent == self.gunicorn_pid
        ]
        database = [pid for pid, (name, *_) in self.after.items() if name == "postgres"]
        busy = self.machine_after[0] - self.machine_before[0]
        total = self.machine_after[1] - self.machine_before[1]
        count = max(requests, 1)
        return {
            "web_cpu_ms_per_request": round(self._used(web) / count, 2),
            "database_cpu_ms_per_request": round(self._database_used(database) / count, 2),
            "machine_cpu_ms_per_request": round(busy / count, 2),
            "machine_busy_share": round(busy / total, 3) if total else 0,
        }


def wrk_load(
    wrk: str,
    *,
    port: int,
    paths: list[str],
    seconds: int,
    folder: Path,
    connections: int = 4,
    gunicorn_pid: int | None = None,
) -> dict:
    script = folder / f"rotate-{len(paths)}.lua"
    lua_paths = ", ".join(json.dumps(p) for p in paths)
    script.write_text(
        textwrap.dedent(
            f"""\
            local paths = {{{lua_paths}}}
            local n = 0
            request = function()
              n = n + 1
              return wrk.format("GET", paths[(n % #paths) + 1], {{["Host"] = "{HOST}"}})
            end
            """
        )
    )
    command = [
        wrk,
        "-t2",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "--latency",
        "-s",
        str(script),
        f"http://{HOST}:{port}{paths[0]}",
    ]
    meter = CpuMeter(gunicorn_pid or 0)
    with meter:
        output = subprocess.run(
            command, capture_output=True, text=True, timeout=seconds + 60
        ).stdout
    result = {
        "seconds": seconds,
        "connections": connections,
        "threads": 2,
        "paths": paths,
        "raw": output,
    }
    match = re.search(r"Requests/sec:\s+([\d.]+)", output)
    result["requests_per_second"] = float(match.group(1)) if match else 0.0
    match = re.search(r"(\d+) requests in", output)
    result["requests"] = int(match.group(1)) if match else 0
    for label in ("50", "75", "90", "99"):
        match = re.search(rf"^\s+{label}%\s+(\S+)", output, re.MULTILINE)
        result[f"p{label}_ms"] = round(_ms(match.group(1)), 2) if match else math.nan
    match = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    result["non_2xx_3xx"] = int(match.group(1)) if match else 0
    match = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    result["socket_errors"] = (
        dict(zip(("connect", "read", "write", "timeout"), map(int, match.groups()), strict=True))
        if match
        else {"connect": 0, "read": 0, "write": 0, "timeout": 0}
    )
    if gunicorn_pid:
        result["cpu"] = meter.per_request(result["requests"])
    # gunicorn's sync workers close every connection after answering; wrk then sees a read of 0
    # bytes on some sockets. Only timeouts, refused connections and bad statuses are failures.
    result["errors"] = (
        result["non_2xx_3xx"]
        + result["socket_errors"]["connect"]
        + result["socket_errors"]["timeout"]
    )
    return result


# --- In-process measurements ---------------------------------------------------------------------


def measure_publishing(runs: int) -> dict:
    """publication_create for the 500-branch HQ (and a small HQ, to show the query count does not
    depend on the branches), each in a transaction rolled back afterwards."""
    from django.db import connection, transaction
    from django.db.models import Count
    from django.test.utils import CaptureQueriesContext

    from assessments.models import Assessment
    from devdata import scale_data
    from organisations.models import Organisation, User
    from publishing import services

    def one(organisation: Organisation, user: User) -> tuple[float, int]:
        assessment = Assessment.objects.select_related("organisation", "bank").get(
            organisation=organisation, bank__year=YEAR
        )
        site_ids = list(
            organisation.branches.filter(
                registration_state=Organisation.RegistrationState.DIRECTORY
            ).values_list("pk", flat=True)
        )
        with transaction.atomic():
            sequence = services.publication_next_sequence(organisation=organisation)
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                publication = services.publication_create(
                    assessment=assessment,
                    level="met",
                    site_ids=site_ids,
                    sequence=sequence,
                    user=user,
                )
                elapsed = (time.perf_counter() - started) * 1000
            assert publication.sites.count() == len(site_ids)
            transaction.set_rollback(True)
        return elapsed, len(queries.captured_queries)

    big = Organisation.objects.get(ods_code=scale_data.BIG_HQ_CODE)
    admin = User.objects.get(email=scale_data.BENCH_ADMIN_EMAIL)
    small = (
        Organisation.objects.filter(
            ods_code__startswith=scale_data.HQ_PREFIX,
            registration_state=Organisation.RegistrationState.REGISTERED,
            publications__level="met",
        )
        .exclude(pk=big.pk)
        .annotate(branch_count=Count("branches", distinct=True))
        .filter(branch_count__range=(2, 5))
        .order_by("ods_code")
        .first()
    )
    one(big, admin)  # warm-up: imports, connection, caches
    timings, queries = [], set()
    for _ in range(runs):
        elapsed, count = one(big, admin)
        timings.append(elapsed)
        queries.add(count)
    timings.sort()
    result = {
        "organisation": big.ods_code,
        "branches": big.branches.count(),
        "runs": runs,
        "median_ms": round(statistics.median(timings), 1),
        "p95_ms": round(percentile(timings, 0.95), 1),
        "max_ms": round(timings[-1], 1),
        "queries": max(queries),
    }
    if small is not None:
        small_admin = small.memberships.filter(role="administrator").first().user
        _, small_queries = one(small, small_admin)
        result["small_hq"] = {
            "organisation": small.ods_code,
            "branches": small.branch_count,
            "queries": small_queries,
        }
    return result


def measure_register_files(runs: int) -> dict:
    """The bulk status check for 5,000 codes (4,900 in the directory, 100 not; reading them as
    pasted, the lookup and the CSV download's rows) with its query count, and the open data file
    of the whole register (made once; its row and file are removed again)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from organisations.models import Organisation
    from register import bulk_views
    from register.bulk_input import BULK_ROW_LIMIT, bulk_codes_from_text
    from register.models import OpenDataFile
    from register.search import organisation_statuses_by_code
    from register.services import open_data_file_build

    known = list(
        # Codes of letters and digits only: a directory code with a space or comma would be
        # read as two rows of the pasted list.
        Organisation.objects.filter(ods_code__regex=r"^[A-Z0-9]+$")
        .order_by("?")
        .values_list("ods_code", flat=True)[: BULK_ROW_LIMIT - 100]
    )
    pasted = "\n".join(
        [code.lower() for code in known]
        + [f"VZZ{n:03d}" for n in range(BULK_ROW_LIMIT - len(known))]
    )

    def one() -> tuple[float, int]:
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            parsed = bulk_codes_from_text(pasted)
            statuses = organisation_statuses_by_code(codes=parsed.codes)
            bulk_views._bulk_rows(statuses)
            elapsed = (time.perf_counter() - started) * 1000
        assert len(parsed.codes) == BULK_ROW_LIMIT
        return elapsed, len(queries.captured_queries)

    one()  # warm-up
    timings, queries = [], set()
    for _ in range(runs):
        elapsed, count = one()
        timings.append(elapsed)
        queries.add(count)
    timings.sort()
    started = time.perf_counter()
    record = open_data_file_build()
    open_data_seconds = time.perf_counter() - started
    result = {
        "bulk_check_5000": {
            "codes": BULK_ROW_LIMIT,
            "runs": runs,
            "median_ms": round(statistics.median(timings), 1),
            "p95_ms": round(percentile(timings, 0.95), 1),
            "queries": max(queries),
        },
        "open_data": {
            "organisations": record.organisations,
            "bytes": record.size_bytes,
            "seconds": round(open_data_seconds, 1),
        },
    }
    record.file.delete(save=False)
    OpenDataFile.objects.filter(pk=record.pk).delete()
    return result


class FrozenService:
    """A loopback port that takes connections (the kernel's backlog) and never answers: what a
    frozen (SIGSTOPped) Redis looks like to a client."""

    def __enter__(self) -> str:
        self.socket = socket.socket()
        self.socket.bind((HOST, 0))
        self.socket.listen(64)
        return f"redis://{HOST}:{self.socket.getsockname()[1]}/0"

    def __exit__(self, *exc) -> None:
        self.socket.close()


def measure_faults(runs: int) -> dict:
    """What the fault tests assert only as behaviour, timed here: a rate-limited request with
    Redis refusing connections or frozen (the first pays the cache's socket timeout, the next
    ones leave Redis alone), sending a document job to a broker that is down or frozen, and
    importing the 2019 directory export (rolled back)."""
    from django.conf import settings
    from django.db import transaction
    from django.http import HttpResponse
    from django.test import RequestFactory, override_settings

    from documents.tasks import build_document
    from dspt_portal import ratelimit
    from dspt_portal.celery import app as celery_app

    results: dict = {}
    view = ratelimit.rate_limited("search")(lambda request: HttpResponse("ok"))
    refused = f"redis://{HOST}:{free_port()}/0"
    local = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    with override_settings(CACHES=local, DSPT_RATE_LIMITS_ENABLED=True):
        view(RequestFactory().get("/search/"))  # warm-up: imports and the like, not Redis
    with FrozenService() as frozen:
        for name, location in (("refused", refused), ("frozen", frozen)):
            cache = {**settings.CACHES["default"], "LOCATION": location}
            with override_settings(CACHES={"default": cache}, DSPT_RATE_LIMITS_ENABLED=True):
                timings = []
                for number in range(runs + 1):
                    request = RequestFactory().get("/search/", REMOTE_ADDR=f"192.0.2.{number}")
                    started = time.perf_counter()
                    assert view(request).status_code == 200
                    timings.append((time.perf_counter() - started) * 1000)
            results[f"limited_request_redis_{name}"] = {
                "first_ms": round(timings[0], 1),
                "after_median_ms": round(statistics.median(timings[1:]), 2),
            }

        saved = celery_app.conf.broker_url
        try:
            for name, location in (("refused", refused), ("frozen", frozen)):
                celery_app.conf.broker_url = location
                celery_app._pool = None
                celery_app.amqp._producer_pool = None
                started = time.perf_counter()
                with contextlib.suppress(Exception):
                    build_document.delay(0)
                results[f"document_job_send_broker_{name}"] = {
                    "ms": round((time.perf_counter() - started) * 1000, 1)
                }
        finally:
            celery_app.conf.broker_url = saved
            celery_app._pool = None
            celery_app.amqp._producer_pool = None

    export = ROOT.parent / "shared" / "data" / "dspt-organisation-search-2019-06.xlsx"
    if export.is_file():
        from organisations.directory import read_directory_file
        from organisations.directory_import import directory_import

        with transaction.atomic():
            started = time.perf_counter()
            report = directory_import(parsed=read_directory_file(export))
            elapsed = time.perf_counter() - started
            transaction.set_rollback(True)
        results["directory_import_2019"] = {
            "seconds": round(elapsed, 1),
            "rows": report.data_rows,
            "created": report.created,
            "updated": report.updated,
        }
    return results


def measure_documents(runs: int) -> dict:
    from django.core.management import call_command

    results = {}
    for sites, count in ((0, runs), (500, max(3, runs // 3))):
        buffer = io.StringIO()
        call_command("bench_documents", json=True, runs=count, sites=sites, stdout=buffer)
        results.update(json.loads(buffer.getvalue()))
    return results


def pick_paths() -> dict:
    """Addresses to sample, chosen from the data so they exist; the same on every run."""
    from django.db.models import Q

    from devdata import scale_data
    from organisations.models import Organisation
    from publishing.models import Publication

    real_codes = list(
        Organisation.objects.exclude(
            Q(ods_code__startswith=scale_data.HQ_PREFIX)
            | Q(ods_code__startswith=scale_data.SITE_PREFIX)
        )
        .order_by("ods_code")
        .values_list("ods_code", flat=True)[100:5000:1000]
    )
    generated_codes = [f"{scale_data.SITE_PREFIX}{n:06d}" for n in (1234, 23456, 45678)]
    published_sites = list(
        Publication.objects.filter(
            organisation__ods_code__startswith=scale_data.SITE_PREFIX, organisation__parent=None
        )
        .order_by("organisation__ods_code")
        .values_list("organisation__ods_code", flat=True)
        .distinct()[:5]
    )
    branch = (
        Organisation.objects.filter(parent__ods_code=scale_data.BIG_HQ_CODE)
        .order_by("ods_code")
        .values_list("ods_code", flat=True)
        .first()
    )
    # The branches the HQ may publish for: not those registered on their own.
    big_hq_branch_ids = list(
        Organisation.objects.filter(
            parent__ods_code=scale_data.BIG_HQ_CODE,
            registration_state=Organisation.RegistrationState.DIRECTORY,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    big_hq_publications = list(
        Publication.objects.filter(organisation__ods_code=scale_data.BIG_HQ_CODE).values_list(
            "pk", flat=True
        )
    )
    text_refs = list(
        __import__("assessments.models", fromlist=["EvidenceItem"])
        .EvidenceItem.objects.filter(bank__year=YEAR, answer_type="text")
        # 1.1.1 takes an ICO registration number, not the benchmark's sentence.
        .exclude(ref="1.1.1")
        .order_by("position")
        .values_list("ref", flat=True)[:4]
    )

    def search(query: str) -> str:
        return "/search/?" + urlencode({"q": query})

    # Different words from real names and different generated sites, more than a run
    # asks for: each asked once, so none is answered from the kept answers
    # (register/status_cache.py).
    real_names = list(
        Organisation.objects.exclude(
            Q(ods_code__startswith=scale_data.HQ_PREFIX)
            | Q(ods_code__startswith=scale_data.SITE_PREFIX)
        )
        .order_by("ods_code")
        .values_list("name", flat=True)
    )
    # About 175 words from every 97th name, then more from the names halfway between (a full
    # run asks for 210): a quick run asks for the same words as before they were added.
    cold_words: list[str] = []
    for name in real_names[::97] + real_names[48::97]:
        words = [word for word in re.findall(r"[a-z]+", name.lower()) if len(word) >= 5]
        if words and max(words, key=len)[:6] not in cold_words:
            cold_words.append(max(words, key=len)[:6])
    cold_sites = [f"{scale_data.SITE_PREFIX}{n:06d}" for n in range(7, 200_000, 900)]

    return {
        # Words inside names: a typical search, and one matching a great many organisations.
        "search_substring": [search(q) for q in ("lodge", "meadow", "grange", "haven", "willow")],
        "search_prefix": [search(q) for q in ("abbey", "sunris", "oakw", "st mar", "brook")],
        "search_code": [search(c) for c in real_codes + generated_codes],
        "search_broad": [search(q) for q in ("care", "house")],
        "search_cold": [search(word) for word in cold_words],
        "status_cold": [f"/organisations/{code}/" for code in cold_sites],
        "api_cold": [f"/api/v1/organisations/{code}" for code in cold_sites],
        "status_site": [f"/organisations/{code}/" for code in published_sites],
        "status_branch": [f"/organisations/{branch}/"] if branch else [],
        "status_big_hq": [f"/organisations/{scale_data.BIG_HQ_CODE}/"],
        "badge": [
            f"/organisations/{code}/badge.svg"
            for code in real_codes + published_sites + ([branch] if branch else [])
        ],
        "api_lookup": [
            f"/api/v1/organisations/{code}"
            for code in real_codes
            + generated_codes
            + published_sites
            + ([branch] if branch else [])
        ],
        "overview": [f"/assessment/{YEAR}/"],
        "evidence_item": [f"/assessment/{YEAR}/items/{ref}/" for ref in text_refs],
        "text_refs": text_refs,
        "big_hq_branch_ids": big_hq_branch_ids,
        "big_hq_publications": big_hq_publications,
    }


# --- The report ----------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def build_report(results: dict) -> tuple[str, list[dict]]:
    floor = results["pages"]["floor"]
    floor_p50 = floor["p50_ms"]
    rows, targets = [], []

    def target(name: str, wanted: str, measured: str, ok: bool) -> None:
        targets.append({"target": name, "wanted": wanted, "measured": measured, "met": ok})

    lines = [
        f"{'page':<34}{'n':>5}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'req/s':>8}"
        f"{'×floor p50':>11}{'×floor p95':>11}{'errors':>7}"
    ]
    for name, figures in results["pages"].items():
        ratio50 = figures["p50_ms"] / floor_p50 if floor_p50 else math.nan
        ratio95 = figures["p95_ms"] / floor["p95_ms"] if floor["p95_ms"] else math.nan
        figures["floor_ratio_p50"] = round(ratio50, 2)
        figures["floor_ratio_p95"] = round(ratio95, 2)
        rows.append(name)
        lines.append(
            f"{name:<34}{figures['requests']:>5}{figures['p50_ms']:>9.1f}{figures['p95_ms']:>9.1f}"
            f"{figures['p99_ms']:>9.1f}{figures['throughput_rps']:>8.0f}{ratio50:>11.1f}"
            f"{ratio95:>11.1f}{figures['errors']:>7}"
        )
    pages = results["pages"]
    for name in ("search_substring", "search_prefix", "search_code", "search_cold"):
        if name in pages:
            p95 = pages[name]["p95_ms"]
            target(
                f"public search p95 ({name.removeprefix('search_')})",
                f"≤ {TARGET_SEARCH_P95_MS:.0f} ms",
                f"{p95:.1f} ms",
                p95 <= TARGET_SEARCH_P95_MS and pages[name]["errors"] == 0,
            )
    for name, what in (("api_lookup", ""), ("api_cold", ", each code once")):
        if name in pages:
            p95 = pages[name]["p95_ms"]
            target(
                f"API lookup by code p95{what}",
                f"≤ {TARGET_API_LOOKUP_P95_MS:.0f} ms",
                f"{p95:.1f} ms",
                p95 <= TARGET_API_LOOKUP_P95_MS and pages[name]["errors"] == 0,
            )
    for name in ("status_site", "status_cold", "overview", "evidence_item"):
        if name in pages:
            ratio = pages[name]["floor_ratio_p50"]
            target(
                f"{name} vs floor (p50)",
                f"≤ {TARGET_PAGE_FLOOR_RATIO:.0f}× floor",
                f"{ratio:.1f}× ({pages[name]['p50_ms']:.1f} ms vs {floor_p50:.1f} ms)",
                ratio <= TARGET_PAGE_FLOOR_RATIO and pages[name]["errors"] == 0,
            )
    publishing = results.get("publishing")
    if publishing:
        bounded = publishing["queries"] <= TARGET_PUBLISH_QUERIES and (
            "small_hq" not in publishing
            or publishing["small_hq"]["queries"] == publishing["queries"]
        )
        target(
            f"publish for {publishing['branches']} branches",
            f"≤ {TARGET_PUBLISH_MS:.0f} ms, bounded queries",
            f"{publishing['median_ms']:.0f} ms median in-process"
            + (
                f" ({pages['publish_http']['p50_ms']:.0f} ms over HTTP)"
                if "publish_http" in pages
                else ""
            )
            + f", {publishing['queries']} queries"
            + (
                f" ({publishing['small_hq']['queries']} for {publishing['small_hq']['branches']}"
                " branches)"
                if "small_hq" in publishing
                else ""
            ),
            publishing["median_ms"] <= TARGET_PUBLISH_MS and bounded,
        )
    documents = results.get("documents") or {}
    for name, figures in documents.items():
        if "xlsx" in name:
            limit = TARGET_XLSX_MS
        elif "500" in name:
            limit = TARGET_CERTIFICATE_HQ_MS
        else:
            limit = TARGET_CERTIFICATE_MS
        target(
            name,
            f"≤ {limit:.0f} ms",
            f"{figures['median_ms']:.0f} ms median, {figures['p95_ms']:.0f} ms p95",
            figures["median_ms"] <= limit,
        )
    load = results.get("load", {}).get("search")
    if load:
        target(
            f"search load ({load['seconds']} s, wrk, 2 workers)",
            f"≥ {TARGET_LOAD_RPS:.0f} req/s, no errors",
            f"{load['requests_per_second']:.0f} req/s, {load['errors']} errors",
            load["requests_per_second"] >= TARGET_LOAD_RPS and load["errors"] == 0,
        )
    for name, kind in (("badge", "status badge"), ("api_lookup", "API lookup")):
        figures = results.get("load", {}).get(name)
        if figures:
            target(
                f"{kind} load ({figures['seconds']} s, wrk, 2 workers)",
                f"≥ {TARGET_CHEAP_LOAD_RPS:.0f} req/s, no errors",
                f"{figures['requests_per_second']:.0f} req/s, {figures['errors']} errors",
                figures["requests_per_second"] >= TARGET_CHEAP_LOAD_RPS and figures["errors"] == 0,
            )
    lines.append("")
    for name, kind in (
        ("floor", "floor"),
        ("search", "public search"),
        ("badge", "status badge"),
        ("api_lookup", "API lookup"),
    ):
        figures = results.get("load", {}).get(name)
        if figures:
            lines.append(
                f"wrk {kind:<14} {figures['requests_per_second']:>8.0f} req/s  "
                f"p50 {figures['p50_ms']:.1f} ms  p99 {figures['p99_ms']:.1f} ms  "
                f"errors {figures['errors']}  (socket {figures['socket_errors']}, "
                f"non-2xx {figures['non_2xx_3xx']})"
            )
            cpu = figures.get("cpu")
            if cpu:
                lines.append(
                    f"    CPU per request: web {cpu['web_cpu_ms_per_request']:.1f} ms, "
                    f"PostgreSQL {cpu['database_cpu_ms_per_request']:.1f} ms, whole machine "
                    f"{cpu['machine_cpu_ms_per_request']:.1f} ms "
                    f"(machine {100 * cpu['machine_busy_share']:.0f}% busy)"
                )
    if publishing:
        lines.append(
            f"publish {publishing['organisation']} ({publishing['branches']} branches): "
            f"median {publishing['median_ms']:.0f} ms, p95 {publishing['p95_ms']:.0f} ms, "
            f"{publishing['queries']} queries"
        )
    for name, figures in documents.items():
        lines.append(
            f"{name}: median {figures['median_ms']:.0f} ms, p95 {figures['p95_ms']:.0f} ms"
        )
    register_files = results.get("register_files") or {}
    bulk = register_files.get("bulk_check_5000")
    if bulk:
        lines.append(
            f"bulk status check, {bulk['codes']:,} codes: median {bulk['median_ms']:.0f} ms, "
            f"p95 {bulk['p95_ms']:.0f} ms, {bulk['queries']} queries"
        )
        target(
            f"bulk status check ({bulk['codes']:,} codes)",
            f"≤ {TARGET_BULK_CHECK_MS:.0f} ms, ≤ {TARGET_BULK_CHECK_QUERIES} queries",
            f"{bulk['median_ms']:.0f} ms median, {bulk['queries']} queries",
            bulk["median_ms"] <= TARGET_BULK_CHECK_MS
            and bulk["queries"] <= TARGET_BULK_CHECK_QUERIES,
        )
    open_data = register_files.get("open_data")
    if open_data:
        lines.append(
            f"open data file: {open_data['organisations']:,} organisations, "
            f"{open_data['bytes'] / 1_000_000:.1f} MB gzipped, {open_data['seconds']:.1f} s"
        )
        target(
            f"open data file ({open_data['organisations']:,} organisations)",
            f"≤ {TARGET_OPEN_DATA_SECONDS:.0f} s",
            f"{open_data['seconds']:.1f} s",
            open_data["seconds"] <= TARGET_OPEN_DATA_SECONDS,
        )
    faults = results.get("faults") or {}
    for name in ("refused", "frozen"):
        figures = faults.get(f"limited_request_redis_{name}")
        if figures:
            lines.append(
                f"rate-limited request, Redis {name}: first {figures['first_ms']:.0f} ms, "
                f"then {figures['after_median_ms']:.1f} ms median"
            )
            target(
                f"a request with Redis {name}",
                f"first ≤ {TARGET_REDIS_AWAY_MS:.0f} ms",
                f"{figures['first_ms']:.0f} ms, then {figures['after_median_ms']:.1f} ms",
                figures["first_ms"] <= TARGET_REDIS_AWAY_MS,
            )
        figures = faults.get(f"document_job_send_broker_{name}")
        if figures:
            lines.append(f"sending a document job, broker {name}: {figures['ms']:.0f} ms")
            target(
                f"asking for a document, broker {name}",
                f"≤ {TARGET_BROKER_AWAY_MS:.0f} ms",
                f"{figures['ms']:.0f} ms",
                figures["ms"] <= TARGET_BROKER_AWAY_MS,
            )
    imported = faults.get("directory_import_2019")
    if imported:
        lines.append(f"directory import, 2019 export: {imported['seconds']:.1f} s")
        target(
            "directory import (31,970 rows)",
            f"≤ {TARGET_DIRECTORY_IMPORT_SECONDS:.0f} s",
            f"{imported['seconds']:.1f} s",
            imported["seconds"] <= TARGET_DIRECTORY_IMPORT_SECONDS,
        )
    lines.append("")
    width = max(len(t["target"]) for t in targets) if targets else 10
    for item in targets:
        lines.append(
            f"{verdict(item['met']):<7}{item['target']:<{width + 2}}{item['wanted']:<30}"
            f"{item['measured']}"
        )
    return "\n".join(lines), targets


# --- Main ----------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="10 s load test, fewer samples")
    parser.add_argument("--requests", type=int, default=None, help="requests per page (200)")
    parser.add_argument("--concurrency", type=int, default=2, help="client threads (2)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2)")
    parser.add_argument("--duration", type=int, default=None, help="load test seconds (30)")
    parser.add_argument("--database", default="dspt_bench")
    parser.add_argument("--recreate-database", action="store_true")
    parser.add_argument(
        "--small", action="store_true", help="small data set (in dspt_bench_small): a dry run"
    )
    parser.add_argument("--output", type=Path, default=ROOT / "bench-results.json")
    parser.add_argument("--no-documents", action="store_true", help="skip the document builders")
    parser.add_argument(
        "--patch",
        type=Path,
        default=None,
        help="a Python file imported by the server (and here) before measuring: to measure a "
        "proposed change without editing the code",
    )
    options = parser.parse_args()
    requests = options.requests or (100 if options.quick else 200)
    duration = options.duration or (10 if options.quick else 30)
    database = options.database + ("_small" if options.small else "")
    organisations = 600 if options.small else 300_000

    services = Services()
    folder = Path(tempfile.mkdtemp(prefix="dspt-bench-"))
    gunicorn: Gunicorn | None = None
    try:
        say("PostgreSQL and Redis")
        services.start()
        ensure_database(database, recreate=options.recreate_database)
        database_url = f"postgres://{DB_USER}:{DB_PASSWORD}@{HOST}:{PG_PORT}/{database}"
        write_bench_modules(folder, options.patch)
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(
                [str(folder), str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
            ),
            "DJANGO_SETTINGS_MODULE": SETTINGS_MODULE,
            "DATABASE_URL": database_url,
            # Database 1, so the test suite's Redis database 0 is left alone.
            "REDIS_URL": f"redis://{HOST}:{REDIS_PORT}/1",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
            "DJANGO_ALLOWED_HOSTS": HOST,
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "DJANGO_LOG_LEVEL": "WARNING",
            "DSPT_BENCH_FLOOR": "true",
            "DSPT_MEDIA_ROOT": str(folder / "media"),
            # The per-address limits stay switched on (their cost is measured) but never trip:
            # every request here comes from one address.
            "DSPT_RATE_LIMIT_SEARCH": "1000000000",
            "DSPT_RATE_LIMIT_VERIFY": "1000000000",
            "DSPT_RATE_LIMIT_BULK": "1000000000",
            "DSPT_RATE_LIMIT_API": "1000000000",
            # The benchmark administrator publishes without a phone; the gate itself costs
            # nothing measurable (one flag read).
            "DSPT_REQUIRE_MFA_FOR_ADMINISTRATORS": "false",
        }
        os.environ.update(env)
        sys.path[:0] = [str(folder), str(ROOT)]

        say(f"Migrating {database}")
        run([PYTHON, "manage.py", "migrate", "--no-input", "-v", "0"], env=env)
        # The portal keeps answers in Redis for a minute (ADR 13, ADR 15): a run started soon after
        # another (or after anything else using this database) would find the "each once"
        # addresses already answered. The benchmark's Redis database is its own; start it empty.
        import redis

        redis.Redis.from_url(env["REDIS_URL"]).flushdb()
        state = scale_state(
            {
                "host": HOST,
                "port": PG_PORT,
                "user": DB_USER,
                "password": DB_PASSWORD,
                "dbname": database,
            },
            organisations,
        )
        if state != "ready":
            say("Generating the scale data (a couple of minutes, once)")
            command = [PYTHON, "manage.py", "generate_scale_data"]
            if options.small:
                command.append("--small")
            if state == "different":
                command.append("--reset")
            print(run(command, env=env), file=sys.stderr)
        else:
            say("Scale data present")
        say("Collecting static files")
        run([PYTHON, "manage.py", "collectstatic", "--no-input", "-v", "0"], env=env)

        import django

        django.setup()
        from django.db import connection

        if options.patch:
            __import__(PATCH_MODULE)

        from devdata import scale_data

        paths = pick_paths()
        counts = scale_data.scale_data_counts()
        connection.close()

        wrk = ensure_wrk()
        gunicorn = Gunicorn(env=env, folder=folder, workers=options.workers)
        say(f"Starting gunicorn ({options.workers} workers) on {HOST}:{gunicorn.port}")
        gunicorn.start()
        port = gunicorn.port
        cookies = sign_in(port, scale_data.BENCH_MEMBER_EMAIL, scale_data.BENCH_PASSWORD)

        pages: dict[str, Sample] = {}
        concurrency = options.concurrency

        def page(
            name: str,
            urls: list[str],
            *,
            signed_in: bool = False,
            note: str = "",
            once: bool = False,
        ) -> None:
            if not urls:
                return
            say(f"Sampling {name} ({requests} requests, {concurrency} at a time)")
            if once and len(urls) < requests + 10:
                say(f"  only {len(urls)} addresses: some are asked for twice, and kept")
            pages[name] = sample_page(
                name,
                port=port,
                requests_for=each_once(urls) if once else rotating(urls),
                count=requests,
                concurrency=concurrency,
                cookies=cookies if signed_in else None,
                # A repeated page is measured once each of its addresses has been asked for:
                # the first asking of each is what the "each once" samples measure.
                warmup=10 if once else max(10, len(urls)),
                note=note,
            )

        page("floor_before", ["/bench/floor/"], note="minimal view, same stack")
        page("start_page", ["/"], note="signed-out start page: a whole NHS.UK page, no query")
        page("search_substring", paths["search_substring"], note="5 words inside names")
        page("search_prefix", paths["search_prefix"], note="5 name beginnings")
        page("search_code", paths["search_code"], note="8 exact ODS codes")
        page("search_broad", paths["search_broad"], note="'care', 'house': tens of thousands")
        page("search_cold", paths["search_cold"], note="different words, each once", once=True)
        page("status_site", paths["status_site"], note="published registered sites")
        page("status_cold", paths["status_cold"], note="different sites, each once", once=True)
        page("status_branch", paths["status_branch"], note="a branch covered by its HQ")
        page("status_big_hq", paths["status_big_hq"], note="HQ page listing 500 branches")
        page("api_lookup", paths["api_lookup"], note="JSON API, one organisation by code")
        page("api_cold", paths["api_cold"], note="different codes, each once", once=True)
        page("badge", paths["badge"], note="status badge SVG, cookieless")
        page("overview", paths["overview"], signed_in=True, note="signed in, 51 items")
        page("evidence_item", paths["evidence_item"], signed_in=True, note="signed in")
        pages["save_answer"] = sample_save(
            port=port,
            cookies=cookies,
            refs=paths["text_refs"],
            count=max(20, requests // 2),
            concurrency=concurrency,
        )
        admin_cookies = sign_in(port, scale_data.BENCH_ADMIN_EMAIL, scale_data.BENCH_PASSWORD)
        publish_flow_ready(Client(port, admin_cookies), paths["big_hq_branch_ids"])
        branches = len(paths["big_hq_branch_ids"])
        for name, url in (
            ("publish_sites", "/publish/sites/"),
            ("publish_summary", "/publish/summary/"),
        ):
            say(f"Sampling {name} ({requests // 2} requests, {concurrency} at a time)")
            pages[name] = sample_page(
                name,
                port=port,
                requests_for=rotating([url]),
                count=max(20, requests // 2),
                concurrency=concurrency,
                cookies=admin_cookies,
                note=f"administrator, {branches} branches listed",
            )
        say("Sampling publish_http (publishing for every branch, one at a time)")
        try:
            pages["publish_http"] = sample_publish(
                port=port,
                cookies=admin_cookies,
                site_ids=paths["big_hq_branch_ids"],
                count=5 if options.quick else 10,
            )
        finally:
            removed = remove_bench_publications(paths["big_hq_publications"])
            say(f"Removed the {removed} rows the publish samples made")
        page("floor_after", ["/bench/floor/"], note="minimal view, same stack")

        floor = merge_floor(pages.pop("floor_before"), pages.pop("floor_after"))
        results: dict = {
            "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "machine": {
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "platform": platform.platform(),
            },
            "database": database,
            "patch": str(options.patch) if options.patch else None,
            "data": counts,
            "settings": {
                "gunicorn_workers": options.workers,
                "client_concurrency": concurrency,
                "requests_per_page": requests,
            },
            "pages": {"floor": floor.figures(), **{n: s.figures() for n, s in pages.items()}},
            "load": {},
        }
        say(f"Load test: wrk on the public search for {duration} s")
        search_paths = paths["search_substring"] + paths["search_prefix"] + paths["search_code"]
        results["load"]["search"] = wrk_load(
            wrk,
            port=port,
            paths=search_paths,
            seconds=duration,
            folder=folder,
            gunicorn_pid=gunicorn.process.pid,
        )
        for name in ("badge", "api_lookup"):
            say(f"Load test: wrk on {name} for {min(duration, 15)} s")
            results["load"][name] = wrk_load(
                wrk,
                port=port,
                paths=paths[name],
                seconds=min(duration, 15),
                folder=folder,
                gunicorn_pid=gunicorn.process.pid,
            )
        say(f"Load test: wrk on the floor for {min(duration, 10)} s")
        results["load"]["floor"] = wrk_load(
            wrk,
            port=port,
            paths=["/bench/floor/"],
            seconds=min(duration, 10),
            folder=folder,
            gunicorn_pid=gunicorn.process.pid,
        )
        gunicorn.stop()

        say("Faults in-process: Redis and the broker away, the directory import (rolled back)")
        results["faults"] = measure_faults(runs=20)
        say("Publishing in-process (rolled back)")
        results["publishing"] = measure_publishing(runs=3 if options.quick else 5)
        say("The register's files in-process: bulk check of 5,000 codes, open data file")
        results["register_files"] = measure_register_files(runs=3 if options.quick else 10)
        if not options.no_documents:
            say("Document builders (manage.py bench_documents)")
            results["documents"] = measure_documents(runs=3 if options.quick else 10)

        table, targets = build_report(results)
        results["targets"] = targets
        for figures in results["load"].values():
            figures.pop("raw", None)
        options.output.write_text(json.dumps(results, indent=2, default=str) + "\n")
        print(table)
        print(f"\nWritten to {options.output}")
        return 0
    finally:
        if gunicorn is not None:
            gunicorn.stop()
        services.stop()
        shutil.rmtree(folder, ignore_errors=True)


def merge_floor(before: Sample, after: Sample) -> Sample:
    """The floor measured before and after the pages, as one sample."""
    merged = Sample(
        name="floor",
        requests=before.requests + after.requests,
        concurrency=before.concurrency,
        latencies_ms=before.latencies_ms + after.latencies_ms,
        errors=before.errors + after.errors,
        seconds=before.seconds + after.seconds,
        note="minimal view on the same stack, measured before and after the pages",
    )
    for source in (before, after):
        for status, number in source.statuses.items():
            merged.statuses[status] = merged.statuses.get(status, 0) + number
    return merged


def sample_save(
    *, port: int, cookies: dict[str, str], refs: list[str], count: int, concurrency: int
) -> Sample:
    """Saving a text answer (POST with the CSRF token), each client thread on its own item so
    none conflicts with another; the version each save expects is the one the last save made."""
    state: dict[int, dict] = {}
    lock = threading.Lock()

    def prepare(worker) -> dict:
        with lock:
            mine = state.setdefault(id(worker), {"ref": refs[len(state) % len(refs)]})
        if "version" not in mine:
            _status, content, _ = worker.client.request(
                "GET", f"/assessment/{YEAR}/items/{mine['ref']}/"
            )
            html = content.decode()
            mine["token"] = hidden_input(html, "csrfmiddlewaretoken")
            mine["version"] = int(hidden_input(html, "version"))
        return mine

    def requests_for(worker, number):
        mine = prepare(worker)
        body = {
            "csrfmiddlewaretoken": mine["token"],
            "version": str(mine["version"]),
            "text": f"Benchmark answer {number}: our manager checks this every month.",
            "comments": "",
        }
        return "POST", f"/assessment/{YEAR}/items/{mine['ref']}/", body, (302,)

    def after(worker, status, content):
        mine = state[id(worker)]
        if status == 302:
            mine["version"] += 1
        else:
            mine.pop("version", None)  # read it again before the next save

    say(f"Sampling save_answer ({count} saves, {concurrency} at a time)")
    return sample_page(
        "save_answer",
        port=port,
        requests_for=requests_for,
        count=count,
        concurrency=concurrency,
        cookies=cookies,
        warmup=2,
        note="POST a text answer (CSRF), 302 expected",
        after=after,
    )


def publish_flow_ready(client: Client, site_ids: list[int]) -> None:
    """Confirms the profile and chooses every branch, as an administrator would before the
    summary page."""
    status, content, _ = client.request("GET", "/publish/profile/")
    if status != 200:
        raise SystemExit(f"bench: the publish profile page answered {status}")
    token = hidden_input(content.decode(), "csrfmiddlewaretoken")
    client.request("POST", "/publish/profile/", {"csrfmiddlewaretoken": token, "confirm": "on"})
    status, _, _ = client.request(
        "POST",
        "/publish/sites/",
        {"csrfmiddlewaretoken": token, "sites": [str(pk) for pk in site_ids]},
    )
    if status != 302:
        raise SystemExit(f"bench: choosing the sites answered {status}")


def sample_publish(*, port: int, cookies: dict[str, str], site_ids: list[int], count: int):
    """Pressing Publish on the summary page for the HQ and all its branches, one at a time (each
    makes a publication; they are removed again afterwards)."""
    client = Client(port, cookies)
    sample = Sample(
        name="publish_http",
        requests=count,
        concurrency=1,
        note=f"POST Publish for {len(site_ids)} branches, 302 expected",
    )
    for number in range(count + 1):  # the first is a warm-up
        publish_flow_ready(client, site_ids)
        status, content, _ = client.request("GET", "/publish/summary/")
        html = content.decode()
        body = {
            "csrfmiddlewaretoken": hidden_input(html, "csrfmiddlewaretoken"),
            "level": "met",
            "sequence": hidden_input(html, "sequence"),
        }
        started = time.perf_counter()
        status, _, _ = client.request("POST", "/publish/summary/", body)
        elapsed = (time.perf_counter() - started) * 1000
        if number == 0:
            continue
        sample.latencies_ms.append(elapsed)
        sample.seconds += elapsed / 1000
        sample.statuses[status] = sample.statuses.get(status, 0) + 1
        if status != 302:
            sample.errors += 1
    client.close()
    return sample


def remove_bench_publications(keep: list[int]) -> int:
    """The publications the benchmark made for the big HQ, deleted so every run starts alike."""
    from devdata import scale_data
    from publishing.models import Publication

    made = Publication.objects.filter(organisation__ods_code=scale_data.BIG_HQ_CODE).exclude(
        pk__in=keep
    )
    return made.delete()[0]


if __name__ == "__main__":
    sys.exit(main())
