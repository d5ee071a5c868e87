"""The page cache and its invalidation, in one place.

Anonymous GET/HEAD requests for public pages are answered whole from the
shared cache (Redis when REDIS_URL is set), without touching the database.

Each cached page knows what it shows, as keys: `site` (the furniture every
page has: settings, navigation, ads), and whatever the apps name — an
article, a comment thread, the list of a section. A change names the keys it
affects (`invalidate`), and only the pages showing one of them are rendered
again. A key's value in the cache is the time it last changed; a page is fresh
while every key it shows is older than the moment its rendering began, so a
change committed while a page was being rendered makes that page stale too.
The apps say from their `AppConfig.ready()` what their pages show and which of
their changes affect which keys.

A stale page is rendered again by one worker: the others serve the copy they
have meanwhile, or, when there is none (or the change demanded the old copy go
at once, as a takedown does), wait for the one rendering. Pages are also
rendered again after FRESH_SECONDS, for what no key names (a related box that
could now show a newer story).

A scheduled article, or an ad scheduled to start or stop, changes `site`
by itself when its time passes: the time of the next such change is kept in
the cache, and `add_scheduled_changes` says where to find them.

Responses carry their keys in an `xkey` header, for an HTTP cache in front
(Varnish with its xkey module, see deploy/varnish.vcl), which is purged of
the same keys when VARNISH_URL names it. They carry an ETag and
Last-Modified, answer conditional requests with 304, and never carry
Set-Cookie or Vary: Cookie: what they show is the same for every anonymous
reader. Anything personal (a reader's own pending comment) marks its
response with `mark_uncacheable(request)` and is neither stored nor shared.

Below the page cache, `cached_fragment` keeps parts of pages that are the same
for every reader (an article's story, its blank comment form) under the same
rules, so a page that cannot be cached whole renders only what differs.
"""

import functools
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
from django.utils.safestring import mark_safe

from newsroom import varnish

logger = logging.getLogger(__name__)

# What every page shows: a change to it renders every page again.
SITE = "site"
CHANGED_PREFIX = "pages:changed:"
DROPPED_PREFIX = "pages:dropped:"
NEXT_SCHEDULED_KEY = "pages:next-scheduled"
# When anything at all last changed: a page checked since needs no look at its own keys.
LAST_CHANGE_KEY = "pages:last-change"
# A page is rendered again at least this often, even when nothing it names has changed.
FRESH_SECONDS = 600
# How long a page is kept, fresh or not: a stale copy is what readers get while it is rendered again.
KEEP_SECONDS = 3600
# How long one worker may hold a page's rendering to itself before another may try.
RENDER_LOCK_SECONDS = 10
# How long a request with no copy to serve waits for another worker's rendering of the same page.
WAIT_SECONDS = 3
WAIT_STEP_SECONDS = 0.02
CACHE_CONTROL = "public, max-age=60, stale-while-revalidate=300"
# A stale copy is served while the page is rendered again: a cache in front may keep it only a moment.
STALE_CACHE_CONTROL = "public, max-age=1"
UNCACHED_PREFIXES = ("/admin/", "/preview/", "/comments/", "/static/", "/media/")

FRESH, STALE, DROPPED = "fresh", "stale", "dropped"
# At most this many change times and pages are kept as read (`_read_since`) before starting over.
MAX_READS_KEPT = 100_000


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


def showing(*keys):
    """A view whose page always shows these keys, whatever it is asked (a sitemap, a feed)."""

    def wrap(view):
        @functools.wraps(view)
        def view_showing(request, *args, **kwargs):
            shows(request, *keys)
            return view(request, *args, **kwargs)

        return view_showing

    return wrap


def shows(request, *keys):
    """The page being rendered for `request` shows these keys: a change to any of them renders it again."""
    shown = getattr(request, "page_shows", None)
    if shown is not None:
        shown.update(keys)


# Callables returning queries of the times still to come at which pages change by themselves.
_scheduled_change_sources = []


def invalidate_pages_on_change(*models, through=()):
    """Every page shows these models (the site's furniture): saving or deleting
    one renders every page again, as does adding or removing a link of the
    many-to-many `through` models."""
    for model in models:
        label = model._meta.label
        post_save.connect(invalidate_pages, sender=model, dispatch_uid=f"pages-save-{label}")
        post_delete.connect(invalidate_pages, sender=model, dispatch_uid=f"pages-delete-{label}")
    for model in through:
        m2m_changed.connect(invalidate_pages, sender=model, dispatch_uid=f"pages-links-{model._meta.label}")


def add_scheduled_changes(source):
    """Pages change by themselves at times `source()` gives, as queries of one
    datetime column (a publication time, the start or end of an ad's window):
    each such time changes `site` when it passes."""
    _scheduled_change_sources.append(source)


