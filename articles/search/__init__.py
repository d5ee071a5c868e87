"""Article search: one entry point whatever the database.

On PostgreSQL, ranked full-text search over the stored search vector (headline
first, then the alternative headline, tags and standfirst, then the body), with
English stemming, the web search syntax readers know ("exact phrase", -word,
or), highlighted snippets and "did you mean" suggestions. On SQLite, a simpler
search that finds every word anywhere in the text, newest first. Either way,
the articles whose headlines hold the words come before those that only
mention them.

Whatever the database, only published articles are ever found, and no query,
however long or strange, is an error.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from django import forms
from django.contrib.postgres.search import SearchHeadline, SearchQuery
from django.db import connection
from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
)
from django.db.models.functions import Left
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import escape
from django.utils.http import urlencode
from django.utils.safestring import mark_safe

from articles.models import (
    MIN_SEARCH_TERM_LENGTH,
    SEARCH_CONFIG,
    SEARCH_ONLY_FIELDS,
    Article,
    SearchTerm,
    Section,
)

MAX_QUERY_LENGTH = 200
MAX_QUERY_WORDS = 12
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
# Private-use characters mark the matched words in a snippet: they cannot be
# confused with anything in the text, and are replaced after escaping.
MATCH_START, MATCH_END = "\ue000", "\ue001"
MARKED_MATCH = re.compile(f"{MATCH_START}([^{MATCH_START}{MATCH_END}]*){MATCH_END}")
SNIPPET_WORDS = 30
# Making a snippet reads its whole source text: only the start of a long
# article is looked through, so that long reads cost no more than short news.
SNIPPET_SOURCE_LENGTH = 5000
# "Did you mean" replaces a word with a known one at least this similar
# (pg_trgm's trigram similarity, from 0 to 1).
SUGGESTION_SIMILARITY = 0.35
WORD = re.compile(r"\w+")
# As web search reads quotes: an unclosed one runs to the end.
QUOTED = re.compile(r'"([^"]*)"?')


def normalise_query(raw):
    """What a reader typed, made safe to search for: no control characters, bounded."""
    cleaned = "".join(ch for ch in (raw or "") if ch.isprintable())
    return " ".join(cleaned.split())[:MAX_QUERY_LENGTH]


@dataclass(frozen=True)
class Found:
    """What a search found: the articles, best first (on PostgreSQL already
    ranked, and read a page at a time), and whether older matches were left
    out (PostgreSQL ranks only the newest)."""

    articles: "QuerySet | RankedArticles"
    more_not_ranked: bool = False


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
    candidates = _candidates(section, published_from, published_to)
    if connection.vendor == "postgresql":
        return _ranked_full_text_search(candidates, query)
    return Found(_word_search(candidates, query))


def _candidates(section, published_from, published_to):
    candidates = Article.objects.published()
    if section is not None:
        # A list of sections, not a join: the search then follows the section's own index.
        candidates = candidates.filter(section__in=[section, *section.subsections.all()])
    earliest = _midnight(published_from) if published_from else None
    if earliest is not None:
        candidates = candidates.filter(publish_at__gte=earliest)
    latest = _midnight(published_to, days_later=1) if published_to else None
    if latest is not None:
        candidates = candidates.filter(publish_at__lt=latest)
    return candidates


def _midnight(day, days_later=0):
    """Midnight at the start of `day` (plus `days_later`) in the site's time
    zone; None beyond the ends of the calendar, where a bound excludes nothing."""
    try:
        return timezone.make_aware(datetime.combine(day + timedelta(days=days_later), time.min)).astimezone(UTC)
    except OverflowError:
        return None


def _ranked_full_text_search(candidates, query):
    search_query = SearchQuery(query, search_type="websearch", config=SEARCH_CONFIG)
    ranked, more_not_ranked = _rank(candidates, query)
    articles = (
        Article.objects.published()
        .annotate(
            search_snippet=SearchHeadline(
                Left("body_text", SNIPPET_SOURCE_LENGTH),
                search_query,
                config=SEARCH_CONFIG,
                start_sel=MATCH_START,
                stop_sel=MATCH_END,
                max_words=SNIPPET_WORDS,
                min_words=SNIPPET_WORDS // 2,
                max_fragments=2,
                fragment_delimiter=" … ",
            )
        )
        # A teaser shows the snippet, never the body: the rows read stay narrow.
        .defer("body", *SEARCH_ONLY_FIELDS)
    )
    return Found(RankedArticles(ranked, articles), more_not_ranked)


# The reader's query, and its words with each phrase loosened, as PostgreSQL reads them.
QUERY = "websearch_to_tsquery(%(config)s::regconfig, %(query)s)"
WORDS = "websearch_to_tsquery(%(config)s::regconfig, %(words)s)"
# The headline's own words, without positions (as migration 0009 indexes
# them), are the words typed. Braces doubled: RANKING is formatted once more.
HEADLINE_IS_THE_WORDS = (
    "strip(ts_filter(headline_vector, '{{a}}')) = strip(to_tsvector(%(config)s::regconfig, %(words)s))"
)
# What orders the matches: a headline match comes before every match in the
# text alone, a headline that is the words typed before any other.
RANK_COLUMNS = f"""
    id, publish_at,
    headline_vector @@ {QUERY} AS in_headline,
    headline_vector @@ {QUERY} AND {HEADLINE_IS_THE_WORDS} AS names_the_story,
    ts_rank(CASE WHEN headline_vector @@ {QUERY} THEN headline_vector ELSE search_vector END, {QUERY}) AS rank"""
# A headline match's text is read too: it may hold an excluded word.
FOUND_BY_HEADLINE = f"headline_vector @@ {QUERY} AND search_vector @@ {QUERY} AS found"
# Every match ranked in one query, of which only ids leave the database. Each
# window reads articles newest first and stops when it has enough: the newest
# with the query's words (which bounds the stored positions a phrase of common
# words makes PostgreSQL read), older ones whose headline has the words (found
# in an index of the headlines alone, so that only they are read whole), and
# those whose headline is the words typed, from their own index. Each ranks
# the rows it reads: an article read twice is ranked alike, and counted once.
# `{{candidates}}` is the WHERE clause of the articles that may be found.
RANKING = f"""
    WITH text_window AS MATERIALIZED (
        SELECT {RANK_COLUMNS}, search_vector @@ {QUERY} AS found
          FROM articles_article
         WHERE {{candidates}} AND search_vector @@ {WORDS}
         ORDER BY publish_at DESC
         LIMIT %(ranked_matches)s
    ), headline_window AS (
        SELECT {RANK_COLUMNS}, {FOUND_BY_HEADLINE}
          FROM articles_article
         WHERE id IN (
                SELECT id
                  FROM articles_article
                 WHERE {{candidates}}
                   AND publish_at < (SELECT min(publish_at) FROM text_window)
                   AND headline_vector @@ {WORDS}
                 ORDER BY publish_at DESC
                 LIMIT %(headline_matches)s
               )
    ), named AS (
        SELECT {RANK_COLUMNS}, {FOUND_BY_HEADLINE}
          FROM articles_article
         WHERE {{candidates}} AND {HEADLINE_IS_THE_WORDS}
         ORDER BY publish_at DESC
         LIMIT %(headline_matches)s
    )
    SELECT found.id, looked_through.size
      FROM (SELECT count(*) AS size FROM text_window) AS looked_through
      LEFT JOIN (
            SELECT * FROM text_window WHERE found
             UNION SELECT * FROM headline_window WHERE found
             UNION SELECT * FROM named WHERE found
      ) AS found ON TRUE
     ORDER BY names_the_story DESC, in_headline DESC, rank DESC, publish_at DESC, found.id DESC
