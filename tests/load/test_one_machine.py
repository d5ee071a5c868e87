"""One machine, as a newsroom that follows the README runs it: `make serve` with its defaults (three
gunicorn workers, no REDIS_URL, no SECRET_KEY) on a SQLite database that `seed_demo` filled, and the
same again with Redis. Every worker must see one cache: what one of them (or a management command)
changes, stores or counts, all of them see."""

import re
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import redis
from django.db import connection

from articles.demo import DEMO_PASSWORD
from newsroom import login_throttle
from tests.comments.conftest import POST_URL
from tests.figures import record
from tests.servers import Browser, MakeServe, RedisServer, running

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="its own SQLite site; the PostgreSQL variant is in tests/faults"
)

WORKERS = 3  # make serve's default
LOADS = 2 * WORKERS


@pytest.fixture(scope="module")
def demo_database(tmp_path_factory):
    folder = tmp_path_factory.mktemp("one-machine")
    environment = {"DATABASE_URL": f"sqlite:///{folder / 'site.sqlite3'}", "MEDIA_ROOT": str(folder / "media")}
    MakeServe("seed", folder, **environment).manage("migrate", "--noinput", "--verbosity", "0")
    MakeServe("seed", folder, **environment).manage("seed_demo")
    return folder, environment


@pytest.fixture(scope="module", params=["machine cache", "redis"])
def machine(request, demo_database):
    folder, environment = demo_database
    workdir = folder / request.param.replace(" ", "-")
    workdir.mkdir()
    servers = []
    if request.param == "redis":
        servers.append(RedisServer(workdir))
        environment = {**environment, "REDIS_URL": servers[0].url}
    app = MakeServe("app", workdir, **environment)
    app.redis = servers[0] if servers else None
    app.variant = "make serve with Redis" if app.redis else "make serve defaults, no Redis"
    with running(*servers, app):
        yield app


@pytest.fixture
def site(machine):
    """Each test starts from an empty cache: no counts, no pages, left by the one before."""
    machine.manage("shell", "-c", "from django.core.cache import cache; cache.clear()")
    return machine


def article_path(site):
    front = Browser().get(site.url + "/")
    return re.search(r'href="(/news/[^"]+/)"', front.text).group(1)


def comment_form(page, n, email=None, text=None):
    # Both machines share one database: the port keeps a text from being a duplicate of the other's.
    port = re.search(r":(\d+)/", page.url).group(1)
    return {
        "comment": f"{text or f'Reader {n} asks when the ferry timetable will be published.'} ({port})",
        "name": f"Reader {n}",
        "email": email or f"reader{n}@example.net",
        "website": "",
        "phone": "",
        "article": Browser.form_field(page, "article"),
        "parent": "",
        "token": Browser.form_field(page, "token"),
    }


def article_page_with_token(site, path):
    page = Browser().get(site.url + path)
    # The form token is refused when it comes back faster than a person types.
    time.sleep(4)
    return page


def post_all(site, forms):
    with ThreadPoolExecutor(max_workers=10) as pool:
        return list(pool.map(lambda form: Browser().post(site.url + POST_URL, form), forms))


def loads(site, path):
    return [Browser().get(site.url + path) for _ in range(LOADS)]


def test_a_comment_a_moderator_approves_is_on_every_next_load(site):
    path = article_path(site)
    page = article_page_with_token(site, path)
    form = comment_form(page, 1, text="The harbour ferry timetable should be posted at the pier as well.")
    text = form["comment"]
    assert Browser().post(site.url + POST_URL, form).status == 303
    assert all(text not in answer.text for answer in loads(site, path))

    moderator = Browser()
    assert moderator.log_in(site, "moderator", DEMO_PASSWORD).status == 302
    queue = moderator.get(site.url + "/admin/comments/comment/?status__exact=pending")
    held = re.findall(r'name="_selected_action" value="(\d+)"', queue.text)
    approved = moderator.post(
        site.url + "/admin/comments/comment/?status__exact=pending",
        {
            "csrfmiddlewaretoken": Browser.form_field(queue, "csrfmiddlewaretoken"),
            "action": "approve",
            "_selected_action": held,
            "index": "0",
        },
    )
    assert approved.status == 302

    shown = [text in answer.text for answer in loads(site, path)]
    record(f"next {LOADS} loads showing a comment just approved, {site.variant}", sum(shown))
    assert shown == [True] * LOADS


