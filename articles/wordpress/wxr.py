"""Reading a WXR file as a stream of plain records.

WordPress writes its export as it finds the text in its database, so a real
export is often not well-formed XML: a control character pasted into a post
(Word's line break, U+000B) or a byte that is not UTF-8 makes a strict parser
give up on the whole file. `XmlSafeStream` sits between the file and the
parser and hands on only what XML 1.0 allows, counting what it changed, so the
importer can report it instead of failing.

Elements are converted to the dataclasses below as soon as they end and are
cleared at once, so memory stays bounded however large the export.
"""

import codecs
import re
from dataclasses import dataclass, field

from lxml import etree

from newsroom.text import NEEDS_CLEANING, clean_text

CHUNK_BYTES = 1 << 16
# What the stream repairs: the characters newsroom.text cleans from editorial text (those XML 1.0
# forbids; Word's line and page breaks become newlines) and U+FFFD, which stands for invalid bytes.
_REPAIRED = re.compile(f"{NEEDS_CLEANING.pattern}|\ufffd")
MAX_LINES_NOTED = 10
_DECLARED_ENCODING = re.compile(rb"""^(\s*<\?xml[^>]*?encoding\s*=\s*["'])([A-Za-z0-9._-]+)(["'])""")
WORDPRESS_NAMESPACE_PREFIX = "http://wordpress.org/export/"


class XmlSafeStream:
    """A file-like reader that yields the file re-encoded as UTF-8 with every
    character XML 1.0 forbids removed and every invalid byte sequence
    replaced by U+FFFD. The file's declared encoding is honoured."""

    def __init__(self, raw, on_progress=None):
        self.raw = raw
        self.on_progress = on_progress
        self.removed_characters = 0
        self.replaced_bytes = 0
        self.lines_with_repairs = []
        self._decoder = None
        self._line = 1
        self._pending = b""

    def _start(self, head):
        """Read the declaration from the first chunk: decode by the encoding it
        names and rewrite it as UTF-8, which is what the parser is given."""
        match = _DECLARED_ENCODING.match(head)
        encoding = "utf-8"
        if match:
            try:
                encoding = codecs.lookup(match.group(2).decode("ascii")).name
            except LookupError:
                encoding = "utf-8"
            head = match.group(1) + b"UTF-8" + match.group(3) + head[match.end() :]
        if head.startswith(codecs.BOM_UTF8):
            head = head[len(codecs.BOM_UTF8) :]
        self._decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
        return head

    def _note_repairs(self, text):
        for match in _REPAIRED.finditer(text):
            if match.group() == "\ufffd":
                self.replaced_bytes += 1
            else:
                self.removed_characters += 1
            if len(self.lines_with_repairs) < MAX_LINES_NOTED:
                line = self._line + text.count("\n", 0, match.start())
                if line not in self.lines_with_repairs:
                    self.lines_with_repairs.append(line)

    def read(self, size=-1):
        chunk = self.raw.read(CHUNK_BYTES if size is None or size < 0 else max(size, 1))
        if self.on_progress and chunk:
            self.on_progress(len(chunk))
        if self._decoder is None:
            if not chunk:
                return b""
            chunk = self._start(chunk)
        text = self._decoder.decode(chunk, final=not chunk)
        if "\ufffd" in text or NEEDS_CLEANING.search(text):
            self._note_repairs(text)
            text = clean_text(text)
        self._line += text.count("\n")
        return text.encode("utf-8")


@dataclass
class Author:
    login: str
    display_name: str = ""
    email: str = ""
    first_name: str = ""
    last_name: str = ""
    wordpress_id: int | None = None


@dataclass
class Term:
    """A category, a tag or another taxonomy's term."""

    taxonomy: str
    slug: str
    name: str
    parent_slug: str = ""
    description: str = ""
    wordpress_id: int | None = None