def mark_uncacheable(request):
    """This response is personal: never store it, never let a CDN keep it."""
    request.cache_private = True


# Set while this process owes the shared cache a change of `site`: a change
# was made while Redis was unreachable, and the pages Redis kept from before it
# must not be served again once it is back.
_invalidation_owed = threading.Event()


def invalidate_pages(**_signal_kwargs):
    """Every page is rendered again (the furniture changed, or a bulk change names no keys)."""
    invalidate(SITE)


def invalidate(*keys, at_once=False):
    """The pages showing any of `keys` are stale from now on.

    `at_once`: their old copies must not be served even while they are
    rendered again (an article withdrawn, a comment removed).

    Inside a transaction, recorded once more when it commits: until then other
    requests still read the rows as they were, and a page one of them renders
    in between must not count as fresh. HTTP caches in front are purged once
    the change is visible to the app, after the commit."""
    keys = frozenset(keys)
    if not keys:
        return
    if transaction.get_connection().in_atomic_block:
        _record_change(keys, at_once)
        transaction.on_commit(lambda: _record_change(keys, at_once, purge=True))
    else:
        _record_change(keys, at_once, purge=True)


def _record_change(keys, at_once, purge=False):
    prefixes = (CHANGED_PREFIX, DROPPED_PREFIX) if at_once else (CHANGED_PREFIX,)
    try:
        failed = []
        # Twice: from the first write on, every check finds the keys changed. A page rendered after the
        # first time was taken but before its write landed may still have taken a fragment showing them
        # as fresh; it began before the second time, so it is stale once that lands.
        for _ in range(2):
            now = time.time_ns()
            failed += cache.set_many({prefix + key: now for prefix in prefixes for key in keys}, None)
        # Written once the keys are: a page checked before this moment is checked again (`_freshness`).
        failed += cache.set_many({LAST_CHANGE_KEY: time.time_ns()}, None)
        # A change may have scheduled something new, or moved what was scheduled.
        cache.delete(NEXT_SCHEDULED_KEY)
    except Exception:
        failed = True
    if failed:
        if not _invalidation_owed.is_set():
            logger.error("Could not invalidate the page cache; trying again on each request until it can")
        _invalidation_owed.set()
    elif SITE in keys:
        _invalidation_owed.clear()
    if purge:
        varnish.purge(keys, at_once=at_once)


def _apply_due_changes():
    """A scheduled change that has come due, or an invalidation the shared cache could not take, changes `site`."""
    if _invalidation_owed.is_set() or _scheduled_time_passed():
        invalidate(SITE)
        # Find the next scheduled change now: looked up later, one due in between would be missed.
        _scheduled_time_passed()


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


def _remember_keys(keys, rendered_at, known_changes=None):
    """Give each key that has no change time one just before `rendered_at`: a page rendered from
    then on is fresh, and any copy rendered before it, when the key's real time was lost, is not.
    `known_changes`: the change times the request has read (see `_freshness_of_keys`), which are
    not read again. Should one of them be lost since, a page showing it is found stale, not fresh."""
    unread = [CHANGED_PREFIX + key for key in keys if CHANGED_PREFIX + key not in (known_changes or ())]
    found = cache.get_many(unread) if unread else {}
    for name in unread:
        if name not in found and cache.add(name, rendered_at - 1, None):
            found[name] = rendered_at - 1
    if known_changes is not None:
        known_changes.update(found)


def _freshness(entry, page_key=None, known_changes=None):
    """FRESH, STALE (may be served while it is rendered again) or DROPPED (may not be served).

    A page (`page_key`) rendered since the last change anywhere is fresh without reading its keys,
    as is one this process has found fresh, the same copy, since that change: a hit reads the page
    and the time of the last change, however many keys the page shows. `known_changes`: see
    `_freshness_of_keys`."""
    if page_key is None:
        return _freshness_of_keys(entry, known_changes)
    last_change = cache.get(LAST_CHANGE_KEY)
    if last_change is not None and last_change < entry["rendered_at"]:
        return _by_age(entry)
    read = _read_since(last_change)
    if read is not None and read["fresh_pages"].get(page_key) == entry["rendered_at"]:
        return _by_age(entry)
    state = _freshness_of_keys(entry, read and read["change_times"])
    if state == FRESH and read is not None:
        read["fresh_pages"][page_key] = entry["rendered_at"]
    return state


# What this process has read since the last change it knows of ("after": that change's time): the
# keys' change times, and the pages (each as the moment its copy was rendered) it found fresh.
_read_since_last_change = {"after": None, "change_times": {}, "fresh_pages": {}}


