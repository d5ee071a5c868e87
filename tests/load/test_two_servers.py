"""Two app servers behind an imaginary load balancer: gunicorn twice as `make serve` runs it, on one
PostgreSQL (the throwaway cluster of `make test-postgres`) and one redis-server. Readers' addresses
arrive in X-Forwarded-For, which the servers trust because TRUSTED_PROXY_HEADER says so."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.auth.models import User
from reversion.models import Version

from articles.models import Article
from comments.models import Comment
from newsroom import login_throttle
from newsroom.models import SiteSettings
from tests.admin_forms import read_form, with_changes
from tests.comments.conftest import POST_URL
from tests.figures import record
from tests.servers import (
    SERVER_TEST_MARKS,
    AppServer,
    Browser,
    RedisServer,
    collect_static,
    recreate_migrated_rows,
    running,
    set_password_for_servers,
    shared_cache,
)

pytestmark = SERVER_TEST_MARKS

READERS = 500
CONCURRENT_READERS = 50
PASSWORD = "correct horse battery"
CONFLICT_MESSAGE = "after you opened it. Your changes were not saved"


@pytest.fixture
def servers(tmp_path):
    """Started afresh for each test: a server keeps content-type ids that the flush after a test changes."""
    recreate_migrated_rows()
    collect_static()
    redis_server = RedisServer(tmp_path)
    environment = {"REDIS_URL": redis_server.url, "TRUSTED_PROXY_HEADER": "HTTP_X_FORWARDED_FOR"}
    first, second = AppServer("a", tmp_path, **environment), AppServer("b", tmp_path, **environment)
    with running(redis_server, first, second):
        yield redis_server, first, second


@pytest.fixture
def site(servers, settings, make_article):
    redis_server, first, second = servers
    settings.CACHES = shared_cache(redis_server)
    return {"a": first, "b": second, "article": make_article(headline="Harbour authority delays the ferry contract")}


def reader_address(n):
    return f"10.{n // 250}.{n % 250}.7"


def comment_form(token, article, n, email=None):
    return {
        "comment": f"Reader {n} thinks the contract should be tendered again.",
        "name": f"Reader {n}",
        "email": email or f"reader{n}@example.net",
        "website": "",
        "phone": "",
        "article": str(article.pk),
        "parent": "",
        "token": token,
    }


def form_tokens(site):
    """What each server's copy of the article page carries; then wait as long as a person would."""
    tokens = {}
    for name in ("a", "b"):
        page = Browser().get(site[name].url + site["article"].get_absolute_url())
        tokens[name] = Browser.form_field(page, "token")
    time.sleep(SiteSettings.current().minimum_seconds_to_comment + 1)
    return tokens


def test_500_readers_commenting_at_once_across_both_servers(site):
    article, tokens = site["article"], form_tokens(site)

    def post(n):
        server = "ab"[n % 2]
        return Browser().post(
            site[server].url + POST_URL,
            comment_form(tokens[server], article, n),
            headers={"X-Forwarded-For": reader_address(n)},
            timeout=120,
        )

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=CONCURRENT_READERS) as pool:
        answers = list(pool.map(post, range(READERS)))
    elapsed = time.monotonic() - started

    statuses = [answer.status for answer in answers]
    server_errors = sum(status >= 500 for status in statuses)
    stored = list(Comment.objects.values_list("author_email", "ip_address"))
    record("comments posted at once across two servers", READERS)
    record("comments stored", len(stored))
    record("5xx answers under load", server_errors)
    record("comment posts per second across two servers", round(READERS / elapsed, 1))
    assert server_errors == 0
    assert statuses == [303] * READERS, {status: statuses.count(status) for status in set(statuses)}
    assert sorted(stored) == sorted((f"reader{n}@example.net", reader_address(n)) for n in range(READERS))


