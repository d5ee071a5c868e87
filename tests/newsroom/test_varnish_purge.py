"""The purges sent to the Varnish servers of VARNISH_URL: when, what, and that a Varnish down never
breaks a save. A small HTTP server in a thread stands in for Varnish; tests/load/test_varnish.py runs
the real one."""

import logging
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import transaction

from newsroom import varnish
from newsroom.models import SiteSettings
from tests.servers import ROOT, deployment_environment

# Real commits: the purges are sent once the transaction commits.
pytestmark = pytest.mark.django_db(transaction=True)


class FakeVarnish(ThreadingHTTPServer):
    def __init__(self, delay=0.0, status=200):
        self.purges = []
        self.delay = delay
        self.status = status
        super().__init__(("127.0.0.1", 0), PurgeHandler)
        self.url = f"http://127.0.0.1:{self.server_address[1]}"


class PurgeHandler(BaseHTTPRequestHandler):
    def do_PURGE(self):
        self.server.purges.append((self.path, self.headers.get("xkey-purge")))
        time.sleep(self.server.delay)
        self.send_response(self.server.status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_varnish():
    servers = []

    def start(**behaviour):
        server = FakeVarnish(**behaviour)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_every_server_gets_one_purge_of_the_keys(settings, fake_varnish):
    first, second = fake_varnish(), fake_varnish()
    settings.VARNISH_URL = [first.url, second.url]
    varnish.purge(["article-12", "site", "article-12"])
    assert first.purges == second.purges == [("/", "article-12 site")]


def test_nothing_is_sent_without_varnish_url(settings, fake_varnish):
    server = fake_varnish()
    settings.VARNISH_URL = []
    varnish.purge(["site"])
    assert server.purges == []


def test_the_purge_waits_for_the_commit_and_a_rollback_sends_none(settings, fake_varnish):
    server = fake_varnish()
    settings.VARNISH_URL = [server.url]
    with transaction.atomic():
        varnish.purge(["section-3"])
        assert server.purges == []
    assert server.purges == [("/", "section-3")]

    with pytest.raises(RuntimeError), transaction.atomic():
        varnish.purge(["section-4"])
        raise RuntimeError("the save failed")
    assert server.purges == [("/", "section-3")]


def test_a_varnish_down_or_slow_is_logged_and_the_next_one_still_purged(settings, fake_varnish, caplog):
    slow, healthy = fake_varnish(delay=3), fake_varnish()
    settings.VARNISH_URL = [f"http://127.0.0.1:{closed_port()}", slow.url, healthy.url]
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="newsroom.varnish"):
        varnish.purge(["site"])
    assert time.monotonic() - started < 2 * varnish.PURGE_TIMEOUT_SECONDS + 0.5
    assert healthy.purges == [("/", "site")]
    assert len([record for record in caplog.records if "Could not purge" in record.getMessage()]) == 2


def test_a_refused_purge_is_logged(settings, fake_varnish, caplog):
    settings.VARNISH_URL = [fake_varnish(status=403).url]
    with caplog.at_level(logging.WARNING, logger="newsroom.varnish"):
        varnish.purge(["site"])
    assert "refused to purge site: 403" in caplog.text


def test_a_key_with_a_space_is_never_sent(settings, fake_varnish, caplog):
    server = fake_varnish()
    settings.VARNISH_URL = [server.url]
    varnish.purge(["site", "article 12\r\nX-Other: 1"])
    assert server.purges == []
    assert "contains a space" in caplog.text


def test_a_change_to_the_site_purges_its_key(settings, fake_varnish):
    server = fake_varnish()
    settings.VARNISH_URL = [server.url]
    SiteSettings.current().save()
    assert ("/", "site") in server.purges


def test_a_page_from_the_page_cache_carries_its_keys(client, make_article):
    article = make_article()
    client.get(article.get_absolute_url())
    article_keys = set(client.get(article.get_absolute_url())["xkey"].split())
    assert article_keys == {"site", f"article-{article.pk}", f"comments-{article.pk}", f"section-{article.section_id}"}
    assert {"site", "latest", f"article-{article.pk}"} <= set(client.get("/")["xkey"].split())


def test_an_edit_purges_the_article_and_nothing_site_wide(settings, fake_varnish, make_article):
    article = make_article()
    server = fake_varnish()
    settings.VARNISH_URL = [server.url]
    article.headline = "Ferry timetable published after a week of delays"
    article.save()
    purged = {key for _, keys in server.purges for key in keys.split()}
    assert f"article-{article.pk}" in purged
    assert "site" not in purged


def settings_of_a_process(**environment):
    return subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", "from django.conf import settings; print(settings.VARNISH_URL)"],
        cwd=ROOT,
        env=deployment_environment(**environment),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_varnish_url_lists_the_servers_and_refuses_what_is_not_an_http_address(tmp_path):
    state = str(tmp_path / "state")
    listed = settings_of_a_process(VARNISH_URL="http://127.0.0.1:6081/, http://10.0.0.5:6081", XDG_STATE_HOME=state)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines()[-1] == "['http://127.0.0.1:6081', 'http://10.0.0.5:6081']"
    refused = settings_of_a_process(VARNISH_URL="127.0.0.1:6081", XDG_STATE_HOME=state)
    assert refused.returncode != 0
    assert "VARNISH_URL: '127.0.0.1:6081' is not an http://host:port address" in refused.stderr
