"""Comments posted at the same moment all land, each exactly once."""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections
from django.test import Client

from comments.models import Comment
from tests.comments.conftest import POST_URL, comment_data

POSTS = 100
RETRIES = 50


def post_from_threads(requests, workers):
    """Send (data, remote_addr) pairs from `workers` threads at once; each thread has its own connection.

    Like any HTTP client, a thread tries again when told "503, retry later".
    """

    def send(request):
        data, remote_addr = request
        try:
            for attempt in range(RETRIES):
                status = Client().post(POST_URL, data, REMOTE_ADDR=remote_addr).status_code
                if status != 503:
                    return status
                time.sleep(0.01 * (attempt + 1))
            return status
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(send, requests))


def workers_for_database():
    # The in-memory SQLite test database refuses a second writer at once
    # ("table is locked": a 503) where a file database would wait its turn,
    # so SQLite runs fewer threads, still overlapping, and sees retries.
    return 20 if connection.vendor == "postgresql" else 4


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_posts_are_all_stored_exactly_once(article, site_settings):
    # Retried attempts count against the flood limits like any other; this test is about concurrency.
    site_settings.comments_per_hour_per_ip = site_settings.comments_per_hour_per_email = 1000
    site_settings.save()
    requests = [
        (comment_data(article, email=f"reader{n}@example.net", comment=f"Comment number {n}."), f"198.51.100.{n}")
        for n in range(POSTS)
    ]
    statuses = post_from_threads(requests, workers_for_database())

    assert statuses == [303] * POSTS
    stored = list(Comment.objects.values_list("author_email", flat=True))
    assert sorted(stored) == sorted(f"reader{n}@example.net" for n in range(POSTS))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_form_sent_many_times_at_once_is_stored_once(article):
    data = comment_data(article)
    statuses = post_from_threads([(data, "198.51.100.1")] * 10, workers_for_database())

    assert statuses.count(303) == 1
    assert all(400 <= status < 500 for status in statuses if status != 303)
    assert Comment.objects.count() == 1
