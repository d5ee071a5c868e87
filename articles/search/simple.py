"""Search on any other database (SQLite, for `make run`): every word typed
must appear somewhere in the text, headline matches first, then newest first.

It reads the text itself, so there is no index to keep and no vocabulary to
suggest from.
"""

import re

from django.db.models import BooleanField, Exists, ExpressionWrapper, F, OuterRef, Q

from articles.models import Article
from articles.search.base import MATCH_END, MATCH_START, SNIPPET_WORDS, WORD, Found, SearchBackend, candidates

MAX_QUERY_WORDS = 12


class SimpleSearch(SearchBackend):
    def find(self, query, filters):
        required, excluded = _query_words(query)
        if not required:
            return Found(Article.objects.none())
        found_in = candidates(**filters)
        in_headlines = Q()
        for word in required:
            found_in = found_in.filter(_mentions(word))
            in_headlines &= Q(headline__icontains=word) | Q(alternative_headline__icontains=word)
        for word in excluded:
            found_in = found_in.exclude(_mentions(word))
        headline_match = ExpressionWrapper(in_headlines, output_field=BooleanField())
        return Found(
            # The text comes as an annotation: a list of teasers defers the article's own fields.
            found_in.annotate(headline_match=headline_match, snippet_source=F("body_text")).order_by(
                "-headline_match", "-publish_at", "-pk"
            )
        )

    def snippet(self, article, query):
        """The text around the first word found, every occurrence marked."""
        required, _excluded = _query_words(query)
        if not required:
            return ""
        pattern = re.compile(
            "|".join(re.escape(word) for word in sorted(required, key=len, reverse=True)), re.IGNORECASE
        )
        text = article.snippet_source
        found = pattern.search(text)
        start = text.count(" ", 0, found.start()) - SNIPPET_WORDS // 3 if found else 0
        words = text.split(" ")[max(start, 0) : max(start, 0) + SNIPPET_WORDS]
        return pattern.sub(lambda match: f"{MATCH_START}{match.group()}{MATCH_END}", " ".join(words))

    def suggest(self, query, filters):
        return None

    def refresh_index(self, articles):
        pass


def _query_words(query):
    """The words of a web-search style query, those after a minus sign apart:
    (required, excluded). "or" is read as a word: this search is simple."""
    required, excluded = [], []
    for token in query.replace('"', " ").split()[:MAX_QUERY_WORDS]:
        words = WORD.findall(token)
        (excluded if token.startswith("-") else required).extend(words)
    return required, excluded


def _mentions(word):
    tagged = Article.tags.through.objects.filter(object_id=OuterRef("pk"), tag__name__icontains=word)
    return (
        Q(headline__icontains=word)
        | Q(alternative_headline__icontains=word)
        | Q(standfirst__icontains=word)
        | Q(body_text__icontains=word)
        | Exists(tagged.filter(content_type__app_label="articles", content_type__model="article"))
    )
