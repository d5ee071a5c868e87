"""Real servers for the fault and load tests: redis-server, gunicorn as `make serve` runs it, and
Varnish with the project's deploy/varnish.vcl.

Each listens on a free loopback port and is stopped by its own process id. PostgreSQL is the
throwaway cluster of `make test-postgres`; `postgres_ctl()` stops and starts it.
"""

import html
import http.cookiejar
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
import redis
from django.apps import apps as django_apps
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from newsroom.models import SiteSettings
from newsroom.roles import sync_roles
from tests.conftest import require

ROOT = Path(__file__).resolve().parents[1]

# Real servers on a real PostgreSQL: these run under `make test-postgres`.
SERVER_TEST_MARKS = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="runs against PostgreSQL (make test-postgres)"),
    pytest.mark.django_db(transaction=True),
]


# Set by the test run for its own process; a deployment has neither.
TEST_HARNESS_VARIABLES = {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}


def deployment_environment(**variables):
    """The environment of a process started as an operator would start it: the project's own
    settings, never the test suite's."""
    inherited = {name: value for name, value in os.environ.items() if name not in TEST_HARNESS_VARIABLES}
    return {**inherited, **variables}


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def stop_process(process, timeout=20):
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


class RedisServer:
    """A throwaway redis-server that keeps nothing on disk."""

    def __init__(self, workdir):
        require(shutil.which("redis-server"), "redis-server is needed (Debian: apt-get install redis-server)")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.workdir = workdir
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
                "--logfile",
                "",
            ],
            stdout=subprocess.DEVNULL,
            start_new_session=True,
        )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return self
            except redis.ConnectionError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.05)

    def stop(self):
        if self.process is not None:
            stop_process(self.process)


VARNISH_VCL = ROOT / "deploy" / "varnish.vcl"
# The backend as deploy/varnish.vcl names it: the app on 127.0.0.1:8000.
VCL_BACKEND_PORT = '.port = "8000";'


def varnish_vcl_for(backend_port, folder):
    """A copy of deploy/varnish.vcl whose backend is the app on `backend_port`."""
    vcl = VARNISH_VCL.read_text()
    assert vcl.count(VCL_BACKEND_PORT) == 1, "deploy/varnish.vcl names one backend on port 8000"
    path = folder / f"varnish-{backend_port}.vcl"
    path.write_text(vcl.replace(VCL_BACKEND_PORT, f'.port = "{backend_port}";'))
    return path


def varnishd():
    """Where varnishd is: Debian puts it in /usr/sbin, which a user's PATH may lack."""
    return shutil.which("varnishd") or shutil.which("varnishd", path="/usr/sbin")


