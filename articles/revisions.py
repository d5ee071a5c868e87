"""An article's revisions: every save is one (django-reversion keeps them), any of them can be compared
with the current article and restored, and a restore keeps what `KEPT_ON_RESTORE` names.

The admin's views only check who may see or edit the article and call these.
"""

import datetime
import difflib

import reversion
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from reversion.models import Version

from articles.html import plain_text
from articles.models import Article

# Restoring a revision brings back its words. Where and whether the article is published (its embargo and a
# takedown included), and its place in the version count that guards against overwriting a colleague's edit,
# stay as they are now.
KEPT_ON_RESTORE = [
    "slug",
    "status",
    "publish_at",
    "first_published_at",
    "updated_at",
    "priority",
    "embargo_until",
    "taken_down_at",
    "taken_down_by",
    "takedown_reason",
    "version",
]

COMPARED_FIELDS = ["headline", "alternative_headline", "slug", "standfirst", "body", "status", "publish_at"]
COMPARE_TEMPLATE = "admin/articles/article/compare.html"
# How many revisions the article's form lists; the full history page has them all.
RECENT_REVISIONS = 20
# The compare view's tables wrap at this many characters. difflib wraps a line by recursing once per row, so
# a sentence of many thousand characters (a pasted table, hostile input) would exceed Python's recursion
# limit: each sentence is compared in pieces of at most LONGEST_COMPARED_LINE.
WRAP_COLUMN = 70
LONGEST_COMPARED_LINE = WRAP_COLUMN * 50


def save_with_revision(article, user, comment):
    """Save a change made outside the article's form (a list action) as a revision of its own."""
    with transaction.atomic(), reversion.create_revision():
        reversion.set_user(user)
        reversion.set_comment(comment)
        article.save()


def file_refused_edit(article, user):
    """File an edit refused after a conflict in the article's history, so nothing typed is lost."""
    with transaction.atomic(), reversion.create_revision(manage_manually=True):
        reversion.set_user(user)
        reversion.set_comment(f"Refused edit by {user.get_username()} (kept after a conflict)")
        reversion.add_to_revision(article)


def keep_on_restore(article_before):
    """Put back what a restore keeps, once the revision's row has been written over the article (in the
    same transaction)."""
    Article.objects.filter(pk=article_before.pk).update(
        **{name: getattr(article_before, name) for name in KEPT_ON_RESTORE}
    )


def compared_text(value):
    """A field's value as the compare view shows it. Times are shown in the site's zone to the second, as the
    admin edits them: a revision keeps them in another zone and to the millisecond, which is no change."""
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S %Z")
    return str(value or "")


def compared_lines(text):
    """The text as the compare view lines it up: a sentence a line, a very long one in pieces."""
    return [
        sentence[start : start + LONGEST_COMPARED_LINE]
        for sentence in text.split(". ")
        for start in range(0, max(len(sentence), 1), LONGEST_COMPARED_LINE)
    ]


def differences(article, version):
    """(field label, HTML table of the changed sentences) for each field the revision has otherwise."""
    old = version.field_dict
    rows = []
    for field in COMPARED_FIELDS:
        before, after = old.get(field), getattr(article, field)
        if field == "body":
            before, after = plain_text(before), plain_text(after)
        before, after = compared_text(before), compared_text(after)
        if before != after:
            diff = difflib.HtmlDiff(wrapcolumn=WRAP_COLUMN).make_table(
                compared_lines(before), compared_lines(after), "Revision", "Current", context=True
            )
            rows.append((Article._meta.get_field(field).verbose_name, diff))
    return rows


def comparison_context(article, version):
    """What COMPARE_TEMPLATE shows, besides the admin's own page furniture."""
    return {
        "article": article,
        "version": version,
        "rows": differences(article, version),
        "title": f"Compare: {article.headline}",
        "revert_url": reverse("admin:articles_article_revision", args=[article.pk, version.pk]),
    }


def recent_revisions_html(article):
    """The article's latest revisions, each with a link comparing it with the current article."""
    versions = Version.objects.get_for_object(article).select_related("revision__user")[:RECENT_REVISIONS]
    return format_html(
        "<ul>{}</ul><p><a href='{}'>Full history, with restore</a></p>",
        format_html_join(
            "",
            "<li>{} — {} — {} · <a href='{}'>compare with current</a></li>",
            (
                (
                    timezone.localtime(version.revision.date_created).strftime("%Y-%m-%d %H:%M"),
                    version.revision.user or "system",
                    version.revision.get_comment() or "saved",
                    reverse("admin:articles_article_compare", args=[article.pk, version.pk]),
                )
                for version in versions
            ),
        ),
        reverse("admin:articles_article_history", args=[article.pk]),
    )
