"""Erase one commenter's comments on request: `manage.py erase_commenter EMAIL [--anonymise]`."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction

from comments.models import Comment
from newsroom.cache import SITE, invalidate

ANONYMOUS_NAME = "Anonymous"
REMOVED_TEXT = "This comment was removed at its author's request."


class Command(BaseCommand):
    help = (
        "Delete every comment written with one email address. A comment others have replied to is kept, "
        "so their replies stay, but emptied of its text and of everything that identified its author. "
        "With --anonymise, the comments keep their text and lose only the author's name, email, website, "
        "IP address and browser."
    )

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument(
            "--anonymise", action="store_true", help="Keep the text; remove only what identifies the author."
        )

    def handle(self, email, anonymise, **options):
        email = email.strip().lower()
        try:
            validate_email(email)
        except ValidationError:
            raise CommandError(f"“{email}” is not an email address.") from None
        with transaction.atomic():
            if anonymise:
                anonymised, deleted = self.anonymise(Comment.objects.filter(author_email=email)), 0
            else:
                deleted = self.delete_unanswered(email)
                anonymised = self.anonymise(Comment.objects.filter(author_email=email), text=REMOVED_TEXT)
        if deleted or anonymised:
            # Erased means gone from every page now, not once each page is next rendered.
            invalidate(SITE, at_once=True)
        self.stdout.write(
            f"{deleted + anonymised} comment(s) by {email} erased: {deleted} deleted, {anonymised} anonymised."
        )

    @staticmethod
    def delete_unanswered(email):
        """Delete the commenter's comments that no one has answered, leaves first so that threads unwind."""
        deleted = 0
        while True:
            unanswered = Comment.objects.filter(author_email=email, replies__isnull=True)
            count, _ = Comment.objects.filter(pk__in=list(unanswered.values_list("pk", flat=True))).delete()
            if not count:
                return deleted
            deleted += count

    @staticmethod
    def anonymise(comments, text=None):
        fields = {
            "author_name": ANONYMOUS_NAME,
            "author_email": "",
            "author_url": "",
            "ip_address": None,
            "user_agent": "",
            "user": None,
            "hold_reasons": [],
        }
        if text is not None:
            fields["text"] = text
        return comments.update(**fields)
