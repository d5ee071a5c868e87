"""An article's revisions: every save is one (django-reversion keeps them, with the article's bylines,
corrections and links to its tags), any two can be compared, and any one restored.

What a restore brings back and what it keeps is decided here, once: the compare page lists its changes
from the same lists that `keep_on_restore` applies, so that it shows exactly what a restore will do.
The admin's views only check who may see or edit the article and call these.
"""

import datetime
import difflib
import re
from dataclasses import dataclass

import reversion
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import mark_safe
from reversion.models import Version
from taggit.models import Tag

from articles.html import paragraphs_text
from articles.models import SEARCH_ONLY_FIELDS, Article, Author, Byline, Correction, Image, Section

# What a restore brings back: the article's words, its pictures and its credits.
RESTORED_FIELDS = [
    "headline",
    "alternative_headline",
    "standfirst",
    "body",
    "hero_image",
    "hero_caption",
    "tags",
    "related_articles",
    "bylines",
    "corrections",
]
# What a restore keeps as it is now, shown on the compare page when the revision has it otherwise: where
# and whether the article is published (its section is part of its address), its place on the front page
# and whether readers may comment are decisions about the article today, not words of an earlier draft.
# Its embargo and a takedown, which no compare lists, are kept too: a restore brings back RESTORED_FIELDS only.
KEPT_ON_RESTORE = ["slug", "section", "status", "publish_at", "priority", "comments_enabled"]
# The order of the compare page, the form's. "body_markup" is the body's links, images and formatting,
# which its text alone would not show.
COMPARED = [
    "headline",
    "alternative_headline",
    "slug",
    "section",
    "standfirst",
    "body",
    "body_markup",
    "hero_image",
    "hero_caption",
    "tags",
    "related_articles",
    "bylines",
    "corrections",
    "status",
    "publish_at",
    "priority",
    "comments_enabled",
]
LABELS = {
    "body_markup": "body markup (links, images, formatting)",
    "bylines": "byline",
    "corrections": "corrections",
    "tags": "tags",
}
COMPARE_TEMPLATE = "admin/articles/article/compare.html"
HISTORY_TEMPLATE = "admin/articles/article/object_history.html"
# How many revisions the article's form lists; the full history page has them all.
RECENT_REVISIONS = 20
# Unchanged paragraphs shown around a changed one; longer runs of them are summed up in a line.
CONTEXT_LINES = 1
ELIDED = {"body", "body_markup"}
# Text compared word by word; the other fields' lines (an image, a name, a tag, a status) are each one thing,
# shown replaced whole.
COMPARED_BY_WORD = {"headline", "alternative_headline", "standfirst", "body", "hero_caption", "corrections"}
_TAG = re.compile(r"<[^>]+>")
# The word-level comparison lines up sentences first, of at most LONGEST_UNIT words; a changed stretch whose
# old and new words multiply past WORD_LEVEL_LIMIT is shown replaced whole (difflib's cost grows with it).
LONGEST_UNIT = 60
WORD_LEVEL_LIMIT = 250_000
PARAGRAPH_END = "\n"
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")
# A revision's id as the history page sends it; longer numbers are no id a database column holds.
_AN_ID = re.compile(r"[0-9]{1,18}")


def kept_columns():
    """Every column a restore leaves as it is now: KEPT_ON_RESTORE and the records nobody edits (first
    publication, versions, who created it). The search columns are derived from the body on save."""
    return [
        field.attname
        for field in Article._meta.concrete_fields
        if not field.primary_key and field.name not in RESTORED_FIELDS and field.name not in SEARCH_ONLY_FIELDS
    ]


def save_with_revision(article, user, comment):
    """Save a change made outside the article's form (a list action) as a revision of its own."""
    with transaction.atomic(), reversion.create_revision():
        reversion.set_user(user)
        reversion.set_comment(comment)
        article.save()


def file_refused_edit(article, user):
    """File an edit refused after a conflict in the article's history, so nothing typed is lost."""
    with transaction.atomic(), reversion.create_revision(manage_manually=True):
        reversion.set_user(user)
        reversion.set_comment(f"Refused edit by {user.get_username()} (kept after a conflict)")
        reversion.add_to_revision(article)


def keep_on_restore(article_before):
    """Put back what a restore keeps, once the revision's rows have been written over the article (in the
    same transaction)."""
    Article.objects.filter(pk=article_before.pk).update(
        **{name: getattr(article_before, name) for name in kept_columns()}
    )


def article_versions(article):
    return Version.objects.get_for_object(article).select_related("revision__user")


@dataclass
class ArticleState:
    """An article as one of its revisions recorded it, or as it is now, by the ids it refers to."""

    columns: dict
    tag_ids: list
    related_ids: list
    byline_author_ids: list
    corrections: list


