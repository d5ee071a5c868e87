from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.functional import SimpleLazyObject, cached_property

from articles.models import Section
from newsroom.models import SiteSettings


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


def site(request):
    """What the header and footer of every page need."""
    menus = SectionMenus()
    return {
        "site": SiteSettings.current(),
        "navigation_sections": SimpleLazyObject(lambda: menus.navigation),
        "footer_sections": SimpleLazyObject(lambda: menus.footer),
        "site_url": settings.SITE_URL,
        "current_year": timezone.localdate().year,
    }
