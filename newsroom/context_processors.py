from django.conf import settings
from django.utils import timezone

from newsroom.models import SiteSettings

# Callables giving the menus an app contributes to every page, as template variables.
_menu_sources = []


def add_menus(source):
    """Every page's header and footer show the menus `source()` gives: a
    mapping of template variable names to (preferably lazy) lists."""
    _menu_sources.append(source)


def site(request):
    """What the header and footer of every page need."""
    context = {
        "site": SiteSettings.current(),
        "site_url": settings.SITE_URL,
        "current_year": timezone.localdate().year,
        "on_front_page": request.path == "/",
    }
    for source in _menu_sources:
        context.update(source())
    return context
