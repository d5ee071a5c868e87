"""What the article page (and the admin's header) asks of the comments app."""

from django import template

from comments.forms import CommentForm
from comments.models import Comment
from comments.policy import closing_reason
from comments.text import render_comment_text
from comments.threads import COMMENTS_PAGE_PARAMETER, approved_comments, thread_for
from newsroom.models import SiteSettings

register = template.Library()


@register.simple_tag
def approved_comment_count(article):
    return len(approved_comments(article))


@register.inclusion_tag("comments/area.html", takes_context=True)
def comments_area(context, article):
    """The approved conversation, the reader's own held comment if they hold its receipt, and the form."""
    request = context.get("request")
    site = SiteSettings.current()
    closed = closing_reason(article, site)
    return {
        "article": article,
        "thread": thread_for(article, request, site.comments_per_page),
        "thread_depth": site.thread_depth,
        "closed_reason": closed,
        "form": None if closed else CommentForm(article=article, settings=site),
        "page_parameter": COMMENTS_PAGE_PARAMETER,
    }


@register.filter
def comment_html(text):
    return render_comment_text(text)


@register.inclusion_tag("comments/admin_pending_notice.html", takes_context=True)
def pending_comments_notice(context):
    """The admin header's "N comments awaiting moderation", for staff who may see comments."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.has_perm("comments.view_comment"):
        return {"count": None}
    return {"count": Comment.objects.pending().count()}
