"""Erasing one commenter's comments on request."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from comments.models import Comment

pytestmark = pytest.mark.django_db

ERASED = "gone@example.net"


def erase(*args):
    out = StringIO()
    call_command("erase_commenter", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def conversation(article, make_comment):
    """Two comments by the person to erase, one of them answered by someone else, and one of their own replies."""
    answered = make_comment(article, author_email=ERASED, author_name="Gone Person", text="Answered remark.")
    reply_by_other = make_comment(article, parent=answered, author_email="stays@example.net", text="An answer.")
    lonely = make_comment(article, author_email=ERASED, text="Nobody answered this.", status=Comment.Status.PENDING)
    own_follow_up = make_comment(article, parent=lonely, author_email=ERASED, text="Talking to myself.")
    other = make_comment(article, author_email="stays@example.net", text="Unrelated.")
    return {
        "answered": answered,
        "reply_by_other": reply_by_other,
        "lonely": lonely,
        "own": own_follow_up,
        "other": other,
    }


def test_erasing_deletes_their_comments_and_empties_the_answered_one(conversation):
    output = erase("  Gone@Example.NET ")
    assert "3 comment(s) by gone@example.net erased: 2 deleted, 1 anonymised." in output

    assert not Comment.objects.filter(author_email=ERASED).exists()
    assert not Comment.objects.filter(pk__in=[conversation["lonely"].pk, conversation["own"].pk]).exists()
    kept = Comment.objects.get(pk=conversation["answered"].pk)
    assert kept.text == "This comment was removed at its author's request."
    assert kept.author_name == "Anonymous" and kept.author_email == "" and kept.ip_address is None
    assert Comment.objects.filter(pk__in=[conversation["reply_by_other"].pk, conversation["other"].pk]).count() == 2


def test_anonymising_keeps_the_text_and_removes_the_author(conversation):
    output = erase(ERASED, "--anonymise")
    assert "3 comment(s) by gone@example.net erased: 0 deleted, 3 anonymised." in output
    assert not Comment.objects.filter(author_email=ERASED).exists()
    lonely = Comment.objects.get(pk=conversation["lonely"].pk)
    assert lonely.text == "Nobody answered this."
    assert lonely.author_name == "Anonymous" and lonely.ip_address is None and lonely.user_agent == ""
    assert Comment.objects.count() == 5


def test_the_erased_author_disappears_from_the_article_page(client, article, conversation):
    assert "Gone Person" in client.get(article.get_absolute_url()).content.decode()
    erase(ERASED)
    html = client.get(article.get_absolute_url()).content.decode()
    assert "Gone Person" not in html and "Answered remark." not in html
    assert "An answer." in html


def test_an_unknown_address_erases_nothing(conversation):
    assert "0 comment(s) by nobody@example.net erased" in erase("nobody@example.net")
    assert Comment.objects.count() == 5


def test_an_invalid_address_is_refused(conversation):
    with pytest.raises(CommandError, match="is not an email address"):
        erase("not an address")
    assert Comment.objects.count() == 5