"""


def _rank(candidates, query):
    """The ids of the matches, best first, and whether older matches in the
    text were left out."""
    words = _loosened(query)
    with connection.cursor() as cursor:
        cursor.execute(
            RANKING.format(candidates=_conditions(candidates)),
            {
                "config": SEARCH_CONFIG,
                "query": query,
                "words": words,
                "ranked_matches": RANKED_MATCHES,
                "headline_matches": HEADLINE_MATCHES,
            },
        )
        rows = cursor.fetchall()
    return [pk for pk, _size in rows if pk is not None], rows[0][1] >= RANKED_MATCHES


def _conditions(queryset):
    """The WHERE clause of `queryset`, its values quoted in, for a query the
    ORM cannot write: which articles may be found stays defined in one place."""
    compiler = queryset.query.get_compiler(connection=connection)
    sql, params = compiler.compile(queryset.query.where)
    return connection.ops.compose_sql(sql, params).replace("%", "%%")


class RankedArticles(Sequence):
    """Articles in an order already decided, by their ids: counting them reads
    nothing, and a slice (a page of results) reads only its own rows, from
    `articles`."""

    def __init__(self, ids, articles):
        self.ids = ids
        self.articles = articles

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return self._read(self.ids[index])
        return self._read([self.ids[index]])[0]

    def __iter__(self):
        return iter(self[:])

    def for_listing(self):
        return RankedArticles(self.ids, self.articles.for_listing())

    def _read(self, ids):
        by_pk = {article.pk: article for article in self.articles.filter(pk__in=ids).order_by()}
        # One unpublished since it was ranked is left out.
        return [by_pk[pk] for pk in ids if pk in by_pk]


def _flag(condition):
    return ExpressionWrapper(condition, output_field=BooleanField())


def _loosened(query):
    """`query` with each "quoted phrase" replaced by its words, all required:
    it finds every article the phrase does, and more."""
    return QUOTED.sub(lambda phrase: " ".join(w for w in WORD.findall(phrase.group(1)) if w.lower() != "or"), query)


def _query_words(query):
    """The words of a web-search style query, those after a minus sign apart:
    (required, excluded). "or" is read as a word; SQLite search is simple."""
    required, excluded = [], []
    for token in query.replace('"', " ").split()[:MAX_QUERY_WORDS]:
        words = WORD.findall(token)
        (excluded if token.startswith("-") else required).extend(words)
    return required, excluded


def _word_search(candidates, query):
    required, excluded = _query_words(query)
    if not required:
        return Article.objects.none()
    in_headlines = Q()
    for word in required:
        candidates = candidates.filter(_mentions(word))
        in_headlines &= Q(headline__icontains=word) | Q(alternative_headline__icontains=word)
    for word in excluded:
        candidates = candidates.exclude(_mentions(word))
    return candidates.annotate(headline_match=_flag(in_headlines)).order_by("-headline_match", "-publish_at", "-pk")


def _mentions(word):
    tagged = Article.tags.through.objects.filter(object_id=OuterRef("pk"), tag__name__icontains=word)
    return (
        Q(headline__icontains=word)
        | Q(alternative_headline__icontains=word)
        | Q(standfirst__icontains=word)
        | Q(body_text__icontains=word)
        | Exists(tagged.filter(content_type__app_label="articles", content_type__model="article"))
    )


def highlight(marked_text):
    """A snippet as HTML: the text escaped, its marked matches in <mark>."""
    escaped = MARKED_MATCH.sub(r"<mark>\1</mark>", escape(marked_text))
    return mark_safe(escaped.replace(MATCH_START, "").replace(MATCH_END, ""))


def _excerpt(text, query):
    """Where SQLite found the words: the text around the first one, every
    occurrence marked like PostgreSQL's snippets."""
    required, _excluded = _query_words(query)
    if not required:
        return ""
    pattern = re.compile("|".join(re.escape(word) for word in sorted(required, key=len, reverse=True)), re.IGNORECASE)
    found = pattern.search(text)
    start = text.count(" ", 0, found.start()) - SNIPPET_WORDS // 3 if found else 0
    words = text.split(" ")[max(start, 0) : max(start, 0) + SNIPPET_WORDS]
    return pattern.sub(lambda match: f"{MATCH_START}{match.group()}{MATCH_END}", " ".join(words))