@dataclass
class Comment:
    wordpress_id: int
    author_name: str = ""
    author_email: str = ""
    author_url: str = ""
    author_ip: str = ""
    date: str = ""
    date_gmt: str = ""
    content: str = ""
    approved: str = "0"
    comment_type: str = ""
    parent_id: int = 0
    user_id: int = 0


@dataclass
class ItemTerm:
    """A term an item is filed under: `<category domain="post_tag" nicename="…">Name</category>`."""

    domain: str
    slug: str
    name: str


@dataclass
class Item:
    """A post, page or attachment (`<item>`), with its terms, metadata and comments."""

    wordpress_id: int | None
    post_type: str = "post"
    title: str = ""
    link: str = ""
    guid: str = ""
    pub_date: str = ""
    creator: str = ""
    content: str = ""
    excerpt: str = ""
    post_date: str = ""
    post_date_gmt: str = ""
    comment_status: str = "open"
    slug: str = ""
    status: str = ""
    parent_id: int = 0
    is_sticky: bool = False
    attachment_url: str = ""
    terms: list[ItemTerm] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)
    comments: list[Comment] = field(default_factory=list)
    line: int = 0

    @property
    def label(self):
        title = " ".join(self.title.split())
        shown = f"“{title[:60]}”" if title else "(untitled)"
        return f"{self.post_type} {self.wordpress_id} {shown}"


@dataclass
class Site:
    """What the channel says about the site as a whole."""

    title: str = ""
    link: str = ""
    base_site_url: str = ""
    base_blog_url: str = ""
    wxr_version: str = ""


class BrokenItem(Exception):
    """An item that cannot be read (a missing or malformed id)."""

    def __init__(self, line, reason):
        self.line = line
        self.reason = reason
        super().__init__(f"item at line {line}: {reason}")


def _local(tag):
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _text(element):
    return "".join(element.itertext()) if element is not None else ""


def _integer(value, what):
    value = (value or "").strip()
    if not value:
        return 0
    if not value.isdigit():
        raise ValueError(f"{what} is not a number: {value[:40]!r}")
    return int(value)


def _children(element):
    """{local name: text} of an element's direct children, the first of each name."""
    found = {}
    for child in element:
        name = _local(child.tag)
        if name and name not in found:
            found[name] = _text(child)
    return found


def _author(element):
    values = _children(element)
    return Author(
        login=values.get("author_login", "").strip(),
        display_name=values.get("author_display_name", "").strip(),
        email=values.get("author_email", "").strip(),
        first_name=values.get("author_first_name", "").strip(),
        last_name=values.get("author_last_name", "").strip(),
        wordpress_id=_integer(values.get("author_id"), "author id") or None,
    )


def _term(element):
    values = _children(element)
    kind = _local(element.tag)
    if kind == "category":
        return Term(
            "category",
            values.get("category_nicename", "").strip(),
            values.get("cat_name", "").strip(),
            values.get("category_parent", "").strip(),
            values.get("category_description", ""),
            _integer(values.get("term_id"), "term id") or None,
        )
    if kind == "tag":
        return Term(
            "post_tag",
            values.get("tag_slug", "").strip(),
            values.get("tag_name", "").strip(),
            "",
            values.get("tag_description", ""),
            _integer(values.get("term_id"), "term id") or None,
        )
    return Term(
        values.get("term_taxonomy", "").strip(),
        values.get("term_slug", "").strip(),
        values.get("term_name", "").strip(),
        values.get("term_parent", "").strip(),
        values.get("term_description", ""),
        _integer(values.get("term_id"), "term id") or None,
    )


def _comment(element):
    values = _children(element)
    return Comment(
        wordpress_id=_integer(values.get("comment_id"), "comment id"),
        author_name=values.get("comment_author", "").strip(),
        author_email=values.get("comment_author_email", "").strip(),
        author_url=values.get("comment_author_url", "").strip(),
        author_ip=values.get("comment_author_IP", "").strip(),
        date=values.get("comment_date", "").strip(),
        date_gmt=values.get("comment_date_gmt", "").strip(),
        content=values.get("comment_content", ""),
        approved=values.get("comment_approved", "0").strip(),
        comment_type=values.get("comment_type", "").strip(),
        parent_id=_integer(values.get("comment_parent"), "comment parent"),
        user_id=_integer(values.get("comment_user_id"), "comment user id"),
    )


