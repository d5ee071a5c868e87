"""The shared cache failing: Redis unreachable slows the site down and never breaks it.

Most tests point the cache at a loopback port nothing listens on; one runs a real redis-server
and stops it under the cache's feet.
"""

import time

import pytest
from django.core.cache import cache

from comments.models import Comment
from newsroom.cache_backends import RETRY_AFTER_SECONDS, FailSafeRedisCache, shared_cache_available
from newsroom.models import SiteSettings
from tests.comments.conftest import POST_URL, comment_data
from tests.servers import RedisServer, free_port


def fail_safe_cache_settings(url):
    return {"default": {"BACKEND": "newsroom.cache_backends.FailSafeRedisCache", "LOCATION": url}}


@pytest.fixture
def redis_down(settings):
    settings.CACHES = fail_safe_cache_settings(f"redis://127.0.0.1:{free_port()}/0")


@pytest.fixture
def real_redis(tmp_path):
    server = RedisServer(tmp_path).start()
    yield server
    server.stop()


class TestUnreachableRedis:
    def test_answers_as_an_empty_cache_that_stores_nothing(self, redis_down):
        assert cache.get("page", "default") == "default"
        assert cache.get_many(["a", "b"]) == {}
        assert cache.has_key("page") is False
        assert cache.add("lock", 1) is False
        assert cache.set("page", "body") is None
        assert cache.delete("page") is False
        assert cache.set_many({"a": 1, "b": 2}) == ["a", "b"]
        with pytest.raises(ValueError):
            cache.incr("counter")
        assert shared_cache_available() is False

    def test_an_outage_costs_little_time(self, redis_down):
        started = time.monotonic()
        for _ in range(200):
            cache.get("page")
        assert time.monotonic() - started < 1

    def test_public_pages_are_served(self, client, make_article, redis_down):
        article = make_article()
        for url in ["/", article.get_absolute_url(), "/search/?q=headline", "/feed/", "/sitemap.xml"]:
            assert client.get(url).status_code == 200, url

    def test_a_comment_is_accepted_and_held_for_a_moderator(self, client, make_article, redis_down):
        """The rate limits cannot be counted: rather than refuse every reader, a moderator sees each comment."""
        SiteSettings.objects.filter(pk=1).update(hold_all_comments=False)
        article = make_article()
        response = client.post(POST_URL, comment_data(article), REMOTE_ADDR="203.0.113.9")

        assert response.status_code == 303
        comment = Comment.objects.get()
        assert comment.status == Comment.Status.PENDING
        assert any("rate limits" in reason for reason in comment.hold_reasons), comment.hold_reasons

    def test_staff_can_still_log_in(self, client, editor, redis_down):
        for _ in range(8):
            client.post("/admin/login/", {"username": editor.username, "password": "wrong"})
        response = client.post(
            "/admin/login/?next=/admin/", {"username": editor.username, "password": "correct horse battery"}
        )
        assert response.status_code == 302
        assert client.get("/admin/").status_code == 200


def test_a_real_redis_stopping_and_returning(settings, real_redis):
    settings.CACHES = fail_safe_cache_settings(real_redis.url)
    cache.set("page", "body")
    assert cache.get("page") == "body"
    assert shared_cache_available()

    real_redis.stop()
    assert cache.get("page") is None
    assert cache.add("page", "other") is False
    assert shared_cache_available() is False

    real_redis.start()
    time.sleep(RETRY_AFTER_SECONDS)
    assert cache.add("page", "again") is True
    assert cache.get("page") == "again"
    assert shared_cache_available()


def test_socket_timeouts_are_short_by_default():
    backend = FailSafeRedisCache("redis://127.0.0.1:1/0", {})
    assert backend._options["socket_connect_timeout"] <= 0.5
    assert backend._options["socket_timeout"] <= 1


def cache_location(tmp_path, database_url):
    """Where `make serve` without Redis keeps its machine cache, for this database."""
    import subprocess
    import sys

    from tests.servers import ROOT, deployment_environment

    show = "from django.conf import settings; print(settings.CACHES['default']['LOCATION'])"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", show],
        cwd=ROOT,
        env=deployment_environment(DEBUG="0", DATABASE_URL=database_url, XDG_STATE_HOME=str(tmp_path), REDIS_URL=""),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_each_database_has_a_machine_cache_of_its_own(tmp_path):
    """A checkout serving its SQLite demo and, later, a PostgreSQL database never mixes their pages."""
    sqlite = cache_location(tmp_path, f"sqlite:///{tmp_path / 'demo.sqlite3'}")
    assert cache_location(tmp_path, f"sqlite:///{tmp_path / 'demo.sqlite3'}") == sqlite
    assert cache_location(tmp_path, f"sqlite:///{tmp_path / 'other.sqlite3'}") != sqlite
    assert cache_location(tmp_path, "postgres://news@127.0.0.1:5432/newsroom") != sqlite
    assert sqlite.startswith(str(tmp_path))
