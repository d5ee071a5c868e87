"""Demo conversations for the demo site: approved comments, a threaded reply, a staff answer and held ones."""

from datetime import timedelta
from typing import NamedTuple

from django.db import transaction
from django.utils import timezone

from comments.models import Comment

Status = Comment.Status
EVERY_COMMENT_HELD = "Every comment is held for moderation (site setting)"


class DemoComment(NamedTuple):
    name: str
    email: str
    text: str
    status: str = Status.APPROVED
    hold_reasons: tuple = ()
    answers: int | None = None  # position of the comment it replies to, in the same conversation
    is_staff_reply: bool = False
    website: str = ""


CONVERSATIONS = [
    [
        DemoComment(
            "Marguerite Okafor",
            "m.okafor@example.com",
            "Clear account, thank you. The timeline in the third paragraph finally explains why the vote "
            "was postponed twice.",
        ),
        DemoComment(
            "Dev Lindqvist",
            "dev.l@example.net",
            "I read it differently: the second postponement came before the committee report, not after."
            "\n\nHappy to be corrected.",
            answers=0,
            website="https://devlindqvist.example.net/",
        ),
        DemoComment(
            "Newsroom desk",
            "desk@example.org",
            "Thanks, Dev. The report was circulated to members on the Tuesday and published on the Thursday; "
            "the story now says so.",
            answers=1,
            is_staff_reply=True,
        ),
        DemoComment(
            "Ana Ferreira",
            "ana.f@example.com",
            "Would be good to see the full figures for the other regions as well.",
            Status.PENDING,
            (EVERY_COMMENT_HELD,),
        ),
    ],
    [
        DemoComment(
            "Tomasz Wren",
            "t.wren@example.com",
            "I live two streets from the site. Nobody here was asked about any of this.",
        ),
        DemoComment(
            "Priya Natarajan",
            "priya.n@example.net",
            "Same in our neighbourhood. The consultation notice went up in August, when half of us were away.",
            answers=0,
        ),
        DemoComment(
            "deals4u",
            "offers@example.biz",
            "Great article!!! Visit https://offers.example.biz/a and https://offers.example.biz/b for amazing prices",
            Status.PENDING,
            ("Contains 2 links (comments with 2 or more are held)", EVERY_COMMENT_HELD),
            website="https://offers.example.biz/",
        ),
    ],
    [
        DemoComment(
            "Henrik Adeyemi",
            "h.adeyemi@example.org",
            "A balanced piece on a subject that usually gets shouting rather than reporting.",
        ),
    ],
]


def add_demo_comments(articles):
    """Give the first few of `articles` a conversation each; an article that has comments already is left alone."""
    now = timezone.now()
    for article, conversation in zip(articles, CONVERSATIONS, strict=False):
        if article.comments.exists():
            continue
        with transaction.atomic():
            posted = []
            for position, demo in enumerate(conversation):
                comment = Comment.objects.create(
                    article=article,
                    parent=posted[demo.answers] if demo.answers is not None else None,
                    author_name=demo.name,
                    author_email=demo.email,
                    author_url=demo.website,
                    text=demo.text,
                    status=demo.status,
                    hold_reasons=list(demo.hold_reasons),
                    is_staff_reply=demo.is_staff_reply,
                    moderated_at=now if demo.status == Status.APPROVED else None,
                    ip_address=f"192.0.2.{10 + position}",
                )
                posted.append(comment)
                # Spread the conversation over the hours after publication, never into the future.
                written = min((article.publish_at or now) + timedelta(hours=2 + 3 * position), now)
                Comment.objects.filter(pk=comment.pk).update(created_at=written)
