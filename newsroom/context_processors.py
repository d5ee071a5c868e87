from django.conf import settings
from django.utils import timezone

from articles.models import Section
from newsroom.models import SiteSettings


def site(request):
    """What the header and footer of every page need."""
    return {
        "site": SiteSettings.current(),
        "navigation_sections": Section.objects.navigation(),
        "site_url": settings.SITE_URL,
        "current_year": timezone.localdate().year,
    }
