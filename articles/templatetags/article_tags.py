"""Presentation helpers for the public pages: teasers, responsive pictures,
icons, share links, structured data and links that keep a page's query."""

import functools
from urllib.parse import quote, urlencode

from django import template
from django.template.loader import render_to_string
from django.utils.html import format_html, json_script
from django.utils.safestring import mark_safe

from articles import page_keys, structured_data
from articles.models import ListedArticle
from newsroom.cache import cached_fragment, cached_include, fragment_variant
from newsroom.links import absolute_url

register = template.Library()

ICONS = frozenset(
    {
        "bluesky",
        "clock",
        "comment",
        "email",
        "facebook",
        "instagram",
        "link",
        "linkedin",
        "mastodon",
        "rss",
        "search",
        "x",
        "youtube",
    }
)


@register.simple_tag(takes_context=True)
def teaser(context, article, variant="card", level=2, sizes="100vw", no_byline=False):
    """An article's teaser (includes/article_card.html), rendered once for each way lists show it and
    shared by every list that does, until the article changes. A search result's, which quotes the
    words it matched, is rendered for its page. `article` may be a `ListedArticle`: it is read only
    if its teaser is rendered."""
    card = {"variant": variant, "level": level, "sizes": sizes, "no_byline": no_byline}

    def render(again=False):
        # Rendered again, the teaser's story is the one that changed: its list's others are likely cached.
        shown = article.read(alone=again) if isinstance(article, ListedArticle) else article
        # An article gone since its list was read (taken down a moment ago) leaves no teaser.
        return render_to_string("includes/article_card.html", {**card, "article": shown}) if shown else ""

    request = context.get("request")
    if request is None or getattr(article, "snippet", None):
        return render()
    way = fragment_variant(variant, level, sizes, no_byline)
    html = cached_fragment(
        request,
        f"teaser:{article.pk}:{way}",
        render,
        [page_keys.article_key(article.pk)],
        render_again=lambda: render(again=True),
    )
    return mark_safe(html)


@register.simple_tag(takes_context=True)
def teaser_block(context, template_name, *lists, **differs_by):
    """`template_name`, a block of teasers, rendered with the page's context and kept as one fragment,
    shared by every page that shows the same `lists` of articles the same way (`differs_by`: the
    values of the page's context the block shows, such as the level of its headings). A list's
    teasers are then read as one fragment rather than one by one; a change to one of them renders
    the block again, as it shows what they show. A block of anything but `ListedArticle`s (search
    results quoting the words they matched) is rendered for its page."""
    if not all(isinstance(article, ListedArticle) for listed in lists for article in listed):
        return mark_safe(context.template.engine.get_template(template_name).render(context))
    ids = [[article.pk for article in listed] for listed in lists]
    return cached_include(context, "teasers", template_name, *ids, *sorted(differs_by.items()))


@register.inclusion_tag("includes/picture.html")
def picture(image, sizes="100vw", width=960, loading="lazy", priority=False):
    """A <picture> offering WebP with a JPEG/PNG fallback in every rendition
    width; width and height are set so the page does not jump as it loads."""
    return {
        "image": image,
        "sizes": sizes,
        "fallback": image.rendition(width),
        "webp_srcset": image.srcset("webp"),
        "fallback_srcset": image.srcset("fallback"),
        "loading": loading,
        "priority": priority,
    }


@register.simple_tag
@functools.cache
def icon(name):
    """An inline SVG icon drawn in the text colour; decorative, so hidden from
    assistive technology (the link or button around it carries the name). Made once per
    process and name, as the production template loader reads each template once."""
    if name not in ICONS:
        return ""
    shapes = mark_safe(render_to_string(f"includes/icons/{name}.html").strip())
    return format_html(
        '<svg class="icon" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false" '
        'fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">'
        "{}</svg>",
        shapes,
    )


def share_targets(title, url):
    """Plain links to each network's own share page: nothing is loaded from
    those sites until the reader follows one."""
    return [
        ("facebook", "Facebook", "https://www.facebook.com/sharer/sharer.php?" + urlencode({"u": url})),
        ("x", "X", "https://x.com/intent/post?" + urlencode({"url": url, "text": title})),
        ("linkedin", "LinkedIn", "https://www.linkedin.com/sharing/share-offsite/?" + urlencode({"url": url})),
        ("bluesky", "Bluesky", "https://bsky.app/intent/compose?" + urlencode({"text": f"{title} {url}"})),
        ("email", "Email", "mailto:?" + urlencode({"subject": title, "body": url}, quote_via=quote)),
    ]


@register.inclusion_tag("includes/share_links.html")
def share_links(article):
    url = absolute_url(article.get_absolute_url())
    return {
        "links": [
            {"network": network, "label": label, "url": href}
            for network, label, href in share_targets(article.headline, url)
        ]
    }


@register.filter
def json_ld(data):
    """Structured data in a script element, escaped exactly like Django's
    json_script (so the data can never close the element); only the type
    differs, as search engines read application/ld+json."""
    return mark_safe(json_script(data).replace('type="application/json"', 'type="application/ld+json"', 1))


@register.filter
def iso_datetime(moment):
    """For <time datetime> and meta tags."""
    return structured_data.iso_datetime(moment)


@register.filter
def absolute(path):
    return absolute_url(path)


@register.simple_tag(takes_context=True)
def page_url(context, number):
    """The current page's address with another page number, keeping the
    reader's other parameters (the search query)."""
    request = context["request"]
    query = request.GET.copy()
    if number == 1:
        query.pop("page", None)
    else:
        query["page"] = number
    encoded = query.urlencode()
    return f"{request.path}?{encoded}" if encoded else request.path
