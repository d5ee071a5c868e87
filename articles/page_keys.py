"""What the public pages show, in the page cache's keys (newsroom/cache.py), and which editorial
changes affect which keys.

- `article-<id>`: an article's page, and every teaser of it in a list or a related box.
- `section-<id>`, `tag-<id>`, `author-<id>`: which articles that section's, tag's or
  author's pages list (and in which order), not what their teasers say.
- `latest`: which articles the site-wide lists hold: the front page, the feeds.
- `articles`: any article at all, for the pages that depend on every one (search results,
  sitemaps).
- `tagging`: which tags any article carries, for the lists a "You May Also Like" box ranks by the
  tags their articles share with its story (articles/related.py), not for any page.
- `live-<id>`: a live article's updates (articles/live.py): its page, the answers to its readers'
  scripts, its updates' own pages and its feed of updates. An update changes this key alone: no list
  shows updates.

An edit to an article's text changes its own key (and `articles`): its page and the
lists showing its teaser are rendered again, nothing else. A change to what lists hold
(publishing, unpublishing, moving it to another section, a new priority, tags and
bylines) also changes the keys of those lists, and so the article pages whose "You May Also
Like" box chooses among them (the pages of that section's and those tags' stories). What every
page shows (sections in the navigation, ads, authors' and tags' names) changes `site`.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save

from newsroom import cache

LATEST = "latest"
EVERY_ARTICLE = "articles"
TAGGING = "tagging"
# What decides whether, where and in which order lists show an article.
LISTING_FIELDS = ("status", "publish_at", "embargo_until", "taken_down_at", "section_id", "priority")


def article_key(article_id):
    return f"article-{article_id}"


def section_key(section_id):
    return f"section-{section_id}"


def tag_key(tag_id):
    return f"tag-{tag_id}"


def author_key(author_id):
    return f"author-{author_id}"


def live_key(article_id):
    return f"live-{article_id}"


def show_teasers(request, articles):
    """The page lists these articles' teasers."""
    cache.shows(request, *(article_key(article.pk) for article in articles))


def related_candidate_keys(article):
    """A related box chooses among the lists of the article's section and tags."""
    return [section_key(article.section_id), *(tag_key(tag.pk) for tag in article.shown_tags)]


def show_related_candidates(request, article):
    cache.shows(request, *related_candidate_keys(article))


def connect(models):
    """Connect the invalidation of pages to the signals of the editorial models (articles.apps)."""
    from taggit.models import Tag

    Article, Byline, Correction, Image = models.Article, models.Byline, models.Correction, models.Image
    pre_save.connect(_remember_listing, sender=Article, dispatch_uid="pages-article-listing")
    post_save.connect(_article_saved, sender=Article, dispatch_uid="pages-article-saved")
    post_delete.connect(_article_deleted, sender=Article, dispatch_uid="pages-article-deleted")
    m2m_changed.connect(_tags_changed, sender=Article.tags.through, dispatch_uid="pages-article-tags")
    m2m_changed.connect(_related_changed, sender=Article.related_articles.through, dispatch_uid="pages-article-related")
    pre_save.connect(_remember_byline_author, sender=Byline, dispatch_uid="pages-byline-author")
    post_save.connect(_byline_changed, sender=Byline, dispatch_uid="pages-byline-saved")
    post_delete.connect(_byline_changed, sender=Byline, dispatch_uid="pages-byline-deleted")
    post_save.connect(_correction_changed, sender=Correction, dispatch_uid="pages-correction-saved")
    post_delete.connect(_correction_changed, sender=Correction, dispatch_uid="pages-correction-deleted")
    post_save.connect(_image_changed, sender=Image, dispatch_uid="pages-image-saved")
    pre_save.connect(_remember_update_visibility, sender=models.LiveUpdate, dispatch_uid="pages-live-update-before")
    post_save.connect(_live_update_saved, sender=models.LiveUpdate, dispatch_uid="pages-live-update-saved")
    post_delete.connect(_live_update_deleted, sender=models.LiveUpdate, dispatch_uid="pages-live-update-deleted")
    pre_delete.connect(_image_changed, sender=Image, dispatch_uid="pages-image-deleted")
    # Their names and places show on every page: navigation, bylines, tag lists, ads.
    cache.invalidate_pages_on_change(models.Section, models.Author, models.AdSlot, Tag)


