"""Cells that keep an admin list to one line a row: long text clipped, with the whole of it in a tooltip,
and times written short. Shared by the editors' article list and the moderators' comment queue."""

from django.utils import timezone
from django.utils.html import format_html

SHORT_TIME_FORMAT = "%Y-%m-%d %H:%M"
FULL_TIME_FORMAT = "%Y-%m-%d %H:%M:%S %Z"


def clipped(text):
    """The text on one line, cut by the stylesheet where its column ends; the tooltip shows it whole."""
    if not text:
        return "—"
    return format_html('<span class="cell-clip" title="{}">{}</span>', text, text)


def short_time(moment):
    if moment is None:
        return "—"
    local = timezone.localtime(moment)
    return format_html(
        '<time datetime="{}" title="{}">{}</time>',
        local.isoformat(),
        local.strftime(FULL_TIME_FORMAT),
        local.strftime(SHORT_TIME_FORMAT),
    )
