import errno

from django.conf import settings
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_safe
from django.views.static import serve


@require_safe
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /preview/",
        "Disallow: /search/",
        f"Sitemap: {settings.SITE_URL}{reverse('sitemap')}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")


def media(request, path):
    """Uploads, read from MEDIA_ROOT as it is at request time (tests point it elsewhere)."""
    try:
        return serve(request, path, document_root=settings.MEDIA_ROOT)
    except OSError as error:
        # A name longer than the file system allows cannot be an upload.
        if error.errno == errno.ENAMETOOLONG:
            raise Http404("No such file.") from None
        raise
