"""Reader comments of a WordPress export (`wp:comment`), imported with their post.

Called by the import of each post (see `articles.wordpress.importer`), inside
its transaction. Moderation states are kept as they were: approved comments
are shown, held ones wait in the moderation queue, spam stays spam and
comments in WordPress's trash are kept as rejected, so no reader ever sees
what a moderator there had not let through. Pingbacks and trackbacks are not
conversation and are skipped. Email and IP addresses are kept private, as for
every comment.

A post can carry thousands of comments: they are written in one query per
level of the thread, and compared with what an earlier run wrote so that a
second run changes nothing.
"""

import html
import ipaddress
import re
from datetime import UTC, datetime

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.utils import timezone

from comments.models import Comment
from newsroom.text import clean_line, clean_text

STATUSES = {
    "1": Comment.Status.APPROVED,
    "approve": Comment.Status.APPROVED,
    "0": Comment.Status.PENDING,
    "hold": Comment.Status.PENDING,
    "spam": Comment.Status.SPAM,
    "trash": Comment.Status.REJECTED,
    "post-trashed": Comment.Status.REJECTED,
}
HOLD_REASONS = {
    Comment.Status.PENDING: ["Awaiting moderation on the WordPress site"],
    Comment.Status.SPAM: ["Marked as spam on the WordPress site"],
    Comment.Status.REJECTED: ["In the WordPress site's trash"],
}
NOT_CONVERSATION = {"pingback", "trackback"}
FIELDS = (
    "parent_id",
    "depth",
    "author_name",
    "author_email",
    "author_url",
    "text",
    "status",
    "hold_reasons",
    "is_staff_reply",
    "ip_address",
    "created_at",
)
NAME_LENGTH, URL_LENGTH = 80, 300

_LINK = re.compile(r"""<a\b[^>]*?href\s*=\s*["']([^"']*)["'][^>]*>(.*?)</a>""", re.IGNORECASE | re.DOTALL)
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_PARAGRAPH_END = re.compile(r"</p\s*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")
_check_url = URLValidator(schemes=["http", "https"])


def plain_text(content):
    """A WordPress comment (which may hold a little HTML) as the plain text comments here are:
    a link keeps its address, so the page can still link it."""

    def link_text(match):
        address, label = html.unescape(match.group(1)).strip(), _TAG.sub("", match.group(2)).strip()
        return label if not address or html.unescape(label) == address else f"{label} ({address})"

    text = _LINK.sub(link_text, content or "")
    text = _PARAGRAPH_END.sub("\n\n", _BREAK.sub("\n", text))
    text = html.unescape(_TAG.sub("", text))
    return clean_text(re.sub(r"\n{3,}", "\n\n", text.replace("\r\n", "\n")).strip())


def _posted_at(record):
    for value, zone in ((record.date_gmt, UTC), (record.date, None)):
        try:
            moment = datetime.strptime(value, "%Y-%m-%d %H:%M:%S")
        except ValueError:
            continue
        if moment.year < 1971:
            continue
        return moment.replace(tzinfo=zone) if zone else timezone.make_aware(moment)
    return None


def _valid_email(value):
    try:
        validate_email(value)
    except ValidationError:
        return ""
    return value


def _valid_url(value):
    if not value or len(value) > URL_LENGTH:
        return ""
    try:
        _check_url(value)
    except ValidationError:
        return ""
    return value


def _valid_ip(value):
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


class _PostComments:
    def __init__(self, article, item, wordpress_import):
        self.article = article
        self.item = item
        self.report = wordpress_import.report
        self.staff_user_ids = {
            author.wordpress_id for author in wordpress_import.authors.values() if author.wordpress_id
        }
        self.fallback_time = article.publish_at or timezone.now()

    def values(self, record, parent):
        status = STATUSES.get(record.approved)
        posted = _posted_at(record)
        if posted is None:
            self.report.warn("comment without a date, dated by its article", self.label(record))
        email = clean_line(record.author_email).strip()
        if email and not _valid_email(email):
            self.report.warn("comment email address that is not one left out", self.label(record))
            email = ""
        address = _valid_ip(record.author_ip) if record.author_ip else None
        if record.author_ip and address is None:
            self.report.warn("comment IP address that is not one left out", self.label(record))
        return {
            "parent_id": parent.pk if parent else None,
            "depth": parent.depth + 1 if parent else 1,
            "author_name": clean_line(record.author_name).strip()[:NAME_LENGTH] or "Anonymous",
            "author_email": email,
            "author_url": _valid_url(clean_line(record.author_url).strip()),
            "text": plain_text(record.content),
            "status": status,
            "hold_reasons": HOLD_REASONS.get(status, []),
            "is_staff_reply": bool(record.user_id) and record.user_id in self.staff_user_ids,
            "ip_address": address,
            "created_at": posted or self.fallback_time,
        }

    def label(self, record):
        return f"comment {record.wordpress_id} on {self.item.label}"

    def run(self):
        records = []
        for record in sorted(self.item.comments, key=lambda comment: comment.wordpress_id):
            if record.comment_type in NOT_CONVERSATION:
                self.report.skip("pingback or trackback not imported", self.label(record))
            elif record.approved not in STATUSES:
                self.report.skip(f"comment with state “{record.approved}” not imported", self.label(record))
            elif not record.wordpress_id or not record.content.strip():
                self.report.skip("comment without an id or text not imported", self.label(record))
            else:
                records.append(record)
        known = {
            comment.wordpress_id: comment
            for comment in Comment.objects.filter(wordpress_id__in=[r.wordpress_id for r in records])
        }
        saved = {}
        # Replies have higher ids than what they answer: in id order a parent is always written first.
        levels = {}
        for record in records:
            parent_record = saved.get(record.parent_id) if record.parent_id else None
            if record.parent_id and parent_record is None:
                self.report.warn(
                    "reply to a comment that was not imported, shown as a comment of its own", self.label(record)
                )
            depth = parent_record[1] + 1 if parent_record else 1
            saved[record.wordpress_id] = (record, depth)
            levels.setdefault(depth, []).append(record)
        written = {}
        for depth in sorted(levels):
            self.write_level(levels[depth], known, written)

    def write_level(self, records, known, written):
        new, changed, changed_fields = [], [], set()
        for record in records:
            parent = written.get(record.parent_id) if record.parent_id else None
            values = self.values(record, parent)
            comment = known.get(record.wordpress_id)
            if comment is None:
                comment = Comment(article=self.article, wordpress_id=record.wordpress_id, **values)
                new.append(comment)
            else:
                differing = {name for name in FIELDS if getattr(comment, name) != values[name]}
                if comment.article_id != self.article.pk:
                    differing.add("article")
                    values["article"] = self.article
                for name in differing:
                    setattr(comment, name, values[name])
                if differing:
                    changed.append(comment)
                    changed_fields |= differing
                else:
                    self.report.count("comments", "unchanged")
            written[record.wordpress_id] = comment
        if new:
            posted = [comment.created_at for comment in new]
            Comment.objects.bulk_create(new)
            # bulk_create stamps auto_now_add fields with the current time; the time of posting is the one kept.
            for comment, moment in zip(new, posted, strict=True):
                comment.created_at = moment
            Comment.objects.bulk_update(new, ["created_at"])
            self.report.count("comments", "created", len(new))
        if changed:
            Comment.objects.bulk_update(changed, sorted(changed_fields))
            self.report.count("comments", "updated", len(changed))


def import_comments(article, item, wordpress_import):
    """Import the comments of one WordPress post onto its article (the signature of a post importer)."""
    _PostComments(article, item, wordpress_import).run()
