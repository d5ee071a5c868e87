"""The editorial model: sections, authors, images and articles."""

import functools
import math
import operator
from urllib.parse import unquote

import reversion
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import connections, models, transaction
from django.db.models import OuterRef, Q
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django_prose_editor.fields import ProseEditorField
from taggit.managers import TaggableManager, _TaggableManager
from taggit.models import Tag, TaggedItem

from articles import images
from articles.html import BODY_EDITOR_EXTENSIONS, readable_text, sanitize_body
from newsroom import uploads
from newsroom.models import SiteSettings, rows_from_furniture
from newsroom.queries import PreparedQuery
from newsroom.text import CleanCharField, CleanTextField, clean_line

WORDS_READ_PER_MINUTE = 230


class SectionQuerySet(models.QuerySet):
    def navigation(self):
        return self.filter(parent__isnull=True, show_in_navigation=True)

    def footer(self):
        return self.filter(show_in_footer=True)


class Section(models.Model):
    name = CleanCharField(max_length=100)
    slug = models.SlugField(max_length=100, unique=True)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="subsections",
        help_text="Leave empty for a top-level section.",
    )
    description = CleanTextField(blank=True, help_text="Shown on the section front and in its feed.")
    position = models.PositiveSmallIntegerField(default=0, help_text="Order in the navigation; lower comes first.")
    show_in_navigation = models.BooleanField(default=True, help_text="Listed in the header and on the front page.")
    show_in_footer = models.BooleanField(default=True)
    wordpress_id = models.PositiveBigIntegerField(
        null=True, blank=True, unique=True, editable=False, help_text="Its id on the WordPress site it came from."
    )

    objects = SectionQuerySet.as_manager()

    class Meta:
        ordering = ["position", "name"]

    def __str__(self):
        return f"{self.parent.name} › {self.name}" if self.parent_id and self.parent else self.name

    def get_absolute_url(self):
        return reverse("articles:section", kwargs={"slug": self.slug})

    def clean(self):
        ancestor = self.parent
        while ancestor is not None:
            if ancestor.pk == self.pk:
                raise ValidationError({"parent": "A section cannot sit inside itself."})
            ancestor = ancestor.parent


