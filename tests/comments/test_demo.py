"""The demo conversations seed_demo adds."""

import pytest

from comments.demo import add_demo_comments
from comments.models import Comment

pytestmark = pytest.mark.django_db


def test_demo_conversations_are_threaded_mixed_and_added_once(client, make_article):
    articles = [make_article() for _ in range(4)]
    add_demo_comments(articles)
    total = Comment.objects.count()
    add_demo_comments(articles)

    assert Comment.objects.count() == total
    assert not articles[3].comments.exists()
    assert Comment.objects.filter(status=Comment.Status.PENDING).exclude(hold_reasons=[]).count() == 2
    staff_reply = Comment.objects.get(is_staff_reply=True)
    assert staff_reply.depth == 3 and staff_reply.parent.parent.article == articles[0]

    html = client.get(articles[0].get_absolute_url()).content.decode()
    assert "3 comments" in html
    assert "Would be good to see the full figures" not in html
