"""An article's "You May Also Like": the articles it pins first, then those sharing the most of its
tags, then those of its section, newest first.

Only the newest `CANDIDATES_PER_LIST` articles of each of its tags and of its section are ranked: the
cost stays flat however large the archive grows (a common tag can be on tens of thousands of
stories). Each of those lists is kept as a fragment, shared by every story with that tag or in that
section until the list changes or an article's tags do (`page_keys.TAGGING`), and a box is ranked
from them here. Ranking in SQL cost more to build and plan than to run, for each combination of
section and tags; a combination's ranking is kept too, shared by every story of that section and
those tags. A story that pins articles ranks its own, from lists read with its pinned articles.
"""

from articles import page_keys
from articles.models import Article, ListedArticles
from newsroom.cache import cached_fragment, fragment_variant

SHOWN = 4
CANDIDATES_PER_LIST = 50


def chosen(request, article):
    """The ids of the stories the box under `article` shows, best first. The lists read to rank them,
    if they were, are kept on `article`: they hold the teasers `teasers` would read next."""
    tag_ids = sorted(tag.pk for tag in article.shown_tags)
    read_now = article._related_read = {}
    if article.pins_related:
        pinned = article.related_articles.order_by().values("pk")
        lists, pinned_rows = _read_lists(tag_ids, article.section_id, read_now, pinned=pinned)
        ranked = _ranking(lists, tag_ids, article.section_id, pinned_rows)
    else:

        def rank():
            return _ranking(
                _candidate_lists(request, tag_ids, article.section_id, read_now), tag_ids, article.section_id
            )

        ranked = cached_fragment(
            request,
            f"related:{fragment_variant(article.section_id, tag_ids)}",
            rank,
            page_keys.related_candidate_keys(article),
        )
    return [pk for pk in ranked if pk != article.pk][:SHOWN]


def teasers(article, ids):
    """The teasers of the stories `ids` in the box under `article`, each read only if it is neither in
    the fragment cache nor read with the lists just now; the box shows no bylines."""
    read_now = getattr(article, "_related_read", None)
    return ListedArticles(ids, with_bylines=False, read=read_now or None).teasers()


def _ranking(lists, tag_ids, section_id, pinned_rows=()):
    """The ids of the best-ranked candidates, one more than shown: the story itself may be among them."""
    sharing_a_tag = {row for tag_id in tag_ids for row in lists[page_keys.tag_key(tag_id)]}
    by_tag = sorted(sharing_a_tag, key=_newest_first)[:CANDIDATES_PER_LIST]
    candidates = {*lists[page_keys.section_key(section_id)], *by_tag, *pinned_rows}
    pinned_ids = {row[0] for row in pinned_rows}
    tags = set(tag_ids)

    def rank(row):
        pk, publish_at, row_section_id, row_tag_ids = row
        return (pk in pinned_ids, len(tags.intersection(row_tag_ids)), row_section_id == section_id, publish_at, pk)

    return [row[0] for row in sorted(candidates, key=rank, reverse=True)[: SHOWN + 1]]


def _candidate_lists(request, tag_ids, section_id, read_now):
    """{list key: its rows} for the section and each tag, from their fragments. The first list not
    there reads every one of them at once, so a story with many tags still makes one query."""
    keys = [page_keys.section_key(section_id), *(page_keys.tag_key(tag_id) for tag_id in tag_ids)]
    lists_now = {}

    def read(key):
        if not lists_now:
            lists_now.update(_read_lists(tag_ids, section_id, read_now)[0])
        return lists_now[key]

    return {
        # A page showing the box shows the keys of its tags, which a change to the tags it ranks by changes.
        key: cached_fragment(
            request, f"related-candidates:{key}", lambda key=key: read(key), [key], unshown_keys=[page_keys.TAGGING]
        )
        for key in keys
    }


def _read_lists(tag_ids, section_id, read_now, pinned=None):
    """The lists of the section and each tag, and the rows of the articles `pinned`, in one query.
    A row is `(pk, publish_at, section_id, tag ids)`; the teasers read are kept in `read_now`."""
    rows, pinned_rows = [], []
    for teaser in Article.objects.newest_of_lists(tag_ids, section_id, CANDIDATES_PER_LIST, pinned):
        read_now[teaser.pk] = teaser
        tags = tuple(sorted(int(tag_id) for tag_id in teaser.tag_list.split(","))) if teaser.tag_list else ()
        row = (teaser.pk, teaser.publish_at, teaser.section_id, tags)
        (pinned_rows if teaser.is_pinned else rows).append(row)
    rows.sort(key=_newest_first)
    lists = {
        page_keys.tag_key(tag_id): [row for row in rows if tag_id in row[3]][:CANDIDATES_PER_LIST] for tag_id in tag_ids
    }
    lists[page_keys.section_key(section_id)] = [row for row in rows if row[2] == section_id][:CANDIDATES_PER_LIST]
    return lists, pinned_rows


def _newest_first(row):
    pk, publish_at, _section_id, _tag_ids = row
    return (-publish_at.timestamp(), -pk)