class Author(models.Model):
    name = CleanCharField(max_length=120)
    slug = models.SlugField(max_length=120, unique=True)
    bio = CleanTextField(blank=True)
    photo = models.ImageField(
        upload_to="authors/",
        blank=True,
        validators=[uploads.validate_upload],
        help_text="A square portrait works best.",
    )
    is_organization = models.BooleanField(
        default=False, help_text="Tick for a wire service or agency rather than a person."
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="author_profile",
        help_text="The staff account that writes as this author, if any.",
    )
    wordpress_login = models.CharField(
        max_length=60,
        null=True,
        blank=True,
        unique=True,
        editable=False,
        help_text="The user name on the WordPress site this author was imported from.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if self.photo and not getattr(self.photo, "_committed", True):
            self.photo = uploads.clean_upload(self.photo)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("articles:author", kwargs={"slug": self.slug})


class Image(models.Model):
    file = models.ImageField(
        upload_to="images/%Y/%m/",
        width_field="width",
        height_field="height",
        validators=[uploads.validate_upload],
        help_text="JPEG, PNG, WebP or GIF; metadata such as location is removed on upload.",
    )
    alt_text = CleanCharField(
        max_length=300, help_text="What the image shows, for readers who cannot see it. Required."
    )
    caption = CleanCharField(max_length=500, blank=True)
    credit = CleanCharField(max_length=200, blank=True, help_text="Photographer or agency.")
    width = models.PositiveIntegerField(editable=False, default=0)
    height = models.PositiveIntegerField(editable=False, default=0)
    renditions = models.JSONField(default=dict, editable=False)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    wordpress_id = models.PositiveBigIntegerField(
        null=True, blank=True, unique=True, editable=False, help_text="Its id on the WordPress site it came from."
    )

    class Meta:
        ordering = ["-uploaded_at"]

    def __str__(self):
        return self.alt_text[:80]

    def save(self, *args, **kwargs):
        file_replaced = bool(self.file) and not getattr(self.file, "_committed", True)
        if file_replaced:
            replaced_original = self.pk and type(self).objects.filter(pk=self.pk).values_list("file", flat=True).first()
            self.file = uploads.clean_upload(self.file)
        super().save(*args, **kwargs)
        if file_replaced or not self.renditions:
            images.generate_renditions(self)
        if file_replaced:
            images.delete_files_on_commit({replaced_original} - {self.file.name})

    def rendition(self, width):
        """The rendition for `width` pixels: the nearest stored size not smaller,
        else the largest, with its size and the URLs of its WebP and fallback files."""
        return images.rendition(self, f"width-{width}")

    def srcset(self, kind="fallback"):
        """Every rendition of one kind ("webp" or "fallback") as an HTML srcset value."""
        return images.srcset(self, kind)

    @cached_property
    def is_in_published_article(self):
        """Whether an article that is published, live or scheduled, shows this image: as its hero image,
        or in its body, which shows an uploaded image by the address of its file or of a rendition."""
        shown = Q(hero_image=self) | Q(body__contains=images.rendition_folder(self))
        if self.file.name:
            shown |= Q(body__contains=self.file.name)
        return Article.objects.filter(shown, status=Article.Status.PUBLISHED).exists()


def remove_files_of_deleted_image(sender, instance, **kwargs):
    """An image's files go with it: its original and every rendition its row records."""
    images.delete_files_on_commit({instance.file.name} | images.rendition_files(instance.renditions))


def _clean_tag_names(tags):
    return [clean_line(tag) if isinstance(tag, str) else tag for tag in tags]


class CleanlyNamedTags(_TaggableManager):
    """An article's tags, named by clean text (see newsroom.text) before they are
    looked up: a pasted "Climate<U+000B>change" is the existing tag "Climate
    change", not a new tag whose cleaned name would clash with it."""

    def add(self, *tags, **kwargs):
        return super().add(*_clean_tag_names(tags), **kwargs)

    def set(self, tags, **kwargs):
        return super().set(_clean_tag_names(tags), **kwargs)


# Kept for the search index alone: no page shows them, so pages never read them.
SEARCH_ONLY_FIELDS = ("body_text", "search_vector", "headline_vector")
# What only an article's own page shows.
TEXT_FIELDS = ("body", "key_points")


def _bylines_with_authors():
    return models.Prefetch("bylines", queryset=Byline.objects.select_related("author"))


def _was_prefetched(article, relation):
    return relation in getattr(article, "_prefetched_objects_cache", ())


def _article_content_type():
    """Articles' content type, the key of their tag links, as a subquery the database evaluates once
    rather than looked up first: a worker's first page then makes no extra query."""
    article_type = ContentType.objects.filter(app_label=Article._meta.app_label, model=Article._meta.model_name)
    return article_type.values("pk")[:1]


def _tag_links():
    """Articles' links to their tags."""
    return TaggedItem.objects.filter(content_type=_article_content_type())


_AUTHOR_FIELDS = ["id", "name", "slug", "is_organization"]
_TAG_FIELDS = ["id", "name", "slug"]


def _authors_and_tags_of(article_id):
    authors = (
        Author.objects.filter(bylines__article=article_id)
        .order_by()
        .values_list(models.Value("author"), *_AUTHOR_FIELDS, "bylines__position", "bylines__pk")
    )
    tags = (
        Tag.objects.filter(
            taggit_taggeditem_items__content_type=_article_content_type(),
            taggit_taggeditem_items__object_id=article_id,
        )
        .order_by()
        .values_list(models.Value("tag"), *_TAG_FIELDS, models.Value(False), models.Value(0), models.Value(0))
    )
    return authors.union(tags, all=True)


# An article page rendered afresh needs both, and building the two queries took longer than running them.
_AUTHORS_AND_TAGS = PreparedQuery(_authors_and_tags_of)


def authors_and_tags(article_id, using="default"):
    """([authors in byline order], [tags by name]) of one article, in one query."""
    rows = _AUTHORS_AND_TAGS.rows(article_id, using)
    bylines = sorted((row for row in rows if row[0] == "author"), key=lambda row: row[-2:])
    authors = [Author.from_db(using, _AUTHOR_FIELDS, row[1:5]) for row in bylines]
    tags = [Tag.from_db(using, _TAG_FIELDS, row[1:4]) for row in rows if row[0] == "tag"]
    return authors, sorted(tags, key=lambda tag: tag.name)


class _IdList(models.Aggregate):
    """The ids of a group, comma-separated, in no particular order."""

    function = "STRING_AGG"
    template = "%(function)s(CAST(%(expressions)s AS TEXT), ',')"
    output_field = models.TextField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, function="GROUP_CONCAT", template="%(function)s(%(expressions)s)")


class ListedArticles:
    """The articles of a page's lists, known by their ids until a teaser of one has to be rendered
    rather than taken from the fragment cache: then they are read together, in one query (bylines in
    one more, unless `with_bylines` is false). When the first teaser rendered replaces an older copy
    of it (`alone`), its story has just changed and the others' teasers are most likely still in the
    cache: it is read alone, and should a second be rendered too, the rest together. A list is read
    in at most two queries however long it is, and a page whose teasers all come from the cache reads
    no article, and builds no query either. `read`: those already read, all that will be."""

    def __init__(self, ids, with_bylines=True, read=None):
        self.ids = list(ids)
        self.with_bylines = with_bylines
        self.read = dict(read or {})
        self.looked_up = set(self.ids) if read is not None else set()

    def teasers(self, ids=None):
        """These ids (all of them unless given), as what the `teaser` template tag shows."""
        return [ListedArticle(pk, self) for pk in (self.ids if ids is None else ids)]

    def article(self, pk, alone=False):
        """The article `pk`, or None if the query that reads it no longer finds it."""
        if pk in self.looked_up:
            return self.read.get(pk)
        self.looked_up.add(pk)
        if alone and len(self.looked_up) == 1:
            # By a query built once per process, its byline read with its tags if shown: one teaser
            # of a list rendered again after an edit costs what the database takes, not the ORM.
            self.read[pk] = article_for_teaser(pk)
            return self.read[pk]
        wanted = [pk, *(other for other in self.ids if other not in self.looked_up)]
        published = Article.objects.published()
        queryset = published.for_listing() if self.with_bylines else published.for_teasers()
        self.read.update(queryset.in_bulk(wanted))
        self.looked_up.update(wanted)
        return self.read.get(pk)


