"""Nothing typed in the article form is lost, and nobody edits unseen.

While someone has an article's form open, their browser reports in every few seconds: that report
is their presence ("Maria Okafor is editing this article, since 10:40"), and when the form holds
changes not yet saved it carries the whole form, kept here until they save, restore or discard it.
A new article not saved yet is known by a token its form makes up.

An `EditSession` is the desk's own: saving one never touches the article, writes no revision, moves
no slug and leaves the page cache alone, since no public page shows it (articles/page_keys.py).
The edit-conflict refusal of `Article.lock_for_edit` stays the last guard: a restored form carries
the version it was typed on, so it cannot overwrite a colleague's later save.
"""

import json
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

# A browser that has not reported in for this long has closed the form (or lost its connection).
PRESENCE_TIMEOUT = timezone.timedelta(seconds=45)
# The article form as JSON: a long article with every field filled is a few hundred kilobytes.
MAX_REPORT_BYTES = 1_000_000
MAX_FORM_ENTRIES = 2000
# A form field's name as Django's admin writes them ("headline", "bylines-0-author").
FIELD_NAME = re.compile(r"^[\w-]{1,100}$")
FORM_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
MAX_OPTION_TEXT = 1000
# A live article's update form is kept as a form of its own, named after the article (one per person).
LIVE_UPDATE_FORM_PREFIX = "live-update-of-article-"
# Drafts of new articles nobody came back to are swept when the same person starts another.
ABANDONED_AFTER = timezone.timedelta(days=30)


class EditSessionQuerySet(models.QuerySet):
    def present(self, now=None):
        """Sessions whose browser is still reporting in."""
        return self.filter(seen_at__gte=(now or timezone.now()) - PRESENCE_TIMEOUT)

    def of_form(self, user, article, form_token):
        if article is not None:
            return self.filter(user=user, article=article)
        return self.filter(user=user, article__isnull=True, form_token=form_token)

    def with_unsaved_form(self):
        return self.filter(unsaved_form__isnull=False)

    def of_new_articles(self):
        return self.filter(article__isnull=True).exclude(form_token__startswith=LIVE_UPDATE_FORM_PREFIX)


class EditSession(models.Model):
    """One person at one article's form: since when, last seen when, and the form as they left it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    article = models.ForeignKey("articles.Article", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    form_token = models.CharField(max_length=64, blank=True, help_text="Names the form of an article not saved yet.")
    started_at = models.DateTimeField(help_text="When this person opened the form, for the presence notice.")
    seen_at = models.DateTimeField(help_text="When their browser last reported in.")
    unsaved_form = models.JSONField(
        null=True, blank=True, help_text="The form's fields as [name, value] or [name, value, shown text]."
    )
    unsaved_at = models.DateTimeField(null=True, blank=True)
    base_version = models.PositiveIntegerField(
        null=True, blank=True, help_text="The article's version the unsaved form was typed on."
    )

    objects = EditSessionQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "article"], condition=Q(article__isnull=False), name="edit_session_per_article"
            ),
            models.UniqueConstraint(
                fields=["user", "form_token"], condition=Q(article__isnull=True), name="edit_session_per_new_form"
            ),
        ]
        indexes = [models.Index(fields=["article", "seen_at"], name="edit_session_presence")]

    def __str__(self):
        return f"{self.user} at {self.article or 'a new article'}"

    @property
    def editor_name(self):
        return self.user.get_full_name() or self.user.get_username()

    @property
    def since_label(self):
        return clock_label(self.started_at)

    def as_draft(self):
        """What the form needs to offer, compare and restore the unsaved changes."""
        return {
            "form": self.form_token,
            "fields": self.unsaved_form,
            "base_version": self.base_version,
            "saved_at": self.unsaved_at.isoformat(),
            "saved_at_label": clock_label(self.unsaved_at),
        }


def clock_label(moment):
    """ "10:42" today, "28 Nov 10:42" on another day, in the newsroom's time zone."""
    local = timezone.localtime(moment)
    if local.date() == timezone.localdate():
        return local.strftime("%H:%M")
    return f"{local.day} {local:%b %H:%M}"


@dataclass(frozen=True)
class Report:
    """What a browser sent about its form, checked."""

    article_id: int | None
    form_token: str
    base_version: int | None
    fields: list | None


