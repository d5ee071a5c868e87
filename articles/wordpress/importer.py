"""The mapping of a WordPress export onto the editorial model.

The file is read twice, as a stream both times: first the site's authors,
categories and tags and every attachment (a featured image is often uploaded
after the post that shows it, so it comes later in the file), then the posts.
Each object remembers its WordPress id, so a second run finds what the first
made and changes only what differs. Each post is imported in one transaction
with everything that belongs to it (bylines, tags, old addresses, and its
comments through `post_importers`): a post that fails leaves nothing behind
and is reported.
"""

import email.utils
import html
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.text import Truncator, slugify
from taggit.models import Tag

from articles.html import readable_text
from articles.models import Article, Author, Byline, Image, OldAddress, Section
from articles.wordpress import body, wxr
from articles.wordpress.report import Report
from newsroom.text import clean_line, clean_text

IMAGE_EXTENSIONS = {".jpg", ".jpeg", ".png", ".gif", ".webp"}
BODY_IMAGE_WIDTH = 1280
STANDFIRST_LENGTH = 600
GENERATED_STANDFIRST_WORDS = 50
HEADLINE_LENGTH = 200
NO_DATE = "0000-00-00 00:00:00"
DEFAULT_SECTION = ("Uncategorized", "uncategorized")
_YOAST_VARIABLE = re.compile(r"%%[a-z_]+%%")
_FOUR_DIGIT_YEAR = re.compile(r"\s\d{4}\s")
_FIGURE = re.compile(r"<figure>.*?</figure>", re.DOTALL)

STATUSES = {
    "publish": Article.Status.PUBLISHED,
    "future": Article.Status.PUBLISHED,
    "draft": Article.Status.DRAFT,
    "pending": Article.Status.REVIEW,
}
NOT_IMPORTED_STATUSES = {
    "private": "private post not imported (readers of the new site could see it)",
    "trash": "post in the trash not imported",
    "auto-draft": "automatic draft not imported",
}
# Items WordPress exports that are not stories: read silently when they carry nothing a reader saw.
SILENT_POST_TYPES = {
    "revision",
    "nav_menu_item",
    "custom_css",
    "customize_changeset",
    "oembed_cache",
    "wp_global_styles",
}
GUEST_AUTHOR_TYPE = "guest-author"


def plain(fragment):
    """The text of an HTML fragment, entities decoded, on one line."""
    return clean_line(" ".join(html.unescape(re.sub(r"<[^>]*>", " ", fragment or "")).split()))