class ListedArticle:
    """One article of a page's lists, by its id (see ListedArticles)."""

    __slots__ = ("pk", "listed")

    def __init__(self, pk, listed):
        self.pk = pk
        self.listed = listed

    def read(self, alone=False):
        return self.listed.article(self.pk, alone)


class ArticleQuerySet(models.QuerySet):
    def published(self):
        """The one definition of "visible to readers": published, its time come, no embargo still holding it
        back (even one published by mistake before its embargo ends) and not taken down."""
        now = timezone.now()
        return self.filter(
            Q(embargo_until__isnull=True) | Q(embargo_until__lte=now),
            status=Article.Status.PUBLISHED,
            publish_at__lte=now,
            taken_down_at__isnull=True,
        )

    def scheduled(self):
        return self.filter(status=Article.Status.PUBLISHED, publish_at__gt=timezone.now())

    def taken_down(self):
        return self.filter(taken_down_at__isnull=False)

    def for_listing(self):
        """What a list of article teasers needs, in a constant number of queries."""
        return self.for_teasers().prefetch_related(_bylines_with_authors())

    def for_teasers(self):
        """Teasers without their bylines (the related box shows none). A teaser never shows the
        article's text: twenty bodies are most of what a list would read."""
        return self.select_related("section", "hero_image").defer(*TEXT_FIELDS, *SEARCH_ONLY_FIELDS)

    def for_article_page(self):
        """The article, its section (and parent section) and hero image, in one
        query: what every request for its page needs. Its bylines, tags and corrections are read
        (`byline_authors`, `shown_tags`, `page_corrections`) only when its story is rendered afresh
        rather than taken from the fragment cache."""
        return self.select_related("section__parent", "hero_image").defer(*SEARCH_ONLY_FIELDS)

    def latest_by_section(self, sections, per_section=4, exclude=()):
        """[(section, [article ids…]), …] for the front page's section blocks, in one query."""
        if not sections:
            return []
        candidates = self.published().exclude(pk__in=exclude)
        if connections[self.db].vendor == "postgresql":
            # Each section's newest few as an array, from one subquery PostgreSQL runs once a section,
            # reading the section index rather than ranking the whole archive. Building the SQL is
            # what costs here: one correlated subquery is a third of the time a UNION of one
            # subquery a section took.
            newest = ArraySubquery(
                candidates.filter(section=OuterRef("pk")).order_by("-publish_at").values("pk")[:per_section]
            )
            chosen_ids = (
                Section.objects.filter(pk__in=[section.pk for section in sections])
                .annotate(newest=models.Func(newest, function="unnest"))
                .values("newest")
            )
            chosen = self.filter(pk__in=chosen_ids)
        else:
            # SQLite has no arrays; at its scale ranking every article is as good.
            ranked = candidates.filter(section__in=sections).annotate(
                rank=models.Window(
                    models.functions.RowNumber(),
                    partition_by=[models.F("section_id")],
                    order_by=models.F("publish_at").desc(),
                )
            )
            chosen = ranked.filter(rank__lte=per_section)
        by_section = {}
        for pk, section_id in chosen.order_by("-publish_at").values_list("pk", "section_id"):
            by_section.setdefault(section_id, []).append(pk)
        return [(section, by_section[section.pk]) for section in sections if section.pk in by_section]

    def newest_of_lists(self, tag_ids, section_id, count, pinned=None):
        """The newest `count` published articles of each tag of `tag_ids` and of the section
        `section_id`, and those `pinned`, as teasers, in one query: what "You May Also Like" chooses
        among (articles/related.py). Each carries `tag_list`, the ids of all its tags, comma-separated,
        and `is_pinned`."""
        newest = self.published().order_by("-publish_at", "-pk").values("pk")
        links = _tag_links()
        carries = [models.Exists(links.filter(object_id=OuterRef("pk"), tag_id=tag_id)) for tag_id in tag_ids]
        lists = [newest.filter(carries_tag)[:count] for carries_tag in carries]
        lists.append(newest.filter(section_id=section_id)[:count])
        if pinned is not None:
            lists.append(newest.filter(pk__in=pinned))
        if connections[self.db].features.supports_slicing_ordering_in_compound:
            # One UNION lets PostgreSQL fetch the few rows of each list by index.
            first, *others = lists
            among = Q(pk__in=first.union(*others, all=True))
        else:
            # SQLite refuses LIMIT inside a UNION; at its scale the OR is as good.
            among = functools.reduce(operator.or_, (Q(pk__in=rows) for rows in lists))
        tag_list = links.filter(object_id=OuterRef("pk")).order_by().values("object_id").annotate(ids=_IdList("tag_id"))
        is_pinned = models.Value(False) if pinned is None else models.Exists(pinned.filter(pk=OuterRef("pk")))
        return (
            self.filter(among)
            .for_teasers()
            .annotate(tag_list=models.Subquery(tag_list.values("ids")), is_pinned=is_pinned)
        )

    def upcoming_publications(self):
        """The publication times still to come, as a query the page cache can combine with others."""
        return self.scheduled().order_by().values_list("publish_at", flat=True)

    def upcoming_coverage_changes(self):
        """The times still to come at which live coverage starts or ends, as two queries the page cache can
        combine with others: the "Live" badge of the article's page and teasers changes then by itself."""
        now = timezone.now()
        published = self.filter(status=Article.Status.PUBLISHED, taken_down_at__isnull=True).order_by()
        return [
            published.filter(live_from__gt=now).values_list("live_from", flat=True),
            published.filter(live_until__gt=now).values_list("live_until", flat=True),
        ]

    def upcoming_embargo_ends(self):
        """The times still to come at which an embargo lifts from a published article, as a query the page
        cache can combine with others: the article appears then by itself."""
        return (
            self.filter(status=Article.Status.PUBLISHED, taken_down_at__isnull=True, embargo_until__gt=timezone.now())
            .order_by()
            .values_list("embargo_until", flat=True)
        )

    def refresh_search_index(self):
        """Bring the search index up to date with these articles' saved text and tags."""
        # Imported when called: the search imports this module.
        from articles.search import backend

        backend().refresh_index(self)


