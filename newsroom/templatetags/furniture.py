"""The furniture every page shows, rendered once and shared by every page until the site changes."""

from django import template
from django.utils.safestring import mark_safe

from newsroom.cache import cached_fragment, fragment_variant

register = template.Library()


@register.simple_tag(takes_context=True)
def furniture(context, template_name, *differs_by):
    """`template_name` (the header, the footer) rendered with the page's context and kept as a
    fragment, shared by every page that gives the same `differs_by`: the few values of the page's
    own it shows, such as the section it is in. The rest is the site's settings and menus, which
    every fragment shows, so a change to them renders it again."""
    included = context.template.engine.get_template(template_name)

    def render():
        return included.render(context)

    request = context.get("request")
    if request is None:
        return mark_safe(render())
    return mark_safe(cached_fragment(request, f"furniture:{template_name}:{fragment_variant(*differs_by)}", render))
