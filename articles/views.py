"""Public pages. Each view is a queryset, a template and little else."""

import re

from django.core.paginator import InvalidPage
from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_safe
from taggit.models import Tag

from articles import live, menus, page_keys, related, structured_data
from articles.ads import place_ads
from articles.models import (
    AdSlot,
    Article,
    Author,
    FormerSlug,
    ListedArticles,
    OldAddress,
    Section,
    article_for_page,
)
from articles.preview import article_id_from_token
from articles.search import SearchForm
from newsroom.cache import cached_fragment, mark_uncacheable, page_parameters, shows
from newsroom.models import SiteSettings
from newsroom.pagination import ArchivePaginator

ARTICLES_PER_PAGE = 20
# How many pages past the one asked for a list is counted (newsroom/pagination.py).
PAGES_COUNTED_AHEAD = 4
# The query parameter of an article page that selects a page of its comments (comments/threads.py).
COMMENTS_PAGE_PARAMETER = "comments-page"
# WordPress's address of a post by its id, `/?p=123`: answered by the front page, never cached as it.
WORDPRESS_POST_PARAMETER = "p"
# An old feed address: `…/feed/`, `…/feed/rss2/`, `…/feed/atom/`.
_OLD_FEED_SUFFIX = re.compile(r"/feed/(?:(?:rss|rss2|atom|rdf)/)?$")
# Where an article page's conversation goes in its cached story. Nothing
# readers or writers send can produce it: their text is escaped, and article
# bodies are sanitized with HTML comments stripped.
CONVERSATION_SLOT = mark_safe("<!-- conversation -->")
# Where its "You May Also Like" goes, with the ids of the stories the box shows: their teasers are put
# in for each page, so an edit to one of them renders the pages showing it again, not their stories.
RELATED_SLOT = "<!-- related: {} -->"
_RELATED_SLOT = re.compile(r"<!-- related: ([0-9 ]*) -->")


def paginate(request, queryset, per_page=ARTICLES_PER_PAGE, count_all=False):
    """The requested page of `queryset`; 404 for a page that does not exist.

    Lists are counted only a few pages past the one asked for (newsroom/pagination.py) unless
    `count_all`. A page asked for by another spelling of its number (`?page=02`) is shown
    but not kept by the page cache: only one copy of each page is stored."""
    asked = request.GET.get("page")
    asked_number = int(asked) if asked and asked.isdigit() and len(asked) < 7 else 1
    paginator = ArchivePaginator(
        queryset, per_page, asked_page=asked_number, pages_counted_ahead=None if count_all else PAGES_COUNTED_AHEAD
    )
    try:
        page = paginator.page(asked or 1)
    except InvalidPage:
        raise Http404("No such page.") from None
    if asked is not None and asked != str(page.number):
        mark_uncacheable(request)
    return page


def paginate_teasers(request, articles):
    """The requested page of these articles' teasers, paged by their ids: an article is read only
    if its teaser is rendered rather than taken from the fragment cache (`ListedArticles`)."""
    page = paginate(request, articles.values_list("pk", flat=True))
    page.object_list = ListedArticles(page.object_list).teasers()
    page_keys.show_teasers(request, page.object_list)
    return page


@require_safe
def front_page(request):
    # Not among the front page's page parameters: the page cache never keeps the redirect as the front page.
    if WORDPRESS_POST_PARAMETER in request.GET:
        return redirect_from_wordpress_id(request.GET[WORDPRESS_POST_PARAMETER])
    sections = menus.navigation_sections()
    # Which articles the lists hold changes only with `latest` (or `site`, as the navigation and
    # scheduled publications do): a page rendered again after an edit to a story's text reads no list.
    featured_ids, blocks, latest_ids = cached_fragment(
        request, "front-page-lists", lambda: _front_page_lists(sections), [page_keys.LATEST]
    )
    by_pk = {section.pk: section for section in sections}
    id_blocks = [(by_pk[section_id], block) for section_id, block in blocks if section_id in by_pk]
    listed = ListedArticles([*featured_ids, *latest_ids, *(pk for _, block in id_blocks for pk in block)])
    featured = listed.teasers(featured_ids)
    section_blocks = [(section, listed.teasers(block)) for section, block in id_blocks]
    context = {
        "featured": featured,
        "lead": featured[0] if featured else None,
        "top_stories": featured[1:],
        "section_blocks": section_blocks,
        # Which section's block an article is in follows from the article and the navigation.
        "in_blocks": [article for _, block in section_blocks for article in block],
        "latest": listed.teasers(latest_ids),
    }
    shows(request, page_keys.LATEST)
    page_keys.show_teasers(request, listed.teasers())
    return render(request, "articles/front.html", context)