def _listing(article):
    """Where an article stands in the lists, as the row in the database has it (None: not saved)."""
    return {field: getattr(article, field) for field in LISTING_FIELDS} | {"is_public": article.is_published}


def _remember_listing(instance, raw=False, **_signal_kwargs):
    before = None
    if instance.pk and not raw:
        row = type(instance).objects.filter(pk=instance.pk).first()
        before = row and (_listing(row) | {"lists": _list_keys(row)})
    instance._listing_before = before


def _list_keys(article):
    """The keys of every list the article is in, whether or not it is published now."""
    sections = [article.section_id, getattr(article.section, "parent_id", None)]
    return {
        LATEST,
        *(section_key(section) for section in sections if section),
        *(tag_key(tag_id) for tag_id in article.tags.values_list("pk", flat=True)),
        *(author_key(author_id) for author_id in article.bylines.values_list("author_id", flat=True)),
    }


def _article_saved(instance, created, raw=False, **_signal_kwargs):
    if raw:
        return
    before = getattr(instance, "_listing_before", None)
    keys = {article_key(instance.pk), EVERY_ARTICLE}
    now = _listing(instance)
    if before is None or any(before[field] != now[field] for field in now):
        keys |= _list_keys(instance) | (before["lists"] if before else set())
    # Withdrawn: no copy of a page that showed it may be served again, even while it is rendered anew.
    withdrawn = bool(before and before["is_public"] and not now["is_public"])
    cache.invalidate(*keys, at_once=withdrawn)


def _article_deleted(instance, **_signal_kwargs):
    keys = {article_key(instance.pk), EVERY_ARTICLE, LATEST, section_key(instance.section_id), TAGGING}
    cache.invalidate(*keys, at_once=True)


def _tags_changed(instance, action, pk_set, model, **_signal_kwargs):
    if not hasattr(instance, "tags") or not action.startswith(("post_", "pre_clear")):
        return
    if action == "pre_clear":
        tag_ids = instance.tags.values_list("pk", flat=True)
    elif action == "post_clear":
        return
    else:
        tag_ids = pk_set or ()
    cache.invalidate(article_key(instance.pk), EVERY_ARTICLE, TAGGING, *(tag_key(tag_id) for tag_id in tag_ids))


def _related_changed(instance, action, **_signal_kwargs):
    if action.startswith("post_"):
        cache.invalidate(article_key(instance.pk))


def _remember_byline_author(instance, raw=False, **_signal_kwargs):
    instance._author_before = (
        type(instance).objects.filter(pk=instance.pk).values_list("author_id", flat=True).first()
        if instance.pk and not raw
        else None
    )


def _byline_changed(instance, raw=False, **_signal_kwargs):
    if raw:
        return
    authors = {instance.author_id, getattr(instance, "_author_before", None)} - {None}
    cache.invalidate(article_key(instance.article_id), *(author_key(author) for author in authors))


def _correction_changed(instance, raw=False, **_signal_kwargs):
    if not raw:
        cache.invalidate(article_key(instance.article_id))


def _image_changed(instance, raw=False, **_signal_kwargs):
    """Its caption, credit or alt text show wherever it is an article's hero image."""
    from articles.models import Article

    if raw or not instance.pk:
        return
    shown_by = Article.objects.filter(hero_image=instance).values_list("pk", flat=True)
    cache.invalidate(*(article_key(article_id) for article_id in shown_by))


def _remember_update_visibility(instance, raw=False, **_signal_kwargs):
    row = type(instance).objects.filter(pk=instance.pk).first() if instance.pk and not raw else None
    instance._was_public = bool(row and row.is_published)


def _live_update_saved(instance, raw=False, **_signal_kwargs):
    if raw:
        return
    # Withdrawn (sent back to review): no copy showing it may be served again.
    withdrawn = getattr(instance, "_was_public", False) and not instance.is_published
    cache.invalidate(live_key(instance.article_id), at_once=withdrawn)


def _live_update_deleted(instance, **_signal_kwargs):
    cache.invalidate(live_key(instance.article_id), at_once=True)