def _suggested_query(query):
    """`query` with each unknown word replaced by the most similar known one,
    or None when no word has a close enough match (PostgreSQL only)."""
    if connection.vendor != "postgresql":
        return None
    words = sorted(
        {word.lower() for word in WORD.findall(query) if len(word) >= MIN_SEARCH_TERM_LENGTH and word.isalpha()}
    )
    if not words:
        return None
    with connection.cursor() as cursor:
        # `%` (pg_trgm's similarity operator) is the condition the trigram index answers.
        cursor.execute(
            f"""
            SELECT typed.word, known.word
              FROM unnest(%s::text[]) AS typed(word)
              CROSS JOIN LATERAL (
                    SELECT term.word FROM {connection.ops.quote_name(SearchTerm._meta.db_table)} AS term
                     WHERE term.word %% typed.word AND similarity(term.word, typed.word) > %s
                     ORDER BY similarity(term.word, typed.word) DESC, term.word
                     LIMIT 1
              ) AS known
             WHERE known.word <> typed.word
            """,
            [words, SUGGESTION_SIMILARITY],
        )
        replacements = dict(cursor.fetchall())
    if not replacements:
        return None
    return WORD.sub(lambda match: replacements.get(match.group().lower(), match.group()), query)


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
        marked = getattr(article, "search_snippet", None)
        article.snippet = highlight(marked if marked is not None else _excerpt(article.body_text, self.query))
        return article

    def _finds_something(self, query):
        """Whether `query` finds an article: asked of the text alone, as any
        headline match is also a match in the text (PostgreSQL only)."""
        search_query = SearchQuery(query, search_type="websearch", config=SEARCH_CONFIG)
        return _candidates(**self.filters).filter(search_vector=search_query).exists()

    def suggestion(self):
        """For a query that found nothing: a corrected query that finds
        something, with a link to its results; or None."""
        corrected = _suggested_query(self.query)
        if corrected is None or not self._finds_something(corrected):
            return None
        filters = self.filters
        kept_filters = {
            "section": filters["section"].slug if filters["section"] else None,
            "from": filters["published_from"].isoformat() if filters["published_from"] else None,
            "to": filters["published_to"].isoformat() if filters["published_to"] else None,
        }
        parameters = urlencode({"q": corrected, **{name: value for name, value in kept_filters.items() if value}})
        return Suggestion(query=corrected, url=f"{reverse('articles:search')}?{parameters}")
