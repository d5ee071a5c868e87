"""The page cache: fast for anonymous readers, never stale, never personal."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.models import AdSlot, Article
from articles.preview import preview_url
from comments.models import Comment
from comments.tokens import issue_pending_token
from newsroom import cache as page_cache
from newsroom.models import SiteSettings


def get_counting(client, url, **headers):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers=headers)
    return response, len(queries)


@pytest.fixture
def article(make_article):
    return make_article(headline="Harbour council approves the new ferry timetable", tags=["Transport"])


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["front", "article", "section", "tag", "author", "search"])
def test_second_anonymous_request_makes_no_query(client, article, page):
    url = {
        "front": "/",
        "article": article.get_absolute_url(),
        "section": article.section.get_absolute_url(),
        "tag": "/tag/transport/",
        "author": article.authors.first().get_absolute_url(),
        "search": "/search/?q=ferry",
    }[page]
    first, first_queries = get_counting(client, url)
    assert first.status_code == 200
    assert first_queries > 0
    second, second_queries = get_counting(client, url)
    assert second.status_code == 200
    assert second_queries == 0
    assert second.content == first.content


@pytest.mark.django_db
def test_anonymous_pages_carry_no_cookie_and_are_cdn_cacheable(client, article):
    for _ in range(2):
        response = client.get(article.get_absolute_url())
        assert not response.cookies
        assert "Set-Cookie" not in response.headers
        assert "Cookie" not in response.headers.get("Vary", "")
        assert "public" in response["Cache-Control"]
        assert "stale-while-revalidate" in response["Cache-Control"]
        assert response["ETag"]
        assert response["Last-Modified"]


@pytest.mark.django_db
def test_matching_etag_gets_304(client, article):
    etag = client.get(article.get_absolute_url())["ETag"]
    response, queries = get_counting(client, article.get_absolute_url(), if_none_match=etag)
    assert response.status_code == 304
    assert queries == 0
    assert client.get(article.get_absolute_url(), headers={"if-none-match": '"other"'}).status_code == 200


@pytest.mark.django_db
def test_edit_shows_on_next_request(client, article):
    client.get(article.get_absolute_url())
    article.headline = "Harbour council delays the new ferry timetable"
    article.save()
    assert "delays the new ferry" in client.get(article.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_publish_and_unpublish_show_on_next_request(client, article, make_article):
    draft = make_article(headline="Night trains return to the coast line", status=Article.Status.DRAFT)
    assert "Night trains" not in client.get("/").content.decode()
    draft.status = Article.Status.PUBLISHED
    draft.save()
    assert "Night trains" in client.get("/").content.decode()
    draft.status = Article.Status.DRAFT
    draft.save()
    assert "Night trains" not in client.get("/").content.decode()


@pytest.mark.django_db
def test_scheduled_article_appears_when_its_time_comes(client, article, make_article, monkeypatch):
    later = timezone.now() + timezone.timedelta(minutes=30)
    make_article(headline="Budget hearing opens at noon", publish_at=later)
    assert "Budget hearing" not in client.get("/").content.decode()
    assert "Budget hearing" not in client.get("/").content.decode()
    future = later + timezone.timedelta(seconds=1)
    monkeypatch.setattr("newsroom.cache.time.time", lambda: future.timestamp())
    monkeypatch.setattr("django.utils.timezone.now", lambda: future)
    assert "Budget hearing" in client.get("/").content.decode()


@pytest.mark.django_db
def test_scheduled_ad_appears_and_goes_when_its_times_come(client, make_article, monkeypatch):
    body = "".join(f"<p>Paragraph {number} of the harbour story.</p>" for number in range(1, 13))
    story = make_article(body=body).get_absolute_url()
    # Both times come well before the cached page would expire by itself.
    starts = timezone.now() + timezone.timedelta(minutes=1)
    ends = starts + timezone.timedelta(minutes=2)
    AdSlot.objects.create(name="Spring sale", html="<p>Ferry passes half price</p>", starts_at=starts, ends_at=ends)
    assert "Ferry passes half price" not in client.get(story).content.decode()

    def at(moment):
        monkeypatch.setattr("newsroom.cache.time.time", lambda: moment.timestamp())
        monkeypatch.setattr("django.utils.timezone.now", lambda: moment)

    at(starts + timezone.timedelta(seconds=1))
    assert "Ferry passes half price" in client.get(story).content.decode()
    at(ends + timezone.timedelta(seconds=1))
    assert "Ferry passes half price" not in client.get(story).content.decode()


@pytest.mark.django_db
def test_a_change_made_while_the_cache_was_unreachable_shows_once_it_is_back(client, article, monkeypatch):
    url = article.get_absolute_url()
    client.get(url)

    def unreachable(*args, **kwargs):
        raise ValueError("the shared cache is unreachable")

    with monkeypatch.context() as outage:
        outage.setattr(cache, "set_many", unreachable)
        article.headline = "Harbour council delays the new ferry timetable"
        article.save()
    assert "delays the new ferry" in client.get(url).content.decode()


@pytest.mark.django_db
def test_site_settings_change_shows_on_next_request(client, article):
    client.get("/")
    site = SiteSettings.current()
    site.tagline = "Reporting from the river delta since 1911"
    site.save()
    assert "river delta since 1911" in client.get("/").content.decode()


@pytest.mark.django_db
def test_logged_in_staff_always_get_fresh_pages(client, article, editor):
    client.get(article.get_absolute_url())
    client.force_login(editor)
    Article.objects.filter(pk=article.pk).update(headline="Changed behind the cache's back")
    response, queries = get_counting(client, article.get_absolute_url())
    assert "behind the cache" in response.content.decode()
    assert queries > 0
    assert "private" in response["Cache-Control"]


@pytest.mark.django_db
def test_unknown_parameters_bypass_the_cache(client, article):
    client.get(article.get_absolute_url())
    _, queries = get_counting(client, article.get_absolute_url() + "?utm_source=mail")
    assert queries > 0


@pytest.mark.django_db
def test_page_not_found_is_not_cached(client):
    assert client.get("/section/nowhere/").status_code == 404
    _, queries = get_counting(client, "/section/nowhere/")
    assert queries > 0


# The story fragment: article pages the page cache cannot keep whole (a link
# with tracking parameters, a reader's pending receipt) still render the story
# once per generation, and the conversation under it for each request.


@pytest.mark.django_db
def test_story_is_rendered_once_for_links_the_page_cache_cannot_keep(client, article):
    first = client.get(article.get_absolute_url() + "?utm_source=newsletter")
    response, queries = get_counting(client, article.get_absolute_url() + "?fbclid=a1b2c3")
    # The article itself (published? which section?) and its approved comments.
    assert queries == 2
    assert response.content == first.content
    assert "Harbour council approves" in response.content.decode()
    assert "Leave a Reply" in response.content.decode()
    assert "public" not in response["Cache-Control"]


def test_a_page_rendered_afresh_reads_each_change_time_at_most_twice(client, article, monkeypatch):
    """Once by whichever of its parts needs it first, once more when the page is stored, to find
    whether it changed while the page was rendered; its fragments share the first reading."""
    cache.clear()
    client.get("/")
    reads = []
    get_many = cache.get_many

    def counting_get_many(keys, *args, **kwargs):
        reads.extend(key for key in keys if key.startswith(page_cache.CHANGED_PREFIX))
        return get_many(keys, *args, **kwargs)

    monkeypatch.setattr(cache, "get_many", counting_get_many)
    response = client.get(article.get_absolute_url())
    assert response["X-Page-Cache"] == "miss"
    shown = response["xkey"].split()
    assert {page_cache.CHANGED_PREFIX + key for key in shown} <= set(reads)
    assert max(reads.count(name) for name in set(reads)) <= 2


def test_a_fragment_kept_by_a_key_its_page_does_not_show(rf):
    """`unshown_keys` make the fragment stale without being shown by the page holding it."""
    renders = []

    def fragment(request):
        return page_cache.cached_fragment(
            request, "unshown-test", lambda: renders.append(1) or "html", ["shown-key"], unshown_keys=["unshown-key"]
        )

    def page_shows():
        request = rf.get("/")
        request.page_shows = set()
        assert fragment(request) == "html"
        return request.page_shows

    assert page_shows() == {"site", "shown-key"}
    assert page_shows() == {"site", "shown-key"} and len(renders) == 1
    page_cache.invalidate("unshown-key")
    assert page_shows() == {"site", "shown-key"} and len(renders) == 2


@pytest.mark.django_db
def test_story_fragment_follows_edits(client, article):
    url = article.get_absolute_url() + "?utm_source=newsletter"
    client.get(url)
    article.headline = "Harbour council delays the new ferry timetable"
    article.save()
    assert "delays the new ferry" in client.get(url).content.decode()


@pytest.mark.django_db
def test_conversation_is_live_under_a_cached_story(client, article):
    client.get(article.get_absolute_url() + "?utm_source=newsletter")
    held = Comment.objects.create(
        article=article,
        author_name="Reader",
        author_email="reader@example.net",
        text="Will the early ferry still run on Sundays?",
    )
    url = article.get_absolute_url() + "?pending=" + issue_pending_token(held)
    response, queries = get_counting(client, url)
    assert "early ferry still run on Sundays" in response.content.decode()
    assert "awaiting moderation" in response.content.decode()
    assert response["Cache-Control"] == "private, no-store"
    # The story came from its fragment: only the article, the approved comments and the held one were read.
    assert queries == 3


@pytest.mark.django_db
def test_previews_are_never_served_from_the_fragment_cache(client, make_article):
    draft = make_article(headline="Ferry fares to rise in spring", status=Article.Status.DRAFT)
    assert "Ferry fares to rise" in client.get(preview_url(draft)).content.decode()
    Article.objects.filter(pk=draft.pk).update(headline="Ferry fares to stay the same")
    assert "Ferry fares to stay the same" in client.get(preview_url(draft)).content.decode()


# Only the parameters a page uses may create a cache entry


NOT_PAGES = ("changed:", "dropped:", "next-scheduled", "last-change")


def stored_pages():
    """The keys of the pages in the machine cache (the test settings' cache)."""
    return [
        key
        for key in cache._cache
        if ":pages:" in key and not key.split(":pages:")[1].startswith(NOT_PAGES) and not key.endswith(":rendering")
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        "?page=1000",  # the front page has no pages
        "?page=7&page=7",
        "?utm_source=newsletter",
    ],
)
def test_a_parameter_the_front_page_does_not_use_stores_nothing(client, article, query):
    client.get("/")
    before = stored_pages()
    assert len(before) == 1
    response = client.get("/" + query)
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-cache"
    assert stored_pages() == before


