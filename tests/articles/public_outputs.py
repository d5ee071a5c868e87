"""Every public output an article can appear in, read as an anonymous reader reads it (through the page
cache), for the embargo and takedown tests: each must show the article exactly when readers may see it."""

from django.utils import timezone

from articles.models import Article, FormerSlug, OldAddress

HEADLINE = "Lighthouse keepers refuse the new winter rota"
SEARCH_WORD = "lighthouse"
WORDPRESS_ID = 4242
OLD_PATH = "/2024/05/lighthouse-keepers-rota/"
FORMER_SLUG = "keepers-refuse-rota"
TAG = "Coastguard"


def make_watched_article(make_article, **fields):
    """The article the tests watch, with a neighbour that shows it in its related box, a former slug, a
    WordPress id and an old address of the site this one replaced."""
    fields.setdefault("publish_at", timezone.now() - timezone.timedelta(minutes=10))
    article = make_article(
        headline=HEADLINE,
        slug="lighthouse-keepers-rota",
        standfirst="The keepers of the northern light say the rota leaves one of them alone for a week.",
        wordpress_id=WORDPRESS_ID,
        tags=[TAG],
        **fields,
    )
    neighbour = make_article(headline="Coastguard station gets a new boat", tags=[TAG])
    FormerSlug.objects.create(slug=FORMER_SLUG, article=article)
    OldAddress.objects.create(path=OLD_PATH, article=article)
    return article, neighbour


def _shows(client, url, headline=HEADLINE):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return headline in response.content.decode()


def _leads_to(client, url, article):
    response = client.get(url)
    if response.status_code in (404, 410):
        return False
    assert response.status_code == 301, (url, response.status_code)
    return response["Location"].endswith(article.get_absolute_url())


def outputs_showing(client, article, neighbour):
    """The names of the public outputs that show `article` (or lead to it) right now."""
    section_url = article.section.get_absolute_url()
    author_url = article.authors.first().get_absolute_url()
    article_page = client.get(article.get_absolute_url())
    assert article_page.status_code in (200, 404, 410), article_page.status_code
    lists = {
        "front page": "/",
        "section page": section_url,
        "tag page": f"/tag/{TAG.lower()}/",
        "author page": author_url,
        "search": f"/search/?q={SEARCH_WORD}",
        "related box and structured data of another article": neighbour.get_absolute_url(),
        "feed": "/feed/",
        "Atom feed": "/feed/atom/",
        "section feed": f"{section_url}feed/",
        "news sitemap": "/sitemap-news.xml",
    }
    shown = {name for name, url in lists.items() if _shows(client, url)}
    # The sitemap names the article by its address alone.
    if _shows(client, "/sitemap-articles.xml", article.get_absolute_url()):
        shown.add("sitemap")
    if article_page.status_code == 200 and HEADLINE in article_page.content.decode():
        shown.add("its page")
    redirects = {
        "WordPress /?p= address": f"/?p={WORDPRESS_ID}",
        "old address": OLD_PATH,
        "former slug": f"/news/{article.section.slug}/{FORMER_SLUG}/",
    }
    shown |= {name for name, url in redirects.items() if _leads_to(client, url, article)}
    return shown


EVERY_OUTPUT = {
    "its page",
    "front page",
    "section page",
    "tag page",
    "author page",
    "search",
    "related box and structured data of another article",
    "feed",
    "Atom feed",
    "section feed",
    "sitemap",
    "news sitemap",
    "WordPress /?p= address",
    "old address",
    "former slug",
}


def visible(article):
    return Article.objects.published().filter(pk=article.pk).exists()
