"""Article search: one entry point whatever the database."""

from django.db.models import Q

from articles.models import Article

MAX_QUERY_LENGTH = 200


def normalise_query(raw):
    """What a reader typed, made safe to search for: no control characters, bounded."""
    cleaned = "".join(ch for ch in (raw or "") if ch.isprintable())
    return " ".join(cleaned.split())[:MAX_QUERY_LENGTH]


def search_articles(query):
    """Published articles matching every word of `query`, newest first."""
    words = normalise_query(query).split()[:12]
    if not words:
        return Article.objects.none()
    condition = Q()
    for word in words:
        condition &= (
            Q(headline__icontains=word)
            | Q(alternative_headline__icontains=word)
            | Q(standfirst__icontains=word)
            | Q(body__icontains=word)
        )
    return Article.objects.published().filter(condition).order_by("-publish_at")