def current_state(article):
    article = Article.objects.get(pk=article.pk)
    return ArticleState(
        columns={field.attname: getattr(article, field.attname) for field in Article._meta.concrete_fields},
        tag_ids=list(article.tagged_items.values_list("tag_id", flat=True)),
        related_ids=list(article.related_articles.values_list("pk", flat=True)),
        byline_author_ids=list(article.bylines.order_by("position", "pk").values_list("author_id", flat=True)),
        corrections=list(
            article.corrections.order_by("published_at", "pk").values_list("published_at", "kind", "text")
        ),
    )


def revision_state(version):
    """The article as `version` recorded it, with the bylines, corrections and tag links saved beside it."""
    article_pk = int(version.object_id)
    article_type = ContentType.objects.get_for_model(Article)
    columns = version.field_dict
    bylines, corrections, tag_ids = [], [], []
    for other in version.revision.version_set.all():
        model = other._model
        if model is Byline and other.field_dict["article_id"] == article_pk:
            bylines.append((other.field_dict["position"], int(other.object_id), other.field_dict["author_id"]))
        elif model is Correction and other.field_dict["article_id"] == article_pk:
            fields = other.field_dict
            corrections.append((fields["published_at"], int(other.object_id), fields["kind"], fields["text"]))
        elif model is Article._meta.get_field("tags").through:
            fields = other.field_dict
            if fields["content_type_id"] == article_type.pk and fields["object_id"] == article_pk:
                tag_ids.append(fields["tag_id"])
    return ArticleState(
        columns=columns,
        tag_ids=tag_ids,
        related_ids=list(columns.get("related_articles", [])),
        byline_author_ids=[author_id for _position, _pk, author_id in sorted(bylines)],
        corrections=[(published_at, kind, text) for published_at, _pk, kind, text in sorted(corrections)],
    )


class Names:
    """What the ids of several states stand for, read in one query a model whatever their number."""

    def __init__(self, states):
        def ids(pick):
            return {item for state in states for item in pick(state) if item is not None}

        self.authors = dict(Author.objects.filter(pk__in=ids(lambda s: s.byline_author_ids)).values_list("pk", "name"))
        self.tags = dict(Tag.objects.filter(pk__in=ids(lambda s: s.tag_ids)).values_list("pk", "name"))
        self.articles = dict(Article.objects.filter(pk__in=ids(lambda s: s.related_ids)).values_list("pk", "headline"))
        self.sections = dict(
            Section.objects.filter(pk__in=ids(lambda s: [s.columns.get("section_id")])).values_list("pk", "name")
        )
        self.images = Image.objects.only("pk", "file", "alt_text", "width", "height").in_bulk(
            ids(lambda s: [s.columns.get("hero_image_id")])
        )


def shown_time(value):
    """Times are shown in the site's zone to the second, as the admin edits them: a revision keeps them in
    another zone and to the millisecond, which is no change."""
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S %Z")
    return ""


def image_text(image):
    """Two images with the same alt text are still two images: the description names the file."""
    if image is None:
        return ""
    name = image.file.name.rsplit("/", 1)[-1]
    return f"Image {image.pk}: {image.alt_text} ({name}, {image.width}×{image.height})"


def described(state, names):
    """Each COMPARED field of `state` as the text the compare page shows and compares, lines apart."""
    columns = state.columns

    def choice_label(field_name):
        return str(dict(Article._meta.get_field(field_name).flatchoices).get(columns.get(field_name), ""))

    body = columns.get("body") or ""
    return {
        "headline": columns.get("headline") or "",
        "alternative_headline": columns.get("alternative_headline") or "",
        "slug": columns.get("slug") or "",
        "section": names.sections.get(columns.get("section_id"), ""),
        "standfirst": columns.get("standfirst") or "",
        "body": paragraphs_text(body),
        "body_markup": "\n".join(_TAG.findall(body)),
        "body_source": body,
        "hero_image": image_text(names.images.get(columns.get("hero_image_id"))),
        "hero_caption": columns.get("hero_caption") or "",
        "tags": "\n".join(sorted((names.tags[pk] for pk in state.tag_ids if pk in names.tags), key=str.casefold)),
        "related_articles": "\n".join(sorted(names.articles[pk] for pk in state.related_ids if pk in names.articles)),
        "bylines": "\n".join(names.authors[pk] for pk in state.byline_author_ids if pk in names.authors),
        "corrections": "\n".join(
            f"{Correction.Kind(kind).label} of {shown_time(published_at)}: {' '.join(text.split())}"
            for published_at, kind, text in state.corrections
        ),
        "status": choice_label("status"),
        "publish_at": shown_time(columns.get("publish_at")),
        "priority": choice_label("priority"),
        "comments_enabled": "Open" if columns.get("comments_enabled") else "Closed",
    }