@pytest.mark.django_db
def test_a_page_number_past_the_end_answers_404_and_stores_nothing(client, article):
    response = client.get(article.section.get_absolute_url() + "?page=99")
    assert response.status_code == 404
    assert stored_pages() == []


@pytest.mark.django_db
def test_another_spelling_of_a_page_number_is_shown_but_not_stored(client, make_article, article):
    for n in range(25):
        make_article(headline=f"Ferry notice {n}")
    section = article.section.get_absolute_url()
    assert client.get(section + "?page=2").status_code == 200
    before = stored_pages()
    response = client.get(section + "?page=02")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert stored_pages() == before


@pytest.mark.django_db
def test_comment_pages_past_the_end_are_not_stored(client, article):
    assert client.get(article.get_absolute_url() + "?comments-page=1").status_code == 200
    before = stored_pages()
    response = client.get(article.get_absolute_url() + "?comments-page=4000")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert stored_pages() == before


@pytest.mark.django_db
def test_the_same_parameters_in_another_order_are_one_page(client, article):
    first, _ = get_counting(client, "/search/?q=ferry&section=" + article.section.slug)
    second, queries = get_counting(client, f"/search/?section={article.section.slug}&q=ferry")
    assert queries == 0
    assert second.content == first.content


@pytest.mark.django_db
def test_a_lost_change_time_never_brings_back_old_pages(client, article):
    """A key's change time evicted or lost with a restarted cache counts as a change."""
    old_page = client.get(article.get_absolute_url()).content
    Article.objects.filter(pk=article.pk).update(headline="Ferry timetable withdrawn")
    # An evicted key only ever hides a change older than the last one; a restarted cache loses both.
    cache.delete_many([f"pages:changed:article-{article.pk}", "pages:last-change"])
    assert b"Ferry timetable withdrawn" in client.get(article.get_absolute_url()).content
    assert b"Ferry timetable withdrawn" not in old_page


