"""The conversation under an article, as the page shows it."""

from dataclasses import dataclass, field

from django.core.paginator import Paginator
from django.template.loader import render_to_string

from articles.views import COMMENTS_PAGE_PARAMETER
from comments.forms import CommentForm
from comments.models import Comment
from comments.policy import closing_reason
from comments.tokens import read_pending_token
from newsroom.cache import cached_fragment, mark_uncacheable
from newsroom.models import SiteSettings

PENDING_PARAMETER = "pending"
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


@dataclass
class CommentNode:
    comment: Comment
    replies: list = field(default_factory=list)
    awaiting_moderation: bool = False


@dataclass
class Thread:
    count: int
    page: object
    comments: list


def render_conversation(article, request):
    """The comments area under an article, rendered for this request: the
    approved conversation, the reader's own held comment if they hold its
    receipt, and the form (or why comments are closed)."""
    site = SiteSettings.current()
    closed = closing_reason(article, site)
    context = {
        "article": article,
        "thread": thread_for(article, request, site.comments_per_page),
        "thread_depth": site.thread_depth,
        "closed_reason": closed,
        "blank_form": None if closed else blank_form(request, article, site),
        "page_parameter": COMMENTS_PAGE_PARAMETER,
    }
    # Rendered from this context alone: the site-wide context processors
    # would only repeat work for what the area does not show.
    return render_to_string("comments/area.html", context)


def blank_form(request, article, site):
    """The empty comment form, the same for every reader of the article (its
    token is made to be shared, see `comments.policy`): rendered once per
    generation of the page cache."""
    return cached_fragment(
        request,
        f"comment-form:{article.pk}",
        lambda: render_to_string("comments/form.html", {"form": CommentForm(article=article, settings=site)}),
    )


def approved_comments(article):
    """The article's approved comments, read once per page however many parts of it ask."""
    if not hasattr(article, "_approved_comments"):
        article._approved_comments = list(Comment.objects.approved().filter(article=article).only(*PUBLIC_FIELDS))
    return article._approved_comments


def thread_for(article, request, per_page):
    """One page of top-level comments with all their replies, in one query (two with a pending receipt).

    A reply whose parent is no longer approved is shown at the top level, so
    an approved comment never silently disappears from the page.
    """
    nodes = {comment.pk: CommentNode(comment) for comment in approved_comments(article)}
    top_level = []
    for node in nodes.values():
        parent = nodes.get(node.comment.parent_id)
        (parent.replies if parent else top_level).append(node)
    asked = request.GET.get(COMMENTS_PAGE_PARAMETER) if request else None
    page = Paginator(top_level, per_page).get_page(asked)
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
