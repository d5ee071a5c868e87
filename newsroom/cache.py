"""The page cache and its invalidation, in one place.

Anonymous GET/HEAD requests for public pages are answered whole from the
shared cache (Redis when REDIS_URL is set), without touching the database.
Every cached page belongs to a "generation"; any change to what pages show
(an article saved, a comment approved, the site settings edited…) starts a
new generation, so the next request renders afresh. A scheduled article, or
an ad scheduled to start or stop, starts a new generation by itself when its
time passes: the time of the next such change is kept beside the generation.

Responses carry an ETag and Last-Modified, answer conditional requests with
304, and send Cache-Control for CDNs. They never carry Set-Cookie or
Vary: Cookie: what they show is the same for every anonymous reader.
Anything personal (a reader's own pending comment) marks its response with
`mark_uncacheable(request)` and is neither stored nor shared.

The house knows no app: each app says from its `AppConfig.ready()` which of
its models pages show (`invalidate_pages_on_change`) and when its pages
change by themselves (`add_scheduled_changes`).

Below the page cache, `cached_fragment` keeps parts of pages that are the same
for every reader (an article's story, its blank comment form) for the same
generation, so a page that cannot be cached whole renders only what differs.
"""

import hashlib
import logging
import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpResponse, HttpResponseNotModified
from django.urls import Resolver404, resolve
from django.utils.cache import patch_vary_headers
from django.utils.http import http_date, parse_etags, quote_etag, urlencode

from newsroom import varnish

logger = logging.getLogger(__name__)

GENERATION_KEY = "pages:generation"
NEXT_SCHEDULED_KEY = "pages:next-scheduled"
PAGE_TIMEOUT = 600
CACHE_CONTROL = "public, max-age=60, stale-while-revalidate=300"
UNCACHED_PREFIXES = ("/admin/", "/preview/", "/comments/", "/static/", "/media/")


def page_parameters(*names):
    """Declare the query parameters a view's page depends on.

    Only a request whose parameters are all among them, each given once, is
    stored or served whole: any other parameter (a reader's pending-comment
    receipt, tracking tags, a parameter the page ignores such as `/?page=7`)
    bypasses the page cache, so no one can fill it with copies of one page.
    A view without the declaration uses no parameter.
    """

    def declare(view):
        view.page_parameters = frozenset(names)
        return view

    return declare


# Callables returning queries of the times still to come at which pages change by themselves.
_scheduled_change_sources = []


def invalidate_pages_on_change(*models, through=()):
    """Pages show these models: saving or deleting one starts a new generation,
    as does adding or removing a link of the many-to-many `through` models."""
    for model in models:
        label = model._meta.label
        post_save.connect(invalidate_pages, sender=model, dispatch_uid=f"pages-save-{label}")
        post_delete.connect(invalidate_pages, sender=model, dispatch_uid=f"pages-delete-{label}")
    for model in through:
        m2m_changed.connect(invalidate_pages, sender=model, dispatch_uid=f"pages-links-{model._meta.label}")


def add_scheduled_changes(source):
    """Pages change by themselves at times `source()` gives, as queries of one
    datetime column (a publication time, the start or end of an ad's window):
    each such time starts a new generation when it passes."""
    _scheduled_change_sources.append(source)


def mark_uncacheable(request):
    """This response is personal: never store it, never let a CDN keep it."""
    request.cache_private = True


# Set while this process owes the shared cache a new generation: a change was
# made while Redis was unreachable, and the pages Redis kept from before it must
# not be served again once it is back.
_invalidation_owed = threading.Event()


def invalidate_pages(**_signal_kwargs):
    """Start a new generation: every cached page is rendered afresh.

    Inside a transaction, once more when it commits: until then other requests
    still read the rows as they were, and a page one of them renders in between
    would be stored in the new generation with what the change replaced."""
    _start_new_generation()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(_start_new_generation)


def _start_new_generation():
    try:
        cache.add(GENERATION_KEY, _first_generation(), None)
        # Raises ValueError when the shared cache is unreachable: the key was just added.
        cache.incr(GENERATION_KEY)
        cache.delete(NEXT_SCHEDULED_KEY)
        varnish.purge(["site"])
    except Exception:
        if not _invalidation_owed.is_set():
            logger.exception("Could not invalidate the page cache; trying again on each request until it can")
        _invalidation_owed.set()
    else:
        _invalidation_owed.clear()


def current_generation(request):
    """The generation this request's pages and fragments belong to, looked up
    once per request. A scheduled change that has come due, or an
    invalidation the shared cache could not take, starts a new one first."""
    if not hasattr(request, "page_generation"):
        if _invalidation_owed.is_set() or _scheduled_time_passed():
            invalidate_pages()
            # Find the next scheduled change before anything is stored in the
            # new generation: looked up later, a change due in between would be missed.
            _scheduled_time_passed()
        request.page_generation = _generation()
    return request.page_generation


