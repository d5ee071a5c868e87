from django.contrib import admin
from django.contrib.sitemaps.views import index as sitemap_index
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path, re_path

from articles.page_keys import EVERY_ARTICLE
from articles.sitemaps import SITEMAPS
from articles.views import old_address
from newsroom.cache import showing
from newsroom.views import media, robots_txt

admin.site.site_header = "Newsroom administration"
admin.site.site_title = "Newsroom admin"
admin.site.index_title = "Newsroom"
# The list of every model beside each page would take a fifth of a laptop's width from the lists the desk
# reads all day; the breadcrumbs and the admin's home page lead to every model.
admin.site.enable_nav_sidebar = False

# Sitemaps list every article, with the time it last changed.
sitemap_view = showing(EVERY_ARTICLE)

urlpatterns = [
    path("admin/", admin.site.urls),
    path("robots.txt", robots_txt, name="robots"),
    path(
        "sitemap.xml",
        sitemap_view(sitemap_index),
        {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap_section"},
        name="sitemap",
    ),
    # Listed before the general pattern: the Google News sitemap has its own XML namespace.
    path(
        "sitemap-news.xml",
        sitemap_view(sitemap),
        {"sitemaps": SITEMAPS, "section": "news", "template_name": "articles/sitemap_news.xml"},
        name="sitemap_news",
    ),
    path("sitemap-<section>.xml", sitemap_view(sitemap), {"sitemaps": SITEMAPS}, name="sitemap_section"),
    path("", include("comments.urls")),
    path("", include("articles.urls")),
    path("media/<path:path>", media),
    # Last: only an address nothing above answers can be one of the site this one replaced.
    re_path(r"^(?P<old_path>.+)\Z", old_address),
]
