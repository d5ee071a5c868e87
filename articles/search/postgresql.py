"""Search on PostgreSQL: ranked full-text search over stored vectors, and the
index those vectors and "did you mean" are kept in.

Each article stores a weighted search vector (headline first, then the
alternative headline, tags and standfirst, then the body) and a vector of its
headlines alone, with English stemming; the vocabulary of its headlines,
standfirst and tags is kept in `SearchTerm` for suggestions.
"""

import re
from collections.abc import Sequence

from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchVector
from django.db import connection, models
from django.db.models import Func, OuterRef, Value
from django.db.models.functions import Left
from taggit.models import Tag

from articles import search
from articles.models import MAX_SEARCH_TERM_LENGTH, SEARCH_ONLY_FIELDS, Article, SearchTerm
from articles.search.base import MATCH_END, MATCH_START, SNIPPET_WORDS, WORD, Found, SearchBackend, candidates

# The text search configuration: English stemming ("negotiations" finds "negotiate") and stop words.
SEARCH_CONFIG = "english"
# Making a snippet reads its whole source text: only the start of a long
# article is looked through, so that long reads cost no more than short news.
SNIPPET_SOURCE_LENGTH = 5000
# "Did you mean" replaces a word with a known one at least this similar
# (pg_trgm's trigram similarity, from 0 to 1).
SUGGESTION_SIMILARITY = 0.35
# The words "did you mean" knows: letters only, of a length a misspelling can be told from.
VOCABULARY_WORD = re.compile(r"[^\W\d_]+")
MIN_SEARCH_TERM_LENGTH = 3
# As web search reads quotes: an unclosed one runs to the end.
QUOTED = re.compile(r'"([^"]*)"?')

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


class PostgresSearch(SearchBackend):
    """Ranked: how far a search reaches is `articles.search.RANKED_MATCHES`
    and `HEADLINE_MATCHES`, read at each search."""

    def find(self, query, filters):
        ranked, more_not_ranked = _rank(candidates(**filters), query)
        articles = (
            Article.objects.published()
            .annotate(
                search_snippet=SearchHeadline(
                    Left("body_text", SNIPPET_SOURCE_LENGTH),
                    _web_search(query),
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

    def snippet(self, article, query):
        return article.search_snippet

    def suggest(self, query, filters):
        corrected = _suggested_query(query)
        # Asked of the text alone, as any headline match is also a match in the text.
        if corrected is None or not candidates(**filters).filter(search_vector=_web_search(corrected)).exists():
            return None
        return corrected

    def refresh_index(self, articles):
        """Recompute the stored search vectors from the saved text and tags,
        and add the articles' words to the vocabulary of "did you mean"."""
        tag_names = Func(
            ArraySubquery(Tag.objects.filter(article=OuterRef("pk")).order_by("name").values("name")),
            Value(" "),
            function="array_to_string",
            output_field=models.TextField(),
        )
        articles.update(
            search_vector=SearchVector("headline", weight="A", config=SEARCH_CONFIG)
            + SearchVector("alternative_headline", tag_names, "standfirst", weight="B", config=SEARCH_CONFIG)
            + SearchVector("body_text", weight="C", config=SEARCH_CONFIG),
            headline_vector=SearchVector("headline", weight="A", config=SEARCH_CONFIG)
            + SearchVector("alternative_headline", weight="B", config=SEARCH_CONFIG),
        )
        texts = [text for row in articles.values_list("headline", "alternative_headline", "standfirst") for text in row]
        texts += Tag.objects.filter(article__in=articles.values("pk")).values_list("name", flat=True).distinct()
        _add_to_vocabulary(texts)


def _web_search(query):
    return SearchQuery(query, search_type="websearch", config=SEARCH_CONFIG)


def _rank(found_in, query):
    """The ids of the matches, best first, and whether older matches in the
    text were left out."""
    words = _loosened(query)
    with connection.cursor() as cursor:
        cursor.execute(
            RANKING.format(candidates=_conditions(found_in)),
            {
                "config": SEARCH_CONFIG,
                "query": query,
                "words": words,
                "ranked_matches": search.RANKED_MATCHES,
                "headline_matches": search.HEADLINE_MATCHES,
            },
        )
        rows = cursor.fetchall()
    return [pk for pk, _size in rows if pk is not None], rows[0][1] >= search.RANKED_MATCHES


def _conditions(queryset):
    """The WHERE clause of `queryset`, its values quoted in, for a query the
    ORM cannot write: which articles may be found stays defined in one place."""
    compiler = queryset.query.get_compiler(connection=connection)
    sql, params = compiler.compile(queryset.query.where)
    return connection.ops.compose_sql(sql, params).replace("%", "%%")


def _loosened(query):
    """`query` with each "quoted phrase" replaced by its words, all required:
    it finds every article the phrase does, and more."""
    return QUOTED.sub(lambda phrase: " ".join(w for w in WORD.findall(phrase.group(1)) if w.lower() != "or"), query)


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


def _suggested_query(query):
    """`query` with each unknown word replaced by the most similar known one,
    or None when no word has a close enough match."""
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


def _add_to_vocabulary(texts):
    words = {
        word
        for text in texts
        for word in VOCABULARY_WORD.findall(text.lower())
        if MIN_SEARCH_TERM_LENGTH <= len(word) <= MAX_SEARCH_TERM_LENGTH
    }
    SearchTerm.objects.bulk_create([SearchTerm(word=word) for word in sorted(words)], ignore_conflicts=True)
