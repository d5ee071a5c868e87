"""The body of a WordPress post, made the HTML an article holds.

A classic post is stored without paragraph tags: WordPress adds them each
time it shows the post (its `wpautop` filter turns blank lines into
paragraphs and single newlines into line breaks), and expands shortcodes
such as `[caption]` and `[gallery]`. `convert()` does the same once, with
`[caption]` made a figure and `[gallery]` the figures of its images; any other
shortcode stays in the text, where an editor sees it, and is listed so the
import can report it. Posts written in the block editor already carry their
markup and are not given paragraphs again.
"""

import html
import re
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from articles.html import sanitize_body

_ALL_BLOCKS = (
    r"(?:table|thead|tfoot|caption|col|colgroup|tbody|tr|td|th|div|dl|dd|dt|ul|ol|li|pre|form|map|area|blockquote"
    r"|address|style|p|h[1-6]|hr|fieldset|legend|section|article|aside|hgroup|header|footer|nav|figure|figcaption"
    r"|details|menu|summary)"
)
_TAG = re.compile(r"<[^>]*>")
_ATTRIBUTE = re.compile(r"""([a-zA-Z_:][-\w:.]*)\s*=\s*("[^"]*"|'[^']*'|[^\s"'>]+)""")
# Shortcode attributes: name="value", name='value', name=value, or a bare value.
_SHORTCODE = re.compile(r"\[(?P<close>/)?(?P<name>[a-zA-Z][\w-]*)(?P<attributes>(?:\s[^\]]*)?)\]")
_CAPTION = re.compile(r"\[(caption|wp_caption)(?P<attributes>[^\]]*)\](?P<inner>.*?)\[/\1\]", re.DOTALL)
_GALLERY = re.compile(r"\[gallery(?P<attributes>[^\]]*)\]")
_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_LINKED_IMG = re.compile(r"<a\b[^>]*>\s*(<img\b[^>]*>)\s*</a>", re.IGNORECASE | re.DOTALL)
_ANCHOR_HREF = re.compile(r"""(<a\b[^>]*?\bhref\s*=\s*)("[^"]*"|'[^']*')""", re.IGNORECASE)
_IFRAME = re.compile(r"<iframe\b[^>]*>.*?</iframe>|<iframe\b[^>]*/>", re.IGNORECASE | re.DOTALL)
_RENAMED_TAGS = re.compile(r"<(/?)(b|i|h1|h5|h6)(\s[^>]*)?>", re.IGNORECASE)
_NEW_NAMES = {"b": "strong", "i": "em", "h1": "h2", "h5": "h4", "h6": "h4"}
# What the sanitiser would drop without a trace of what it held: reported, so an editor can look.
_DROPPED_MARKUP = re.compile(r"<(video|audio|object|embed|form|script|style|pre|code)\b", re.IGNORECASE)
# A table becomes one paragraph per row, its cells separated by a middle dot: the words stay in order.
_TABLE_PARTS = re.compile(r"</?(?:table|thead|tbody|tfoot|caption|colgroup|col)\b[^>]*>", re.IGNORECASE)
_ROW = re.compile(r"<tr\b[^>]*>(.*?)</tr>", re.IGNORECASE | re.DOTALL)
_CELL_BOUNDARY = re.compile(r"</t[dh]>\s*<t[dh]\b[^>]*>", re.IGNORECASE)
_CELL = re.compile(r"</?t[dh]\b[^>]*>", re.IGNORECASE)
_BLANK_LINES = re.compile(r">\s*\n\s*<")
_WP_IMAGE_CLASS = re.compile(r"\bwp-image-(\d+)\b")
_SIZED_NAME = re.compile(r"-\d+x\d+(?=\.\w+$)")
BLOCK_EDITOR_MARK = "<!-- wp:"


@dataclass
class ImageRef:
    """An image of the new site, as a body shows it."""

    src: str
    original_url: str
    alt: str = ""
    caption: str = ""
    width: int | None = None
    height: int | None = None


@dataclass
class Body:
    html: str
    shortcodes: set = field(default_factory=set)
    missing_images: set = field(default_factory=set)
    dropped_markup: set = field(default_factory=set)
    embeds: int = 0
    tables: int = 0


