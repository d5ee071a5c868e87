"""The real dependencies stopped under a running site: gunicorn as `make serve` runs it (DEBUG off),
on the throwaway PostgreSQL of `make test-postgres`, a throwaway redis-server, and a mail server
that accepts connections and never answers."""

import socket
import time

import pytest
from django.db import connections

from comments.models import Comment
from newsroom.cache_backends import RETRY_AFTER_SECONDS
from tests.comments.conftest import POST_URL, comment_data
from tests.figures import record
from tests.servers import (
    SERVER_TEST_MARKS,
    AppServer,
    Browser,
    MakeServe,
    RedisServer,
    collect_static,
    postgres_ctl,
    recreate_migrated_rows,
    running,
    set_password_for_servers,
    shared_cache,
)

pytestmark = SERVER_TEST_MARKS

PASSWORD = "correct horse battery"
MAIL_TIMEOUT_SECONDS = 2
RECOVERY_LIMIT_SECONDS = 15


@pytest.fixture(scope="module")
def silent_mail_server():
    """A mail server that takes connections and never says a word."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        yield listener.getsockname()[1]


@pytest.fixture
def stack(tmp_path, silent_mail_server):
    """Started afresh for each test: a server keeps content-type ids that the flush after a test changes."""
    recreate_migrated_rows()
    collect_static()
    redis_server = RedisServer(tmp_path)
    app = AppServer(
        "app",
        tmp_path,
        workers=2,
        REDIS_URL=redis_server.url,
        EMAIL_URL=f"smtp://127.0.0.1:{silent_mail_server}",
        EMAIL_TIMEOUT=str(MAIL_TIMEOUT_SECONDS),
    )
    with running(redis_server, app):
        yield redis_server, app


@pytest.fixture
def site(stack, settings, make_article):
    redis_server, app = stack
    settings.CACHES = shared_cache(redis_server)
    return {
        "app": app,
        "redis": redis_server,
        "cached": make_article(headline="Harbour authority delays the ferry contract"),
        "uncached": make_article(headline="Council approves the new budget"),
    }


def warm(browser, app, *paths):
    for path in paths:
        for _ in range(2):
            assert browser.get(app.url + path).status == 200, path


def post_comment(browser, app, article, **fields):
    return browser.post(app.url + POST_URL, comment_data(article, **fields))


def test_postgresql_stopped_cached_pages_served_others_503_then_back_by_itself(site):
    app = site["app"]
    cached, uncached = site["cached"].get_absolute_url(), site["uncached"].get_absolute_url()
    reader = Browser()
    warm(reader, app, "/", cached)

    postgres_ctl("stop")
    try:
        during = {
            "cached article": reader.get(app.url + cached),
            "cached front page": reader.get(app.url + "/"),
            "uncached article": reader.get(app.url + uncached),
            "search": reader.get(app.url + "/search/?q=budget"),
            "comment": post_comment(reader, app, site["uncached"], email="db-outage@example.net"),
            "admin login page": Browser().get(app.url + "/admin/login/"),
        }
    finally:
        postgres_ctl("start")
        restarted = time.monotonic()
        # The test's own connection died with the server; teardown needs a new one.
        connections.close_all()

    assert during["cached article"].status == 200 and "Harbour authority" in during["cached article"].text
    assert during["cached front page"].status == 200
    assert during["admin login page"].status in (200, 503)
    for name in ["uncached article", "search", "comment"]:
        answer = during[name]
        assert answer.status == 503, f"{name}: {answer.status}"
        assert "Back in a moment" in answer.text and "Traceback" not in answer.text, name
        assert answer.headers["Retry-After"] == "30"

    statuses = []
    while time.monotonic() - restarted < RECOVERY_LIMIT_SECONDS:
        statuses.append(reader.get(app.url + uncached).status)
        if statuses[-1] == 200:
            break
        time.sleep(0.05)
    recovery = time.monotonic() - restarted
    assert statuses[-1] == 200, f"not back after {RECOVERY_LIMIT_SECONDS} s: {statuses[-5:]}"
    assert set(statuses) <= {200, 503}
    assert post_comment(reader, app, site["uncached"], email="db-back@example.net").status == 303
    assert reader.get(app.url + "/search/?q=budget").status == 200
    assert "Internal Server Error" not in app.log()
    record("seconds to full service after PostgreSQL came back (no app restart)", round(recovery, 2))


def test_a_silent_mail_server_never_loses_a_comment(site, moderator):
    app, article = site["app"], site["cached"]
    answer = post_comment(Browser(), app, article, email="mail-outage@example.net")

    assert answer.status == 303
    assert answer.seconds < MAIL_TIMEOUT_SECONDS + 5
    assert Comment.objects.filter(author_email="mail-outage@example.net", status=Comment.Status.PENDING).exists()
    assert "Could not email moderators about comment" in app.log()


def test_redis_stopped_the_site_keeps_serving_and_rate_limits_fail_safe(site, editor):
    app, redis_server, article = site["app"], site["redis"], site["cached"]
    set_password_for_servers(editor, PASSWORD)
    reader = Browser()
    pages = ["/", article.get_absolute_url(), "/search/?q=harbour", "/feed/", site["uncached"].get_absolute_url()]
    warm(reader, app, *pages)

    redis_server.stop()
    try:
        answers = [reader.get(app.url + path) for path in pages * 3]
        comment = post_comment(reader, app, article, email="redis-outage@example.net")
        login = Browser().log_in(app, editor.username, PASSWORD)
    finally:
        redis_server.start()

    assert [answer.status for answer in answers] == [200] * len(answers)
    assert comment.status == 303
    held = Comment.objects.get(author_email="redis-outage@example.net")
    assert held.status == Comment.Status.PENDING
    assert any("rate limits could not be checked" in reason for reason in held.hold_reasons)
    assert login.status == 302 and login.headers["Location"] == "/admin/"
    record("pages served with Redis stopped (all 200)", len(answers))
    record("slowest page with Redis stopped, seconds", round(max(answer.seconds for answer in answers), 3))

    time.sleep(RETRY_AFTER_SECONDS)
    after = post_comment(reader, app, article, email="redis-back@example.net")
    assert after.status == 303
    counted_again = Comment.objects.get(author_email="redis-back@example.net")
    assert not any("rate limits" in reason for reason in counted_again.hold_reasons)
    assert reader.get(app.url + article.get_absolute_url()).status == 200


@pytest.fixture(params=["machine cache", "redis"])
def make_serve(request, tmp_path, make_article):
    """`make serve` itself, three workers, with no REDIS_URL (its default) and with Redis."""
    recreate_migrated_rows()
    servers, environment = [], {}
    if request.param == "redis":
        servers.append(RedisServer(tmp_path))
        environment["REDIS_URL"] = servers[0].url
    app = MakeServe("app", tmp_path, **environment)
    app.variant = "make serve with Redis" if environment else "make serve defaults, no Redis"
    article = make_article(headline="Lighthouse keepers vote to stay on the island")
    with running(*servers, app):
        yield app, article


def test_a_page_seen_once_is_served_by_every_worker_while_postgresql_is_stopped(make_serve):
    app, article = make_serve
    reader = Browser()
    assert reader.get(app.url + article.get_absolute_url()).status == 200

    postgres_ctl("stop")
    try:
        answers = [reader.get(app.url + article.get_absolute_url()) for _ in range(6)]
    finally:
        postgres_ctl("start")
        connections.close_all()

    served = sum(answer.status == 200 and "Lighthouse keepers vote" in answer.text for answer in answers)
    record(f"loads of a page seen once, served with PostgreSQL stopped, of 6, {app.variant}", served)
    assert served == 6