@pytest.mark.django_db(transaction=True)
def test_a_page_rendered_before_an_edit_commits_is_not_served_after_it(client, article):
    """A reader who asks while an edit is saved but not yet committed sees, and caches, the old text."""
    from django.db import transaction

    with transaction.atomic():
        article.headline = "Ferry timetable withdrawn"
        article.save()
        # Stands for another process, which reads the committed (old) row meanwhile.
        Article.objects.filter(pk=article.pk).update(headline="Harbour council approves the new ferry timetable")
        stale = client.get(article.get_absolute_url())
        Article.objects.filter(pk=article.pk).update(headline="Ferry timetable withdrawn")
    assert b"approves the new ferry timetable" in stale.content
    assert b"Ferry timetable withdrawn" in client.get(article.get_absolute_url()).content


@pytest.mark.django_db
def test_nothing_cached_before_migrate_is_served_after_it(client, article):
    """`make serve` migrates before it starts: a database made again at the same place must not be
    shown with the pages and settings the cache kept from the one before."""
    from django.core.management import call_command

    client.get(article.get_absolute_url())
    SiteSettings.objects.filter(pk=1).update(name="The Harbour Gazette")
    Article.objects.filter(pk=article.pk).update(headline="Ferry timetable withdrawn")
    call_command("migrate", verbosity=0)
    page = client.get(article.get_absolute_url()).content
    assert b"Ferry timetable withdrawn" in page
    assert b"The Harbour Gazette" in page


