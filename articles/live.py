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

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django_prose_editor.fields import ProseEditorField

from articles.html import BODY_EDITOR_EXTENSIONS, readable_text, sanitize_body
from newsroom.text import CleanCharField

# How many updates a live page shows at once; "Show earlier updates" loads the next as many.
UPDATES_PER_PAGE = 20
# How often a reader's script asks for new updates, in seconds, while coverage runs.
POLL_SECONDS = 15


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
