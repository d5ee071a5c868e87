"""Article search: one entry point whatever the database.

`find_articles` (and the search page's `SearchForm`) asks the backend that
`backend()` picks for the database, once: on PostgreSQL, ranked full-text
search over stored search vectors, with English stemming, the web search
syntax readers know ("exact phrase", -word, or), highlighted snippets and "did
you mean" suggestions (`postgresql.py`, which also keeps the index); on any
other database, a simpler search that finds every word anywhere in the text,
newest first (`simple.py`). Either way, the articles whose headlines hold the
words come before those that only mention them.

Whatever the database, only published articles are ever found, and no query,
however long or strange, is an error.
"""

import functools
import re
from dataclasses import dataclass

from django import forms
from django.db import connection
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import escape
from django.utils.http import urlencode
from django.utils.safestring import mark_safe

from articles.models import Article, Section
from articles.search.base import MATCH_END, MATCH_START, Found

MAX_QUERY_LENGTH = 200
# Ranking reads every matching article's search vector, and a common word
# matches most of the archive: only the newest matches are ranked (and
# counted), which keeps a search fast at any archive size and suits news, where
# recent stories matter most; the date filter reaches further back. A rarer
# word has fewer matches than this, and all of them are ranked.
RANKED_MATCHES = 200
# Besides them, up to this many older articles whose headline or alternative
# headline has the words, the newest first, and as many stories whose headline
# is the words typed, however old (read from their own index): the story a
# reader names by its headline is found even where thousands of newer stories
# use its words. Headline matches come first, above every match in the text alone.
HEADLINE_MATCHES = 100
MARKED_MATCH = re.compile(f"{MATCH_START}([^{MATCH_START}{MATCH_END}]*){MATCH_END}")


@functools.cache
def backend():
    """The search backend for the database: the one place that asks which it is."""
    if connection.vendor == "postgresql":
        from articles.search.postgresql import PostgresSearch

        return PostgresSearch()
    from articles.search.simple import SimpleSearch

    return SimpleSearch()


def normalise_query(raw):
    """What a reader typed, made safe to search for: no control characters, bounded."""
    cleaned = "".join(ch for ch in (raw or "") if ch.isprintable())
    return " ".join(cleaned.split())[:MAX_QUERY_LENGTH]


def search_articles(query, **filters):
    """Published articles matching `query`, best first, each annotated with
    `search_snippet` on PostgreSQL; see `find_articles` for the filters."""
    return find_articles(query, **filters).articles


def find_articles(query, *, section=None, published_from=None, published_to=None):
    """The published articles matching `query` (a `Found`); optionally only
    those in `section` (or its subsections) and published between two dates,
    both included."""
    query = normalise_query(query)
    if not query:
        return Found(Article.objects.none())
    return backend().find(query, {"section": section, "published_from": published_from, "published_to": published_to})


def highlight(marked_text):
    """A snippet as HTML: the text escaped, its marked matches in <mark>."""
    escaped = MARKED_MATCH.sub(r"<mark>\1</mark>", escape(marked_text))
    return mark_safe(escaped.replace(MATCH_START, "").replace(MATCH_END, ""))


@dataclass(frozen=True)
class Suggestion:
    query: str
    url: str


class QueryField(forms.CharField):
    """The reader's words, normalised rather than refused: control characters
    (NUL included) are dropped and a long query is cut short."""

    def to_python(self, value):
        return normalise_query(super().to_python(value))


class SearchForm(forms.Form):
    """The search page's parameters: q, section, from, to. An invalid filter is
    ignored (and its error shown); the search itself always runs."""

    q = QueryField(required=False, label="Search for")
    section = forms.ModelChoiceField(
        Section.objects.all(), to_field_name="slug", required=False, empty_label="All sections"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # "from" is a Python keyword, so these fields cannot be declared on the class.
        self.fields["from"] = forms.DateField(required=False, label="From", widget=forms.DateInput({"type": "date"}))
        self.fields["to"] = forms.DateField(required=False, label="To", widget=forms.DateInput({"type": "date"}))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("from") and cleaned.get("to") and cleaned["from"] > cleaned["to"]:
            self.add_error("to", "The end date is before the start date.")
        return cleaned

    @property
    def query(self):
        self.is_valid()
        return self.cleaned_data.get("q", "")

    @property
    def filters(self):
        self.is_valid()
        return {
            "section": self.cleaned_data.get("section"),
            "published_from": self.cleaned_data.get("from"),
            "published_to": self.cleaned_data.get("to"),
        }

    @cached_property
    def found(self):
        return find_articles(self.query, **self.filters)

    def results(self):
        return self.found.articles

    def page_context(self, page):
        """Everything the results page shows. `page` is a page of `results()`,
        or None before anything was searched for."""
        context = {"form": self, "query": self.query, "page": page, "suggestion": None, "results_capped": False}
        if page is None:
            return context
        page.object_list = [self._with_snippet(article) for article in page.object_list]
        found = page.paginator.count
        return {
            **context,
            "suggestion": None if found else self.suggestion(),
            "results_capped": self.found.more_not_ranked,
        }

    def _with_snippet(self, article):
        """The article with `snippet`: the matched text as safe HTML."""
        article.snippet = highlight(backend().snippet(article, self.query))
        return article

    def suggestion(self):
        """For a query that found nothing: a corrected query that finds
        something, with a link to its results; or None."""
        corrected = backend().suggest(self.query, self.filters)
        if corrected is None:
            return None
        filters = self.filters
        kept_filters = {
            "section": filters["section"].slug if filters["section"] else None,
            "from": filters["published_from"].isoformat() if filters["published_from"] else None,
            "to": filters["published_to"].isoformat() if filters["published_to"] else None,
        }
        parameters = urlencode({"q": corrected, **{name: value for name, value in kept_filters.items() if value}})
        return Suggestion(query=corrected, url=f"{reverse('articles:search')}?{parameters}")