def read_report(body):
    """The report in a request body, or ValidationError saying what is wrong with it."""
    if len(body) > MAX_REPORT_BYTES:
        raise ValidationError("The form is too large to keep.", code="too_large")
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise ValidationError("The report is not JSON.") from None
    if not isinstance(data, dict):
        raise ValidationError("The report must be a JSON object.")
    article_id = _whole_number(data.get("article"), "article")
    base_version = _whole_number(data.get("base_version"), "base_version")
    form_token = data.get("form") or ""
    if not isinstance(form_token, str) or (form_token and not FORM_TOKEN.match(form_token)):
        raise ValidationError("The form token is malformed.")
    if article_id is None and not form_token:
        raise ValidationError("Name the article or the form of the new article.")
    fields = data.get("fields")
    if fields is not None:
        fields = _checked_fields(fields)
    return Report(article_id, form_token, base_version, fields)


def _whole_number(value, name):
    if value is None:
        return None
    # JSON's true is a Python int too.
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**31:
        raise ValidationError(f"“{name}” must be a positive whole number.")
    return value


def _checked_fields(fields):
    if not isinstance(fields, list) or len(fields) > MAX_FORM_ENTRIES:
        raise ValidationError(f"“fields” must be a list of at most {MAX_FORM_ENTRIES} entries.")
    for entry in fields:
        if not (isinstance(entry, list) and len(entry) in (2, 3) and all(isinstance(part, str) for part in entry)):
            raise ValidationError("Each field must be [name, value] or [name, value, shown text], all text.")
        if not FIELD_NAME.match(entry[0]):
            raise ValidationError("A field name is malformed.")
        if len(entry) == 3 and len(entry[2]) > MAX_OPTION_TEXT:
            raise ValidationError("A choice's text is too long.")
        for part in entry[1:]:
            # PostgreSQL stores neither NUL characters nor halves of surrogate pairs in JSON.
            if "\x00" in part:
                raise ValidationError("A field contains a NUL character.")
            try:
                part.encode("utf-8")
            except UnicodeEncodeError:
                raise ValidationError("A field contains text that is not valid Unicode.") from None
    return fields


def report_in(user, article, report, now=None):
    """Record that `user` has the form open and, when the report carries it, the form as it is now.

    The session's `started_at` runs from the first report after the last time it lapsed."""
    now = now or timezone.now()
    sessions = EditSession.objects.of_form(user, article, report.form_token)
    changes = {"seen_at": now, "form_token": report.form_token}
    if report.fields is not None:
        changes.update(unsaved_form=report.fields, unsaved_at=now, base_version=report.base_version)
    restarted = Case(When(seen_at__lt=now - PRESENCE_TIMEOUT, then=Value(now)), default=F("started_at"))
    if sessions.update(started_at=restarted, **changes):
        return
    if article is None:
        EditSession.objects.filter(user=user, article__isnull=True, seen_at__lt=now - ABANDONED_AFTER).delete()
    try:
        with transaction.atomic():
            EditSession.objects.create(user=user, article=article, started_at=now, **changes)
    except IntegrityError:
        # Another report of the same form (a second tab) created the session first.
        sessions.update(**changes)


def unsaved_draft(user, article):
    """The user's unsaved form of this article, or of the newest new article they left unsaved."""
    sessions = EditSession.objects.with_unsaved_form()
    if article is not None:
        session = sessions.filter(user=user, article=article).first()
    else:
        session = sessions.of_new_articles().filter(user=user).order_by("-unsaved_at").first()
    return session.as_draft() if session else None


def live_update_form_token(article):
    return f"{LIVE_UPDATE_FORM_PREFIX}{article.pk}"


def unsaved_live_update(user, article):
    """The update the user was writing on this live article and has not posted."""
    session = EditSession.objects.with_unsaved_form().of_form(user, None, live_update_form_token(article)).first()
    return session.as_draft() if session else None


def discard(user, article, form_token):
    EditSession.objects.of_form(user, article, form_token).update(unsaved_form=None, unsaved_at=None)


def forget_saved_form(user, article, form_token):
    """The form was saved: what it held is the article now. A new article's form ends with the save; the
    article's form that follows reports in under the article."""
    discard(user, article, form_token)
    if form_token and FORM_TOKEN.match(form_token):
        EditSession.objects.filter(user=user, article__isnull=True, form_token=form_token).delete()


def others_editing(user, article, now=None):
    """Who else has this article's form open, first comer first."""
    if article is None:
        return []
    sessions = EditSession.objects.present(now).filter(article=article).exclude(user=user).select_related("user")
    return [{"name": session.editor_name, "since": session.since_label} for session in sessions.order_by("started_at")]


def attach_editors(articles, user, now=None):
    """Give each article of a list its `editors_now` (the other people editing it), in one query."""
    by_article = {article.pk: article for article in articles}
    for article in by_article.values():
        article.editors_now = []
    sessions = (
        EditSession.objects.present(now)
        .filter(article__in=list(by_article))
        .exclude(user=user)
        .select_related("user")
        .order_by("started_at")
    )
    for session in sessions:
        by_article[session.article_id].editors_now.append(session)
