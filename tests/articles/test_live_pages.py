"""Live coverage as readers see it: the live page, its badges, its earlier pages, an update's own page,
the answers to the readers' script, its structured data and feed, and what a new update renders again."""

import json
from datetime import timedelta

import feedparser
import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from articles import takedown
from articles.live import POLL_SECONDS, UPDATES_PER_PAGE, LiveUpdate
from articles.models import Article
from newsroom.links import absolute_url
from tests.articles.public_site import furnish_site, make_image, strict_parse, text_of, with_class
from tests.articles.test_public_pages import COLD_PAGE_QUERY_BUDGET

# The live page shows a live article's updates: every part of them (the page, the pinned ones, the key
# events) is read together, in one query more than an ordinary article page.
LIVE_STREAM_QUERIES = 1


@pytest.fixture(autouse=True)
def _uploads_in_a_fresh_folder(media_root):
    return media_root


@pytest.fixture
def site(db):
    return furnish_site()


@pytest.fixture
def live_article(site, make_article):
    return make_article(
        headline="Storm Aster reaches the coast",
        slug="storm-aster",
        live_from=timezone.now() - timedelta(hours=3),
        key_points="<ul><li>Ferries to the islands are cancelled until Friday.</li></ul>",
    )


@pytest.fixture
def post(live_article, author):
    """Publish an update of the live article, each a minute after the one before."""
    posted = []

    def post_update(article=None, **fields):
        fields.setdefault("body", f"<p>Update number {len(posted) + 1} from the harbour.</p>")
        fields.setdefault("published_at", timezone.now() - timedelta(minutes=120 - len(posted)))
        update = LiveUpdate.objects.create(
            article=article or live_article, author=author, status=LiveUpdate.Status.PUBLISHED, **fields
        )
        posted.append(update)
        return update

    return post_update