def _front_page_lists(sections):
    """The ids of the front page's lists: editors' picks, each section's newest, the latest."""
    published = Article.objects.published().values_list("pk", flat=True)
    featured_ids = list(published.filter(priority__gt=Article.Priority.NORMAL).order_by("-priority", "-publish_at")[:5])
    if not featured_ids:
        # Without editors' picks the newest stories lead, so the page is never empty.
        featured_ids = list(published[:5])
    id_blocks = Article.objects.latest_by_section(sections, per_section=4, exclude=featured_ids)
    latest_ids = list(published.exclude(pk__in=featured_ids)[:10])
    return featured_ids, [(section.pk, block) for section, block in id_blocks], latest_ids


@page_parameters("page")
@require_safe
def section_front(request, slug):
    section = get_object_or_404(Section.objects.select_related("parent"), slug=slug)
    subsections = list(section.subsections.all())
    articles = Article.objects.published().filter(section__in=[section, *subsections])
    shows(request, page_keys.section_key(section.pk))
    return render(
        request,
        "articles/section.html",
        {
            "section": section,
            "subsections": subsections,
            "page": paginate_teasers(request, articles),
            "current_section_id": section.parent_id or section.pk,
        },
    )


@page_parameters("page")
@require_safe
def tag_page(request, slug):
    tag = Tag.objects.filter(slug=slug).first()
    if tag is None:
        return redirect_from_old_address(request.path_info)
    articles = Article.objects.published().filter(tags=tag)
    shows(request, page_keys.tag_key(tag.pk))
    return render(request, "articles/tag.html", {"tag": tag, "page": paginate_teasers(request, articles)})


@page_parameters("page")
@require_safe
def author_page(request, slug):
    author = Author.objects.filter(slug=slug).first()
    if author is None:
        return redirect_from_old_address(request.path_info)
    articles = Article.objects.published().filter(authors=author)
    shows(request, page_keys.author_key(author.pk))
    return render(request, "articles/author.html", {"author": author, "page": paginate_teasers(request, articles)})


@page_parameters("q", "section", "from", "to", "page")
@require_safe
def search(request):
    form = SearchForm(request.GET)
    page = paginate(request, form.results().for_listing(), count_all=True) if form.query else None
    if page is not None:
        page_keys.show_teasers(request, page.object_list)
    # What matches a query can change with any article's text.
    shows(request, page_keys.EVERY_ARTICLE)
    return render(request, "articles/search.html", form.page_context(page))


@page_parameters(COMMENTS_PAGE_PARAMETER, live.BEFORE_PARAMETER)
@require_safe
def article_detail(request, section, slug):
    # Whether readers may see it is asked of the one article its slug finds (`is_published`, the same
    # test as `published()`): in the query, the conditions would cost more to build than to run.
    article = article_for_page(slug)
    if article is None:
        return redirect_from_former_slug(request, slug)
    if not article.is_published:
        return gone(request) if article.is_taken_down else redirect_from_former_slug(request, slug)
    if article.section.slug != section:
        return redirect(article, permanent=True)
    before_id = live.asked_before(request, article)
    # Named for the shape of its slots: a story kept before its related box had one is not used.
    fragment = f"story:{article.pk}" + (f":before-{before_id}" if before_id else "")
    story = cached_fragment(
        request,
        fragment,
        lambda: render_story(request, article, before_id=before_id),
        [page_keys.article_key(article.pk)],
    )
    return article_page(request, article, story)


def gone(request):
    """The notice at the address of an article taken down for legal reasons (articles/takedown.py)."""
    return render(request, "410.html", status=410)


def redirect_from_former_slug(request, slug):
    """A permanent redirect from an address an article had before its slug changed, 410 if the article
    was taken down, or 404."""
    former = get_object_or_404(FormerSlug.objects.select_related("article__section"), slug=slug)
    if former.article.is_taken_down:
        return gone(request)
    if not former.article.is_published:
        raise Http404("No such article.")
    return redirect(former.article, permanent=True)


