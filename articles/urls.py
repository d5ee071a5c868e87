from django.urls import path, re_path

from articles import feeds, views

app_name = "articles"

urlpatterns = [
    path("", views.front_page, name="front"),
    path("search/", views.search, name="search"),
    path("feed/", feeds.LatestArticlesFeed(), name="feed"),
    path("feed/atom/", feeds.LatestArticlesAtomFeed(), name="atom_feed"),
    path("section/<slug:slug>/", views.section_front, name="section"),
    path("section/<slug:slug>/feed/", feeds.SectionFeed(), name="section_feed"),
    # Tag slugs keep the letters of their names ("zürich"), which the `slug` converter refuses.
    re_path(r"^tag/(?P<slug>[-\w]+)/\Z", views.tag_page, name="tag"),
    path("author/<slug:slug>/", views.author_page, name="author"),
    path("preview/<str:token>/", views.preview, name="preview"),
    path("news/<slug:section>/<slug:slug>/", views.article_detail, name="article"),
]
