"""What the article page asks of the comments app."""

from django import template

from comments.models import Comment

register = template.Library()


@register.simple_tag
def approved_comment_count(article):
    return Comment.objects.approved().filter(article=article).count()


@register.inclusion_tag("comments/area.html", takes_context=True)
def comments_area(context, article):
    return {"article": article, "request": context.get("request")}
