"""The furniture every page shows, rendered once and shared by every page until the site changes."""

from django import template

from newsroom.cache import cached_include

register = template.Library()


@register.simple_tag(takes_context=True)
def furniture(context, template_name, *differs_by):
    """`template_name` (the header, the footer) rendered with the page's context and kept as a
    fragment, shared by every page that gives the same `differs_by`: the few values of the page's
    own it shows, such as the section it is in. The rest is the site's settings and menus, which
    every fragment shows, so a change to them renders it again."""
    return cached_include(context, "furniture", template_name, *differs_by)
