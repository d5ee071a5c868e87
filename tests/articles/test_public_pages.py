"""The public site as a reader (and a crawler) sees it."""

import json
import re
from datetime import timedelta
from urllib.parse import urlsplit
from xml.etree import ElementTree

import feedparser
import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import connection
from django.template import Context, Template
from django.template.loader import render_to_string
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from articles import page_keys
from articles.models import AdSlot, Article, Author, Byline, Correction, ListedArticles, Section
from articles.preview import preview_url
from comments.models import Comment
from newsroom.cache import invalidate
from newsroom.models import SiteSettings
from tests.articles.public_site import (
    build_story,
    furnish_site,
    make_image,
    strict_parse,
    text_of,
    with_class,
)

SITEMAP_NS = {
    "sm": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "news": "http://www.google.com/schemas/sitemap-news/0.9",
}
# At most, on the first request after the whole cache is cleared, in a freshly started worker.
COLD_PAGE_QUERY_BUDGET = 8


@pytest.fixture(autouse=True)
def _uploads_in_a_fresh_folder(media_root):
    return media_root


@pytest.fixture
def site(db):
    return furnish_site()


@pytest.fixture
def story(site, make_article, section, author):
    return build_story(make_article, section, author)


def local_iso(moment):
    return timezone.localtime(moment).isoformat(timespec="seconds")


# Every part of the article page


def test_article_page_shows_every_part(client, story, section, author):
    response = client.get(story.get_absolute_url())
    assert response.status_code == 200
    tree = strict_parse(response.content)

    kicker = with_class(tree, "story__section")[0]
    assert kicker.find("a").get("href") == section.get_absolute_url()
    assert text_of(tree.find(".//h1")) == story.headline
    assert text_of(with_class(tree, "story__deck")[0]) == "Ferry contract delayed"
    assert text_of(with_class(tree, "story__standfirst")[0]) == story.standfirst

    byline_links = with_class(tree, "story__byline")[0].findall("a")
    assert [(link.text, link.get("href")) for link in byline_links] == [
        ("Ada Reporter", author.get_absolute_url()),
        ("Coast Wire", "/author/coast-wire/"),
    ]
    times = [time.get("datetime") for time in with_class(tree, "story__dates")[0].iter("time")]
    assert times == [local_iso(story.publish_at), local_iso(story.updated_at)]
    assert f"{story.reading_minutes} min read" in text_of(with_class(tree, "story__reading-time")[0])

    hero = with_class(tree, "story__hero")[0]
    webp = hero.find(".//source")
    assert webp.get("type") == "image/webp" and " 320w" in webp.get("srcset") and ".webp" in webp.get("srcset")
    image = hero.find(".//img")
    assert image.get("alt") == "Ferries moored at the northern terminal at dusk"
    assert int(image.get("width")) > 0 and int(image.get("height")) > 0 and ".jpeg" in image.get("srcset")
    caption = text_of(hero.find("figcaption"))
    assert "The northern terminal, where the new ferry would dock." in caption and "Staff photographer" in caption

    body = with_class(tree, "story__body")[0]
    assert "Commuters on the northern route" in text_of(body)
    ads = with_class(body, "ad")
    assert ads and all("Advertisement" in text_of(ad) and "Scroll to continue reading" in text_of(ad) for ad in ads)

    tags = {link.text: link.get("href") for link in with_class(tree, "story__tags")[0].iter("a")}
    assert tags == {"Ferries": "/tag/ferries/", "Harbour board": "/tag/harbour-board/"}
    share_hosts = {urlsplit(link.get("href")).netloc or "mailto" for link in with_class(tree, "share__link")}
    assert {"www.facebook.com", "x.com", "www.linkedin.com", "bsky.app", "mailto"} <= share_hosts

    comments = tree.find(".//details[@id='comments']")
    summary = text_of(comments.find("summary"))
    assert "Click to comment" in summary and "2 comments" in summary
    assert comments.find(".//*[@id='comments-heading']") is not None
    assert "2 comments" in text_of(with_class(tree, "story__comment-count")[0])

    corrections = with_class(tree, "corrections")[0]
    assert "wrong month" in text_of(corrections)
    assert corrections.find(".//time").get("datetime") == local_iso(story.corrections.get().published_at)

    related = tree.find(".//section[@aria-labelledby='related-heading']")
    assert text_of(related.find("h2")) == "You May Also Like"
    related_headlines = [text_of(heading) for heading in with_class(related, "card__headline")]
    assert related_headlines == [
        "Ferry timetable changes for the winter",
        "New pier lights switched on",
        "Harbour cafe reopens",
        "Lifeboat crew trains at night",
    ]