def upload_key(url_or_path):
    """How an uploaded file is named whatever size or address a body uses:
    `2023/05/pier.jpg` for `https://old.example/wp-content/uploads/2023/05/pier-300x200.jpg`."""
    path = unquote(urlsplit(url_or_path).path if "//" in url_or_path else url_or_path)
    marker = path.rfind("/uploads/")
    if marker >= 0:
        path = path[marker + len("/uploads/") :]
    elif "//" in url_or_path or path.startswith("/"):
        return ""
    path = path.lstrip("/").lower()
    return _SIZED_NAME.sub("", path).replace("-scaled.", ".")


def shortcode_attributes(text):
    attributes = {}
    for match in _ATTRIBUTE.finditer(text):
        value = match.group(2)
        attributes[match.group(1).lower()] = html.unescape(value.strip("\"'") if value[0] in "\"'" else value)
    return attributes


def _id_list(value):
    return [int(part) for part in re.split(r"[\s,]+", value or "") if part.isdigit()]


class _Converter:
    def __init__(self, images):
        """`images` answers `by_id(attachment_id)`, `by_url(url)` and `attached_to(post_id)`, each an
        ImageRef or None (a list for the last)."""
        self.images = images
        self.body = Body(html="")

    def figure(self, image, caption="", alt=None):
        caption = caption or image.caption
        figcaption = f"<figcaption>{caption}</figcaption>" if caption else ""
        return f"<figure>{self.img_tag(image, alt)}{figcaption}</figure>"

    @staticmethod
    def img_tag(image, alt=None):
        size = f' width="{image.width}" height="{image.height}"' if image.width and image.height else ""
        alt_text = html.escape(image.alt if alt is None else alt, quote=True)
        return f'<img src="{html.escape(image.src, quote=True)}" alt="{alt_text}"{size}>'

    def resolve_img(self, tag):
        attributes = shortcode_attributes(tag[4:])
        image = None
        by_class = _WP_IMAGE_CLASS.search(attributes.get("class", ""))
        if by_class:
            image = self.images.by_id(int(by_class.group(1)))
        src = attributes.get("src", "")
        if image is None and src:
            image = self.images.by_url(src)
        if image is None:
            if src and upload_key(src):
                self.body.missing_images.add(src)
            return None
        return image

    def caption(self, match):
        attributes = shortcode_attributes(match.group("attributes"))
        inner = match.group("inner").strip()
        img = _IMG.search(inner)
        caption_text = attributes.get("caption", "")
        if img:
            rest = _LINKED_IMG.sub("", inner, count=1)
            caption_text = caption_text or (rest if rest != inner else _IMG.sub("", inner, count=1)).strip()
        image = self.resolve_img(img.group(0)) if img else None
        if image is None and attributes.get("id", "").startswith("attachment_"):
            attachment = attributes["id"].removeprefix("attachment_")
            image = self.images.by_id(int(attachment)) if attachment.isdigit() else None
        figcaption = f"<figcaption>{caption_text}</figcaption>" if caption_text else ""
        if image is None:
            return f"<figure>{img.group(0) if img else ''}{figcaption}</figure>"
        alt = shortcode_attributes(img.group(0)[4:]).get("alt") if img else None
        return self.figure(image, caption_text, alt=alt or None)

    def gallery(self, match):
        attributes = shortcode_attributes(match.group("attributes"))
        ids = _id_list(attributes.get("ids") or attributes.get("include"))
        if ids:
            found = [self.images.by_id(attachment) for attachment in ids]
            for attachment, image in zip(ids, found, strict=True):
                if image is None:
                    self.body.missing_images.add(f"attachment {attachment}")
            images = [image for image in found if image is not None]
        else:
            images = self.images.attached_to()
        return "\n\n" + "\n\n".join(self.figure(image) for image in images) + "\n\n"

    def rewrite_img(self, match):
        image = self.resolve_img(match.group(0))
        if image is None:
            return match.group(0)
        alt = shortcode_attributes(match.group(0)[4:]).get("alt")
        return self.img_tag(image, alt=alt or image.alt)

    def rewrite_href(self, match):
        href = html.unescape(match.group(2)[1:-1])
        image = self.images.by_url(href) if upload_key(href) else None
        if image is None:
            return match.group(0)
        return f'{match.group(1)}"{html.escape(image.original_url, quote=True)}"'

    def embed(self, match):
        src = shortcode_attributes(match.group(0)[7:]).get("src", "")
        self.body.embeds += 1
        if not src.startswith(("http://", "https://", "//")):
            return ""
        src = f"https:{src}" if src.startswith("//") else src
        return f'\n\n<p>Embedded content: <a href="{html.escape(src, quote=True)}">{html.escape(src)}</a></p>\n\n'

    def run(self, content):
        content = content or ""
        is_block_editor = BLOCK_EDITOR_MARK in content
        content = _CAPTION.sub(self.caption, content)
        content = _GALLERY.sub(self.gallery, content)
        for shortcode in _SHORTCODE.finditer(content):
            if not shortcode.group("close"):
                self.body.shortcodes.add(shortcode.group("name").lower())
        content = _IFRAME.sub(self.embed, content)
        content = _IMG.sub(self.rewrite_img, content)
        content = _ANCHOR_HREF.sub(self.rewrite_href, content)
        content = _RENAMED_TAGS.sub(
            lambda m: f"<{m.group(1)}{_NEW_NAMES[m.group(2).lower()]}{m.group(3) or ''}>", content
        )
        self.body.dropped_markup = {tag.lower() for tag in _DROPPED_MARKUP.findall(content)}
        content = self.flatten_tables(content)
        if not is_block_editor:
            content = autop(content)
        # The block editor's comments are stripped by the sanitiser; the blank lines around them go too.
        self.body.html = _BLANK_LINES.sub(">\n<", sanitize_body(content)).strip()
        return self.body

    def flatten_tables(self, content):
        if "<table" not in content.lower():
            return content
        self.body.tables += content.lower().count("<table")
        rows = _ROW.sub(lambda row: f"<p>{_CELL.sub('', _CELL_BOUNDARY.sub(' · ', row.group(1))).strip()}</p>", content)
        return _TABLE_PARTS.sub("\n\n", rows)


