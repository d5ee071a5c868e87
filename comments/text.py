"""Reader text as it appears on a page: plain text, never the reader's HTML."""

import re

from django.utils.html import Urlizer
from django.utils.safestring import mark_safe

PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
LINK_TEXT_LIMIT = 60


class _ReaderLinkUrlizer(Urlizer):
    # Every link a reader writes, mail links included, is marked as user
    # content that search engines should not credit to the site.
    url_template = '<a href="{href}" rel="nofollow ugc">{url}</a>'


_urlize = _ReaderLinkUrlizer()


def render_comment_text(text):
    """Escaped HTML for a comment: paragraphs and line breaks kept, addresses made into links."""
    paragraphs = PARAGRAPH_BREAK.split(text.replace("\r\n", "\n").replace("\r", "\n").strip())
    html = []
    for paragraph in paragraphs:
        linked = _urlize(paragraph.strip(), trim_url_limit=LINK_TEXT_LIMIT, autoescape=True)
        html.append("<p>" + linked.replace("\n", "<br>") + "</p>")
    return mark_safe("\n".join(html))


def count_links(text):
    """How many links the page would show for this text."""
    return str(render_comment_text(text)).count("<a href=")