def test_every_page_has_the_site_furniture(client, story, section):
    tree = strict_parse(client.get(story.get_absolute_url()).content)
    top_bar = with_class(tree, "top-bar")[0]
    assert "Connect with us" in text_of(top_bar)
    social = [link.get("href") for link in with_class(top_bar, "social-links")[0].iter("a")]
    assert social == ["https://www.facebook.com/example", "https://gazette.example/feed/"]
    assert all(svg.get("aria-hidden") == "true" for svg in top_bar.iter("svg"))

    search = tree.find(".//header//form[@role='search']")
    assert search.get("action") == "/search/" and search.get("method") == "get"
    assert search.find(".//input[@name='q']").get("placeholder") == "Hi, what are you looking for?"
    assert text_of(with_class(tree, "masthead__name")[0]) == "The Harbour Gazette"
    assert text_of(with_class(tree, "masthead__tagline")[0]) == "News from the waterfront"
    nav = tree.find(".//nav[@aria-label='Sections']")
    assert section.get_absolute_url() in [link.get("href") for link in nav.iter("a")]

    footer = tree.find(".//footer[@class='site-footer']")
    assert f"Copyright © {timezone.localdate().year} The Harbour Gazette" in text_of(footer)
    assert section.get_absolute_url() in [link.get("href") for link in footer.iter("a")]
    assert tree.find(".//a[@class='skip-link']").get("href") == "#main"
    assert tree.find(".//main[@id='main']") is not None


def current_nav_links(tree):
    nav = tree.find(".//nav[@aria-label='Sections']")
    return [link.get("href") for link in nav.iter("a") if link.get("aria-current") == "page"]


def test_header_and_footer_are_rendered_once_and_shared_by_every_page(client, story, section):
    client.get(story.get_absolute_url())
    # Another page of the same section.
    other = client.get(section.get_absolute_url())
    assert "includes/header.html" not in [template.name for template in other.templates]
    assert "includes/footer.html" not in [template.name for template in other.templates]
    # Each page still marks where the reader is.
    assert current_nav_links(strict_parse(other.content)) == [section.get_absolute_url()]
    assert current_nav_links(strict_parse(client.get("/").content)) == ["/"]
    search = client.get("/search/?q=harbour")
    assert current_nav_links(strict_parse(search.content)) == []


def test_a_change_to_the_site_settings_renders_the_shared_header_again(client, story, section):
    client.get(story.get_absolute_url())
    settings_row = SiteSettings.objects.get(pk=1)
    settings_row.name = "The Evening Gazette"
    settings_row.save()
    tree = strict_parse(client.get(section.get_absolute_url()).content)
    assert text_of(with_class(tree, "masthead__name")[0]) == "The Evening Gazette"
    assert "Copyright" in text_of(tree.find(".//footer[@class='site-footer']"))
    assert "The Evening Gazette" in text_of(tree.find(".//footer[@class='site-footer']"))
    section.name = "Harbour Affairs"
    section.save()
    nav = strict_parse(client.get(story.get_absolute_url()).content).find(".//nav[@aria-label='Sections']")
    assert "Harbour Affairs" in text_of(nav)


def test_the_search_page_header_shows_the_readers_query(client, story):
    client.get("/")
    tree = strict_parse(client.get("/search/?q=ferry").content)
    assert tree.find(".//header//input[@id='site-search']").get("value") == "ferry"
    assert strict_parse(client.get("/").content).find(".//header//input[@id='site-search']").get("value") == ""


def test_the_site_settings_are_read_from_the_cache_once_a_request(client, story, monkeypatch):
    reads = []
    read = SiteSettings._read
    monkeypatch.setattr(SiteSettings, "_read", classmethod(lambda cls: reads.append(1) or read()))
    assert client.get(story.get_absolute_url() + "?utm_source=feed").status_code == 200
    assert len(reads) == 1
    # Outside a request each call reads them afresh: a command sees a change made meanwhile.
    SiteSettings.current()
    SiteSettings.current()
    assert len(reads) == 3


def test_article_metadata(client, story):
    tree = strict_parse(client.get(story.get_absolute_url()).content)
    head = tree.find("head")
    meta = {(tag.get("property") or tag.get("name")): tag.get("content") for tag in head.iter("meta")}
    url = f"{settings.SITE_URL}{story.get_absolute_url()}"
    assert text_of(head.find("title")) == f"{story.headline} | The Harbour Gazette"
    assert meta["description"] == story.standfirst
    assert head.find("link[@rel='canonical']").get("href") == url
    assert meta["og:url"] == url and meta["og:type"] == "article" and meta["og:title"] == story.headline
    assert meta["og:image"].startswith(settings.SITE_URL) and meta["og:image"].endswith(".jpeg")
    assert meta["twitter:card"] == "summary_large_image"
    assert meta["article:published_time"] == local_iso(story.publish_at)
    assert head.find("link[@type='application/rss+xml']").get("href") == "/feed/"


def test_json_ld_news_article(client, story, author):
    tree = strict_parse(client.get(story.get_absolute_url()).content)
    scripts = tree.findall(".//script[@type='application/ld+json']")
    assert len(scripts) == 1
    data = json.loads(scripts[0].text)
    url = f"{settings.SITE_URL}{story.get_absolute_url()}"
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == story.headline
    assert data["alternativeHeadline"] == "Ferry contract delayed"
    assert data["description"] == story.standfirst
    assert data["datePublished"] == local_iso(story.publish_at)
    assert data["dateModified"] == local_iso(story.updated_at)
    assert [(person["@type"], person["name"]) for person in data["author"]] == [
        ("Person", "Ada Reporter"),
        ("Organization", "Coast Wire"),
    ]
    assert data["author"][0]["url"] == f"{settings.SITE_URL}{author.get_absolute_url()}"
    assert data["image"][0]["url"].startswith(settings.SITE_URL) and data["image"][0]["width"] > 0
    assert data["publisher"]["name"] == "The Harbour Gazette"
    assert data["publisher"]["logo"]["url"].startswith(settings.SITE_URL)
    assert data["mainEntityOfPage"]["@id"] == url
    assert data["articleSection"] == "World News"
    assert sorted(data["keywords"]) == ["Ferries", "Harbour board"]


