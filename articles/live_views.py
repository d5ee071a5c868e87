"""The public side of live coverage (articles/live.py): the redirect from `…/live/`, the answers to
readers' scripts, an update's own page. The live page itself is the article's page (views.article_detail)."""

import hashlib
import json

from django.http import Http404, HttpResponse, HttpResponseNotModified, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.http import parse_etags, quote_etag
from django.views.decorators.http import require_safe

from articles import feeds, live, page_keys
from articles.models import Article
from newsroom.cache import page_parameters, shows
from newsroom.models import SiteSettings


class _ArticleGone(Exception):
    """The article was taken down for legal reasons: its addresses answer 410."""


def _live_article(request, section, slug):
    """The published live article at this address, its page's keys shown; 404 or _ArticleGone else."""
    article = (
        Article.objects.published()
        .for_article_page()
        .filter(slug=slug, section__slug=section, live_from__isnull=False)
        .first()
    )
    if article is None:
        if Article.objects.taken_down().filter(slug=slug).exists():
            raise _ArticleGone
        raise Http404("No such live coverage.")
    shows(request, page_keys.article_key(article.pk), page_keys.live_key(article.pk))
    return article


@require_safe
def live_redirect(request, section, slug):
    """`…/live/` is the live page's address for sharing: `…/live/#update-ID` lands on the update."""
    try:
        article = _live_article(request, section, slug)
    except _ArticleGone:
        return render(request, "410.html", status=410)
    return redirect(article, permanent=True)


def _json_error(message, status):
    return JsonResponse({"error": message}, status=status)


@page_parameters(live.AFTER_PARAMETER, live.BEFORE_PARAMETER)
@require_safe
def live_poll(request, section, slug):
    """What a reader's script asks: the updates after the newest it has (`?after=<id>`), or the page of
    those before the oldest it has (`?before=<id>`), as rendered HTML, with the number of seconds to wait
    before asking again (null: coverage has ended, stop asking). Answered from the page cache, with an
    ETag and 304, until an update of the article changes."""
    asked = {name: request.GET[name] for name in (live.AFTER_PARAMETER, live.BEFORE_PARAMETER) if name in request.GET}
    if len(asked) > 1:
        return _json_error("Ask for updates after one, or before one, not both.", 400)
    ids = {name: live.parse_update_id(value) for name, value in asked.items()}
    if None in ids.values():
        return _json_error("An update is named by its number.", 400)
    try:
        article = _live_article(request, section, slug)
    except _ArticleGone:
        return _json_error("This article has been removed.", 410)
    except Http404:
        return _json_error("No such live coverage.", 404)
    answer = _poll_answer(article, ids)
    if answer is None:
        return _json_error("No such update in this coverage.", 400)
    body = json.dumps(answer, separators=(",", ":")).encode()
    # The answer is what the stream's state is: the same hash as the page cache's ETag of the same body.
    etag = quote_etag(hashlib.md5(body, usedforsecurity=False).hexdigest())
    if etag in parse_etags(request.headers.get("If-None-Match", "")):
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type="application/json")
    response["ETag"] = etag
    return response


def _poll_answer(article, ids):
    poll = {"poll_seconds": live.poll_seconds(article), "badge": article.coverage_badge}
    if live.BEFORE_PARAMETER in ids:
        stream = live.stream_page(article, ids[live.BEFORE_PARAMETER])
        if not stream.found:
            return None
        return poll | {
            "html": _rendered(stream.updates),
            "count": len(stream.updates),
            "earlier_than": stream.earlier_than and stream.earlier_than.pk,
        }
    found = live.updates_after(article, ids.get(live.AFTER_PARAMETER))
    if found is None:
        return None
    updates, complete = found
    return poll | {
        "html": _rendered(updates),
        "count": len(updates),
        "newest": updates[0].pk if updates else ids.get(live.AFTER_PARAMETER),
        "complete": complete,
    }


def _rendered(updates):
    return "".join(
        render_to_string("articles/live/update.html", {"update": update, "heading_level": 3}) for update in updates
    )


LIVE_FEED = feeds.LiveUpdatesFeed()


@require_safe
def live_feed(request, section, slug):
    """The RSS feed of a live article's updates; 410, as its page answers, once it is taken down."""
    try:
        return LIVE_FEED(request, section=section, slug=slug)
    except Http404:
        if Article.objects.taken_down().filter(slug=slug).exists():
            return render(request, "410.html", status=410)
        raise


@require_safe
def live_update(request, section, slug, update_id):
    """An update's own page, for sharing it alone: its text, its image in the social cards, a link to
    its place in the coverage."""
    try:
        article = _live_article(request, section, slug)
    except _ArticleGone:
        return render(request, "410.html", status=410)
    update = live.published_update(article, update_id)
    if update is None:
        raise Http404("No such update.")
    site = SiteSettings.current()
    return render(
        request,
        "articles/live/update_page.html",
        {
            "article": article,
            "update": update,
            "title": update.headline or article.headline,
            "description": update.plain_text,
            "share_image": live.share_image(update, article, site),
            "current_section_id": article.section.parent_id or article.section_id,
        },
    )