def parse_wordpress_time(value, assume_utc):
    """A `YYYY-MM-DD HH:MM:SS` time as WordPress stores it; None for its empty date."""
    value = (value or "").strip()
    if not value or value == NO_DATE:
        return None
    try:
        moment = datetime.strptime(value, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None
    if assume_utc:
        return moment.replace(tzinfo=UTC)
    return timezone.make_aware(moment, timezone.get_default_timezone())


def parse_rfc822(value):
    # Drafts carry "Mon, 30 Nov -0001 00:00:00 +0000", which is no date at all.
    if not _FOUR_DIGIT_YEAR.search(value or ""):
        return None
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return moment if moment and moment.tzinfo else None


def item_date(item):
    """When the post was published: its UTC time, else pubDate, else its local time in the site's time zone."""
    return (
        parse_wordpress_time(item.post_date_gmt, assume_utc=True)
        or parse_rfc822(item.pub_date)
        or parse_wordpress_time(item.post_date, assume_utc=False)
    )


def unique_slug(model, wanted, fallback, max_length, own_pk=None, field="slug"):
    base = (slugify(unquote(wanted or "")) or fallback)[:max_length].strip("-") or fallback
    candidate, number = base, 1
    taken = model.objects.exclude(pk=own_pk) if own_pk else model.objects.all()
    while taken.filter(**{field: candidate}).exists():
        number += 1
        suffix = f"-{number}"
        candidate = base[: max_length - len(suffix)] + suffix
    return candidate


def nicename(login):
    """The name WordPress gives a user in addresses (`/author/quinn-w/` for the login `quinn.w`)."""
    return slugify(login.replace(".", "-"))


def shortened(text, length):
    return text if len(text) <= length else Truncator(text).chars(length)


@dataclass
class Attachment:
    upload_key: str
    parent_id: int


class _PostImages:
    """The images one post's body refers to, as the body converter asks for them."""

    def __init__(self, importer, post_id):
        self.importer = importer
        self.post_id = post_id

    def by_id(self, attachment_id):
        return self.importer.image_ref(attachment_id)

    def by_url(self, url):
        attachment_id = self.importer.upload_keys.get(body.upload_key(url))
        return self.importer.image_ref(attachment_id) if attachment_id else None

    def attached_to(self):
        children = self.importer.children.get(self.post_id, [])
        return [ref for ref in map(self.importer.image_ref, children) if ref is not None]


class WordPressImport:
    """One import of one export file. `post_importers` are called inside each
    post's transaction as `import_related(article, item, wordpress_import)`
    (the comments are imported this way, by code that lives with the comments)."""

    def __init__(self, path, media_dir=None, dry_run=False, post_importers=(), progress=None):
        self.path = Path(path)
        self.media_dir = Path(media_dir) if media_dir else None
        self.dry_run = dry_run
        self.post_importers = post_importers
        self.progress = progress
        self.report = Report()
        self.site = wxr.Site()
        self.prefix = ""
        self.authors = {}
        self.categories = []
        self.categories_by_slug = {}
        self.tags = []
        self.sections = {}
        self.author_pks = {}
        self.guest_authors = {}
        self.attachments = {}
        self.upload_keys = {}
        self.children = {}
        self.image_ref = lru_cache(maxsize=2048)(self._image_ref)

    # The two passes

    def run(self):
        if not self.dry_run:
            # Each item commits on its own: an interrupted import keeps what it did, and running it again goes on.
            self._passes()
            return self.report
        # A dry run does all the work, and then takes it back.
        with transaction.atomic():
            self._passes()
            transaction.set_rollback(True)
        return self.report

    def _passes(self):
        self._pass(self._first_pass_record, "Reading sites, terms and images")
        self._pass(self._second_pass_record, "Importing posts")

    def _pass(self, handle, description):
        with self.path.open("rb") as raw:
            stream = wxr.XmlSafeStream(
                raw, on_progress=self.progress(description, self.path.stat().st_size) if self.progress else None
            )
            for record in wxr.read(stream):
                handle(record)
        if handle == self._first_pass_record:
            lines = f"line {', '.join(map(str, stream.lines_with_repairs))}"
            if stream.removed_characters:
                self.report.warn(f"characters XML forbids removed ({stream.removed_characters})", lines)
            if stream.replaced_bytes:
                self.report.warn(f"bytes that are not UTF-8 replaced by “\ufffd” ({stream.replaced_bytes})", lines)

    def _first_pass_record(self, record):
        if isinstance(record, wxr.Author):
            self.authors[record.login] = record
        elif isinstance(record, wxr.Term):
            (self.categories if record.taxonomy == "category" else self.tags).append(record)
        elif isinstance(record, wxr.Site):
            self.site = record
            self.prefix = urlsplit(record.base_blog_url or record.link).path.rstrip("/")
            with transaction.atomic():
                self._import_site_terms()
        elif isinstance(record, wxr.Item):
            if record.post_type == "attachment":
                self._atomically(self.import_attachment, record)
            elif record.post_type == GUEST_AUTHOR_TYPE:
                login = record.meta.get("cap-user_login") or record.slug.removeprefix("cap-")
                self.guest_authors[login] = plain(record.meta.get("cap-display_name") or record.title)

    def _second_pass_record(self, record):
        if isinstance(record, wxr.BrokenItem):
            self.report.skip("unreadable item", f"line {record.line}: {record.reason}")
        elif isinstance(record, wxr.Item):
            if record.post_type == "post":
                self._atomically(self.import_post, record)
            elif record.post_type == "page":
                self.report.skip("page not imported (only posts become articles)", record.label)
            elif record.post_type not in ("attachment", GUEST_AUTHOR_TYPE, *SILENT_POST_TYPES):
                self.report.skip(f"post type “{record.post_type}” not imported", record.label)

    def _atomically(self, import_item, item):
        try:
            with transaction.atomic():
                import_item(item)
        # Whatever breaks one item is reported with it; the export's other items are still imported.
        except Exception as error:
            self.report.skip("item could not be imported", f"{item.label}: {type(error).__name__}: {error}")
            # What the failed item made was rolled back with it: found again when next needed.
            self.author_pks.clear()
            self.sections.clear()
            self.image_ref.cache_clear()

    # Authors, sections and tags, from the channel's header

    def _import_site_terms(self):
        for login in self.authors:
            self.author_for(login)
        self.categories_by_slug = {term.slug: term for term in self.categories}
        for term in self.categories:
            self.section_for(term.slug)
        for term in self.tags:
            self.import_tag(term)

    def _save_changes(self, kind, instance, values, count=True):
        """Create or update `instance` with `values`: "created", "updated" or "unchanged", and counted so."""
        changed = [name for name, value in values.items() if getattr(instance, name) != value]
        for name in changed:
            setattr(instance, name, values[name])
        outcome = "created" if instance.pk is None else "updated" if changed else "unchanged"
        if outcome != "unchanged":
            instance.save()
        if count:
            self.report.count(kind, outcome)
        return outcome

    def author_for(self, login):
        """The author for a WordPress login (a user of the site, a guest author of Co-Authors Plus, or a
        name only dc:creator gives), made on first use."""
        login = clean_line(login).strip()[:60]
        if login in self.author_pks:
            return self.author_pks[login]
        known = self.authors.get(login)
        name = login
        if known:
            full_name = f"{known.first_name} {known.last_name}".strip()
            name = known.display_name or full_name or login
        elif login in self.guest_authors:
            name = self.guest_authors[login] or login
        name = plain(name)[:120] or login
        author = Author.objects.filter(wordpress_login=login).first()
        if author is None:
            author = Author.objects.filter(slug=nicename(login), wordpress_login=None).first() or Author()
        values = {"name": name, "wordpress_login": login}
        if author.pk is None:
            values["slug"] = unique_slug(Author, nicename(login), "author", 120)
        self._save_changes("authors", author, values)
        self._sync_old_addresses(author, [f"{self.prefix}/author/{nicename(login)}/"], "author")
        self.author_pks[login] = author.pk
        return author.pk

    def section_for(self, slug, name="", seen=()):
        """The section of a category, its parents first, made on first use."""
        if slug in self.sections:
            return self.sections[slug]
        term = self.categories_by_slug.get(slug)
        parent_pk = None
        if term and term.parent_slug and term.parent_slug != slug and term.parent_slug not in seen:
            parent_pk = self.section_for(term.parent_slug, seen=(*seen, slug))
        section = None
        if term and term.wordpress_id:
            section = Section.objects.filter(wordpress_id=term.wordpress_id).first()
        if section is None:
            section = Section.objects.filter(slug=slugify(unquote(slug)), wordpress_id=None).first() or Section()
        values = {
            "name": shortened(plain((term.name if term else name) or slug), 100),
            "description": plain(term.description) if term else section.description,
            "parent_id": parent_pk,
        }
        if term and term.wordpress_id:
            values["wordpress_id"] = term.wordpress_id
        if section.pk is None:
            values["slug"] = unique_slug(Section, slug, "section", 100)
        self._save_changes("sections", section, values)
        self.sections[slug] = section.pk
        paths = [f"{self.prefix}/category/{slug}/"]
        ancestry = self._category_path(slug)
        if ancestry != slug:
            paths.append(f"{self.prefix}/category/{ancestry}/")
        self._sync_old_addresses(section, paths, "section")
        return section.pk

    def _category_path(self, slug):
        parts, term = [slug], self.categories_by_slug.get(slug)
        while term and term.parent_slug and term.parent_slug not in parts:
            parts.insert(0, term.parent_slug)
            term = self.categories_by_slug.get(term.parent_slug)
        return "/".join(parts)

    def import_tag(self, term):
        name = shortened(plain(term.name), 100)
        if not name:
            return None
        tag = Tag.objects.filter(name=name).first()
        if tag is None:
            wanted = slugify(unquote(term.slug), allow_unicode=True)
            tag = Tag(name=name, slug="" if not wanted or Tag.objects.filter(slug=wanted).exists() else wanted)
            tag.save()
            self.report.count("tags", "created")
        else:
            self.report.count("tags", "unchanged")
        if term.slug:
            self._sync_old_addresses(tag, [f"{self.prefix}/tag/{term.slug}/"], "tag")
        return tag

    # Images

    def import_attachment(self, item):
        meta = item.meta
        key = body.upload_key(meta.get("_wp_attached_file") or item.attachment_url)
        self.attachments[item.wordpress_id] = Attachment(key, item.parent_id)
        if key:
            self.upload_keys[key] = item.wordpress_id
        if item.parent_id:
            self.children.setdefault(item.parent_id, []).append(item.wordpress_id)
        alt = shortened(clean_line(meta.get("_wp_attachment_image_alt", "")).strip(), 300)
        caption = shortened(plain(item.excerpt), 500)
        values = {"alt_text": alt or caption, "caption": caption}
        image = Image.objects.filter(wordpress_id=item.wordpress_id).first()
        if image is not None:
            self._save_changes("images", image, values)
            return
        relative = meta.get("_wp_attached_file") or unquote(urlsplit(item.attachment_url).path).split("/uploads/")[-1]
        if Path(relative).suffix.lower() not in IMAGE_EXTENSIONS:
            self.report.skip("attachment that is not an image not imported", f"{item.label} ({relative})")
            return
        if self.media_dir is None:
            self.report.skip("image not imported: no --media-dir given", item.label)
            return
        source = (self.media_dir / relative.lstrip("/")).resolve()
        if not source.is_relative_to(self.media_dir.resolve()) or not source.is_file():
            self.report.skip("image file missing from the media folder", f"{item.label} ({relative})")
            return
        if not values["alt_text"]:
            self.report.warn("image without alt text: add one in the admin", item.label)
        if self.dry_run:
            self.report.count("images", "created")
            return
        with source.open("rb") as file:
            image = Image(file=File(file, name=source.name), wordpress_id=item.wordpress_id, **values)
            try:
                image.full_clean(exclude=["alt_text"])
            except ValidationError as refusal:
                self.report.skip("image refused", f"{item.label}: {' '.join(refusal.messages)}")
                return
            image.save()
        self.report.count("images", "created")

    def _image_ref(self, attachment_id):
        if attachment_id not in self.attachments:
            return None
        image = Image.objects.filter(wordpress_id=attachment_id).first()
        if image is None:
            if self.dry_run and self.media_dir:
                return body.ImageRef(src=f"#attachment-{attachment_id}", original_url=f"#attachment-{attachment_id}")
            return None
        shown = image.rendition(BODY_IMAGE_WIDTH)
        return body.ImageRef(
            src=shown["url"],
            original_url=default_storage.url(image.file.name),
            alt=image.alt_text,
            caption=image.caption,
            width=shown["width"],
            height=shown["height"],
        )

    # Posts

    def import_post(self, item):
        if item.status in NOT_IMPORTED_STATUSES:
            self.report.skip(NOT_IMPORTED_STATUSES[item.status], item.label)
            return
        if item.status not in STATUSES:
            self.report.skip(f"post with status “{item.status}” not imported", item.label)
            return
        status = STATUSES[item.status]
        published = item_date(item) if status == Article.Status.PUBLISHED else None
        if status == Article.Status.PUBLISHED and published is None:
            self.report.skip("published post without a date", item.label)
            return
        article = Article.objects.filter(wordpress_id=item.wordpress_id).first() or Article()
        converted = body.convert(item.content, _PostImages(self, item.wordpress_id))
        self._report_body(item, converted)
        headline = shortened(plain(item.title), HEADLINE_LENGTH)
        if not headline:
            headline = "Untitled"
            self.report.warn("post without a title, headlined “Untitled”", item.label)
        values = {
            "headline": headline,
            "alternative_headline": self._seo_title(item, headline),
            "standfirst": self._standfirst(item, converted.html),
            "body": converted.html,
            "section_id": self._section_of(item),
            "status": status,
            "publish_at": published,
            "hero_image_id": self._hero_image(item),
            "comments_enabled": item.comment_status == "open",
            "wordpress_id": item.wordpress_id,
        }
        if published is not None:
            values["first_published_at"] = published
        if item.is_sticky:
            values["priority"] = max(article.priority, Article.Priority.FEATURED)
        if article.pk is None:
            values["slug"] = unique_slug(Article, item.slug or item.title, f"post-{item.wordpress_id}", 200)
        author_pks = self._bylines_of(item)
        tag_names = self._tags_of(item)
        outcome = self._save_changes("articles", article, values, count=False)
        # Both are synchronised whatever the other found.
        related_changed = self._sync_bylines(article, author_pks) | self._sync_tags(article, tag_names)
        self.report.count("articles", "updated" if outcome == "unchanged" and related_changed else outcome)
        self._sync_old_addresses(article, self._post_paths(item) if published else [], "article")
        for import_related in self.post_importers:
            import_related(article, item, self)

    def _report_body(self, item, converted):
        for name in sorted(converted.shortcodes):
            self.report.warn(f"shortcode [{name}] kept as text for an editor to fix", item.label)
        for source in sorted(converted.missing_images):
            self.report.warn(
                "image in a body not found in the export; it still points to the old site", f"{item.label}: {source}"
            )
        for tag in sorted(converted.dropped_markup):
            self.report.warn(f"<{tag}> markup the article body cannot hold was reduced to its text", item.label)
        if converted.embeds:
            self.report.warn("embedded frame made a link", item.label)
        if converted.tables:
            self.report.warn("table made one paragraph per row", item.label)

    @staticmethod
    def _seo_title(item, headline):
        title = plain(item.meta.get("_yoast_wpseo_title", ""))
        if not title:
            return ""
        title = _YOAST_VARIABLE.sub(" ", title.replace("%%title%%", headline))
        title = shortened(" ".join(title.split()).strip(" -|–—·"), HEADLINE_LENGTH)
        return "" if title == headline else title

    @staticmethod
    def _standfirst(item, body_html):
        standfirst = plain(item.excerpt) or plain(item.meta.get("_yoast_wpseo_metadesc", ""))
        if not standfirst:
            text_only = _FIGURE.sub(" ", body_html)
            standfirst = Truncator(readable_text(text_only)).words(GENERATED_STANDFIRST_WORDS)
        return clean_text(shortened(standfirst, STANDFIRST_LENGTH))

    def _section_of(self, item):
        categories = [term for term in item.terms if term.domain == "category"]
        primary = item.meta.get("_yoast_wpseo_primary_category", "").strip()
        if primary.isdigit():
            chosen = next((term for term in self.categories if term.wordpress_id == int(primary)), None)
            if chosen and any(term.slug == chosen.slug for term in categories):
                return self.section_for(chosen.slug)
        if categories:
            first = categories[0]
            return self.section_for(first.slug or slugify(plain(first.name)), name=plain(first.name))
        name, slug = DEFAULT_SECTION
        return self.section_for(slug, name=name)

    def _hero_image(self, item):
        thumbnail = item.meta.get("_thumbnail_id", "").strip()
        if not thumbnail.isdigit():
            return None
        image_pk = Image.objects.filter(wordpress_id=int(thumbnail)).values_list("pk", flat=True).first()
        if image_pk is None and not (self.dry_run and int(thumbnail) in self.attachments):
            self.report.warn("featured image not imported; the article has none", item.label)
        return image_pk

    def _bylines_of(self, item):
        co_authors = [term for term in item.terms if term.domain == "author"]
        logins = [clean_line(term.name).strip() or term.slug.removeprefix("cap-") for term in co_authors]
        if not logins and item.creator:
            logins = [item.creator]
        return list(dict.fromkeys(self.author_for(login) for login in logins if login.strip()))

    @staticmethod
    def _tags_of(item):
        names = (shortened(plain(term.name), 100) for term in item.terms if term.domain == "post_tag")
        return list(dict.fromkeys(name for name in names if name))

    @staticmethod
    def _sync_bylines(article, author_pks):
        current = list(article.bylines.order_by("position", "id").values_list("author_id", flat=True))
        if current == author_pks:
            return False
        article.bylines.all().delete()
        Byline.objects.bulk_create(
            Byline(article=article, author_id=author_pk, position=position)
            for position, author_pk in enumerate(author_pks)
        )
        return True

    @staticmethod
    def _sync_tags(article, names):
        current = set(article.tags.names())
        if current == set(names):
            return False
        if current:
            article.tags.set(names)
        else:
            # One change of the tags, so the search index is refreshed once, not for a removal of nothing too.
            article.tags.add(*names)
        return True

    def _post_paths(self, item):
        """Every address WordPress could have shown the post at: its permalink and the common structures."""
        paths = []
        for address in (item.link, item.guid):
            parts = urlsplit(address)
            if parts.path and not parts.query:
                paths.append(parts.path)
        local = parse_wordpress_time(item.post_date, assume_utc=False) or item_date(item)
        slug = item.slug
        if slug and local:
            local = timezone.localtime(local)
            paths += [
                f"{self.prefix}/{local:%Y/%m/%d}/{slug}/",
                f"{self.prefix}/{local:%Y/%m}/{slug}/",
                f"{self.prefix}/{slug}/",
            ]
        return paths

    def _sync_old_addresses(self, target, paths, field):
        """Point the given old paths at `target`; its paths no longer given are removed. A path
        another object already answers keeps answering for it."""
        wanted = {OldAddress.normalize(path) for path in paths}
        wanted = {path for path in wanted if path != "/" and len(path) <= 500}
        mine = OldAddress.objects.filter(**{field: target})
        current = set(mine.values_list("path", flat=True))
        stale = current - wanted
        if stale:
            mine.filter(path__in=stale).delete()
            self.report.count("old addresses", "updated", len(stale))
        missing = wanted - current
        taken = set(OldAddress.objects.filter(path__in=missing).values_list("path", flat=True))
        OldAddress.objects.bulk_create(OldAddress(path=path, **{field: target}) for path in sorted(missing - taken))
        self.report.count("old addresses", "created", len(missing - taken))
        self.report.count("old addresses", "unchanged", len(current & wanted))