def label(name):
    if name in LABELS:
        return LABELS[name]
    return str(Article._meta.get_field(name).verbose_name)


@dataclass(frozen=True)
class Change:
    """One field that differs between two states of the article: `before` becomes `after`."""

    name: str
    label: str
    before: str
    after: str
    kept: bool = False

    @property
    def diff(self):
        return word_diff(self.before, self.after, elide=self.name in ELIDED, by_word=self.name in COMPARED_BY_WORD)


def changes_between(before, after, *, restoring=False):
    """The COMPARED fields that differ from `before` to `after`. The body's markup is listed when the text
    does not show its difference (a changed link, an image, bold), so no difference goes unlisted."""
    changes = []
    for name in COMPARED:
        if name == "body_markup":
            texts_differ = before["body"] != after["body"]
            sources_differ = before["body_source"] != after["body_source"]
            if not sources_differ or (texts_differ and before[name] == after[name]):
                continue
        elif before[name] == after[name]:
            continue
        kept = restoring and name in KEPT_ON_RESTORE
        changes.append(Change(name, label(name), before[name], after[name], kept))
    return changes


def restore_preview(article, version):
    """What restoring `version` would do to the article: (changes a restore makes, differences it keeps)."""
    now, then = current_state(article), revision_state(version)
    names = Names([now, then])
    changes = changes_between(described(now, names), described(then, names), restoring=True)
    return [change for change in changes if not change.kept], [change for change in changes if change.kept]


def revision_changes(older, newer):
    """What changed from the revision `older` to the revision `newer`."""
    states = [revision_state(older), revision_state(newer)]
    names = Names(states)
    return changes_between(*(described(state, names) for state in states))


def _line_units(text):
    """Each line one token: compared whole."""
    return [(" ".join(line.split()), PARAGRAPH_END) for line in text.splitlines()]


def _units(text):
    """The text as the diff lines it up: sentences of at most LONGEST_UNIT words, the last of each
    paragraph carrying its end as a token. Lining up short units first keeps the word-level comparison
    small whatever the length of a paragraph."""
    units = []
    for paragraph in text.splitlines():
        pieces = [
            tuple(words[start : start + LONGEST_UNIT])
            for words in (sentence.split() for sentence in _SENTENCE_END.split(paragraph))
            for start in range(0, len(words), LONGEST_UNIT)
        ] or [()]
        units.extend(pieces[:-1])
        units.append((*pieces[-1], PARAGRAPH_END))
    return units


def _diff_runs(old_units, new_units):
    """(kind, tokens) of `old_units` turned into `new_units`: kind is "equal", "delete" or "insert"."""
    for tag, old_start, old_end, new_start, new_end in difflib.SequenceMatcher(
        None, old_units, new_units
    ).get_opcodes():
        old_block, new_block = old_units[old_start:old_end], new_units[new_start:new_end]
        if tag == "equal":
            yield "equal", [token for unit in old_block for token in unit]
        elif len(old_block) == len(new_block):
            # As many sentences changed as replaced them: each is compared with its counterpart.
            for old_unit, new_unit in zip(old_block, new_block, strict=True):
                yield from _word_runs(list(old_unit), list(new_unit))
        else:
            yield from _word_runs(
                [token for unit in old_block for token in unit], [token for unit in new_block for token in unit]
            )


def _word_runs(old, new):
    if len(old) * len(new) > WORD_LEVEL_LIMIT:
        # Rewritten throughout: comparing word by word would cost much and show little.
        yield "delete", old
        yield "insert", new
        return
    for tag, old_start, old_end, new_start, new_end in difflib.SequenceMatcher(None, old, new).get_opcodes():
        if tag == "equal":
            yield "equal", old[old_start:old_end]
        else:
            yield "delete", old[old_start:old_end]
            yield "insert", new[new_start:new_end]


def _paragraphs(runs):
    """The runs regrouped by paragraph: (whether it changed, [(kind, words), …]) for each."""
    paragraphs, current = [], []
    for kind, tokens in runs:
        for token in tokens:
            if token == PARAGRAPH_END:
                if kind != "equal" and any(run_kind == "equal" for run_kind, _words in current):
                    # A paragraph split or joined: the break itself is what changed.
                    current.append((kind, ["¶"]))
                paragraphs.append(current)
                current = []
            elif current and current[-1][0] == kind:
                current[-1][1].append(token)
            else:
                current.append((kind, [token]))
    if current:
        paragraphs.append(current)
    return [(any(kind != "equal" for kind, _words in runs), runs) for runs in paragraphs]


def _marked(kind, words):
    text = " ".join(words)
    if kind == "delete":
        return format_html("<del>{}</del>", text)
    if kind == "insert":
        return format_html("<ins>{}</ins>", text)
    return escape(text)


