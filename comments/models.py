"""Reader comments and the moderators' blocklist."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from newsroom.text import CleanCharField, CleanTextField


class CommentQuerySet(models.QuerySet):
    def approved(self):
        """The one definition of "visible to readers" for comments."""
        return self.filter(status=Comment.Status.APPROVED)

    def pending(self):
        return self.filter(status=Comment.Status.PENDING)


class Comment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting moderation"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        SPAM = "spam", "Spam"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies")
    depth = models.PositiveSmallIntegerField(default=1, editable=False)

    author_name = CleanCharField("name", max_length=80)
    author_email = models.EmailField("email", max_length=254, help_text="Never shown publicly.")
    author_url = models.URLField("website", max_length=300, blank=True)
    text = CleanTextField(max_length=5000)

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    hold_reasons = models.JSONField(default=list, blank=True, help_text="Why the moderation policy held it.")
    is_staff_reply = models.BooleanField("staff reply", default=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ip_address = models.GenericIPAddressField("IP address", null=True, blank=True, unpack_ipv4=True)
    user_agent = models.CharField(max_length=300, blank=True)

    created_at = models.DateTimeField("posted", auto_now_add=True, db_index=True)
    moderated_at = models.DateTimeField(null=True, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    wordpress_id = models.PositiveBigIntegerField(
        null=True, blank=True, unique=True, editable=False, help_text="The comment's id on the WordPress site."
    )

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["article", "status", "created_at"], name="comment_article_status"),
            models.Index(fields=["author_email", "status"], name="comment_email_status"),
        ]
        permissions = [("moderate_comment", "Can moderate comments")]

    def __str__(self):
        return f"{self.author_name} on “{self.article}”"

    def save(self, *args, **kwargs):
        self.depth = self.parent.depth + 1 if self.parent_id else 1
        super().save(*args, **kwargs)
        self.status_when_loaded = self.status

    def get_absolute_url(self):
        return f"{self.article.get_absolute_url()}#comment-{self.pk}"

    def get_admin_url(self):
        return reverse("admin:comments_comment_change", args=[self.pk])

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance.status_when_loaded = instance.__dict__.get("status")
        return instance

    @property
    def is_or_was_public(self):
        """Shown to readers now, or until this change: public pages must be redrawn."""
        approved = self.Status.APPROVED
        return self.status == approved or getattr(self, "status_when_loaded", None) == approved

    def moderate(self, status, moderator):
        self.status = status
        self.moderated_by = moderator
        self.moderated_at = timezone.now()
        self.save(update_fields=["status", "moderated_by", "moderated_at"])


class BlockedSender(models.Model):
    class Kind(models.TextChoices):
        EMAIL = "email", "Email address"
        IP = "ip", "IP address"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    value = models.CharField(max_length=254, help_text="Stored in lower case.")
    reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["kind", "value"], name="blocked_sender_unique")]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.value}"

    def save(self, *args, **kwargs):
        self.value = self.value.strip().lower()
        super().save(*args, **kwargs)