class EditConflict(Exception):
    """Someone else saved the article after the editor opened it."""

    def __init__(self, article):
        self.article = article
        who = (
            article.modified_by.get_full_name() or article.modified_by.get_username()
            if article.modified_by
            else "Someone"
        )
        when = timezone.localtime(article.modified_at).strftime("%Y-%m-%d %H:%M:%S %Z")
        super().__init__(
            f"{who} saved this article at {when}, after you opened it. Your changes were not saved "
            "so as not to overwrite theirs; they are still in the form below and kept in the "
            "article's history. Reload the article to see their version, then apply your changes again."
        )


# modified_at stays in each revision: restoring one writes the stored row back as it is, and the column
# cannot be empty. Its tags are kept with it as its links to them (taggit's TaggedItem rows).
@reversion.register(
    exclude=["version", "body_text", "search_vector", "headline_vector"],
    follow=["bylines", "corrections", "tagged_items"],
)
class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        REVIEW = "review", "In review"
        PUBLISHED = "published", "Published"

    class Priority(models.IntegerChoices):
        NORMAL = 0, "Normal"
        FEATURED = 1, "Featured"
        TOP_STORY = 2, "Top story"
        LEAD = 3, "Lead story"

    headline = CleanCharField(max_length=200)
    alternative_headline = CleanCharField(
        max_length=200, blank=True, help_text="A second, shorter headline for social media and search engines."
    )
    slug = models.SlugField(max_length=200, unique=True, help_text="The last part of the article's web address.")
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="articles")
    authors = models.ManyToManyField(Author, through="Byline", related_name="articles")
    standfirst = CleanTextField(
        max_length=600,
        help_text="One or two sentences summarising the story; shown in lists, feeds and search results.",
    )
    body = ProseEditorField(config={"extensions": BODY_EDITOR_EXTENSIONS}, sanitize=sanitize_body, blank=True)
    hero_image = models.ForeignKey(Image, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    hero_caption = CleanCharField(
        max_length=500, blank=True, help_text="Overrides the image's own caption for this article."
    )
    tags = TaggableManager(
        blank=True, manager=CleanlyNamedTags, help_text="Comma-separated; start typing for suggestions."
    )
    related_articles = models.ManyToManyField(
        "self", blank=True, symmetrical=False, help_text="Pinned at the top of “You May Also Like”."
    )

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    publish_at = models.DateTimeField(
        null=True, blank=True, help_text="When readers may see it. A time in the future schedules the article."
    )
    embargo_until = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Readers see nothing of the article before this time, even once it is published: "
        "not its page, nor any list, feed, sitemap or search.",
    )
    taken_down_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When it was removed from the site for legal reasons; its address answers 410 Gone.",
    )
    taken_down_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    takedown_reason = CleanTextField(blank=True, editable=False)
    first_published_at = models.DateTimeField(null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(null=True, blank=True, editable=False, help_text="Last reader-visible update.")
    priority = models.SmallIntegerField(
        choices=Priority.choices, default=Priority.NORMAL, help_text="Placement on the front page."
    )
    comments_enabled = models.BooleanField(default=True)
    live_from = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Makes the article live coverage from this time: its page carries timestamped updates "
        "(articles/live.py).",
    )
    live_until = models.DateTimeField(
        null=True, blank=True, help_text="When the live coverage ends; empty while it runs."
    )
    key_points = ProseEditorField(
        config={"extensions": BODY_EDITOR_EXTENSIONS},
        sanitize=sanitize_body,
        blank=True,
        help_text="Live coverage: the summary shown above the updates.",
    )

    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    modified_at = models.DateTimeField(auto_now=True)
    modified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    wordpress_id = models.PositiveBigIntegerField(
        null=True, blank=True, unique=True, editable=False, help_text="Its id on the WordPress site it came from."
    )

    # Whether it has corrections and pinned related articles, kept by `save()` and by their signals
    # (`note_page_details`): few articles have either, and looking for them costs its page a query each.
    has_corrections = models.BooleanField(default=False, editable=False)
    pins_related = models.BooleanField(default=False, editable=False)

    # Derived from the text on save, for search.
    body_text = models.TextField(blank=True, editable=False, help_text="The body's words without markup.")
    search_vector = SearchVectorField(null=True, editable=False)
    # The headlines alone: a story is found by its headline however many newer
    # stories mention the same words in their text.
    headline_vector = SearchVectorField(null=True, editable=False)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-publish_at", "-id"]
        indexes = [
            # On PostgreSQL these two also carry the embargo and takedown columns (migration 0012).
            models.Index(fields=["status", "-publish_at"], name="article_status_publish"),
            models.Index(fields=["section", "status", "-publish_at"], name="article_section_publish"),
            models.Index(fields=["-modified_at"], name="article_modified"),
            # The newest-first order of the admin's article list and the feeds, whatever the status.
            models.Index(fields=["-publish_at", "-id"], name="article_publish_order"),
            # The front page's editors' picks (priority above Priority.NORMAL, 0): few articles,
            # found without reading the others.
            models.Index(
                fields=["-priority", "-publish_at"], condition=Q(priority__gt=0), name="article_editors_picks"
            ),
            # The few embargoes still to lift, for the page cache's scheduled changes.
            models.Index(fields=["embargo_until"], condition=Q(embargo_until__isnull=False), name="article_embargoed"),
            # The few live articles, for the same: their coverage starts and ends change their badge.
            models.Index(fields=["live_from"], condition=Q(live_from__isnull=False), name="article_live_from"),
            models.Index(fields=["live_until"], condition=Q(live_until__isnull=False), name="article_live_until"),
        ]
        permissions = [("publish_article", "Can publish, schedule and unpublish articles")]

    def __str__(self):
        return self.headline

    def save(self, *args, **kwargs):
        self.body = sanitize_body(self.body)
        self.body_text = readable_text(self.body)
        if self.status == self.Status.PUBLISHED:
            self.publish_at = self.publish_at or timezone.now()
            self.first_published_at = self.first_published_at or self.publish_at
        with transaction.atomic():
            if self.pk:
                current = (
                    Article.objects.filter(pk=self.pk)
                    .annotate(**{f"now_{name}": flag for name, flag in _page_detail_flags().items()})
                    .values_list("version", "now_has_corrections", "now_pins_related")
                    .first()
                )
                if current:
                    version, self.has_corrections, self.pins_related = current
                    self.version = version + 1
            super().save(*args, **kwargs)
            former = getattr(self, "_saved_slug", None)
            if former and former != self.slug:
                FormerSlug.objects.update_or_create(slug=former, defaults={"article": self})
                FormerSlug.objects.filter(slug=self.slug).delete()
            self._saved_slug = self.slug
            Article.objects.filter(pk=self.pk).refresh_search_index()

    def get_absolute_url(self):
        return reverse("articles:article", kwargs={"section": self.section.slug, "slug": self.slug})

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._saved_slug = instance.__dict__.get("slug")
        return instance

    def clean(self):
        if self.status == self.Status.PUBLISHED and not self.standfirst:
            raise ValidationError({"standfirst": "A published article needs a standfirst."})
        if self.live_until and not self.live_from:
            raise ValidationError({"live_until": "Live coverage that ends needs a start."})
        if self.live_from and self.live_until and self.live_until <= self.live_from:
            raise ValidationError({"live_until": "The coverage must end after it starts."})

    def lock_for_edit(self, expected_version):
        """Refuse an edit made on top of a version someone else has since replaced.

        Called inside the saving transaction: the row stays locked until the
        save commits, so two simultaneous saves cannot both pass.
        """
        # Only the article's row is locked: the editor's row is on the nullable side of an outer join,
        # which PostgreSQL refuses to lock.
        current = (
            Article.objects.select_for_update(of=("self",))
            .select_related("modified_by")
            .only("version", "modified_at", "modified_by")
            .get(pk=self.pk)
        )
        if current.version != expected_version:
            raise EditConflict(current)

    @cached_property
    def page_corrections(self):
        """The corrections the article's page lists, oldest first."""
        return list(self.corrections.all()) if self.has_corrections else []

    def mark_updated(self):
        """Record a reader-visible update: changes the public "Updated" time."""
        self.updated_at = timezone.now()

    @property
    def is_published(self):
        """What ArticleQuerySet.published() says, of this one article."""
        now = timezone.now()
        return (
            self.status == self.Status.PUBLISHED
            and self.publish_at is not None
            and self.publish_at <= now
            and not self.is_embargoed
            and not self.is_taken_down
        )

    @property
    def is_embargoed(self):
        return self.embargo_until is not None and self.embargo_until > timezone.now()

    @property
    def is_taken_down(self):
        return self.taken_down_at is not None

    @property
    def is_scheduled(self):
        return self.status == self.Status.PUBLISHED and self.publish_at is not None and self.publish_at > timezone.now()

    @property
    def public_status(self):
        if self.is_taken_down:
            return "Taken down"
        status = "Scheduled" if self.is_scheduled else self.get_status_display()
        if self.is_embargoed:
            return f"{status} · {self.embargo_notice}"
        return status

    @property
    def embargo_notice(self):
        """ "Embargoed until 2026-12-01 14:00 CET", while the embargo holds; else empty."""
        if not self.is_embargoed:
            return ""
        return f"Embargoed until {timezone.localtime(self.embargo_until).strftime('%Y-%m-%d %H:%M %Z')}"

    @property
    def is_live_coverage(self):
        """Live coverage, whether it is still to start, running or ended."""
        return self.live_from is not None

    @property
    def coverage_is_running(self):
        now = timezone.now()
        return self.is_live_coverage and self.live_from <= now and (self.live_until is None or self.live_until > now)

    @property
    def coverage_has_ended(self):
        return self.is_live_coverage and self.live_until is not None and self.live_until <= timezone.now()

    @property
    def coverage_badge(self):
        """ "Live" while the coverage runs, "Coverage ended" after it; empty for any other article."""
        if self.coverage_is_running:
            return "Live"
        if self.coverage_has_ended:
            return "Coverage ended"
        return ""

    @property
    def word_count(self):
        return len(readable_text(self.body).split())

    @property
    def reading_minutes(self):
        return max(1, math.ceil(self.word_count / WORDS_READ_PER_MINUTE))

    @property
    def length_summary(self):
        """“412 words · 2 min read”, as the editors' form shows it beside the body."""
        words = self.word_count
        if not words:
            return "0 words"
        return f"{words} word{'' if words == 1 else 's'} · {self.reading_minutes} min read"

    @property
    def caption(self):
        return self.hero_caption or (self.hero_image.caption if self.hero_image else "")

    @property
    def tagged_items(self):
        """The article's links to its tags: taggit gives a model no relation to them that a revision could
        follow."""
        return TaggedItem.objects.filter(**TaggedItem.lookup_kwargs(self))

    @cached_property
    def byline_authors(self):
        """The authors in byline order: from the bylines a list prefetched with its articles, else read
        with its tags (an article's page: prefetching for one article costs more than the query)."""
        if _was_prefetched(self, "bylines"):
            return [byline.author for byline in self.bylines.all()]
        return self._authors_and_tags[0]

    @cached_property
    def shown_tags(self):
        """The tags readers see, by name: prefetched with a list (as `tags`), else read with its authors."""
        if _was_prefetched(self, "tags"):
            return sorted(self.tags.all(), key=lambda tag: tag.name)
        return self._authors_and_tags[1]

    @cached_property
    def _authors_and_tags(self):
        return authors_and_tags(self.pk, using=self._state.db or "default")

    @property
    def was_updated(self):
        return bool(self.updated_at and self.publish_at and self.updated_at > self.publish_at)


