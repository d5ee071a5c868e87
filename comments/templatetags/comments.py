"""What the article page (and the admin's header) asks of the comments app."""

from django import template

from comments.models import Comment
from comments.text import render_comment_text
from comments.threads import approved_comments, render_conversation, thread_key
from newsroom.cache import shows

register = template.Library()


@register.simple_tag(takes_context=True)
def approved_comment_count(context, article):
    shows(context.get("request"), thread_key(article.pk))
    return len(approved_comments(article))


@register.simple_tag(takes_context=True)
def comments_area(context, article):
    """The comments area under an article, rendered for this request."""
    return render_conversation(article, context["request"])


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