def test_json_ld_cannot_break_out_of_its_script(client, site, make_article):
    hostile = 'Harbour "row" </script><script>alert(1)</script> & more'
    article = make_article(headline=hostile, standfirst=hostile)
    content = client.get(article.get_absolute_url()).content.decode()
    assert "<script>alert(1)" not in content
    tree = strict_parse(content)
    data = json.loads(tree.find(".//script[@type='application/ld+json']").text)
    assert data["headline"] == hostile and text_of(tree.find(".//h1")) == hostile


def test_no_active_ad_means_no_ad_box(client, site, make_article):
    article = make_article(body="".join(f"<p>Paragraph {number}.</p>" for number in range(12)))
    AdSlot.objects.update(is_active=False)
    AdSlot.objects.create(name="Expired", html="<p>Old offer</p>", ends_at=timezone.now() - timedelta(days=1))
    content = client.get(article.get_absolute_url()).content.decode()
    assert "Advertisement" not in content and 'class="ad"' not in content and "Old offer" not in content


def test_ad_with_an_image_creative_links_to_the_advertiser(client, site, make_article):
    AdSlot.objects.update(is_active=False)
    AdSlot.objects.create(
        name="Boat show",
        image=make_image("ad").file.name,
        image_alt="The boat show, this weekend",
        link_url="https://boats.example/",
    )
    article = make_article(body="".join(f"<p>Paragraph {number}.</p>" for number in range(6)))
    tree = strict_parse(client.get(article.get_absolute_url()).content)
    ad = with_class(tree, "ad")[0]
    link = ad.find(".//a")
    assert link.get("href") == "https://boats.example/" and "sponsored" in link.get("rel")
    assert link.find("img").get("alt") == "The boat show, this weekend"


def test_article_without_image_tags_or_corrections_still_renders(client, site, make_article):
    article = make_article(body="")
    tree = strict_parse(client.get(article.get_absolute_url()).content)
    assert not with_class(tree, "story__hero") and not with_class(tree, "corrections")
    assert not with_class(tree, "story__tags")
    assert tree.find(".//details[@id='comments']") is not None
    data = json.loads(tree.find(".//script[@type='application/ld+json']").text)
    assert data["keywords"] == [] and "alternativeHeadline" not in data


# Addresses: redirects and 404s


def test_old_slug_redirects_permanently(client, site, make_article):
    article = make_article(slug="first-slug")
    old_url = article.get_absolute_url()
    article.slug = "better-slug"
    article.save()
    response = client.get(old_url)
    assert response.status_code == 301 and response["Location"] == "/news/world-news/better-slug/"


def test_changed_section_redirects_permanently(client, site, make_article):
    article = make_article(slug="moving-story")
    old_url = article.get_absolute_url()
    article.section = Section.objects.create(name="Local", slug="local")
    article.save()
    response = client.get(old_url)
    assert response.status_code == 301 and response["Location"] == "/news/local/moving-story/"


@pytest.mark.parametrize(
    "url",
    [
        "/news/world-news/no-such-story/",
        "/section/no-such-section/",
        "/tag/no-such-tag/",
        "/author/no-such-author/",
        "/section/no-such-section/feed/",
        "/sitemap-nothing.xml",
    ],
)
def test_unknown_addresses_answer_404(client, site, make_article, url):
    make_article()
    assert client.get(url).status_code == 404


def test_unpublished_and_scheduled_articles_are_not_public(client, site, make_article):
    draft = make_article(status=Article.Status.DRAFT, publish_at=None)
    scheduled = make_article(publish_at=timezone.now() + timedelta(days=1))
    for article in (draft, scheduled):
        assert client.get(article.get_absolute_url()).status_code == 404
    listed = client.get("/").content.decode() + client.get("/feed/").content.decode()
    assert draft.headline not in listed and scheduled.headline not in listed


def test_an_article_page_asks_of_its_article_what_published_asks_of_the_archive(client, site, make_article):
    """The article page tests the one article its slug finds (`is_published`), not the queryset."""
    now = timezone.now()
    articles = [
        make_article(),
        make_article(status=Article.Status.DRAFT, publish_at=None),
        make_article(status=Article.Status.DRAFT, publish_at=now - timedelta(hours=1)),
        make_article(publish_at=now + timedelta(days=1)),
        make_article(embargo_until=now + timedelta(hours=1)),
        make_article(embargo_until=now - timedelta(hours=1)),
        make_article(taken_down_at=now),
    ]
    published = set(Article.objects.published().values_list("pk", flat=True))
    for article in articles:
        assert article.is_published == (article.pk in published)
        status = client.get(article.get_absolute_url()).status_code
        assert status == (200 if article.is_published else 410 if article.is_taken_down else 404)
    assert len(published) == 2