def cached_fragment(request, name, render):
    """The HTML `render()` returns, rendered once per generation and shared by
    every reader (and every app server) until something on the site changes.

    For the parts of a page that are the same for every reader while the
    page itself cannot be cached whole: an article read through a link with
    tracking parameters, a reader's "awaiting moderation" view, a page of older
    comments. Logged-in staff always get a fresh rendering, as they do pages.
    """
    if _is_signed_in(request):
        return render()
    generation = current_generation(request)
    if generation is None:
        return render()
    key = f"fragments:{generation}:{name}"
    html = cache.get(key)
    if html is None:
        html = render()
        cache.set(key, html, PAGE_TIMEOUT)
    return html


def _generation():
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        cache.add(GENERATION_KEY, _first_generation(), None)
        generation = cache.get(GENERATION_KEY)
    # None when the shared cache keeps nothing (Redis unreachable): nothing is stored or served then.
    return generation


def _first_generation():
    """Where a counter that was lost (a cleared or restarted cache, an evicted key) starts
    again: later than any it had reached, so pages it kept from before are never served."""
    return time.time_ns()


def _scheduled_time_passed():
    """True once the next scheduled change is due. Kept in the cache so a cache
    hit needs no database; looked up again after each invalidation."""
    due = cache.get(NEXT_SCHEDULED_KEY)
    if due is None:
        due = min((moment.timestamp() for moment in _upcoming_changes()), default=float("inf"))
        cache.set(NEXT_SCHEDULED_KEY, due, None)
    return time.time() >= due


def _upcoming_changes():
    """Every scheduled change still to come, in one query however many kinds there are."""
    queries = [query for source in _scheduled_change_sources for query in source()]
    if not queries:
        return []
    first, *others = queries
    return first.union(*others, all=True)


def _is_signed_in(request):
    return settings.SESSION_COOKIE_NAME in request.COOKIES


def _is_cacheable_request(request):
    if request.method not in ("GET", "HEAD"):
        return False
    if _is_signed_in(request):
        return False
    if request.path.startswith(UNCACHED_PREFIXES):
        return False
    try:
        view = resolve(request.path_info).func
    except Resolver404:
        return False
    used = getattr(view, "page_parameters", frozenset())
    return all(name in used and len(values) == 1 for name, values in request.GET.lists())


def _page_key(request, generation):
    # The same parameters in another order are the same page.
    query = urlencode(sorted(request.GET.items()))
    digest = hashlib.sha256(f"{request.path}?{query}".encode()).hexdigest()
    return f"pages:{generation}:{request.get_host()}:{digest}"


def _not_modified(request, page):
    etags = parse_etags(request.headers.get("If-None-Match", ""))
    return page["etag"] in etags or "*" in etags


class PageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _is_cacheable_request(request):
            return self._personal(request, self.get_response(request))
        try:
            generation = current_generation(request)
            if generation is None:
                return self._personal(request, self.get_response(request))
            key = _page_key(request, generation)
            page = cache.get(key)
        except Exception:
            logger.exception("Page cache unavailable; rendering without it")
            return self._personal(request, self.get_response(request))
        if page is not None:
            return self._from_page(request, page)

        response = self.get_response(request)
        if getattr(request, "cache_private", False) or response.status_code != 200 or response.streaming:
            return self._personal(request, response)
        page = self._store(key, response)
        return self._from_page(request, page) if page else response

    @staticmethod
    def _personal(request, response):
        if getattr(request, "cache_private", False):
            response["Cache-Control"] = "private, no-store"
        elif not response.has_header("Cache-Control"):
            response["Cache-Control"] = "private, no-cache"
        return response

    @staticmethod
    def _store(key, response):
        if response.cookies:
            # Something set a cookie for this reader: the page is not shareable.
            response["Cache-Control"] = "private, no-cache"
            return None
        body = response.content
        page = {
            "status": response.status_code,
            "body": body,
            "headers": {
                name: value
                for name, value in response.items()
                if name.lower() not in ("vary", "set-cookie", "cache-control", "etag", "last-modified")
            },
            "etag": quote_etag(hashlib.md5(body, usedforsecurity=False).hexdigest()),
            "last_modified": http_date(),
        }
        try:
            cache.set(key, page, PAGE_TIMEOUT)
        except Exception:
            logger.exception("Could not store a page in the cache")
        return page

    @staticmethod
    def _from_page(request, page):
        if _not_modified(request, page):
            response = HttpResponseNotModified()
        else:
            response = HttpResponse(page["body"], status=page["status"])
            for name, value in page["headers"].items():
                response[name] = value
        response["ETag"] = page["etag"]
        response["Last-Modified"] = page["last_modified"]
        response["Cache-Control"] = CACHE_CONTROL
        response["xkey"] = "site"
        patch_vary_headers(response, ["Accept-Encoding"])
        return response