def _read_since(last_change):
    """What this process has read while `last_change` was the time of the last change, or None.

    A change writes its keys' times before the time of the last change (`_record_change`): while that
    has not moved, neither has anything read since, but for a change being written that moment. That
    one is not missed: it moves the time of the last change once written, and everything is read
    anew, whatever the clocks say or however long a check took. A page found fresh is kept as the
    copy it was (another worker may have stored an older rendering since). Kept in the process, not
    the shared cache: after a change each worker reads each page's keys once, and writes nothing."""
    if last_change is None:
        return None
    read = _read_since_last_change
    if read["after"] != last_change or len(read["change_times"]) + len(read["fresh_pages"]) > MAX_READS_KEPT:
        read.update(after=last_change, change_times={}, fresh_pages={})
    return read


def _by_age(entry):
    age = time.time_ns() - entry["rendered_at"]
    return FRESH if age < FRESH_SECONDS * 1_000_000_000 else STALE


def _freshness_of_keys(entry, known_changes=None):
    """The state of `entry` from the change times of the keys it shows. `known_changes` holds
    those a request has read already, and gets those it reads now: the fragments of one page show
    mostly the same keys (`site`, the section), read once. A change made since they were read is
    missed by a fragment but not by its page, which began before them and shows every key its
    fragments show: the page is stale, and rendered again."""
    keys = [*entry["shows"], *entry.get("unshown", ())]
    names = [CHANGED_PREFIX + key for key in keys]
    if known_changes is None:
        changed_at = cache.get_many(names)
    else:
        unread = [name for name in names if name not in known_changes]
        if unread:
            known_changes.update(cache.get_many(unread))
        changed_at = {name: known_changes[name] for name in names if name in known_changes}
    lost = [key for key in keys if CHANGED_PREFIX + key not in changed_at]
    if lost:
        # A key evicted, or a cache emptied: when it changed is unknown, so it changed now.
        now = time.time_ns()
        for key in lost:
            cache.add(CHANGED_PREFIX + key, now, None)
        return DROPPED
    rendered_at = entry["rendered_at"]
    changed = [key for key in keys if changed_at[CHANGED_PREFIX + key] >= rendered_at]
    if not changed:
        return _by_age(entry)
    dropped_at = cache.get_many([DROPPED_PREFIX + key for key in changed])
    if any(moment >= rendered_at for moment in dropped_at.values()):
        return DROPPED
    return STALE


class _Collecting:
    """Collects what a fragment shows while it renders, on top of what the page already showed."""

    def __init__(self, request):
        self.request = request

    def __enter__(self):
        self.outer = getattr(self.request, "page_shows", None)
        self.request.page_shows = {SITE}
        return self.request.page_shows

    def __exit__(self, *exc_info):
        shown = self.request.page_shows
        self.request.page_shows = self.outer
        if self.outer is not None:
            self.outer.update(shown)


def fragment_variant(*differs_by):
    """A short name for one way of rendering a fragment, from the values that make it differ."""
    return hashlib.sha256("|".join(map(str, differs_by)).encode()).hexdigest()[:16]


def cached_fragment(request, name, render, shows_keys=(), unshown_keys=(), render_again=None):
    """The HTML `render()` returns (or any value the cache can keep, such as the ids
    of a page's lists), kept and shared by every reader (and every
    app server) until something it shows changes: `shows_keys`, and whatever
    `shows()` is told while it renders. `unshown_keys` make it stale too, but
    the page holding it does not show them: what it takes from them, the page
    shows by other keys. `render_again`, if given, renders it in place of
    `render` when an older copy was found: what it shows has changed since.

    For the parts of a page that are the same for every reader while the
    page itself cannot be cached whole: an article read through a link with
    tracking parameters, a reader's "awaiting moderation" view, a page of older
    comments. Logged-in staff always get a fresh rendering, as they do pages.
    """
    if _is_signed_in(request):
        return render()
    key = f"fragments:{name}"
    try:
        entry = cache.get(key)
        known_changes = request.__dict__.setdefault("key_changes_read", {})
        if entry is not None and _freshness(entry, known_changes=known_changes) == FRESH:
            shows(request, *entry["shows"])
            return entry["html"]
    except Exception:
        logger.exception("Fragment cache unavailable; rendering without it")
        return render()
    # Dated when its request began, not when it is rendered: the view may have read what it shows
    # before, and a change committed in between must make it stale. The same moment dates the keys
    # it finds unknown, so the page holding it counts as fresh too.
    started = request.__dict__.setdefault("page_started", time.time_ns())
    with _Collecting(request) as shown:
        shown.update(shows_keys)
        html = render_again() if entry is not None and render_again else render()
    _remember_keys({*shown, *unshown_keys}, started, known_changes)
    entry = {"html": html, "shows": sorted(shown), "unshown": sorted(unshown_keys), "rendered_at": started}
    cache.set(key, entry, KEEP_SECONDS)
    return html