@pytest.mark.django_db
def test_a_worker_that_takes_the_render_lock_just_after_another_let_go_serves_that_ones_copy(
    client, article, monkeypatch
):
    url = article.get_absolute_url()
    client.get(url)
    article.headline = "Harbour council delays the new ferry timetable"
    article.save()
    add, others = cache.add, []

    def add_after_another_worker_rendered(key, *args, **kwargs):
        if key.endswith(":rendering") and not others:
            # Between this request's read of the stale copy and its try for the lock, another
            # worker takes the lock, renders the page, stores it and lets go.
            others.append(None)
            others[0] = client.get(url)
        return add(key, *args, **kwargs)

    monkeypatch.setattr(cache, "add", add_after_another_worker_rendered)
    response = client.get(url)
    assert others[0]["X-Page-Cache"] == "miss"
    assert response["X-Page-Cache"] == "hit"
    assert "delays the new ferry" in response.content.decode()


class _HeldUp:
    """The shared cache as one process sees it while it is held up: `meanwhile()` runs once, when the
    subclass says, and the process's clock is 200 ms on from then (`clock_on_first`: already while
    `meanwhile()` runs)."""

    clock_on_first = True

    def __init__(self, meanwhile, monkeypatch):
        self.meanwhile = meanwhile
        self.offset_ns = 0
        real_time = page_cache.time
        clock = type("Clock", (), {"__getattr__": lambda _self, name: getattr(real_time, name)})()
        clock.time_ns = lambda: real_time.time_ns() + self.offset_ns
        monkeypatch.setattr(page_cache, "time", clock)
        monkeypatch.setattr(page_cache, "cache", self)

    def __getattr__(self, name):
        return getattr(cache, name)

    def hold_up(self):
        if self.meanwhile:
            meanwhile, self.meanwhile = self.meanwhile, None
            if self.clock_on_first:
                self.offset_ns = 200_000_000
            meanwhile()
            self.offset_ns = 200_000_000


class _SlowWriter(_HeldUp):
    """A process that times a change, then takes a long time to write it: `meanwhile()` runs before
    the first change time lands."""

    def set_many(self, data, timeout=None):
        if any(name.startswith(page_cache.CHANGED_PREFIX) for name in data):
            self.hold_up()
        return cache.set_many(data, timeout)


@pytest.mark.django_db
def test_a_change_written_late_is_not_missed_by_a_page_checked_while_it_was_written(client, article, monkeypatch):
    url = article.get_absolute_url()
    client.get(url)
    # Something else changed since: the next reader reads the page's own keys, and finds them older.
    page_cache.invalidate("author-0")
    Article.objects.filter(pk=article.pk).update(headline="Ferry timetable withdrawn")
    checked_meanwhile = []
    _SlowWriter(lambda: checked_meanwhile.append(client.get(url)["X-Page-Cache"]), monkeypatch)
    page_cache.invalidate(f"article-{article.pk}")
    assert checked_meanwhile == ["hit"]
    # Found fresh just before the change landed, the page is checked again, not taken as fresh since.
    again = client.get(url)
    assert again["X-Page-Cache"] == "miss"
    assert b"Ferry timetable withdrawn" in again.content