# The first query of every request for an article page, built once per process (newsroom/queries.py).
_ARTICLE_PAGE = PreparedQuery(lambda slug: Article.objects.for_article_page().filter(slug=slug))
_ARTICLE_TEASER = PreparedQuery(lambda pk: Article.objects.for_teasers().filter(pk=pk))


def article_for_page(slug):
    """The article at `slug`, read as its page needs it (`for_article_page`), or None."""
    found = _ARTICLE_PAGE.objects(slug)
    return found[0] if found else None


def article_for_teaser(pk):
    """The article `pk`, read as its teaser needs it (`for_teasers`), if readers may see it; else None.
    Whether they may is asked of the one row (`is_published`, the same test as `published()`), as
    for `article_for_page`."""
    found = _ARTICLE_TEASER.objects(pk)
    return found[0] if found and found[0].is_published else None


reversion.register(TaggedItem)


@reversion.register()
class Byline(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="bylines")
    author = models.ForeignKey(Author, on_delete=models.PROTECT, related_name="bylines")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["article", "author"], name="byline_unique_author")]

    def __str__(self):
        return self.author.name


@reversion.register()
class Correction(models.Model):
    class Kind(models.TextChoices):
        CORRECTION = "correction", "Correction"
        CLARIFICATION = "clarification", "Clarification"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="corrections")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.CORRECTION)
    text = CleanTextField()
    published_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["published_at"]

    def __str__(self):
        return f"{self.get_kind_display()} of {timezone.localdate(self.published_at)}"


