"""Generated articles for benchmarks (`seed_demo --articles N`): plain published stories of
random words, bulk-inserted fast enough for 100,000 in minutes. Not demo content: nobody reads them."""

import random

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.utils import timezone
from taggit.models import Tag, TaggedItem

from articles.html import readable_text
from articles.models import Article, Author, Byline, Section

WORDS = [
    "council",
    "minister",
    "harbour",
    "treaty",
    "budget",
    "election",
    "senate",
    "court",
    "ruling",
    "vote",
    "coalition",
    "border",
    "trade",
    "energy",
    "summit",
    "envoy",
    "inquiry",
    "reform",
    "province",
    "capital",
    "delegation",
    "ceasefire",
    "tariff",
    "mayor",
    "committee",
    "report",
    "agency",
    "talks",
    "security",
    "policy",
    "climate",
    "drought",
    "flood",
    "market",
    "inflation",
    "union",
    "strike",
    "railway",
    "hospital",
    "school",
]


def generate_articles(count, batch_size=2000, progress=None):
    """Bulk-insert `count` plain published articles into the existing sections, by the existing authors."""
    rng = random.Random(count)
    sections = list(Section.objects.all())
    authors = list(Author.objects.all())
    tags = [
        Tag.objects.get_or_create(name=name, defaults={"slug": name.lower()})[0]
        for name in ["Trade", "Energy", "Courts", "Elections", "Climate", "Economy", "Migration", "Transport"]
    ]
    content_type = ContentType.objects.get_for_model(Article)
    run = timezone.now().strftime("%Y%m%d%H%M%S")
    now = timezone.now()
    made = 0
    while made < count:
        size = min(batch_size, count - made)
        batch = []
        for index in range(made, made + size):
            words = [rng.choice(WORDS) for _ in range(9)]
            headline = " ".join(words).capitalize()
            paragraphs = "".join(
                "<p>" + " ".join(rng.choice(WORDS) for _ in range(60)).capitalize() + ".</p>" for _ in range(6)
            )
            publish_at = now - timezone.timedelta(minutes=10 * index + rng.randrange(10))
            batch.append(
                Article(
                    headline=headline,
                    slug=f"generated-{run}-{index}",
                    section=rng.choice(sections),
                    standfirst=" ".join(rng.choice(WORDS) for _ in range(25)).capitalize() + ".",
                    body=paragraphs,
                    body_text=readable_text(paragraphs),
                    status=Article.Status.PUBLISHED,
                    publish_at=publish_at,
                    first_published_at=publish_at,
                )
            )
        with transaction.atomic():
            inserted = Article.objects.bulk_create(batch, batch_size=size)
            if inserted[0].pk is None:
                slugs = [article.slug for article in batch]
                inserted = list(Article.objects.filter(slug__in=slugs).only("pk"))
            Byline.objects.bulk_create(
                [Byline(article_id=article.pk, author=rng.choice(authors)) for article in inserted], batch_size=size
            )
            TaggedItem.objects.bulk_create(
                [
                    TaggedItem(tag=tag, content_type=content_type, object_id=article.pk)
                    for article in inserted
                    for tag in rng.sample(tags, 2)
                ],
                batch_size=size * 2,
            )
            # bulk_create skips save(), which keeps an article searchable.
            Article.objects.filter(pk__in=[article.pk for article in inserted]).refresh_search_index()
        made += size
        if progress:
            progress(size)
    if connection.vendor == "postgresql":
        # Filling the search vectors replaced every new row once, and the planner has no
        # statistics about them yet: tidy up now rather than whenever autovacuum gets round to it.
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(Article._meta.db_table)}")
    return made
