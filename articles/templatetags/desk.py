"""The admin header's link to the desk, with the count of articles waiting for review."""

from django import template

from articles import desk, permissions

register = template.Library()


@register.inclusion_tag("articles/admin_desk_notice.html", takes_context=True)
def desk_notice(context):
    """Editors see how many articles wait for their review; other staff who see articles, a link to the desk."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.has_perm("articles.view_article"):
        return {"shown": False}
    return {"shown": True, "review_count": desk.review_count() if permissions.can_publish(user) else None}
