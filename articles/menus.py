"""The sections the header and the footer list, contributed to every page's context.

They come with the site settings, in their one query: a copy of the rows the menus show is kept in
the settings row (`SiteSettings.add_furniture`), written again whenever a section changes.
"""

from django.db.models import Exists, OuterRef, Q
from django.utils.functional import SimpleLazyObject

from articles.models import Section
from newsroom.models import SiteSettings, rows_from_furniture

FURNITURE_NAME = "sections"
SHOWN_FIELDS = ["id", "name", "slug", "parent_id", "description", "position"]


def menu_rows():
    """The sections of the header and the footer, as the settings row keeps them."""
    sections = Section.objects.annotate(
        in_navigation=Exists(Section.objects.navigation().filter(pk=OuterRef("pk"))),
        in_footer=Exists(Section.objects.footer().filter(pk=OuterRef("pk"))),
    ).filter(Q(in_navigation=True) | Q(in_footer=True))
    return list(sections.values(*SHOWN_FIELDS, "in_navigation", "in_footer"))


def _menu(flag):
    rows = SiteSettings.current().furniture[FURNITURE_NAME]
    chosen = [{name: row[name] for name in SHOWN_FIELDS} for row in rows if row[flag]]
    return rows_from_furniture(Section, chosen)


def navigation_sections():
    """The top-level sections of the header, in their order: also the front page's blocks."""
    return _menu("in_navigation")


def footer_sections():
    return _menu("in_footer")


def section_menus():
    return {
        "navigation_sections": SimpleLazyObject(navigation_sections),
        "footer_sections": SimpleLazyObject(footer_sections),
    }
