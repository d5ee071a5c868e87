"""Live coverage: an article that carries short, timestamped updates as events unfold.

Any article becomes a live one when it is given a start of coverage (`Article.live_from`); its page
then shows its key points and its updates, newest first, with the pinned ones on top. Coverage runs
until `Article.live_until`, and the page says "Coverage ended" after it.

Readers see an update when it is published and its article is visible to them
(`Article.objects.published()`, the one definition of that). A reporter's update waits for an editor
as a reporter's article does (articles/permissions.py). Readers' scripts ask for what is new after
the newest update they have, so an update's place in the stream is its publication time, then its id:
an update held for review joins the stream when it is published, not when it was written.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.db import models
from django.db.models import BooleanField, ExpressionWrapper, Q, Subquery
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django_prose_editor.fields import ProseEditorField

from articles import structured_data
from articles.html import BODY_EDITOR_EXTENSIONS, readable_text, sanitize_body
from newsroom.text import CleanCharField

# How many updates a live page shows at once; "Show earlier updates" loads the next as many.
UPDATES_PER_PAGE = 20
# How often a reader's script asks for new updates, in seconds, while coverage runs.
POLL_SECONDS = 15
# The query parameter of a live page (and of its script's questions) asking for the updates before one.
BEFORE_PARAMETER = "before"
AFTER_PARAMETER = "after"


def poll_seconds(article):
    """How long a reader's script waits between two questions; None once coverage has ended (it stops).
    `LIVE_POLL_SECONDS` in the settings overrides the default (a test's reader need not wait 15 s)."""
    if article.coverage_has_ended:
        return None
    return getattr(settings, "LIVE_POLL_SECONDS", POLL_SECONDS)


def asked_before(request, article):
    """The update a live page's `?before=` names, whose older updates it shows; None without one.
    404 for anything but an update id, or on an article that is not live coverage."""
    if BEFORE_PARAMETER not in request.GET:
        return None
    before_id = parse_update_id(request.GET[BEFORE_PARAMETER])
    if before_id is None or not article.is_live_coverage:
        raise Http404("No such page of updates.")
    return before_id


def parse_update_id(value):
    """An update id as a reader's address gives it (`?before=123`): the int, or None when it is not one.
    A spelling other than the plain digits ("0123") is refused too, so one page has one address."""
    if value is None or not value.isascii() or not value.isdigit() or value != str(int(value)):
        return None
    return int(value)


class LiveUpdateQuerySet(models.QuerySet):
    def published(self):
        """The updates readers of a visible live article see."""
        return self.filter(status=LiveUpdate.Status.PUBLISHED, published_at__lte=timezone.now())

    def in_stream_order(self):
        """Newest first: by publication time, then by id for updates published in the same instant."""
        return self.order_by("-published_at", "-id")

    def after(self, update):
        """The updates that come after `update` in the stream (newer ones)."""
        return self.filter(
            Q(published_at__gt=update.published_at) | Q(published_at=update.published_at, id__gt=update.pk)
        )

    def before(self, update):
        """The updates that come before `update` in the stream (older ones)."""
        return self.filter(
            Q(published_at__lt=update.published_at) | Q(published_at=update.published_at, id__lt=update.pk)
        )

    def for_stream(self):
        """What an update's rendering needs, in one query."""
        return self.select_related("author", "image")

    def key_events(self):
        return self.filter(key_event=True)

    def pinned(self):
        return self.filter(pinned=True)


class LiveUpdate(models.Model):
    class Status(models.TextChoices):
        REVIEW = "review", "In review"
        PUBLISHED = "published", "Published"

    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="live_updates")
    author = models.ForeignKey(
        "articles.Author",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="live_updates",
        help_text="Whose name the update carries.",
    )
    headline = CleanCharField(max_length=200, blank=True, help_text="Optional: a few words above the update.")
    body = ProseEditorField(config={"extensions": BODY_EDITOR_EXTENSIONS}, sanitize=sanitize_body)
    image = models.ForeignKey("articles.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    pinned = models.BooleanField(default=False, help_text="Stays at the top of the live page.")
    key_event = models.BooleanField(default=False, help_text="Listed under “Key events” at the top of the page.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REVIEW)
    published_at = models.DateTimeField(
        default=timezone.now, help_text="The time readers see; the update's place in the stream."
    )
    corrected_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When a published update was last corrected."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    modified_at = models.DateTimeField(auto_now=True)

    objects = LiveUpdateQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [
            models.Index(fields=["article", "status", "-published_at", "-id"], name="liveupdate_stream"),
        ]

    def __str__(self):
        return self.headline or readable_text(self.body)[:60] or f"Update {self.pk}"

    def save(self, *args, **kwargs):
        self.body = sanitize_body(self.body)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        """The update's own page, for sharing it alone."""
        return reverse(
            "articles:live_update",
            kwargs={"section": self.article.section.slug, "slug": self.article.slug, "update_id": self.pk},
        )

    @property
    def anchor(self):
        return f"update-{self.pk}"

    def get_stream_url(self):
        """Where the update stands in its article's live page."""
        return f"{self.article.get_absolute_url()}#{self.anchor}"

    @property
    def is_published(self):
        return self.status == self.Status.PUBLISHED and self.published_at <= timezone.now()

    @property
    def was_corrected(self):
        return self.corrected_at is not None

    @property
    def plain_text(self):
        return readable_text(self.body)


@dataclass
class StreamPage:
    """What a live page shows of its updates: the pinned ones (first page only), one page of the others,
    newest first, the key events, and where the next older page starts."""

    pinned: list = field(default_factory=list)
    updates: list = field(default_factory=list)
    key_events: list = field(default_factory=list)
    # The oldest update shown, when older ones exist: "Show earlier updates" asks for those before it.
    earlier_than: LiveUpdate | None = None
    # The newest update the page holds, pinned or not: the script asks for what came after it.
    newest: LiveUpdate | None = None
    # False when `before` named no published update of the article.
    found: bool = True
    # The newest page (no `before`): the one a reader's script keeps up to date.
    is_latest: bool = True

    @property
    def shown_ids(self):
        return {update.pk for update in (*self.pinned, *self.updates)}

    def key_event_links(self):
        """(update, address) for the "Key events" navigation: the anchor on this page for an update it
        shows, the update's own page for an older one."""
        shown = self.shown_ids
        return [
            (update, f"#{update.anchor}" if update.pk in shown else update.get_absolute_url())
            for update in self.key_events
        ]


def stream_page(article, before_id=None):
    """The page of `article`'s published updates a reader sees, the newest UPDATES_PER_PAGE (or those
    before the update `before_id`), in one query whatever the number of updates: the page, the pinned and
    the key events are read together, each row marked with whether it belongs to the page."""
    published = LiveUpdate.objects.published().filter(article=article)
    candidates = published.filter(pinned=False)
    if before_id is not None:
        anchor_time = Subquery(LiveUpdate.objects.filter(pk=before_id).values("published_at")[:1])
        candidates = candidates.filter(Q(published_at__lt=anchor_time) | Q(published_at=anchor_time, id__lt=before_id))
    page_ids = candidates.in_stream_order().values("pk")[: UPDATES_PER_PAGE + 1]
    wanted = Q(pinned=True) | Q(key_event=True) | Q(pk__in=page_ids)
    if before_id is not None:
        wanted |= Q(pk=before_id)
    rows = list(
        published.filter(wanted)
        .annotate(on_page=ExpressionWrapper(Q(pk__in=page_ids), output_field=BooleanField()))
        .for_stream()
        .in_stream_order()
    )
    for row in rows:
        # Every row is of this article: its page's address needs no query.
        row.article = article
    on_page = [row for row in rows if row.on_page]
    result = StreamPage(
        updates=on_page[:UPDATES_PER_PAGE],
        key_events=[row for row in rows if row.key_event],
        found=before_id is None or any(row.pk == before_id for row in rows),
        is_latest=before_id is None,
    )
    if before_id is None:
        result.pinned = [row for row in rows if row.pinned]
        shown = [*result.pinned, *result.updates]
        result.newest = max(shown, key=_stream_position, default=None)
    if len(on_page) > UPDATES_PER_PAGE:
        result.earlier_than = result.updates[-1]
    return result


def updates_after(article, after_id):
    """The published updates of `article` newer than its update `after_id` (all of them if None: the page
    had none), newest first, at most UPDATES_PER_PAGE, and whether that is all of them; None when
    `after_id` is not one of its published updates. A reader so far behind is better served by reloading
    the page than by a long answer."""
    published = LiveUpdate.objects.published().filter(article=article)
    newer = published
    if after_id is not None:
        anchor = published.filter(pk=after_id).first()
        if anchor is None:
            return None
        newer = published.after(anchor)
    updates = list(newer.for_stream().in_stream_order()[: UPDATES_PER_PAGE + 1])
    for update in updates:
        update.article = article
    return updates[:UPDATES_PER_PAGE], len(updates) <= UPDATES_PER_PAGE


def published_update(article, update_id):
    """`article`'s published update `update_id`, with what its rendering needs; None if there is none."""
    update = LiveUpdate.objects.published().filter(article=article, pk=update_id).for_stream().first()
    if update is not None:
        update.article = article
    return update


def share_image(update, article, site):
    """The image social networks show for an update: its own, else its article's."""
    if update.image_id:
        return structured_data.image_for_sharing(update.image)
    return structured_data.share_image(article, site)


def page_context(article, stream, site):
    """What a live article's page adds to an article page's context."""
    return {
        "live": stream,
        "key_event_links": stream.key_event_links(),
        "poll_seconds": poll_seconds(article),
        "structured_data": structured_data.live_blog_posting(article, site, [*stream.pinned, *stream.updates]),
    }


def _stream_position(update):
    return (update.published_at, update.pk)