def word_diff(before, after, *, elide=False, by_word=True):
    """HTML of `before` turned into `after`, a paragraph a line, the changed words marked as <del> and <ins>
    (escaped); without `by_word`, changed lines are marked whole. With `elide`, long runs of unchanged
    paragraphs are summed up in a line."""
    units = _units if by_word else _line_units
    rendered = [
        (changed, mark_safe(" ".join(_marked(kind, words) for kind, words in runs)))
        for changed, runs in _paragraphs(_diff_runs(units(before), units(after)))
    ]
    if elide:
        rendered = _elided(rendered)
    line_classes = {False: "revision-diff__line", True: "revision-diff__line revision-diff__line--changed"}
    return format_html_join("", '<p class="{}">{}</p>', ((line_classes[changed], html) for changed, html in rendered))


def _elided(rendered):
    changed_at = [number for number, (changed, _html) in enumerate(rendered) if changed]
    shown = {
        number
        for at in changed_at
        for number in range(max(at - CONTEXT_LINES, 0), min(at + CONTEXT_LINES + 1, len(rendered)))
    }
    kept, skipped = [], 0
    for number, line in enumerate(rendered):
        if number in shown:
            if skipped:
                kept.append((False, _skipped_note(skipped)))
                skipped = 0
            kept.append(line)
        else:
            skipped += 1
    if skipped:
        kept.append((False, _skipped_note(skipped)))
    return kept


def _skipped_note(count):
    return format_html('<span class="revision-diff__skipped">… {} unchanged line{} …</span>', count, "s" * (count != 1))


# The history page's choice of the current article rather than a revision.
CURRENT = "current"


def pick_url(article):
    return reverse("admin:articles_article_compare_pick", args=[article.pk])


def picked_compare_url(article, older, newer):
    """The page comparing the two choices of the history page (revision ids, or CURRENT for the newer), or
    None when they are not two different revisions of this article."""
    if not _AN_ID.fullmatch(older) or not (_AN_ID.fullmatch(newer) or newer == CURRENT) or older == newer:
        return None
    chosen = [int(older)] if newer == CURRENT else [int(older), int(newer)]
    if article_versions(article).filter(pk__in=chosen).count() != len(chosen):
        return None
    if newer == CURRENT:
        return reverse("admin:articles_article_compare", args=[article.pk, *chosen])
    return reverse("admin:articles_article_compare_revisions", args=[article.pk, *chosen])


@dataclass(frozen=True)
class HistoryEntry:
    version: Version
    compare_url: str
    restore_url: str


def history_entries(article, versions, *, can_restore):
    return [
        HistoryEntry(
            version,
            reverse("admin:articles_article_compare", args=[article.pk, version.pk]),
            reverse("admin:articles_article_revision", args=[article.pk, version.pk]) if can_restore else "",
        )
        for version in versions
    ]


def restore_preview_context(article, version, *, can_restore):
    """What COMPARE_TEMPLATE shows for a revision against the current article, besides the admin's own page
    furniture."""
    changes, kept = restore_preview(article, version)
    return {
        "article": article,
        "older": version,
        "newer": None,
        "changes": changes,
        "kept_changes": kept,
        "title": f"Compare: {article.headline}",
        "restore_url": reverse("admin:articles_article_revision", args=[article.pk, version.pk]) if can_restore else "",
        "history_url": reverse("admin:articles_article_history", args=[article.pk]),
    }


def revisions_compared_context(article, older, newer):
    """What COMPARE_TEMPLATE shows for two revisions, the earlier first."""
    if (older.revision.date_created, older.pk) > (newer.revision.date_created, newer.pk):
        older, newer = newer, older
    return {
        "article": article,
        "older": older,
        "newer": newer,
        "changes": revision_changes(older, newer),
        "kept_changes": [],
        "title": f"Compare: {article.headline}",
        "history_url": reverse("admin:articles_article_history", args=[article.pk]),
        "older_preview_url": reverse("admin:articles_article_compare", args=[article.pk, older.pk]),
        "newer_preview_url": reverse("admin:articles_article_compare", args=[article.pk, newer.pk]),
    }


def recent_revisions_html(article):
    """The article's latest revisions, each with a link comparing it with the current article."""
    versions = article_versions(article)[:RECENT_REVISIONS]
    return format_html(
        "<ul>{}</ul><p><a href='{}'>Full history: compare any two revisions, restore one</a></p>",
        format_html_join(
            "",
            "<li>{} — {} — {} · <a href='{}'>compare with current</a></li>",
            (
                (
                    timezone.localtime(version.revision.date_created).strftime("%Y-%m-%d %H:%M"),
                    version.revision.user or "system",
                    version.revision.get_comment() or "saved",
                    reverse("admin:articles_article_compare", args=[article.pk, version.pk]),
                )
                for version in versions
            ),
        ),
        reverse("admin:articles_article_history", args=[article.pk]),
    )