def test_helpful_404_page(client, site, section, settings):
    settings.DEBUG = False
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    tree = strict_parse(response.content)
    main = tree.find(".//main")
    assert main.find(".//form[@role='search']").get("action") == "/search/"
    assert section.get_absolute_url() in [link.get("href") for link in main.iter("a")]
    assert tree.find(".//meta[@name='robots']").get("content") == "noindex"


def test_500_page_needs_neither_database_nor_context_processors():
    # No database fixture: any query would fail this test.
    tree = strict_parse(render_to_string("500.html"))
    assert "Something went wrong" in text_of(tree.find(".//h1"))
    assert tree.find(".//form").get("action") == "/search/"


def test_server_error_answers_with_the_500_page(client, site, monkeypatch, settings):
    settings.DEBUG = False

    def broken(*args, **kwargs):
        raise RuntimeError("the database fell over")

    monkeypatch.setattr("articles.views.Article.objects.published", broken)
    client.raise_request_exception = False
    response = client.get("/")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()


# Lists and pagination


@pytest.mark.parametrize("page", ["abc", "999", "0", "-1", "1.5", "\x00"])
def test_pagination_answers_404_for_pages_that_do_not_exist(client, site, make_article, section, author, page):
    article = make_article(tags=["Ferries"])
    for url in (section.get_absolute_url(), "/tag/ferries/", author.get_absolute_url(), "/search/?q=Test"):
        separator = "&" if "?" in url else "?"
        assert client.get(f"{url}{separator}page={page}").status_code == 404, url
    assert article.pk


def test_section_front_paginates_newest_first_with_subsections(client, site, make_article, section):
    subsection = Section.objects.create(name="Harbours", slug="harbours", parent=section)
    for number in range(23):
        make_article(headline=f"Story number {number}", section=subsection if number == 0 else section)
    first = strict_parse(client.get(section.get_absolute_url()).content)
    headlines = [text_of(heading) for heading in with_class(first, "card__headline")]
    assert headlines[:2] == ["Story number 0", "Story number 1"] and len(headlines) == 20
    assert subsection.get_absolute_url() in [link.get("href") for link in first.iter("a")]
    assert first.find(".//a[@rel='next']").get("href") == f"{section.get_absolute_url()}?page=2"
    second = strict_parse(client.get(f"{section.get_absolute_url()}?page=2").content)
    assert len(with_class(second, "card__headline")) == 3
    assert second.find(".//link[@rel='canonical']").get("href").endswith("?page=2")


def test_front_page_has_lead_top_stories_section_blocks_and_latest(client, site, make_article, section):
    lead = make_article(headline="The lead story", priority=Article.Priority.LEAD)
    top = make_article(headline="A top story", priority=Article.Priority.TOP_STORY)
    rest = [make_article(headline=f"Ordinary story {number}") for number in range(3)]
    tree = strict_parse(client.get("/").content)
    assert text_of(with_class(with_class(tree, "lead")[0], "card__headline")[0]) == lead.headline
    top_block = tree.find(".//section[@aria-labelledby='top-stories-heading']")
    assert [text_of(heading) for heading in with_class(top_block, "card__headline")] == [top.headline]
    section_block = tree.find(f".//section[@aria-labelledby='section-{section.slug}-heading']")
    assert {text_of(heading) for heading in with_class(section_block, "card__headline")} == {
        article.headline for article in rest
    }
    latest = tree.find(".//aside[@aria-labelledby='latest-heading']")
    assert [text_of(heading) for heading in with_class(latest, "card__headline")] == [a.headline for a in rest]


def test_front_page_section_blocks_show_each_sections_four_newest_stories(client, site, make_article, section):
    other = Section.objects.create(name="Business", slug="business", show_in_navigation=True)
    hours_ago = iter(range(1, 100))
    stories = {
        block_section: [
            make_article(
                headline=f"{block_section.name} story {number}",
                section=block_section,
                publish_at=timezone.now() - timedelta(hours=next(hours_ago)),
            )
            for number in range(6)
        ]
        for block_section in [section, other]
    }
    featured = stories[section][0]
    featured.priority = Article.Priority.LEAD
    featured.save()
    tree = strict_parse(client.get("/").content)
    for block_section, expected in [(section, stories[section][1:5]), (other, stories[other][:4])]:
        block = tree.find(f".//section[@aria-labelledby='section-{block_section.slug}-heading']")
        assert [text_of(heading) for heading in with_class(block, "card__headline")] == [
            article.headline for article in expected
        ]


def test_front_page_without_featured_stories_leads_with_the_newest(client, site, make_article):
    newest = make_article(headline="Newest", publish_at=timezone.now() - timedelta(minutes=1))
    make_article(headline="Older")
    tree = strict_parse(client.get("/").content)
    assert text_of(with_class(with_class(tree, "lead")[0], "card__headline")[0]) == newest.headline


def test_tag_and_author_pages(client, site, make_article, author):
    author.bio = "Covers the harbour."
    author.save()
    make_article(headline="Tagged story", tags=["Ferries"])
    make_article(headline="Other author story", authors=[Author.objects.create(name="Bo", slug="bo")])
    tag_page = strict_parse(client.get("/tag/ferries/").content)
    assert text_of(tag_page.find(".//h1")) == "Ferries"
    assert [text_of(h) for h in with_class(tag_page, "card__headline")] == ["Tagged story"]
    author_page = strict_parse(client.get(author.get_absolute_url()).content)
    assert text_of(author_page.find(".//h1")) == "Ada Reporter"
    assert "Covers the harbour." in text_of(author_page.find(".//main"))
    assert [text_of(h) for h in with_class(author_page, "card__headline")] == ["Tagged story"]