def page_of(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response, strict_parse(response.content)


def update_ids(tree, container_class):
    container = with_class(tree, container_class)
    return [int(node.get("data-update-id")) for node in container[0].iter("article")] if container else []


def poll(client, article, etag=None, **params):
    url = reverse("articles:live_poll", kwargs={"section": article.section.slug, "slug": article.slug})
    return client.get(url, params, headers={"If-None-Match": etag} if etag else {})


# The live page


def test_live_page_shows_badge_key_points_key_events_pinned_and_newest_updates(client, live_article, post):
    first = post(headline="Warnings issued", key_event=True)
    pinned = post(headline="Where to find shelter", pinned=True, body="<p>The town hall is open all night.</p>")
    later = [post() for _ in range(UPDATES_PER_PAGE + 2)]
    corrected = later[-1]
    corrected.body = "<p>Corrected: the bridge is closed, not the tunnel.</p><script>alert(1)</script>"
    corrected.corrected_at = timezone.now()
    corrected.save()
    response, tree = page_of(client, live_article.get_absolute_url())

    assert text_of(with_class(tree, "live-badge")[0]) == "Live"
    assert "Ferries to the islands are cancelled" in text_of(with_class(tree, "live-key-points")[0])
    key_events = with_class(tree, "live-key-events")[0].findall(".//a")
    # Older than the page's updates: its link is its own page.
    assert [link.get("href") for link in key_events] == [first.get_absolute_url()]
    assert update_ids(tree, "live-stream__pinned") == [pinned.pk]
    assert update_ids(tree, "live-stream__updates") == [update.pk for update in reversed(later)][:UPDATES_PER_PAGE]
    newest = tree.find(f".//article[@id='update-{corrected.pk}']")
    assert newest.find(".//time").get("datetime") == timezone.localtime(corrected.published_at).isoformat(
        timespec="seconds"
    )
    assert "Updated" in text_of(with_class(newest, "live-update__corrected")[0])
    assert "<script>" not in response.content.decode()
    assert newest.find(".//p[@class='live-update__link']/a").get("href") == corrected.get_absolute_url()
    more = with_class(tree, "live-stream__more")[0].find("a")
    assert more.get("href") == f"?before={later[2].pk}#updates-heading"
    stream = with_class(tree, "live-stream")[0]
    assert stream.get("data-newest") == str(corrected.pk)
    assert stream.get("data-poll-seconds") == str(POLL_SECONDS)
    assert tree.find(".//script[@src]") is not None
    feed_links = [link.get("href") for link in tree.iterfind(".//link[@rel='alternate']")]
    assert reverse("articles:live_feed", kwargs={"section": "world-news", "slug": "storm-aster"}) in feed_links


def test_key_event_on_the_page_links_to_its_anchor(client, live_article, post):
    event = post(headline="The harbour wall holds", key_event=True)
    _, tree = page_of(client, live_article.get_absolute_url())
    links = with_class(tree, "live-key-events")[0].findall(".//a")
    assert [(link.get("href"), "The harbour wall holds" in text_of(link)) for link in links] == [
        (f"#update-{event.pk}", True)
    ]


def test_unpublished_and_other_articles_updates_are_not_shown(client, live_article, post, make_article):
    shown = post()
    held = post()
    held.status = LiveUpdate.Status.REVIEW
    held.save()
    post(published_at=timezone.now() + timedelta(hours=1))
    post(article=make_article(live_from=timezone.now()))
    _, tree = page_of(client, live_article.get_absolute_url())
    assert update_ids(tree, "live-stream__updates") == [shown.pk]


def test_earlier_pages_follow_one_another_to_the_first_update(client, live_article, post):
    updates = [post() for _ in range(UPDATES_PER_PAGE * 2 + 3)]
    pinned = post(pinned=True)
    seen = []
    url = live_article.get_absolute_url()
    while url:
        _, tree = page_of(client, url)
        seen += update_ids(tree, "live-stream__updates")
        if "before" in url:
            # The pinned ones lead the latest page only; an older page has no script's notice.
            assert update_ids(tree, "live-stream__pinned") == []
            assert with_class(tree, "live-stream")[0].get("data-poll-seconds") is None
        more = with_class(tree, "live-stream__more")
        url = more and live_article.get_absolute_url() + more[0].find("a").get("href").split("#")[0]
    assert seen == [update.pk for update in reversed(updates)]
    assert pinned.pk not in seen


@pytest.mark.parametrize("before", ["abc", "-1", "012", "", "99999"])
def test_a_page_before_no_update_of_the_article_is_not_found(client, live_article, post, before):
    post()
    assert client.get(live_article.get_absolute_url(), {"before": before}).status_code == 404


def test_an_earlier_page_is_kept_by_the_page_cache_like_other_pages(client, live_article, post):
    updates = [post() for _ in range(UPDATES_PER_PAGE + 1)]
    url = f"{live_article.get_absolute_url()}?before={updates[1].pk}"
    assert client.get(url)["X-Page-Cache"] == "miss"
    again = client.get(url)
    assert again["X-Page-Cache"] == "hit"
    assert f'id="update-{updates[0].pk}"' in again.content.decode()
    # Another parameter beside it: served, never stored.
    assert "X-Page-Cache" not in client.get(url + "&utm_source=x")


def test_badges_on_every_teaser_while_live_and_after(client, live_article, section):
    front = client.get("/").content.decode()
    assert front.count('<span class="live-badge live-badge--running">Live</span>') >= 1
    assert 'live-badge live-badge--running">Live' in client.get(section.get_absolute_url()).content.decode()
    Article.objects.filter(pk=live_article.pk).update(live_until=timezone.now() - timedelta(minutes=1))
    cache.clear()
    assert '<span class="live-badge">Coverage ended</span>' in client.get("/").content.decode()
    _, tree = page_of(client, live_article.get_absolute_url())
    assert text_of(with_class(tree, "live-badge")[0]) == "Coverage ended"
    # Ended: the script is told not to ask.
    assert with_class(tree, "live-stream")[0].get("data-poll-seconds") is None


def test_an_ordinary_article_has_no_badge_and_no_stream(client, site, make_article):
    article = make_article()
    content = client.get(article.get_absolute_url()).content.decode()
    assert "live-badge" not in content and "live-stream" not in content
    assert client.get(article.get_absolute_url(), {"before": "1"}).status_code == 404


# Query counts


def count_cold_queries(client, url):
    cache.clear()
    ContentType.objects.clear_cache()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def live_article_with(count, make_article, author, label):
    article = make_article(slug=f"{label}-live", live_from=timezone.now() - timedelta(days=2), hero_image=make_image())
    now = timezone.now()
    LiveUpdate.objects.bulk_create(
        LiveUpdate(
            article=article,
            author=author,
            body=f"<p>{label} update {n}</p>",
            status=LiveUpdate.Status.PUBLISHED,
            published_at=now - timedelta(minutes=n + 1),
            pinned=n in (3, 4),
            key_event=n % 50 == 0,
            image=make_image(f"{label}-{n}") if n < 2 else None,
        )
        for n in range(count)
    )
    return article


def test_live_page_queries_are_constant_in_the_number_of_updates(client, site, make_article, author):
    # A story for the related boxes to show.
    make_article(slug="neighbour")
    plain = count_cold_queries(client, make_article(slug="plain").get_absolute_url())
    five = live_article_with(5, make_article, author, "five")
    thousand = live_article_with(1000, make_article, author, "thousand")
    at_five = count_cold_queries(client, five.get_absolute_url())
    at_thousand = count_cold_queries(client, thousand.get_absolute_url())
    assert at_five == at_thousand == plain + LIVE_STREAM_QUERIES
    # Within an ordinary page's budget: a story without corrections reads none.
    assert at_thousand <= COLD_PAGE_QUERY_BUDGET
    older = LiveUpdate.objects.filter(article=thousand).order_by("-published_at")[500]
    assert count_cold_queries(client, f"{thousand.get_absolute_url()}?before={older.pk}") == at_thousand
    # The script's question, whatever the number of updates: the article, then the updates.
    for article in (five, thousand):
        newest = LiveUpdate.objects.filter(article=article).order_by("-published_at")[2]
        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            assert poll(client, article, after=newest.pk).status_code == 200
        assert len(captured) <= COLD_PAGE_QUERY_BUDGET


def test_live_page_stays_light_at_a_thousand_updates(client, site, make_article, author):
    article = live_article_with(1000, make_article, author, "heavy")
    _, tree = page_of(client, article.get_absolute_url())
    assert len(update_ids(tree, "live-stream__updates")) == UPDATES_PER_PAGE
    assert len(update_ids(tree, "live-stream__pinned")) == 2
    assert len(with_class(tree, "live-key-events")[0].findall(".//li")) == 20


# The script's questions


def test_poll_answers_the_updates_after_the_newest_the_reader_has(client, live_article, post):
    seen = post()
    new = [post(), post(headline="Power is back in the old town")]
    response = poll(client, live_article, after=seen.pk)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    answer = response.json()
    assert answer["count"] == 2
    assert answer["newest"] == new[-1].pk
    assert answer["poll_seconds"] == POLL_SECONDS
    assert answer["complete"] is True
    assert answer["html"].index(f'id="update-{new[1].pk}"') < answer["html"].index(f'id="update-{new[0].pk}"')
    assert "Power is back in the old town" in answer["html"]


def test_poll_with_nothing_new_says_so_and_answers_304_to_its_etag(client, live_article, post):
    newest = post()
    first = poll(client, live_article, after=newest.pk)
    assert first.json()["count"] == 0
    assert first.json()["newest"] == newest.pk
    etag = first["ETag"]
    assert etag.startswith('"')  # strong
    assert "public" in first["Cache-Control"]
    assert "xkey" in first and "live-" in first["xkey"]
    again = poll(client, live_article, after=newest.pk, etag=etag)
    assert again.status_code == 304
    assert again["X-Page-Cache"] == "hit"
    post()
    changed = poll(client, live_article, after=newest.pk, etag=etag)
    assert changed.status_code == 200
    assert changed.json()["count"] == 1
    assert changed["ETag"] != etag


def test_poll_answers_304_also_when_rendered_for_a_signed_in_reader(editor_client, live_article, post):
    newest = post()
    first = poll(editor_client, live_article, after=newest.pk)
    assert first.status_code == 200
    assert poll(editor_client, live_article, after=newest.pk, etag=first["ETag"]).status_code == 304


def test_poll_before_gives_the_next_older_page(client, live_article, post):
    updates = [post() for _ in range(UPDATES_PER_PAGE + 5)]
    answer = poll(client, live_article, before=updates[-1].pk).json()
    assert answer["count"] == UPDATES_PER_PAGE
    assert answer["earlier_than"] == updates[4].pk
    last = poll(client, live_article, before=updates[4].pk).json()
    assert last["count"] == 4 and last["earlier_than"] is None


def test_poll_without_after_gives_the_newest(client, live_article, post):
    update = post()
    assert poll(client, live_article).json()["newest"] == update.pk


def test_poll_tells_the_script_to_stop_once_coverage_ends(client, live_article, post):
    newest = post()
    Article.objects.filter(pk=live_article.pk).update(live_until=timezone.now())
    assert poll(client, live_article, after=newest.pk).json()["poll_seconds"] is None


def test_poll_interval_follows_the_setting(client, live_article, post, settings):
    settings.LIVE_POLL_SECONDS = 2
    assert poll(client, live_article, after=post().pk).json()["poll_seconds"] == 2


@pytest.mark.parametrize(
    "params",
    [
        {"after": "x"},
        {"after": "-3"},
        {"after": "1e3"},
        {"after": "99999"},
        {"before": ""},
        {"after": "1", "before": "2"},
    ],
)
def test_poll_refuses_what_names_no_update_with_400_json(client, live_article, post, params):
    post()
    response = poll(client, live_article, **params)
    assert response.status_code == 400
    assert "error" in response.json()


def test_poll_refuses_an_update_of_another_article(client, live_article, post, make_article):
    other = post(article=make_article(live_from=timezone.now()))
    assert poll(client, live_article, after=other.pk).status_code == 400


def test_poll_of_no_live_article_is_404_and_of_a_taken_down_one_410(client, live_article, post, make_article):
    assert poll(client, make_article()).status_code == 404
    draft = make_article(live_from=timezone.now(), status=Article.Status.DRAFT)
    assert poll(client, draft).status_code == 404
    newest = post()
    Article.objects.filter(pk=live_article.pk).update(taken_down_at=timezone.now())
    response = poll(client, live_article, after=newest.pk)
    assert response.status_code == 410
    assert "error" in json.loads(response.content)
    assert client.get(live_article.get_absolute_url()).status_code == 410
    assert client.get(newest.get_absolute_url()).status_code == 410


# An update's own page and the `live/` address


def test_an_updates_own_page_has_its_share_cards_and_a_way_back(client, live_article, post):
    update = post(headline="Lifeboat crew rescue two sailors", image=make_image("lifeboat"))
    _, tree = page_of(client, update.get_absolute_url())
    meta = {node.get("property") or node.get("name"): node.get("content") for node in tree.iterfind(".//meta")}
    assert meta["og:title"] == "Lifeboat crew rescue two sailors"
    assert meta["og:description"] == "Update number 1 from the harbour."
    assert "/media/renditions/" in meta["og:image"]
    assert meta["twitter:card"] == "summary_large_image"
    assert tree.find(".//link[@rel='canonical']").get("href").endswith(update.get_absolute_url())
    assert text_of(tree.find(".//h1")) == "Lifeboat crew rescue two sailors"
    back = with_class(tree, "live-update-page__back")[0].find("a")
    assert back.get("href") == f"{live_article.get_absolute_url()}#update-{update.pk}"


def test_an_update_not_published_or_of_another_article_has_no_page(client, live_article, post, make_article):
    held = post()
    held.status = LiveUpdate.Status.REVIEW
    held.save()
    assert client.get(held.get_absolute_url()).status_code == 404
    other = post(article=make_article(live_from=timezone.now()))
    url = reverse(
        "articles:live_update", kwargs={"section": "world-news", "slug": live_article.slug, "update_id": other.pk}
    )
    assert client.get(url).status_code == 404


def test_live_address_redirects_permanently_to_the_article_page(client, live_article, make_article):
    url = reverse("articles:live", kwargs={"section": "world-news", "slug": live_article.slug})
    response = client.get(url)
    assert response.status_code == 301
    assert response["Location"] == live_article.get_absolute_url()
    assert client.get(url.replace("storm-aster", "no-such-story")).status_code == 404


# Structured data and feed


def test_live_page_describes_itself_as_a_live_blog_posting(client, live_article, post):
    Article.objects.filter(pk=live_article.pk).update(live_until=timezone.now() + timedelta(hours=1))
    updates = [post(headline="Roads reopen"), post()]
    _, tree = page_of(client, live_article.get_absolute_url())
    data = json.loads(tree.find(".//script[@type='application/ld+json']").text)
    assert data["@type"] == "LiveBlogPosting"
    live_article.refresh_from_db()
    assert data["coverageStartTime"] == timezone.localtime(live_article.live_from).isoformat(timespec="seconds")
    assert data["coverageEndTime"] == timezone.localtime(live_article.live_until).isoformat(timespec="seconds")
    entries = data["liveBlogUpdate"]
    assert [entry["@type"] for entry in entries] == ["BlogPosting", "BlogPosting"]
    assert entries[1]["headline"] == "Roads reopen"
    assert entries[1]["articleBody"] == "Update number 1 from the harbour."
    assert entries[1]["url"].endswith(f"{live_article.get_absolute_url()}#update-{updates[0].pk}")
    assert entries[0]["datePublished"] and entries[0]["dateModified"]


def test_live_feed_lists_the_updates_newest_first(client, live_article, post):
    updates = [post(headline="Schools close early"), post()]
    response = client.get(reverse("articles:live_feed", kwargs={"section": "world-news", "slug": "storm-aster"}))
    assert response.status_code == 200
    feed = feedparser.parse(response.content)
    assert feed.feed.title == "Storm Aster reaches the coast: live updates"
    assert [entry.link for entry in feed.entries] == [
        absolute_url(update.get_stream_url()) for update in reversed(updates)
    ]
    assert feed.entries[1].title == "Schools close early"


def test_the_live_feed_of_a_taken_down_article_is_gone(client, live_article, post, editor):
    post()
    takedown.take_down(live_article.pk, editor, "A court order names a witness in one of the updates.")
    response = client.get(reverse("articles:live_feed", kwargs={"section": "world-news", "slug": "storm-aster"}))
    assert response.status_code == 410


def test_the_live_feed_of_no_live_article_is_not_found(client, live_article):
    response = client.get(reverse("articles:live_feed", kwargs={"section": "world-news", "slug": "no-such-story"}))
    assert response.status_code == 404


# What a new update renders again


def test_a_new_update_renders_its_page_and_answers_again_not_the_lists(client, live_article, post, section):
    newest = post()
    own_page = newest.get_absolute_url()
    pages = {
        "live page": live_article.get_absolute_url(),
        "poll": reverse("articles:live_poll", kwargs={"section": "world-news", "slug": "storm-aster"})
        + f"?after={newest.pk}",
        "update page": own_page,
        "feed": reverse("articles:live_feed", kwargs={"section": "world-news", "slug": "storm-aster"}),
        "front": "/",
        "section": section.get_absolute_url(),
    }
    for url in pages.values():
        client.get(url)
    assert {name: client.get(url)["X-Page-Cache"] for name, url in pages.items()} == dict.fromkeys(pages, "hit")
    post()
    assert {name: client.get(url)["X-Page-Cache"] for name, url in pages.items()} == {
        "live page": "miss",
        "poll": "miss",
        "update page": "miss",
        "feed": "miss",
        "front": "hit",
        "section": "hit",
    }


@pytest.mark.parametrize("number", ["99999999999999999999999", "9223372036854775808"])
def test_an_id_beyond_the_databases_integers_is_refused_not_a_crash(client, live_article, post, number):
    update = post()
    assert client.get(live_article.get_absolute_url(), {"before": number}).status_code == 404
    assert poll(client, live_article, after=number).status_code == 400
    assert poll(client, live_article, before=number).status_code == 400
    assert client.get(update.get_absolute_url().replace(f"/{update.pk}/", f"/{number}/")).status_code == 404
