"""What every search backend does, and what it hands back.

`articles.search.backend()` picks the backend for the database; the rest of
the site asks it, never the database vendor.
"""

import re
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from articles.models import Article

# Private-use characters mark the matched words in a snippet: they cannot be
# confused with anything in the text, and are replaced after escaping.
MATCH_START, MATCH_END = "\ue000", "\ue001"
SNIPPET_WORDS = 30
WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Found:
    """What a search found: the articles, best first (a queryset, or a
    sequence read a page at a time), and whether older matches were left out
    (a backend may rank only the newest)."""

    articles: QuerySet | Sequence
    more_not_ranked: bool = False


def candidates(*, section=None, published_from=None, published_to=None):
    """The published articles a search with these filters may find: only
    those in `section` (or its subsections), published between two dates,
    both included."""
    found_in = Article.objects.published()
    if section is not None:
        # A list of sections, not a join: the search then follows the section's own index.
        found_in = found_in.filter(section__in=[section, *section.subsections.all()])
    earliest = _midnight(published_from) if published_from else None
    if earliest is not None:
        found_in = found_in.filter(publish_at__gte=earliest)
    latest = _midnight(published_to, days_later=1) if published_to else None
    if latest is not None:
        found_in = found_in.filter(publish_at__lt=latest)
    return found_in


def _midnight(day, days_later=0):
    """Midnight at the start of `day` (plus `days_later`) in the site's time
    zone; None beyond the ends of the calendar, where a bound excludes nothing."""
    try:
        return timezone.make_aware(datetime.combine(day + timedelta(days=days_later), time.min)).astimezone(UTC)
    except OverflowError:
        return None


class SearchBackend(ABC):
    """`filters` are those of `articles.search.find_articles`, by name; each
    backend searches the `candidates` they allow."""

    @abstractmethod
    def find(self, query, filters):
        """The published articles matching `query`, a normalised, non-empty
        query in web search syntax: a `Found`."""

    @abstractmethod
    def snippet(self, article, query):
        """The text of a found article around its matches, each between
        MATCH_START and MATCH_END, not yet escaped."""

    @abstractmethod
    def suggest(self, query, filters):
        """For a query that found nothing: a corrected query that finds
        something, or None."""

    @abstractmethod
    def refresh_index(self, articles):
        """Bring what the backend stores about `articles` (a queryset) up to
        date with their saved text and tags."""
