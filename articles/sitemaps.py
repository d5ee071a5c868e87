from django.contrib.sitemaps import Sitemap

from articles.models import Article, Section


class ArticleSitemap(Sitemap):
    changefreq = "hourly"
    limit = 5000

    def items(self):
        return Article.objects.published().select_related("section").order_by("-publish_at")

    def lastmod(self, article):
        return article.updated_at or article.publish_at


class SectionSitemap(Sitemap):
    changefreq = "hourly"

    def items(self):
        return Section.objects.all()


SITEMAPS = {"articles": ArticleSitemap, "sections": SectionSitemap}
