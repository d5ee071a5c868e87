"""Sitemaps: every published article and section, plus a Google News sitemap
of the last two days, listed in the index at /sitemap.xml."""

from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.db.models.functions import Coalesce
from django.utils import timezone

from articles.models import Article, Section
from newsroom.models import SiteSettings
from newsroom.text import clean_line

# Google News reads only the stories of the last two days, at most 1,000 of them.
NEWS_WINDOW = timedelta(days=2)
NEWS_LIMIT = 1000


class PublicSitemap(Sitemap):
    """Addresses on SITE_URL, whatever host the crawler asked."""

    def get_protocol(self, protocol=None):
        return urlsplit(settings.SITE_URL).scheme

    def get_domain(self, site=None):
        return urlsplit(settings.SITE_URL).netloc


class ArticleSitemap(PublicSitemap):
    changefreq = "hourly"
    limit = 5000

    def items(self):
        return (
            Article.objects.published()
            .select_related("section")
            .only("slug", "section__slug", "publish_at", "updated_at")
            .order_by("-publish_at", "-id")
        )

    def lastmod(self, article):
        return article.updated_at or article.publish_at

    def get_latest_lastmod(self):
        # One aggregate instead of Django's default of loading every article.
        return Article.objects.published().aggregate(latest=Max(Coalesce("updated_at", "publish_at")))["latest"]


class NewsSitemap(ArticleSitemap):
    limit = NEWS_LIMIT

    def items(self):
        return (
            Article.objects.published()
            .filter(publish_at__gte=timezone.now() - NEWS_WINDOW)
            .select_related("section")
            .only("headline", "slug", "section__slug", "publish_at", "updated_at")
            .order_by("-publish_at", "-id")
        )

    def get_latest_lastmod(self):
        return None

    def get_urls(self, *args, **kwargs):
        urls = super().get_urls(*args, **kwargs)
        # Texts are cleaned again on the way out (see newsroom.text): a row stored
        # before they were cleaned on save must not make the sitemap ill-formed.
        publication = {
            "name": clean_line(SiteSettings.current().name),
            "language": settings.LANGUAGE_CODE.split("-")[0],
        }
        for url in urls:
            url["publication"] = publication
            url["title"] = clean_line(url["item"].headline)
        return urls


class SectionSitemap(PublicSitemap):
    changefreq = "hourly"

    def items(self):
        return Section.objects.order_by("position", "name")


SITEMAPS = {"news": NewsSitemap, "articles": ArticleSitemap, "sections": SectionSitemap}