def test_search_page_works_without_javascript(client, site, make_article):
    make_article(headline="Ferry contract delayed")
    make_article(headline="Pier lights switched on")
    tree = strict_parse(client.get("/search/", {"q": "ferry"}).content)
    assert [text_of(h) for h in with_class(tree, "card__headline")] == ["Ferry contract delayed"]
    assert tree.find(".//meta[@name='robots']").get("content").startswith("noindex")
    empty = strict_parse(client.get("/search/", {"q": "zeppelin"}).content)
    assert not with_class(empty, "card__headline")
    assert empty.find(".//nav[@aria-label='Browse by section']") is not None


# Feeds, sitemaps, robots.txt


def test_site_feed_parses(client, story):
    parsed = feedparser.parse(client.get("/feed/").content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.feed.title == "The Harbour Gazette"
    entry = next(entry for entry in parsed.entries if entry.title == story.headline)
    assert entry.link == f"{settings.SITE_URL}{story.get_absolute_url()}"
    assert entry.summary == story.standfirst
    assert {tag.term for tag in entry.tags} >= {"World News", "Ferries"}
    assert entry.enclosures[0].href.startswith(settings.SITE_URL)


def test_atom_and_section_feeds_parse(client, story, section):
    atom = feedparser.parse(client.get("/feed/atom/").content)
    assert not atom.bozo and atom.version == "atom10"
    assert story.headline in [entry.title for entry in atom.entries]
    section_feed = feedparser.parse(client.get(f"/section/{section.slug}/feed/").content)
    assert not section_feed.bozo and section_feed.feed.title == "The Harbour Gazette: World News"
    titles = [entry.title for entry in section_feed.entries]
    assert story.headline in titles and "Shipyard wins a tug order" not in titles


def sitemap_locations(client, path):
    response = client.get(path)
    assert response.status_code == 200, path
    root = ElementTree.fromstring(response.content)
    return root, [loc.text for loc in root.iter(f"{{{SITEMAP_NS['sm']}}}loc")]


def test_every_url_in_the_sitemap_answers_200(client, story):
    _, sitemaps = sitemap_locations(client, "/sitemap.xml")
    assert {urlsplit(url).path for url in sitemaps} == {
        "/sitemap-news.xml",
        "/sitemap-articles.xml",
        "/sitemap-sections.xml",
    }
    pages = []
    for sitemap_url in sitemaps:
        _, locations = sitemap_locations(client, urlsplit(sitemap_url).path)
        pages += locations
    assert f"{settings.SITE_URL}{story.get_absolute_url()}" in pages
    for url in pages:
        assert url.startswith(settings.SITE_URL)
        assert client.get(urlsplit(url).path).status_code == 200, url


def test_google_news_sitemap_lists_the_last_two_days(client, site, make_article):
    recent = make_article(headline="Recent story", publish_at=timezone.now() - timedelta(hours=3))
    old = make_article(headline="Old story", publish_at=timezone.now() - timedelta(days=3))
    root, locations = sitemap_locations(client, "/sitemap-news.xml")
    assert f"{settings.SITE_URL}{recent.get_absolute_url()}" in locations
    assert f"{settings.SITE_URL}{old.get_absolute_url()}" not in locations
    news = root.find("sm:url/news:news", SITEMAP_NS)
    assert news.find("news:publication/news:name", SITEMAP_NS).text == "The Harbour Gazette"
    assert news.find("news:publication/news:language", SITEMAP_NS).text == "en"
    assert news.find("news:title", SITEMAP_NS).text == "Recent story"
    assert news.find("news:publication_date", SITEMAP_NS).text == local_iso(recent.publish_at)


def test_robots_txt_names_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert f"Sitemap: {settings.SITE_URL}/sitemap.xml" in response.content.decode().splitlines()


# Valid HTML


def test_every_page_type_is_valid_html(client, story, section, author, settings):
    preview_draft = Article.objects.create(
        headline="A draft", slug="a-draft", section=section, standfirst="Not yet out.", body="<p>Draft.</p>"
    )
    urls = [
        "/",
        section.get_absolute_url(),
        "/tag/ferries/",
        author.get_absolute_url(),
        "/search/",
        "/search/?q=ferry",
        "/search/?q=nothing-matches-this",
        story.get_absolute_url(),
        preview_url(preview_draft),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        strict_parse(response.content)
    settings.DEBUG = False
    not_found = client.get("/missing/")
    assert not_found.status_code == 404
    strict_parse(not_found.content)
    strict_parse(render_to_string("500.html"))


def test_preview_is_not_indexed(client, site, section):
    draft = Article.objects.create(headline="Draft", slug="draft", section=section, standfirst="Soon.")
    response = client.get(preview_url(draft))
    tree = strict_parse(response.content)
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert tree.find(".//meta[@name='robots']").get("content") == "noindex, nofollow"
    assert "Preview" in text_of(with_class(tree, "preview-banner")[0])


# "You May Also Like"


def related_headlines(client, article):
    tree = strict_parse(client.get(article.get_absolute_url()).content)
    return [text_of(heading) for heading in with_class(tree, "card__headline")]


def ranking_queries(captured):
    return [query for query in captured.captured_queries if '"tag_list"' in query["sql"]]


def test_related_stories_rank_pinned_then_shared_tags_then_section_then_newest(client, site, make_article, section):
    other_section = Section.objects.create(name="Sport", slug="sport")
    story = make_article(headline="Story", tags=["ferries", "winter"])
    make_article(headline="Same section, no tags")
    make_article(headline="Both tags, elsewhere", section=other_section, tags=["ferries", "winter"])
    make_article(headline="One tag, same section", tags=["ferries"])
    make_article(headline="One tag, elsewhere", section=other_section, tags=["winter"])
    make_article(headline="Unrelated", section=other_section)
    assert related_headlines(client, story) == [
        "Both tags, elsewhere",
        "One tag, same section",
        "One tag, elsewhere",
        "Same section, no tags",
    ]
    pinned = make_article(headline="Unrelated but pinned", section=other_section)
    story.related_articles.add(pinned)
    assert related_headlines(client, story)[:2] == ["Unrelated but pinned", "Both tags, elsewhere"]


def test_stories_of_one_section_and_tags_share_their_ranking(client, site, make_article):
    first = make_article(headline="First", tags=["ferries"])
    second = make_article(headline="Second", tags=["ferries"])
    neighbour = make_article(headline="Neighbour", tags=["ferries"])
    assert related_headlines(client, first) == ["Second", "Neighbour"]
    with CaptureQueriesContext(connection) as captured:
        # Never shown before: its story is rendered, its ranking taken from the first's.
        assert related_headlines(client, second) == ["First", "Neighbour"]
    assert ranking_queries(captured) == []
    # A new story in their section and tag renders the shared ranking again.
    make_article(headline="Newcomer", tags=["ferries"], publish_at=timezone.now())
    with CaptureQueriesContext(connection) as captured:
        assert related_headlines(client, second) == ["Newcomer", "First", "Neighbour"]
    assert len(ranking_queries(captured)) == 1
    neighbour.status = Article.Status.DRAFT
    neighbour.save()
    assert related_headlines(client, first) == ["Newcomer", "Second"]


def test_a_tag_given_to_a_candidate_ranks_it_anew(client, site, make_article):
    story = make_article(headline="Story", tags=["ferries", "winter"])
    older = make_article(headline="Older, ferries", tags=["ferries"], publish_at=timezone.now() - timedelta(days=2))
    make_article(headline="Newer, ferries", tags=["ferries"], publish_at=timezone.now() - timedelta(days=1))
    assert related_headlines(client, story) == ["Newer, ferries", "Older, ferries"]
    # The ferries list it was ranked from still holds the older story: its tags are read anew.
    older.tags.add("winter")
    assert related_headlines(client, story) == ["Older, ferries", "Newer, ferries"]
    assert related_headlines(client, make_article(headline="Another", tags=["ferries", "winter"]))[0] == "Story"


def test_a_story_shows_none_of_the_keys_its_related_box_is_ranked_by_alone(client, site, make_article):
    story = make_article(headline="Story", tags=["ferries"])
    make_article(headline="Neighbour", tags=["ferries"])
    sport = Section.objects.create(name="Sport", slug="sport")
    elsewhere = make_article(headline="Elsewhere", section=sport)
    make_article(headline="Rowing news", section=sport, tags=["rowing"])
    client.get(story.get_absolute_url())
    assert client.get(story.get_absolute_url())["X-Page-Cache"] == "hit"
    # Any tag given to any story makes the candidate lists be read again, not the pages showing boxes.
    elsewhere.tags.add("rowing")
    assert client.get(story.get_absolute_url())["X-Page-Cache"] == "hit"


# Query counts are constant in the size of the data


def count_queries(client, url):
    """Queries of the first request after the whole cache is cleared: the
    page, the site-wide furniture and the page cache's bookkeeping read anew."""
    cache.clear()
    # What a worker keeps for its life (the content types) is read anew too: it may have just started.
    ContentType.objects.clear_cache()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def article_with(count, make_article, section, label):
    """An article in a subsection, with a hero image, and with `count` authors,
    tags, pinned related articles, corrections and approved comments."""
    authors = [Author.objects.create(name=f"{label} author {n}", slug=f"{label}-author-{n}") for n in range(count)]
    tags = [f"{label} tag {n}" for n in range(count)]
    subsection = Section.objects.create(name=f"{label} desk", slug=f"{label}-desk", parent=section)
    article = make_article(
        slug=f"{label}-story", section=subsection, authors=authors, tags=tags, hero_image=make_image(label)
    )
    for n in range(count):
        related = make_article(slug=f"{label}-related-{n}", tags=tags[:1], authors=authors[:1])
        article.related_articles.add(related)
        Correction.objects.create(article=article, text=f"Correction {n}")
        Comment.objects.create(
            article=article,
            author_name=f"Reader {n}",
            author_email=f"r{n}@example.net",
            text="Good.",
            status=Comment.Status.APPROVED,
        )
    return article


def test_article_page_queries_are_constant_and_within_budget(client, site, make_article, section):
    one = count_queries(client, article_with(1, make_article, section, "one").get_absolute_url())
    fifty = count_queries(client, article_with(50, make_article, section, "fifty").get_absolute_url())
    assert one == fifty
    assert fifty <= COLD_PAGE_QUERY_BUDGET


def test_an_article_without_corrections_reads_none(client, site, make_article, section):
    corrected, plain = make_article(slug="corrected"), make_article(slug="never-corrected")
    Correction.objects.create(article=corrected, text="The ferry leaves at nine, not ten.")
    assert count_queries(client, plain.get_absolute_url()) == count_queries(client, corrected.get_absolute_url()) - 1
    tree = strict_parse(client.get(corrected.get_absolute_url()).content)
    assert "The ferry leaves at nine" in text_of(with_class(tree, "corrections")[0])
    assert with_class(strict_parse(client.get(plain.get_absolute_url()).content), "corrections") == []


def test_article_page_from_its_story_fragment_reads_the_article_and_comments_only(client, site, make_article, section):
    url = article_with(50, make_article, section, "fifty").get_absolute_url() + "?utm_medium=social"
    count_queries(client, url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count('class="comment__body"') == 50
    assert len(captured) == 2


def listed(count, make_article, label):
    """A section, tag and author each listing `count` articles of several authors."""
    section = Section.objects.create(name=f"{label} section", slug=f"{label}-section")
    author = Author.objects.create(name=f"{label} writer", slug=f"{label}-writer")
    co_authors = [Author.objects.create(name=f"{label} co {n}", slug=f"{label}-co-{n}") for n in range(3)]
    for n in range(count):
        make_article(
            headline=f"{label} search-word {n}",
            slug=f"{label}-listed-{n}",
            section=section,
            authors=[author, *co_authors],
            tags=[f"{label}-topic", f"{label} extra {n}"],
            hero_image=make_image(f"{label}-{n}") if n < 3 else None,
        )
    return {
        "section": section.get_absolute_url(),
        "tag": f"/tag/{label}-topic/",
        "author": author.get_absolute_url(),
        "search": f"/search/?q={label}+search-word",
    }


def test_list_page_queries_are_constant(client, site, make_article):
    one = {page: count_queries(client, url) for page, url in listed(1, make_article, "one").items()}
    fifty = {page: count_queries(client, url) for page, url in listed(50, make_article, "fifty").items()}
    assert one == fifty
    assert max(fifty.values()) <= COLD_PAGE_QUERY_BUDGET, fifty


def byline_queries(captured):
    """The queries that read bylines: with a list's articles, or with one article's tags."""
    return [
        query
        for query in captured.captured_queries
        if 'FROM "articles_byline"' in query["sql"]
        or ('FROM "articles_author"' in query["sql"] and 'JOIN "articles_byline"' in query["sql"])
    ]


# Which rows a page reads, as the SQL shows them: on PostgreSQL a query built once per process is
# otherwise sent as the EXECUTE of its prepared statement, which names no table (newsroom/queries.py).
reads_as_plain_sql = override_settings(PREPARED_STATEMENTS=False)


def article_row_queries(captured):
    """The queries that read articles' rows, not only their ids."""
    return [query for query in captured.captured_queries if '"articles_article"."headline"' in query["sql"]]


def test_a_list_whose_teasers_come_from_the_fragment_cache_reads_only_their_ids(client, site, make_article):
    pages = listed(3, make_article, "warm")
    for page in ("section", "tag", "author"):
        # A parameter the page cache does not know: the page is rendered, its teasers taken from their fragments.
        url = pages[page] + "?utm_source=feed"
        count_queries(client, url)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.content.decode().count("warm writer</a>") == 3, page
        assert byline_queries(captured) == [], page
        assert article_row_queries(captured) == [], page
        # The page's ids and how many pages follow, in one query.
        assert len([query for query in captured if 'FROM "articles_article"' in query["sql"]]) == 1, page


def test_a_block_of_teasers_is_shared_by_the_lists_showing_it_the_same_way(client, site, make_article):
    pages = listed(3, make_article, "shared")
    assert client.get(pages["section"]).content.decode().count('<h2 class="card__headline">') == 3
    # The same three stories, listed with headings a level lower: a block of its own.
    author_page = client.get(pages["author"]).content.decode()
    assert author_page.count('<h3 class="card__headline">') == 3
    assert '<h2 class="card__headline">' not in author_page
    story = Article.objects.get(slug="shared-listed-1")
    story.headline = "A headline changed after the block was kept"
    story.save()
    for page in ("section", "tag", "author"):
        content = client.get(pages[page] + "?utm_source=feed").content.decode()
        assert "A headline changed after the block was kept" in content, page
        assert "shared search-word 0" in content and "shared search-word 2" in content, page


@reads_as_plain_sql
def test_an_edited_story_is_the_only_article_its_lists_read_again(client, site, make_article):
    pages = listed(6, make_article, "edited")
    for page in ("section", "tag", "author"):
        client.get(pages[page])
    story = Article.objects.get(slug="edited-listed-2")
    story.headline = "A headline changed while its lists were kept"
    story.save()
    reads = []
    for page in ("section", "tag", "author"):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(pages[page])
        assert response["X-Page-Cache"] == "miss", page
        content = response.content.decode()
        assert "A headline changed while its lists were kept" in content, page
        assert content.count("edited search-word") == 5, page
        reads += [(page, query["sql"]) for query in article_row_queries(captured)]
        assert len(byline_queries(captured)) == len(article_row_queries(captured)), page
    # The other five teasers come from their fragments: only the edited story's row is read, alone, for
    # the section's block (the tag page shows the same one) and the author's, whose headings differ.
    assert [page for page, _sql in reads] == ["section", "author"]
    for page, sql in reads:
        assert re.search(rf'"articles_article"\."id" = {story.pk}\b', sql), page


@reads_as_plain_sql
def test_the_front_page_rendered_again_after_an_edit_reads_only_the_edited_story(client, site, make_article):
    listed(6, make_article, "front")
    client.get("/")
    story = Article.objects.get(slug="front-listed-2")
    story.headline = "A headline changed while the front page's lists were kept"
    story.save()
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/")
    assert response["X-Page-Cache"] == "miss"
    assert "A headline changed while the front page" in response.content.decode()
    # Which stories the lists hold is kept until one of them changes: no list is read again (the
    # times of scheduled changes, read after any change, select no article).
    article_queries = [
        query["sql"] for query in captured if '"articles_article"."id"' in query["sql"].split(" FROM ")[0]
    ]
    assert len(article_queries) == 1
    assert re.search(rf'"articles_article"\."id" = {story.pk}\b', article_queries[0])


@reads_as_plain_sql
def test_a_list_whose_teasers_all_changed_is_read_in_two_queries_however_long(client, site, make_article):
    pages = listed(12, make_article, "everything")
    client.get(pages["section"])
    # Every teaser rendered again (the first alone, as if only its story had changed), none read one by one.
    Article.objects.filter(slug__startswith="everything-listed").update(standfirst="Changed in bulk.")
    invalidate(*(page_keys.article_key(pk) for pk in Article.objects.values_list("pk", flat=True)))
    with CaptureQueriesContext(connection) as captured:
        response = client.get(pages["section"])
    assert response.content.decode().count("Changed in bulk.") == 12
    assert len(article_row_queries(captured)) == 2
    assert len(byline_queries(captured)) == 2


@pytest.mark.parametrize("with_bylines", [True, False])
def test_a_listed_article_gone_before_its_teaser_is_rendered_leaves_no_teaser(make_article, with_bylines):
    kept, gone = make_article(headline="Still here"), make_article(headline="Gone a moment ago")
    taken_down = make_article(headline="Taken down a moment ago")
    teasers = ListedArticles([kept.pk, gone.pk, taken_down.pk], with_bylines=with_bylines).teasers()
    gone.delete()
    Article.objects.filter(pk=taken_down.pk).update(taken_down_at=timezone.now())
    rendered = Template("{% load article_tags %}{% for article in teasers %}{% teaser article %}{% endfor %}").render(
        Context({"teasers": teasers})
    )
    assert "Still here" in rendered and "a moment ago" not in rendered
    assert rendered.count('class="card ') == 1


def test_a_list_with_teasers_to_render_reads_their_bylines_in_one_query(client, site, make_article):
    url = listed(3, make_article, "cold")["section"]
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.content.decode().count("cold writer</a>") == 3
    assert len(byline_queries(captured)) == 1


def test_a_page_reads_the_change_time_of_each_key_once(client, site, make_article, monkeypatch):
    url = listed(5, make_article, "keys")["section"] + "?utm_source=feed"
    count_queries(client, url)
    asked = []
    get_many = cache.get_many
    monkeypatch.setattr(cache, "get_many", lambda keys, *args: asked.extend(keys) or get_many(keys, *args))
    response = client.get(url)
    assert response.content.decode().count('class="card ') == 5
    # Five teasers from their fragments, each showing the site and its article.
    assert asked.count("pages:changed:site") == 1
    assert len(asked) == len(set(asked))


def test_front_page_queries_are_constant(client, site, make_article, section):
    make_article(priority=Article.Priority.LEAD)
    make_article(priority=Article.Priority.TOP_STORY)
    make_article()
    one = count_queries(client, "/")
    for n in range(4):
        extra = Section.objects.create(name=f"Extra {n}", slug=f"extra-{n}")
        for m in range(12):
            article = make_article(section=extra, tags=[f"t{m}"], priority=m % 3)
            Byline.objects.create(article=article, author=Author.objects.create(name=f"A{n}{m}", slug=f"a-{n}-{m}"))
    fifty = count_queries(client, "/")
    assert Article.objects.published().count() == 51
    assert one == fifty
    assert fifty <= COLD_PAGE_QUERY_BUDGET


def test_site_settings_drive_the_masthead(client, site, make_article):
    SiteSettings.objects.filter(pk=1).update(name="Renamed Daily")
    settings_row = SiteSettings.objects.get(pk=1)
    settings_row.save()
    content = client.get(reverse("articles:front")).content.decode()
    assert "Renamed Daily" in content


def test_anonymous_pages_are_shareable_by_a_cache(client, story, section):
    for url in ("/", section.get_absolute_url(), story.get_absolute_url(), "/search/?q=ferry"):
        response = client.get(url)
        assert not response.cookies, url
        assert "cookie" not in response.get("Vary", "").lower(), url
