"""schema.org data for search engines, built in Python and serialised by the
template through a json_script-style escaper (never hand-written JSON)."""

from django.conf import settings
from django.utils import timezone

from newsroom.links import absolute_static_url, absolute_url

PUBLISHER_LOGO_FALLBACK = "img/publisher-logo.png"
SHARE_IMAGE_WIDTH = 1280


def iso_datetime(moment):
    """A moment in the site's time zone, to the second: 2025-03-01T09:30:00-05:00."""
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


def share_image(article, site):
    """The image social networks and search engines show for an article, as
    {"url", "width", "height"}, or None when neither the article nor the site has one."""
    if article.hero_image_id:
        return image_for_sharing(article.hero_image)
    if site.default_share_image:
        return {"url": absolute_url(site.default_share_image.url), "width": None, "height": None}
    return None


def image_for_sharing(image):
    chosen = image.rendition(SHARE_IMAGE_WIDTH)
    return {"url": absolute_url(chosen["url"]), "width": chosen["width"], "height": chosen["height"]}


def publisher(site):
    logo_url = absolute_url(site.logo.url) if site.logo else absolute_static_url(PUBLISHER_LOGO_FALLBACK)
    return {
        "@type": "NewsMediaOrganization",
        "name": site.name,
        "url": absolute_url("/"),
        "logo": {"@type": "ImageObject", "url": logo_url},
    }


def _image_object(image):
    data = {"@type": "ImageObject", "url": image["url"]}
    if image["width"]:
        data.update(width=image["width"], height=image["height"])
    return data


def news_article(article, site):
    """The NewsArticle of an article page."""
    url = absolute_url(article.get_absolute_url())
    published = article.publish_at
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "url": url,
        "headline": article.headline,
        "description": article.standfirst,
        "datePublished": iso_datetime(published),
        "dateModified": iso_datetime(article.updated_at or published),
        "author": [
            {
                "@type": "Organization" if author.is_organization else "Person",
                "name": author.name,
                "url": absolute_url(author.get_absolute_url()),
            }
            for author in article.byline_authors
        ],
        "publisher": publisher(site),
        "articleSection": article.section.name,
        "keywords": [tag.name for tag in article.shown_tags],
        "inLanguage": settings.LANGUAGE_CODE,
    }
    if article.alternative_headline:
        data["alternativeHeadline"] = article.alternative_headline
    image = share_image(article, site)
    if image:
        data["image"] = [_image_object(image)]
    return data


def live_blog_posting(article, site, updates):
    """The LiveBlogPosting of a live article's page, in place of its NewsArticle: the coverage's start and
    end, and the updates the page shows as BlogPosting entries (each addressed by its anchor)."""
    data = news_article(article, site) | {
        "@type": "LiveBlogPosting",
        "coverageStartTime": iso_datetime(article.live_from),
        "liveBlogUpdate": [_blog_posting(article, update) for update in updates],
    }
    if article.live_until:
        data["coverageEndTime"] = iso_datetime(article.live_until)
    return data


def _blog_posting(article, update):
    data = {
        "@type": "BlogPosting",
        "headline": update.headline or article.headline,
        "datePublished": iso_datetime(update.published_at),
        "dateModified": iso_datetime(update.corrected_at or update.published_at),
        "articleBody": update.plain_text,
        "url": absolute_url(update.get_stream_url()),
    }
    if update.author:
        data["author"] = {
            "@type": "Organization" if update.author.is_organization else "Person",
            "name": update.author.name,
        }
    return data
