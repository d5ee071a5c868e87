"""How long the admin's article list takes over the articles in DATABASE_URL.

    python tests/perf/admin_list.py

Run by `make bench` once it has seeded 100,000 articles. Signs in as the demo
editor and times each view of the list a desk uses (the newest first, a deep
page, the live filter, a section, a search for a common word and for one
article's slug) through Django's whole request handling: the best of three
requests, in milliseconds, with the number of queries.
"""

import math
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import django

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from articles.admin import ArticleAdmin  # noqa: E402
from articles.models import Article, Section  # noqa: E402

LIST = "/admin/articles/article/"
PER_PAGE = ArticleAdmin.list_per_page


def best_of_three(client, url):
    timings = []
    for _ in range(3):
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
    return min(timings), len(queries)


def main():
    client = Client(HTTP_HOST=urlsplit(settings.SITE_URL).netloc)
    client.force_login(User.objects.get(username="editor"))
    newest = Article.objects.order_by("-publish_at").first()
    # Page 500 of 100,000 articles; the last page of fewer.
    deep_page = min(500, math.ceil(Article.objects.count() / PER_PAGE))
    views = [
        ("newest first", LIST),
        (f"page {deep_page}", LIST + f"?p={deep_page}"),
        ("live only", LIST + "?state=live"),
        ("one section", LIST + f"?section__id__exact={Section.objects.first().pk}"),
        ("search, common word", LIST + "?q=harbour"),
        ("search, one slug", LIST + f"?q={newest.slug}"),
    ]
    client.get(LIST)
    for label, url in views:
        milliseconds, queries = best_of_three(client, url)
        print(f"admin article list, {label:20} {milliseconds:6.0f} ms  {queries} queries", flush=True)


if __name__ == "__main__":
    main()
