"""Who is asking: the client's address, as every part of the site must read it."""

import ipaddress

from django.conf import settings


def client_ip(request):
    """The reader's address: from the trusted proxy's header when one is configured, else the socket's."""
    address = request.META.get("REMOTE_ADDR", "")
    if settings.TRUSTED_PROXY_HEADER:
        header = settings.TRUSTED_PROXY_HEADER.upper().replace("-", "_")
        header = header if header.startswith("HTTP_") else f"HTTP_{header}"
        # The trusted proxy appends the address it saw; anything before it the client could forge.
        address = request.META.get(header, "").split(",")[-1].strip()
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None