def _page_detail_flags():
    """`Article.has_corrections` and `Article.pins_related` as the rows say, for a query of articles."""
    return {
        "has_corrections": models.Exists(Correction.objects.filter(article=OuterRef("pk"))),
        "pins_related": models.Exists(Article.related_articles.through.objects.filter(from_article=OuterRef("pk"))),
    }


def note_page_details(article_ids):
    """Bring the flags of these articles up to date with their corrections and pinned articles."""
    Article.objects.filter(pk__in=article_ids).update(**_page_detail_flags())


def _correction_changed(sender, instance, **kwargs):
    note_page_details([instance.article_id])


def _pins_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action in ("post_add", "post_remove", "post_clear"):
        # From the pinned article's side (rare) the stories changed are `pk_set`; a flag left set
        # after a clear from that side only costs its story one look.
        note_page_details((pk_set or []) if reverse else [instance.pk])


post_save.connect(_correction_changed, sender=Correction, dispatch_uid="article-has-corrections-save")
post_delete.connect(_correction_changed, sender=Correction, dispatch_uid="article-has-corrections-delete")
m2m_changed.connect(_pins_changed, sender=Article.related_articles.through, dispatch_uid="article-pins-related")


class FormerSlug(models.Model):
    """An address an article used to have; it answers with a permanent redirect."""

    slug = models.SlugField(max_length=200, unique=True)
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="former_slugs")

    def __str__(self):
        return self.slug