def redirect_from_wordpress_id(post_id):
    if not post_id.isascii() or not post_id.isdigit():
        raise Http404("No such article.")
    article = get_object_or_404(Article.objects.published().select_related("section"), wordpress_id=int(post_id))
    return redirect(article, permanent=True)


def redirect_from_old_address(path):
    """A permanent redirect from an address of the site this one replaced (see OldAddress), or 404.
    An old feed address leads to the feed of what it showed where there is one, else to its page."""
    path = OldAddress.normalize(path)
    if "\x00" in path:
        # No site's address holds a NUL character, and PostgreSQL refuses to look one up.
        raise Http404("No such page.")
    feed = _OLD_FEED_SUFFIX.search(path)
    candidates = [path, path[: feed.start() + 1]] if feed else [path]
    found = {
        old.path: old
        for old in OldAddress.objects.filter(path__in=candidates).select_related(
            "article__section", "section", "author", "tag"
        )
    }
    old = next((found[candidate] for candidate in candidates if candidate in found), None)
    destination = old and old.destination(feed=old.path != path)
    if not destination:
        raise Http404("No such page.")
    return HttpResponsePermanentRedirect(destination)


@require_safe
def old_address(request, old_path):
    """The last URL pattern: any address nothing else answers may be one the old site had."""
    try:
        return redirect_from_old_address(request.path_info)
    except Http404:
        # Matching every path turns CommonMiddleware's APPEND_SLASH off; this does its job instead.
        if not request.path_info.endswith("/") and _answered_by_a_page(request.path_info + "/"):
            query = request.META.get("QUERY_STRING")
            return HttpResponsePermanentRedirect(request.path + "/" + (f"?{query}" if query else ""))
        raise


def _answered_by_a_page(path):
    try:
        return resolve(path).func is not old_address
    except Resolver404:
        return False


@require_safe
def preview(request, token):
    article_id = article_id_from_token(token)
    if article_id is None:
        raise Http404("This preview link is invalid or has expired.")
    article = get_object_or_404(Article.objects.for_article_page(), pk=article_id)
    response = article_page(request, article, render_story(request, article, is_preview=True))
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "private, no-store"
    return response


def render_story(request, article, is_preview=False, before_id=None):
    """The article page as every reader sees it, with a slot for the conversation. A live article's
    shows a page of its updates: the newest, or those before the update `before_id`."""
    context = {
        **article_context(request, article),
        "is_preview": is_preview,
        "conversation": CONVERSATION_SLOT,
        "related_slot": mark_safe(RELATED_SLOT.format(" ".join(map(str, related.chosen(request, article))))),
    }
    if article.is_live_coverage:
        stream = live.stream_page(article, before_id)
        if not stream.found:
            raise Http404("No such update.")
        shows(request, page_keys.live_key(article.pk))
        context |= live.page_context(article, stream, context["site"])
    # "You May Also Like" chooses among the stories of its section and its tags: one joining them may show there.
    page_keys.show_related_candidates(request, article)
    return render_to_string("articles/article.html", context, request)


def article_page(request, article, story):
    """The story with this request's conversation and "You May Also Like" in their slots: the comments
    area shows what can differ from one reader to the next, and the box's teasers each change with
    their own story."""
    story, related_ids, end = _split_at_related_slot(story)
    before, slot, after = story.partition(CONVERSATION_SLOT)
    teasers = related.teasers(article, related_ids)
    page_keys.show_teasers(request, teasers)
    context = {
        "request": request,
        "article": article,
        "before": mark_safe(before),
        "has_conversation": bool(slot),
        "after": mark_safe(after),
        "related": teasers,
        "end": mark_safe(end),
    }
    return HttpResponse(render_to_string("articles/article_page.html", context))


def _split_at_related_slot(story):
    """The story before the related box's slot, the ids the box shows, and the story after it."""
    found = _RELATED_SLOT.search(story)
    if not found:
        return story, [], ""
    return story[: found.start()], [int(pk) for pk in found[1].split()], story[found.end() :]


def article_context(request, article):
    site = SiteSettings.current()
    in_article_ads = AdSlot.in_articles_now()
    return {
        "article": article,
        "site": site,
        "body_segments": place_ads(article.body, in_article_ads, site.paragraphs_between_ads),
        "structured_data": structured_data.news_article(article, site),
        "share_image": structured_data.share_image(article, site),
        "current_section_id": article.section.parent_id or article.section_id,
    }