def test_an_edit_saved_on_one_server_is_fresh_on_the_other(site, editor):
    article, first, second = site["article"], site["a"], site["b"]
    reader = Browser()
    for server in (first, second):
        for _ in range(2):
            assert "Harbour authority delays" in reader.get(server.url + article.get_absolute_url()).text

    set_password_for_servers(editor, PASSWORD)
    desk = Browser()
    assert desk.log_in(first, editor.username, PASSWORD).status == 302
    change_url = f"{first.url}/admin/articles/article/{article.pk}/change/"
    edit = with_changes(read_form(desk.get(change_url)), headline="Harbour authority signs the ferry contract")
    assert desk.post(change_url, edit).status == 302

    on_second = reader.get(second.url + article.get_absolute_url())
    assert on_second.status == 200
    assert "Harbour authority signs the ferry contract" in on_second.text
    assert "Harbour authority delays" not in on_second.text


def test_the_comment_rate_limit_holds_across_both_servers(site):
    limit = 4
    SiteSettings.objects.filter(pk=1).update(comments_per_hour_per_ip=limit)
    SiteSettings.current().save()  # saving clears the settings the servers keep in the shared cache
    article, tokens = site["article"], form_tokens(site)
    answers = [
        Browser().post(
            site["ab"[n % 2]].url + POST_URL,
            comment_form(tokens["ab"[n % 2]], article, n),
            headers={"X-Forwarded-For": "192.0.2.44"},
        )
        for n in range(limit + 3)
    ]
    assert [answer.status for answer in answers] == [303] * limit + [429] * 3
    assert Comment.objects.filter(ip_address="192.0.2.44").count() == limit
    assert "too many comments" in answers[-1].text


def test_login_throttling_holds_across_both_servers(site, editor):
    set_password_for_servers(editor, PASSWORD)
    for attempt in range(login_throttle.ACCOUNT_FAILURES_ALLOWED):
        server = site["ab"[attempt % 2]]
        assert Browser().log_in(server, editor.username, "guess").status == 200
    for server in (site["a"], site["b"]):
        answer = Browser().log_in(server, editor.username, PASSWORD)
        assert answer.status == 200 and "Logging in is paused" in answer.text


def test_two_editors_saving_the_same_article_at_once_on_two_servers(site, editor):
    article, first, second = site["article"], site["a"], site["b"]
    colleague = User.objects.create_user("grace", "grace@example.org", is_staff=True)
    colleague.groups.set(editor.groups.all())
    desks = []
    for user, server, headline in [
        (editor, first, "Ferry contract: the harbour authority signs"),
        (colleague, second, "Ferry contract signed after a year of delays"),
    ]:
        set_password_for_servers(user, PASSWORD)
        desk = Browser()
        assert desk.log_in(server, user.username, PASSWORD).status == 302
        change_url = f"{server.url}/admin/articles/article/{article.pk}/change/"
        edit = with_changes(read_form(desk.get(change_url)), headline=headline)
        desks.append((desk, change_url, edit))

    both_ready = threading.Barrier(len(desks))

    def save(desk_and_edit):
        desk, change_url, edit = desk_and_edit
        both_ready.wait()
        return desk.post(change_url, edit)

    with ThreadPoolExecutor(max_workers=len(desks)) as pool:
        answers = list(pool.map(save, desks))

    headlines = [edit["headline"] for _desk, _url, edit in desks]
    outcomes = {answer.status: (answer, headline) for answer, headline in zip(answers, headlines, strict=True)}
    assert sorted(outcomes) == [200, 302], [answer.status for answer in answers]
    (refused, refused_edit), (_saved, saved_edit) = outcomes[200], outcomes[302]
    assert CONFLICT_MESSAGE in refused.text
    assert refused_edit in refused.text, "the refused edit is no longer in the form"
    assert Article.objects.get(pk=article.pk).headline == saved_edit
    kept = [version.field_dict["headline"] for version in Version.objects.get_for_object_reference(Article, article.pk)]
    assert refused_edit in kept, "the refused edit was not kept in the article's history"
