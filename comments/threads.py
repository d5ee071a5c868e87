"""The conversation under an article, as the page shows it."""

from dataclasses import dataclass, field

from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe

from articles.views import COMMENTS_PAGE_PARAMETER
from comments.forms import CommentForm
from comments.models import Comment
from comments.policy import closing_reason, takes_replies
from comments.tokens import issue_form_token, read_pending_token
from newsroom.cache import cached_fragment, mark_uncacheable, shows
from newsroom.models import SiteSettings
from newsroom.queries import PreparedQuery

PENDING_PARAMETER = "pending"
# Where an article's own values go in the blank comment form every article shares: the values of its
# hidden fields. The form is rendered from no reader's input, so nothing can produce them there but
# the template.
ARTICLE_ID_SLOT = "article-id-slot"
FORM_TOKEN_SLOT = "form-token-slot"
# Only what readers may see is ever read for a public page: email addresses,
# IP addresses and user agents never leave the database on the way to one.
PUBLIC_FIELDS = [
    "id",
    "article_id",
    "parent_id",
    "depth",
    "author_name",
    "author_url",
    "text",
    "is_staff_reply",
    "created_at",
]


def thread_key(article_id):
    """The page cache's key (newsroom/cache.py) for an article's conversation: its page and comment count show it."""
    return f"comments-{article_id}"


@dataclass
class CommentNode:
    comment: Comment
    replies: list = field(default_factory=list)
    awaiting_moderation: bool = False
    offers_reply: bool = False

    def holds(self, comment):
        """Whether `comment` is this node's comment or one of its replies, however deep."""
        return self.comment.pk == comment.pk or any(reply.holds(comment) for reply in self.replies)


@dataclass
class Thread:
    count: int
    page: object
    comments: list


def render_conversation(article, request):
    """The comments area under an article, rendered for this request: the
    approved conversation, the reader's own held comment if they hold its
    receipt, and the form (or why comments are closed)."""
    shows(request, thread_key(article.pk))
    site = SiteSettings.current()
    closed = closing_reason(article, site)
    context = {
        "article": article,
        "thread": thread_for(article, request, site, replies_open=not closed),
        "closed_reason": closed,
        "blank_form": None if closed else blank_form(request, article, site),
        "page_parameter": COMMENTS_PAGE_PARAMETER,
    }
    # Rendered from this context alone: the site-wide context processors
    # would only repeat work for what the area does not show.
    return render_to_string("comments/area.html", context)


def blank_form(request, article, site):
    """The empty comment form, the same for every reader of the article (its token is made to be
    shared, see `comments.policy`). It is the same for every article but for the values of its hidden
    fields, so it is rendered once for the whole site, and an article's form is that one with its own
    values written in: cheaper than keeping each article's as a fragment of its own."""
    token = issue_form_token(article.pk, timezone.now())
    shared = cached_fragment(request, "blank-comment-form", lambda: _shared_blank_form(article, site))
    return mark_safe(shared.replace(ARTICLE_ID_SLOT, str(article.pk), 1).replace(FORM_TOKEN_SLOT, escape(token), 1))


def _shared_blank_form(article, site):
    form = CommentForm(article=article, settings=site)
    form.initial.update(article=ARTICLE_ID_SLOT, token=FORM_TOKEN_SLOT)
    return render_to_string("comments/form.html", {"form": form})


_APPROVED_COMMENTS = PreparedQuery(
    lambda article_id: Comment.objects.approved().filter(article=article_id).only(*PUBLIC_FIELDS)
)


def approved_comments(article):
    """The article's approved comments, read once per page however many parts of it ask."""
    if not hasattr(article, "_approved_comments"):
        article._approved_comments = _APPROVED_COMMENTS.objects(article.pk, using=article._state.db or "default")
    return article._approved_comments


def conversations(comments):
    """`comments` as the page groups them: each by id, and the top-level ones in order, holding their replies.

    A reply whose parent is not among them (no longer approved) is shown at
    the top level, so an approved comment never silently disappears from the page.
    """
    nodes = {comment.pk: CommentNode(comment) for comment in comments}
    top_level = []
    for node in nodes.values():
        parent = nodes.get(node.comment.parent_id)
        (parent.replies if parent else top_level).append(node)
    return nodes, top_level


def thread_for(article, request, site, *, replies_open):
    """One page of top-level comments with all their replies, in one query (two with a pending receipt).

    While `replies_open` (the article takes comments), each approved comment
    that `takes_replies` offers a reply link.
    """
    nodes, top_level = conversations(approved_comments(article))
    if replies_open:
        for node in nodes.values():
            node.offers_reply = takes_replies(node.comment, site)
    asked = request.GET.get(COMMENTS_PAGE_PARAMETER) if request else None
    page = Paginator(top_level, site.comments_per_page).get_page(asked)
    if asked is not None and asked != str(page.number):
        # A page past the end, or another spelling of a page's number, shows the
        # nearest page: to readers who follow an old link, never to the page cache.
        mark_uncacheable(request)
    shown = list(page.object_list)

    pending = readers_pending_comment(article, request)
    if pending is not None:
        node = CommentNode(pending, awaiting_moderation=True)
        parent = nodes.get(pending.parent_id)
        (parent.replies if parent else shown).append(node)
    return Thread(count=len(nodes), page=page, comments=shown)


def page_showing(comment, per_page):
    """Which page of its article's thread shows `comment`: the page `thread_for` puts its conversation on.

    A held comment counts where it shows once approved, which is also where
    its author sees it with their receipt: under an approved parent, or else
    at the top level in the order of posting.
    """
    comments = approved_comments(comment.article)
    if comment not in comments:
        comments = sorted([*comments, comment], key=lambda each: (each.created_at, each.pk))
    _, top_level = conversations(comments)
    position = next(index for index, node in enumerate(top_level) if node.holds(comment))
    return position // per_page + 1


def readers_pending_comment(article, request):
    """The held comment whose receipt is in the address, for the reader who holds that address only."""
    if request is None or PENDING_PARAMETER not in request.GET:
        return None
    # The page now shows something personal (or at least varies with a
    # private link): it must never be stored in, or served from, a shared cache.
    mark_uncacheable(request)
    comment_id = read_pending_token(request.GET[PENDING_PARAMETER])
    if comment_id is None:
        return None
    # A comment sent to spam looks held to its author, so a spammer learns nothing from the receipt.
    return (
        Comment.objects.filter(pk=comment_id, article=article, status__in=[Comment.Status.PENDING, Comment.Status.SPAM])
        .only(*PUBLIC_FIELDS)
        .first()
    )