class OldAddress(models.Model):
    """An address of the site this one replaced (a WordPress permalink, category
    or author page…): it answers with a permanent redirect to what it showed,
    wherever that is now."""

    path = models.CharField(max_length=500, unique=True, help_text="Decoded, with its leading and trailing slash.")
    article = models.ForeignKey(Article, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    section = models.ForeignKey(Section, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(Author, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    tag = models.ForeignKey(Tag, null=True, blank=True, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name_plural = "old addresses"
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(article__isnull=False, section=None, author=None, tag=None)
                    | Q(article=None, section__isnull=False, author=None, tag=None)
                    | Q(article=None, section=None, author__isnull=False, tag=None)
                    | Q(article=None, section=None, author=None, tag__isnull=False)
                ),
                name="old_address_one_destination",
            )
        ]

    def __str__(self):
        return self.path

    @staticmethod
    def normalize(path):
        """The form paths are stored and looked up in: decoded, lower case, between slashes."""
        path = "/" + unquote(path).strip().strip("/").lower()
        return path if path == "/" else path + "/"

    def destination(self, feed=False):
        """Where the address leads now; for an old feed address, the feed of its section if it has one."""
        if self.article_id:
            return self.article.get_absolute_url() if self.article.is_published else None
        if self.section_id:
            name = "articles:section_feed" if feed else "articles:section"
            return reverse(name, kwargs={"slug": self.section.slug})
        if self.author_id:
            return self.author.get_absolute_url()
        return reverse("articles:tag", kwargs={"slug": self.tag.slug})


MAX_SEARCH_TERM_LENGTH = 40


class SearchTerm(models.Model):
    """A word from an article's headlines, standfirst or tags: the vocabulary that
    "did you mean" suggestions come from (PostgreSQL, by trigram similarity).

    Kept apart from the articles so that finding a similar word looks through
    one small indexed table, not 100,000 search vectors. Words are added, never
    removed: a suggestion is only offered when it finds published articles.
    """

    word = models.CharField(max_length=MAX_SEARCH_TERM_LENGTH, unique=True)

    def __str__(self):
        return self.word


def clean_tag_name(instance, **_signal_kwargs):
    """However a tag is saved (an article, the tag admin, an import), its name is clean text."""
    instance.name = clean_line(instance.name)


# Ad slots: editorial placement of advertising inside article bodies (articles/ads.py).


class AdSlotQuerySet(models.QuerySet):
    def active(self, at=None):
        at = at or timezone.now()
        return self.filter(
            Q(is_active=True),
            Q(starts_at__isnull=True) | Q(starts_at__lte=at),
            Q(ends_at__isnull=True) | Q(ends_at__gt=at),
        )

    def upcoming_window_changes(self):
        """The times still to come at which an ad starts or stops showing, as
        queries the page cache can combine with others."""
        now = timezone.now()
        active = self.filter(is_active=True).order_by()
        return [
            active.filter(starts_at__gt=now).values_list("starts_at", flat=True),
            active.filter(ends_at__gt=now).values_list("ends_at", flat=True),
        ]


class AdSlot(models.Model):
    class Placement(models.TextChoices):
        IN_ARTICLE = "in_article", "Inside the article body"

    name = models.CharField(max_length=100, help_text="For the ad team; never shown to readers.")
    placement = models.CharField(max_length=20, choices=Placement.choices, default=Placement.IN_ARTICLE)
    image = models.ImageField(upload_to="ads/", blank=True, validators=[uploads.validate_upload])
    image_alt = CleanCharField(max_length=200, blank=True, help_text="Required with an image.")
    link_url = models.URLField(blank=True)
    html = models.TextField(blank=True, help_text="Instead of an image: the ad's markup (sanitised; no scripts).")
    is_active = models.BooleanField(default=True)
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    max_per_article = models.PositiveSmallIntegerField(
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text="How many times this ad may appear in one article.",
    )
    position = models.PositiveSmallIntegerField(default=0)
    modified_at = models.DateTimeField(auto_now=True)

    objects = AdSlotQuerySet.as_manager()

    class Meta:
        ordering = ["position", "id"]
        # The table the site furniture app created, kept when ads moved to the editorial room.
        db_table = "newsroom_adslot"

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.html = sanitize_body(self.html)
        super().save(*args, **kwargs)

    # The ads article bodies may show are copied into the site settings row (newsroom.models.add_furniture):
    # an article page reads them with the settings, in their one query.
    FURNITURE_NAME = "in_article_ads"
    SHOWN_FIELDS = ["id", "image", "image_alt", "link_url", "html", "starts_at", "ends_at", "max_per_article"]

    @classmethod
    def furniture_rows(cls):
        return list(cls.objects.filter(is_active=True, placement=cls.Placement.IN_ARTICLE).values(*cls.SHOWN_FIELDS))

    @classmethod
    def in_articles_now(cls):
        """The ads showing in article bodies now, in their order."""
        now = timezone.now()
        ads = rows_from_furniture(cls, SiteSettings.current().furniture[cls.FURNITURE_NAME])
        return [ad for ad in ads if ad.is_showing(now)]

    def is_showing(self, at):
        """What `AdSlotQuerySet.active(at)` says, of this one ad."""
        return (
            self.is_active
            and (self.starts_at is None or self.starts_at <= at)
            and (self.ends_at is None or self.ends_at > at)
        )

    def clean(self):
        if not self.image and not self.html:
            raise ValidationError("An ad needs an image or markup.")
        if self.image and not self.image_alt:
            raise ValidationError({"image_alt": "Describe the ad image for readers who cannot see it."})
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": "The end must come after the start."})


# The desk: how the newsroom hands stories to one another (articles/desk.py). Internal: no public page,
# feed, search or preview reads these models, so saving them invalidates no cached page (see apps.py).


class EditorialNoteQuerySet(models.QuerySet):
    def open(self):
        return self.filter(resolved_at__isnull=True)

    def resolved(self):
        return self.filter(resolved_at__isnull=False)


class EditorialNote(models.Model):
    """A remark for colleagues about an article, kept beside it and never shown to readers."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="editorial_notes")
    text = CleanTextField(max_length=2000)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    written_at = models.DateTimeField(default=timezone.now, editable=False)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    resolved_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = EditorialNoteQuerySet.as_manager()

    class Meta:
        ordering = ["written_at", "id"]

    def __str__(self):
        return f"Note on “{self.article}” of {timezone.localtime(self.written_at):%Y-%m-%d %H:%M}"

    @property
    def is_resolved(self):
        return self.resolved_at is not None

    def resolve(self, user):
        self.resolved_by = user
        self.resolved_at = timezone.now()
        self.save(update_fields=["resolved_by", "resolved_at"])


class Assignment(models.Model):
    """Who an editor has given the article to, and by when. Kept apart from the article's own fields so
    that a restored revision never takes a story back from the person now working on it."""

    article = models.OneToOneField(Article, on_delete=models.CASCADE, related_name="assignment")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="article_assignments",
        limit_choices_to={"is_staff": True, "is_active": True},
        help_text="The colleague who works on the article next.",
    )
    due_at = models.DateTimeField(null=True, blank=True, help_text="When it should be ready.")
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    assigned_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["assignee", "due_at"], name="assignment_assignee_due")]

    def __str__(self):
        return f"Assigned to {self.assignee.get_full_name() or self.assignee.get_username()}"


# Defined beside the rest of the autosave; imported here so that Django finds the model.
from articles.autosave import EditSession  # noqa: E402, F401
from articles.live import LiveUpdate  # noqa: E402, F401
