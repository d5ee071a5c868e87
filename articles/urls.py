from django.urls import path, re_path

from articles import feeds, live_views, views
from articles.page_keys import EVERY_ARTICLE
from newsroom.cache import showing

app_name = "articles"

# A feed's items change with any article's headline or standfirst.
feed_view = showing(EVERY_ARTICLE)

urlpatterns = [
    path("", views.front_page, name="front"),
    path("search/", views.search, name="search"),
    path("feed/", feed_view(feeds.LatestArticlesFeed()), name="feed"),
    path("feed/atom/", feed_view(feeds.LatestArticlesAtomFeed()), name="atom_feed"),
    path("section/<slug:slug>/", views.section_front, name="section"),
    path("section/<slug:slug>/feed/", feed_view(feeds.SectionFeed()), name="section_feed"),
    # Tag slugs keep the letters of their names ("zürich"), which the `slug` converter refuses.
    re_path(r"^tag/(?P<slug>[-\w]+)/\Z", views.tag_page, name="tag"),
    path("author/<slug:slug>/", views.author_page, name="author"),
    path("preview/<str:token>/", views.preview, name="preview"),
    path("news/<slug:section>/<slug:slug>/", views.article_detail, name="article"),
    path("news/<slug:section>/<slug:slug>/live/", live_views.live_redirect, name="live"),
    path("news/<slug:section>/<slug:slug>/live/updates/", live_views.live_poll, name="live_poll"),
    path("news/<slug:section>/<slug:slug>/live/updates/<int:update_id>/", live_views.live_update, name="live_update"),
    path("news/<slug:section>/<slug:slug>/live/feed/", live_views.live_feed, name="live_feed"),
]