def cached_include(context, kind, template_name, *differs_by):
    """`template_name` rendered with a template's `context`, kept as the fragment of that `kind` and
    template for each `differs_by` (see `cached_fragment`): the template tags of shared parts use it.
    Rendered for its page alone where there is no request."""
    included = context.template.engine.get_template(template_name)

    def render():
        return included.render(context)

    request = context.get("request")
    if request is None:
        return mark_safe(render())
    return mark_safe(cached_fragment(request, f"{kind}:{template_name}:{fragment_variant(*differs_by)}", render))


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


def _page_key(request):
    # The same parameters in another order are the same page.
    query = urlencode(sorted(request.GET.items()))
    digest = hashlib.sha256(f"{request.path}?{query}".encode()).hexdigest()
    return f"pages:{request.get_host()}:{digest}"


def _not_modified(request, page):
    etags = parse_etags(request.headers.get("If-None-Match", ""))
    return page["etag"] in etags or "*" in etags


class PageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # What the request reads is read from now on: the fragments it renders are dated by it.
        request.page_started = time.time_ns()
        if not _is_cacheable_request(request):
            return self._personal(request, self.get_response(request))
        try:
            _apply_due_changes()
            key = _page_key(request)
            entry = cache.get(key)
            state = _freshness(entry, key) if entry is not None else DROPPED
            if state == FRESH:
                return self._from_page(request, entry, "hit")
            rendering_key = key + ":rendering"
            holds_rendering = cache.add(rendering_key, True, RENDER_LOCK_SECONDS)
            if holds_rendering:
                # The worker that held the lock until now stored its copy before letting go of it:
                # a request that read the old copy just before may take the lock just after.
                stored = cache.get(key)
                if stored is not None and _freshness(stored, key) == FRESH:
                    cache.delete(rendering_key)
                    return self._from_page(request, stored, "hit")
            elif state == STALE:
                return self._from_page(request, entry, "stale")
            else:
                rendered = self._rendered_by_another(key, rendering_key)
                if rendered is not None:
                    return self._from_page(request, rendered, "waited")
        except Exception:
            logger.exception("Page cache unavailable; rendering without it")
            return self._personal(request, self.get_response(request))
        try:
            return self._render(request, key, had_copy=entry is not None)
        finally:
            if holds_rendering:
                cache.delete(rendering_key)

    def _render(self, request, key, had_copy):
        started = request.page_started = time.time_ns()
        request.page_shows = {SITE}
        response = self.get_response(request)
        if getattr(request, "cache_private", False) or response.status_code != 200 or response.streaming:
            if had_copy and response.status_code != 200:
                # The page is gone (an article withdrawn): its old copy must not be served again.
                cache.delete(key)
            return self._personal(request, response)
        page = self._store(key, response, started, request.page_shows, request.__dict__.get("key_changes_read"))
        if page is None:
            return response
        response = self._from_page(request, page, "miss")
        if _freshness(page) != FRESH:
            # Something it shows changed while it was rendered, and the caches in front were purged
            # meanwhile: they may keep this copy only a moment.
            response["Cache-Control"] = STALE_CACHE_CONTROL
        return response

    @staticmethod
    def _rendered_by_another(key, rendering_key):
        """The page another worker is rendering, once it is stored; None if it is not
        (that rendering was not kept, took too long, or the cache is unreachable)."""
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            time.sleep(WAIT_STEP_SECONDS)
            found = cache.get_many([key, rendering_key])
            entry = found.get(key)
            if entry is not None and _freshness(entry) == FRESH:
                return entry
            if rendering_key not in found:
                return None
        return None

    @staticmethod
    def _personal(request, response):
        if getattr(request, "cache_private", False):
            response["Cache-Control"] = "private, no-store"
        elif not response.has_header("Cache-Control"):
            response["Cache-Control"] = "private, no-cache"
        return response

    @staticmethod
    def _store(key, response, started, shown, known_changes):
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
            "last_modified": http_date(started / 1_000_000_000),
            "shows": sorted(shown),
            "rendered_at": started,
        }
        try:
            _remember_keys(shown, started, known_changes)
            cache.set(key, page, KEEP_SECONDS)
        except Exception:
            logger.exception("Could not store a page in the cache")
        return page

    @staticmethod
    def _from_page(request, page, how):
        if _not_modified(request, page):
            response = HttpResponseNotModified()
        else:
            response = HttpResponse(page["body"], status=page["status"])
            for name, value in page["headers"].items():
                response[name] = value
        response["ETag"] = page["etag"]
        response["Last-Modified"] = page["last_modified"]
        response["Cache-Control"] = STALE_CACHE_CONTROL if how == "stale" else CACHE_CONTROL
        response["xkey"] = " ".join(page["shows"])
        # How this answer was made: from the cache, rendered now, or a stale copy while another worker renders it.
        response["X-Page-Cache"] = how
        patch_vary_headers(response, ["Accept-Encoding"])
        return response