def _item(element):
    item = Item(wordpress_id=None, line=element.sourceline or 0)
    simple = {
        "title": "title",
        "link": "link",
        "guid": "guid",
        "pubDate": "pub_date",
        "creator": "creator",
        "post_date": "post_date",
        "post_date_gmt": "post_date_gmt",
        "comment_status": "comment_status",
        "post_name": "slug",
        "status": "status",
        "post_type": "post_type",
        "attachment_url": "attachment_url",
    }
    try:
        for child in element:
            name = _local(child.tag)
            namespace = etree.QName(child.tag).namespace if isinstance(child.tag, str) else None
            if name == "encoded":
                # content:encoded is the post, excerpt:encoded its excerpt.
                if namespace and "excerpt" in namespace:
                    item.excerpt = _text(child)
                else:
                    item.content = _text(child)
            elif name == "post_id":
                item.wordpress_id = _integer(_text(child), "post id") or None
            elif name == "post_parent":
                item.parent_id = _integer(_text(child), "post parent")
            elif name == "is_sticky":
                item.is_sticky = _text(child).strip() == "1"
            elif name == "category":
                item.terms.append(
                    ItemTerm(child.get("domain", "category"), (child.get("nicename") or "").strip(), _text(child))
                )
            elif name == "postmeta":
                values = _children(child)
                item.meta.setdefault(values.get("meta_key", ""), values.get("meta_value", ""))
            elif name == "comment":
                item.comments.append(_comment(child))
            elif name in simple:
                value = _text(child)
                setattr(item, simple[name], value if name == "title" else value.strip())
    except ValueError as error:
        raise BrokenItem(item.line, str(error)) from None
    if item.wordpress_id is None:
        raise BrokenItem(item.line, "it has no wp:post_id")
    return item


def _release(element):
    """Free an element and everything before it: nothing already read stays in memory."""
    element.clear(keep_tail=False)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


_SITE_FIELDS = ("base_site_url", "base_blog_url", "wxr_version")
_HEADER = {"author", "category", "tag", "term", "base_site_url", "base_blog_url", "wxr_version", "title", "link"}


def read(stream):
    """Yield, in file order, the export's records: a `Site` once the channel's
    header has been read (before the first item), then `Author`, `Term`,
    `Item` records, and a `BrokenItem` for each item that cannot be read.

    Raises `etree.XMLSyntaxError` when the file is not a WXR export at all."""
    site = Site()
    site_announced = False
    parser = etree.iterparse(
        stream,
        events=("end",),
        tag=[f"{{*}}{name}" for name in (*_HEADER, "item")],
        huge_tree=True,
        resolve_entities=False,
        no_network=True,
    )
    for _event, element in parser:
        parent = element.getparent()
        if parent is None or _local(parent.tag) != "channel":
            # A title, link or category inside an item: read with its item.
            continue
        name = _local(element.tag)
        namespace = etree.QName(element.tag).namespace or ""
        is_wordpress = namespace.startswith(WORDPRESS_NAMESPACE_PREFIX)
        if name == "item":
            if not site_announced:
                site_announced = True
                yield site
            try:
                yield _item(element)
            except BrokenItem as broken:
                yield broken
        elif is_wordpress and name == "author":
            yield _author(element)
        elif is_wordpress and name in ("category", "tag", "term"):
            try:
                yield _term(element)
            except ValueError as error:
                yield BrokenItem(element.sourceline or 0, f"{name}: {error}")
        elif (is_wordpress and name in _SITE_FIELDS) or (not namespace and name in ("title", "link")):
            setattr(site, name, _text(element).strip())
        _release(element)
    if not site_announced:
        yield site