class VarnishServer:
    """varnishd in the foreground with a copy of deploy/varnish.vcl in front of the app on `backend_port`,
    its working directory (and shared log, for varnishlog -n) in `workdir`."""

    def __init__(self, workdir, backend_port):
        self.varnishd = varnishd()
        require(self.varnishd, "varnishd is needed (Debian: apt-get install varnish varnish-modules)")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workdir = workdir / f"varnish-{self.port}"
        self.workdir.mkdir()
        self.vcl = varnish_vcl_for(backend_port, workdir)
        self.log_path = workdir / f"varnish-{self.port}.log"
        self.process = None

    def start(self):
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [
                    self.varnishd,
                    "-F",
                    "-a",
                    f"127.0.0.1:{self.port}",
                    "-f",
                    str(self.vcl),
                    "-n",
                    str(self.workdir),
                    "-s",
                    "malloc,64m",
                    # No management port, and no switch to the varnish user (who cannot read a test's folder).
                    "-T",
                    "none",
                    "-j",
                    "none",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError(f"varnishd did not start:\n{self.log()}") from None
                time.sleep(0.1)

    def stop(self):
        if self.process is not None:
            stop_process(self.process)

    def log(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def purge(self, *keys):
        request = urllib.request.Request(self.url + "/", method="PURGE", headers={"xkey-purge": " ".join(keys)})
        with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(request, timeout=5) as response:
            return response.status, response.reason


def database_url():
    """The database pytest-django created, as a URL another process can use."""
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@cache
def collect_static():
    """What `make serve` does before starting gunicorn (once a run): DEBUG off needs the hashed static files."""
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env=deployment_environment(DEBUG="0"),
        check=True,
    )


class AppServer:
    """gunicorn serving the project with DEBUG off, as `make serve` does, on its own port."""

    def __init__(self, name, workdir, *, workers=3, **environment):
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / f"{name}.log"
        self.workers = workers
        self.environment = {
            **deployment_environment(),
            "DEBUG": "0",
            "SITE_URL": self.url,
            "DATABASE_URL": database_url(),
            "LOG_LEVEL": "WARNING",
            # The servers of one deployment share one key (the README's deployment), and this process
            # signs with it too: the form tokens and receipts the tests make are theirs.
            "SECRET_KEY": settings.SECRET_KEY,
            # Its own machine cache, as a fresh installation has.
            "XDG_STATE_HOME": str(workdir / f"{name}-state"),
            **environment,
        }
        self.process = None

    def command(self):
        return [
            sys.executable,
            "-m",
            "gunicorn",
            "newsroom.wsgi",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.workers),
            "--forwarded-allow-ips",
            "127.0.0.1",
            "--timeout",
            "60",
        ]

    def start(self):
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                self.command(),
                cwd=ROOT,
                env=self.environment,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        # `make serve` migrates and collects the static files first.
        deadline = time.monotonic() + 120
        while True:
            try:
                if Browser().get(self.url + "/robots.txt", timeout=5).status == 200:
                    return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                # Not listening yet, or its workers still starting on a busy machine.
                pass
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError(f"gunicorn {self.name} did not start:\n{self.log()}")
            time.sleep(0.1)

    def stop(self):
        if self.process is not None:
            stop_process(self.process)

    def log(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


class MakeServe(AppServer):
    """The README's `make serve` itself, with its defaults: its worker count, no REDIS_URL unless given,
    no SECRET_KEY (the installation generates its own), a state directory of its own in `workdir`."""

    def __init__(self, name, workdir, **environment):
        super().__init__(name, workdir)
        inherited = {
            key: value
            for key, value in deployment_environment().items()
            if key not in ("DEBUG", "SITE_URL", "REDIS_URL", "SECRET_KEY", "WEB_CONCURRENCY", "CACHE_DIR", "STATE_DIR")
        }
        self.environment = {
            **inherited,
            "DATABASE_URL": database_url(),
            "LOG_LEVEL": "WARNING",
            "XDG_STATE_HOME": str(workdir / f"{name}-state"),
            **environment,
        }

    def command(self):
        return ["make", "--no-print-directory", "serve", f"PORT={self.port}"]

    def manage(self, *arguments):
        """A management command in another process of the same installation, as an operator would run it."""
        result = subprocess.run(
            [sys.executable, "manage.py", *arguments],
            cwd=ROOT,
            env={**self.environment, "DEBUG": "0", "SITE_URL": self.url},
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout


@contextmanager
def running(*servers):
    """Start the servers in order; stop those that started, in reverse order, whatever happens."""
    started = []
    try:
        for server in servers:
            started.append(server.start())
        yield
    finally:
        for server in reversed(started):
            server.stop()


def shared_cache(redis_server):
    """CACHES for the test process itself, so that what it changes through the ORM reaches the app servers."""
    return {
        "default": {
            "BACKEND": "newsroom.cache_backends.FailSafeRedisCache",
            "LOCATION": redis_server.url,
            "KEY_PREFIX": "newsroom",
            "TIMEOUT": 3600,
        }
    }


def recreate_migrated_rows():
    """A transactional test may start after another one's flush, which also empties the rows the migrations
    wrote (the staff roles, the site-settings row) and gives the content types new ids."""
    ContentType.objects.clear_cache()
    sync_roles(django_apps)
    SiteSettings.objects.get_or_create(pk=1)


def set_password_for_servers(user, password):
    """The test settings hash passwords with a fast hasher the servers do not accept; use theirs."""
    user.password = PBKDF2PasswordHasher().encode(password, PBKDF2PasswordHasher().salt())
    user.save(update_fields=["password"])
    return user


def postgres_ctl(action):
    """Stop or start the throwaway PostgreSQL cluster of `make test-postgres` (as its owner when root)."""
    command = os.environ.get("TEST_POSTGRES_PGCTL")
    require(command, "TEST_POSTGRES_PGCTL is set by scripts/throwaway_postgres.py (make test-postgres)")
    # `restart` on a stopped server starts it with the options it last ran with (postmaster.opts).
    arguments = {"stop": ["-m", "fast", "-w", "stop"], "start": ["-w", "restart"]}[action]
    full = [*shlex.split(command), *arguments]
    if os.geteuid() == 0:
        full = ["runuser", "-u", "postgres", "--", *full]
    subprocess.run(full, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


class _KeepRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Answer:
    status: int
    headers: dict
    text: str
    seconds: float
    url: str = ""


class Browser:
    """One person's browser: cookies kept, redirects shown rather than followed, every request to loopback."""

    def __init__(self):
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _KeepRedirects, urllib.request.ProxyHandler({})
        )

    def request(self, url, data=None, headers=None, timeout=30):
        assert url.startswith("http://127.0.0.1:"), url
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        request = urllib.request.Request(url, data=body, headers=headers or {})
        started = time.monotonic()
        try:
            with self.opener.open(request, timeout=timeout) as response:
                status, answer_headers, raw = response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            status, answer_headers, raw = error.code, error.headers, error.read()
        elapsed = time.monotonic() - started
        return Answer(status, dict(answer_headers), raw.decode(errors="replace"), elapsed, url)

    def get(self, url, **kwargs):
        return self.request(url, **kwargs)

    def post(self, url, data, **kwargs):
        return self.request(url, data=data, **kwargs)

    @staticmethod
    def form_field(page, name):
        match = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', page.text)
        assert match, f"no {name} field on the page"
        return html.unescape(match.group(1))

    def log_in(self, server, username, password):
        page = self.get(f"{server.url}/admin/login/")
        token = self.form_field(page, "csrfmiddlewaretoken")
        return self.post(
            f"{server.url}/admin/login/?next=/admin/",
            {"csrfmiddlewaretoken": token, "username": username, "password": password, "next": "/admin/"},
        )
