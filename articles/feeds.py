"""RSS (and Atom) feeds: the whole site and each section."""

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed

from articles import page_keys
from articles.models import Article, LiveUpdate, Section
from newsroom.cache import shows
from newsroom.links import absolute_url
from newsroom.models import SiteSettings
from newsroom.text import clean_text

FEED_LENGTH = 30
FEED_IMAGE_WIDTH = 960


def _writable(value):
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, (list, tuple)):
        return [_writable(part) for part in value]
    return value


class _WritesCleanText:
    """A feed writer that cleans every text it is given (see newsroom.text).

    Text is cleaned when it is saved, but a row stored before that, or written
    with QuerySet.update(), may still hold a character XML forbids, and one
    such character would make Django refuse to write the whole feed.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*map(_writable, args), **{name: _writable(value) for name, value in kwargs.items()})

    def add_item(self, *args, **kwargs):
        super().add_item(*map(_writable, args), **{name: _writable(value) for name, value in kwargs.items()})


class CleanRssFeed(_WritesCleanText, Rss201rev2Feed):
    pass


class CleanAtomFeed(_WritesCleanText, Atom1Feed):
    pass


class LatestArticlesFeed(Feed):
    """The newest stories of the whole site."""

    feed_type = CleanRssFeed

    def title(self):
        return SiteSettings.current().name

    def description(self):
        site = SiteSettings.current()
        return site.tagline or f"The latest news from {site.name}"

    def link(self):
        return absolute_url(reverse("articles:front"))

    def feed_url(self):
        return absolute_url(reverse("articles:feed"))

    def articles(self):
        return Article.objects.published().for_listing().prefetch_related("tags")

    def items(self):
        return self.articles()[:FEED_LENGTH]

    def item_title(self, article):
        return article.headline

    def item_description(self, article):
        return article.standfirst

    def item_link(self, article):
        return absolute_url(article.get_absolute_url())

    def item_guid(self, article):
        # Stays the same when the slug or section changes, so readers never see a story twice.
        return f"{absolute_url('/')}#article-{article.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, article):
        return article.publish_at

    def item_updateddate(self, article):
        return article.updated_at or article.publish_at

    def item_author_name(self, article):
        return ", ".join(author.name for author in article.byline_authors) or None

    def item_categories(self, article):
        return [article.section.name, *(tag.name for tag in article.tags.all())]

    def item_enclosure_url(self, article):
        if article.hero_image_id:
            return absolute_url(article.hero_image.rendition(FEED_IMAGE_WIDTH)["url"])
        return None

    def item_enclosure_length(self, article):
        # The size in bytes is not stored; RSS readers accept 0 for "unknown".
        return 0

    def item_enclosure_mime_type(self, article):
        return "image/png" if article.hero_image.rendition(FEED_IMAGE_WIDTH)["url"].endswith(".png") else "image/jpeg"


class LatestArticlesAtomFeed(LatestArticlesFeed):
    feed_type = CleanAtomFeed

    def subtitle(self):
        return self.description()

    def feed_url(self):
        return absolute_url(reverse("articles:atom_feed"))


class SectionFeed(LatestArticlesFeed):
    """The newest stories of one section and its subsections."""

    def get_object(self, request, slug):
        return get_object_or_404(Section, slug=slug)

    def title(self, section):
        return f"{SiteSettings.current().name}: {section.name}"

    def description(self, section):
        return section.description or f"The latest {section.name} stories from {SiteSettings.current().name}"

    def link(self, section):
        return absolute_url(section.get_absolute_url())

    def feed_url(self, section):
        return absolute_url(reverse("articles:section_feed", kwargs={"slug": section.slug}))

    def items(self, section):
        sections = [section, *section.subsections.all()]
        return self.articles().filter(section__in=sections)[:FEED_LENGTH]


class LiveUpdatesFeed(Feed):
    """A live article's newest updates, for readers who follow the coverage in a feed reader."""

    feed_type = CleanRssFeed

    def get_object(self, request, section, slug):
        article = get_object_or_404(
            Article.objects.published().select_related("section"),
            slug=slug,
            section__slug=section,
            live_from__isnull=False,
        )
        shows(request, page_keys.article_key(article.pk), page_keys.live_key(article.pk))
        return article

    def title(self, article):
        return f"{article.headline}: live updates"

    def description(self, article):
        return article.standfirst

    def link(self, article):
        return absolute_url(article.get_absolute_url())

    def feed_url(self, article):
        return absolute_url(
            reverse("articles:live_feed", kwargs={"section": article.section.slug, "slug": article.slug})
        )

    def items(self, article):
        updates = list(
            LiveUpdate.objects.published().filter(article=article).for_stream().in_stream_order()[:FEED_LENGTH]
        )
        for update in updates:
            update.article = article
        return updates

    def item_title(self, update):
        return str(update)

    def item_description(self, update):
        return update.body

    def item_link(self, update):
        return absolute_url(update.get_stream_url())

    def item_guid(self, update):
        return absolute_url(update.get_absolute_url())

    def item_pubdate(self, update):
        return update.published_at

    def item_updateddate(self, update):
        return update.corrected_at or update.published_at

    def item_author_name(self, update):
        return update.author.name if update.author else None
