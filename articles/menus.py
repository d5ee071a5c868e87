"""The sections the header and the footer list, contributed to every page's context."""

from django.db.models import Exists, OuterRef, Q
from django.utils.functional import SimpleLazyObject, cached_property

from articles.models import Section


class SectionMenus:
    """The header's and the footer's sections, read in one query the first
    time a template asks for either of them."""

    @cached_property
    def _sections(self):
        sections = Section.objects.annotate(
            in_navigation=Exists(Section.objects.navigation().filter(pk=OuterRef("pk"))),
            in_footer=Exists(Section.objects.footer().filter(pk=OuterRef("pk"))),
        )
        return list(sections.filter(Q(in_navigation=True) | Q(in_footer=True)))

    @property
    def navigation(self):
        return [section for section in self._sections if section.in_navigation]

    @property
    def footer(self):
        return [section for section in self._sections if section.in_footer]


def section_menus():
    menus = SectionMenus()
    return {
        "navigation_sections": SimpleLazyObject(lambda: menus.navigation),
        "footer_sections": SimpleLazyObject(lambda: menus.footer),
    }