def test_an_edit_saved_by_another_process_is_on_every_next_load(site):
    path = article_path(site)
    slug = path.rstrip("/").rsplit("/", 1)[1]
    assert all(answer.status == 200 for answer in loads(site, path))
    site.manage(
        "shell",
        "-c",
        "from articles.models import Article; "
        f"article = Article.objects.get(slug='{slug}'); "
        "article.headline = 'Ferry timetable published after a week of delays'; article.save()",
    )
    shown = ["Ferry timetable published after a week of delays" in answer.text for answer in loads(site, path)]
    record(f"next {LOADS} loads showing an edit saved by another process, {site.variant}", sum(shown))
    assert shown == [True] * LOADS


def test_the_flood_limit_counts_every_worker(site):
    page = article_page_with_token(site, article_path(site))
    answers = post_all(site, [comment_form(page, n) for n in range(30)])
    statuses = sorted(answer.status for answer in answers)
    record(
        f"comments accepted of 30 sent at once from one address (limit 10 an hour), {site.variant}", statuses.count(303)
    )
    assert statuses == [303] * 10 + [429] * 20  # ten an hour from one address, the demo's setting


def test_a_form_token_and_email_are_accepted_once(site):
    page = article_page_with_token(site, article_path(site))
    forms = [comment_form(page, 7, text=f"Third attempt number {n} at the same question.") for n in range(3)]
    statuses = sorted(answer.status for answer in post_all(site, forms))
    record(f"comments accepted of 3 sent at once with one form token and email, {site.variant}", statuses.count(303))
    assert statuses.count(303) == 1, statuses
    assert all(400 <= status < 500 for status in statuses if status != 303), statuses


def test_login_throttling_counts_every_worker(site):
    for _ in range(login_throttle.ACCOUNT_FAILURES_ALLOWED + 1):
        assert Browser().log_in(site, "editor", "not the password").status == 200
    answers = [Browser().log_in(site, "editor", DEMO_PASSWORD) for _ in range(WORKERS)]
    paused = sum(answer.status == 200 and "Logging in is paused" in answer.text for answer in answers)
    record(f"right password after 6 wrong ones refused, of {WORKERS} tries, {site.variant}", paused)
    assert paused == WORKERS


def cache_size(site):
    if site.redis is not None:
        return redis.Redis.from_url(site.redis.url).info("memory")["used_memory"]
    cache_dir = next(Path(site.environment["XDG_STATE_HOME"]).glob("newsroom/*/cache"))
    return sum(file.stat().st_size for file in cache_dir.rglob("*") if file.is_file())


def test_parameters_a_page_does_not_use_store_nothing(site):
    for path in ("/", "/search/?q=ferry", article_path(site)):
        Browser().get(site.url + path)
    before = cache_size(site)
    answers = [Browser().get(f"{site.url}/?page={n}") for n in range(1000, 1300)]
    assert {answer.status for answer in answers} == {200}
    assert {answer.headers["Cache-Control"] for answer in answers} == {"private, no-cache"}
    growth = cache_size(site) - before
    record(f"cache growth from 300 requests for /?page=N, bytes, {site.variant}", growth)
    assert growth < 1024 * 1024, "300 copies of the front page were stored"

    section = re.search(r'href="(/section/[^"]+/)"', answers[0].text).group(1)
    past_the_end = Browser().get(f"{site.url}{section}?page=999")
    assert past_the_end.status == 404
    assert "public" not in past_the_end.headers.get("Cache-Control", "")


CONCURRENT_READERS = 16


def concurrent_loads(site, path):
    with ThreadPoolExecutor(CONCURRENT_READERS) as pool:
        return list(pool.map(lambda _: Browser().get(site.url + path), range(CONCURRENT_READERS)))


@pytest.mark.parametrize("withdrawn", [False, True], ids=["edited", "withdrawn"])
def test_a_page_just_invalidated_is_rendered_once_for_many_readers(site, withdrawn):
    """One worker renders it; the others serve the copy they have (an edit) or wait for the new one (a copy
    that may not be served any more)."""
    path = article_path(site)
    slug = path.rstrip("/").rsplit("/", 1)[1]
    assert Browser().get(site.url + path).status == 200
    site.manage(
        "shell",
        "-c",
        "from articles.models import Article; from articles.page_keys import article_key; "
        "from newsroom.cache import invalidate; "
        f"invalidate(article_key(Article.objects.get(slug='{slug}').pk), at_once={withdrawn})",
    )
    answers = concurrent_loads(site, path)
    assert {answer.status for answer in answers} == {200}
    how = [answer.headers["X-Page-Cache"] for answer in answers]
    kind = "withdrawn" if withdrawn else "edited"
    record(
        f"renders for {CONCURRENT_READERS} concurrent readers of a page just {kind}, {site.variant}", how.count("miss")
    )
    assert how.count("miss") == 1, how
    assert "stale" not in how if withdrawn else "waited" not in how
