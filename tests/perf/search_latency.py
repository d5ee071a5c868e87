"""Search latency over 100,000 articles on PostgreSQL.

    python scripts/throwaway_postgres.py -- .venv/bin/python tests/perf/search_latency.py

Tops the database in DATABASE_URL up to SEARCH_ARTICLES generated articles
(100,000 unless told otherwise), then times 110 varied queries (single words,
several words, phrases, exclusions, "or", misspellings, section and date
filters, and the headlines of old articles, as typed and in quotes) doing all
the search page's database work: the first page of results with its count,
bylines, snippets and any "did you mean" suggestion. Prints the median and the
95th percentile; the budget is p95 under 50 ms. Also prints how many of the old
headlines found their article first.
"""

import os
import random
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ARTICLES = int(os.environ.get("SEARCH_ARTICLES", "100000"))
BUDGET_MS = 50
OLD_HEADLINES = 5


def varied_queries(words, sections, today, old_headlines):
    rng = random.Random(100)

    def misspelt(word):
        position = rng.randrange(1, len(word) - 1)
        return word[:position] + word[position + 1 :]

    queries = []
    for _ in range(30):
        queries.append((rng.choice(words), {}))
    for _ in range(15):
        queries.append((" ".join(rng.sample(words, 2)), {}))
    for _ in range(10):
        queries.append((f'"{" ".join(rng.sample(words, 2))}"', {}))
    for _ in range(10):
        first, second = rng.sample(words, 2)
        queries.append((f"{first} -{second}", {}))
    for _ in range(10):
        first, second = rng.sample(words, 2)
        queries.append((f"{first} or {second}", {}))
    for _ in range(10):
        queries.append((misspelt(rng.choice(words)), {}))
    for _ in range(8):
        queries.append((rng.choice(words), {"section": rng.choice(sections).slug}))
    for _ in range(7):
        start = today - timedelta(days=rng.randrange(1, 600))
        queries.append((rng.choice(words), {"from": start.isoformat(), "to": (start + timedelta(days=30)).isoformat()}))
    return queries + headline_queries(old_headlines)


def headline_queries(old_headlines):
    """Each old headline as a reader would type it, then in quotes."""
    return [(headline, {}) for headline in old_headlines] + [(f'"{headline}"', {}) for headline in old_headlines]


def old_headlines(articles, count=OLD_HEADLINES):
    """Headlines of generated articles from the older half of the archive, whose
    words many newer articles share."""
    older_half = articles.order_by("publish_at").values_list("headline", flat=True)[: ARTICLES // 2]
    return random.Random(7).sample(list(older_half), count)


def main():
    if "DATABASE_URL" not in os.environ:
        sys.exit(__doc__)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, check=True)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.paginator import Paginator
    from django.db import connection
    from django.urls import reverse
    from django.utils import timezone

    from articles.benchmark_data import WORDS
    from articles.models import Article, Section
    from articles.search import SearchForm

    if connection.vendor != "postgresql":
        sys.exit("This measures PostgreSQL search; run it through scripts/throwaway_postgres.py.")
    missing = ARTICLES - Article.objects.filter(slug__startswith="generated-").count()
    if missing > 0:
        subprocess.run(
            [sys.executable, "manage.py", "seed_demo", "--articles", str(missing), "-v0"], cwd=ROOT, check=True
        )

    def search_page(query, filters):
        form = SearchForm({"q": query, **filters})
        page = Paginator(form.results().for_listing(), 20).page(1)
        return form.page_context(page)

    generated = Article.objects.published().filter(slug__startswith="generated-")
    named = old_headlines(generated)
    queries = varied_queries(WORDS, list(Section.objects.all()), timezone.localdate(), named)
    # What a running server has done before its first search: load the URLconf, connect.
    reverse("articles:search")
    search_page("warm up", {})
    times = []
    named_first = 0
    for query, filters in queries:
        start = time.perf_counter()
        context = search_page(query, filters)
        times.append((time.perf_counter() - start) * 1000)
        named_headline = query.strip('"')
        if named_headline in named:
            named_first += [article.headline for article in context["page"]][:1] == [named_headline]
    times.sort()
    p95 = times[int(len(times) * 0.95) - 1]
    total = Article.objects.published().count()
    print(f"{len(queries)} queries over {total} published articles")
    print(f"search p50 {statistics.median(times):.1f} ms")
    print(f"search p95 {p95:.1f} ms (budget {BUDGET_MS} ms)")
    print(f"search max {times[-1]:.1f} ms")
    print(f"old headlines found first: {named_first} of {2 * len(named)} queries")
    return 0 if p95 < BUDGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