@pytest.mark.django_db
def test_a_page_rendered_while_a_change_was_written_is_not_taken_as_fresh_after_it(client, article, monkeypatch):
    """A reader's worker renders the page between the change's time being taken and its write landing:
    the story comes from its fragment, still found fresh. The change, once written, makes that page stale."""
    url = article.get_absolute_url()
    client.get(url)
    # The page's copy evicted: it is rendered again, the story taken from its fragment.
    cache.delete_many([key.split(":", 2)[2] for key in stored_pages()])
    Article.objects.filter(pk=article.pk).update(headline="Ferry timetable withdrawn")
    rendered_meanwhile = []
    _SlowWriter(lambda: rendered_meanwhile.append(client.get(url)), monkeypatch)
    page_cache.invalidate(f"article-{article.pk}")
    assert rendered_meanwhile[0]["X-Page-Cache"] == "miss"
    # The story, from its fragment, as it was.
    assert b"approves the new ferry timetable" in rendered_meanwhile[0].content
    assert b"approves the new ferry timetable" not in client.get(url).content


class _ChangeDuringCheck(_HeldUp):
    """A worker that reads the time of the last change for a page's check, then is held up: another
    process records its change (`meanwhile()`) at the real time, and the worker goes on with the check
    200 ms later."""

    clock_on_first = False

    def get(self, key, default=None, version=None):
        found = cache.get(key, default)
        if key == page_cache.LAST_CHANGE_KEY:
            self.hold_up()
        return found


@pytest.mark.django_db
def test_a_change_made_while_a_page_was_checked_is_not_missed_however_long_the_check(client, article, monkeypatch):
    url, section = article.get_absolute_url(), article.section.get_absolute_url()
    client.get(url)
    client.get(section)
    # Something else changed: the section page, checked now, leaves the article's change time known to
    # this process, which does not read it again until the last change moves.
    page_cache.invalidate("author-0")
    assert client.get(section)["X-Page-Cache"] == "hit"
    Article.objects.filter(pk=article.pk).update(headline="Ferry timetable withdrawn")
    _ChangeDuringCheck(lambda: page_cache.invalidate(f"article-{article.pk}"), monkeypatch)
    # Checked against what was known before the change: found fresh, as it was.
    assert client.get(url)["X-Page-Cache"] == "hit"
    again = client.get(url)
    assert again["X-Page-Cache"] == "miss"
    assert b"Ferry timetable withdrawn" in again.content


@pytest.mark.django_db
def test_a_story_read_just_before_an_edit_landed_is_not_kept_as_fresh_after_it(client, article, monkeypatch):
    """A worker reads the article for its page; the editor's save commits and is recorded; the worker
    then finds the story's fragment stale and renders it from the article it read. That rendering
    shows the text from before the edit, so it must not count as fresh after it."""
    from articles import views

    url = article.get_absolute_url()
    client.get(url)
    page_cache.invalidate(f"article-{article.pk}")
    read_for_page = views.article_for_page

    def read_then_edited_elsewhere(slug):
        found = read_for_page(slug)
        monkeypatch.setattr(views, "article_for_page", read_for_page)
        Article.objects.filter(pk=article.pk).update(headline="Ferry timetable withdrawn")
        page_cache.invalidate(f"article-{article.pk}")
        return found

    monkeypatch.setattr(views, "article_for_page", read_then_edited_elsewhere)
    assert b"approves the new ferry timetable" in client.get(url).content
    assert b"approves the new ferry timetable" not in client.get(url).content


@pytest.mark.django_db
def test_an_older_copy_stored_after_the_page_was_found_fresh_is_checked_again(client, article):
    """A worker that began rendering before an edit stores its copy after another has found the page,
    rendered anew, fresh: that older copy is checked on its own, not taken as the one found fresh."""
    url = article.get_absolute_url()
    client.get(url)
    (page_key,) = [key.split(":", 2)[2] for key in stored_pages() if "fragments" not in key]
    rendered_before_the_edit = cache.get(page_key)
    article.headline = "Ferry timetable withdrawn"
    article.save()
    assert client.get(url)["X-Page-Cache"] == "miss"
    # Something else changes: the new copy is checked, and found fresh.
    page_cache.invalidate("author-0")
    assert client.get(url)["X-Page-Cache"] == "hit"
    cache.set(page_key, rendered_before_the_edit)
    again = client.get(url)
    assert again["X-Page-Cache"] == "miss"
    assert b"Ferry timetable withdrawn" in again.content