def convert(content, images):
    """The post's content as sanitised article HTML, with what could not be carried over listed."""
    return _Converter(images).run(content)


def _newlines_inside_tags(text):
    return _TAG.sub(lambda tag: tag.group(0).replace("\n", " "), text)


def autop(text, line_breaks=True):
    """Paragraphs from blank lines, line breaks from single newlines, block
    elements left unwrapped: WordPress's `wpautop`, in Python."""
    if not text.strip():
        return ""
    text = text.replace("\r\n", "\n").replace("\r", "\n") + "\n"
    text = re.sub(r"<br\s*/?>\s*<br\s*/?>", "\n\n", text)
    text = re.sub(rf"(<{_ALL_BLOCKS}[\s/>])", r"\n\n\1", text)
    text = re.sub(rf"(</{_ALL_BLOCKS}>)", r"\1\n\n", text)
    text = re.sub(r"(<hr\s*?/?>)", r"\1\n\n", text)
    text = _newlines_inside_tags(text)
    if "<figcaption" in text:
        text = re.sub(r"\s*(<figcaption[^>]*>)", r"\1", text)
        text = re.sub(r"</figcaption>\s*", "</figcaption>", text)
    text = re.sub(r"\n\n+", "\n\n", text)
    paragraphs = [part for part in re.split(r"\n\s*\n", text) if part]
    text = "".join(f"<p>{part.strip(chr(10))}</p>\n" for part in paragraphs)
    text = re.sub(r"<p>\s*</p>", "", text)
    text = re.sub(r"<p>([^<]+)</(div|address|form)>", r"<p>\1</p></\2>", text)
    text = re.sub(rf"<p>\s*(</?{_ALL_BLOCKS}[^>]*>)\s*</p>", r"\1", text)
    text = re.sub(r"<p>(<li.+?)</p>", r"\1", text)
    text = re.sub(r"<p><blockquote([^>]*)>", r"<blockquote\1><p>", text, flags=re.IGNORECASE)
    text = text.replace("</blockquote></p>", "</p></blockquote>")
    text = re.sub(rf"<p>\s*(</?{_ALL_BLOCKS}[^>]*>)", r"\1", text)
    text = re.sub(rf"(</?{_ALL_BLOCKS}[^>]*>)\s*</p>", r"\1", text)
    if line_breaks:
        text = re.sub(r"<br\s*/?>", "<br />", text)
        text = re.sub(r"(?<!<br />)\s*\n", "<br />\n", text)
    text = re.sub(rf"(</?{_ALL_BLOCKS}[^>]*>)\s*<br />", r"\1", text)
    text = re.sub(r"<br />(\s*</?(?:p|li|div|dl|dd|dt|th|pre|td|ul|ol)[^>]*>)", r"\1", text)
    return re.sub(r"\n</p>$", "</p>", text)
